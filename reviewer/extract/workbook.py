""".xlsx workbooks as grids: one `Grid` per sheet, merged cells resolved from the workbook.

A merged range keeps its text in its top-left cell (with its colspan/rowspan); the other
positions are empty cells `covered_by` it, as a table export shows them. A value is
written as the sheet shows it: whole numbers without ".0", a percent-formatted cell as a
percent ("98%", where the cell stores 0.98), a date as YYYY-MM-DD.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from reviewer.extract.grid import Cell, Grid


class WorkbookError(Exception):
    """A file that is no readable workbook; the message says why."""


def xlsx_grids(path: Path) -> list[Grid]:
    import openpyxl  # core dependency, imported lazily to keep start-up fast

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise WorkbookError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        return [_sheet_grid(sheet) for sheet in book.worksheets]
    finally:
        book.close()


def _sheet_grid(sheet) -> Grid:
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for merged in sheet.merged_cells.ranges:
        top = (merged.min_row - 1, merged.min_col - 1)
        spans[top] = (merged.max_col - merged.min_col + 1, merged.max_row - merged.min_row + 1)
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                if (r, c) != top:
                    covered[(r, c)] = top
    rows: list[list[Cell]] = []
    for r, row in enumerate(sheet.iter_rows(min_row=1, min_col=1)):
        cells = []
        for c, cell in enumerate(row):
            if (r, c) in covered:
                cells.append(Cell("", f"{sheet.title}!{cell.coordinate}", covered_by=covered[(r, c)]))
                continue
            colspan, rowspan = spans.get((r, c), (1, 1))
            cells.append(Cell(_shown(cell), f"{sheet.title}!{cell.coordinate}", colspan, rowspan))
        while cells and cells[-1].empty and cells[-1].covered_by is None:
            cells.pop()
        rows.append(cells)
    return Grid(rows=rows, origin="xlsx", name=sheet.title)


def _shown(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
        if "%" in (cell.number_format or ""):
            number *= 100
            return f"{_plain(number)}%"
        return _plain(number)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
