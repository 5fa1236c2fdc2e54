"""Rows of pieces → a Grid: headers found by their labels, ragged rows placed under them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from reviewer.extract.grid import Cell, Grid
from reviewer.extract.raw import FUSED, NUMBERS_NOT_READ
from reviewer.extract.textgrid import align
from reviewer.extract.textgrid import cues
from reviewer.extract.textgrid.source import Piece, Source


@dataclass
class RawRow:
    """One row as the delimiter gave it. `cells` are the row's real cells; `ragged` says
    merged cells may have been dropped from it (so it is placed by what its cells are)."""

    cells: list[Piece]
    ragged: bool = False
    cut: bool = False  # the text ends inside this row
    by_position: bool = False  # laid under its header by where its cells stand, empty ones included


@dataclass
class TableBuilder:
    src: Source
    origin: str
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kinds: list[str] | None = None  # column kinds of the header in force
    _padded: int = 0  # of them, columns only padding the header to the table's width
    header_kinds_seen: set[str] = field(default_factory=set)  # of every header read so far
    _placed_values: list[tuple[int, list[int]]] = field(default_factory=list)  # rows placed under the header: value columns
    # rows laid by position, so their cells stand in their columns (Cell.by_position): funding rows
    # with every cell written, rows under aligned labels, a row the text ends inside
    _by_position: set[int] = field(default_factory=set)

    def grid(self) -> Grid:
        width = max((len(r) for r in self.rows), default=0)
        rows = []
        for i, row in enumerate(self.rows):
            if not any(not c.empty or c.covered_by for c in row):
                continue
            row = row + [Cell("")] * (width - len(row))
            rows.append([replace(c, by_position=True) for c in row] if i in self._by_position else row)
        return Grid(rows=rows, origin=self.origin, notes=self.notes, aligned=True)

    def add_positional(self, pieces: list[Piece | None], by_position: bool = False) -> None:
        if by_position:
            self._by_position.add(len(self.rows))
        self.rows.append([self.src.cell(p) for p in pieces])

    @property
    def named(self) -> int:
        """How many of the header's columns its labels name (the rest pad it to the table's width)."""
        kinds = self.kinds or []
        n = len(kinds)
        while n and kinds[n - 1] == align.OTHER and self._padded > 0 and n > len(kinds) - self._padded:
            n -= 1
        return n

    def add_header(self, pieces: list[Piece], width: int) -> None:
        self.settle_lone_values()
        self._placed_values = []
        texts = [p.text for p in pieces]
        self._padded = max(width - len(texts), 0)
        self.kinds = align.header_kinds(texts + [""] * (width - len(texts)))
        self.header_kinds_seen.update(self.kinds)
        self.add_positional(pieces)

    def add_two_row_header(self, header: list[Piece], sub: list[Piece], width: int) -> bool:
        """A header whose target column spans the sub-header's parts (指标性质 | 指标值 | 度量单位)."""
        kinds = align.header_kinds([p.text for p in header])
        sub_pieces = [p for p in sub if not p.empty]
        expanded = align.expand(kinds, align.header_kinds([p.text for p in sub_pieces]))
        if expanded is None:
            return False
        self.kinds, at = expanded
        self._padded = 0
        self.header_kinds_seen.update(self.kinds)
        span = len(sub_pieces)
        top = len(self.rows)
        first: list[Cell] = []
        for col, piece in enumerate(header):
            cell = self.src.cell(piece)
            if col == at:
                first.append(replace(cell, colspan=span))
                first += [Cell("", where=cell.where, covered_by=(top, at))] * (span - 1)
            else:
                first.append(replace(cell, rowspan=2))
        while len(first) < max(width, len(self.kinds)):
            first.append(Cell(""))
        second = [Cell("", where=c.where, covered_by=(top, i)) if not (at <= i < at + span) else Cell("")
                  for i, c in enumerate(first)]
        for k, piece in enumerate(sub_pieces):
            second[at + k] = self.src.cell(piece)
        self.rows += [first, second]
        return True

    def add_spanning_header(self, header: list[Piece], sub: list[Piece], width: int) -> bool:
        """A two-row header whose upper columns span the lower row's labels (align.spanned)."""
        header = [p for p in header if not p.empty]
        sub = [p for p in sub if not p.empty]
        upper = align.header_kinds([p.text for p in header])
        lower = align.header_kinds([p.text for p in sub])
        spans = align.spanned(upper, lower)
        if spans is None:
            return False
        top = len(self.rows)
        kinds: list[str] = []
        first: list[Cell] = []
        second: list[Cell] = []
        for piece, kind, parts in zip(header, upper, spans):
            cell = self.src.cell(piece)
            at = len(first)
            if not parts:
                kinds.append(kind)
                first.append(replace(cell, rowspan=2))
                second.append(Cell("", where=cell.where, covered_by=(top, at)))
                continue
            kinds += [lower[p] if p is not None else "target" for p in parts]
            first.append(replace(cell, colspan=len(parts)))
            first += [Cell("", where=cell.where, covered_by=(top, at))] * (len(parts) - 1)
            # the value's column has no label of its own: the spanning label (预期指标值) names it
            second += [self.src.cell(sub[p]) if p is not None else cell for p in parts]
        self.settle_lone_values()
        self._placed_values = []
        self.kinds, self._padded = kinds, 0
        self.header_kinds_seen.update(kinds)
        pad = [Cell("")] * max(width - len(first), 0)
        self.rows += [first + pad, second + pad]
        return True

    def add_total(self, label: Piece, numbers: list[Piece]) -> bool:
        """The 总分 / 合计 row: its numbers under 分值, 得分 (and 复核分), in that order, when the
        header has those columns and the count matches; else False."""
        kinds = self.kinds or []
        columns = [k for k in kinds if k in _TOTAL_COLUMNS]
        targets = columns[: len(numbers)]
        # one number is placed only where the header has one column it can be (得分 alone, no 分值)
        if not kinds or len(numbers) < 2 and len(columns) != 1 or len(targets) != len(numbers) or any(
                n.fused for n in numbers):
            return False
        if any(implausible(n, kind) for n, kind in zip(numbers, targets)):
            return False
        cells: list[Piece | None] = [None] * len(kinds)
        cells[0] = label
        for n, kind in zip(numbers, targets):
            cells[kinds.index(kind)] = n
        self.add_positional(cells)
        return True

    def add_placed(self, pieces: list[Piece], what: str, cut: bool = False) -> None:
        """A ragged row placed under the header by what its cells are; positional when it cannot be."""
        kinds = self.kinds or []
        if _label_column(kinds, pieces):
            # The header's first column is a section label merged down (绩效指标): no body cell is in it.
            before = len(self.rows)
            self.kinds = kinds[1:]
            try:
                self.add_placed(pieces, what, cut)
            finally:
                self.kinds = kinds
            if len(self.rows) > before:
                self.rows[-1] = [Cell("", where=self.rows[-1][0].where if self.rows[-1] else "")] + self.rows[-1]
            return
        found = align.place([_placing_kind(p, kinds) for p in pieces], kinds, cut=cut) if kinds else None
        if found is not None and len(pieces) > self.named and kinds is self.kinds:
            found = None  # more cells than the header names columns: padding is no column of the row
        if found is None:
            if kinds and len(pieces) > self.named:
                # Some cell holds the separator (a space inside a reason text): which is not
                # known, so where each number stands is not either; its words are kept in order.
                self.notes.append(f"{what}: {len(pieces)} cells under a header of {len(kinds)} columns (a cell "
                                  f"holds a separator); kept in order, {NUMBERS_NOT_READ}")
                pieces = [Piece(p.text, p.start, p.end, fused=True) if cues.is_number(p.text) or cues.is_percent(p.text)
                          else p for p in pieces]
            self.add_positional(list(pieces))
            return
        where = self.src.where(pieces[0].start, pieces[-1].end) if pieces else ""
        row: list[Cell] = [Cell("", where=where) for _ in kinds]  # a column left empty: still this row's
        unsure = _after_fused(pieces, found, kinds)
        for k, (piece, col, span) in enumerate(zip(pieces, found.columns, found.spans)):
            if col is None:
                continue
            if k in unsure:
                piece = Piece(piece.text, piece.start, piece.end, fused=True)
                self.notes.append(f"{self.src.where(piece.start, piece.end)}: '{piece.text}' follows numbers "
                                  "written together, so its column is not known; not read")
            row[col] = self.src.cell(piece)
            if piece.fused and k not in unsure:
                self.note_fused(piece, col, span)
                _take(row, col, span)
        if cut and not unsure:
            # The text ends inside this row: its cells are its first ones, laid in order from its
            # first column (align.place with `cut`), so where they stand is where they belong.
            self._by_position.add(len(self.rows))
        self.rows.append(row)
        self._placed_values.append((len(self.rows) - 1, [c for c, p in zip(found.columns, pieces)
                                                         if c is not None and _value_cell(p, kinds[c])]))

    def settle_lone_values(self) -> None:
        """A table whose placed rows each hold one value ("标准化圈舍面积(平方米) 5000", nothing
        after it: the project has not started) holds it in one column. Where some rows' values
        can only be targets (5000 is no score), the rows whose value could be either are read
        alike: the value under the first value column, not under 得分."""
        kinds = self.kinds or []
        rows = self._placed_values
        if len(rows) < 3 or any(len(cols) > 1 for _, cols in rows):
            return
        lone = [(r, cols[0]) for r, cols in rows if cols]
        homes = {kinds[c] for _, c in lone if c < len(kinds)}
        if "target" not in homes or not homes - {"target"} <= _POINTS_COLUMNS:
            return
        target = kinds.index("target")
        for r, c in lone:
            row = self.rows[r]
            if kinds[c] != "target" and len(row) == len(kinds) and row[target].empty and cues.is_number(row[c].text):
                row[target], row[c] = row[c], replace(row[c], text="", original="")
                self.notes.append(f"{row[target].where}: '{row[target].text}' read as {self.header_texts()[target]}: "
                                  "every row of the table holds one value, and some can only be targets")

    def place_into(self, row: list, values: list[Piece], columns: list[str], first: int, exact: bool = True,
                   funding: bool = False) -> None:
        """Append a row: `row` for the columns before `first`, then `values` placed under
        `columns` (in order when they fill them exactly, else by what they are). A funding row
        that fills them exactly, its empty cells written, is marked as placed by position."""
        kinds = [_funding_kind(p, columns) for p in values]
        full = len(values) == len(columns) and "fused" not in kinds and exact
        if funding and full and any(p.empty for p in values):
            self._by_position.add(len(self.rows))
        found = align.place(kinds, columns) if values and not full else None
        placed = [p for p in list(row) + values if p is not None]
        where = self.src.where(placed[0].start, placed[-1].end) if placed else ""
        cells = [self.src.cell(p) if p is not None else Cell("", where=where) for p in row]
        cells = (cells + [Cell("", where=where) for _ in columns])[: first + len(columns)]
        if found is None:
            for k, p in enumerate(values):
                if first + k < len(cells):
                    cells[first + k] = self.src.cell(p)
                else:
                    cells.append(self.src.cell(p))
        else:
            taken = set()
            for col, span in zip(found.columns, found.spans):
                if col is not None:
                    taken.update(range(col, col + span))
            # Cut from text with no separators, a row's numbers are sure only when its cells
            # fill its columns one after another: a gap means a cell holds two, or none.
            gapped = not exact and any(p.loose for p in values) and not _contiguous(found)
            judged = []
            for p, col, span in zip(values, found.columns, found.spans):
                short = col is not None and _short_of_numbers(p, col, columns, taken)
                if col is not None and (implausible(p, columns[col]) or short or self._glued(p, columns[col])
                                        or gapped and p.loose):
                    p = Piece(p.text, p.start, p.end, fused=True)
                    span = 2 if short else span
                judged.append((p, col, span))
            unsure = _after_fused([p for p, _, _ in judged], found, columns)
            for k, (p, col, span) in enumerate(judged):
                if col is None:
                    continue
                if k in unsure:
                    p = Piece(p.text, p.start, p.end, fused=True)
                    self.notes.append(f"{self.src.where(p.start, p.end)}: '{p.text}' follows numbers written "
                                      "together, so its column is not known; not read")
                cells[first + col] = self.src.cell(p)
                if p.fused and k not in unsure:
                    self.note_fused(p, first + col, span)
                    _take(cells, first + col, span)
        self.rows.append(cells)

    def add_funding(self, pieces: list[Piece]) -> bool:
        """A funding row under a funding header: its label left of the first amount column, its
        amounts placed under the amount columns by what they are."""
        kinds = self.kinds or []
        first = next((c for c, k in enumerate(kinds) if k in _FUNDING_VALUES), None)
        if first is None or not pieces:
            return False
        values = [p for p in pieces[1:]]
        if len(values) > len(kinds) - first:
            return False
        self.place_into([None] * max(first - 1, 0) + [pieces[0]], values, kinds[first:], first)
        return True

    def _glued(self, piece: Piece, column: str) -> bool:
        """A loose number under 分值/得分 touching another number in the source: where one value
        ends and the next begins is not written."""
        if not piece.loose or column not in _POINTS_COLUMNS:
            return False
        text = self.src.text
        before = text[piece.start - 1] if piece.start > 0 else " "
        after = text[piece.end] if piece.end < len(text) else " "
        return before in _NUMERIC_CHARS or after in _NUMERIC_CHARS

    def note_fused(self, piece: Piece, col: int, span: int) -> None:
        header = self.header_texts()
        names = [header[c] for c in range(col, min(col + span, len(header))) if header[c]]
        columns = f" ({' / '.join(names)})" if names else ""
        self.notes.append(
            f"{self.src.where(piece.start, piece.end)}: '{piece.text}' is several {FUSED}"
            f"{columns}; not split, the cells are left empty"
        )

    def header_texts(self) -> list[str]:
        """The labels of the header in force, one per column (the lowest header row wins)."""
        kinds = self.kinds or []
        labels = [""] * len(kinds)
        for row in self.rows:
            texts = [c.text for c in row]
            if align.is_header(texts) or align.is_sub_header(texts):
                for i, t in enumerate(texts[: len(labels)]):
                    if t.strip():
                        labels[i] = t.replace("\n", "")
        return labels


