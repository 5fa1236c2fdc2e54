"""The cleaned text a reader works on, and cells made from spans of it with their provenance."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from reviewer.extract.cleanup import CleanText
from reviewer.extract.grid import Cell

_STRIP = " \t\r\n\u00a0\u3000"


@dataclass(frozen=True)
class Piece:
    """A cell's text found in the source: [start, end) offsets of the cleaned text.

    `text` is what the cell holds (stripped, page markers removed); `fused` marks a run of
    several numbers written together that no reader can split with confidence."""

    text: str
    start: int
    end: int
    fused: bool = False
    # A number cut from text with no separators: it may still hold several numbers, so it is
    # placed only where it is plausible as one (table.implausible).
    loose: bool = False

    @cached_property
    def empty(self) -> bool:
        return not self.text.strip(_STRIP)


class Source:
    def __init__(self, clean: CleanText):
        self.clean = clean
        self.text = clean.text
        self.line_starts = [0]
        for i, ch in enumerate(self.text):
            if ch == "\n":
                self.line_starts.append(i + 1)

    # ------------------------------------------------------------ lines

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_span(self, n: int) -> tuple[int, int]:
        """[start, end) of line n (0-based), without its line break."""
        start = self.line_starts[n]
        end = self.line_starts[n + 1] - 1 if n + 1 < len(self.line_starts) else len(self.text)
        return start, end

    def line(self, n: int) -> str:
        start, end = self.line_span(n)
        return self.text[start:end].rstrip("\r")

    def line_of(self, offset: int) -> int:
        """0-based line holding this offset."""
        return bisect_right(self.line_starts, offset) - 1

    def where(self, start: int, end: int) -> str:
        first = self.line_of(start) + 1
        last = self.line_of(max(start, end - 1)) + 1
        return f"line {first}" if first == last else f"lines {first}-{last}"

    # ------------------------------------------------------------ pieces and cells

    def piece(self, start: int, end: int, text: str | None = None, fused: bool = False) -> Piece:
        """The span trimmed of surrounding blanks; its text with each line stripped."""
        raw = self.text[start:end]
        left = len(raw) - len(raw.lstrip(_STRIP))
        right = len(raw.rstrip(_STRIP))
        if right <= left:
            return Piece("", start, start, fused)
        start, end = start + left, start + right
        if text is None:
            text = "\n".join(part.strip(_STRIP) for part in self.text[start:end].split("\n"))
            text = "\n".join(part for part in text.split("\n") if part)
        return Piece(text, start, end, fused)

    def cell(self, piece: Piece | None) -> Cell:
        if piece is None or piece.empty and not piece.fused:
            return Cell("", where=self.where(piece.start, piece.end) if piece and piece.end > piece.start else "")
        where = self.where(piece.start, piece.end)
        text = "" if piece.fused else piece.text
        original = ""
        if self.clean.changed and not piece.fused:
            written = self.clean.original_span(piece.start, piece.end)
            written = "\n".join(p.strip(_STRIP) for p in written.split("\n") if p.strip(_STRIP))
            if written != text:
                original = written
        return Cell(text, where=where, original=original, illegible=piece.fused)
