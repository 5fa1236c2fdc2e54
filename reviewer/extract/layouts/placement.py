"""Placing a table row's cells under the table's columns.

Where the grid keeps positions (a tab export with merged cells as empty fields, a .docx
or .xlsx table) a cell belongs to the header whose span holds it, as long as every cell
fits its column (no words under 分值, no indicator name under 二级指标). Otherwise (pipe
rows whose merged cells were dropped, a row shifted by a lost cell) the cells are placed
by what they hold: an order-keeping alignment of the row's cells to the columns, scored
by how well each cell fits each column (level names from the closed list, comparators,
units, 定量/定性, numbers for weights and scores, words for names and rubrics), where
leaving a merged column (一级/二级指标) empty costs nothing and leaving a name or an
amount empty costs more. When two best alignments put a cell in different columns the
cell is not placed: it is reported, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from reviewer.domain.values import comparator_symbol, is_unit, parse_value_shared
from reviewer.domain.vocabulary import depends_on_vocabulary, label_key, vocabulary
from reviewer.extract.raw import UNPLACED, RawCell

UNKNOWN = "?"  # field prefix of a header this reader does not know: "?备注2"
IGNORED = frozenset(("seq", "remark", "ignored"))  # located, then dropped without a word

# What a cell holds.
DASH, NUMBER, PERCENT, AMOUNT = "dash", "number", "percent", "amount"
COMPARATOR, UNIT, NATURE = "comparator", "unit", "nature"
L1, L2, BOTH, LEVELISH, POINTS = "level1", "level2", "level1or2", "levelish", "points"
VALUE, TEXT, CRITERIA, DESCRIPTION = "value", "text", "criteria", "description"
PLACEHOLDER = "placeholder"  # a template row's "指标2", "……"
ILLEGIBLE = "illegible"  # numbers written together: takes a numeric or value column, yields nothing

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?分?$")
_PERCENT = re.compile(r"^[+-]?\d+(?:\.\d+)?%$")
_AMOUNT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|万|元)$")
_POINTS = re.compile(r"[（(][^()（）]*?\d+(?:\.\d+)?\s*分?\s*[)）]\s*$")  # "规划 (15分)", "(20)"
_POINTS_ONLY = re.compile(r"^[（(]\d+(?:\.\d+)?分?[)）]$")
_DIGIT = re.compile(r"\d")
_LEADING_NUMBER = re.compile(r"^\d+(?:\.\d+)?(?=[^\d.%])")
_WORD_CHARS = re.compile(r"[^\W\d_]")  # letters of any script: the words after a leading number
_DASHES = frozenset(("—", "－", "-", "--", "——", "/", "／", "–", "\\"))


@depends_on_vocabulary
@lru_cache(maxsize=16384)
def kind(text: str) -> str:
    """What a (non-empty) cell holds, for placing it."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if t in _DASHES:
        return DASH
    if _NUMBER.match(t):
        return NUMBER
    if _PERCENT.match(t):
        return PERCENT
    if _AMOUNT.match(t):
        return AMOUNT
    if comparator_symbol(t):
        return COMPARATOR
    if is_unit(t):
        return UNIT
    vocab = vocabulary()
    if t in vocab.values.natures:
        return NATURE
    if vocab.placeholder.match(t):
        return PLACEHOLDER
    numbered = vocab.name_prefix.match(t)
    if numbered:  # "指标1:工程质量合格": the template numbers its indicators' names
        return TEXT if t[numbered.end():] else PLACEHOLDER
    if _POINTS_ONLY.match(t):
        return LEVELISH  # "(50分)": a category cell whose name was lost, its points left
    one, two = vocab.level(t, 1), vocab.level(t, 2)
    if one and two:
        return BOTH
    if one or two:
        return L1 if one else L2
    key = label_key(t)
    if key.endswith("指标") and len(key) <= 12 or key.endswith("标") and _level_stem(key):
        return LEVELISH
    if _POINTS.search(t):
        return POINTS
    if vocab.criteria_words.search(t):
        return CRITERIA
    if vocab.description_words.search(t):
        return DESCRIPTION
    if _numbered_name(t) or _year_name(t):
        return TEXT
    return VALUE if _DIGIT.search(t) else TEXT


def _numbered_name(t: str) -> bool:
    """A name that begins with digits ("12345事件分拨完成合格率", "5G基站建设数量"): a number
    followed by words, with no comparator and no unit after it, says no quantity, so it is never
    a target's or an actual's value."""
    m = _LEADING_NUMBER.match(t)
    if not m or len(_WORD_CHARS.findall(t[m.end():])) < 2:
        return False
    value = parse_value_shared(t)
    return value.kind == "number" and value.comparator is None and value.unit is None


