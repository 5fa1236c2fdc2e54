"""Rows whose cells are delimited in the text: tabs, pipes (HTML/Markdown tables), runs of spaces.

Pipes: HTML-to-text converters write each cell followed by "|" (or Markdown, "| a | b |").
They drop the cells covered by a merged cell and pad the row with empty cells at its end,
and a line break inside a cell (or between cells) splits a row over several lines. So a
table's rows are rebuilt from the stream of cells by the table's width, not by its lines,
and a padded row is placed under its header by what its cells are.
"""

from __future__ import annotations

import re

from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.aligned import aligned_rows
from reviewer.extract.textgrid.quoted import has_quoted_break, quoted_rows
from reviewer.extract.textgrid.wordtext import rejoined_rows
from reviewer.extract.textgrid.source import Piece, Source
from reviewer.extract.textgrid.table import RawRow, TableBuilder, build
from reviewer.extract.textgrid.align import is_header, is_sub_header
from reviewer.extract.textgrid.flat import join_units
from reviewer.extract.textgrid.stream import StreamRows

PIPES = "|｜"
_PIPE = re.compile(r"[|｜]")
_SEPARATOR_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")
SPACES = re.compile(r"[ \u00a0]{2,}|\u3000+")
WORDS = re.compile(r"[ \u00a0\u3000]+")
_TAB = re.compile("\t")


# ---------------------------------------------------------------- tabs


def read_tabs(src: Source, first: int, last: int) -> TableBuilder:
    """Tab-separated fields, in place: an export keeps its empty (merged) cells as empty fields.
    A cell holding a line break is quoted when Excel copied the range (textgrid.quoted)."""
    table = TableBuilder(src, "tabs")
    quoted = has_quoted_break(src.text, src.line_span(first)[0], src.line_span(last)[1])
    rows = quoted_rows(src, first, last) if quoted else rejoined_rows(src, _split_lines(src, first, last, _TAB))
    for cells in rows:
        table.add_positional(list(cells))
    return table


def read_spaces(src: Source, first: int, last: int) -> TableBuilder:
    """Cells parted by runs of spaces: empty cells vanish, so rows are placed by what their cells
    are; a cell wrapped inside its column is joined back first, and a row under labels is placed
    under them by where its cells stand (aligned.aligned_rows)."""
    notes: list[str] = []
    table = build(src, aligned_rows(src, _split_lines(src, first, last, SPACES), notes), "spaces")
    table.notes += notes
    return table


def read_words(src: Source, first: int, last: int) -> TableBuilder:
    """Cells parted by single spaces, a row (or part of one) per line, as web pages copied as
    text give a table: a label wrapped over two lines ("经济效益" / "指标") is joined, a header
    split over lines is made one, and rows are placed by what their cells are."""

    lines = [_join_notes(src, cells) for cells in _split_lines(src, first, last, WORDS)]
    lines = _join_wrapped_labels(src, lines)
    lines = [join_units(cells) for cells in _join_header_tails(_join_split_headers(lines))]
    lines = _join_trailing_numbers(lines)
    raw = [RawRow([c for c in cells if not c.empty], ragged=True) for cells in lines]
    return build(src, [r for r in raw if r.cells], "words")


def _is_cue(text: str) -> bool:
    return cue.is_label(text) or cue.level(text) is not None


def _join_wrapped_labels(src: Source, lines: list[list[Piece]]) -> list[list[Piece]]:
    """A line's last cell and the next line's first that are one label or level name together
    ("可持续影" + "响指标", "一级" + "指标", "服务对象" + "满意度指标") while not both are one alone: one cell."""
    out: list[list[Piece]] = []
    for cells in lines:
        cells = [c for c in cells if not c.empty]
        if out and out[-1] and cells:
            last, first = out[-1][-1], cells[0]
            if (_is_cue(last.text + first.text) and not (_is_cue(last.text) and _is_cue(first.text))
                    and not cue.has_digit(first.text) and not _NOTE.match(last.text)):
                out[-1][-1] = Piece(last.text + first.text, last.start, first.end)
                cells = cells[1:]
                if not cells:
                    continue
        out.append(cells)
    return out


