"""The cuts of a row's words into its columns, in text whose single spaces part cells and also
sit inside them (an OCR'd form flattened: "购置费 112 万 112万 109.44 万 10 9.77 …").

Between a row's start and its end, the words must fill the body's columns in order. What a
word is limits where a cell may begin or end, and nothing else is assumed:
  - a numeric column (分值, 得分, 复核分, 折算得分) holds one number; 权重占比 one number or percent;
  - a 指标性质 column holds one comparator or nature word, a 度量单位 column one unit, or nothing;
  - reason columns after the numbers take what is left, or nothing;
  - every other cell holds one word or more, does not begin with a unit alone (a unit after a
    number is that number's: "9 台") and does not end with a comparator (it needs its value);
    under a split target a 指标值 does not end with a unit alone either, nor begin with a
    comparator sign after a 指标性质 column (the unit and the sign have their columns).
Every cut that keeps to these is a reading of the row. A cell that is the same in all of
them is read; one that differs between them is where the form does not say where a cell
ends: it is left empty, never cut by guess.
"""

from __future__ import annotations

import re
from functools import lru_cache

from reviewer.extract.textgrid import align
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.flat import GLUED_AFTER_SPACE, GLUED_BEFORE_SPACE
from reviewer.extract.textgrid.source import Piece

_SINGLE = frozenset({"weight", "score", "review_score", "weighted_score", "share"})
_OPTIONAL = frozenset({"nature", "comparator", "unit"})
MAX_CUTS = 64  # more readings than this: the row is too loose to read at all


def _fits_optional(word: str, column: str) -> bool:
    if column == "unit":
        return cue.is_unit(word) or word in ("%", "％")
    return cue.is_comparator(word) or cue.is_nature(word)


def _has_part_before(columns: list[str], c: int) -> bool:
    return c > 0 and columns[c - 1] in ("nature", "comparator")


def _comparator_symbol(word: str) -> bool:
    """A comparator written as a sign ("≥", "<="), not a word ("高于", which may open a value)."""
    return cue.is_comparator(word) and not re.search(r"[\u4e00-\u9fff]", word)


def _trailing_prose(columns: list[str]) -> int:
    """Where the reason columns after the last numeric one begin (len(columns) when none)."""
    k = len(columns)
    while k > 0 and (align.is_prose(columns[k - 1]) or columns[k - 1] in ("deviation", "remark", "other")):
        k -= 1
    return k if k < len(columns) and any(c in _SINGLE for c in columns[:k]) else len(columns)


Span = tuple[int, int]  # the words [a, b) a cell holds; a == b: empty


# What a word is, as far as the cut rules tell words apart (a reading depends on nothing else,
# so rows whose words are alike share their readings).
_NUMBER, _PERCENT, _UNIT, _SIGN, _COMPARATOR, _NATURE, _WORD = range(7)


def _class(word: str) -> int:
    if cue.is_number(word):
        return _NUMBER
    if cue.is_percent(word):
        return _PERCENT
    if _fits_optional(word, "unit"):
        return _UNIT
    if cue.is_comparator(word):
        return _SIGN if _comparator_symbol(word) else _COMPARATOR
    return _NATURE if cue.is_nature(word) else _WORD


def cuts(words: list[str], columns: list[str]) -> list[list[Span]]:
    """Every reading of `words` as one cell per column, each cell the span of words it holds
    (empty for an empty optional or reason cell); at most MAX_CUTS + 1 of them."""
    return [list(r) for r in _cuts(tuple(_class(w) for w in words), tuple(columns))]


@lru_cache(maxsize=4096)
def _cuts(classes: tuple[int, ...], columns: tuple[str, ...]) -> tuple[tuple[Span, ...], ...]:
    """The readings of words of these classes. States that lead to no reading are remembered,
    so a long row costs polynomial time, not exponential."""
    tail = _trailing_prose(list(columns))
    out: list[tuple[Span, ...]] = []
    n = len(classes)
    dead: set[tuple[int, int]] = set()
    unit = [k == _UNIT for k in classes]
    comparator = [k in (_SIGN, _COMPARATOR) for k in classes]
    # words the columns from c on need at least (one per column that cannot be empty)
    need = [0] * (len(columns) + 1)
    for c in range(min(tail, len(columns)) - 1, -1, -1):
        need[c] = need[c + 1] + (columns[c] not in _OPTIONAL)

    def walk(w: int, c: int, acc: tuple[Span, ...]) -> bool:
        if len(out) > MAX_CUTS or (w, c) in dead:
            return len(out) > MAX_CUTS
        found = False
        column = columns[c] if c < len(columns) else ""
        if c == tail:
            if w == n or tail < len(columns):
                rest = ((w, n),) if tail < len(columns) else ()
                out.append(acc + rest + ((n, n),) * max(0, len(columns) - tail - 1))
                found = True
        elif n - w < need[c]:
            pass
        elif column in _SINGLE:
            if classes[w] == _NUMBER or column == "share" and classes[w] == _PERCENT:
                found = walk(w + 1, c + 1, acc + ((w, w + 1),))
        elif column in _OPTIONAL:
            found = walk(w, c + 1, acc + ((w, w),))
            if w < n and (unit[w] if column == "unit" else comparator[w] or classes[w] == _NATURE):
                found = walk(w + 1, c + 1, acc + ((w, w + 1),)) or found
        elif not unit[w] and not (column == "target" and _has_part_before(list(columns), c) and classes[w] == _SIGN):
            # (a sign after a 指标性质 column is that column's, never the start of 指标值)
            unit_next = column == "target" and "unit" in columns[c + 1 :]
            for end in range(w + 1, n - need[c + 1] + 1):
                if not comparator[end - 1] and not (unit_next and unit[end - 1]):
                    found = walk(end, c + 1, acc + ((w, end),)) or found
        if not found:
            dead.add((w, c))
        return found

    walk(0, 0, ())
    return tuple(out)


def agreed(readings: list[list[Span]]) -> list[Span | None]:
    """Per column, the cell all readings agree on, or None where they differ (an empty cell
    counts as agreed wherever it stands)."""
    out: list[Span | None] = []
    for spans in zip(*readings):
        if all(a == b for a, b in spans):
            out.append(spans[0])
        else:
            out.append(spans[0] if len(set(spans)) == 1 else None)
    return out


def words_of(pieces: list[Piece]) -> list[Piece]:
    """The row's pieces back as its space-parted words ("112 万" is two), punctuation that a
    space parts from its own cell kept with it ("宣传 ，确保")."""
    out: list[Piece] = []
    for p in pieces:
        for m in re.finditer(r"\S+", p.text):
            word = Piece(m.group(0), p.start + m.start(), p.start + m.end())
            if out and m.start() > 0 and (word.text[0] in GLUED_AFTER_SPACE or out[-1].text[-1] in GLUED_BEFORE_SPACE):
                out[-1] = Piece(p.text[out[-1].start - p.start : m.end()], out[-1].start, word.end)
            else:
                out.append(word)
    return out


def as_pieces(words: list[Piece], cells: list[Span | None]) -> list[Piece]:
    """Cells as pieces over the words they hold; empty (and None: not agreed) as empty pieces."""
    out: list[Piece] = []
    at = words[0].start if words else 0
    for span in cells:
        if span is None or span[0] == span[1]:
            out.append(Piece("", at, at))
            continue
        held = words[span[0] : span[1]]
        out.append(Piece(" ".join(p.text for p in held), held[0].start, held[-1].end))
        at = held[-1].end
    return out
