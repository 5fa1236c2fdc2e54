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

import datetime as _dt
import email
import email.policy
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from reviewer.extract.grid import Cell, Grid

# Suffixes read here, and those refused with a message that says what to do.
DOCUMENT_SUFFIXES = {".docx", ".docm", ".xlsx", ".xlsm", ".xls", ".html", ".htm", ".mht", ".mhtml", ".pdf"}
_SAVE_AS_DOCX = "save it as .docx or PDF (File → Save As) and read that file"
_SAVE_AS_XLSX = "save it as .xlsx (File → Save As) and read that file"
_RUN_OCR = "run OCR on it and give reviewer the text, or ask the unit for the original document"
UNREADABLE_SUFFIXES = {
    ".doc": f"a .doc (Word 97-2003) file: {_SAVE_AS_DOCX}",
    ".wps": f"a .wps (WPS Writer) file: {_SAVE_AS_DOCX}",
    ".rtf": f"an .rtf (Rich Text) file: {_SAVE_AS_DOCX}",
    ".et": f"a .et (WPS Spreadsheets) file: {_SAVE_AS_XLSX}",
    ".ofd": "an .ofd (OFD e-document) file: export it as PDF and read that file",
    **{s: f"a scanned image ({s}): {_RUN_OCR}" for s in (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif")},
}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003 compound file (.doc, .xls, .wps, .et)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*", b"GIF8", b"BM")


def _failure(message: str) -> Exception:
    # Imported here: files.py will import this module, and an import at the top would be circular.
    from reviewer.extract.files import ExtractFailure

    return ExtractFailure(message)


@dataclass
class Document:
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


def document_grids(path: Path) -> tuple[list[Grid], str]:
    """The tables of a document as Grids, and its paragraphs outside the tables as text."""
    doc = read_document(path)
    return doc.grids, doc.text


def read_document(path: Path) -> Document:
    """Read a .docx/.xlsx/.xls/.html/.mht/.pdf file by what its bytes are; ExtractFailure if it cannot be."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError as exc:
        raise _failure(f"cannot read file ({exc.strerror})") from None
    if not head.strip():
        raise _failure("empty file")
    kind = _sniff(head, path, suffix)
    reader = _READERS[kind]
    return Document(list(reader(path)), kind)


def _sniff(head: bytes, path: Path, suffix: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path, suffix)
    if head.startswith(_OLE):
        return _ole_kind(head, path, suffix)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.lstrip().startswith(b"{\\rtf"):
        raise _failure(UNREADABLE_SUFFIXES[".rtf"])
    if head.startswith(_IMAGE_MAGIC):
        shown = suffix if suffix in UNREADABLE_SUFFIXES else "an image file"
        raise _failure(f"a scanned image ({shown}): {_RUN_OCR}")
    lowered = head.lower()
    if _is_mime(lowered):
        return "mht"
    if b"<table" in lowered or b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    if suffix in UNREADABLE_SUFFIXES:
        raise _failure(UNREADABLE_SUFFIXES[suffix])
    return "text"  # a text export under a document's name (tab-separated rows saved as .xls)


def _zip_kind(path: Path, suffix: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        what = "workbook" if suffix in (".xlsx", ".xlsm") else "document"
        raise _failure(f"not a readable {suffix} {what} (a damaged zip container)") from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise _failure(f"a zip archive that is not a Word (.docx) or Excel (.xlsx) document: {suffix or 'no suffix'}")


def _ole_kind(head: bytes, path: Path, suffix: str) -> str:
    # An OLE2 file names its streams in UTF-16: "WordDocument" (Word/WPS Writer), "Workbook"/"Book" (Excel/ET).
    data = path.read_bytes()
    if "WordDocument".encode("utf-16-le") in data or suffix in (".doc", ".wps"):
        raise _failure(UNREADABLE_SUFFIXES[".wps" if suffix == ".wps" else ".doc"])
    return "xls"  # xlrd reads BIFF workbooks (.xls, and many .et files); it says when it cannot


# ---------------------------------------------------------------- shared helpers


class _Layout:
    """Place cells with spans on a grid, then freeze it into a Grid.

    A covered position gets an empty Cell pointing at the cell that covers it."""

    def __init__(self, origin: str, name: str, where):
        self.origin, self.name, self.where = origin, name, where
        self.cells: dict[tuple[int, int], list] = {}  # (r, c) → [text, rowspan, colspan]
        self.covered: dict[tuple[int, int], tuple[int, int]] = {}

    def taken(self, r: int, c: int) -> bool:
        return (r, c) in self.cells or (r, c) in self.covered

    def put(self, r: int, c: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
        self.cells[(r, c)] = [text, rowspan, colspan]
        for dr in range(rowspan):
            for dc in range(colspan):
                if dr or dc:
                    self.covered.setdefault((r + dr, c + dc), (r, c))

    def extend_down(self, origin: tuple[int, int], r: int) -> None:
        """The cell at `origin` also covers row r (a Word vMerge continuation)."""
        entry = self.cells[origin]
        entry[1] = r - origin[0] + 1
        for dc in range(entry[2]):
            self.covered[(r, origin[1] + dc)] = origin

    def grid(self) -> Grid:
        keys = list(self.cells) + list(self.covered)
        if not keys:
            return Grid([], self.origin, self.name)
        height = 1 + max(r for r, _ in keys)
        width = 1 + max(c for _, c in keys)
        rows = []
        for r in range(height):
            row = []
            for c in range(width):
                if (r, c) in self.cells:
                    text, rowspan, colspan = self.cells[(r, c)]
                    row.append(Cell(text, self.where(r, c), colspan=colspan, rowspan=rowspan))
                elif (r, c) in self.covered:
                    row.append(Cell("", self.where(r, c), covered_by=self.covered[(r, c)]))
                else:
                    row.append(Cell("", self.where(r, c)))
            rows.append(row)
        return Grid(rows, self.origin, self.name)


_FIXED = re.compile(r"^[#,]*0(?:\.(0+))?$")  # "0", "0.00", "#,##0.00"


def _number_text(value: float, number_format: str = "") -> str:
    """A spreadsheet number as the sheet shows it: percent and fixed-decimal formats applied
    ("0.00%" → "97.71%", "0.00" → "406000.00"), else without ".0" and without binary noise."""
    fmt = number_format.split(";", 1)[0].strip()
    percent = fmt.endswith("%") and _FIXED.match(fmt[:-1])
    fixed = percent or _FIXED.match(fmt)
    if fixed:
        decimals = len(fixed.group(1) or "")
        shown = value * 100 if percent else value
        grouping = "," if "," in fmt else ""
        return f"{shown:{grouping}.{decimals}f}" + ("%" if percent else "")
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.15g}"  # the 15 digits a spreadsheet keeps


@lru_cache(maxsize=1024)
def _column_letters(c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ---------------------------------------------------------------- .docx


def docx_grids(path: Path) -> list[Grid]:
    """The tables of a Word document, nested tables as grids of their own."""
    return [b for b in _docx_blocks(path) if isinstance(b, Grid)]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Wrappers whose content is part of the document where they stand (content controls, custom XML).
_WRAPPERS = {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}smartTag"}


def _docx_blocks(path: Path) -> list[str | Grid]:
    """Paragraphs and tables of the body in order, read from the XML itself: python-docx's
    objects skip what sits inside content controls (w:sdt), which filled templates use."""
    try:
        import docx
    except ImportError:
        raise _failure("Word input needs the docx extra: pip install 'reviewer[docx]'") from None
    try:
        body = docx.Document(str(path)).element.body
    except Exception as exc:  # python-docx raises many types for a damaged file
        raise _failure(f"not a readable .docx document ({type(exc).__name__})") from None
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
    layout = _Layout("docx", name, lambda r, c: f"{name} row {r + 1} col {c + 1}")
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


# ---------------------------------------------------------------- .xlsx


def xlsx_grids(path: Path) -> list[Grid]:
    """Each sheet as a Grid, merged ranges resolved.

    Sheets are streamed in openpyxl's read-only mode (fast, little memory); read-only
    mode does not expose merged ranges, so they are read from each sheet's <mergeCell>
    elements in the package, which costs one more pass over the sheet's XML."""
    import openpyxl  # core dependency, imported lazily to keep start-up fast

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise _failure(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        merges = _xlsx_merges(path)
        grids = []
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # some writers store a wrong <dimension>; let openpyxl find the used range
            grids.append(_xlsx_sheet(sheet, merges.get(sheet.title, [])))
        return grids
    except Exception as exc:
        raise _failure(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    finally:
        book.close()


def _xlsx_sheet(sheet, merges: list[tuple[int, int, int, int]]) -> Grid:
    title = sheet.title
    layout = _Layout("xlsx", title, lambda r, c: f"{title}!{_column_letters(c)}{r + 1}")
    for r, row in enumerate(sheet.iter_rows()):
        for c, cell in enumerate(row):
            value = cell.value
            if value is not None:  # the format only matters for numbers; looking it up costs
                number_format = cell.number_format or "" if isinstance(value, (int, float)) else ""
                layout.put(r, c, _xlsx_text(value, number_format))
    _merge(layout, merges)
    return _trimmed(layout.grid())


def _xlsx_text(value: object, number_format: str) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _number_text(value, number_format)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value).replace("\r\n", "\n")


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _xlsx_merges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Sheet title → merged ranges (r0, c0, r1, c1), 0-based inclusive, from the package's XML."""
    from xml.etree import ElementTree as ET

    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    with zipfile.ZipFile(path) as archive:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("rel:Relationship", ns)}
        names = set(archive.namelist())
        result = {}
        for sheet in workbook.findall("m:sheets/m:sheet", ns):
            target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if member not in names:
                continue
            xml = archive.read(member)
            tail = xml[max(0, xml.rfind(b"sheetData>")) :]  # <mergeCells> follows the cells
            result[sheet.get("name", "")] = [_merge_range(*ref) for ref in _MERGE_REF.findall(tail)]
    return result


def _merge_range(col0: bytes, row0: bytes, col1: bytes, row1: bytes) -> tuple[int, int, int, int]:
    def col(letters: bytes) -> int:
        n = 0
        for ch in letters.decode():
            n = n * 26 + ord(ch) - 64
        return n - 1

    return int(row0) - 1, col(col0), int(row1 or row0) - 1, col(col1 or col0)


def _merge(layout: _Layout, ranges: Iterable[tuple[int, int, int, int]]) -> None:
    """Merged ranges (r0, c0, r1, c1), inclusive, onto cells placed one by one. The sheet
    shows the top-left value only. Ranges that overlap (a broken writer's file, seen in a
    real budget-system export) cannot all be shown: the largest is kept, as its box is
    the one drawn around the others."""
    merged: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in sorted(ranges, key=lambda m: -(m[2] - m[0] + 1) * (m[3] - m[1] + 1)):
        area = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        if len(area) < 2 or not area.isdisjoint(merged):
            continue
        merged |= area
        text = layout.cells.get((r0, c0), [""])[0]
        for position in area:
            layout.cells.pop(position, None)
        layout.put(r0, c0, text, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1)


def _trimmed(grid: Grid) -> Grid:
    """Drop empty trailing rows and columns (a sheet's used range often runs past its data)."""
    rows = grid.rows
    while rows and all(c.empty and c.covered_by is None for c in rows[-1]):
        rows = rows[:-1]
    width = 0
    for row in rows:
        for c, cell in enumerate(row):
            if not cell.empty or cell.covered_by is not None:
                width = max(width, c + 1)
    return Grid([row[:width] for row in rows], grid.origin, grid.name)


# ---------------------------------------------------------------- .xls


def xls_grids(path: Path) -> list[Grid]:
    """Each sheet of an Excel 97-2003 workbook (BIFF) as a Grid, merged ranges resolved."""
    try:
        import xlrd
    except ImportError:
        raise _failure("Excel 97-2003 (.xls) input needs the xls extra: pip install 'reviewer[xls]'") from None
    try:
        # formatting_info: merged ranges and number formats ("0.00%") are only read with it
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct.error ... for what it cannot read
        suffix = path.suffix.lower()
        if suffix == ".et":
            raise _failure(UNREADABLE_SUFFIXES[".et"]) from None
        raise _failure(f"not a readable .xls workbook ({type(exc).__name__}): {_SAVE_AS_XLSX}") from None
    try:
        return [_xls_sheet(book, book.sheet_by_index(i)) for i in range(book.nsheets)]
    finally:
        book.release_resources()


def _xls_sheet(book, sheet) -> Grid:
    import xlrd

    title = sheet.name
    layout = _Layout("xls", title, lambda r, c: f"{title}!{_column_letters(c)}{r + 1}")
    for r in range(sheet.nrows):
        for c in range(sheet.ncols):
            cell = sheet.cell(r, c)
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if cell.ctype == xlrd.XL_CELL_NUMBER:
                text = _number_text(cell.value, _xls_format(book, cell.xf_index))
            elif cell.ctype == xlrd.XL_CELL_DATE:
                text = _xlsx_text(xlrd.xldate_as_datetime(cell.value, book.datemode), "")
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                text = "TRUE" if cell.value else "FALSE"
            elif cell.ctype == xlrd.XL_CELL_ERROR:
                text = xlrd.error_text_from_code.get(cell.value, "#ERR")
            else:
                text = str(cell.value).replace("\r\n", "\n")
            if text:
                layout.put(r, c, text)
    _merge(layout, [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells])  # xlrd: half-open
    return _trimmed(layout.grid())


def _xls_format(book, xf_index: int | None) -> str:
    try:
        return book.format_map[book.xf_list[xf_index].format_key].format_str
    except (IndexError, KeyError, TypeError):
        return ""


# ---------------------------------------------------------------- .html / .mht


def html_grids(path: Path) -> list[Grid]:
    """The <table>s of an HTML page (or a Word web archive), rowspan/colspan resolved."""
    return [b for b in _html_blocks(path) if isinstance(b, Grid)]


def _html_blocks(path: Path) -> list[str | Grid]:
    data = path.read_bytes()
    if _is_mime(data[:4096].lower()):
        return _mht_blocks(path)
    return html_blocks(_decode_html(data))


def _is_mime(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"mime-version:") or b"multipart/related" in head[:2048]


def _mht_blocks(path: Path) -> list[str | Grid]:
    """A web archive (.mht, also Word's "web page" saved as .doc): the HTML part inside."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            return html_blocks(_decode_html(payload, charset))
    raise _failure("a web archive (.mht) without an HTML page inside")


def html_blocks(html: str) -> list[str | Grid]:
    """Paragraphs and tables of an HTML text, in reading order."""
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    return parser.finish()


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)


def _decode_html(data: bytes, charset: str | None = None) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    declared = charset
    if declared is None:
        m = _META_CHARSET.search(data[:4096])
        declared = m.group(1).decode("ascii") if m else None
    candidates = [declared] if declared else []
    candidates += ["utf-8", "gb18030"]
    for name in candidates:
        if name and name.lower().replace("-", "") in ("gb2312", "gbk", "gb18030", "cp936", "x-gbk"):
            name = "gb18030"  # the superset: pages labelled gb2312 often hold GBK characters
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", errors="replace")


_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "header", "footer", "blockquote", "pre", "hr", "dt", "dd", "caption", "center", "form",
}
_SKIPPED_TAGS = {"script", "style", "template", "noscript", "title", "select", "textarea", "svg"}
_SPACE_RUN = re.compile(r"[ \t\r\n\f\u00a0\u3000]+")


def _span(value: str | None) -> int:
    try:
        return max(0, min(int((value or "1").strip().rstrip(";")), 1000))
    except ValueError:
        return 1


class _Table:
    def __init__(self, number: int):
        self.number = number
        self.rows: list[list[tuple[str, int, int]]] = []  # per <tr>: (text, rowspan, colspan)
        self.cell: list[str] | None = None  # text pieces of the open cell
        self.spans = (1, 1)


class _TableParser(HTMLParser):
    """Collects text outside tables as paragraphs and every <table> as rows of spanned cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str | Grid | _Table] = []
        self.line: list[str] = []  # text of the paragraph being read, outside tables
        self.tables: list[_Table] = []  # open tables, innermost last
        self.skipping = 0
        self.count = 0

    # ---- events
    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
            return
        if self.skipping:
            return
        attrs = dict(attrs)
        if tag == "table":
            self._break()
            self.count += 1
            table = _Table(self.count)
            self.tables.append(table)
            self.blocks.append(table)  # its place in reading order; the Grid replaces it at the end
        elif self.tables and tag == "tr":
            self._close_cell()
            self.tables[-1].rows.append([])
        elif self.tables and tag in ("td", "th"):
            table = self.tables[-1]
            self._close_cell()
            if not table.rows:
                table.rows.append([])
            table.cell = []
            table.spans = (_span(attrs.get("rowspan")), max(1, _span(attrs.get("colspan"))))
        elif tag in _BLOCK_TAGS:
            self._break()

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr") and not self.skipping:
            self._break()
        else:
            self.handle_starttag(tag, attrs)
            if tag not in ("br", "hr"):
                self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping:
            return
        if tag == "table" and self.tables:
            self._close_cell()
            self.tables.pop()
        elif self.tables and tag in ("td", "th"):
            self._close_cell()
        elif tag in _BLOCK_TAGS:
            self._break()

    def handle_data(self, data):
        if self.skipping:
            return
        target = self._target()
        if target is not None:
            target.append(_SPACE_RUN.sub(" ", data))  # source line breaks are spaces; <br>/<p> break lines

    # ---- helpers
    def _target(self) -> list[str] | None:
        if self.tables:
            return self.tables[-1].cell  # None between cells: text there is markup noise
        return self.line

    def _break(self) -> None:
        """A line break: inside a cell it is "\\n", outside a table it ends a paragraph."""
        if self.tables:
            if self.tables[-1].cell is not None:
                self.tables[-1].cell.append("\n")
            return
        text = _SPACE_RUN.sub(" ", "".join(self.line)).strip()
        if text:
            self.blocks.append(text)
        self.line = []

    def _close_cell(self) -> None:
        table = self.tables[-1] if self.tables else None
        if table is None or table.cell is None:
            return
        lines = (_SPACE_RUN.sub(" ", piece).strip() for piece in "".join(table.cell).split("\n"))
        text = "\n".join(line for line in lines if line)
        table.rows[-1].append((text, *table.spans))
        table.cell = None

    def finish(self) -> list[str | Grid]:
        while self.tables:
            self._close_cell()
            self.tables.pop()
        self._break()
        return [_html_grid(b) if isinstance(b, _Table) else b for b in self.blocks]


def _html_grid(table: _Table) -> Grid:
    """The HTML table model: each cell goes to the first column its row has free."""
    name = f"table {table.number}"
    layout = _Layout("html", name, lambda r, c: f"{name} row {r + 1} col {c + 1}")
    height = len(table.rows)
    for r, row in enumerate(table.rows):
        col = 0
        for text, rowspan, colspan in row:
            while layout.taken(r, col):
                col += 1
            rows_left = height - r
            rowspan = rows_left if rowspan == 0 else min(rowspan, rows_left)  # rowspan=0: to the end
            layout.put(r, col, text, rowspan=rowspan, colspan=colspan)
            col += colspan
    return layout.grid()


# ---------------------------------------------------------------- .pdf


def pdf_grids(path: Path) -> list[Grid]:
    """The ruled tables of a PDF (pdfplumber's table finder), merged boxes resolved;
    a table continued on the next page is one Grid."""
    return [b for b in _pdf_blocks(path) if isinstance(b, Grid)]


_PAGE_NUMBER = re.compile(r"^[-—\s]*(第\s*)?\d+\s*(页|/\s*\d+)?(\s*共\s*\d+\s*页)?[-—\s]*$")


def _pdf_blocks(path: Path) -> list[str | Grid]:
    try:
        import pdfplumber
    except ImportError:
        raise _failure("PDF input needs the pdf extra: pip install 'reviewer[pdf]'") from None
    blocks: list[str | Grid] = []
    edges: dict[int, list[float]] = {}  # id(Grid) → its column boundaries
    any_text = False
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                any_text = any_text or bool(page.chars)
                for block, columns in _pdf_page(page, number):
                    previous = _open_table(blocks)
                    if isinstance(block, Grid) and previous is not None and _same_edges(edges[id(previous)], columns):
                        at = next(i for i in range(len(blocks) - 1, -1, -1) if blocks[i] is previous)
                        del blocks[at + 1 :]  # page numbers between the two parts
                        block = _joined(previous, block)
                        blocks[-1] = block
                    else:
                        blocks.append(block)
                    if isinstance(block, Grid):
                        edges[id(block)] = columns
                blocks.append(_PageBreak())
    except Exception as exc:  # pdfminer raises many types for a broken PDF
        raise _failure(f"not a readable PDF ({type(exc).__name__})") from None
    if not any_text:
        raise _failure(f"a PDF with no text layer (a scan?): {_RUN_OCR}")
    return [b for b in blocks if not isinstance(b, _PageBreak)]


class _PageBreak:
    """Marks a page boundary while a PDF is read: a table continues only across one."""


def _open_table(blocks: list) -> Grid | None:
    """The table that a table coming next may continue: the last one of the previous
    page, with nothing but page numbers between them."""
    crossed = False
    for block in reversed(blocks):
        if isinstance(block, Grid):
            return block if crossed else None
        if isinstance(block, _PageBreak):
            if crossed:
                return None
            crossed = True
        elif not _PAGE_NUMBER.match(block):
            return None
    return None


def _pdf_page(page, number: int) -> list[tuple[str | Grid, list[float]]]:
    """The page's tables and its text lines outside them, in reading order (top to bottom)."""
    tables = page.find_tables()
    items: list[tuple[float, str | Grid, list[float]]] = []
    for t, table in enumerate(tables, start=1):
        grid, columns = _pdf_table(table, f"page {number} table {t}")
        items.append((table.bbox[1], grid, columns))
    boxes = [table.bbox for table in tables]

    def outside(obj) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside) if boxes else page
    items += [(line["top"], line["text"], []) for line in text_page.extract_text_lines()]
    items.sort(key=lambda item: item[0])
    return [(block, columns) for _, block, columns in items]