_NOTE = re.compile(r"^[(（][^()（）]{1,10}[)）]$")  # "(万元)", "(20分)": a bracketed note alone


def _join_notes(src: Source, cells: list[Piece]) -> list[Piece]:
    """A bracketed note that a space parts from the cell before it on its line ("年新增畜牧产值
    (万元)"): one cell, as written."""
    out: list[Piece] = []
    for cell in cells:
        if out and not out[-1].empty and _NOTE.match(cell.text) and not _NOTE.match(out[-1].text):
            out[-1] = Piece(src.text[out[-1].start:cell.end], out[-1].start, cell.end)
            continue
        out.append(cell)
    return out


def _join_split_headers(lines: list[list[Piece]]) -> list[list[Piece]]:
    """A header line (一级指标 | 二级指标 | …) whose first labels end the line before it: one header."""

    out: list[list[Piece]] = []
    for cells in lines:
        if out and is_header([c.text for c in cells]) and not is_header([c.text for c in out[-1]]):
            # (a header line above is a header of its own: the line is its lower row)
            before = out[-1]
            k = len(before)
            while k > 0 and cue.column_kind(before[k - 1].text):
                k -= 1
            if k < len(before):
                cells = before[k:] + cells
                out[-1] = before[:k]
                if not out[-1]:
                    out.pop()
        out.append(cells)
    return out


def _join_header_tails(lines: list[list[Piece]]) -> list[list[Piece]]:
    """A header whose labels were wrapped inside their cells ("年度" / "指标值", "实际" / "完成值"):
    the line under it holds only the labels' second halves, each of which makes a cell of the
    header that names no column, in order, a column label. They are joined into the header."""
    out: list[list[Piece]] = []
    for cells in lines:
        tails = [c for c in cells if not c.empty]
        if out and tails and is_header([c.text for c in out[-1]]):
            joined = _with_tails(out[-1], tails)
            if joined is not None:
                out[-1] = joined
                continue
        out.append(cells)
    return out


def _with_tails(header: list[Piece], tails: list[Piece]) -> list[Piece] | None:
    cells = list(header)
    k = 0
    for tail in tails:
        while k < len(cells) and not (cue.column_kind(cells[k].text) is None
                                      and cue.column_kind(cells[k].text + tail.text)):
            k += 1
        if k == len(cells):
            return None
        cells[k] = Piece(cells[k].text + tail.text, cells[k].start, tail.end)
        k += 1
    return cells


def _join_trailing_numbers(lines: list[list[Piece]]) -> list[list[Piece]]:
    """A line of numbers alone ("7 7") under a row that ends in words: the row's 分值 and 得分,
    put on the next line when its text cells filled the line (a long target and actual). The
    numbers end that row; a line of numbers under a row of numbers, a header or a label is a
    row of its own."""
    out: list[list[Piece]] = []
    header_seen = False
    for cells in lines:
        filled = [c for c in cells if not c.empty]
        texts = [c.text for c in filled]
        if is_header(texts):
            header_seen = True
        before = [c for c in out[-1] if not c.empty] if out else []
        if (header_seen and before and filled and len(filled) <= 3
                and all(cue.is_number(t) for t in texts)
                and not (cue.is_number(before[-1].text) or cue.is_percent(before[-1].text))
                and not is_header([c.text for c in before]) and cue.row_label(before[0].text) is None
                and len(before) >= 3):
            out[-1] = out[-1] + filled
            continue
        out.append(cells)
    return out


def _split_lines(src: Source, first: int, last: int, separator: re.Pattern) -> list[list[Piece]]:
    """Each non-blank line's pieces between separators, with their offsets."""
    rows = []
    for n in range(first, last + 1):
        start, end = src.line_span(n)
        if not src.text[start:end].strip():
            continue
        cells, at = [], start
        for m in separator.finditer(src.text, start, end):
            cells.append(src.piece(at, m.start()))
            at = m.end()
        cells.append(src.piece(at, end))
        rows.append(cells)
    return rows


