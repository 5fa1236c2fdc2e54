"""Documents → forms: decode a document, detect its layout, parse its forms.

Reading paths (folders, zips, names, encodings, limits) is `sources`; this module turns
one `Document` into forms. Every failure is an `ExtractFailure` whose message names what
is wrong; callers turn it into one line per file and go on with the others.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from reviewer.domain.model import ExtractError, Extraction, Form, form_from_data
from reviewer.extract import documents, layouts
from reviewer.extract.cleanup import clean_grids
from reviewer.extract.grid import Cell, Grid
from reviewer.extract.sources import (
    DOCUMENT_SUFFIXES,
    SNIFFED_SUFFIXES,
    SUFFIXES,
    TEXT_SUFFIXES,
    Document,
    ExtractFailure,
    decode_text,
    discover,
    iter_documents,
    read_path,
)

__all__ = [
    "SUFFIXES", "TEXT_SUFFIXES", "ExtractFailure", "check_complete", "decode_text", "discover",
    "document_forms", "extract_file", "extract_paths", "forms_from_json", "parse_text", "read_document",
    "xlsx_text",
]


def xlsx_text(source: Path | bytes) -> str:
    """Each sheet as tab-separated rows (to look at a workbook as text; reading goes through the grids)."""
    return "\n\n".join(grid.to_tsv() for grid in documents.xlsx_grids(source))


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


def document_forms(contents: documents.Contents, path: str) -> list[Form]:
    """The forms of a document's tables and paragraphs, read as one sequence by the grid
    reader (a form split over a header table, a funding table and an indicator table is one
    form; its title and "(2023年度)" lines are paragraphs). A document without tables (a PDF
    with no ruled table, a text export saved under a document's name) is read as its text."""
    if contents.grids:
        forms = layouts.forms_from_grids(document_grids(contents), path)
        if forms:
            return forms
    if contents.text.strip():
        return parse_text(contents.text, path)
    raise ExtractFailure(layouts.NOT_FOUND.replace("in this text", "in this document"))


def document_grids(contents: documents.Contents) -> list[Grid]:
    """A document's blocks in reading order as grids: each table, and each paragraph as a
    row of its own (cut at tabs, as a Word paragraph "项目名称\t某项目" is laid out), with the
    text cleaned up at the source as a text's is (traditional script, inserted pinyin)."""
    grids: list[Grid] = []
    lines: list[list[Cell]] = []
    for block in contents.blocks:
        if isinstance(block, Grid):
            if lines:
                grids.append(Grid(lines, origin="paragraphs"))
                lines = []
            grids.append(block)
            continue
        for n, line in enumerate(block.split("\n"), start=1):
            if line.strip():
                lines.append([Cell(part, f"paragraph line {n}") for part in line.split("\t")])
    if lines:
        grids.append(Grid(lines, origin="paragraphs"))
    return clean_grids(grids)


def read_document(doc: Document) -> list[Form]:
    """All forms in one document. Raises ExtractFailure when there are none."""
    if doc.error is not None:
        raise ExtractFailure(doc.error)
    assert doc.data is not None
    if doc.suffix == ".json":
        return forms_from_json(doc.data)
    if doc.suffix in DOCUMENT_SUFFIXES or doc.suffix in SNIFFED_SUFFIXES:
        return document_forms(documents.read_document(doc.data, doc.suffix), doc.label)
    decoded = decode_text(doc.data)
    forms = (_csv_forms(decoded.text, doc.label) if doc.suffix == ".csv" else None) or parse_text(decoded.text, doc.label)
    for form in forms:
        for note in decoded.notes:
            form.warn("source", note)
    return forms


def _csv_forms(text: str, label: str) -> list[Form] | None:
    """The forms of a comma-separated sheet, read by position as a workbook's sheet is; None
    when the text is not one or the grid reader finds no form in it (then it is read as text)."""
    grid = documents.csv_grid(text)
    return layouts.forms_from_grids(clean_grids([grid]), label) if grid is not None else None


def extract_file(path: Path, label: str | None = None) -> list[Form]:
    """All forms in one file (named `label` in sources). Raises ExtractFailure when there are none."""
    doc = read_path(Path(path))
    if label is not None:
        doc.label = label
    return read_document(doc)


def check_complete(form: Form) -> str | None:
    """Why a parsed form is unusable, or None. A form is read when anything of it beyond its
    header is there (an excerpt, a department form with funding and goals but no indicator
    rows, a damaged form with its legible part); only a header with nothing after it is a
    truncated form."""
    funding = form.funding
    has_funding = bool(funding.rows) or any(
        v is not None for v in (funding.initial_budget, funding.annual_budget, funding.executed, funding.score))
    has_goal = bool(form.goal.planned or form.goal.actual)
    if form.indicators or form.performance_targets or has_funding or has_goal or form.total_score is not None:
        return None
    left_out = [w.message for w in form.warnings if w.field == "indicators" and
                any(said in w.message for said in ("not read as a row", "set aside", "none of its rows is read"))]
    if left_out:  # a table was found, but none of its rows could be read with confidence: say why
        return (f"form is truncated: only its header was found ({_header_found(form)}); its indicator table's "
                f"rows were left out ({len(left_out)} warnings; the last: {left_out[-1][:160]})")
    return (f"form is truncated: only its header was found ({_header_found(form)}); no funding table, "
            "年度总体目标 or indicator table after it")


def _header_found(form: Form) -> str:
    """What the header names, so that a reviewer can find the form: 项目名称, year, unit."""
    def quoted(text: str) -> str:
        text = " ".join(text.split())
        return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"
    found = [f"项目名称 {quoted(form.name)}" if form.name else "no 项目名称",
             f"{form.year}年度" if form.year else "no year"]
    if form.unit:
        found.append(f"实施单位 {quoted(form.unit)}")
    elif form.department:
        found.append(f"主管部门 {quoted(form.department)}")
    else:
        found.append("no unit")
    return ", ".join(found)


# A second reading of a document: given the readers' forms and why it was rejected (None
# when it was not), the forms to keep and the rejection that stands (reviewer.drafting.model_read).
Reread = Callable[[Document, list[Form], str | None], tuple[list[Form], str | None]]


def extract_paths(paths: Iterable[str | Path], reread: Reread | None = None) -> Extraction:
    result = Extraction()
    for doc in iter_documents(paths):
        forms: list[Form] = []
        failure: str | None = None
        try:
            forms = read_document(doc)
        except ExtractFailure as exc:
            failure = str(exc)
        if reread is not None:
            forms, failure = reread(doc, forms, failure)
        if failure is not None:
            result.errors.append(ExtractError(path=doc.label, message=failure))
            continue
        for form in forms:
            problem = check_complete(form)
            if problem:
                result.errors.append(ExtractError(path=doc.label, message=f"form #{form.source.index + 1}: {problem}"))
            else:
                result.forms.append(form)
    return result