def build(src: Source, raw: list[RawRow], origin: str, width: int | None = None) -> TableBuilder:
    """Headers located by their labels; ragged rows under a header placed by what their cells are."""
    table = TableBuilder(src, origin)
    width = width or max((len(r.cells) for r in raw), default=0)
    i = 0
    while i < len(raw):
        row = raw[i]
        texts = [p.text for p in row.cells]
        if align.is_header(texts):
            following = raw[i + 1] if i + 1 < len(raw) else None
            if following and align.is_sub_header([p.text for p in following.cells]):
                if table.add_two_row_header(row.cells, following.cells, width):
                    i += 2
                    continue
            if following and _two_row_header_upper_first(table, row.cells, following.cells, width):
                i += 2
                continue
            if following and align.is_header([p.text for p in following.cells]) and table.add_spanning_header(
                    row.cells, following.cells, width):
                i += 2
                continue
            cells = row.cells
            if align.header_kinds([cells[0].text])[0] in align.AMOUNTS:
                # A funding header with no column for its row labels (项目资金 merged down, printed
                # above it): the rows' labels stand left of the amounts, so the header gets one.
                cells = [Piece("", cells[0].start, cells[0].start)] + cells
            table.add_header(cells, max(width, len(cells)))
        elif _is_total(row):  # numbers to 分值/得分 when they fit; never placed by guess
            if not (row.ragged or row.cut) or not table.add_total(row.cells[0], [p for p in row.cells[1:] if not p.empty]):
                table.add_positional(list(row.cells))
            table.settle_lone_values()
            table.kinds, table._placed_values = None, []  # the total row ends the table: what follows is not its rows
        elif (row.ragged or row.cut) and _is_funding(row) and table.add_funding(row.cells):
            pass
        elif (row.ragged or row.cut) and table.kinds and (
                len(row.cells) < len(table.kinds) or len(row.cells) > table.named
                or _label_column(table.kinds, row.cells)):
            table.add_placed(row.cells, src.where(row.cells[0].start, row.cells[-1].end) if row.cells else "row",
                             cut=row.cut and not row.ragged)
        else:
            table.add_positional(list(row.cells), row.by_position)
        if row.cut:
            table.notes.append(f"{_where(src, row)}: the text ends inside this row; its last cells are missing")
        i += 1
    table.settle_lone_values()
    return table


