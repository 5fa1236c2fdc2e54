"""Documents → Grids: the tables of Word, Excel, HTML and PDF files as cells, merges resolved.

A form's table read from the document itself is better than any text dump of it: a
merged cell is one cell with its span (gridSpan/vMerge in Word, merged ranges in Excel,
rowspan/colspan in HTML, ruled boxes in a PDF), so no column shifts when a converter
drops it. Paragraphs outside the tables (the title, "(2023年度)", a 单位 line) are kept
as text in reading order, since forms put header fields there too.

The format is told by the file's first bytes, not only its suffix: government sites
serve HTML tables saved as ".xls" or ".doc", and Word "web pages" (.mht) as ".doc".
A format that cannot be read (Word 97-2003, WPS, RTF, a scanned image, a PDF without a
text layer) is an `ExtractFailure` whose message names the format and what to do.

Entry points: `document_grids(path) -> (grids, text)`; `read_document(path)` keeps the
paragraphs and tables interleaved; one `*_grids(path)` per format.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.extract.documents.common import failure, source_bytes
from reviewer.extract.documents.pdf import pdf_blocks, pdf_grids
from reviewer.extract.documents.sheets import csv_grid, xls_grids, xlsx_grids
from reviewer.extract.documents.web import html_blocks, html_file_blocks, html_grids, is_mime, mht_blocks
from reviewer.extract.documents.word import docx_blocks, docx_grids
from reviewer.extract.grid import Grid
from reviewer.extract.sources import DOCUMENT_SUFFIXES, RUN_OCR, ExtractFailure, decode_text
from reviewer.extract.sources import UNREADABLE_FORMATS as UNREADABLE_SUFFIXES

__all__ = [
    "DOCUMENT_SUFFIXES", "UNREADABLE_SUFFIXES", "csv_grid", "document_grids", "docx_grids", "html_blocks",
    "html_grids", "pdf_grids", "read_document", "xls_grids", "xlsx_grids", "Contents",
]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003 compound file (.doc, .xls, .wps, .et)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*", b"GIF8", b"BM")


@dataclass
class Contents:
    """A document's paragraphs (str) and tables (Grid) in reading order."""

    blocks: list[str | Grid] = field(default_factory=list)
    kind: str = ""  # docx, xlsx, xls, html, pdf

    @property
    def grids(self) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid)]

    @property
    def text(self) -> str:
        """The paragraphs outside the tables, one per line."""
        return "\n".join(b for b in self.blocks if isinstance(b, str))

    def to_tsv(self) -> str:
        """Paragraphs as lines and each table as tab-separated rows, in reading order:
        the shape of a Word/Excel table export, which the tab-separated layout reads."""
        parts = [b.to_tsv() + "\n" if isinstance(b, Grid) else b for b in self.blocks]
        return "\n".join(parts)


def document_grids(source: Path | bytes, suffix: str | None = None) -> tuple[list[Grid], str]:
    """The tables of a document as Grids, and its paragraphs outside the tables as text."""
    doc = read_document(source, suffix)
    return doc.grids, doc.text


def read_document(source: Path | bytes, suffix: str | None = None) -> Contents:
    """Read a .docx/.xlsx/.xls/.html/.mht/.pdf document (a path, or its bytes with its suffix)
    by what its bytes are; ExtractFailure if it cannot be."""
    if suffix is None:
        suffix = Path(source).suffix if not isinstance(source, bytes) else ""
    suffix = suffix.lower()
    try:
        data = source_bytes(source)
    except OSError as exc:
        raise failure(f"cannot read file ({exc.strerror})") from None
    head = data[:8192]
    if not head.strip():
        raise failure("empty file")
    kind = _sniff(head, data, suffix)
    reader = _READERS[kind]
    return Contents(list(reader(data) if kind != "xls" else reader(data, suffix)), kind)


def _sniff(head: bytes, data: bytes, suffix: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data, suffix)
    if head.startswith(_OLE):
        return _ole_kind(data, suffix)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.lstrip().startswith(b"{\\rtf"):
        raise failure(UNREADABLE_SUFFIXES[".rtf"])
    if head.startswith(_IMAGE_MAGIC):
        shown = suffix if suffix in UNREADABLE_SUFFIXES else "an image file"
        raise failure(f"a scanned image ({shown}): {RUN_OCR}")
    lowered = head.lower()
    if is_mime(lowered):
        return "mht"
    if b"<table" in lowered or b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    if suffix in UNREADABLE_SUFFIXES:
        raise failure(UNREADABLE_SUFFIXES[suffix])
    return "text"  # a text export under a document's name (tab-separated rows saved as .xls)


def _zip_kind(data: bytes, suffix: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError):  # NotImplementedError: an unknown compression
        what = "workbook" if suffix in (".xlsx", ".xlsm") else "document"
        raise failure(f"not a readable {suffix} {what} (a damaged zip container)") from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise failure(f"a zip archive that is not a Word (.docx) or Excel (.xlsx) document: {suffix or 'no suffix'}")


def _ole_kind(data: bytes, suffix: str) -> str:
    # An OLE2 file names its streams in UTF-16: "WordDocument" (Word/WPS Writer), "Workbook"/"Book" (Excel/ET).
    if "WordDocument".encode("utf-16-le") in data or suffix in (".doc", ".wps"):
        raise failure(UNREADABLE_SUFFIXES[".wps" if suffix == ".wps" else ".doc"])
    return "xls"  # xlrd reads BIFF workbooks (.xls, and many .et files); it says when it cannot


def _text_blocks(data: bytes) -> list[str | Grid]:
    try:
        decoded = decode_text(data)
    except ExtractFailure as exc:
        raise failure(f"not a Word, Excel, HTML or PDF document, and not text either ({exc})") from None
    return [decoded.text]


_READERS = {
    "text": _text_blocks,
    "docx": docx_blocks,
    "xlsx": xlsx_grids,
    "xls": xls_grids,
    "html": html_file_blocks,
    "mht": mht_blocks,
    "pdf": pdf_blocks,
}
