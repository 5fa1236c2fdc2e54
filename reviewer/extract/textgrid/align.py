"""Placing a ragged row's cells under its header by what the cells are.

Text dumps drop merged cells, so a row may hold fewer cells than its header has columns and
its cells sit left of their columns. The cells keep their order; which columns were dropped
is decided by what each cell is (a level name from the closed list, a number, a percentage, a
comparator, a unit, a sentence) against what each column holds (its header label), with the
columns that are merged most often (level names, 序号) the cheapest to leave empty.
A run of fused numbers takes several numeric columns and leaves them all empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reviewer.extract.grid import category_points
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.cues import LEVELS, NUMERIC, PERCENTISH, PROSE, VALUE

OTHER = "other"  # a header cell that names no known column
LEVEL_POINTS = "level_points"  # a category's own 分值 column, right of its level (grid.category_points)
LABEL = "label"  # the row-label column of a funding table, or a section label
SUB_LABELS = frozenset({"nature", "comparator", "target", "unit"})

_SHORT = 20
_DASHES = frozenset({"/", "／", "—", "——", "-", "--", "－", "-/-", "\\"})  # "nothing here", in any column
_EPS = 0.001
_GAP = 0.3
_CHEAP_GAP = frozenset({"level1", "level2", "seq", LABEL, LEVEL_POINTS})  # LABEL: a section label merged down
_NAME_GAP = 3.0
_CUT_GAP = 2.0  # a gap between the cells of a row the text cut short  # an indicator row always has its name; merged level cells are what gets dropped
_FUSED_PER_COLUMN = 0.35


@lru_cache(maxsize=65536)
def cell_kind(text: str, fused: bool = False) -> str:
    """What a cell is, for placing it: empty, fused, level1/level2/level12, points, comparator,
    nature, unit, number, percent, quantity, short or long text."""
    if fused:
        return "fused"
    t = text.strip()
    if not t:
        return "empty"
    if t in _DASHES:
        return "dash"
    lv = cue.level(t)
    if lv:
        return lv
    if cue.is_comparator(t):
        return "comparator"
    if cue.is_nature(t):
        return "nature"
    if cue.is_unit(t):
        return "unit"
    if cue.is_number(t):
        return "number"
    if cue.is_percent(t):
        return "percent"
    if cue.has_points(t) and len(t) <= 24:
        return "points"
    if cue.has_digit(t) and len(t) <= 24 and cue.looks_quantity(t):
        return "quantity"
    return "short" if len(t) <= _SHORT else "long"


# cell kind → {column kind: score}; unlisted columns take the default in _DEFAULT.
_SCORES: dict[str, dict[str, float]] = {
    "level1": {"level1": 3, "level2": -1, "name": -1, LABEL: 0},
    "level2": {"level2": 3, "level1": -1.5, "name": 0, LABEL: 0},  # a name may repeat a level-2 word
    "level12": {"level1": 1.5, "level2": 2, "name": 0, LABEL: 0},
    "points": {"level1": 1, "level2": 1, "name": 0.8, "text": 0, LABEL: 0.5, LEVEL_POINTS: 0.5},
    "number": {LEVEL_POINTS: 1.0, "weight": 1.5, "score": 1.5, "review_score": 1.2, "weighted_score": 1.2, "seq": 0.8,
               "initial_budget": 1.5, "annual_budget": 1.5, "executed": 1.5, "target": 0.8, "actual": 0.8,
               "rate": 0.5, "share": 0.5, "name": -1, "text": -1, "planned": -0.5, "achieved": -0.5,
               OTHER: -0.2},
    # A number above 100 in an indicator row (5000 平方米 written bare, 2023.12): a value or an
    # amount, never 分值 or 得分 (table.py gives this kind; cell_kind never does).
    "amount": {"target": 0.8, "actual": 0.8, "initial_budget": 1.5, "annual_budget": 1.5, "executed": 1.5,
               "weight": -2, "score": -2, "review_score": -2, "weighted_score": -2, LEVEL_POINTS: -2, "seq": -1,
               "rate": 0.5, "share": 0.5, "name": -1, "text": -1, "planned": -0.5, "achieved": -0.5, OTHER: -0.2},
    "percent": {"rate": 2, "share": 1.5, "target": 1.5, "actual": 1.5, "text": -1, "name": -1, OTHER: -0.2},
    "comparator": {"comparator": 3, "nature": 2, "target": 0},
    "nature": {"nature": 3, "comparator": -1, "name": -1},
    "unit": {"unit": 3, "target": -0.5, "actual": -0.5},
    "quantity": {"target": 2, "actual": 2, "name": 0, "text": 0, "planned": 0, "achieved": 0, OTHER: -0.2},
    "short": {"name": 1, "target": 0.5, "actual": 0.5, "text": 0.5, "planned": 0.5, "achieved": 0.5,
              "level1": -0.5, "level2": -0.5, LABEL: 0.3, OTHER: 0},
    "long": {"text": 1.5, "planned": 1.5, "achieved": 1.5, "name": 0.3, "target": -0.5, "actual": -0.5,
             LABEL: 0, OTHER: 0},
    "fused": {},
}
_DEFAULT = {"level1": -3, "level2": -3, "level12": -3, "points": -1, "number": -2, "amount": -2, "percent": -2,
            "comparator": -3, "nature": -2, "unit": -2.5, "quantity": -2, "short": -2, "long": -2, "fused": -3}


def score(kind: str, column: str) -> float:
    if kind == "empty":
        return 0.0
    if kind == "dash":
        return 0.1 if column in NUMERIC | PERCENTISH | VALUE else 0.0
    if kind == "fused":
        return _FUSED_PER_COLUMN if column in NUMERIC | PERCENTISH | VALUE else -3.0
    if kind in ("short", "long") and column in NUMERIC | PERCENTISH:
        return -3.0
    return _SCORES[kind].get(column, _DEFAULT[kind])


def _gap(column: str, placed: int, seq_before: int) -> float:
    """Leaving a column empty. Merged level cells are dropped from the left only (a new
    一级指标 starts a new 二级指标), so a level column is cheap to leave empty only while no
    cell but a 序号 has been placed."""
    if column in _CHEAP_GAP and placed <= seq_before:
        return 0.0
    return _NAME_GAP if column == "name" else _GAP


@dataclass
class Placement:
    columns: list[int | None]  # per cell: its column (a fused cell: its first column)
    spans: list[int]  # per cell: how many columns it takes (fused cells: several)
    score: float


def place(kinds: list[str], columns: list[str], cut: bool = False) -> Placement | None:
    """The best order-keeping placement of cells (by kind) into columns, or None if they do not fit.

    `cut`: the text ends inside the row, so its cells are the row's first ones: columns after
    the last cell are free to leave empty and a gap between cells is dear."""
    n, w = len(kinds), len(columns)
    if n > w:
        return None
    gap_scale = _CUT_GAP / _GAP if cut else 1.0
    neg = float("-inf")
    best = [[neg] * (w + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, int] | None]] = [[None] * (w + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    seq_before = [0] * (w + 1)
    for j, column in enumerate(columns):
        seq_before[j + 1] = seq_before[j] + (column == "seq")
    for j in range(1, w + 1):
        best[0][j] = best[0][j - 1] - _gap(columns[j - 1], 0, 0) * gap_scale
        back[0][j] = (0, j - 1, 0)
    for i in range(1, n + 1):
        kind = kinds[i - 1]
        for j in range(i, w + 1):
            # leave column j-1 empty
            candidate = best[i][j - 1] - _gap(columns[j - 1], i, seq_before[j - 1]) * gap_scale if j - 1 >= i else neg
            choice = (i, j - 1, 0) if candidate > neg else None
            # cell i-1 in column j-1
            placed = best[i - 1][j - 1] + score(kind, columns[j - 1]) - _EPS * (j - 1)
            if placed > candidate:
                candidate, choice = placed, (i - 1, j - 1, 1)
            if kind == "fused":  # several columns at once
                total = 0.0
                for span in range(1, j - (i - 1) + 1):
                    total += score(kind, columns[j - span])
                    value = best[i - 1][j - span] + total - _EPS * (j - span) if span > 1 else neg
                    if value > candidate:
                        candidate, choice = value, (i - 1, j - span, span)
            best[i][j], back[i][j] = candidate, choice
    end = w
    if cut:  # the columns after the last cell cost nothing
        end = max(range(n, w + 1), key=lambda j: best[n][j])
    if best[n][end] == neg:
        return None
    columns_of: list[int | None] = [None] * n
    spans = [1] * n
    i, j = n, end
    while i > 0 or j > 0:
        step = back[i][j]
        if step is None:
            break
        pi, pj, span = step
        if span:
            columns_of[i - 1] = pj
            spans[i - 1] = span
        i, j = pi, pj
    return Placement(columns_of, spans, best[n][end])


# ---------------------------------------------------------------- headers


def header_kinds(labels: list[str]) -> list[str]:
    """Column kinds of a header row's cells; a cell naming no known column is OTHER, a row
    or section label is LABEL."""
    kinds = []
    for text in labels:
        kind = cue.column_kind(text)
        if kind is None:
            kind = LABEL if text.strip() and cue.row_label(text) else OTHER
        kinds.append(kind)
    for k in category_points(kinds):
        kinds[k] = LEVEL_POINTS
    return kinds


def is_header(texts: list[str]) -> bool:
    """A row naming three or more known columns (or 预期目标 and 实际完成情况), mostly labels.
    Two labels alone are too weak: "偏差原因：指标值设置不合理" is a sentence."""
    named = [t for t in texts if t.strip()]
    kinds = {cue.column_kind(t) for t in named} - {None}
    known = [t for t in named if cue.column_kind(t)]
    enough = len(kinds) >= 3 or {"planned", "achieved"} <= kinds
    return enough and len(known) * 2 >= len(named)


AMOUNTS = frozenset({"initial_budget", "annual_budget", "executed"})  # a funding table's amount columns


def is_amount_header(texts: list[str]) -> bool:
    """Two or more funding amount labels and nothing else ("全年预算数(A) 全年执行数(B)"): a
    funding header without 分值 / 得分 columns (a transfer-payment form), not words of a sentence."""
    kinds = [cue.column_kind(t) for t in texts if t.strip()]
    return len(set(kinds)) == len(kinds) >= 2 and all(k in AMOUNTS for k in kinds)


def is_sub_header(texts: list[str]) -> bool:
    """The second row of a two-row header: only the parts of a split target (指标性质 | 指标值 | 度量单位)."""
    named = [t for t in texts if t.strip()]
    return len(named) >= 2 and all(cue.column_kind(t) in SUB_LABELS for t in named)


def expand(kinds: list[str], sub: list[str]) -> tuple[list[str], int] | None:
    """Kinds of a two-row header: the target column replaced by the sub-header's parts.

    Returns (kinds, index of the spanning column) or None when no column can span them."""
    parts = [k for k in sub if k in SUB_LABELS]
    for i, kind in enumerate(kinds):
        if kind == "target":
            return kinds[:i] + parts + kinds[i + 1 :], i
    return None


# What an upper header column spans in the lower row: a target its parts, a score its parts
# (自评得分 over 单项指标得分 | 权重占比 | 单项指标折算得分).
_SPANS = {"target": SUB_LABELS, "score": frozenset({"score", "share", "weighted_score"})}


def spanned(upper: list[str], lower: list[str]) -> list[list[int | None]] | None:
    """Which lower-row labels stand under each upper column of a two-row header, left to
    right: each spanning column (年度指标值, 自评得分) takes the run of lower labels that are
    its parts, every other column stands over both rows. A split target written 符号 | 单位
    has its value between them (the comparator, the number, the unit: ≥ 98 %), a column
    under the spanning label (None). None unless every lower label is placed and each
    spanning column that takes parts takes two or more."""
    out: list[list[int | None]] = []
    k = 0
    for kind in upper:
        parts: list[int | None] = []
        family = _SPANS.get(kind, frozenset())
        while k < len(lower) and lower[k] in family:
            parts.append(k)
            k += 1
        if parts and kind == "target" and "target" not in {lower[p] for p in parts}:
            kinds = [lower[p] for p in parts]
            if "comparator" not in kinds or "unit" not in kinds:
                return None
            parts.insert(kinds.index("unit"), None)
        if len(parts) == 1:
            return None
        out.append(parts)
    if k < len(lower) or not any(out):
        return None
    return out


_LEFT_OF_TARGET = frozenset({"level1", "level2", "name", "seq"})


def trailing_parts(kinds: list[str]) -> int | None:
    """Where a header run's closing parts of a split target start (指标性质 | 指标值 | 度量单位:
    two or more, the value among them), or None."""
    start = len(kinds)
    while start > 0 and kinds[start - 1] in SUB_LABELS:
        start -= 1
    parts = kinds[start:]
    return start if len(parts) >= 2 and "target" in parts else None


def lower_header_row(above: list[str], kinds: list[str]) -> int | None:
    """Where the target's parts start in the lower row of a two-row header printed after the
    upper one, or None when `kinds` is no such row under `above`. The upper row holds 年度指标值
    (spanning 指标性质 | 指标值 | 度量单位) and the columns right of it (实际完成值 | 分值 | 得分 |
    偏差), its level columns merged into one label (绩效指标) or none; the lower one the level
    columns (一级 | 二级 | 三级) and the target's parts. The header is then the lower row's
    levels, the upper row from 年度指标值 on, with the parts under 年度指标值."""
    tail = trailing_parts(kinds)
    if not tail or any(k not in _LEFT_OF_TARGET for k in kinds[:tail]):
        return None
    if "target" not in above or any(k in _LEFT_OF_TARGET for k in above):
        return None
    return tail


def is_prose(column: str) -> bool:
    return column in PROSE


def is_level(column: str) -> bool:
    return column in LEVELS