_YEAR_THEN_WORDS = re.compile(r"^(?:19|20)\d{2}年度?[^\W\d_]{2}\D*$")


def _year_name(t: str) -> bool:
    """A name that begins with a year ("2023年度培训次数", "2022年资金到位率"): the year's 年 reads
    as a unit, so the rule above misses it; a year followed by words and no other number, with no
    comparator and no date after it ("2022年12月31日前", "2021年底前完成" are targets), says no quantity."""
    if not _YEAR_THEN_WORDS.match(t):
        return False
    value = parse_value_shared(t)
    return value.kind == "number" and value.comparator is None


def _level_stem(key: str) -> bool:
    vocab = vocabulary()
    return any(key.startswith(name.removesuffix("指标")) for name in vocab.level2_names + vocab.level1_names)


NO = -10**6  # a cell that cannot be in this column
_NUMBERS = frozenset((NUMBER, PERCENT, AMOUNT))
# A level-2 name can be an indicator's own name (成本指标 | 社会成本指标 | …): less likely than
# in its level column, but a row without a name is less likely still.
_WORDS = {TEXT: 10, CRITERIA: 10, DESCRIPTION: 10, VALUE: 5, POINTS: 5, LEVELISH: 2, L1: 2, L2: 15, BOTH: 15}
_NUMERIC = {NUMBER: 20, DASH: 5, ILLEGIBLE: 20}
# Fit of a cell kind in a column (×10); kinds not listed get the column's default.
_FIT: dict[str, tuple[dict[str, int], int]] = {
    "seq": ({NUMBER: 20}, NO),
    "name": ({**_WORDS, NUMBER: 2, AMOUNT: 2, PERCENT: 2, CRITERIA: 5, DASH: 0, PLACEHOLDER: 10}, NO),
    "nature": ({NATURE: 30, COMPARATOR: 30, TEXT: 2}, NO),
    "comparator": ({COMPARATOR: 30}, NO),
    "unit": ({UNIT: 30, DASH: 2, TEXT: 1}, NO),  # "小时内", "%及时": a unit written with its qualifier
    "target": ({VALUE: 20, PERCENT: 20, NUMBER: 15, AMOUNT: 15, TEXT: 10, DASH: 5, POINTS: 3, CRITERIA: 3,
                DESCRIPTION: 3, ILLEGIBLE: 15}, 1),
    "weight": (_NUMERIC, NO),
    "score": (_NUMERIC, NO),
    "review_score": (_NUMERIC, NO),
    "weighted_score": (_NUMERIC, NO),
    "weight_share": ({PERCENT: 20, NUMBER: 15, DASH: 5, ILLEGIBLE: 20}, NO),
    "deviation": ({TEXT: 10, CRITERIA: 8, DESCRIPTION: 8, VALUE: 5, DASH: 5, NUMBER: 1}, 1),
    "description": ({DESCRIPTION: 20, TEXT: 10, CRITERIA: 5, VALUE: 5, DASH: 3}, 1),
    "criteria": ({CRITERIA: 20, TEXT: 10, DESCRIPTION: 5, VALUE: 5, DASH: 3}, 1),
    "remark": ({}, 1),
    # Funding rows: the label in front, amounts packed from the left.
    "label": ({TEXT: 20, VALUE: 10, DESCRIPTION: 10, CRITERIA: 10}, NO),
    "initial_budget": ({NUMBER: 20, AMOUNT: 20, DASH: 10, ILLEGIBLE: 20}, NO),
    "annual_budget": ({NUMBER: 20, AMOUNT: 20, DASH: 10, ILLEGIBLE: 20}, NO),
    "executed": ({NUMBER: 20, AMOUNT: 20, DASH: 10, ILLEGIBLE: 20}, NO),
    "execution_rate": ({PERCENT: 20, NUMBER: 15, DASH: 10, ILLEGIBLE: 20}, NO),
    "ignored": ({}, 3),
}
_FIT["actual"] = _FIT["target"]
# Level columns: strict where the table uses the closed list of categories, loose in rubrics.
_LEVEL_FIT = {
    ("level1", True): ({L1: 30, BOTH: 25, LEVELISH: 15, POINTS: 10, TEXT: -30, CRITERIA: -30, DESCRIPTION: -30,
                        VALUE: -30}, NO),
    # A lone 成本指标 (a level-1 in some templates, a level-2 in others) is the deeper one:
    # a row opening a new level-1 group opens its level-2 too.
    ("level2", True): ({L2: 30, BOTH: 32, LEVELISH: 20, POINTS: 10, TEXT: -30, CRITERIA: -30, DESCRIPTION: -30,
                        VALUE: -30}, NO),
    # In a rubric a lone group label is the deeper one, as above.
    ("level1", False): ({POINTS: 20, L1: 15, L2: 15, BOTH: 15, LEVELISH: 15, TEXT: 8, VALUE: 3}, NO),
    ("level2", False): ({POINTS: 22, L1: 17, L2: 17, BOTH: 17, LEVELISH: 17, TEXT: 10, VALUE: 3}, NO),
}
_RUBRIC_NAME = ({**_FIT["name"][0], POINTS: 15}, NO)
# Cost of leaving a column empty (×10): merged columns are free, a name or an amount is not.
_SKIP = {"level1": 0, "level2": 0, "seq": 3, "name": 12, "target": 5, "actual": 5, "weight": 5, "score": 5,
         "label": 30, "initial_budget": 15, "annual_budget": 15, "executed": 15, "comparator": 3, "unit": 3}
