"""A small streaming .xlsx writer: rows go straight into the zip, one sheet at a time.

openpyxl's write-only mode spends ~12 µs per cell (a Cell object each), about 25 s
for the sheets of a 10,000-form year; this writer formats SpreadsheetML text directly
(inline strings), with a frozen header row, an auto filter, column widths, and a format
per column (see FORMATS: amounts with thousands separators, percentages, text kept as
text, links to files). The output is byte-for-byte reproducible (fixed zip dates, no
document properties). openpyxl, Excel and LibreOffice read it.
"""

from __future__ import annotations

import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_CELL_CHARS = 32767  # Excel's limit
MAX_LINKS = 65530  # Excel's limit of hyperlinks per sheet; later cells keep their text

# A column is (header, width) or (header, width, format); a format's cell style index in STYLES:
#   amount  #,##0.00 (builtin 4)   percent 0.00% (builtin 10; the value is a fraction)
#   text    @ (builtin 49: a code of digits stays text when edited)
#   link    the cell's text is a path relative to the workbook, also its hyperlink
FORMATS = {"amount": 2, "percent": 3, "text": 4, "link": 5}
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def column_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    if len(value) > MAX_CELL_CHARS:
        value = value[:MAX_CELL_CHARS]
    if _SPECIAL.search(value):
        value = escape(_ILLEGAL.sub("", value))
    if value[:1].isspace() or value[-1:].isspace():
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


def _cell(value: Any, style: str = "") -> str:
    """One cell without its reference (cells are written in column order, empty ones as <c/>);
    style: ' s="N"' for a column's format."""
    kind = type(value)
    if kind is str:
        return f'<c{style} t="inlineStr">{_text(value)}</c>' if value else "<c/>"
    if value is None:
        return "<c/>"
    if kind is bool:
        return f'<c t="b"><v>{int(value)}</v></c>'
    if kind is int or (kind is float and value == value and value not in (float("inf"), float("-inf"))):
        return f"<c{style}><v>{value!r}</v></c>"
    return f'<c{style} t="inlineStr">{_text(str(value))}</c>'


def _formatter(style: str) -> Any:
    """A cell formatter for one style. Texts repeat (a form's file, unit and project on each
    of its rows; the checks' messages across forms): each distinct text is formatted once."""
    cache: dict[Any, str] = {}
    get = cache.get

    def cell(value: Any) -> str:
        if value is None:
            return "<c/>"
        text = get(value)
        if text is None:
            text = _cell(value, style)
            if type(value) is str:
                if len(cache) >= 100_000:
                    cache.clear()
                cache[value] = text
        return text

    return cell


def _sheet_rels(links: list[tuple[str, str]]) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{HYPERLINK}" Target={quoteattr(quote(target))} TargetMode="External"/>'
        for i, (_, target) in enumerate(links, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
    )


def _content_types(n: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE5F0"/><bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


class _Background:
    """Hands encoded chunks to a thread that compresses and writes them (zlib releases the
    GIL), so formatting the next rows overlaps compressing the last ones. At most a few
    chunks wait; the chunks are written in order."""

    def __init__(self, write: Any, depth: int = 4) -> None:
        self._write = write
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)

    def __enter__(self) -> Any:
        self._thread.start()
        return self.put

    def put(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(chunk)

    def _run(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self._error is None:
                try:
                    self._write(chunk)
                except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                    self._error = exc

    def __exit__(self, *exc: object) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc[0] is None:
            raise self._error


class XlsxWriter:
    """Write sheets in order with `sheet(title, columns, rows)`, then `close()`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list[tuple[str, int, int]] = []  # title, columns, rows

    def _open(self, name: str):
        info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def _put(self, name: str, text: str) -> None:
        self.zip.writestr(self._open(name), text.encode("utf-8"), compresslevel=6)

    def sheet(self, title: str, columns: Sequence[tuple], rows: Iterable[Sequence[Any]]) -> int:
        """Stream one sheet; returns the number of data rows written. columns: (header, width)
        or (header, width, format) with a format of FORMATS."""
        index = len(self.sheets) + 1
        letters = [column_letter(i) for i in range(1, len(columns) + 1)]
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{c[1]}" customWidth="1"/>' for i, c in enumerate(columns, 1)
        )
        header = "".join(f'<c r="{letters[i]}1" s="1" t="inlineStr">{_text(c[0])}</c>' for i, c in enumerate(columns))
        formats = [c[2] if len(c) > 2 else None for c in columns]
        link_columns = [i for i, f in enumerate(formats) if f == "link"]
        links: list[tuple[str, str]] = []  # (cell reference, target)
        selected = ' tabSelected="1"' if index == 1 else ""
        n = 0
        with self.zip.open(self._open(f"xl/worksheets/sheet{index}.xml"), "w", force_zip64=True) as out, \
                _Background(out.write) as write:
            write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                    f'<sheetViews><sheetView workbookViewId="0"{selected}>'
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
                    f'<row r="1">{header}</row>'
                ).encode("utf-8")
            )
            buffer: list[str] = []

            cell = _formatter("")
            cells = [_formatter(f' s="{FORMATS[f]}"') if f else cell for f in formats]
            plain = not any(formats)
            for row in rows:
                n += 1
                if plain:
                    buffer.append(f'<row r="{n + 1}">{"".join([cell(v) for v in row])}</row>')
                else:
                    buffer.append(f'<row r="{n + 1}">{"".join([f(v) for f, v in zip(cells, row)])}</row>')
                    for i in link_columns:
                        if row[i] and len(links) < MAX_LINKS:
                            links.append((f"{letters[i]}{n + 1}", row[i]))
                if len(buffer) >= 1024:
                    write("".join(buffer).encode("utf-8"))
                    buffer.clear()
            if buffer:
                write("".join(buffer).encode("utf-8"))
            last = f"{letters[-1]}{n + 1}"
            hyperlinks = "".join(f'<hyperlink ref="{ref}" r:id="rId{i}"/>' for i, (ref, _) in enumerate(links, 1))
            hyperlinks = f"<hyperlinks>{hyperlinks}</hyperlinks>" if links else ""
            write(f'</sheetData><autoFilter ref="A1:{last}"/>{hyperlinks}</worksheet>'.encode("utf-8"))
        if links:
            self._put(f"xl/worksheets/_rels/sheet{index}.xml.rels", _sheet_rels(links))
        self.sheets.append((title, len(columns), n))
        return n

    def close(self) -> None:
        sheets = "".join(
            f'<sheet name="{escape(title)}" sheetId="{i}" r:id="rId{i}"/>' for i, (title, _, _) in enumerate(self.sheets, 1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"'{escape(title)}'!$A$1:${column_letter(ncols)}${rows + 1}</definedName>"
            for i, (title, ncols, rows) in enumerate(self.sheets)
        )
        self._put(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
            f"<definedNames>{names}</definedNames></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(self.sheets) + 1)
        )
        n = len(self.sheets) + 1
        rels += (
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/>'
        )
        self._put(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        self._put("xl/styles.xml", STYLES)
        self._put("_rels/.rels", ROOT_RELS)
        self._put("[Content_Types].xml", _content_types(len(self.sheets)))
        self.zip.close()