def _two_row_header_upper_first(table: TableBuilder, upper: list[Piece], lower: list[Piece], width: int) -> bool:
    """A two-row header whose upper row (绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | …) is
    followed by the lower one (一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位): one
    header of the lower row's levels, then the upper row from 年度指标值 on, split into the
    parts (align.lower_header_row). Without it the lower row alone would be the header and
    the columns right of the target (实际完成值, 分值, 得分) would be none of its."""
    lower = [p for p in lower if not p.empty]
    above = align.header_kinds([p.text for p in upper])
    tail = align.lower_header_row(above, align.header_kinds([p.text for p in lower]))
    if tail is None:
        return False
    at = above.index("target")
    header = lower[:tail] + [p for p in upper[at:] if not p.empty]
    if not table.add_two_row_header(header, lower[tail:], width):
        return False
    table.notes.append(f"{table.src.where(lower[0].start, lower[-1].end)}: the lower row of a two-row header, "
                       "its level columns left of the target's parts")
    return True


_POINTS_COLUMNS = frozenset({"weight", "score", "review_score", "weighted_score"})
_TOTAL_COLUMNS = _POINTS_COLUMNS | {"share"}  # what a 总分 row sums, in header order
_PERCENT_COLUMNS = frozenset({"rate", "share"})
_FUNDING_VALUES = frozenset({"initial_budget", "annual_budget", "executed", "weight", "rate", "score"})
_NUMBER_COLUMNS = align.NUMERIC | align.PERCENTISH
_NUMERIC_CHARS = set("0123456789.")