def _pdf_table(table, name: str) -> tuple[Grid, list[float]]:
    """A pdfplumber table as a Grid. Columns and rows are the distinct edges of all its
    boxes, so a box spanning columns covers them and the grid stays aligned with the
    columns that other rows draw."""
    texts: dict[tuple, str] = {}
    for row, values in zip(table.rows, table.extract()):
        for bbox, value in zip(row.cells, values):
            if bbox is not None:
                texts[tuple(bbox)] = value or ""
    xs = _edges([b[0] for b in table.cells] + [b[2] for b in table.cells])
    ys = _edges([b[1] for b in table.cells] + [b[3] for b in table.cells])
    layout = _Layout("pdf", name, lambda r, c: f"{name} r{r + 1}c{c + 1}")
    for bbox in table.cells:
        x0, top, x1, bottom = bbox
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        if c1 <= c0 or r1 <= r0 or layout.taken(r0, c0):
            continue
        layout.put(r0, c0, texts.get(tuple(bbox), ""), rowspan=r1 - r0, colspan=c1 - c0)
    return layout.grid(), xs


def _edges(values: Iterable[float], tolerance: float = 1.5) -> list[float]:
    edges: list[float] = []
    for v in sorted(values):
        if not edges or v - edges[-1] > tolerance:
            edges.append(v)
    return edges


