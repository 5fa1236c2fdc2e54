"""Excel .xlsx (openpyxl, read-only) and .xls (xlrd): each sheet a Grid, merged ranges resolved."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from reviewer.extract.documents.common import (
    SAVE_AS_XLSX, column_letters, failure, number_text, source_bytes, source_file,
)
from reviewer.extract.sources import UNREADABLE_FORMATS
from reviewer.extract.grid import Cell, Grid
from xml.etree import ElementTree as ET


def xlsx_grids(source: Path | bytes) -> list[Grid]:
    """Each sheet as a Grid, merged ranges resolved.

    Sheets are streamed in openpyxl's read-only mode (fast, little memory); read-only
    mode does not expose merged ranges, so they are read from each sheet's <mergeCell>
    elements in the package, which costs one more pass over the sheet's XML."""
    import openpyxl  # core dependency, imported lazily to keep start-up fast

    try:
        data = source_bytes(source)
        book = openpyxl.load_workbook(source_file(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise failure(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        merges = _xlsx_merges(data)
        grids = []
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # some writers store a wrong <dimension>; let openpyxl find the used range
            grids.append(_xlsx_sheet(sheet, merges.get(sheet.title, [])))
        return grids
    except Exception as exc:
        raise failure(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    finally:
        book.close()


def _xlsx_sheet(sheet, merges: list[tuple[int, int, int, int]]) -> Grid:
    texts = []
    for row in sheet.iter_rows():
        line = []
        for cell in row:
            value = cell.value
            if value is None:
                line.append("")
            else:  # the format only matters for numbers, and looking it up costs
                line.append(value_text(value, cell.number_format or "" if isinstance(value, (int, float)) else ""))
        texts.append(line)
    return sheet_grid(texts, merges, "xlsx", sheet.title)


def value_text(value: object, number_format: str) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return number_text(value, number_format)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value).replace("\r\n", "\n")


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _xlsx_merges(data: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """Sheet title → merged ranges (r0, c0, r1, c1), 0-based inclusive, from the package's XML."""

    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("rel:Relationship", ns)}
        names = set(archive.namelist())
        result = {}
        for sheet in workbook.findall("m:sheets/m:sheet", ns):
            target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if member not in names:
                continue
            xml = archive.read(member)
            tail = xml[max(0, xml.rfind(b"sheetData>")) :]  # <mergeCells> follows the cells
            result[sheet.get("name", "")] = [_merge_range(*ref) for ref in _MERGE_REF.findall(tail)]
    return result


def _merge_range(col0: bytes, row0: bytes, col1: bytes, row1: bytes) -> tuple[int, int, int, int]:
    def col(letters: bytes) -> int:
        n = 0
        for ch in letters.decode():
            n = n * 26 + ord(ch) - 64
        return n - 1

    return int(row0) - 1, col(col0), int(row1 or row0) - 1, col(col1 or col0)


def sheet_grid(texts: list[list[str]], merges: Iterable[tuple[int, int, int, int]], origin: str, name: str) -> Grid:
    """A sheet's cell texts (rows, "" for blank) and merged ranges (r0, c0, r1, c1, inclusive)
    as a Grid, without the blank rows and columns the used range often runs on with.

    A merge keeps its top-left value, as the sheet shows it. Ranges that overlap (a broken
    writer's file, seen in a real budget-system export) cannot all be shown: the largest is
    kept, as its box is the one drawn around the others."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}  # origin → (rowspan, colspan)
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, c0, r1, c1 in sorted(merges, key=lambda m: -(m[2] - m[0] + 1) * (m[3] - m[1] + 1)):
        area = [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
        if len(area) < 2 or any(p in covered or p in spans for p in area):
            continue
        spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        covered.update((p, (r0, c0)) for p in area[1:])
    used = [(r, c) for r, line in enumerate(texts) for c, text in enumerate(line) if text and (r, c) not in covered]
    used += list(spans) + list(covered)
    height = 1 + max((r for r, _ in used), default=-1)
    width = 1 + max((c for _, c in used), default=-1)
    letters = [column_letters(c) for c in range(width)]
    rows = []
    for r in range(height):
        line = texts[r] if r < len(texts) else []
        row = []
        for c in range(width):
            where = f"{name}!{letters[c]}{r + 1}"
            if (r, c) in covered:
                row.append(Cell("", where, covered_by=covered[(r, c)]))
            else:
                rowspan, colspan = spans.get((r, c), (1, 1))
                row.append(Cell(line[c] if c < len(line) else "", where, colspan=colspan, rowspan=rowspan))
        rows.append(row)
    return Grid(rows, origin, name)


# A CSV export's fields per row, below which a .csv file is read as text instead (a text
# saved under .csv, or a table parted by tabs, which the text reader reads as such).
_CSV_FIELDS = 3


def csv_grid(text: str) -> Grid | None:
    """A spreadsheet saved as CSV (Excel's 另存为 CSV, a budget system's export): the sheet's
    rows, each field a cell in its column, a merged range's positions after its first empty,
    as the export writes them. None when the text is not comma-separated (most non-blank
    lines give fewer than three fields)."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return None
    filled = [r for r in rows if any(f.strip() for f in r)]
    if not filled or sum(len(r) >= _CSV_FIELDS for r in filled) * 2 < len(filled):
        return None
    return sheet_grid([[f.strip() for f in r] for r in rows], (), "csv", "csv")


def xls_grids(source: Path | bytes, suffix: str | None = None) -> list[Grid]:
    """Each sheet of an Excel 97-2003 workbook (BIFF) as a Grid, merged ranges resolved."""
    try:
        import xlrd
    except ImportError:
        raise failure("Excel 97-2003 (.xls) input needs the xls extra: pip install 'reviewer[xls]'") from None
    book = None
    try:
        # formatting_info: merged ranges and number formats ("0.00%") are only read with it;
        # xlrd's own warnings go to a buffer, not to the program's output.
        book = xlrd.open_workbook(file_contents=source_bytes(source), formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())
        return [_xls_sheet(book, book.sheet_by_index(i)) for i in range(book.nsheets)]
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct.error, IndexError ... on damage
        if (suffix or (Path(source).suffix if not isinstance(source, bytes) else "")).lower() == ".et":
            raise failure(UNREADABLE_FORMATS[".et"]) from None
        raise failure(f"not a readable .xls workbook ({type(exc).__name__}): {SAVE_AS_XLSX}") from None
    finally:
        if book is not None:
            book.release_resources()


def _xls_sheet(book, sheet) -> Grid:
    import xlrd

    texts = []
    for r in range(sheet.nrows):
        line = []
        for cell in sheet.row(r):
            if cell.ctype == xlrd.XL_CELL_NUMBER:
                text = number_text(cell.value, _xls_format(book, cell.xf_index))
            elif cell.ctype == xlrd.XL_CELL_DATE:
                text = value_text(xlrd.xldate_as_datetime(cell.value, book.datemode), "")
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                text = "TRUE" if cell.value else "FALSE"
            elif cell.ctype == xlrd.XL_CELL_ERROR:
                text = xlrd.error_text_from_code.get(cell.value, "#ERR")
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                text = ""
            else:
                text = str(cell.value).replace("\r\n", "\n")
            line.append(text)
        texts.append(line)
    merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]  # xlrd's are half-open
    return sheet_grid(texts, merges, "xls", sheet.name)


def _xls_format(book, xf_index: int | None) -> str:
    try:
        return book.format_map[book.xf_list[xf_index].format_key].format_str
    except (IndexError, KeyError, TypeError):
        return ""
