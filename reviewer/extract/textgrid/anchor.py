"""A row anchored at its 得分: wrapped cells ("服务外 包企业数量") or a name ending in a number
("收入达到5亿元5亿元6.47亿元10") put more pieces in a row than its columns, and only the
row's end tells where it stops.

In text whose cells single spaces part (a PDF's text layer, an xls dump), a space may also sit
inside a cell where the converter wrapped it. Counting cells then cuts a row short and starts
the next row on its last numbers. The row's 得分 is its last number: numbers right after the
cells counted belong to the row. Filled from the right, numbers take the numeric and value
columns (得分, 分值, 实际完成值, 年度指标值); the words left over belong to the text columns
before them. With one text column (the name) they are that cell, rejoined. With more, where
one ends and the next begins is not written: those cells are left empty, with a note naming
them, never split by guess. A row with words where its 得分 is and no number before the next
label ("企业把握政治导向和文 化方向情况 企业把握正 确政治导向 和文化方向 情况的评价": its
actual and 得分 printed after the table) cannot be placed at all: its words are one row, none
read, with a note, so their overflow does not make a row of its own.
"""

from __future__ import annotations

from reviewer.extract.textgrid import align
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.source import Piece

_REACH = 8  # words of a row beyond its count, at most (a wrapped name, target and actual)
_VALUE_CELLS = frozenset({"number", "percent", "quantity"})


def score_at(body_kinds: list[str]) -> int | None:
    """The 得分 column of a row body whose columns after it are only prose (a reason), or None."""
    if "score" not in body_kinds:
        return None
    s = body_kinds.index("score")
    if any(not align.is_prose(k) and k not in ("deviation", "remark", "other") for k in body_kinds[s + 1:]):
        return None
    return s


def words_to_score(tokens: list[Piece], j: int, stops) -> int | None:
    """Index of the number that ends the row when the cells after j run on to it: the token
    at j is a number, or words then a number, within reach and with nothing that stops a row."""
    for k in range(j, min(j + _REACH, len(tokens))):
        if stops(k) or tokens[k].empty:
            return None
        if cue.is_number(tokens[k].text):
            if k == j or not cue.is_number(tokens[j].text):
                # the numbers after it are this row's too ("3 3 10")
                while k + 1 < len(tokens) and not stops(k + 1) and cue.is_number(tokens[k + 1].text):
                    k += 1
                return k
            return None
    return None


def words_to_stop(tokens: list[Piece], j: int, stops, score: Piece) -> int | None:
    """Where a counted row ends that put words under its 得分 and has no number before the next
    label or level name (its numbers printed elsewhere, after the table's level names): the
    index of its last word (j - 1 when the count already took them all); None when the 得分
    cell is not words or a number or an empty cell comes first."""
    if align.cell_kind(score.text, score.fused) not in ("short", "long"):
        return None
    def ends(k: int) -> bool:  # a label or a level name, or a column label the stream reads as a row
        return stops(k) or cue.is_label(tokens[k].text)
    k = j
    while k < min(j + _REACH, len(tokens)) and not ends(k):
        if tokens[k].empty or cue.has_digit(tokens[k].text):
            return None
        k += 1
    return k - 1 if k == len(tokens) or ends(k) else None


def anchored(cells: list[Piece], body_kinds: list[str], s: int) -> tuple[list[Piece], list[int]] | None:
    """The row's cells placed from its 得分 leftwards, padded to the body; and the columns left
    empty because their words cannot be told apart. None when the cells do not end in numbers
    that fill the columns up to 得分 from the right."""
    columns = body_kinds[: s + 1]
    right: list[Piece] = []
    c = len(columns) - 1
    k = len(cells) - 1
    while c >= 0 and k >= 0 and (columns[c] in cue.NUMERIC or columns[c] in cue.PERCENTISH or columns[c] in cue.VALUE):
        if align.cell_kind(cells[k].text, cells[k].fused) not in _VALUE_CELLS:
            break
        right.insert(0, cells[k])
        c -= 1
        k -= 1
    if not right or not cue.is_number(right[-1].text):
        return None
    left, left_columns = cells[: k + 1], columns[: c + 1]
    if not left or not left_columns or len(left) <= len(left_columns):
        return None  # nothing wrapped: counting was right
    blank = Piece("", left[0].start, left[0].start)
    if len(left_columns) == 1:
        # rejoined as written: touching pieces (text run together) without a space
        text = left[0].text + "".join(("" if a.end == b.start else " ") + b.text for a, b in zip(left, left[1:]))
        placed = [Piece(text, left[0].start, left[-1].end)]
        unsure: list[int] = []
    else:
        placed = [blank] * len(left_columns)
        unsure = list(range(len(left_columns)))
    end = right[-1].end
    tail = [Piece("", end, end)] * (len(body_kinds) - len(columns))
    return placed + right + tail, unsure
