"""`--llm` for reading: a language model places the cells of what no grid can read.

extract_paths asks `ModelReader` for a second reading of every document (the hook
reviewer.extract.files.Reread). A document the readers reject, or read with cells they
could not place (numbers written together), is sent with its text to the model through
reviewer.llm.Client (settings, cache, call log, transport retries, bounded re-asks);
the reply is placed, checked and assembled by reviewer.extract.model_cells, which keeps
only values written in the text whose arithmetic holds. The model's reading replaces the
readers' only when it finds more; either way the file never fails because of the model.
`reviewer batch` awaits the same reading (`read_async`) in its event loop, and keeps a file's
reading unless its `Reading.outcome` is FAILED (asked again by the next run).

Without a model configured nothing changes: the documents a model could read are counted
for a one-line hint.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

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


class Outcome(str, Enum):
    """What a second reading did. FAILED (no usable reply: transport error, a reply that
    never parsed, a bug) is the only one a later run should try again; every other is final."""

    NOT_NEEDED = "not needed"  # the readers placed every cell, or there is no text to send
    NOT_ASKED = "not asked"  # no model configured: the hint
    NOT_SENT = "not sent"  # too long for one call
    KEPT = "kept"  # the model answered and found no more: the readers' reading stands
    READ = "read"  # the model's reading replaces the readers'
    FAILED = "failed"


@dataclass
class Reading:
    """A document's forms after the second reading, the rejection that stands, and what it did."""

    forms: list[Form]
    failure: str | None
    outcome: Outcome

    @property
    def model_read(self) -> bool:
        return self.outcome is Outcome.READ

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAILED


@dataclass
class _Request:
    """A document to send: its text, why, and the messages."""

    doc: Document
    forms: list[Form]
    failure: str | None
    reason: str
    source: SourceText

    def messages(self) -> list[dict[str, str]]:
        return read_messages(self.source.text)

    def validate(self, reading: ModelReading) -> list[str]:
        return reply_problems(reading, self.source, self.doc.label)


class ModelReader:
    """The second reading of extract_paths: the model's, for the documents that need one.

    client None (or unconfigured): no call; a rejected document's message says a model may
    read it, and `candidates` lists the documents read with cells a model could place.
    `notes` are the lines a command prints on stderr (per file, what the model did).
    Called as extract_paths' Reread (synchronous); `read_async` is the same reading for
    code in an event loop (reviewer batch), through the client's async call."""

    def __init__(self, client: Client | None = None) -> None:
        self.client = client if client is not None and client.configured else None
        self.candidates: list[str] = []
        self.notes: list[str] = []

    def __call__(self, doc: Document, forms: list[Form], failure: str | None) -> tuple[list[Form], str | None]:
        reading = self.read(doc, forms, failure)
        return reading.forms, reading.failure

    def read(self, doc: Document, forms: list[Form], failure: str | None) -> Reading:
        try:
            request = self._request(doc, forms, failure)
            if isinstance(request, Reading):
                return request
            assert self.client is not None
            return self._placed(request, self.client.complete_structured_sync(
                request.messages(), ModelReading, prompt_version=prompt_version(), validate=request.validate))
        except Exception as exc:  # a bug here must cost the model's reading, never the file
            return self._bug(doc, forms, failure, exc)

    async def read_async(self, doc: Document, forms: list[Form], failure: str | None) -> Reading:
        try:
            request = self._request(doc, forms, failure)
            if isinstance(request, Reading):
                return request
            assert self.client is not None
            return self._placed(request, await self.client.complete_structured(
                request.messages(), ModelReading, prompt_version=prompt_version(), validate=request.validate))
        except Exception as exc:  # noqa: BLE001 - as in read
            return self._bug(doc, forms, failure, exc)

    def _bug(self, doc: Document, forms: list[Form], failure: str | None, exc: Exception) -> Reading:
        log.debug("%s: model-read failed", doc.label, exc_info=True)
        return self._unchanged(doc, forms, failure, f"model-read failed: {type(exc).__name__}: {exc}", Outcome.FAILED)

    def _request(self, doc: Document, forms: list[Form], failure: str | None) -> _Request | Reading:
        """What to send, or the reading at once when nothing is sent."""
        reason = needs_model(forms, failure)
        text = document_text(doc) if reason is not None else None
        if reason is None or text is None:
            return Reading(forms, failure, Outcome.NOT_NEEDED)
        if self.client is None:
            if failure is not None:  # said on the file's own line
                return Reading(forms, f"{failure}; {HINT_REJECTED}", Outcome.NOT_ASKED)
            self.candidates.append(doc.label)
            return Reading(forms, failure, Outcome.NOT_ASKED)
        if len(text) > MAX_TEXT_CHARS:
            return self._unchanged(doc, forms, failure, f"not sent to the language model: {len(text)} characters, "
                                                        f"more than {MAX_TEXT_CHARS} (a file of many forms)",
                                   Outcome.NOT_SENT)
        return _Request(doc, forms, failure, reason, SourceText(text))

    def _placed(self, request: _Request, result: Any) -> Reading:
        """The reply placed, checked and assembled; kept when it finds more than the readers."""
        assert self.client is not None
        doc, forms, failure, reason, source = request.doc, request.forms, request.failure, request.reason, request.source
        reading = result.parsed if result.parsed is not None else _last_reply(result.content)
        if reading is None:
            return self._unchanged(doc, forms, failure,
                                   f"the language model could not read it: {result.reason or result.outcome}",
                                   Outcome.FAILED)
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
                                                        "the readers' reading is kept", Outcome.KEPT)
        self.notes.append(f"{doc.label}: read by the language model ({len(read)} form{'s' * (len(read) != 1)}: "
                          f"{reason})")
        return Reading(read, None, Outcome.READ)

    def _unchanged(self, doc: Document, forms: list[Form], failure: str | None, why: str,
                   outcome: Outcome) -> Reading:
        self.notes.append(f"{doc.label}: {why}")
        for form in forms:
            form.warn("source", f"--llm: {why}")
        return Reading(forms, f"{failure}; {why}" if failure is not None else None, outcome)

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
