"""A PDF table drawn without ruling lines, read from its words' coordinates.

A scanned form with an OCR text layer keeps its lines in the image, and some forms are
drawn without borders: pdfplumber's ruled-table finder finds nothing there, yet the words
stand in a table. Here the table is rebuilt from where each word stands (pdfplumber's
`extract_words`, x0/x1/top/bottom):

- words of one line that nearly touch are one phrase ("1" "个" → "1 个"); a wider gap parts cells;
- columns are where phrases start, a start that two or more lines share;
- a cell's wrapped lines are closer together than rows are, so the lines of one column that
  nearly touch are one cell, joined by line breaks in reading order;
- a row's cells overlap vertically (centred or top-aligned alike), so a cell belongs to the
  row whose one-line cells it overlaps (over two rows' bands: the one it covers most of);
- a cell that forms merge down (a level name over its group, 项目资金 over its rows, a
  two-row header's labels, or any cell of a row that lies between rows and overlaps their
  cells) is centred over the rows it covers: it goes to the first of them, covering the
  rest, when a run of rows is centred on it: the run from the column's last cell (a merged
  column is covered from one label to the next), or for a two-row header the least run
  around it; a label centred below its row of labels, with room below, covers an empty row
  there (年度总体目标 over an empty goal row), which is put back;
- a page whose column starts are all the previous page's columns continues its table.

Nothing is guessed: a phrase that starts at no column, or a merged label that fits no run of
rows, is left out and named in the grid's notes (a level name read in its own row under empty
cells is noted too). A run of rows becomes a table only where a row of it names indicator or
funding columns (the grid reader's own label functions), so a page of narrative text stays text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewer.extract.documents.common import Layout
from reviewer.extract.grid import Grid
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.align import is_amount_header, is_header

_PHRASE_GAP = 0.6  # words closer than this many line heights are one phrase (a space inside a cell)
_START_SLACK = 0.4  # line heights a column's starts may wander by (rounding, an OCR layer's jitter)
_WRAP_GAP = 0.5  # a cell's next line starts within this many line heights of the last one's bottom
_CENTRE_SLACK = 0.5  # line heights a merged label's centre may be off its rows' centre


@dataclass
class Phrase:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass
class Block:
    """One cell's text: the phrases of a column that wrap onto each other."""

    column: int
    lines: list[Phrase]
    spanning: bool = False  # in a row between rows, overlapping their cells: a cell merged over them

    @property
    def top(self) -> float:
        return self.lines[0].top

    @property
    def bottom(self) -> float:
        return self.lines[-1].bottom

    @property
    def centre(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def x1(self) -> float:
        return max(p.x1 for p in self.lines)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.lines)


@dataclass
class Row:
    core: tuple[float, float]  # the band of its smallest cell: every cell of the row overlaps it
    blocks: list[Block] = field(default_factory=list)
    blank: bool = False  # a row of empty cells, seen only in the label merged over it (_blank_rows)

    @property
    def top(self) -> float:
        return min((b.top for b in self.blocks), default=self.core[0])

    @property
    def bottom(self) -> float:
        return max((b.bottom for b in self.blocks), default=self.core[1])


@dataclass
class WordTable:
    """A table read from words: its grid, its vertical extent and its column starts."""

    grid: Grid
    top: float
    bottom: float
    columns: list[float]


def word_tables(words: list[dict], page_number: int, continues: list[float] | None = None) -> list[WordTable]:
    """The tables that a page's words (pdfplumber word dicts) stand in. `continues`: the column
    starts of a words table the previous page ended with, which this page's first rows may
    continue without a header of their own."""
    lines = _lines(words)
    phrases = [p for line in lines for p in _phrases(line)]
    if not phrases:
        return []
    starts = _column_starts(phrases)
    continuing = bool(continues) and all(any(abs(x - c) <= 2 for c in continues) for x in starts)
    if continuing:  # the previous page's columns (a last row alone shares no start with another line)
        starts = continues
    if len(starts) < 3:
        return []
    blocks, stray = _blocks(phrases, starts)
    rows = _rows(blocks)
    tables = []
    for first, last in _table_runs(rows, stray, continuing):
        run = rows[first : last + 1]
        top, bottom = run[0].top, run[-1].bottom
        strays = [p for p in stray if top <= (p.top + p.bottom) / 2 <= bottom]
        grid = _grid(run, starts, f"page {page_number} words table {len(tables) + 1}", strays)
        tables.append(WordTable(grid, top, bottom, starts))
    return tables


