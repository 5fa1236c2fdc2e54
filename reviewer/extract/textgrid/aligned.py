"""Cells wrapped inside their column, in text whose columns are aligned by runs of spaces.

`pdftotext -layout`, a spreadsheet saved as formatted text and a terminal print of a table
align every cell under its column and wrap a long cell onto the lines next to it, inside its
column, each part starting where the cell starts:

    三级指标                年度指标值    分值  得分
    根据实际需求产生费用    按需求结算    20    20
    情况进行结算

A line of such parts is no row of its own. Where each part stands says which cell it belongs
to (in display columns, a CJK character two wide, as a terminal aligns; or one column per
character, as pdfplumber's layout text places glyphs: whichever aligns the table's cells), and a rule
of wrapping says to which row: a cell goes on to the next line only when its line is full,
as far right as its column's longest line reaches. So a part joins the cell above it when
that cell's last line is full. A row of parts that joins nothing above, whose parts are
full and stand over the cells of the row right below it, is the start of those cells: the
row's cells are centred in it (their first lines above the line that holds its numbers).

A part never joins a cell when a label or level name would begin a row there instead: the
part is a row's label (主管部门, 总分), or a level name under a level name, or it stands under
a label of a row of labels (what stands under 预期目标 is the goal, not the label's end);
unless label and part together make one label or level name ("偏差原因分析及" + "改进措施").
Nor does a number join a cell of a row that has a number there: it is the next row's;
unless the column wrapped the number at its separator ("1898430." / "00", "1898430" /
".00"): neither part is a number as written, together they are one.

A row under a row of labels, each cell under a label of its own, is placed under them (its
empty cells, which the spaces dropped, put back): a goal whose 预期目标 is empty and whose
实际完成情况 is written shows which it is only by where it stands.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, replace

from reviewer.domain.vocabulary import depends_on_vocabulary
from reviewer.extract.textgrid import align
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.source import Piece, Source
from reviewer.extract.textgrid.table import RawRow

_SLACK = 1  # display columns a converter's rounding may move a cell's start by
_FULL = 1  # a full line ends this close to its column's longest: a CJK character (two wide) that no longer fit leaves one


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass
class Line:
    """A row as printed so far: its cells, where each starts and where each cell's last
    printed line ends (display columns), and the text line it ends on."""

    cells: list[Piece]
    starts: list[int]
    ends: list[int]
    last: int
    above: int = 0  # lines printed above the row's first line (its cells centred in it)
    below: int = 0  # lines printed below it


class Columns:
    """How far right each column's lines reach: a line is full when it reaches as far as the
    longest line that starts where it starts and ends before the same next column start."""

    def __init__(self, lines: list[Line]) -> None:
        self.starts = sorted({s for line in lines for s in line.starts})
        self.reach: dict[tuple[int, int | None], int] = {}
        for line in lines:
            for start, end in zip(line.starts, line.ends):
                key = start, self._bound(end)
                self.reach[key] = max(self.reach.get(key, 0), end)

    def _bound(self, end: int) -> int | None:
        k = bisect_right(self.starts, end)
        return self.starts[k] if k < len(self.starts) else None

    def full(self, start: int, end: int) -> bool:
        return end >= self.reach.get((start, self._bound(end)), end) - _FULL


def aligned_rows(src: Source, lines: list[list[Piece]], notes: list[str] | None = None) -> list[RawRow]:
    """The rows of the lines: wrapped cells joined, a row under labels placed under them, the
    others ragged (placed by what their cells are). `notes` gets a note for each line joined
    to the row above that could as well have begun the row below."""
    wide = _runs([line for line in (_line(src, cells, display_width) for cells in lines) if line is not None])
    narrow = _runs([line for line in (_line(src, cells, len) for cells in lines) if line is not None])
    rows: list[Line] = []
    for run in (min(pair, key=_spread) for pair in zip(wide, narrow)):
        joined, doubtful = _joined(run, Columns(run))
        rows += joined
        if notes is not None:
            notes += [f"{src.where(line.cells[0].start, line.cells[-1].end)}: a wrapped cell's line that may end the "
                      "row above or begin the row below (the cells are centred in their rows); read as the row "
                      "above's" for line in doubtful]
    out: list[RawRow] = []
    funding = None  # a funding header in force: the rows under it stand under its labels
    for n, line in enumerate(rows):
        if n and _is_funding_header(rows[n - 1]):
            funding = rows[n - 1]
        placed = _under_labels(rows[n - 1], line) if n else None
        if placed is None and funding is not None:
            placed = _under_funding(funding, line)
            if placed is not None:
                out.append(RawRow(placed, ragged=False, by_position=True))
                continue
            funding = None
        out.append(RawRow(placed, ragged=False) if placed else RawRow(line.cells, ragged=True))
    return out


def _is_funding_header(row: Line) -> bool:
    kinds = [cue.column_kind(c.text) for c in row.cells]
    return sum(k in align.AMOUNTS for k in kinds) >= 2


def _under_funding(header: Line, line: Line) -> list[Piece] | None:
    """A funding row laid under its header by where its cells stand ("年度资金总额      31.69  10
    97.8%  9" under 项目资金 | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分): its label
    left of the first amount column, every other cell under a label of its own, the labels with
    none empty. Its amounts are then where the form wrote them, a blank 年初预算数 blank."""
    first = next(k for k, c in enumerate(header.cells) if cue.column_kind(c.text) in align.AMOUNTS)
    if len(line.cells) < 2 or _is_number(line.cells[0].text) or line.starts[0] >= header.starts[first] - _SLACK:
        return None
    places = [_cell_at(header.starts, s) for s in line.starts[1:]]
    if None in places or len(set(places)) < len(places) or min(places) < first:  # type: ignore[type-var]
        return None
    row = [Piece("", h.start, h.start) for h in header.cells]
    row[0] = line.cells[0]
    for k, cell in zip(places, line.cells[1:]):
        row[k] = cell  # type: ignore[index]
    return row


def _line(src: Source, cells: list[Piece], width: Callable[[str], int]) -> Line | None:
    cells = [c for c in cells if not c.empty]
    if not cells:
        return None
    line_start = src.line_starts[src.line_of(cells[0].start)]
    starts = [width(src.text[line_start:c.start]) for c in cells]
    ends = [s + width(c.text) for s, c in zip(starts, cells)]
    return Line(cells, starts, ends, src.line_of(cells[0].start))


def _spread(run: list[Line]) -> int:
    """How many distinct places the run's cells start at: the measure of the text's columns
    that aligns them (display width, as a terminal or editor aligns, or one per character,
    as pdfplumber's and some converters' layout text places each glyph) gives the fewest."""
    starts = sorted({s for line in run for s in line.starts})
    return sum(1 for a, b in zip([-9] + starts, starts) if b - a > _SLACK)


def _runs(lines: list[Line]) -> list[list[Line]]:
    """The lines in runs of lines next to each other: a table printed without blank lines
    between its rows. The columns of one run are one table's (a blank line may end a form,
    and the next form's columns are its own); a wrapped cell's parts are in one run."""
    runs: list[list[Line]] = []
    for line in lines:
        if runs and line.last == runs[-1][-1].last + 1:
            runs[-1].append(line)
        else:
            runs.append([line])
    return runs


def _joined(lines: list[Line], columns: Columns) -> tuple[list[Line], list[Line]]:
    """The run's rows, read once as top-aligned and once as centred: a table is one or the
    other (its rows are printed alike). The centred reading is kept when it leaves fewer
    parts that joined no row: a wrapped cell's first lines above its row are such parts in
    the top-aligned reading, and a top-aligned table leaves none. Also the lines the reading
    kept joined to a row above that could as well have begun the row below."""
    top = _read_run(lines, columns, centred=False)
    if not any(_stray(top[0], n) for n in range(len(top[0]))):
        return top
    centred = _read_run(lines, columns, centred=True)
    strays = sum(_stray(centred[0], n) for n in range(len(centred[0])))
    return centred if strays < sum(_stray(top[0], n) for n in range(len(top[0]))) else top


def _stray(rows: list[Line], n: int) -> bool:
    """A row of parts without numbers, each over or under a cell of the numbered row next to it."""
    row = rows[n]
    if _has_numbers(row):
        return False
    return any(_has_numbers(other) and len(other.cells) > len(row.cells) and _places(other, row) is not None
               for other in rows[max(n - 1, 0):n] + rows[n + 1:n + 2])


def _read_run(lines: list[Line], columns: Columns, centred: bool) -> tuple[list[Line], list[Line]]:
    out: list[Line] = []
    doubtful: list[Line] = []
    copies = [replace(line, cells=list(line.cells), ends=list(line.ends)) for line in lines]
    for n, line in enumerate(copies):
        if out and _continues(out[-1], line, columns) and not (centred and _balanced(out[-1], line)):
            if centred and _could_begin_the_next(out[-1], line, copies[n + 1:n + 2], columns):
                doubtful.append(line)
            _append(out[-1], line)
        elif out and (centred or not _has_numbers(line)) and _starts_of(out[-1], line, columns):
            out[-1] = _prepended(out[-1], line)
        else:
            out.append(line)
    return out, doubtful


def _could_begin_the_next(row: Line, line: Line, following: list[Line], columns: Columns) -> bool:
    """Whether `line`, joined to a centred row as one line more below its numbers than above
    (as centred as one fewer), could as well be the first line of the row that follows."""
    return (_has_numbers(row) and row.below == row.above and bool(following)
            and _starts_of(line, following[0], columns))


def _has_numbers(row: Line) -> bool:
    return any(_is_number(c.text) for c in row.cells)


def _balanced(row: Line, line: Line) -> bool:
    """Whether a row whose numbers are centred in it is complete before `line`: it has one
    line more below its numbers than above (an even number of lines), or as many (an odd
    number) and each cell `line` would go on with ends a sentence. A further line is the
    next row's first."""
    if not _has_numbers(row) or row.below < row.above:
        return False
    if row.below >= row.above + 1:
        return True
    return all(row.cells[k].text.endswith(_SENTENCE_END) for k in _places(row, line) or [])


_SENTENCE_END = ("。", "！", "？", "；", ".", ";")


def _places(row: Line, line: Line) -> list[int] | None:
    """The cell of `row` each part of `line` stands under, or None when one stands under none."""
    places = [_cell_at(row.starts, s) for s in line.starts]
    if None in places or len(set(places)) < len(places):
        return None
    return places  # type: ignore[return-value]


def _cell_at(starts: list[int], column: int) -> int | None:
    for k, start in enumerate(starts):
        if abs(start - column) <= _SLACK:
            return k
    return None


def _continues(row: Line, line: Line, columns: Columns) -> bool:
    """Whether every part of `line` goes on with the cell of `row` above it."""
    places = _places(row, line)
    if places is None:
        return False
    numbers = {k for k, c in enumerate(row.cells) if _is_number(c.text)}
    for k, part in zip(places, line.cells):
        above = row.cells[k].text
        if _begins_a_row(above + part.text) or not numbers and _label_begun(above + part.text):
            continue  # a label or level name completed, or a header label going on
        if _number_cut(above, part.text):
            continue  # "1898430." / "00": a number its column wrapped at its separator
        if not columns.full(row.starts[k], row.ends[k]) or not _may_join(above, part.text, under_labels=not numbers):
            return False
        if k in numbers and _is_number(part.text):
            return False  # a number where the row above has one: the next row's
    return len(line.cells) < len(row.cells) or not numbers


def _starts_of(fragment: Line, row: Line, columns: Columns) -> bool:
    """Whether `fragment`, a row of parts right above `row`, is the start of row's cells: every
    part is full, stands over a cell of row, and none is a label, a level name or a number;
    row has more cells than it."""
    if len(fragment.cells) >= len(row.cells):
        return False
    places = _places(row, fragment)
    if places is None:
        return False
    return all(columns.full(start, end) and not _begins_a_row(part.text) and not _is_number(part.text)
               and not _begins_a_row(row.cells[k].text)
               for k, part, start, end in zip(places, fragment.cells, fragment.starts, fragment.ends))


def _may_join(above: str, part: str, under_labels: bool) -> bool:
    if under_labels and cue.is_label(above) or cue.row_label(part) is not None:
        return False
    return not (cue.level(part) is not None and cue.level(above) is not None)


_CUT_AT = (".", ",")


def _number_cut(above: str, part: str) -> bool:
    """A number wrapped inside a narrow column at a separator: the part above ends with its
    decimal point or thousands comma ("1898430." / "00", "1,898," / "430.00"), or the part
    below begins with the point ("1898430" / ".00"). Neither part is a number as written
    there, together they are one, so the part is no next row's number."""
    above, part = above.strip(), part.strip()
    if not above or not part:
        return False
    cut = above.endswith(_CUT_AT) and above[:-1][-1:].isdigit() and part[:1].isdigit() \
        or part.startswith(".") and part[1:2].isdigit() and above[-1:].isdigit()
    return cut and cue.is_number(above + part)


def _is_number(text: str) -> bool:
    return cue.is_number(text) or cue.is_percent(text)


@depends_on_vocabulary
@lru_cache(maxsize=1)
def _label_starts() -> frozenset[str]:
    """Every beginning of a column label, as labels are matched (squashed)."""
    return frozenset(label[:k] for label in cue.cues().columns for k in range(2, len(label) + 1))


def _label_begun(text: str) -> bool:
    """Text that begins a column label and is not yet one: a header label wrapped over more
    than two lines ("偏差原因" / "分析及改" / "进措施")."""
    return cue.squash(text) in _label_starts()


def _begins_a_row(text: str) -> bool:
    return cue.is_label(text) or cue.level(text) is not None


def _append(row: Line, line: Line) -> None:
    for k, part, end in zip(_places(row, line) or [], line.cells, line.ends):
        above = row.cells[k]
        row.cells[k] = Piece(above.text + part.text, above.start, part.end, above.fused or part.fused,
                             above.loose or part.loose)
        row.ends[k] = end
    row.last = line.last
    row.below += 1 + line.below


def _prepended(fragment: Line, row: Line) -> Line:
    cells = list(row.cells)
    for k, part in zip(_places(row, fragment) or [], fragment.cells):
        below = cells[k]
        cells[k] = Piece(part.text + below.text, part.start, below.end, part.fused or below.fused, part.loose or below.loose)
    return Line(cells, list(row.starts), list(row.ends), row.last, above=fragment.above + 1 + fragment.below)


def _under_labels(labels: Line, line: Line) -> list[Piece] | None:
    """The row laid under the row of labels above it, when every cell stands under a label of
    its own and some labels have none: the labels' positions, empty where nothing stands."""
    if len(line.cells) >= len(labels.cells) or not all(cue.is_label(h.text) for h in labels.cells):
        return None
    places = _places(labels, line)
    if places is None or 0 in places:
        return None  # the first label heads the row (年度总体目标): a cell under it is no value of it
    row = [Piece("", h.start, h.start) for h in labels.cells]
    for k, cell in zip(places, line.cells):
        row[k] = cell
    return row
