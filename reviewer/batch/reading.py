"""Which forms of each document a run reviews.

Discovery is reviewer.extract.sources: one policy for folders, zips, names and encodings.
Here: a document's content hash, the run state's record of what the file held (a file
whose forms are all committed is not even read again), and its extraction into complete
forms and the problems of the others.

With --llm, a document the readers reject or read with cells not placed is read again by
the model (reviewer.drafting.model_read, through the run's client: cache, call log, the
run's concurrency), awaited in the event loop. The model's forms are another reading of the
same bytes: their record and results are keyed by the file's model-read hash, so they never
take the place of the readers' results of a run where the model failed. A reading whose call
failed is not recorded: the next run asks again (the readers' forms, reviewed meanwhile,
are reused if it fails again).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from typing import NamedTuple

from reviewer.batch.fingerprint import content_hash, result_key
from reviewer.batch.jobs import FileWork, FormItem, ToDo
from reviewer.batch.signals import Stop
from reviewer.batch.state import RunState
from reviewer.batch.work import Engine, Usage, current_usage, header_row
from reviewer.domain.model import Form
from reviewer.drafting.model_read import ModelReader
from reviewer.extract import ExtractFailure, check_complete
from reviewer.extract.files import read_document
from reviewer.extract.model_cells import document_text, needs_model
from reviewer.extract.sources import Document, iter_documents

INTERNAL = "could not be read (internal error"
FileRecord = tuple  # (error or None, indexes of the complete forms, [[index, problem]])


def extract_forms(doc: Document) -> tuple[list[Form], list[list], str | None]:
    """(complete forms, [[index, problem]] of the others, error of the whole file)."""
    forms, error = read_forms(doc)
    return (*complete_forms(forms), error)


def read_forms(doc: Document) -> tuple[list[Form], str | None]:
    """Every form the readers find (complete or not), or the error of the whole file."""
    try:
        return read_document(doc), None
    except ExtractFailure as exc:
        return [], str(exc)
    except Exception as exc:  # noqa: BLE001 - a layout bug must not stop the batch
        return [], f"{INTERNAL} {type(exc).__name__}: {exc})"


def complete_forms(forms: list[Form]) -> tuple[list[Form], list[list]]:
    """(complete forms, [[index, problem]] of the others)."""
    complete, problems = [], []
    seen: set[int] = set()
    for n, form in enumerate(forms):
        if form.source.index in seen:  # JSON documents may repeat indexes; number them by position
            form.source.index = n
        seen.add(form.source.index)
        problem = check_complete(form)
        if problem:
            problems.append([form.source.index, problem])
        else:
            complete.append(form)
    return complete, problems


def wants_model(doc: Document, forms: list[Form], error: str | None) -> bool:
    """Whether the model is to read this document: rejected or read with cells not placed,
    with a text to send (never a file whose reading hit a bug: that is for the code to fix)."""
    return (remembered(error) and needs_model(forms, error) is not None
            and document_text(doc) is not None)  # fmt: skip


def model_read_hash(digest: str) -> str:
    """The hash a model-read file's record and results are keyed by (not its bytes' hash):
    the model's forms are another reading of those bytes than the readers'."""
    return hashlib.sha256(f"model-read:{digest}".encode()).hexdigest()


def remembered(error: str | None) -> bool:
    """Whether what a file holds is recorded: not when reading it hit a bug (it may be fixed)."""
    return error is None or not error.startswith(INTERNAL)


class FileForms(NamedTuple):
    doc: Document
    content_hash: str
    forms: list[tuple[int, Form | None]]  # (index, form), the form None when its result is committed
    problems: list[list]
    error: str | None


class Reader:
    """The run's documents against its state: what is committed, what is to be reviewed.
    With `model` (a ModelReader with a client), documents that need it are read by the model."""

    def __init__(self, inputs: Sequence[str], state: RunState, config_hash: str, *,
                 model: ModelReader | None = None, say: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.inputs = inputs
        self.state = state
        self.config_hash = config_hash
        self.model = model if model is not None and model.client is not None else None
        self.say = say or (lambda _line: None)
        self.model_usage = Usage()  # the model-read calls (no form's: the forms come from them)
        self.model_failed: set[str] = set()  # files whose model reading failed in this run (tried again next run)

    def documents(self):
        return iter_documents(self.inputs)

    def key(self, content_hash: str, index: int) -> str:
        return result_key(content_hash, index, self.config_hash)

    def look_up(self, doc: Document) -> tuple[str, FileRecord | None, bool]:
        """(the hash its results are keyed by, the file's record or None, whether its forms are
        all committed). With a model, a file not recorded as the readers read it may be
        recorded as the model read it, under its model-read hash."""
        digest = content_hash(doc.data)
        record = self.state.file_record(digest, self.config_hash)
        if record is None and self.model is not None:
            model_digest = model_read_hash(digest)
            record = self.state.file_record(model_digest, self.config_hash)
            if record is not None:
                digest = model_digest
        if record is None:
            return digest, None, False
        error, indexes, _ = record
        keys = [self.key(digest, i) for i in indexes]
        return digest, record, error is not None or len(self.state.done_keys(keys)) == len(keys)

    def done_indexes(self, digest: str, record: FileRecord | None) -> list[int]:
        return [] if record is None else sorted(i for i in record[1] if self.state.is_done(self.key(digest, i)))

    def remember(self, digest: str, error: str | None, indexes: list[int], problems: list[list]) -> None:
        if remembered(error):
            self.state.put_file(digest, self.config_hash, error, indexes, problems)

    async def walk(self, stopped: Callable[[], bool]) -> AsyncIterator[FileForms]:
        """Every document, read here; Stop when `stopped()` before the next one."""
        for doc in self.documents():
            await asyncio.sleep(0)  # let signals and finished model calls through
            if stopped():
                raise Stop
            if doc.error is not None:
                yield FileForms(doc, "", [], [], doc.error)
                continue
            yield await self.read(doc)

    async def read(self, doc: Document) -> FileForms:
        """One document against the state: its record when its forms are all committed, else
        its forms as read now (by the model too, when it needs one), recorded."""
        digest, record, all_done = self.look_up(doc)
        if all_done:
            error, indexes, problems = record  # type: ignore[misc]
            return FileForms(doc, digest, [(i, None) for i in indexes], problems, error)
        if self.model is None:
            forms, problems, error = extract_forms(doc)
            self.remember(digest, error, [f.source.index for f in forms], problems)
            return FileForms(doc, digest, [(f.source.index, f) for f in forms], problems, error)
        return await self._read_with_model(doc, content_hash(doc.data))

    async def _read_with_model(self, doc: Document, digest: str) -> FileForms:
        assert self.model is not None
        forms, error = read_forms(doc)
        if wants_model(doc, forms, error):
            usage = Usage()
            token = current_usage.set(usage)  # the run's client counts the call here
            try:
                reading = await self.model.read_async(doc, forms, error)
            finally:
                current_usage.reset(token)
            self.model_usage.add(usage)
            for note in self.model.notes:
                self.say(f"reviewer: {note}")
            self.model.notes.clear()
            forms, error = reading.forms, reading.failure
            if reading.model_read:
                digest = model_read_hash(digest)
            elif reading.failed:
                self.model_failed.add(doc.label)
        else:
            reading = None
        complete, problems = complete_forms(forms)
        if reading is None or not reading.failed:  # a failed call is asked again by the next run
            self.remember(digest, error, [f.source.index for f in complete], problems)
        return FileForms(doc, digest, [(f.source.index, f) for f in complete], problems, error)

    async def pending(self, stopped: Callable[[], bool]) -> AsyncIterator[tuple[str, Form]]:
        """(result key, form) of every form to review (for the Batch API's recording pass)."""
        async for file in self.walk(stopped):
            for index, form in file.forms:
                key = self.key(file.content_hash, index)
                if form is not None and not self.state.is_done(key):
                    yield key, form

    async def files(self, engine: Engine, stopped: Callable[[], bool]) -> AsyncIterator[FileWork]:
        """The runner's source without worker processes: every form to review is a ToDo here."""
        async for file in self.walk(stopped):
            yield work_of(file, engine)

    async def file_work(self, doc: Document, engine: Engine) -> FileWork:
        """One document read here and its forms to review here (a worker's file for the model)."""
        return work_of(await self.read(doc), engine)


def work_of(file: FileForms, engine: Engine) -> FileWork:
    items = [FormItem(i, None, None) if form is None else FormItem(i, header_row(form), ToDo(partial(engine.review, form)))
             for i, form in file.forms]  # fmt: skip
    return FileWork(file.doc.label, file.content_hash, items, file.problems, file.error)
