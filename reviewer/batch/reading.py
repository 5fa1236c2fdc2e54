"""Which forms of each document a run reviews.

Discovery is reviewer.extract.sources: one policy for folders, zips, names and encodings.
Here: a document's content hash, the run state's record of what the file held (a file
whose forms are all committed is not even read again), and its extraction into complete
forms and the problems of the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from typing import NamedTuple

from reviewer.batch.fingerprint import content_hash, result_key
from reviewer.batch.jobs import FileWork, FormItem, ToDo
from reviewer.batch.signals import Stop
from reviewer.batch.state import RunState
from reviewer.batch.work import Engine, header_row
from reviewer.domain.model import Form
from reviewer.extract import ExtractFailure, check_complete
from reviewer.extract.files import read_document
from reviewer.extract.sources import Document, iter_documents

INTERNAL = "could not be read (internal error"
FileRecord = tuple  # (error or None, indexes of the complete forms, [[index, problem]])


def extract_forms(doc: Document) -> tuple[list[Form], list[list], str | None]:
    """(complete forms, [[index, problem]] of the others, error of the whole file)."""
    try:
        forms = read_document(doc)
    except ExtractFailure as exc:
        return [], [], str(exc)
    except Exception as exc:  # noqa: BLE001 - a layout bug must not stop the batch
        return [], [], f"{INTERNAL} {type(exc).__name__}: {exc})"
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
    return complete, problems, None


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
    """The run's documents against its state: what is committed, what is to be reviewed."""

    def __init__(self, inputs: Sequence[str], state: RunState, config_hash: str) -> None:
        self.inputs = inputs
        self.state = state
        self.config_hash = config_hash

    def documents(self):
        return iter_documents(self.inputs)

    def key(self, content_hash: str, index: int) -> str:
        return result_key(content_hash, index, self.config_hash)

    def look_up(self, doc: Document) -> tuple[str, FileRecord | None, bool]:
        """(content hash, the file's record or None, whether its forms are all committed)."""
        digest = content_hash(doc.data)
        record = self.state.file_record(digest, self.config_hash)
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
            digest, record, all_done = self.look_up(doc)
            if all_done:
                error, indexes, problems = record  # type: ignore[misc]
                yield FileForms(doc, digest, [(i, None) for i in indexes], problems, error)
                continue
            forms, problems, error = extract_forms(doc)
            self.remember(digest, error, [f.source.index for f in forms], problems)
            yield FileForms(doc, digest, [(f.source.index, f) for f in forms], problems, error)

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
            items = [FormItem(i, None, None) if form is None else FormItem(i, header_row(form), ToDo(partial(engine.review, form)))
                     for i, form in file.forms]  # fmt: skip
            yield FileWork(file.doc.label, file.content_hash, items, file.problems, file.error)
