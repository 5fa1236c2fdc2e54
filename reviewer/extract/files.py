"""Document → forms: read a file as text, detect its layout, parse its forms.

Every failure becomes an `ExtractFailure` whose message names what is wrong; callers
turn it into one line per file and go on with the others.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from reviewer.extract import layouts
from reviewer.extract.workbook import WorkbookError, xlsx_grids
from reviewer.domain.model import ExtractError, Extraction, Form

TEXT_SUFFIXES = {".txt", ".tsv", ".csv", ".text", ""}
SUFFIXES = TEXT_SUFFIXES | {".xlsx", ".pdf", ".json", ".zip"}


class ExtractFailure(Exception):
    """A file that yields no form; the message says why, without the path."""


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). Refuses binary data; falls back from UTF-8 to GB18030."""
    if not data.strip():
        raise ExtractFailure("empty file")
    if b"\x00" in data[:4096]:
        raise ExtractFailure("binary file, not text (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ExtractFailure(f"not UTF-8 or GBK/GB18030 text (byte {exc.start})") from None
    controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\t\r\n")
    if controls > 0.01 * min(len(text), 4096):
        raise ExtractFailure("binary file, not text")
    return text, "gb18030"


def xlsx_text(path: Path) -> str:
    """Each sheet as tab-separated rows, so the tabular layout parses it like a table export."""
    import openpyxl  # core dependency, imported lazily to keep start-up fast

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise ExtractFailure(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    sheets = []
    for sheet in book.worksheets:
        sheet.reset_dimensions()  # some writers store a wrong <dimension>; let openpyxl find the used range
        rows = []
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if v is None else _cell_text(v) for v in row]
            rows.append("\t".join(cells).rstrip("\t"))
        sheets.append("\n".join(rows))
    book.close()
    return "\n\n".join(sheets)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\n", " ")


def pdf_text(path: Path) -> str:
    try:
        import pdfplumber
    except ImportError:
        raise ExtractFailure("PDF input needs the pdf extra: pip install 'reviewer[pdf]'") from None
    try:
        with pdfplumber.open(path) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many types for a broken PDF
        raise ExtractFailure(f"not a readable PDF ({type(exc).__name__})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise ExtractFailure("PDF has no text layer (a scan? run OCR first)")
    return text


def document_text(path: Path) -> tuple[str, str]:
    """Return (text, encoding-or-kind) for a text, .xlsx or .pdf file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return xlsx_text(path), "xlsx"
    if suffix == ".pdf":
        return pdf_text(path), "pdf"
    return decode_text(path.read_bytes())


def forms_from_json(path: Path) -> list[Form]:
    """Re-read forms saved by `reviewer extract --format json` (or a single form)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExtractFailure(f"not valid JSON ({exc})") from None
    items = doc.get("forms", [doc]) if isinstance(doc, dict) else doc
    try:
        return [Form.model_validate(item) for item in items]
    except Exception as exc:
        raise ExtractFailure(f"JSON is not a reviewer form document ({str(exc).splitlines()[0]})") from None


def parse_text(text: str, path: str) -> list[Form]:
    """The forms in a text: read by the layout that claims it, else through its tables."""
    layout, forms = layouts.read_text(text, path)
    if not forms:
        raise ExtractFailure(f"looks like the {layout} layout but no form could be read" if layout
                             else layouts.NOT_FOUND)
    return forms


def parse_workbook(path: Path, label: str) -> list[Form]:
    """The forms on an .xlsx workbook's sheets, read from its cells (merged ranges resolved)."""
    try:
        forms = layouts.forms_from_grids(xlsx_grids(path), label)
    except WorkbookError as exc:
        raise ExtractFailure(str(exc)) from None
    if not forms:
        raise ExtractFailure(layouts.NOT_FOUND)
    return forms


def extract_file(path: Path, label: str | None = None) -> list[Form]:
    """All forms in one file (named `label` in sources). Raises ExtractFailure when there are none."""
    if path.suffix.lower() == ".json":
        return forms_from_json(path)
    if path.suffix.lower() == ".xlsx" and path.exists():
        return parse_workbook(path, label or str(path))
    try:
        text, encoding = document_text(path)
    except OSError as exc:
        raise ExtractFailure(f"cannot read file ({exc.strerror})") from None
    forms = parse_text(text, label or str(path))
    if encoding == "gb18030":
        for form in forms:
            form.warn("source", "file is GBK/GB18030-encoded, not UTF-8; decoded as GB18030")
    return forms


def discover(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files under the given paths, folders walked in sorted order, unknown suffixes skipped."""
    for p in map(Path, paths):
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUFFIXES and not child.name.startswith("."):
                    yield child
        else:
            yield p


def check_complete(form: Form) -> str | None:
    """Why a parsed form is unusable (truncated), or None."""
    if not form.indicators and form.funding.annual_budget is None:
        return "form is truncated: neither a funding table nor an indicator table was found"
    return None


def extract_paths(paths: Iterable[str | Path]) -> Extraction:
    result = Extraction()
    for path in discover(paths):
        if path.suffix.lower() == ".zip":
            _extract_zip(path, result)
            continue
        _collect(path, result)
    return result


def _collect(path: Path, result: Extraction, label: str | None = None) -> None:
    label = label or str(path)
    if not path.exists():
        result.errors.append(ExtractError(path=label, message="no such file or folder"))
        return
    try:
        forms = extract_file(path, label)
    except ExtractFailure as exc:
        result.errors.append(ExtractError(path=label, message=str(exc)))
        return
    for form in forms:
        problem = check_complete(form)
        if problem:
            result.errors.append(ExtractError(path=label, message=f"form #{form.source.index + 1}: {problem}"))
        else:
            result.forms.append(form)


def _extract_zip(path: Path, result: Extraction) -> None:
    import tempfile

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        result.errors.append(ExtractError(path=str(path), message="not a readable zip archive"))
        return
    with archive, tempfile.TemporaryDirectory() as tmp:
        for info in archive.infolist():
            member = Path(info.filename)
            if info.is_dir() or member.suffix.lower() not in SUFFIXES:
                continue
            target = Path(tmp) / member.name
            target.write_bytes(archive.read(info))
            _collect(target, result, label=f"{path}!{info.filename}")
