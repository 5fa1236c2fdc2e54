"""Text clean-up at the source: traditional script, inserted pinyin, odd comparator spellings.

Forms copied by document mirrors arrive in traditional script, sometimes with the pinyin of
each character inserted after it (`號(hào)`, `預(yù)`); comparators are written `>=`, `＞=`,
`═`. Readers match labels and cues against the cleaned text; the text as written is kept, and
`CleanText.original_span` maps any span of the cleaned text back to what was written, so a
cell, a quoted comment or a grounding check can show the source.

What clean-up never does: change a digit, add or remove a line break (line numbers stay the
same), or touch a text that needs none of it. Simplified text is detected and left byte for
byte as it is; stray traditional characters in a simplified text (OCR noise) are left too.
The single-character comparators ≥ ≤ ≧ ≦ ＞ ＜ ＝ are left as written: they are readable
comparators and the extracted target keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from reviewer.extract.grid import Grid

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A pinyin syllable in brackets right after a Chinese character: 號(hào), 標（biāo）.
_PINYIN = re.compile(rf"(?<=[{_CJK}])[(（]([a-zü{_TONED}]{{1,6}})[)）]")
_HAS_TONE = re.compile(f"[{_TONED}]")
_VOWEL = re.compile(f"[aeiouü{_TONED}]")
# Comparators written with two characters, or with a look-alike, → one symbol.
_COMPARATORS = {
    ">=": "≥", "＞=": "≥", "＞＝": "≥", ">＝": "≥", "≥=": "≥", "=>": "≥",
    "<=": "≤", "＜=": "≤", "＜＝": "≤", "<＝": "≤", "≤=": "≤", "=<": "≤",
    "═": "＝",
    # small-form look-alikes (U+FE64-FE66) that some converters and OCR engines print
    "﹥=": "≥", "﹥＝": "≥", "﹤=": "≤", "﹤＝": "≤", "﹦": "＝", "﹥": "＞", "﹤": "＜",
}
_COMPARATOR_RE = re.compile("|".join(re.escape(k) for k in sorted(_COMPARATORS, key=len, reverse=True)))
_CJK_RUN = re.compile(f"[{_CJK}]+")
# A text is converted when at least this share of its Chinese characters are traditional
# (and at least _MIN_TRADITIONAL of them): OCR noise in a simplified text ("年度資") stays.
_TRADITIONAL_SHARE = 0.03
_MIN_TRADITIONAL = 5
_PINYIN_MIN_TONED = 3  # toneless "(de)" is taken as pinyin only in a text with this many toned ones


@dataclass
class CleanText:
    """The cleaned text, the text as written and how each cleaned character maps back."""

    text: str
    original: str
    changes: list[str] = field(default_factory=list)  # what was done, one sentence each
    # For each character of `text`: the span [start, end) of `original` it came from.
    _starts: list[int] = field(default_factory=list, repr=False)
    _ends: list[int] = field(default_factory=list, repr=False)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def original_span(self, start: int, end: int) -> str:
        """The original text behind text[start:end]."""
        if not self.changed:
            return self.original[start:end]
        if start >= end or start >= len(self._starts):
            return ""
        end = min(end, len(self._starts))
        return self.original[self._starts[start] : self._ends[end - 1]]


def clean(text: str) -> CleanText:
    """The text with traditional script simplified, inserted pinyin removed, comparators unified."""
    result = CleanText(text=text, original=text, _starts=list(range(len(text))), _ends=list(range(1, len(text) + 1)))
    _strip_pinyin(result)
    _unify_comparators(result)
    _simplify(result)
    if result.text.count("\n") != text.count("\n"):  # never expected; line numbers must hold
        return CleanText(text=text, original=text, changes=["clean-up skipped: it would have moved line breaks"])
    if not result.changed:
        result._starts, result._ends = [], []
    return result


def unify_comparators(text: str) -> str:
    """A cell's comparator spellings as one symbol each (">=" → "≥", "═" → "＝")."""
    return _COMPARATOR_RE.sub(lambda m: _COMPARATORS[m.group(0)], text)


# ---------------------------------------------------------------- steps