# ---------------------------------------------------------------- pipes


def is_pipe_line(line: str) -> bool:
    s = line.strip()
    if not s or not _PIPE.search(s):
        return False
    return s[0] in PIPES or s[-1] in PIPES or len(_PIPE.findall(s)) >= 2


def read_pipes(src: Source, first: int, last: int) -> list[TableBuilder]:
    """One table per run of rows of one width; a header line wider than the table starts a new one."""
    lines = [src.line(n) for n in range(first, last + 1) if src.line(n).strip()]
    pipe_lines = [ln for ln in lines if is_pipe_line(ln)]
    leading = sum(1 for ln in pipe_lines if ln.strip()[0] in PIPES) * 2 > len(pipe_lines)
    counts = [_line_cells(ln, leading) for ln in pipe_lines]
    one_per_line = bool(counts) and sum(1 for c in counts if c <= 1) * 5 >= len(counts) * 4
    if one_per_line:
        opened = _opened_rows(src, first, last)
        if opened is not None:
            return [build(src, opened, "pipes", max(len(r.cells) for r in opened))]
    if one_per_line or _broken_at_labels(pipe_lines):
        return [_cells_per_line(src, first, last)]
    segments = _segments(src, first, last, leading)
    tables = []
    for seg_first, seg_last, width in segments:
        seg_start = src.line_span(seg_first)[0]
        seg_end = src.line_span(seg_last)[1]
        raw = _pipe_rows(src, seg_start, seg_end, width, leading)
        tables.append(build(src, raw, "pipes", width))
    return tables


def _opened_rows(src: Source, first: int, last: int) -> list[RawRow] | None:
    """Pipe cells one per line as an HTML converter writes a <tr>: a line holding only "|" at
    the line's start opens a row, each cell, indented, is closed by a "|" at the end of its
    (last) line, and a row's dropped cells are padded by indented lines of pipes only. The row
    boundaries are kept: rows are the cells between two openings (ragged: merged cells dropped).
    None when the text is not written so (cells without their closing pipe: one per line)."""
    lines = [n for n in range(first, last + 1) if src.line(n).strip()]
    pipes_only = {n for n in lines if not _PIPE.sub("", src.line(n)).strip()}
    openings = [n for k, n in enumerate(lines) if n in pipes_only and src.line(n)[:1] in PIPES
                and k + 1 < len(lines) and lines[k + 1] not in pipes_only]
    if len(openings) < 2:
        return None
    cell_lines = [n for n in lines if n > openings[0] and n not in pipes_only]
    closed = sum(1 for n in cell_lines if src.line(n).rstrip()[-1:] in PIPES)
    nested = sum(1 for n in cell_lines if src.line(n)[:1] in " \t")  # cells indented inside their row
    if closed * 5 < len(cell_lines) * 4 or nested * 5 < len(cell_lines) * 4:
        return None  # a "|" alone at a line's start is then an empty cell, not a row's opening
    rows = [RawRow([src.piece(*src.line_span(n))]) for n in lines if n < openings[0]]
    current: list[Piece] | None = None
    start: int | None = None  # where a cell broken over lines began
    for n in lines[lines.index(openings[0]):]:
        if n in openings:
            if current:
                rows.append(RawRow(current, ragged=True))
            current, start = [], None
            continue
        if n in pipes_only:
            continue  # padding for cells a merged cell dropped
        line_start, line_end = src.line_span(n)
        if start is None:
            start = line_start
        text = src.text[line_start:line_end].rstrip()
        if text[-1:] in PIPES:
            current.append(src.piece(start, line_start + len(text) - 1))
            start = None
    if current or start is not None:
        cut = start is not None or last >= src.line_count - 1  # no row opens after it: the text may end inside it
        if start is not None:
            current.append(src.piece(start, src.line_span(lines[-1])[1]))
        rows.append(RawRow(current, ragged=True, cut=cut))
    return rows


_BROKEN_LINES = 3