_POINTS_MAX = 100  # no 分值 or 得分 is above a form's 100 points


def _placing_kind(piece: Piece, columns: list[str]) -> str:
    """What a cell is for placing it in an indicator row: a number above 100 is a value or an
    amount (5000 平方米 written bare, 2023.12), never 分值 or 得分. A funding row's keep their kind."""
    kind = align.cell_kind(piece.text, piece.fused)
    if kind == "number" and not any(c in align.AMOUNTS for c in columns) and _above_points(piece.text):
        return "amount"
    return kind


_MONEY = re.compile(r"^\d+(?:\.\d+)?\s*(?:万元|万|元)$")  # "3359.62万": an amount with its unit


def _funding_kind(piece: Piece, columns: list[str]) -> str:
    """What a cell is for placing it in a funding row: an amount written with its unit
    ("3359.62万" in a 万元 table) is a number there."""
    kind = align.cell_kind(piece.text, piece.fused)
    if kind != "number" and not piece.fused and any(c in align.AMOUNTS for c in columns) and _MONEY.match(piece.text.strip()):
        return "number"
    return kind


def _above_points(text: str) -> bool:
    try:
        return float(text.replace(",", "")) > _POINTS_MAX
    except ValueError:
        return False


def _value_cell(piece: Piece, column: str) -> bool:
    return not piece.empty and column in (_POINTS_COLUMNS | align.VALUE)


