"""`--llm` for reading: a language model places the cells of what no grid can read.

extract_paths asks `ModelReader` for a second reading of every document (the hook
reviewer.extract.files.Reread). A document the readers reject, or read with cells they
could not place (numbers written together), is sent with its text to the model through
reviewer.llm.Client (settings, cache, call log, transport retries, bounded re-asks);
the reply is placed, checked and assembled by reviewer.extract.model_cells, which keeps
only values written in the text whose arithmetic holds. The model's reading replaces the
readers' only when it finds more; either way the file never fails because of the model.

Without a model configured nothing changes: the documents a model could read are counted
for a one-line hint.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from reviewer.config import Settings
from reviewer.domain.model import Extraction, Form
from reviewer.drafting.prompts import combined_hash, render_template, template_hashes
from reviewer.extract import check_complete, extract_paths
from reviewer.extract.model_cells import (
    MAX_TEXT_CHARS, ModelReading, SourceText, document_text, filled, model_forms, needs_model, reply_problems,
)
from reviewer.extract.sources import Document
from reviewer.llm import Client, strip_code_fence

log = logging.getLogger("reviewer.drafting.model_read")

PROMPT_VERSION = "model-read-1"
TEMPLATE = "model_read.j2"
HINT_REJECTED = "with --llm and a configured language model, a model may read it"
HINT = ("with --llm and a configured language model (REVIEWER_BASE_URL, REVIEWER_MODEL), a model may place "
        "their cells; every value it gives is checked against the text")


def prompt_version() -> str:
    """The version the call is logged and cached under: the constant and the template's hash."""
    return f"{PROMPT_VERSION}+{combined_hash(template_hashes(names=[TEMPLATE]))[:12]}"


def read_messages(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": render_template(TEMPLATE, part="system").strip()},
            {"role": "user", "content": render_template(TEMPLATE, part="user", text=text).strip()}]


class ModelReader:
    """The second reading of extract_paths: the model's, for the documents that need one.

    client None (or unconfigured): no call; a rejected document's message says a model may
    read it, and `candidates` lists the documents read with cells a model could place.
    `notes` are the lines a command prints on stderr (per file, what the model did)."""

    def __init__(self, client: Client | None = None) -> None:
        self.client = client if client is not None and client.configured else None
        self.candidates: list[str] = []
        self.notes: list[str] = []

    def __call__(self, doc: Document, forms: list[Form], failure: str | None) -> tuple[list[Form], str | None]:
        try:
            return self._reread(doc, forms, failure)
        except Exception as exc:  # a bug here must cost the model's reading, never the file
            log.debug("%s: model-read failed", doc.label, exc_info=True)
            return self._unchanged(doc, forms, failure, f"model-read failed: {type(exc).__name__}: {exc}")

    def _reread(self, doc: Document, forms: list[Form], failure: str | None) -> tuple[list[Form], str | None]:
        reason = needs_model(forms, failure)
        text = document_text(doc) if reason is not None else None
        if reason is None or text is None:
            return forms, failure
        if self.client is None:
            if failure is not None:  # said on the file's own line
                return forms, f"{failure}; {HINT_REJECTED}"
            self.candidates.append(doc.label)
            return forms, failure
        if len(text) > MAX_TEXT_CHARS:
            return self._unchanged(doc, forms, failure, f"not sent to the language model: {len(text)} characters, "
                                                        f"more than {MAX_TEXT_CHARS} (a file of many forms)")
        source = SourceText(text)
        result = self.client.complete_structured_sync(
            read_messages(source.text), ModelReading, prompt_version=prompt_version(),
            validate=lambda reading: reply_problems(reading, source, doc.label),
        )
        reading = result.parsed if result.parsed is not None else _last_reply(result.content)
        if reading is None:
            return self._unchanged(doc, forms, failure,
                                   f"the language model could not read it: {result.reason or result.outcome}")
        notice = (f"model-read: {reason}; a language model ({self.client.settings.model}) placed the cells of this "
                  "form. Every value is a span of the text and its arithmetic is checked; values that failed are "
                  "dropped (the model-read warnings below)")
        read = model_forms(reading, source, doc.label, notice)
        headers_only = [f for f in read if check_complete(f)]
        if headers_only:  # a form the model named but whose cells did not hold: not a form read
            read = [f for f in read if f not in headers_only]
            self.notes.append(f"{doc.label}: {len(headers_only)} of the language model's forms had nothing beyond "
                              "a header that the text bears out; not kept")
        if filled(read) <= filled(forms):
            found = "no form" if not read else f"{filled(read)} values against the readers' {filled(forms)}"
            return self._unchanged(doc, forms, failure, f"the language model's reading found no more ({found}); "
                                                        "the readers' reading is kept")
        self.notes.append(f"{doc.label}: read by the language model ({len(read)} form{'s' * (len(read) != 1)}: "
                          f"{reason})")
        return read, None

    def _unchanged(self, doc: Document, forms: list[Form], failure: str | None,
                   why: str) -> tuple[list[Form], str | None]:
        self.notes.append(f"{doc.label}: {why}")
        for form in forms:
            form.warn("source", f"--llm: {why}")
        return forms, (f"{failure}; {why}" if failure is not None else None)

    def hint(self) -> list[str]:
        """The stderr line for documents a model could have read, when none was asked."""
        if not self.candidates or self.client is not None:
            return []
        n = len(self.candidates)
        shown = ", ".join(self.candidates[:3]) + (" …" if n > 3 else "")
        return [f"{n} file{'s' * (n != 1)} read with cells not placed ({shown}): {HINT}"]


def _last_reply(content: str) -> ModelReading | None:
    """The last reply of a call that stayed invalid: its values that hold are still used."""
    if not content:
        return None
    try:
        return ModelReading.model_validate_json(strip_code_fence(content))
    except ValidationError:
        return None


def extract_with_model(paths: Iterable[str | Path], settings: Settings | None) -> tuple[Extraction, list[str]]:
    """extract_paths with the model's second reading when `settings` name a model, and the
    lines to print on stderr (what the model did, or the hint that it could)."""
    if settings is None or not settings.configured:
        reader = ModelReader()
        return extract_paths(paths, reader), reader.hint()
    with Client(settings) as client:
        reader = ModelReader(client)
        extraction = extract_paths(paths, reader)
    return extraction, reader.notes