_SKIP_DEFAULT = 2
_DROP = 15  # cost of a cell placed nowhere
_POSITION_BONUS = 1  # breaks ties only: never outweighs what a cell is
# _LONE_TARGET: a lone number standing under 年度指标值 (or a split target's 指标值) in a row with
# no comparator or unit cell has nothing beside it to show it is the target and not the
# 实际完成值. A reader that dropped the row's empty cells, or a text reader facing the same two
# readings, stood it in the first of them, so that position cannot break the tie: a number placed
# by it would be a target the form never said. It is left unread, with a warning naming both
# columns. A number stood further right had something before it taking the target's place.


def fit(column: str, cell_kind: str, closed: bool) -> int:
    if column in ("level1", "level2"):
        table, default = _LEVEL_FIT[(column, closed)]
    elif column == "name" and not closed:
        table, default = _RUBRIC_NAME
    else:
        table, default = _FIT.get(column, ({}, 2))
    return table.get(cell_kind, default)


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # the field it holds, or UNKNOWN + its header text
    start: int  # first grid column of its span (a column spans up to the next one)
    header: RawCell


class GridCell(NamedTuple):
    col: int
    cell: RawCell
    illegible: bool = False  # a position taken by text no reader can read (Cell.illegible): placed, never read


@dataclass
class Placement:
    cells: dict[str, list[RawCell]] = field(default_factory=dict)  # field → cells, in order
    before: list[RawCell] = field(default_factory=list)  # cells left of the first column
    # Cells that fit several columns equally well (or none): (cell, the candidate fields).
    unplaced: list[tuple[RawCell, tuple[str, ...]]] = field(default_factory=list)
    # Cells of a positional row left where they are but not read: (cell, the column they stand in).
    misfits: list[tuple[RawCell, str]] = field(default_factory=list)
    moved: bool = False  # placed by content, not by position
    shift: int | None = None  # by content: how many columns right of its position every cell went (None: not one)


def by_position(cells: list[GridCell], columns: list[Column]) -> Placement:
    """Each cell under the column whose span holds it."""
    placed = Placement()
    starts = [c.start for c in columns]
    for gc in cells:
        if gc.illegible:
            continue  # its column holds nothing readable
        at = _span_of(starts, gc.col)
        if at is None:
            placed.before.append(gc.cell)
        else:
            placed.cells.setdefault(columns[at].field, []).append(gc.cell)
    return placed


def _span_of(starts: list[int], col: int) -> int | None:
    at = bisect_right(starts, col)
    return at - 1 if at else None


def plausible(placement: Placement, closed: bool) -> bool:
    """Whether every cell fits the column its position gives it."""
    for name, cs in placement.cells.items():
        text = cs[0].text if len(cs) == 1 else " ".join(c.text for c in cs)
        if fit(name, kind(text), closed) < 0:
            return False
    return True


