"""Tab-separated rows whose cells holding a line break are quoted, as Excel copies a range to
the clipboard (and saves "Unicode text"): a cell with a line break, a tab or a quote is
written between double quotes, a quote inside doubled, so one row may run over several lines:

    "项目资金
    （万元）"	年度资金总额	"年初
    预算数"	…

Only a field that begins with a quote is quoted (a quote inside a field's text is text). A
quote that no quote closes within a few lines is text too, so a stray quote does not swallow
the table: its field ends at its line's end.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.extract.textgrid.source import Piece, Source

_QUOTE = '"'
_CELL_LINES = 12  # lines one quoted cell may hold (a rubric's scoring rule runs long)


@dataclass(frozen=True)
class Field:
    start: int  # [start, end) of the field's text in the whole text, quotes excluded
    end: int
    text: str  # as the cell holds it: no quotes, doubled quotes as one


def has_quoted_break(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether a field of text[start:end] opens a quote that its line does not close."""
    for line in text[start:end].split("\n"):
        for field in line.split("\t"):
            if field.startswith(_QUOTE) and not _closed(field):
                return True
    return False


def _closed(field: str) -> bool:
    """A quoted field that ends on its line: its last quote closes it (doubled quotes inside)."""
    body = field.rstrip("\r")[1:]
    return len(body) > 0 and body.endswith(_QUOTE) and (len(body) - len(body.rstrip(_QUOTE))) % 2 == 1


def quoted_fields(text: str, start: int = 0, end: int | None = None) -> list[list[Field]]:
    """The rows of text[start:end], each a list of its fields; blank rows left out."""
    end = len(text) if end is None else end
    rows: list[list[Field]] = []
    row: list[Field] = []
    at = start
    while at <= end:
        close = _closing_quote(text, at + 1, end) if text.startswith(_QUOTE, at) else None
        if close is not None:
            inner = text[at + 1:close].replace('""', '"')
            stop = _field_end(text, close + 1, end)  # text after the closing quote goes on with the field
            row.append(Field(at + 1, stop, (inner + text[close + 1:stop]).strip("\r")))
        else:
            stop = _field_end(text, at, end)
            row.append(Field(at, stop, text[at:stop].rstrip("\r")))
        at = stop
        if at >= end or text[at] == "\n":
            if any(f.text.strip() for f in row):
                rows.append(row)
            row = []
        at += 1
    return rows


def quoted_rows(src: Source, first: int, last: int) -> list[list[Piece]]:
    """The rows of lines first..last as pieces of the source, a quoted field one piece over its
    lines, each of its lines stripped."""
    start, end = src.line_span(first)[0], src.line_span(last)[1]
    return [[src.piece(f.start, f.end, text="\n".join(p.strip() for p in f.text.split("\n") if p.strip()))
             for f in row] for row in quoted_fields(src.text, start, end)]


def _field_end(text: str, at: int, end: int) -> int:
    """Where an unquoted field ends: the next tab or line break, or the end."""
    stops = [i for i in (text.find("\t", at, end), text.find("\n", at, end)) if i >= 0]
    return min(stops) if stops else end


def _closing_quote(text: str, at: int, end: int) -> int | None:
    """The quote that closes a field opened just before `at` (doubled quotes skipped), or None
    when none does within _CELL_LINES lines: the opening quote is then text."""
    limit = at
    for _ in range(_CELL_LINES):
        limit = text.find("\n", limit + 1, end)
        if limit < 0:
            limit = end
            break
    i = at
    while i < limit:
        i = text.find(_QUOTE, i, limit)
        if i < 0:
            return None
        if text.startswith('""', i):
            i += 2
            continue
        return i
    return None
