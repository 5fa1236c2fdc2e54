"""Text → grids: the tables of a text, whatever delimits their cells.

    text_grids(text) -> list[Grid]

A text may hold several forms and tables, each laid out its own way, so the text is cut
into blocks and each block is read by what delimits its cells:

| block | cells | rows |
|---|---|---|
| tabs | tab-separated fields | lines; quoted cells over lines (quoted.py); Word's unquoted in-cell line breaks rejoined (wordtext.py) |
| pipes | between "|" (HTML/Markdown tables, "||||" padding) | rebuilt from the cell stream by the table's width |
| spaces | runs of 2+ spaces | lines |
| words | single spaces, in short lines | lines (wrapped labels and headers joined) |
| cells | one per line (or paragraph) | rebuilt from labels, level names and the header |
| flat | a table flattened into one line | cut at labels, rows rebuilt as for cells |

Ragged rows are placed under their header by what their cells are (align.py). Every cell
keeps its provenance (`where`: line numbers) and, where clean-up changed it, its text as
written (`Cell.original`). What could not be placed is left empty and said in `Grid.notes`.
Cues (labels, level names, units) come from the shared vocabulary (reviewer/domain/vocabulary).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reviewer.extract.cleanup import CleanText, clean
from reviewer.extract.grid import Cell, Grid
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.delimited import PIPES, SPACES, is_pipe_line, read_pipes, read_spaces, read_tabs, read_words
from reviewer.extract.textgrid.source import Source
from reviewer.extract.textgrid.flat import count_labels, flat_tokens
from reviewer.extract.textgrid.stream import StreamRows, line_tokens
from reviewer.extract.textgrid.table import TableBuilder
from reviewer.extract.textgrid.align import is_header

__all__ = ["text_grids", "Block", "blocks"]

_LONG = 120  # a line this long with labels in it is a flattened table
_PREAMBLE_LINES = 6
_PREAMBLE_WIDTH = 60
_SPACES_MIN_CELLS = 2
_PAGE_MARK = re.compile(r"^\s*\d{1,3}\s*、")  # "2、" opening a page of a document site


@dataclass(frozen=True)
class Block:
    kind: str  # tabs, pipes, spaces, words, cells, flat
    first: int  # 0-based line numbers, inclusive
    last: int


def text_grids(text: str, *, clean_up: bool = True) -> list[Grid]:
    """The tables found in a text, one Grid each, in text order. Never raises on bad input."""
    cleaned = clean(text) if clean_up else CleanText(text=text, original=text)
    src = Source(cleaned)
    found = blocks(src)
    grids: list[Grid] = []
    notes = [f"source text: {change}; cells keep the text as written in `original`" for change in cleaned.changes]
    previous_end = -1
    for block in found:
        for k, table in enumerate(_read(src, block)):
            grid = table.grid()
            if not grid.rows:
                continue
            if k == 0:  # the block's title lines belong to its first table
                preamble = _preamble(src, previous_end + 1, block.first - 1)
                grid.rows = [row + [Cell("")] * (grid.width - 1) for row in preamble] + grid.rows
            grid.notes = notes + grid.notes
            grids += _tables_in_cells(grid, notes) if block.kind != "flat" else [grid]
        previous_end = block.last
    return grids


_NESTED_DEPTH = 1


def _tables_in_cells(grid: Grid, notes: list[str]) -> list[Grid]:
    """The grid, and the tables written inside its cells (a page's metadata table whose 内容概述
    cell holds the document's text flattened), each read as a text of its own and placed after
    the row holding it (the grid is cut there); their cells say which cell they came from."""
    if _NESTED_DEPTH <= 0:
        return [grid]
    out: list[Grid] = []
    start = 0
    for r, row in enumerate(grid.rows):
        inner: list[Grid] = []
        for cell in row:
            if len(cell.text) < _LONG or "\n" in cell.text.strip():
                continue
            labels, runs = count_labels(cell.text)
            if runs < 1:
                continue
            for g in _nested(cell.text):
                g.rows = [[replace(c, where=f"{cell.where}, inside the cell: {c.where}") if c.where else c for c in cs]
                          for cs in g.rows]
                g.notes = notes + [f"{cell.where}: a table written inside one cell, read as text of its own"] + [
                    n for n in g.notes if not n.startswith("source text:")]
                inner.append(g)
        if inner:
            out.append(replace(grid, rows=grid.rows[start:r + 1]))
            out += inner
            start = r + 1
    if start == 0:
        return [grid]
    if start < len(grid.rows):
        out.append(replace(grid, rows=grid.rows[start:]))
    return out


def _nested(text: str) -> list[Grid]:
    global _NESTED_DEPTH
    _NESTED_DEPTH -= 1
    try:
        return text_grids(text, clean_up=False)
    finally:
        _NESTED_DEPTH += 1


def _read(src: Source, block: Block) -> list[TableBuilder]:
    if block.kind == "tabs":
        return [read_tabs(src, block.first, block.last)]
    if block.kind == "pipes":
        return read_pipes(src, block.first, block.last)
    if block.kind == "spaces":
        return [read_spaces(src, block.first, block.last)]
    if block.kind == "words":
        return [read_words(src, block.first, block.last)]
    if block.kind == "cells":
        return [StreamRows(src, line_tokens(src, block.first, block.last), "cells-per-line").build()]
    return [StreamRows(src, flat_tokens(src, block.first, block.last), "flattened").build()]


def _preamble(src: Source, first: int, last: int) -> list[list[Cell]]:
    """Short lines just above a table (its title, "(2024年度)", "单位：万元") as one-cell rows."""
    rows = []
    for n in range(last, max(first, last - 3 * _PREAMBLE_LINES) - 1, -1):
        line = src.line(n)
        if not line.strip():
            continue
        if len(line.strip()) > _PREAMBLE_WIDTH or len(rows) >= _PREAMBLE_LINES:
            break
        start, end = src.line_span(n)
        rows.append([src.cell(src.piece(start, end))])
    return rows[::-1]


# ---------------------------------------------------------------- blocks


def _line_kind(line: str) -> str:
    if not line.strip(" \t\r"):
        return "blank"
    if "\t" in line and line.strip():
        return "tab"
    if is_pipe_line(line):
        return "pipe"
    if "|" in line or "｜" in line:
        return "pipeish"  # a pipe row's line that a line break inside a cell cut
    stripped = line.strip()
    if len(stripped) >= _LONG:
        return "long"
    if len(_split_spaces(stripped)) >= _SPACES_MIN_CELLS:
        return "spaces"
    return "short"


def _in_spaced_block(line: str, kind: str) -> str:
    """A line's kind inside a block of space-parted cells: a long cell in a row of the block,
    and a line indented by a run of spaces (a wrapped cell's next part, under its column),
    are lines of the block."""
    if kind == "long" and len(_split_spaces(line)) >= 2 or kind in ("short", "long") and SPACES.match(line):
        return "spaces"
    return kind


def _split_spaces(line: str) -> list[str]:
    return [p for p in SPACES.split(line) if p.strip()]


def blocks(src: Source) -> list[Block]:
    """The table blocks of a text, by how their cells are delimited."""
    kinds = [_line_kind(src.line(n)) for n in range(src.line_count)]
    out: list[Block] = []
    n = 0
    no_words_before = 0
    no_cells_before = 0
    while n < len(kinds):
        kind = kinds[n]
        if kind in ("tab", "pipe"):
            members = [("pipe" if k == "pipeish" else k) for k in kinds] if kind == "pipe" else kinds
            lone = kind == "pipe" and _lone_pipe(src.line(n))
            last = _extend(members, n, kind, max_gap=_CELL_LINES if lone else 2)
            first = _cell_above(src, kinds, n, out[-1].last if out else -1) if lone else n
            out.append(Block("tabs" if kind == "tab" else "pipes", first, last))
            n = last + 1
        elif kind == "spaces":
            spaced = [_in_spaced_block(src.line(j), k) for j, k in enumerate(kinds)]
            last = _extend(spaced, n, "spaces", gap_kinds=("short",), max_gap=2)
            if _has_header(src, n, last):
                out.append(Block("spaces", n, last))
                n = last + 1
            else:
                n += 1
        elif kind == "long":
            last = n
            m = n + 1
            while m < len(kinds) and kinds[m] in ("long", "blank", "short"):
                if kinds[m] == "long" or kinds[m] == "short" and _page_marked(src.line(m)):
                    last = m
                elif kinds[m] == "short":
                    break
                m += 1
            labels, runs = count_labels(" ".join(src.line(k) for k in range(n, last + 1)))
            if runs >= 1 or labels >= 4:
                out.append(Block("flat", n, last))
            n = last + 1
        else:
            last = None
            if n >= no_cells_before:  # a later start in a run without enough labels has fewer
                last, no_cells_before = _cells_block(src, kinds, n)
            if last is not None:
                out.append(Block("cells", n, last))
                n = last + 1
                continue
            last = _lines_block(src, kinds, n) if n >= no_words_before else None
            if last is not None:
                out.append(Block("words", n, last))
                n = last + 1
            else:
                if n >= no_words_before:  # the region has no one-line header: none from a later line either
                    no_words_before = _region_end(src, kinds, n)
                n += 1
    return out


def _region_end(src: Source, kinds: list[str], n: int) -> int:
    """End (exclusive) of the run of short lines from n, long cells inside it included."""
    m = n
    while m < len(kinds) and (kinds[m] in ("short", "blank") or kinds[m] == "long" and m > n and _long_cell(src, m)
                              or kinds[m] == "spaces" and m > n and _labelled_row(src.line(m))):
        m += 1
    return m


def _labelled_row(line: str) -> bool:
    """A line opening with a funding row's or the total's label, or with a level name
    ("年度财政资金总额 1500 0.00  0.0000", "满意度指标  服务对象满意度指标 …"): a row of the table
    around it, though two of its cells happen to be parted by two spaces."""
    words = line.split()
    return bool(words) and (cue.row_label(words[0]) in ("funding", "total") or cue.level(words[0]) is not None)


def _lines_block(src: Source, kinds: list[str], n: int) -> int | None:
    """Short lines that are a table whose cells single spaces part, a row (or part of one) per
    line ("年初预算数 全年预算数(A) 全年执行数(B) 分值 …"). It needs a header written as one: a
    run of column labels."""
    m = _region_end(src, kinds, n)
    lines = [k for k in range(n, m) if kinds[k] != "blank"]
    if len(lines) < 3:
        return None
    # A header written on one line, its labels parted by single spaces (a cell stream has one
    # label per line).

    return lines[-1] if any(is_header(src.line(k).split()) for k in lines) else None


# A pipe alone on its line ends the cell written on the lines above it (a converter that puts
# every cell and every "|" on a line of its own): a cell may run over many lines (a rubric's
# scoring rule, ①…②…③…), and the table's first cell is above its first pipe.
_CELL_LINES = 12


def _lone_pipe(line: str) -> bool:
    return line.strip() in PIPES


def _cell_above(src: Source, kinds: list[str], n: int, previous_last: int) -> int:
    """First line of the cell that the lone pipe on line n ends: the line just above it, or
    the two above when together they are one label ("一级" / "指标"). Lines further up are the
    page's, not the table's."""
    def cell_line(k: int) -> bool:
        return k > previous_last and kinds[k] in ("short", "long") and not _lone_pipe(src.line(k))
    if not cell_line(n - 1):
        return n
    if cell_line(n - 2) and cue.column_kind(src.line(n - 2).strip() + src.line(n - 1).strip()):
        return n - 2
    return n - 1


def _page_marked(line: str) -> bool:
    return bool(_PAGE_MARK.match(line))


def _extend(kinds: list[str], n: int, kind: str, gap_kinds=("short", "long", "spaces"), max_gap: int = 2) -> int:
    """Last line of the block of `kind` starting at n: blank lines and up to max_gap other lines
    between its lines (wrapped cells) stay inside; one trailing line does too at the end of the text."""
    last = n
    m = n + 1
    gap = 0
    while m < len(kinds):
        k = kinds[m]
        if k == kind:
            last, gap = m, 0
        elif k == "blank":
            pass
        elif k in gap_kinds and gap < max_gap:
            gap += 1
        else:
            break
        m += 1
    tail = [j for j in range(last + 1, len(kinds)) if kinds[j] != "blank"]
    if len(tail) == 1 and kinds[tail[0]] in gap_kinds and kind == "pipe":
        last = tail[0]  # an excerpt cut inside its last row
    return last


def _has_header(src: Source, first: int, last: int) -> bool:

    return any(is_header(_split_spaces(src.line(n))) for n in range(first, last + 1))


def _long_cell(src: Source, n: int) -> bool:
    """A long line inside a cell stream that is one cell: it holds no run of column labels and
    fewer labels than a flattened table does."""
    labels, runs = count_labels(src.line(n))
    return runs == 0 and labels < 4


def _cells_block(src: Source, kinds: list[str], n: int) -> tuple[int | None, int]:
    """A run of short lines holding a table's labels one per line (three or more), or None;
    and the run's end (exclusive). A run from a later line before that end holds no more
    labels and ends no later, so it is no block either: callers skip those lines."""
    last = n
    labels = 0
    m = n
    while m < len(kinds) and (kinds[m] in ("short", "blank") or kinds[m] == "long" and labels and _long_cell(src, m)):
        if kinds[m] == "long":
            last = m  # a long cell of the stream (a goal's text), not a table flattened into a line
        elif kinds[m] == "short":
            last = m
            text = src.line(m).strip()
            if text and (cue.column_kind(text) or cue.row_label(text)):
                labels += 1
        m += 1
    return (last if labels >= 3 else None), m