def place(cells: list[GridCell], columns: list[Column], closed: bool, positional: bool,
          lead: str | None = None, as_wide: bool = False, aligned: bool = False) -> Placement:
    """The row's cells under `columns`: by position when `positional` and every cell fits,
    else by content. `lead` names a pseudo-column in front (a funding row's label). A row
    `as_wide` as its header in a grid without true positions gives its positions a little
    weight (a pipe row may still be shifted and padded to the width). A row `aligned` under
    its header by the text-to-grid reader is read by content too, and a number only where its
    position agrees: two readings that differ leave it unread."""
    if not positional:
        return by_content(cells, columns, closed, lead, positional, bonus=_POSITION_BONUS if as_wide else 0,
                          agree=aligned and as_wide)
    placed = by_position(cells, columns)
    if (lead is None or _lead_fits(placed.before)) and plausible(placed, closed):
        return placed
    moved = by_content(cells, columns, closed, lead, positional)
    if _evidently_shifted(moved, cells):
        return moved
    return _misfits_left_empty(placed, closed)


def _evidently_shifted(placed: Placement, cells: list[GridCell]) -> bool:
    """Whether content placement is proven: every cell of the row placed, all moved the same
    nonzero number of columns (a merged cell that lost its field). Anything less would move a
    number across a column it cannot be shown to belong to."""
    return placed.shift not in (None, 0) and not placed.unplaced and \
        len(placed.before) + sum(len(cs) for cs in placed.cells.values()) == sum(not gc.illegible for gc in cells)


def _misfits_left_empty(placed: Placement, closed: bool) -> Placement:
    """A positional row whose cells stay where they are: a cell that does not fit its column
    ("nan" under 全年执行数) is not read, and reported, the others keep their columns."""
    kept = Placement(before=placed.before)
    for name, cs in placed.cells.items():
        text = cs[0].text if len(cs) == 1 else " ".join(c.text for c in cs)
        if fit(name, kind(text), closed) < 0:
            kept.misfits += [(c, name) for c in cs]
        else:
            kept.cells[name] = cs
    return kept


def _lead_fits(before: list[RawCell]) -> bool:
    return bool(before) and all(fit("label", kind(c.text), True) >= 0 for c in before)


def by_content(cells: list[GridCell], columns: list[Column], closed: bool, lead: str | None = None,
               positional: bool = False, bonus: int = 0, agree: bool = False) -> Placement:
    """The best order-keeping alignment of the row's cells to the columns; a cell two equally
    good alignments put in different columns is not placed. `agree`: the row's positions are
    a reading of their own (a text-to-grid reader placed the cells under the header), so a
    number is placed only where its position and its content say the same column."""
    fields = ([lead] if lead else []) + [c.field for c in columns]
    kinds = [ILLEGIBLE if gc.illegible else kind(gc.cell.text) for gc in cells]
    scores = [[fit(_fit_name(f), k, closed) for f in fields] for k in kinds]
    if agree:
        _illegible_where_they_stand(scores, cells, columns, lead)
    if bonus:
        starts = [c.start for c in columns]
        unanchored = not any(k in (COMPARATOR, UNIT) for k in kinds)  # see _LONE_TARGET
        for i, gc in enumerate(cells):
            at = _span_of(starts, gc.col)
            if unanchored and kinds[i] in _NUMBERS and at is not None and columns[at].field == "target":
                continue  # _LONE_TARGET
            j = (at if at is not None else -1) + (1 if lead else 0)
            if 0 <= j < len(fields) and scores[i][j] > NO:
                scores[i][j] += bonus
    right = _align(scores, fields, prefer_place=True)
    left = _align(scores, fields, prefer_place=False)
    placed = Placement()
    moves: list[tuple[int, int]] = []  # (grid column, index of the column placed under)
    for i, gc in enumerate(cells):
        a, b = right[i], left[i]
        if gc.illegible:
            continue  # it takes its column; what it holds is not read
        if a == b and a is not None and agree and kinds[i] in _NUMBERS:
            at = _span_of([c.start for c in columns], gc.col)
            here = (at if at is not None else -1) + (1 if lead else 0)
            if here != a and 0 <= here < len(fields):
                placed.unplaced.append((gc.cell, (fields[a], fields[here])))
                continue
        if a == b and a is not None:
            moves.append((gc.col, a - (1 if lead else 0)))
            name = fields[a]
            if name == lead:
                placed.before.append(gc.cell)
            else:
                placed.cells.setdefault(name, []).append(gc.cell)
        elif kinds[i] != DASH:
            candidates = [fields[x] for x in (a, b) if x is not None]
            if agree and kinds[i] in _NUMBERS:  # where it stands is a reading too
                at = _span_of([c.start for c in columns], gc.col)
                here = (at if at is not None else -1) + (1 if lead else 0)
                if 0 <= here < len(fields):
                    candidates.append(fields[here])
            placed.unplaced.append((gc.cell, tuple(dict.fromkeys(candidates))))
    if agree:
        _words_where_they_stand(placed, cells, columns, closed, lead)
    placed.moved = True
    if positional:
        placed.shift = _shift(moves, columns)
    return placed


