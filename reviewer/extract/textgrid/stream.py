"""Tables whose row boundaries are lost: one cell per line (or paragraph), pipe cells one per
line, and flattened text once flat.py has cut it into cells.

Rows are rebuilt from the stream of cells by the table's header (its width and what each
column holds) and by the cues that start a row: a header-field label (项目名称), a
funding-row label (年度资金总额), a level name from the closed list, the total row (总分 /
合计), which also ends the table. Under the indicator header a row is a level name or two
and then one cell per remaining column; a row whose last text cell (the deviation reason)
was left out ends early when the cells after its 分值/得分 pair already look like the next
row. A stream that writes its empty cells (a space alone on a line, " |") is counted; one
that drops them (pipe cells with empty cells left out) ends a row short of cells at its
分值/得分 pair when what follows reads as the next row, a name and no more cells than the
header has before 分值, then a pair of its own; one cut from text with no separators is read
only where its cells fill the columns one for one.
Rubric rows need no closed list of categories: in a counted stream (or under a header that
gives each category a 分值 column) a row is found by its 分值 cell, the cells before its name
being its level names; a rubric printed a line per cell runs to its 分值 / 得分 pair.
"""

from __future__ import annotations

import re

from reviewer.extract.raw import FUSED, RUN_TOGETHER
from reviewer.extract.textgrid import align, anchor, cuts
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.flat import GOAL_SECTIONS, category_column, header_mode, starts_header
from reviewer.extract.textgrid.source import Piece, Source
from reviewer.extract.textgrid.table import TableBuilder, implausible

_FUNDING_VALUES = frozenset({"initial_budget", "annual_budget", "executed", "weight", "rate", "score"})
_GOAL = frozenset({"planned", "achieved"})


# ---------------------------------------------------------------- cell per line


def line_tokens(src: Source, first: int, last: int) -> list[Piece]:
    """Cells of a cell-per-line region: lines, or paragraphs where blank lines separate cells.
    A line holding only a no-break space is an empty cell; fragments of one label printed on
    two lines ("年初" / "预算数") are joined."""
    lines = list(range(first, last + 1))
    blank = sum(1 for n in lines if not src.line(n))
    paragraphs = blank * 10 >= len(lines) * 3
    tokens: list[Piece] = []
    open_start: int | None = None
    open_end = 0

    def close() -> None:
        nonlocal open_start
        if open_start is not None:
            tokens.append(src.piece(open_start, open_end))
            open_start = None

    for n in lines:
        start, end = src.line_span(n)
        line = src.text[start:end]
        if not line.rstrip("\r"):
            close()
            continue
        if not line.strip():  # a space alone where empty lines part cells: an empty cell
            close()
            if paragraphs or line.strip(" \t\r"):
                tokens.append(Piece("", start, end))
            continue
        if not paragraphs:
            tokens.append(src.piece(start, end))
            continue
        if open_start is None:
            open_start = start
        open_end = end
    close()
    return _join_fragments(src, tokens)