def _index(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def _same_edges(a: list[float] | None, b: list[float] | None) -> bool:
    return a is not None and b is not None and len(a) == len(b) and all(abs(x - y) <= 2 for x, y in zip(a, b))


def _joined(top: Grid, bottom: Grid) -> Grid:
    """A table continued on the next page: the rows of both, covered_by shifted down."""
    shift = len(top.rows)
    moved = [
        [Cell(c.text, c.where, c.colspan, c.rowspan,
              None if c.covered_by is None else (c.covered_by[0] + shift, c.covered_by[1])) for c in row]
        for row in bottom.rows
    ]
    return Grid(top.rows + moved, top.origin, top.name)


def _text_blocks(path: Path) -> list[str | Grid]:
    from reviewer.extract.files import decode_text  # lazily, as in _failure

    try:
        text, _ = decode_text(path.read_bytes())
    except Exception as exc:
        raise _failure(f"not a readable {path.suffix.lower() or 'document'} file: not a Word, Excel, HTML or PDF "
                       f"document, and not text either ({exc})") from None
    return [text]


_READERS = {
    "text": _text_blocks,
    "docx": _docx_blocks,
    "xlsx": xlsx_grids,
    "xls": xls_grids,
    "html": _html_blocks,
    "mht": _mht_blocks,
    "pdf": _pdf_blocks,
}