# ---------------------------------------------------------------- lines, phrases, columns


def _lines(words: list[dict]) -> list[list[dict]]:
    """Words side by side: a word joins the line whose first word it overlaps by half its height."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines:
            head = lines[-1][0]
            overlap = min(head["bottom"], w["bottom"]) - max(head["top"], w["top"])
            if overlap >= 0.5 * min(head["bottom"] - head["top"], w["bottom"] - w["top"]):
                lines[-1].append(w)
                continue
        lines.append([w])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _phrases(line: list[dict]) -> list[Phrase]:
    out: list[Phrase] = []
    for w in line:
        p = Phrase(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
        if out and p.x0 - out[-1].x1 < _PHRASE_GAP * min(out[-1].height, p.height):
            last = out[-1]
            out[-1] = Phrase(f"{last.text} {p.text}", last.x0, p.x1, min(last.top, p.top), max(last.bottom, p.bottom))
        else:
            out.append(p)
    return out


def _column_starts(phrases: list[Phrase]) -> list[float]:
    """Where columns start: phrase starts that two or more lines share."""
    height = _line_height(phrases)
    clusters: list[list[float]] = []
    for x in sorted(p.x0 for p in phrases):
        if clusters and x - clusters[-1][0] <= _START_SLACK * height:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    return [min(c) for c in clusters if len(c) >= 2]


def _line_height(phrases: list[Phrase]) -> float:
    heights = sorted(p.height for p in phrases)
    return heights[len(heights) // 2]


def _column_of(x0: float, starts: list[float], height: float) -> int | None:
    for k, s in enumerate(starts):
        if abs(x0 - s) <= _START_SLACK * height:
            return k
    return None


# ---------------------------------------------------------------- cells and rows


def _blocks(phrases: list[Phrase], starts: list[float]) -> tuple[list[Block], list[Phrase]]:
    """Each column's phrases, the wrapped lines of one cell joined; and the phrases that start at no column."""
    by_column: dict[int, list[Phrase]] = {}
    stray: list[Phrase] = []
    for p in phrases:
        k = _column_of(p.x0, starts, p.height)
        (stray.append(p) if k is None else by_column.setdefault(k, []).append(p))
    blocks: list[Block] = []
    for k, column in by_column.items():
        column.sort(key=lambda p: p.top)
        current: Block | None = None
        for p in column:
            if current is not None and p.top - current.bottom < _WRAP_GAP * p.height:
                current.lines.append(p)
            else:
                current = Block(k, [p])
                blocks.append(current)
    return blocks, stray


def _mergeable(block: Block) -> bool:
    """A cell that forms merge down over rows: a level name, a row or section label, a
    column label (over a two-row header)."""
    text = "".join(block.text.split())
    return block.spanning or bool(cue.level(text) or cue.is_label(text))


def _rows(blocks: list[Block]) -> list[Row]:
    """Rows from the cells' vertical bands, smallest cells first: a cell joins the row whose
    band it overlaps. Labels come after the values, and join a row of values before a row of
    labels: a merged label centred between rows is placed afterwards (_place_merged)."""
    by_size = sorted(blocks, key=lambda b: (len(b.lines), b.bottom - b.top, b.top))
    values: list[Row] = []
    for b in (b for b in by_size if not _mergeable(b)):
        _join(b, values, values)
    labels: list[Row] = []
    for b in (b for b in by_size if _mergeable(b)):
        in_values = any(_overlaps(b, r.core) for r in values)
        _join(b, values if in_values else labels, labels, most=in_values)
    rows = sorted(values + labels, key=lambda r: r.core[0])
    for n, row in enumerate(rows):
        near = [x for other in rows[max(n - 1, 0) : n + 2] if other is not row for x in other.blocks if not _mergeable(x)]
        if all(_mergeable(b) or any(_overlaps(b, (x.top + 0.5, x.bottom - 0.5)) for x in near) for b in row.blocks):
            for b in row.blocks:
                b.spanning = True  # a row between rows: what is not a label is a cell merged over them too
    return rows


def _join(b: Block, rows: list[Row], new: list[Row], most: bool = True) -> None:
    """Put the cell in the row whose band it overlaps, else in a new row (appended to `new`).
    Over two rows' bands: the one it covers most of; a label over two rows of labels (a
    two-row header's), the first."""
    hits = [r for r in rows if _overlaps(b, r.core)]
    if hits:
        (max(hits, key=lambda r: (_covered(b, r.core), -r.core[0])) if most else hits[0]).blocks.append(b)
    else:
        new.append(Row((b.top, b.bottom), [b]))


