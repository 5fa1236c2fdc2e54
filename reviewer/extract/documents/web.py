"""HTML pages and web archives (.htm, .html, .mht; also such files saved as .xls or .doc):
the text outside tables as paragraphs, every <table> a Grid with rowspan/colspan resolved."""

from __future__ import annotations

import email
import email.policy
import re
from html.parser import HTMLParser
from pathlib import Path

from reviewer.extract.documents.common import Layout, failure, source_bytes
from reviewer.extract.grid import Grid


def html_grids(source: Path | bytes) -> list[Grid]:
    """The <table>s of an HTML page (or a Word web archive), rowspan/colspan resolved."""
    return [b for b in html_file_blocks(source) if isinstance(b, Grid)]


def html_file_blocks(source: Path | bytes) -> list[str | Grid]:
    data = source_bytes(source)
    if is_mime(data[:4096].lower()):
        return mht_blocks(data)
    return html_blocks(_decode_html(data))


def is_mime(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"mime-version:") or b"multipart/related" in head[:2048]


def mht_blocks(source: Path | bytes) -> list[str | Grid]:
    """A web archive (.mht, also Word's "web page" saved as .doc): the HTML part inside."""
    message = email.message_from_bytes(source_bytes(source), policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset()
            return html_blocks(_decode_html(payload, charset))
    raise failure("a web archive (.mht) without an HTML page inside")


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
        # Text in the table but in no cell: a <caption> (often the form's title), or stray
        # text that a browser shows above the table.
        self.outside: list[str] = []


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
            table = self.tables[-1]
            return table.cell if table.cell is not None else table.outside
        return self.line

    def _break(self) -> None:
        """A line break: inside a cell it is "\\n", outside a table it ends a paragraph."""
        if self.tables:
            table = self.tables[-1]
            (table.cell if table.cell is not None else table.outside).append("\n")
            return
        text = _SPACE_RUN.sub(" ", "".join(self.line)).strip()
        if text:
            self.blocks.append(text)
        self.line = []

    def _close_cell(self) -> None:
        table = self.tables[-1] if self.tables else None
        if table is None or table.cell is None:
            return
        table.rows[-1].append(("\n".join(_lines("".join(table.cell))), *table.spans))
        table.cell = None

    def finish(self) -> list[str | Grid]:
        while self.tables:
            self._close_cell()
            self.tables.pop()
        self._break()
        out: list[str | Grid] = []
        for block in self.blocks:
            if isinstance(block, _Table):
                out += [line for line in _lines("".join(block.outside))]
                block = _html_grid(block)
            out.append(block)
        return out


def _lines(text: str) -> list[str]:
    return [line for line in (_SPACE_RUN.sub(" ", piece).strip() for piece in text.split("\n")) if line]


def _html_grid(table: _Table) -> Grid:
    """The HTML table model: each cell goes to the first column its row has free."""
    name = f"table {table.number}"
    layout = Layout("html", name, lambda r, c: f"{name} row {r + 1} col {c + 1}")
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
