"""Documents → forms: decode a document, detect its layout, parse its forms.

Reading paths (folders, zips, names, encodings, limits) is `sources`; this module turns
one `Document` into forms. Every failure is an `ExtractFailure` whose message names what
is wrong; callers turn it into one line per file and go on with the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from reviewer.domain.model import ExtractError, Extraction, Form, form_from_data
from reviewer.extract import documents, layouts
from reviewer.extract.sources import (
    DOCUMENT_SUFFIXES,
    SNIFFED_SUFFIXES,
    SUFFIXES,
    TEXT_SUFFIXES,
    Decoded,
    Document,
    ExtractFailure,
    decode_text,
    discover,
    iter_documents,
    read_path,
)

__all__ = [
    "SUFFIXES", "TEXT_SUFFIXES", "ExtractFailure", "check_complete", "decode_text", "discover",
    "document_text", "extract_file", "extract_paths", "forms_from_json", "parse_text", "read_document",
    "xlsx_text",
]


def xlsx_text(source: Path | bytes) -> str:
    """Each sheet as tab-separated rows, so the tabular layout parses it like a table export."""
    return "\n\n".join(grid.to_tsv() for grid in documents.xlsx_grids(source))


def document_text(doc: Document) -> Decoded:
    """The text of a document: decoded text, or a document's paragraphs and tables (as
    tab-separated rows) in reading order."""
    assert doc.data is not None
    if doc.suffix in DOCUMENT_SUFFIXES or doc.suffix in SNIFFED_SUFFIXES:
        contents = documents.read_document(doc.data, doc.suffix)
        return Decoded(contents.to_tsv(), contents.kind)
    return decode_text(doc.data)


def forms_from_json(data: bytes) -> list[Form]:
    """Re-read forms saved by `reviewer extract --format json` (or a single form)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ExtractFailure("not valid JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ExtractFailure(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise ExtractFailure("not a reviewer form document (JSON nested too deeply)") from None
    items = doc.get("forms", [doc]) if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ExtractFailure("JSON is not a reviewer form document (no list of forms)")
    try:
        return [form_from_data(item) for item in items]
    except RecursionError:
        raise ExtractFailure("not a reviewer form document (JSON nested too deeply)") from None
    except Exception as exc:
        raise ExtractFailure(f"JSON is not a reviewer form document ({str(exc).splitlines()[0]})") from None


def parse_text(text: str, path: str) -> list[Form]:
    """The forms in a text: read by the layout that claims it, else through its tables."""
    layout, forms = layouts.read_text(text, path)  # assembled: every number one a form can hold
    if not forms:
        raise ExtractFailure(f"looks like the {layout} layout but no form could be read" if layout
                             else layouts.NOT_FOUND)
    return forms


def read_document(doc: Document) -> list[Form]:
    """All forms in one document. Raises ExtractFailure when there are none."""
    if doc.error is not None:
        raise ExtractFailure(doc.error)
    assert doc.data is not None
    if doc.suffix == ".json":
        return forms_from_json(doc.data)
    decoded = document_text(doc)
    forms = parse_text(decoded.text, doc.label)
    for form in forms:
        for note in decoded.notes:
            form.warn("source", note)
    return forms


def extract_file(path: Path, label: str | None = None) -> list[Form]:
    """All forms in one file (named `label` in sources). Raises ExtractFailure when there are none."""
    doc = read_path(Path(path))
    if label is not None:
        doc.label = label
    return read_document(doc)


def check_complete(form: Form) -> str | None:
    """Why a parsed form is unusable (truncated), or None."""
    if not form.indicators and form.funding.annual_budget is None:
        return "form is truncated: neither a funding table nor an indicator table was found"
    return None


def extract_paths(paths: Iterable[str | Path]) -> Extraction:
    result = Extraction()
    for doc in iter_documents(paths):
        try:
            forms = read_document(doc)
        except ExtractFailure as exc:
            result.errors.append(ExtractError(path=doc.label, message=str(exc)))
            continue
        for form in forms:
            problem = check_complete(form)
            if problem:
                result.errors.append(ExtractError(path=doc.label, message=f"form #{form.source.index + 1}: {problem}"))
            else:
                result.forms.append(form)
    return result
