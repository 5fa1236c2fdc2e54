"""Worker processes: extraction, checks, drafting and rendering, a file per task.

Files are submitted in discovery order, a few per worker ahead, and their results taken
in the same order, so names and commits stay in discovery order whatever finishes first.
A file on disk is read again in the worker (no bytes through the pipe); a zip member is
sent as bytes. With a model, a worker prepares each form for its call and the event loop
makes the call (reviewer.batch.model). A document the model is to read (--llm: rejected, or
cells not placed) is handed back by its worker and read in the event loop as soon as it is
(Reader.read, the run's client: several at once, within --concurrency), its forms reviewed
there. Workers ignore Ctrl-C (the main process finishes what is in flight) and die with the
main process, however it ends.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from reviewer.batch.jobs import Done, FileWork, FormItem, PackedOutcome, ToDo, compact, internal_error
from reviewer.batch.model import Failure, ModelJob, ask, finish_form, prepare
from reviewer.batch.reading import Reader, complete_forms, read_forms, wants_model
from reviewer.batch.signals import Stop
from reviewer.batch.work import Engine, FormOutcome, header_row
from reviewer.domain.model import Form
from reviewer.extract.sources import Document, read_path

MAX_WORKERS = 32
AHEAD_PER_WORKER = 3  # files submitted and not yet taken, per worker


def worker_count(requested: int | None, files: int) -> int:
    """Worker processes for a run (1: none, the work is done in the event loop's process):
    one per CPU unless asked, none for a handful of files (starting them costs more than it saves)."""
    if requested is None and files < 16:
        return 1
    wanted = requested if requested is not None else (os.cpu_count() or 1)
    return max(1, min(wanted, MAX_WORKERS))


class WorkerPool:
    def __init__(self, workers: int, *, policy: Path | None, client: Any) -> None:
        self.workers = workers
        self.policy = str(policy) if policy else None
        self.client = client
        self.model = client is not None and bool(getattr(client, "configured", False))
        self._engine: Engine | None = None
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                         initializer=_ignore_sigint, initargs=(self.model,))  # fmt: skip

    async def start(self) -> None:
        """Start every worker now, before any writer thread exists (fork copies only this thread)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool, _warm_up) for _ in range(self.workers)))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    async def finish(self, state: bytes, result: Any, failure: Failure | None) -> PackedOutcome:
        return await asyncio.get_running_loop().run_in_executor(self._pool, finish_form, state, result, failure)

    async def files(self, reader: Reader, stopped: Callable[[], bool], engine: Engine | None = None,
                    ) -> AsyncIterator[FileWork]:  # fmt: skip
        """Every document's forms, reviewed (or prepared for their calls) by the workers.
        When `stopped()`: without a model, what the workers are doing is still given (a few
        files per worker); with one, Stop at once (no new call is made). `engine` reviews
        the forms of documents read by the model (here, in the event loop)."""
        self._engine = engine
        queue: deque[tuple[str, str, Any]] = deque()  # (label, content hash, file record or worker future)
        try:
            for doc in reader.documents():
                await asyncio.sleep(0)
                if stopped():
                    if self.model:
                        raise Stop
                    break
                queue.append(self._submit(reader, doc))
                while len(queue) > AHEAD_PER_WORKER * self.workers:
                    yield await self._take(queue, reader)
            while queue:
                yield await self._take(queue, reader)
        finally:
            for *_, item in queue:
                if isinstance(item, asyncio.Future):
                    item.cancel()

    def _submit(self, reader: Reader, doc: Document) -> tuple[str, str, Any]:
        if doc.error is not None:
            return doc.label, "", (doc.error, [], [])
        digest, record, all_done = reader.look_up(doc)
        if all_done:  # nothing to compute
            return doc.label, digest, record
        model_read = reader.model is not None
        future = asyncio.get_running_loop().run_in_executor(
            self._pool, review_document, doc.label, doc.path, None if doc.path else doc.data, doc.suffix,
            reader.done_indexes(digest, record), self.policy, self.model, model_read,
        )  # fmt: skip
        if model_read:  # read by the model as soon as its worker says so: files ahead are read at once
            future = asyncio.ensure_future(self._read_if_asked(future, reader, doc))
        return doc.label, digest, future

    async def _read_if_asked(self, future: asyncio.Future, reader: Reader, doc: Document) -> Any:
        """The worker's result, or, for a document it hands back, the model's reading of it
        here (with the run's client) and its forms to review here."""
        result = await future
        if result[1] is not None:
            return result
        assert self._engine is not None
        return await reader.file_work(doc, self._engine)

    async def _take(self, queue: deque, reader: Reader) -> FileWork:
        label, digest, item = queue[0]
        if isinstance(item, tuple):  # a file whose forms are all done, or that could not be read
            queue.popleft()
            error, indexes, problems = item
            return FileWork(label, digest, [FormItem(i, None, None) for i in indexes], problems, error)
        result = await item
        queue.popleft()
        if isinstance(result, FileWork):  # read by the model
            return result
        error, items, problems = result
        reader.remember(digest, error, [i for i, *_ in items], problems)
        return FileWork(label, digest, [FormItem(i, header, self._todo(work)) for i, header, work in items], problems, error)

    def _todo(self, work: Done | ModelJob | None) -> Done | ToDo | None:
        """A prepared form's call is made here, in the event loop, and finished in a worker."""
        return ToDo(partial(ask, self.client, work, self.finish)) if isinstance(work, ModelJob) else work