def _replace(result: CleanText, edits: list[tuple[int, int, str]]) -> None:
    """Apply non-overlapping (start, end, replacement) edits of result.text, keeping the map."""
    if not edits:
        return
    text, starts, ends = result.text, result._starts, result._ends
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    at = 0
    for start, end, repl in edits:
        out.append(text[at:start])
        new_starts += starts[at:start]
        new_ends += ends[at:start]
        if not repl and new_ends and start > 0:
            new_ends[-1] = ends[end - 1]  # removed text belongs to the character before it
        if repl:
            if len(repl) == end - start:  # one for one: each character keeps its own source
                new_starts += starts[start:end]
                new_ends += ends[start:end]
            else:  # the whole replacement comes from the whole span
                new_starts += [starts[start]] * len(repl)
                new_ends += [ends[end - 1]] * len(repl)
        out.append(repl)
        at = end
    out.append(text[at:])
    new_starts += starts[at:]
    new_ends += ends[at:]
    result.text, result._starts, result._ends = "".join(out), new_starts, new_ends


def _strip_pinyin(result: CleanText) -> None:
    matches = [m for m in _PINYIN.finditer(result.text) if _VOWEL.search(m.group(1))]
    toned = sum(1 for m in matches if _HAS_TONE.search(m.group(1)))
    if toned < _PINYIN_MIN_TONED:
        matches = [m for m in matches if _HAS_TONE.search(m.group(1))]
    if not matches:
        return
    _replace(result, [(m.start(), m.end(), "") for m in matches])
    result.changes.append(f"pinyin inserted after characters removed ({len(matches)} places, e.g. '{matches[0].group(0)}')")


def _unify_comparators(result: CleanText) -> None:
    matches = list(_COMPARATOR_RE.finditer(result.text))
    if not matches:
        return
    _replace(result, [(m.start(), m.end(), _COMPARATORS[m.group(0)]) for m in matches])
    spellings = sorted({m.group(0) for m in matches})
    result.changes.append(f"comparators written {' '.join(spellings)} read as ≥ ≤ ＝ ({len(matches)} places)")


@lru_cache(maxsize=1)
def _converter():
    try:
        import opencc
    except ImportError:
        return None
    return opencc.OpenCC("t2s")


def _simplify(result: CleanText) -> None:
    runs = list(_CJK_RUN.finditer(result.text))
    total = sum(len(m.group(0)) for m in runs)
    if not total:
        return
    converter = _converter()
    if converter is None:
        if _looks_traditional(result.text):
            result.changes.append(
                "text looks like traditional script but the converter is not installed "
                "(pip install opencc); labels may not be recognised"
            )
        return
    edits = []
    changed = 0
    for m in runs:
        converted = converter.convert(m.group(0))
        if converted != m.group(0):
            edits.append((m.start(), m.end(), converted))
            if len(converted) == len(m.group(0)):
                changed += sum(1 for a, b in zip(m.group(0), converted) if a != b)
            else:
                changed += len(m.group(0))
    if changed < _MIN_TRADITIONAL or changed < _TRADITIONAL_SHARE * total:
        return
    _replace(result, edits)
    result.changes.append(f"traditional script converted to simplified (OpenCC t2s, {changed} characters)")


# Characters common in traditional text that simplified text does not use (a fallback hint
# when the converter is missing).
_TRADITIONAL_HINTS = set("們這個與來國會時說為後門長頭區報表單預標級數據質時效產經濟濟總額實際績價")


def _looks_traditional(text: str) -> bool:
    hits = sum(1 for c in text if c in _TRADITIONAL_HINTS)
    return hits >= _MIN_TRADITIONAL


def clean_grids(grids: list[Grid]) -> list[Grid]:
    """Grids read from a document, cleaned as a text is: one decision for the whole document
    (its cells taken together, so a stray traditional character in one cell stays), each changed
    cell keeping its text as written in `original`, and what was done said in every grid's notes."""
    texts = [cell.text for grid in grids for row in grid.rows for cell in row]
    cleaned = clean("\n".join(texts))
    if not cleaned.changed:
        return grids
    lines = iter(cleaned.text.split("\n"))
    out = []
    for grid in grids:
        rows = []
        for row in grid.rows:
            cells = []
            for cell in row:
                text = "\n".join(next(lines) for _ in range(cell.text.count("\n") + 1))
                cells.append(replace(cell, text=text, original=cell.text) if text != cell.text else cell)
            rows.append(cells)
        notes = [f"source text: {change}; cells keep the text as written in `original`" for change in cleaned.changes]
        out.append(replace(grid, rows=rows, notes=notes + grid.notes))
    return out
