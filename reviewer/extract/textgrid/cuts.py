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

from reviewer.extract.textgrid import align
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.flat import GLUED_AFTER_SPACE, GLUED_BEFORE_SPACE
from reviewer.extract.textgrid.source import Piece

_SINGLE = frozenset({"weight", "score", "review_score", "weighted_score", "share"})
_OPTIONAL = frozenset({"nature", "comparator", "unit"})
MAX_CUTS = 64  # more readings than this: the row is too loose to read at all


def _fits_single(word: str, column: str) -> bool:
    if column == "share":
        return cue.is_number(word) or cue.is_percent(word)
    return cue.is_number(word)


def _fits_optional(word: str, column: str) -> bool:
    if column == "unit":
        return cue.is_unit(word) or word in ("%", "％")
    return cue.is_comparator(word) or cue.is_nature(word)


def _fits_cell(words: list[str]) -> bool:
    return not (cue.is_unit(words[0]) or cue.is_comparator(words[-1]))


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


def cuts(words: list[str], columns: list[str]) -> list[list[Span]]:
    """Every reading of `words` as one cell per column, each cell the span of words it holds
    (empty for an empty optional or reason cell); at most MAX_CUTS + 1 of them. States that
    lead to no reading are remembered, so a long row costs polynomial time, not exponential."""
    tail = _trailing_prose(columns)
    out: list[list[Span]] = []
    n = len(words)
    dead: set[tuple[int, int]] = set()

    def walk(w: int, c: int, acc: list[Span]) -> bool:
        if len(out) > MAX_CUTS or (w, c) in dead:
            return len(out) > MAX_CUTS
        found = False
        if c == tail:
            if w == n or tail < len(columns):
                rest = [(w, n)] if tail < len(columns) else []
                out.append(acc + rest + [(n, n)] * max(0, len(columns) - tail - 1))
                found = True
        elif columns[c] in _SINGLE:
            if w < n and _fits_single(words[w], columns[c]):
                found = walk(w + 1, c + 1, acc + [(w, w + 1)])
        elif columns[c] in _OPTIONAL:
            found = walk(w, c + 1, acc + [(w, w)])
            if w < n and _fits_optional(words[w], columns[c]):
                found = walk(w + 1, c + 1, acc + [(w, w + 1)]) or found
        elif not (columns[c] == "target" and w < n and _has_part_before(columns, c) and _comparator_symbol(words[w])):
            # (a sign after a 指标性质 column is that column's, never the start of 指标值)
            unit_next = columns[c] == "target" and "unit" in columns[c + 1 :]
            for end in range(w + 1, n + 1):
                if _fits_cell(words[w:end]) and not (unit_next and _fits_optional(words[end - 1], "unit")):
                    found = walk(end, c + 1, acc + [(w, end)]) or found
        if not found:
            dead.add((w, c))
        return found

    walk(0, 0, [])
    return out


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