def _covered(b: Block, band: tuple[float, float]) -> float:
    """The share of the band that the cell covers."""
    return (min(b.bottom, band[1]) - max(b.top, band[0])) / max(band[1] - band[0], 0.1)


def _overlaps(b: Block, band: tuple[float, float]) -> bool:
    return b.top < band[1] and band[0] < b.bottom


# ---------------------------------------------------------------- tables


def _texts(row: Row) -> list[str]:
    return ["".join(b.text.split()) for b in sorted(row.blocks, key=lambda b: b.column)]


def _names_columns(row: Row) -> bool:
    texts = _texts(row)
    return is_header(texts) or is_amount_header(texts)


def _table_runs(rows: list[Row], stray: list[Phrase], continuing: bool) -> list[tuple[int, int]]:
    """Runs of rows that form a table: rows of two or more cells, or of one cell in a column
    with no stray phrase beside it (a centred title, a line of prose, starts at no column),
    around a row naming indicator or funding columns; or, on a page continuing a words
    table, the run it opens with."""

    def clean(r: Row) -> bool:  # a row of cells; or one cell, with no stray phrase beside it
        if len(r.blocks) >= 2:
            return True
        return not any(r.top - 1 <= (p.top + p.bottom) / 2 <= r.bottom + 1 for p in stray) and (
            _mergeable(r.blocks[0]) or _in_columns(r))

    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(rows):
        if not clean(rows[i]):
            i += 1
            continue
        j = i
        while j + 1 < len(rows) and clean(rows[j + 1]):
            j += 1
        if any(_names_columns(r) for r in rows[i : j + 1]) or (continuing and not runs and i == 0):
            runs.append((i, j))
        i = j + 1
    return runs


def _in_columns(row: Row) -> bool:
    """A row of one cell that is a value under a column, not a line of prose across the page."""
    b = row.blocks[0]
    return b.column > 0 and len(b.text) <= 40


def _grid(rows: list[Row], starts: list[float], name: str, stray: list[Phrase]) -> Grid:
    notes: list[str] = []
    rows = _blank_rows(rows)
    merged = _place_merged(rows, starts, notes, name)
    kept = [r for r, row in enumerate(rows) if row.blocks or row.blank]  # a label's own row between rows: the label moved
    layout = Layout("pdf", name, lambda r, c: f"{name} r{r + 1}c{c + 1}")
    for b, r0, r1 in merged:
        first = next(k for k, r in enumerate(kept) if r >= r0)
        last = max(k for k, r in enumerate(kept) if r <= r1)
        layout.put(first, b.column, b.text, rowspan=last - first + 1)
    rows = [rows[r] for r in kept]
    for r, row in enumerate(rows):
        for b in sorted(row.blocks, key=lambda b: b.column):
            if (r, b.column) in layout.cells:  # two cells of one column in one row: one cell's parts
                layout.cells[(r, b.column)][0] += "\n" + b.text
            elif layout.taken(r, b.column):
                notes.append(f"{name} r{r + 1}c{b.column + 1}: {b.text!r} stands where a merged cell is; left out")
            else:
                layout.put(r, b.column, b.text, colspan=_colspan(b, starts, row, layout, r))
    for p in stray:
        notes.append(f"{name}: {p.text!r} starts at no column of the table; left out")
    grid = layout.grid()
    grid.notes = notes
    return grid


def _colspan(b: Block, starts: list[float], row: Row, layout: Layout, r: int) -> int:
    """Columns the cell's text reaches into, up to the next cell of its row."""
    taken = {o.column for o in row.blocks if o is not b}
    span = 1
    while (b.column + span < len(starts) and starts[b.column + span] < b.x1 - 1 and b.column + span not in taken
           and not layout.taken(r, b.column + span)):
        span += 1
    return span


