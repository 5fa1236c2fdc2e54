"""What the document readers share: placing spanned cells on a grid, numbers as a sheet
shows them, and the failure messages that say what to do with a format that cannot be read."""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path

from reviewer.extract.grid import Cell, Grid
from reviewer.extract.sources import ExtractFailure

SAVE_AS_XLSX = "save it as .xlsx (File → Save As) and read that file"


def failure(message: str) -> ExtractFailure:
    return ExtractFailure(message)


def source_bytes(source: Path | bytes) -> bytes:
    """The document's bytes: readers take a path (tests, scripts) or the bytes the source reader read."""
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def source_file(source: Path | bytes):
    """A file object for libraries that take one (openpyxl, python-docx, pdfplumber, zipfile)."""
    return io.BytesIO(source) if isinstance(source, bytes) else source


class Layout:
    """Place cells with spans on a grid, then freeze it into a Grid.

    A covered position gets an empty Cell pointing at the cell that covers it."""

    def __init__(self, origin: str, name: str, where):
        self.origin, self.name, self.where = origin, name, where
        self.cells: dict[tuple[int, int], list] = {}  # (r, c) → [text, rowspan, colspan]
        self.covered: dict[tuple[int, int], tuple[int, int]] = {}

    def taken(self, r: int, c: int) -> bool:
        return (r, c) in self.cells or (r, c) in self.covered

    def put(self, r: int, c: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
        self.cells[(r, c)] = [text, rowspan, colspan]
        for dr in range(rowspan):
            for dc in range(colspan):
                if dr or dc:
                    self.covered.setdefault((r + dr, c + dc), (r, c))

    def extend_down(self, origin: tuple[int, int], r: int) -> None:
        """The cell at `origin` also covers row r (a Word vMerge continuation)."""
        entry = self.cells[origin]
        entry[1] = r - origin[0] + 1
        for dc in range(entry[2]):
            self.covered[(r, origin[1] + dc)] = origin

    def grid(self) -> Grid:
        keys = list(self.cells) + list(self.covered)
        if not keys:
            return Grid([], self.origin, self.name)
        height = 1 + max(r for r, _ in keys)
        width = 1 + max(c for _, c in keys)
        rows = []
        for r in range(height):
            row = []
            for c in range(width):
                if (r, c) in self.cells:
                    text, rowspan, colspan = self.cells[(r, c)]
                    row.append(Cell(text, self.where(r, c), colspan=colspan, rowspan=rowspan))
                elif (r, c) in self.covered:
                    row.append(Cell("", self.where(r, c), covered_by=self.covered[(r, c)]))
                else:
                    row.append(Cell("", self.where(r, c)))
            rows.append(row)
        return Grid(rows, self.origin, self.name)


_FIXED = re.compile(r"^[#,]*0(?:\.(0+))?$")  # "0", "0.00", "#,##0.00"


def number_text(value: float, number_format: str = "") -> str:
    """A spreadsheet number as the sheet shows it: percent and fixed-decimal formats applied
    ("0.00%" → "97.71%", "0.00" → "406000.00"), else without ".0" and without binary noise."""
    fmt = number_format.split(";", 1)[0].strip()
    percent = fmt.endswith("%") and _FIXED.match(fmt[:-1])
    fixed = percent or _FIXED.match(fmt)
    if fixed:
        decimals = len(fixed.group(1) or "")
        shown = value * 100 if percent else value
        grouping = "," if "," in fmt else ""
        return f"{shown:{grouping}.{decimals}f}" + ("%" if percent else "")
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.15g}"  # the 15 digits a spreadsheet keeps


@lru_cache(maxsize=1024)
def column_letters(c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