def _contiguous(found: align.Placement) -> bool:
    at = None
    for col, span in zip(found.columns, found.spans):
        if col is None:
            continue
        if at is not None and col != at:
            return False
        at = col + span
    return True


def _label_column(kinds: list[str], pieces: list[Piece]) -> bool:
    """Whether a body row stands right of its header's first column, a section label merged
    down (绩效指标 | 一级指标 | …): the row's first cell is no label of its own."""
    return (len(kinds) > 1 and kinds[0] == align.LABEL and bool(pieces) and not pieces[0].empty
            and not cues.is_label(pieces[0].text))


def _take(cells: list[Cell], col: int, span: int) -> None:
    """The columns after the first that a run of numbers written together takes: illegible too."""
    for c in range(col + 1, min(col + span, len(cells))):
        if cells[c].empty and not cells[c].illegible:
            cells[c] = replace(cells[c], illegible=True)


def _after_fused(values: list[Piece], found: align.Placement, columns: list[str]) -> set[int]:
    """Numbers right after several numbers written together: how many columns the fused run
    takes is not written, so such a number is in a known column only when it is anchored:
    the numbers from it on fill columns one after another up to the row's last column, or up
    to a cell of words that fits the column it is in ("5" before 得分计算方法's text)."""
    first = next((k for k, p in enumerate(values) if p.fused), None)
    if first is None:
        return set()
    unsure: set[int] = set()
    k = first + 1
    while k < len(values) and _numeric(values[k]):
        j = k
        while j < len(values) and _numeric(values[j]):
            j += 1
        if not _anchored(values, found, columns, k, j):
            unsure.add(k)
        k += 1
    return unsure