def _join_fragments(src: Source, tokens: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for tok in tokens:
        prev = out[-1] if out else None
        if (prev is not None and not prev.empty and not tok.empty and len(prev.text) <= 8 and len(tok.text) <= 8
                and _is_term(prev.text + tok.text) and "\n" not in prev.text):
            out[-1] = Piece(prev.text + "\n" + tok.text, prev.start, tok.end)
            continue
        out.append(tok)
    return out


def _is_term(text: str) -> bool:
    return cue.is_label(text) or cue.level(text) is not None


# ---------------------------------------------------------------- rows from a stream


class StreamRows:
    """Rebuilds rows from a stream of cells by labels, level names and the header's width."""

    def __init__(self, src: Source, tokens: list[Piece], origin: str):
        self.src = src
        self.t = tokens
        self.i = 0
        self.table = TableBuilder(src, origin)
        self.mode = "preamble"
        # A stream that writes its empty cells (a space alone on a line, " |") keeps every
        # column: its rows are counted. One that drops them is cut by what the cells are.
        self.counted = any(t.empty and not t.fused for t in tokens)
        # Cells cut from text with no separators: counts cannot be trusted (a fused 分值/得分
        # pair is one token), so rows end where a name follows numbers and cells are placed
        # by what they are.
        self.loose = any(t.loose for t in tokens)
        # Flattened text whose single spaces part cells (and sit inside some): a row is cut by
        # what its words admit (cuts.py).
        self.spaced_flat = origin == "flattened" and not self.loose and not self.counted
        self._header_ends: dict[int, int | None] = {}  # _header_end by token: asked again and again
        self._upper: tuple[list[Piece], int] | None = None  # the last header read and the table's rows then
        self._columns = [None if t.empty else cue.column_kind(t.text) for t in tokens]

    def build(self) -> TableBuilder:
        while self.i < len(self.t):
            before = self.i
            self._step()
            if self.i == before:  # never stall
                self._single()
        self._note_headless_levels()
        return self.table

    def _note_headless_levels(self) -> None:
        """Level names with no indicator header above them: the rows cannot be rebuilt, say so."""
        if any(align.is_level(k) for k in self.table.header_kinds_seen):
            return
        names = [lv for t in self.t for lv in cue.cues().levels_in_text if lv in t.text]
        if len(names) >= 2:
            self.table.notes.append(
                f"level names ({', '.join(dict.fromkeys(names))}) but no indicator header (一级指标 / 二级指标 / "
                "三级指标 …) above them: which column a cell belongs to is not known, the rows are not rebuilt")

    # ------------------------------------------------------------ what a token is

    def _tok(self, j: int) -> Piece | None:
        return self.t[j] if 0 <= j < len(self.t) else None

    def _column(self, j: int) -> str | None:
        return self._columns[j] if 0 <= j < len(self._columns) else None

    def _row_label(self, j: int) -> str | None:
        tok = self._tok(j)
        return cue.row_label(tok.text) if tok is not None and not tok.empty else None

    def _level(self, j: int) -> str | None:
        tok = self._tok(j)
        return cue.level(tok.text) if tok is not None and not tok.empty else None

    def _stops(self, j: int) -> bool:
        """A token that cannot be inside a row: a label, a level name, a header."""
        tok = self._tok(j)
        if tok is None:
            return True
        if tok.empty:
            return False
        return bool(self._row_label(j) or self._header_end(j) or (self.mode == "indicators" and self._level(j)))

    def _unknown_label(self, j: int) -> bool:
        """A short word that may be a header label: no digits, not a known row label or level."""
        tok = self._tok(j)
        if tok is None or tok.empty or len(tok.text) > 12 or cue.has_digit(cue.label_key(tok.text)):
            return False
        return not (self._row_label(j) or self._level(j))

    def _ends_body(self, j: int, values: list[Piece]) -> bool:
        """Whether token j ends the row's cells. A level-2 word where the name is due is the
        name ("服务对象满意度", "社会成本指标" are indicator names too)."""
        if not values and self._level(j) == "level2" and not self._row_label(j) and not self._header_end(j):
            after = self._tok(j + 1)
            # the name when a value follows it; the next row's 二级指标 when a name does
            return after is not None and align.cell_kind(after.text, after.fused) in ("short", "long", "points")
        return self._stops(j)

    def _header_end(self, j: int) -> int | None:
        """End of a header starting at j: an optional section label and blanks, then two or more
        column labels (at most _HEADER_CELLS: a longer run of labels is a list of words)."""
        if j not in self._header_ends:
            self._header_ends[j] = self._find_header_end(j)
        return self._header_ends[j]

    def _find_header_end(self, j: int) -> int | None:
        k = j
        if self._row_label(k) == "section":
            k += 1
            while (tok := self._tok(k)) is not None and tok.empty:
                k += 1
        start = k
        seen: set[str] = set()
        previous = ""
        while True:
            column = self._column(k)
            if column is None and self._unknown_label(k) and self._column(k + 1) and (k > start or start > j):
                column = "other"  # a column this vocabulary does not know, between two it does
            column = category_column(column, previous) if column else column
            if not column or (k > start and starts_header(column, seen)):
                break
            if k - start >= _HEADER_CELLS:
                return None
            seen.add(column)
            previous = column
            k += 1
        while k > start and not self._column(k - 1):
            k -= 1
        labels = [self.t[x].text for x in range(start, k)]
        if k - start >= 2 and (align.is_header(labels) or align.is_amount_header(labels) or start > j):
            return k
        return None

    # ------------------------------------------------------------ steps

    def _step(self) -> None:
        if self.t[self.i].empty and not self.t[self.i].fused and self.mode != "goal":
            self.i += 1  # a blank between rows (padding, an empty line cell): rows start with text
            return
        end = self._header_end(self.i)
        if end is not None:
            self._header(self.i, end)
            return
        label = self._row_label(self.i)
        if label == "field":
            self._field()
        elif label == "funding":
            self._funding()
        elif label == "total":
            self._total()
        elif label == "section":
            self._section()
        elif self.mode == "indicators":
            self._indicator()
        elif self.mode == "goal":
            self._goal()
        else:
            self._single()

    def _single(self) -> None:
        tok = self.t[self.i]
        if not tok.empty or tok.fused:
            self.table.add_positional([tok])
        self.i += 1

    def _header(self, start: int, end: int) -> None:
        pieces = self.t[start:end]
        kinds = align.header_kinds([p.text for p in pieces])
        if self._lower_header_row(pieces, kinds):
            self.i = end
            return
        split = _sub_header_at(kinds)
        trailing = _trailing_sub_header(kinds) if split is None else None
        if split is not None or trailing is not None:
            if split is not None:
                at, n = split
                header, sub = pieces[: at + 1] + pieces[at + 1 + n :], pieces[at + 1 : at + 1 + n]
            else:
                header, sub = pieces[: trailing], pieces[trailing:]
            if self.table.add_two_row_header(header, sub, len(pieces) - 1):
                self.mode = header_mode(self.table.kinds or [])
                self.i = end
                return
        if kinds and kinds[0] in align.AMOUNTS:
            # A funding header with no column for its row labels (项目资金 merged down, printed
            # elsewhere): the rows' labels stand left of the amounts, so the header gets one.
            pieces = [Piece("", pieces[0].start, pieces[0].start)] + pieces
        self.table.add_header(pieces, len(pieces))
        self._upper = (pieces, len(self.table.rows))
        self.mode = header_mode(self.table.kinds or [])
        self.i = end

    def _lower_header_row(self, pieces: list[Piece], kinds: list[str]) -> bool:
        """The lower row of a two-row header printed after the upper one: the upper row holds
        年度指标值 (spanning 指标性质 | 指标值 | 度量单位) and the columns right of it (实际完成值 |
        分值 | 得分 | 偏差), the lower one the level columns merged down beside it (一级 | 二级 |
        三级) and the target's parts. One header: the levels, the split target, the rest."""
        upper = self._upper
        self._upper = None
        if upper is None or upper[1] != len(self.table.rows):
            return False  # rows came between: no lower row of that header
        above, _ = upper
        above_kinds = align.header_kinds([p.text for p in above])
        tail = align.lower_header_row(above_kinds, kinds)
        if tail is None:
            return False
        at = above_kinds.index("target")
        header, sub = pieces[:tail] + above[at:], pieces[tail:]
        row = self.table.rows.pop()
        if self.table.add_two_row_header(header, sub, len(header) + len(sub) - 1):
            self.table.notes.append(f"{self.src.where(pieces[0].start, pieces[-1].end)}: the lower row of a "
                                    "two-row header, its level columns left of the target's parts")
            self.mode = header_mode(self.table.kinds or [])
            return True
        self.table.rows.append(row)
        return False

    def _field(self) -> None:
        label = self.t[self.i]
        value = self._tok(self.i + 1)
        if value is not None and not self._stops(self.i + 1) and not self._column(self.i + 1):
            self.table.add_positional([label, value])
            self.i += 2
        else:
            self.table.add_positional([label])
            self.i += 1

    def _values(self, start: int, limit: int) -> list[Piece]:
        out = []
        j = start
        while j < len(self.t) and len(out) < limit and not self._stops(j):
            out.append(self.t[j])
            j += 1
        return out

    def _funding(self) -> None:
        label = self.t[self.i]
        kinds = self.table.kinds if self.mode == "funding" and self.table.kinds else None
        if kinds is None:
            values = self._values(self.i + 1, 8)
            self.table.add_positional([label] + values)
            self.i += 1 + len(values)
            return
        first = next((c for c, k in enumerate(kinds) if k in _FUNDING_VALUES), 1)
        columns = kinds[first:]
        values = self._values(self.i + 1, len(columns))
        self.i += 1 + len(values)
        if first == 0:  # the header has no column for the row labels: keep the row whole, in order
            self.table.notes.append(f"{self.src.where(label.start, label.end)}: the funding header has no column "
                                    f"for its row labels; the row '{label.text}' is kept in order, one column right")
            self.table.add_positional([label] + [_unplaced(v) for v in values])
            return
        row = [None] * max(first - 1, 0) + [label]
        self.table.place_into(row, values, columns, first, exact=not self.loose, funding=True)

    def _total(self) -> None:
        label = self.t[self.i]
        kinds = self.table.kinds or []
        taken = self._values(self.i + 1, max(len(kinds) - 1, 3))
        for k, p in enumerate(taken):  # the total row holds numbers (权重占比 100%); text after it is the next part
            if not (p.empty or p.fused or cue.is_number(p.text) or cue.is_percent(p.text)):
                taken = taken[:k]
                break
        if kinds and (len(taken) == len(kinds) - 1 or self.counted) and any(p.empty for p in taken):
            self.i += 1 + len(taken)  # every cell of the row written, empty ones too: by position
            self.table.add_positional([label] + taken)
            self._end_table()
            return
        numbers = []
        for p in taken:
            if p.empty:
                continue
            if not (cue.is_number(p.text) or cue.is_percent(p.text) or p.fused):
                break
            numbers.append(p)
        self.i += 1 + (taken.index(numbers[-1]) + 1 if numbers else 0)
        if not self.table.add_total(label, numbers):
            if any(n.loose for n in numbers):  # too few or too large: numbers written together
                numbers = [Piece(n.text, n.start, n.end, fused=True) for n in numbers]
                for n in numbers:
                    self.table.notes.append(
                        f"{self.src.where(n.start, n.end)}: '{n.text}' in the {cue.label_key(label.text)} row may be "
                        f"several {FUSED}; not read")
            self.table.add_positional([label] + numbers)
        self._end_table()

    def _end_table(self) -> None:
        """The total row ends the table: what follows is not its rows."""
        self.table.kinds = None
        self.mode = "preamble"

    def _section(self) -> None:
        label = self.t[self.i]
        self.i += 1
        key = cue.label_key(label.text)
        if key in GOAL_SECTIONS:
            text = self._values(self.i, 1000)
            self.i += len(text)
            if text:
                self.table.notes.append(
                    f"{self.src.where(label.start, label.end)}: 年度总体目标 has no 预期目标 / 实际完成情况 labels; "
                    "its text is one cell, planned and achieved not told apart")
                self.table.add_positional([label, _join(text)])
                return
        self.table.add_positional([label])

    def _goal(self) -> None:
        kinds = self.table.kinds or []
        columns = [c for c, k in enumerate(kinds) if k in _GOAL]
        ahead = self._values(self.i, 1000)
        if self.counted and columns:
            # A stream that writes its empty cells holds one cell per column: take that many,
            # after any padding when there is text enough for every column.
            skip = 0
            if sum(1 for p in ahead if not p.empty) >= len(columns):
                while skip < len(ahead) and ahead[skip].empty:
                    skip += 1
            self.i += skip
            ahead = ahead[skip : skip + len(columns)]
        text = ahead
        self.i += len(text)
        non_empty = [p for p in text if not p.empty]
        if not self.counted and len(_sentences_joined(non_empty)) < len(non_empty):
            text = non_empty = _sentences_joined(non_empty)
        if not columns or not non_empty:
            if non_empty:
                self.table.add_positional(non_empty)
            return
        cells: list[Piece | None] = [None] * len(kinds)
        if len(text) == len(columns) or len(non_empty) == len(columns):
            for c, p in zip(columns, text if len(text) == len(columns) else non_empty):
                cells[c] = p
        else:
            cells[columns[0]] = _join(non_empty)
            self.table.notes.append(
                f"{self.src.where(non_empty[0].start, non_empty[-1].end)}: the goal text is in {len(non_empty)} "
                f"pieces for {len(columns)} columns; where 预期目标 ends is not known, all of it is under 预期目标")
        self.table.add_positional(cells)

    def _indicator(self) -> None:
        kinds = self.table.kinds or []
        # Found by its 分值 cell where the count can be trusted: a stream that writes its empty
        # cells, or a rubric whose categories have 分值 columns of their own.
        if not self.loose and (self.counted or align.LEVEL_POINTS in kinds) and self._anchored_row(kinds):
            return
        if not self.loose and not self.counted and self._rubric_lines_row(kinds):
            return
        cells: list[Piece | None] = [None] * len(kinds)
        j = self.i
        if "seq" in kinds and (tok := self._tok(j)) is not None and cue.is_number(tok.text) and self._level(j + 1):
            cells[kinds.index("seq")] = tok
            j += 1
        for level_kind in ("level1", "level2"):
            lv = self._level(j)
            if lv and level_kind in kinds and (lv == level_kind or lv == "level12"):
                if lv == "level12" and level_kind == "level1" and self._level(j + 1) not in ("level2", "level12"):
                    continue  # 成本指标 alone: a level-2 name
                cells[kinds.index(level_kind)] = self.t[j]
                j += 1
            elif level_kind == "level2" and "level2" in kinds and "level1" in kinds and cells[kinds.index("level1")]:
                # A new 一级指标 starts a new 二级指标 group: the cell after it is the level-2
                # name even when the closed list does not know its spelling.
                tok = self._tok(j)
                if tok is not None and (tok.empty and not tok.fused or align.cell_kind(tok.text) in ("short", "points")
                                        and (self.counted or self._name_at(j + 1))):
                    cells[kinds.index("level2")] = tok
                    j += 1
        last_level = max((c for c, k in enumerate(kinds) if k in ("level1", "level2", "seq")), default=-1)
        body = list(range(last_level + 1, len(kinds)))
        body_kinds = [kinds[c] for c in body]
        values: list[Piece] = []
        while j < len(self.t) and len(values) < len(body) and not self._ends_body(j, values):
            if values and self._next_row_starts(j, values, body_kinds):
                break
            values.append(self.t[j])
            j += 1
        if (len(values) == len(body) and body_kinds and align.is_prose(body_kinds[-1]) and not self.counted
                and not self.loose):
            # Words of the last (reason) cell that spaces parted: up to the next row.
            while j < len(self.t) and not self._stops(j) and not self.t[j].empty and not self._row_ahead(j, body_kinds):
                last = values[-1]
                values[-1] = Piece((last.text + " " + self.t[j].text).strip(), last.start if not last.empty else self.t[j].start, self.t[j].end)
                j += 1
        read = self._cut_by_words(values, body_kinds, last_level + 1) if self.spaced_flat else None
        if read is not None:
            values = read
        elif not self.counted and len(values) == len(body):
            j, values = self._anchor_at_score(j, values, body_kinds, last_level + 1)
        exact = not self.loose
        if read is None and not self.counted and not self.loose and len(values) == len(body):
            values, exact = _pair_before_its_columns(values, body_kinds)
        self.i = j
        if j >= len(self.t) and len(values) < len(body):  # the text ends inside this row
            where = self.src.where(values[0].start, values[-1].end) if values else "end of text"
            self.table.notes.append(f"{where}: the text ends inside this row; its last cells are missing")
            cells = cells[: last_level + 1] + values
            self.table.add_positional(cells)
            return
        if not values and all(c is None for c in cells):
            return
        if all(p.empty for p in values) and all(c is None for c in cells):
            return  # a row of empty cells
        prefix = cells[: last_level + 1]
        if self.loose and values:
            values = self._loose_row(values, body_kinds)
            self.table.place_into(prefix, values, body_kinds[: len(values)] + body_kinds[len(values):],
                                  last_level + 1, exact=True)
            return
        self.table.place_into(prefix, values, body_kinds, last_level + 1, exact=exact)

    def _cut_by_words(self, values: list[Piece], body_kinds: list[str], first: int) -> list[Piece] | None:
        """A row of flattened spaced text placed by the cuts its words admit (cuts.py): the cells
        all readings agree on, the others left empty with a note naming them. None when the
        words admit no reading (the row is read as before) or the body has no 分值 / 得分."""
        if "weight" not in body_kinds or "score" not in body_kinds or any(p.fused for p in values):
            return None
        words = cuts.words_of([p for p in values if not p.empty])
        if not words:
            return None
        readings = cuts.cuts([w.text for w in words], body_kinds)
        if not readings or len(readings) > cuts.MAX_CUTS:
            return None
        cells = cuts.agreed(readings)
        parts = [c for c, k in enumerate(body_kinds) if k in align.SUB_LABELS]
        if len(parts) > 1 and any(cells[c] is None for c in parts):
            cells = [None if c in parts else span for c, span in enumerate(cells)]  # the split target is one value
        unsure = [c for c, span in enumerate(cells) if span is None]
        if unsure:
            header = self.table.header_texts()
            names = " / ".join(header[first + c] for c in unsure if first + c < len(header) and header[first + c])
            self.table.notes.append(
                f"{self.src.where(words[0].start, words[-1].end)}: the words of this row "
                f"('{' '.join(w.text for w in words)}') can be cut into its columns in {len(readings)} ways "
                f"(single spaces part cells and sit inside them): where {names} end is not written, so they "
                "are left empty")
        return cuts.as_pieces(words, cells)

    def _anchor_at_score(self, j: int, values: list[Piece], body_kinds: list[str], first: int):
        """A counted row of a spaced stream that stopped short of its 得分 (a cell wrapped over a
        space): run it on to its last number and place it from there (anchor.py)."""
        s = anchor.score_at(body_kinds)
        if s is None or "seq" in (self.table.kinds or []):
            return j, values
        if cue.is_number(values[s].text) and not (len(values) == s + 1 and j < len(self.t)
                                                  and cue.is_number(self.t[j].text)):
            return j, values
        end = anchor.words_to_score(self.t, j, self._stops)
        if end is None:
            return self._words_without_numbers(j, values, s)
        placed = anchor.anchored(values + self.t[j : end + 1], body_kinds, s)
        if placed is None:
            return j, values
        cells, unsure = placed
        if unsure:
            header = self.table.header_texts()
            names = " / ".join(header[first + c] for c in unsure if first + c < len(header) and header[first + c])
            words = " ".join(p.text for p in values + self.t[j : end + 1])
            self.table.notes.append(
                f"{self.src.where(values[0].start, self.t[end].end)}: the words of this row ('{words}') run over "
                f"more cells than its text columns ({names}) and single spaces part cells and wrapped lines "
                "alike: where one cell ends is not written, so they are left empty")
        return end + 1, cells

    def _words_without_numbers(self, j: int, values: list[Piece], s: int):
        """A counted row with words under its 得分 and no number before the next label: its
        words up to there are one row whose cells cannot be placed (anchor.words_to_stop)."""
        stop = anchor.words_to_stop(self.t, j, self._stops, values[s])
        if stop is None:
            return j, values
        words = " ".join(p.text for p in values + self.t[j : stop + 1])
        self.table.notes.append(
            f"{self.src.where(values[0].start, self.t[max(stop, j - 1)].end)}: the words of this row ('{words}') "
            "hold no number for its 得分 and single spaces part cells and wrapped lines alike: where its cells "
            "end is not written, so none is read")
        blank = Piece("", values[0].start, values[0].start)
        return stop + 1, [blank] * len(values)

    def _anchored_row(self, kinds: list[str]) -> bool:
        """A row of a stream that writes its empty cells (or of a rubric whose categories have
        分值 columns of their own), found by its 分值 cell: the cells from
        the name up to 分值 are as many as the header has there, so any cells before them are
        the row's level names (merged cells are written once, in a group's first row: one
        cell is the 二级指标, two are 一级 and 二级), each with its own 分值 where the header
        gives a category one, whatever their spelling (a rubric's own categories, 投入 /
        预算配置, are in no closed list). False, and nothing read, when no 分值 cell is where
        the header puts one."""
        units = _level_units(kinds)
        body = sum(units)
        if "weight" not in kinds or not units:
            return False
        name_to_weight = kinds.index("weight") - body  # the name and any text columns (评分标准 …) before 分值
        if name_to_weight < 1:
            return False
        # Of the readings that fit, the one whose cells are most like their columns (a rubric's
        # category and its 分值 before a name, or a name followed by a number by chance).
        best: tuple[float, int, int] | None = None  # (fit, lead, end)
        for used in range(len(units), -1, -1):
            lead = sum(units[len(units) - used:])
            tok = self._tok(self.i + lead + name_to_weight)
            if tok is None or not cue.is_number(tok.text):
                continue
            if not all(self._fits_level(self.i + k, column) for k, column in enumerate(kinds[body - lead : body])):
                continue
            start = self.i + lead
            rest = self.t[start : min(start + len(kinds) - body, len(self.t))]
            if not _name_like(rest[0]) or any(self._stops(start + k) for k in range(len(rest))):
                continue
            if not all(self._fits(p, column) for p, column in zip(rest, kinds[body:])):
                continue
            columns = kinds[body - lead :]
            fit = sum(align.score(align.cell_kind(p.text, p.fused), c) for p, c in zip(self.t[self.i :], columns[: lead + len(rest)]))
            if best is None or fit > best[0]:
                best = (fit, lead, start + len(rest))
        if best is None:
            return False
        _, lead, end = best
        prefix: list[Piece | None] = [None] * (body - lead) + list(self.t[self.i : self.i + lead])
        rest = self.t[self.i + lead : end]
        self.i = end
        self.table.place_into(prefix, rest, kinds[body:], body, exact=True)
        return True

    def _rubric_lines_row(self, kinds: list[str]) -> bool:
        """A rubric row printed one line at a time, its empty cells dropped and its cells broken
        over lines ("投 入" / "(15分)", "财政供养人员" / "控制率", a 评分标准 of three lines): the
        row runs to its 分值 / 得分 pair; lines carrying a category's points ("(15分)") are its
        level cells, the words before the first sentence its name, the sentences its scoring
        rule. Only under a header 级指标 … | 三级指标 | 评分标准 | 分值 | 得分 (…), and only where
        every part is there; else False and nothing read."""
        units = _level_units(kinds)
        if not units or any(u != 1 for u in units):
            return False
        body = len(units)
        prose = 0  # the text columns between the name and 分值: 评分标准, or 指标解释 and 评分标准
        while kinds[body + 1 + prose : body + 2 + prose] == ["text"]:
            prose += 1
        tail = body + 1 + prose
        if (kinds[body : body + 1] != ["name"] or prose not in (1, 2) or kinds[tail : tail + 2] != ["weight", "score"]
                or any(k not in ("text", "deviation", "remark", "other") for k in kinds[tail + 2:])):
            return False
        end = self._score_pair(self.i)
        if end is None:
            return False
        pieces = _with_points_joined(self.t[self.i : end])
        levels: list[Piece] = []
        while pieces and len(levels) < body and cue.has_points(pieces[0].text) and len(pieces[0].text) <= _LEVEL_LENGTH:
            levels.append(pieces.pop(0))
        name = []
        while pieces and _name_like(pieces[0]) and not _SENTENCE.search(pieces[0].text) and len(pieces[0].text) <= 20:
            name.append(pieces.pop(0))
        if not name or not pieces or prose == 2 and len(pieces) != 2:
            return False  # two text columns: which lines are whose is known only at one line each
        texts = [_join(pieces)] if prose == 1 else pieces
        prefix: list[Piece | None] = [None] * (body - len(levels)) + levels
        values = [_join(name), *texts, self.t[end], self.t[end + 1]]
        self.i = end + 2
        blank = Piece("", self.t[end + 1].end, self.t[end + 1].end)
        self.table.place_into(prefix, values + [blank] * (len(kinds) - body - len(values)), kinds[body:], body,
                              exact=True)
        return True

    def _score_pair(self, j: int) -> int | None:
        """Where a row's 分值 / 得分 pair (two numbers in a row) begins, within reach of token j."""
        for k in range(j + 2, min(j + _ROW_REACH, len(self.t) - 1)):
            if self._stops(k):
                return None
            if cue.is_number(self.t[k].text) and cue.is_number(self.t[k + 1].text):
                return k
        return None

    def _fits_level(self, j: int, column: str) -> bool:
        """Token j as a row's level cell (words, no row label) or its category's 分值 (a number)."""
        p = self.t[j]
        if column == align.LEVEL_POINTS:
            return p.empty or cue.is_number(p.text)
        return _name_like(p) and len(p.text.strip()) <= _LEVEL_LENGTH and not self._row_label(j)

    def _fits(self, piece: Piece, column: str) -> bool:
        """A cell of a row found by its 分值 cell fits its column: a number under a numeric
        column, no bare number under a text one. A stream that drops its empty cells has no
        empty cell to place; one that writes them may leave any column empty."""
        if piece.empty:
            return self.counted
        number = cue.is_number(piece.text)
        if _is_numeric(column):
            return number or cue.is_percent(piece.text)
        return not number or column in ("target", "actual", "other")

    def _spread_fused(self, values: list[Piece], body_kinds: list[str], counts: set[int]) -> list[Piece]:
        """One run of fused numbers stands for the numeric columns the row is short of: it takes
        them (all left empty) when that makes the row fill its columns one for one."""
        fused = [k for k, p in enumerate(values) if p.fused]
        if len(fused) != 1:
            return values
        at = fused[0]
        for total in sorted(counts):
            span = total - len(values) + 1
            columns = body_kinds[at : at + span]
            if span >= 2 and len(columns) == span and all(c in _NUMBER_OR_VALUE for c in columns):
                self.table.note_fused(values[at], at + (len(self.table.kinds or []) - len(body_kinds)), span)
                blank = Piece("", values[at].end, values[at].end)
                return values[:at] + [values[at]] + [blank] * (span - 1) + values[at + 1 :]
        return values

    def _loose_row(self, values: list[Piece], body_kinds: list[str]) -> list[Piece]:
        """A row cut from text with no separators is read only when its cells fill its columns one
        for one up to 得分 (or to its last column); else only its name is sure."""
        counts = {len(body_kinds)}
        if "score" in body_kinds:
            counts.add(body_kinds.index("score") + 1)
        if len(body_kinds) > 1 and align.is_prose(body_kinds[-1]):
            counts.add(len(body_kinds) - 1)  # the reason text, last, is often left empty
        values = self._spread_fused(values, body_kinds, counts)
        fits = len(values) in counts and all(
            align.score(align.cell_kind(p.text, p.fused), kind) > -2 for p, kind in zip(values, body_kinds))
        if fits:
            return [Piece(p.text, p.start, p.end, fused=True) if implausible(p, kind) else p
                    for p, kind in zip(values, body_kinds)]
        rest = " ".join(p.text for p in values[1:])
        self.table.notes.append(
            f"{self.src.where(values[0].start, values[-1].end)}: the cells of this row are {RUN_TOGETHER} "
            f"and do not fill its columns one for one; only its name is read (not placed: '{rest}')")
        return values[:1]

    def _loose_row_starts(self, j: int, values: list[Piece], body_kinds: list[str] = ()) -> bool:
        """In text with no separators: a name (text that is not a sentence) after the row's
        numbers, followed by a value, begins the next row; where the header puts a number
        right after the name (三级指标 | 分值 | 年度指标值), only when a number follows it
        ("状况10显著提升显著提升10": 显著提升 is this row's target, not the next row)."""
        if not any(p.loose or p.fused or cue.is_number(p.text) for p in values):
            return False
        tok = self.t[j]
        if align.cell_kind(tok.text) not in ("short", "long") or _SENTENCE.search(tok.text):
            return False  # a name is words: "20万元" after numbers is a value, not the next row
        if len(values) >= 2 and tok.text == values[-1].text:
            return False  # a target met written twice (年度指标值 = 实际完成值): this row's actual
        after = self._tok(j + 1)
        if after is None:
            return False
        after_kind = align.cell_kind(after.text, after.fused)
        if len(body_kinds) > 1 and body_kinds[0] == "name" and _is_numeric(body_kinds[1]):
            return after_kind in ("number", "fused") or after.loose and after_kind in ("percent", "quantity")
        return after_kind in ("number", "percent", "quantity", "fused", "short", "comparator")

    def _ragged_row_ends(self, j: int, values: list[Piece], body_kinds: list[str]) -> bool:
        """In a stream that drops its empty cells, a row is short of cells (a split target's
        指标性质 and 度量单位, an empty 完成值): it ends at its 分值/得分 pair when the tokens from j
        read as the next row, a name and at most as many cells as the header has before 分值,
        then a pair of its own (the next row's merged level cells dropped as well)."""
        reason = align.is_prose(body_kinds[-1]) and bool(values) and not cue.is_number(values[-1].text)
        if reason:
            values = values[:-1]  # the row's reason text, after its pair
        if len(values) < 3 or not (cue.is_number(values[-1].text) and cue.is_number(values[-2].text)):
            return False
        # A sentence after the pair may be this row's reason text, unless the row has one already.
        return self._ragged_row_ahead(j, body_kinds, sentence=reason)

    def _ragged_row_ahead(self, j: int, body_kinds: list[str], sentence: bool = False) -> bool:
        """Do the tokens from j read as a row of a stream that drops its empty cells: a name, at
        most as many cells as the header has before 分值, then its 分值/得分 pair? A name that
        reads as a sentence is taken only where `sentence` says no reason text is due."""
        if self.counted or self.loose or "weight" not in body_kinds:
            return False
        tok = self.t[j]
        if align.cell_kind(tok.text) not in ("short", "long", "quantity") or not sentence and _SENTENCE.search(tok.text):
            return False
        before_weight = body_kinds.index("weight")
        for k in range(j + 1, j + before_weight + 1):
            if k + 1 >= len(self.t) or self._stops(k) or self._stops(k + 1):
                return False
            if cue.is_number(self.t[k].text) and cue.is_number(self.t[k + 1].text):
                return True
        return False

    def _row_ahead(self, j: int, body_kinds: list[str]) -> bool:
        """Do the tokens from j read as a row of the body (name, values, 分值/得分)?"""
        if "score" not in body_kinds:
            return True
        if not self.counted and not self.loose and self._pair_ahead(j, body_kinds):
            return True  # a name, its values and its 分值 / 得分 pair: the next row, not more reason text
        return (self._next_row_starts(j, [Piece("x", 0, 0)] * (body_kinds.index("score") + 1), body_kinds)
                or self._ragged_row_ahead(j, body_kinds))

    def _name_at(self, j: int) -> bool:
        """Token j can be an indicator's name: words, not a value (a 二级指标 is followed by its
        row's name; where a merged or empty 二级指标 was dropped, a value follows the name)."""
        tok = self._tok(j)
        return tok is not None and not tok.empty and align.cell_kind(tok.text, tok.fused) in (
            "short", "long", "points", "level2", "level12")

    def _pair_ahead(self, j: int, body_kinds: list[str]) -> bool:
        """A row whose empty cells were dropped (a split target's 指标性质 and 度量单位 left
        blank): a name, a value or more, then its 分值 / 得分 pair, no more cells before the
        pair than the header has columns before 分值, nothing that stops a row between."""
        if "weight" not in body_kinds or "score" not in body_kinds or (
                body_kinds.index("score") != body_kinds.index("weight") + 1):
            return False
        tok = self.t[j]
        if _CLAUSE_END.search(tok.text) or not _name_like(tok):
            return False  # a reason text ("偏差原因：…。"), not a name (which may hold commas)
        before_weight = body_kinds.index("weight")
        end = min(j + before_weight + 1, len(self.t) - 1)
        if end <= j + 2 or self._stops(j) or self._stops(j + 1):
            return False
        for k in range(j + 2, end):
            if self._stops(k) or self._stops(k + 1):
                return False
            if cue.is_number(self.t[k].text) and cue.is_number(self.t[k + 1].text):
                return True
        return False

    def _next_row_starts(self, j: int, values: list[Piece], body_kinds: list[str]) -> bool:
        """After a row's 分值/得分 pair, does token j begin the next row rather than a reason text?"""
        if self.loose:
            return self._loose_row_starts(j, values, body_kinds)
        if not self.counted and len(values) >= 3 and _ends_at_pair(values) and self._pair_ahead(j, body_kinds):
            return True  # this row ended at its 分值 / 得分 pair (and its reason) and the next one is a row too
        if "score" not in body_kinds:
            return False
        if len(values) <= body_kinds.index("score"):
            return self._ragged_row_ends(j, values, body_kinds)
        if any(p.empty for p in values):
            return False  # a stream with empty cells keeps every column: count, do not guess
        tok = self.t[j]
        if align.cell_kind(tok.text) not in ("short", "long", "quantity"):
            return False
        span = body_kinds.index("score") + 1
        ahead = self.t[j : j + span]
        if len(ahead) < span or any(self._row_label(x) for x in range(j, j + span)):
            return False  # a 总分 / field label is no cell of a row: what comes before it is this row's
        weight_at = body_kinds.index("weight") if "weight" in body_kinds else None
        for k, (p, kind) in enumerate(zip(ahead, body_kinds)):
            if align.score(align.cell_kind(p.text, p.fused), kind) <= -2 or (
                    k in (weight_at, span - 1) and not cue.is_number(p.text)):
                return self._ragged_row_ends(j, values, body_kinds)  # the next row may be short of cells
        return True


_SENTENCE = re.compile(r"[。；;：:，,]")
_CLAUSE_END = re.compile(r"[。；;：:]")


def _pair_before_its_columns(values: list[Piece], body_kinds: list[str]) -> tuple[list[Piece], bool]:
    """A row that filled its columns by count though it dropped empty cells before its 分值 /
    得分 pair (a split target's blank 指标性质) and has a space inside its reason text: the
    pair stands earlier than the header puts it. The cells before it are placed by what they
    are, the pair under 分值 / 得分, what follows is the reason. (values, exact) unchanged
    when the pair is where the header puts it, or no pair is written before."""
    if "weight" not in body_kinds or "score" not in body_kinds or (
            body_kinds.index("score") != body_kinds.index("weight") + 1):
        return values, True
    w = body_kinds.index("weight")
    if cue.is_number(values[w].text) and cue.is_number(values[w + 1].text):
        return values, True
    if any(not (align.is_prose(k) or k in ("deviation", "remark")) for k in body_kinds[w + 2:]):
        return values, True
    pair = next((k for k in range(1, w) if cue.is_number(values[k].text) and cue.is_number(values[k + 1].text)), None)
    if pair is None:
        return values, True
    rest = [p for p in values[pair + 2:] if not p.empty]
    reason = [_join_spaced(rest)] if rest else []
    return values[: pair + 2] + reason, False


def _join_spaced(pieces: list[Piece]) -> Piece:
    return Piece(" ".join(p.text for p in pieces), pieces[0].start, pieces[-1].end)


def _ends_at_pair(values: list[Piece]) -> bool:
    """The cells end with a 分值 / 得分 pair, or with the pair and one reason text after it."""
    def pair(k: int) -> bool:
        return k >= 1 and cue.is_number(values[k - 1].text) and cue.is_number(values[k].text)
    last = len(values) - 1
    return pair(last) or pair(last - 1) and not cue.has_digit(values[last].text)
_NUMBER_OR_VALUE = align.NUMERIC | align.PERCENTISH | frozenset({"target", "actual"})


_LEVEL_LENGTH = 24  # a category's name, with its "(15分)": never a sentence


def _name_like(piece: Piece) -> bool:
    """Words that can name an indicator or a category: not empty, not a value, not a
    rubric's prose (a scoring rule, an explanation)."""
    text = piece.text.strip()
    words = align.cell_kind(text, piece.fused) in ("short", "long", "points", "level1", "level2", "level12")
    return words and not cue.vocabulary().rubric_prose.search(text)


# Cells of one header row, at most: the widest real one has 11 (a rubric's with its
# categories' 分值 columns); the bound keeps a text of thousands of labels linear.
_HEADER_CELLS = 40

_ROW_REACH = 16  # tokens of one rubric row printed a line at a time, at most


def _with_points_joined(pieces: list[Piece]) -> list[Piece]:
    """A line that is only a category's points ("(15分)") ends the line above it: one cell."""
    out: list[Piece] = []
    for p in pieces:
        if out and cue.has_points(p.text) and cue.squash(p.text).startswith(("(", "（")):
            out[-1] = Piece(out[-1].text + "\n" + p.text, out[-1].start, p.end)
        else:
            out.append(p)
    return out


def _is_numeric(column: str) -> bool:
    return column in cue.NUMERIC or column in cue.PERCENTISH


def _level_units(kinds: list[str]) -> list[int]:
    """The header's leading level columns as units: a level column and its category 分值
    columns after it (一级指标 | 分值 → 2). [] when the header does not start with a level."""
    units: list[int] = []
    for kind in kinds:
        if kind in cue.LEVELS:
            units.append(1)
        elif kind == align.LEVEL_POINTS and units:
            units[-1] += 1
        else:
            break
    return units


def _unplaced(piece: Piece) -> Piece:
    """A loose number kept out of a cell whose column is not known (it may hold several numbers)."""
    return Piece(piece.text, piece.start, piece.end, fused=True) if piece.loose else piece


def _sub_header_at(kinds: list[str]) -> tuple[int, int] | None:
    """(index of the spanning target label, number of parts) when a header run holds a split target."""
    for at, kind in enumerate(kinds):
        if kind != "target":
            continue
        n = 0
        while at + 1 + n < len(kinds) and kinds[at + 1 + n] in align.SUB_LABELS:
            n += 1
        if n >= 2:
            return at, n
    return None


def _trailing_sub_header(kinds: list[str]) -> int | None:
    """Where the second header row starts when a merged two-row header is printed row by row
    (一级指标 … 年度指标值 … 偏差原因, then 指标性质 | 指标值 | 度量单位): a run of two or more parts
    of a split target closing the header, after a 年度指标值 column they stand under."""
    start = len(kinds)
    while start > 0 and kinds[start - 1] in align.SUB_LABELS:
        start -= 1
    if len(kinds) - start < 2 or "target" not in kinds[:start]:
        return None
    return start


_CLAUSE_MARKS = tuple(",，、")  # (a list's "；" may close a cell: "1.…；2.…；")


def _sentences_joined(pieces: list[Piece]) -> list[Piece]:
    """Goal text pieces where a piece ending in a comma ("…服装等设备," + "并添置…") is
    one sentence cut at a space or a line break: a cell's text does not end mid-sentence."""
    out: list[Piece] = []
    for p in pieces:
        if out and out[-1].text.rstrip().endswith(_CLAUSE_MARKS):
            out[-1] = _join([out[-1], p])
            continue
        out.append(p)
    return out


def _join(pieces: list[Piece]) -> Piece:
    text = "\n".join(p.text for p in pieces if p.text)
    return Piece(text, pieces[0].start, pieces[-1].end)
