"""Word .docx: the body's paragraphs and tables in order, gridSpan and vMerge resolved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from reviewer.extract.documents.common import Layout, failure, source_bytes, source_file
from reviewer.extract.grid import Grid


def docx_grids(source: Path | bytes) -> list[Grid]:
    """The tables of a Word document, nested tables as grids of their own."""
    return [b for b in docx_blocks(source) if isinstance(b, Grid)]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Wrappers whose content is part of the document where they stand (content controls, custom XML).
_WRAPPERS = {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}smartTag"}


def docx_blocks(source: Path | bytes) -> list[str | Grid]:
    """Paragraphs and tables of the body in order, read from the XML itself: python-docx's
    objects skip what sits inside content controls (w:sdt), which filled templates use."""
    try:
        import docx
    except ImportError:
        raise failure("Word input needs the docx extra: pip install 'reviewer[docx]'") from None
    try:
        body = docx.Document(source_file(source_bytes(source))).element.body
    except Exception as exc:  # python-docx raises many types for a damaged file
        raise failure(f"not a readable .docx document ({type(exc).__name__})") from None
    blocks: list[str | Grid] = []
    count = 0
    for element in _children(body, (f"{_W}p", f"{_W}tbl")):
        if element.tag == f"{_W}tbl":
            count += 1
            blocks += _docx_tables(element, f"table {count}")
        else:
            text = _paragraph_text(element)
            if text.strip():
                blocks.append(text)
    return blocks


def _children(element, tags: tuple[str, ...]) -> Iterator:
    """Children with one of `tags`, looking through content-control and custom-XML wrappers."""
    for child in element:
        if child.tag in tags:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tags)


def _paragraph_text(p) -> str:
    """A paragraph's text as shown: runs, hyperlinks, fields' results, content controls;
    w:br/w:cr as line breaks; not deleted text, field codes or the fallback copy of a drawing."""
    parts = []

    def walk(element) -> None:
        for child in element:
            tag = child.tag
            if tag == _MC_FALLBACK or tag == f"{_W}txbxContent":
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(parts)


def _docx_tables(tbl, name: str) -> list[Grid]:
    """One table (and the tables nested in its cells) with gridSpan and vMerge resolved."""
    layout = Layout("docx", name, lambda r, c: f"{name} row {r + 1} col {c + 1}")
    nested = []
    open_merges: dict[int, tuple[int, int]] = {}  # grid column → origin of a vertical merge still open
    for r, tr in enumerate(_children(tbl, (f"{_W}tr",))):
        col = tr.grid_before
        still_open: dict[int, tuple[int, int]] = {}
        for tc in _children(tr, (f"{_W}tc",)):
            span = max(1, tc.grid_span)
            while layout.taken(r, col):  # a malformed row overlapping a merge: place after it
                col += 1
            if tc.vMerge == "continue" and col in open_merges:
                origin = open_merges[col]
                layout.extend_down(origin, r)
                still_open[col] = origin
            else:
                paragraphs = [_paragraph_text(p) for p in _children(tc, (f"{_W}p",))]
                layout.put(r, col, "\n".join(paragraphs).strip("\n"), colspan=span)  # empty paragraphs are no text
                if tc.vMerge == "restart":
                    still_open[col] = (r, col)
                nested += list(_children(tc, (f"{_W}tbl",)))
            col += span
        open_merges = still_open
    grids = [layout.grid()]
    for i, inner in enumerate(nested, start=1):
        grids += _docx_tables(inner, f"{name}.{i}")
    return grids