def _broken_at_labels(lines: list[str]) -> bool:
    """Pipe lines broken one cell after each row's end: a line closes with the label that opens
    the next row (年度资金总额, 其中:当年财政拨款, 项目资金) and the next line holds that row's
    values. Lines are then no rows at all: the cells are one stream, rebuilt as for cells one
    per line. (A header field's label closing a line is no sign: its value may be empty.)"""
    broken = 0
    for line in lines:
        cells = [c.strip() for c in _PIPE.split(line) if c.strip()]
        if len(cells) >= 2 and cue.row_label(cells[-1]) in ("funding", "section") \
                and not all(cue.is_label(c) for c in cells):
            broken += 1
    return broken >= _BROKEN_LINES


def _cells_per_line(src: Source, first: int, last: int) -> TableBuilder:
    """Pipe cells one per line: row boundaries are lost, rows are rebuilt as for one cell per line."""

    start, end = src.line_span(first)[0], src.line_span(last)[1]
    tokens, at = [], start
    for m in _PIPE.finditer(src.text, start, end):
        lines_before, tok = _lines_before_a_row(src, (at, m.start()))
        tokens += [src.piece(*line) for line in lines_before] + [src.piece(*tok)]
        at = m.end()
    if src.text[at:end].strip():
        tokens.append(src.piece(at, end))
    return StreamRows(src, tokens, "pipes-per-line").build()


def _line_cells(line: str, leading: bool) -> int:
    """How many cells a pipe line holds on its own."""
    s = line.strip()
    parts = _PIPE.split(s)
    if leading and s and s[0] in PIPES:
        parts = parts[1:]
    if s and s[-1] in PIPES:
        parts = parts[:-1]
    return len(parts)


def _segments(src: Source, first: int, last: int, leading: bool) -> list[tuple[int, int, int]]:
    """(first line, last line, width) of each table: split where a whole header line is wider
    than the table so far."""

    segments = []
    seg_first, width = first, 0
    for n in range(first, last + 1):
        line = src.line(n)
        if not is_pipe_line(line):
            continue
        count = _line_cells(line, leading)
        cells = [c.strip() for c in _PIPE.split(line.strip()) if c.strip()]
        if width and count > width and is_header(cells) and not is_sub_header(cells) and n > seg_first:
            segments.append((seg_first, n - 1, width))
            seg_first, width = n, count
        else:
            width = max(width, count)
    segments.append((seg_first, last, width))
    return [s for s in segments if s[2] > 0]


def _pipe_rows(src: Source, start: int, end: int, width: int, leading: bool) -> list[RawRow]:
    """Cells of the stream start..end, W at a time; between rows of a Markdown table, the
    blank between a closing and an opening pipe is skipped."""
    tokens: list[tuple[int, int]] = []  # [start, end) of the text between pipes
    at = start
    for m in _PIPE.finditer(src.text, start, end):
        tokens.append((at, m.start()))
        at = m.end()
    tail = (at, end)
    rows: list[RawRow] = []
    current: list[tuple[int, int]] = []
    expect_opening = leading
    for tok in tokens:
        text = src.text[tok[0] : tok[1]]
        if expect_opening:
            expect_opening = False
            if not text.strip():
                continue  # the blank before a row's opening pipe
            rows.append(RawRow([src.piece(*tok)]))  # text between rows: a row of its own
            continue
        if not current:
            lines_before, tok = _lines_before_a_row(src, tok)
            rows += [RawRow([src.piece(*line)]) for line in lines_before]
        elif _opens_a_row(src, tok) or _level_after_values(src, tok, current) or _values_after_labels(src, tok, current):
            rows.append(_raw_row(src, current))  # a row whose end the converter did not pad
            rows[-1].ragged = True
            current = []
        current.append(tok)
        if len(current) == width:
            rows.append(_raw_row(src, current))
            current = []
            expect_opening = leading
    tail_text = src.text[tail[0] : tail[1]]
    if tail_text.strip():
        current.append(tail)
    if current:
        row = _raw_row(src, current)
        row.cut = len(current) < width  # the text ends before the row has its cells
        rows.append(row)
    return [r for r in rows if r.cells and not _is_separator(src, r)]