def _place_merged(rows: list[Row], starts: list[float], notes: list[str], name: str) -> list[tuple[Block, int, int]]:
    """Merged labels taken out of their rows, with the first and last row each covers: a label
    whose column is empty in a run of rows centred on it, the run starting right after the
    column's previous cell (a merged column is covered from one label to the next). A label
    that is its own row's cell (centred on its row alone) stays; a label between rows that
    fits no run is left out with a note."""
    merged: list[tuple[Block, int, int]] = []
    for c in sorted({b.column for row in rows for b in row.blocks}):
        held = [r for r, row in enumerate(rows) if any(_reaches(b, c, starts, row) for b in row.blocks)]
        free = 0
        for n, r in enumerate(held):
            b = next((b for b in rows[r].blocks if b.column == c), None)
            if b is None:  # the column is covered by a cell from its left
                free = r + 1
                continue
            end = held[n + 1] - 1 if n + 1 < len(held) else len(rows) - 1
            alone = len(rows[r].blocks) == 1
            span = _centred_span(rows, b, r, free, end) if _mergeable(b) else None
            if span is not None and (span != (r, r) or alone):
                rows[r].blocks.remove(b)
                merged.append((b, *span))
                free = span[1] + 1
            elif _mergeable(b) and alone:
                rows[r].blocks.remove(b)
                notes.append(f"{name}: label {b.text!r} between rows fits no run of rows; left out")
                free = r + 1
            else:
                if span is None and free < r and cue.level("".join(b.text.split())):
                    notes.append(f"{name} r{r + 1}c{c + 1}: level {b.text!r} may be merged over the empty cells "
                                 f"above it; no run of rows is centred on it, so it is read in its own row")
                free = r + 1
    return merged


def _blank_rows(rows: list[Row]) -> list[Row]:
    """Rows of empty cells put back where a label merged down from a row of labels is centred
    below it and the space below the row holds the rest of its span (年度总体目标 over its
    row of labels and an empty row of goals): the span's bottom mirrors the row's top about
    the label's centre, and reaches no further than the next row."""
    out: list[Row] = []
    for n, row in enumerate(rows):
        out.append(row)
        below = rows[n + 1].top if n + 1 < len(rows) else None
        for b in row.blocks:
            others = [x for x in row.blocks if x is not b]
            if not _labels_only(rows, n) or not others or below is None:  # a header row over empty cells
                continue
            line = b.lines[0].height
            top, bottom = min(x.top for x in others), max(x.bottom for x in others)
            span_bottom = 2 * b.centre - top
            if (b.centre - (top + bottom) / 2 > _CENTRE_SLACK * line and span_bottom - bottom >= line
                    and span_bottom <= below + _CENTRE_SLACK * line):
                out.append(Row((bottom + 0.1, min(span_bottom, below - 0.1)), [], blank=True))
                break
    return out


def _centred_span(rows: list[Row], b: Block, r: int, free: int, end: int) -> tuple[int, int] | None:
    """The run of rows the label is centred on, within free..end. Labels between two rows of
    labels (a two-row header's merged labels): the least run around their row. Else the run
    from `free` (a merged column is covered from one label to the next), or the label's own
    row alone, whichever is centred closest."""
    slack = _CENTRE_SLACK * b.lines[0].height

    def off(r0: int, r1: int) -> float:
        bands = [(x.top, x.bottom) for row in rows[r0 : r1 + 1] for x in row.blocks if x is not b]
        bands += [row.core for row in rows[r0 : r1 + 1] if row.blank]
        if not bands:
            return slack + 1
        return abs((min(t for t, _ in bands) + max(e for _, e in bands)) / 2 - b.centre)

    while free < r and rows[free].blank:  # a blank row belongs to the label above it, not to one below
        free += 1
    if _labels_only(rows, r) and 0 < r < len(rows) - 1 and _labels_only(rows, r - 1) and _labels_only(rows, r + 1):
        spans = sorted(((r0, r1) for r0 in range(free, r) for r1 in range(r + 1, end + 1)), key=lambda s: s[1] - s[0])
        return next((s for s in spans if off(*s) <= slack), None)
    best: tuple[float, tuple[int, int]] | None = None
    for r0, r1 in [(free, r1) for r1 in range(max(r, free), end + 1)] + [(r, r)]:
        if r0 > r or not (rows[r1].blank or any(x is not b for x in rows[r1].blocks)):
            continue
        o = off(r0, r1)
        if o <= slack and (best is None or o < best[0] - 0.5):  # on a tie the run: the column is covered
            best = (o, (r0, r1))
    return best[1] if best else None


def _labels_only(rows: list[Row], r: int) -> bool:
    return not rows[r].blank and all(_mergeable(x) for x in rows[r].blocks)


def _reaches(b: Block, c: int, starts: list[float], row: Row) -> bool:
    """The cell starts in column c or its text reaches into it (no other cell of its row between)."""
    if b.column == c:
        return True
    if c < b.column or any(b.column < o.column <= c for o in row.blocks):
        return False
    return starts[c] < b.x1 - 1