def _numeric(piece: Piece) -> bool:
    return not piece.empty and (piece.fused or cues.is_number(piece.text) or cues.is_percent(piece.text))


def _anchored(values: list[Piece], found: align.Placement, columns: list[str], k: int, stop: int) -> bool:
    at = found.columns[k]
    if at is None:
        return True  # not placed: nothing to doubt
    for i in range(k, stop):
        if found.columns[i] != at:
            return False
        at += found.spans[i]
    if stop == len(values):
        return at == len(columns)
    col = found.columns[stop]
    return col == at and align.score(align.cell_kind(values[stop].text, values[stop].fused), columns[col]) > 0


def _short_of_numbers(piece: Piece, col: int, columns: list[str], taken: set[int]) -> bool:
    """A loose number (cut from text with no separators) beside a numeric column left empty:
    "55" where 分值 and 得分 are expected is 5 and 5 written together, not one number."""
    if not piece.loose:
        return False
    for side in (col - 1, col + 1):
        if 0 <= side < len(columns) and columns[side] in _NUMBER_COLUMNS and side not in taken:
            return True
    return False


def implausible(piece: Piece, column: str) -> bool:
    """A loose number (cut from text without separators) too large for its column to be one
    number: "1514" under 分值 is 15 and 14 written together."""
    if not piece.loose:
        return False
    text = piece.text.replace(",", "").rstrip("%％分")
    try:
        value = float(text)
    except ValueError:
        return False
    if column in _POINTS_COLUMNS:
        return value > 100
    if column in _PERCENT_COLUMNS or "%" in piece.text:
        return value > 200
    return False


def _is_funding(row: RawRow) -> bool:
    return bool(row.cells) and cues.row_label(row.cells[0].text) == "funding"


def _is_total(row: RawRow) -> bool:
    rest = [p for p in row.cells[1:] if not p.empty]
    return bool(row.cells) and cues.row_label(row.cells[0].text) == "total" and all(
        cues.is_number(p.text) or cues.is_percent(p.text) for p in rest)


def _where(src: Source, row: RawRow) -> str:
    if not row.cells:
        return "end of text"
    return src.where(row.cells[0].start, row.cells[-1].end)