def _lines_before_a_row(src: Source, tok: tuple[int, int]) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """A row's first cell that spans lines whose last line alone is a row label (项目名称) and
    the whole is none ("项目资金\n（万元）" is one label): the lines above the label are lines
    between the tables (a form's title, "(2024年度)"), rows of their own."""
    text = src.text[tok[0]:tok[1]]
    if "\n" not in text.strip():
        return [], tok
    spans, at = [], tok[0]
    for line in text.split("\n"):
        if line.strip():
            spans.append((at, at + len(line)))
        at += len(line) + 1
    last = src.text[spans[-1][0]:spans[-1][1]]
    whole = " ".join(src.text[a:b].strip() for a, b in spans)
    if len(spans) < 2 or cue.row_label(last) is None or cue.is_label(whole):
        return [], tok
    return spans[:-1], (spans[-1][0], tok[1])


def _opens_a_row(src: Source, tok: tuple[int, int]) -> bool:
    """A cell that begins a line and is a label only a row starts with (项目名称, 总分): the
    row before it has ended, however few cells it had."""
    text = src.text[tok[0]:tok[1]]
    if not text.strip() or "\n" in text.strip():
        return False
    if not _begins_a_line(src, tok):
        return False
    return cue.row_label(text) in ("field", "total")


def _begins_a_line(src: Source, tok: tuple[int, int]) -> bool:
    """Whether a cell's text is the first on its line (the line break may be inside the cell's
    token, before its text: "|\n项目名称 |")."""
    raw = src.text[tok[0]:tok[1]]
    at = tok[0] + len(raw) - len(raw.lstrip())
    line_start = src.text.rfind("\n", 0, at) + 1
    return not src.text[line_start:at].strip(" \t|｜")


def _level_after_values(src: Source, tok: tuple[int, int], current: list[tuple[int, int]]) -> bool:
    """A level name beginning a line ("数量指标 | 钢结构圈养围栏 | …") after a row that already
    holds a value: levels stand before a row's name and values, so it opens the next row (its
    merged level-1 cell dropped, the row shorter than the table)."""
    text = src.text[tok[0]:tok[1]].strip()
    if not text or "\n" in text or cue.level(text) is None or not _begins_a_line(src, tok):
        return False
    return any(_is_value(src.text[a:b]) for a, b in current)


def _values_after_labels(src: Source, tok: tuple[int, int], current: list[tuple[int, int]]) -> bool:
    """A line of a row's values ("支持欠发达国有林场…", "32.4") after a line that holds only
    labels ("年度 总体 目标 | 预期目标 | 实际完成情况 |"): that line was a header row of its own,
    shorter than the table."""
    text = src.text[tok[0]:tok[1]].strip()
    if not text or "\n" in text or cue.is_label(text) or not _begins_a_line(src, tok):
        return False
    if not (len(text) > _LONG_TEXT or _is_value(text)):
        return False
    labels = [src.text[a:b].strip() for a, b in current]
    return len(labels) >= 2 and all(label and cue.is_label(label) for label in labels)


_LONG_TEXT = 20


def _is_value(text: str) -> bool:
    t = text.strip()
    return bool(t) and (cue.is_number(t) or cue.is_percent(t) or cue.has_digit(t) and cue.looks_quantity(t))


def _raw_row(src: Source, toks: list[tuple[int, int]]) -> RawRow:
    """A row's real cells: trailing blanks on one line are padding for dropped merged cells."""
    real = list(toks)
    padded = False
    while real:
        text = src.text[real[-1][0] : real[-1][1]]
        if text.strip() or "\n" in text:
            break
        real.pop()
        padded = True
    pieces = [src.piece(*t) for t in real]
    return RawRow(pieces, ragged=padded)


def _is_separator(src: Source, row: RawRow) -> bool:
    texts = [p.text for p in row.cells if not p.empty]
    return bool(texts) and all(_SEPARATOR_CELL.match(t) for t in texts)
