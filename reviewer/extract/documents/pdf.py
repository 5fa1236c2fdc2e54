"""PDF: pdfplumber's ruled tables first (merged boxes resolved, a table continued on the
next page joined); then the tables that the other words stand in without ruling lines (a
border-less form, a scan's OCR text layer: pdf_words, only where a row names indicator or
funding columns); the text outside them last, in reading order."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from reviewer.extract.documents.common import Layout, failure, source_bytes, source_file
from reviewer.extract.documents.pdf_words import word_tables
from reviewer.extract.sources import RUN_OCR
from reviewer.extract.grid import Cell, Grid


def pdf_grids(source: Path | bytes) -> list[Grid]:
    """The ruled tables of a PDF (pdfplumber's table finder), merged boxes resolved;
    a table continued on the next page is one Grid."""
    return [b for b in pdf_blocks(source) if isinstance(b, Grid)]


_PAGE_NUMBER = re.compile(r"^[-—\s]*(第\s*)?\d+\s*(页|/\s*\d+)?(\s*共\s*\d+\s*页)?[-—\s]*$")


def pdf_blocks(source: Path | bytes) -> list[str | Grid]:
    try:
        import pdfplumber
    except ImportError:
        raise failure("PDF input needs the pdf extra: pip install 'reviewer[pdf]'") from None
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its warnings on a damaged file are not output
    blocks: list[str | Grid] = []
    edges: dict[int, list[float]] = {}  # id(Grid) → its column boundaries
    any_text = False
    try:
        with pdfplumber.open(source_file(source_bytes(source))) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                any_text = any_text or bool(page.chars)
                opened = _open_table(blocks)
                for block, columns in _pdf_page(page, number, edges[id(opened)] if opened is not None else None):
                    previous = _open_table(blocks)
                    if isinstance(block, Grid) and previous is not None and _same_edges(edges[id(previous)], columns):
                        at = next(i for i in range(len(blocks) - 1, -1, -1) if blocks[i] is previous)
                        del blocks[at + 1 :]  # page numbers between the two parts
                        block = _joined(previous, block)
                        blocks[-1] = block
                    else:
                        blocks.append(block)
                    if isinstance(block, Grid):
                        edges[id(block)] = columns
                blocks.append(_PageBreak())
    except Exception as exc:  # pdfminer raises many types for a broken PDF
        raise failure(f"not a readable PDF ({type(exc).__name__})") from None
    if not any_text:
        raise failure(f"a PDF with no text layer (a scan?): {RUN_OCR}")
    return [b for b in blocks if not isinstance(b, _PageBreak)]


class _PageBreak:
    """Marks a page boundary while a PDF is read: a table continues only across one."""


def _open_table(blocks: list) -> Grid | None:
    """The table that a table coming next may continue: the last one of the previous
    page, with nothing but page numbers between them."""
    crossed = False
    for block in reversed(blocks):
        if isinstance(block, Grid):
            return block if crossed else None
        if isinstance(block, _PageBreak):
            if crossed:
                return None
            crossed = True
        elif not _PAGE_NUMBER.match(block):
            return None
    return None


def _pdf_page(page, number: int, open_columns: list[float] | None = None) -> list[tuple[str | Grid, list[float]]]:
    """The page's tables and its text lines outside them, in reading order (top to bottom):
    the ruled tables, then the tables its other words stand in without ruling lines
    (pdf_words; `open_columns`: the columns of the table the previous page ended with)."""
    tables = page.find_tables()
    items: list[tuple[float, str | Grid, list[float]]] = []
    for t, table in enumerate(tables, start=1):
        grid, columns = _pdf_table(table, f"page {number} table {t}")
        items.append((table.bbox[1], grid, columns))
    boxes = [table.bbox for table in tables]

    def outside(obj) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    words = [w for w in page.extract_words() if outside(w)]
    for found in word_tables(words, number, open_columns):
        items.append((found.top, found.grid, found.columns))
        boxes.append((float("-inf"), found.top - 0.5, float("inf"), found.bottom + 0.5))
    text_page = page.filter(outside) if boxes else page
    items += [(line["top"], line["text"], []) for line in text_page.extract_text_lines()]
    items.sort(key=lambda item: item[0])
    return [(block, columns) for _, block, columns in items]


def _pdf_table(table, name: str) -> tuple[Grid, list[float]]:
    """A pdfplumber table as a Grid. Columns and rows are the distinct edges of all its
    boxes, so a box spanning columns covers them and the grid stays aligned with the
    columns that other rows draw."""
    texts: dict[tuple, str] = {}
    for row, values in zip(table.rows, table.extract()):
        for bbox, value in zip(row.cells, values):
            if bbox is not None:
                texts[tuple(bbox)] = value or ""
    xs = _edges([b[0] for b in table.cells] + [b[2] for b in table.cells])
    ys = _edges([b[1] for b in table.cells] + [b[3] for b in table.cells])
    layout = Layout("pdf", name, lambda r, c: f"{name} r{r + 1}c{c + 1}")
    for bbox in table.cells:
        x0, top, x1, bottom = bbox
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        if c1 <= c0 or r1 <= r0 or layout.taken(r0, c0):
            continue
        layout.put(r0, c0, texts.get(tuple(bbox), ""), rowspan=r1 - r0, colspan=c1 - c0)
    return layout.grid(), xs


def _edges(values: Iterable[float], tolerance: float = 1.5) -> list[float]:
    edges: list[float] = []
    for v in sorted(values):
        if not edges or v - edges[-1] > tolerance:
            edges.append(v)
    return edges


def _index(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def _same_edges(a: list[float] | None, b: list[float] | None) -> bool:
    return a is not None and b is not None and len(a) == len(b) and all(abs(x - y) <= 2 for x, y in zip(a, b))


def _joined(top: Grid, bottom: Grid) -> Grid:
    """A table continued on the next page: the rows of both, covered_by shifted down."""
    shift = len(top.rows)
    moved = [
        [Cell(c.text, c.where, c.colspan, c.rowspan,
              None if c.covered_by is None else (c.covered_by[0] + shift, c.covered_by[1])) for c in row]
        for row in bottom.rows
    ]
    return Grid(top.rows + moved, top.origin, top.name, top.notes + bottom.notes)