def _illegible_where_they_stand(scores: list[list[int]], cells: list[GridCell], columns: list[Column],
                                lead: str | None) -> None:
    """In a row a reader aligned under its header, numbers written together stand in the
    columns the reader gave them: it read how far the run goes (one ending in a percentage
    ends at the rate column, a percentage being a rate, never an amount), and the position,
    holding nothing to read, has no content to place it by here."""
    starts = [c.start for c in columns]
    for i, gc in enumerate(cells):
        at = _span_of(starts, gc.col) if gc.illegible else None
        j = (at if at is not None else -1) + (1 if lead else 0)
        if at is not None and scores[i][j] > NO:
            scores[i] = [s if x == j else NO for x, s in enumerate(scores[i])]


def _words_where_they_stand(placed: Placement, cells: list[GridCell], columns: list[Column], closed: bool,
                            lead: str | None) -> None:
    """In a row a reader aligned under its header, a cell of words that two content readings
    leave between columns goes where it stands, if that is one of them (or the name's column)
    and is free and fits it; numbers never: a number is placed only where position and content
    agree."""
    starts = [c.start for c in columns]
    stands = {id(gc.cell): _span_of(starts, gc.col) for gc in cells}
    for cell, candidates in list(placed.unplaced):
        at = stands.get(id(cell))
        if at is None or kind(cell.text) in _NUMBERS:
            continue
        name = columns[at].field
        if name not in candidates and name != "name":
            continue  # where it stands is neither reading: it stays unread
        if name in placed.cells or name.startswith(UNKNOWN) or fit(_fit_name(name), kind(cell.text), closed) <= 0:
            continue
        placed.cells[name] = [cell]
        placed.unplaced.remove((cell, candidates))


def _fit_name(name: str) -> str:
    return "unknown" if name.startswith(UNKNOWN) else name


def _align(scores: list[list[int]], fields: list[str], prefer_place: bool) -> list[int | None]:
    """The best order-keeping assignment of cells to fields (None: the cell is dropped).
    Of equally good ones, the one packed to the right (prefer_place) or to the left."""
    n, m = len(scores), len(fields)
    skip = [_SKIP.get(_fit_name(f), _SKIP_DEFAULT) for f in fields]
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0
    for j in range(1, m + 1):
        best[0][j] = best[0][j - 1] - skip[j - 1]
    for i in range(1, n + 1):
        best[i][0] = best[i - 1][0] - _DROP
        for j in range(1, m + 1):
            s = scores[i - 1][j - 1]
            place_ = best[i - 1][j - 1] + s if s > NO else neg
            best[i][j] = max(place_, best[i][j - 1] - skip[j - 1], best[i - 1][j] - _DROP)
    out: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 or j > 0:
        here = best[i][j]
        options = []
        if i > 0 and j > 0 and scores[i - 1][j - 1] > NO and best[i - 1][j - 1] + scores[i - 1][j - 1] == here:
            options.append("place")
        if j > 0 and best[i][j - 1] - skip[j - 1] == here:
            options.append("skip")
        if i > 0 and best[i - 1][j] - _DROP == here:
            options.append("drop")
        order = ("place", "skip", "drop") if prefer_place else ("skip", "place", "drop")
        step = next(o for o in order if o in options)
        if step == "place":
            out[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif step == "skip":
            j -= 1
        else:
            i -= 1
    return out


def misfit_note(cell: RawCell, column: str, columns: list[Column]) -> str:
    names = {c.field: c.header.text.strip() for c in columns}
    return f"cell '{cell.text.strip()[:30]}' under {names.get(column, column)} does not fit that column; not read"


def unplaced_note(cell: RawCell, candidates: tuple[str, ...], columns: list[Column]) -> str:
    names = {c.field: c.header.text.strip() for c in columns}
    where = " or ".join(names.get(f, f) for f in candidates) or "no column"
    return f"cell '{cell.text.strip()[:30]}' {UNPLACED} {where}; not read"


def _shift(moves: list[tuple[int, int]], columns: list[Column]) -> int | None:
    """By how many columns every placed cell went right of its position (None: not one number)."""
    starts = [c.start for c in columns]
    shifts = set()
    for col, placed_at in moves:
        at = _span_of(starts, col)
        shifts.add(placed_at - (at if at is not None else -1))
    return shifts.pop() if len(shifts) == 1 else None