# --- in the worker processes ------------------------------------------------------------

_ENGINES: dict[str | None, Engine] = {}


def review_document(
    label: str, path: Path | None, data: bytes | None, suffix: str, done: list[int], policy: str | None, model: bool,
    model_read: bool = False,
) -> tuple[str | None, list[tuple[int, dict[str, Any], Done | ModelJob | None]] | None, list[list]]:
    """One document's forms, reviewed (those not in `done`, which are None); with a model,
    prepared for their calls (ModelJob) unless drafted from templates at once.
    Returns (file error, [(index, header, work)], problems); the items are None when
    `model_read` and the model is to read the document (in the main process)."""
    engine = _ENGINES.get(policy)
    if engine is None:
        engine = _ENGINES[policy] = Engine(policy)
    doc = read_path(path) if path is not None else Document(label, suffix, data)
    doc.label = label
    forms, error = read_forms(doc)
    if model_read and wants_model(doc, forms, error):
        return error, None, []
    forms, problems = complete_forms(forms)
    items: list[tuple[int, dict[str, Any], Done | ModelJob | None]] = []
    for form in forms:
        index = form.source.index
        work: Done | ModelJob | None = None
        if index not in done:
            try:
                work = prepare(engine, form) if model else compact(_review_sync(engine, form))
            except Exception as exc:  # noqa: BLE001 - one broken form must not stop the batch
                work = Done(None, internal_error(exc))
            if isinstance(work, PackedOutcome):
                work = Done(work)
        items.append((index, header_row(form), work))
    return error, items, problems


def _review_sync(engine: Engine, form: Form) -> FormOutcome:
    """Engine.review without an event loop: with no client it never waits on anything."""
    coro = engine.review(form)
    try:
        coro.send(None)
    except StopIteration as finished:
        return finished.value
    coro.close()
    raise RuntimeError("the review waited on something without a model client")


def _warm_up() -> None:
    return None


def _ignore_sigint(model: bool = False) -> None:
    """Workers leave Ctrl-C to the main process, which finishes what is in flight, and
    die with it: a main process killed outright (SIGKILL) must not leave them behind.
    With a model they yield the CPU to the main process, whose event loop makes the calls."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    if model:
        try:
            os.nice(5)
        except (OSError, AttributeError):
            pass


def _exit_with_parent() -> None:
    parent = os.getppid()
    try:  # Linux: the kernel signals us when the parent dies
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # it died before prctl took effect
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # elsewhere: poll for the parent
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
