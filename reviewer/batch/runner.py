"""`reviewer batch`: review a year's submissions, resumably, into a folder of outputs.

Flow: discover the input files (folders walked in sorted order, zips opened), hash each
file, extract its forms, review every form not already in the run state (checks, then
drafting; with a model, many forms at once), write its opinion files and commit its
result at once. For many files the work runs in worker processes; with a model, the
workers prepare each form (checks, prompt, grounding) and finish it after its reply
(grounding, template fill-in, opinion texts), and the event loop makes only the calls.
Then build summary.xlsx, index.html and run.json from the state.

- Resumable: a result is keyed by (content hash, form index, config hash); a run that
  is stopped (Ctrl-C: the forms in flight are finished first; a second Ctrl-C stops at
  once) or killed is continued by running the same command again, and nothing already
  committed is redone. A file whose forms are all done is not even re-extracted.
- Bounded memory: files are streamed one at a time; at most a few forms per unit of
  concurrency are in flight; every output is built from the state database.
- Deterministic: entries are numbered and named in discovery order, outputs are
  written in that order, and no per-form file holds a timestamp.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import pickle
import platform
import re
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import reviewer
from reviewer.batch.dashboard import write_dashboard
from reviewer.batch.lock import FolderError, hold
from reviewer.batch.outputs.ooxml import normalise
from reviewer.batch.outputs.summary_xlsx import write_summary
from reviewer.batch.progress import Progress
from reviewer.batch.state import COMMENT_COLUMNS, FINDING_COLUMNS, RunState, pack
from reviewer.batch.work import Engine, FormOutcome, Usage, current_usage, header_row, outcome_of
from reviewer.extract import ExtractFailure, check_complete
from reviewer.extract.files import read_document
from reviewer.extract.sources import Document, count_documents, display_path, iter_documents, read_path
from reviewer.domain.model import Form

OPINIONS_DIR = "opinions"
RUN_JSON = "run.json"
SUMMARY_XLSX = "summary.xlsx"
INDEX_HTML = "index.html"
OPINION_SUFFIXES = (".md", ".html", ".docx")
PACKAGE_DIR = Path(reviewer.__file__).resolve().parent
INTERNAL = "could not be read (internal error"


# --- options and results ----------------------------------------------------------


@dataclass
class BatchOptions:
    inputs: list[str]
    out: Path
    llm: bool = False
    concurrency: int = 4
    policy: Path | None = None
    docx: bool = False
    batch_api: bool = False
    retry_failed: bool = False  # ask the model again for forms whose call failed in an earlier run
    prune: bool = False  # remove the opinion files of forms not in this run (else kept and listed)
    poll_interval: float = 30.0  # seconds between Batch API status checks
    progress: bool | None = None  # None: draw when stderr is a terminal
    workers: int | None = None  # processes for the deterministic work; None: one per CPU for 16+ files
    settings: Any = None  # reviewer.config.Settings, for --llm
    command: list[str] | None = None  # argv, recorded in run.json


@dataclass
class BatchResult:
    status: str  # "complete" or "interrupted"
    forms: int = 0  # forms in this run's outputs
    reviewed: int = 0  # forms reviewed by this invocation
    reused: int = 0  # forms whose committed result was reused
    errors: int = 0  # rows on the errors sheet
    findings: int = 0
    comments: int = 0
    model_failed: int = 0  # forms in the outputs whose model call failed (template drafts)
    failure_reasons: list[tuple[str, int]] = field(default_factory=list)  # (why, forms), most frequent first
    other_opinions: list[str] = field(default_factory=list)  # opinions kept of forms not in this run
    pruned: int = 0  # opinions of forms not in this run removed (--prune)
    usage: Usage = field(default_factory=Usage)
    run: dict[str, Any] = field(default_factory=dict)


class Stop(Exception):
    """Raised inside the runner to stop feeding new forms (first Ctrl-C)."""


# --- names ------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def sanitise(text: str | None, limit: int) -> str:
    text = _UNSAFE.sub("", text or "")
    text = re.sub(r"\s+", "_", text.strip()).strip("._-")
    return text[:limit].rstrip("._-")


class Namer:
    """Unique, recognisable file names (unit_project), assigned in discovery order."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def assign(self, unit: str | None, project: str | None, code: str | None, label: str, index: int) -> str:
        base = "_".join(p for p in (sanitise(unit, 30), sanitise(project, 40)) if p)
        if not base:
            stem = sanitise(Path(label.split("!")[-1]).stem, 40) or "form"
            base = f"{stem}_{index + 1}"
        candidates = [base]
        if code:
            candidates.append(f"{base}_{sanitise(code, 24)}")
        for name in candidates:
            if name.casefold() not in self.taken:
                return self._take(name)
        n = 2
        while f"{candidates[-1]}-{n}".casefold() in self.taken:
            n += 1
        return self._take(f"{candidates[-1]}-{n}")

    def _take(self, name: str) -> str:
        self.taken.add(name.casefold())
        return name


# --- configuration fingerprint ----------------------------------------------------

RESULT_SHAPING_EXCLUDE = ("batch/", "evaluation/")
RESULT_SHAPING_INCLUDE = ("batch/work.py",)


def source_hash(root: Path = PACKAGE_DIR, under: str = "") -> str:
    """A hash of the package files that shape a form's result (not the batch's output code)."""
    digest = hashlib.sha256()
    base = root / under if under else root
    if not base.exists():
        return ""
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in rel or path.suffix in (".pyc", ".sqlite"):
            continue
        if rel.startswith(RESULT_SHAPING_EXCLUDE) and rel not in RESULT_SHAPING_INCLUDE:
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def templates_folder() -> Path | None:
    """The folder of the prompt and opinion templates (installed as reviewer.prompts)."""
    try:
        from importlib import resources

        folder = Path(str(resources.files("reviewer.prompts")))
    except (ImportError, ModuleNotFoundError, TypeError):
        return None
    return folder if folder.is_dir() else None


def templates_hash() -> str:
    """A hash of every template: prompts shape the model's replies, opinion templates the files."""
    folder = templates_folder()
    if folder is None:
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def llm_fingerprint(settings: Any) -> dict[str, Any] | None:
    if settings is None:
        return None
    from reviewer.llm import public_url

    return {
        "model": settings.model,
        "base_url": public_url(settings.base_url),
        "response_format": settings.response_format,
        "temperature": settings.temperature,
        "max_reasks": settings.max_reasks,
    }


def prompt_versions() -> dict[str, str]:
    """The prompt version the drafting module sends with each model call (constant + template hash)."""
    try:
        from reviewer.drafting.prompts import prompt_version
    except ImportError:
        return {}
    return {"review": prompt_version()}


def public_command(argv: list[str] | None) -> list[str] | None:
    """The command line as run.json records it: printable, and a --base-url without the
    credentials a URL can carry (user:password@, key=… in the query)."""
    if not argv:
        return None
    shown = [display_path(a) for a in argv]
    if not any(a == "--base-url" or a.startswith("--base-url=") for a in shown):
        return shown
    from reviewer.llm import public_url  # the model's module: imported only when a URL was typed

    out: list[str] = []
    for before, arg in zip([None, *shown], shown):
        if before == "--base-url":
            arg = public_url(arg)
        elif arg.startswith("--base-url="):
            arg = "--base-url=" + public_url(arg.split("=", 1)[1])
        out.append(arg)
    return out


# --- the runner -------------------------------------------------------------------


class BatchRunner:
    def __init__(
        self,
        options: BatchOptions,
        *,
        engine: Engine | None = None,
        client: Any = None,
        on_commit: Callable[[int], None] | None = None,
        on_batch_poll: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.options = options
        self.out = Path(options.out)
        self.client = client
        self.engine = engine
        self.on_commit = on_commit  # called with the number of forms reviewed so far; may raise KeyboardInterrupt
        self.on_batch_poll = on_batch_poll
        self.usage = Usage()
        self.reviewed = 0
        self.reused = 0
        self.stop_requested = False
        self._pending: set[asyncio.Task] = set()
        self._slots: asyncio.Semaphore | None = None
        self.timings: dict[str, float] = {}
        self.batch_api_report: dict[str, Any] | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._writes: deque[tuple[Future, str, str]] = deque()  # (write, opinion name, result key)
        self._written: list[tuple[str, str]] = []  # written since last recorded in the state
        self._opinion_keys: dict[str, str] = {}  # opinion name -> result its files hold
        self.opinions_written = 0
        self.other_opinions: list[str] = []  # opinions kept in the folder of forms not in this run
        self._pool: ProcessPoolExecutor | None = None
        self._copies: dict[str, list[str]] = {}  # key in flight -> names of its copies, written when it commits
        self._labels: dict[str, str] = {}  # key in flight -> its file's label

    # -- setup --

    def _make_client(self) -> Any:
        if not self.options.llm:
            return None
        from reviewer.batch.batch_api import CountingClient
        from reviewer.config import load_settings

        settings = self.options.settings or load_settings()
        settings = settings.model_copy(update={"concurrency": max(1, self.options.concurrency)})
        return CountingClient(settings)

    def config(self) -> dict[str, Any]:
        settings = getattr(self.client, "settings", None) if self.client is not None else None
        return {
            "reviewer": getattr(reviewer, "__version__", "0"),
            "code": source_hash(),
            "templates": templates_hash(),
            "policy": self.engine.policy_fingerprint(),
            "llm": llm_fingerprint(settings) if self.options.llm else None,
        }

    @staticmethod
    def hash_config(config: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()

    # -- main --

    async def run(self) -> BatchResult:
        """The batch; FolderError when the output folder cannot be written or another run holds it."""
        started = time.monotonic()
        opinions = self.out / OPINIONS_DIR
        try:
            opinions.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FolderError(f"{self.out}: cannot make the output folder ({exc.strerror})") from None
        if not os.access(opinions, os.W_OK | os.X_OK):
            raise FolderError(f"{opinions}: cannot write the opinions folder (permission denied)")
        with hold(self.out):
            return await self._run(started)

    async def _run(self, started: float) -> BatchResult:
        if self.client is None:
            self.client = self._make_client()
        if self.engine is None:
            self.engine = Engine(self.options.policy, client=self.client, keep_review=self.options.docx)
        self.config_data = self.config()
        self.config_hash = self.hash_config(self.config_data)
        self.state = RunState(self.out, retry_failed=self.options.retry_failed)
        self.state.set_meta("config_hash", self.config_hash)
        total = count_documents(self.options.inputs)
        self.progress = Progress(total, enabled=self.options.progress, show_tokens=self.options.llm)
        switch = sys.getswitchinterval()
        # short GIL slices: the loop thread hands off to sqlite, the writer threads and the
        # worker pool's result thread often, and waits less to get the GIL back
        sys.setswitchinterval(min(switch, 0.0005))
        try:
            with self._signals():
                if self.options.batch_api and self.options.llm:
                    from reviewer.batch.batch_api import run_batch_api

                    t = time.monotonic()
                    self.batch_api_report = await run_batch_api(self)
                    self.timings["batch_api_s"] = round(time.monotonic() - t, 3)
                t = time.monotonic()
                await self._review_all()
                self.timings["review_s"] = round(time.monotonic() - t, 3)
        except Stop:
            self.stop_requested = True
        finally:
            sys.setswitchinterval(switch)
            self._flush_writes()
            self.progress.close()
            if self.client is not None and hasattr(self.client, "aclose"):
                await self.client.aclose()
        if self.stop_requested:
            result = self._result("interrupted")
            result.run = self._run_json(result, time.monotonic() - started, outputs={})
            self.state.close()
            return result
        t = time.monotonic()
        outputs = self._finalise()
        self.timings["outputs_s"] = round(time.monotonic() - t, 3)
        result = self._result("complete")
        result.other_opinions, result.pruned = self.other_opinions, outputs["opinions_pruned"]
        result.run = self._run_json(result, time.monotonic() - started, outputs)
        self.state.close()
        return result

    @contextmanager
    def _signals(self) -> Iterator[None]:
        """First Ctrl-C: finish the forms in flight, then stop. Second: stop at once."""
        loop = asyncio.get_running_loop()
        installed = False

        def on_sigint() -> None:
            if self.stop_requested:
                for task in list(self._pending):
                    task.cancel()
                raise KeyboardInterrupt
            self.stop_requested = True
            print("\nreviewer: stopping after the forms in flight (Ctrl-C again to stop at once)", file=sys.stderr)

        try:
            loop.add_signal_handler(signal.SIGINT, on_sigint)
            installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass
        try:
            yield
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGINT)

    def _result(self, status: str) -> BatchResult:
        s = self.state
        forms = s.scalar("SELECT COUNT(*) FROM entries e JOIN results r ON r.key = e.key WHERE r.status != 'error'") or 0
        reasons = s.query(
            "SELECT COALESCE(r.error, ''), COUNT(*) FROM entries e JOIN results r ON r.key = e.key "
            "WHERE r.status = 'degraded' GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        return BatchResult(
            status=status,
            forms=forms,
            reviewed=self.reviewed,
            reused=self.reused,
            errors=len(list(s.iter_errors())),
            findings=s.scalar("SELECT COUNT(*) FROM entries e JOIN findings f ON f.key = e.key") or 0,
            comments=s.scalar("SELECT COUNT(*) FROM entries e JOIN comments c ON c.key = e.key") or 0,
            model_failed=sum(n for _, n in reasons),
            failure_reasons=[(why, n) for why, n in reasons],
            usage=self.usage,
        )

    # -- the walk --

    def key(self, content_hash: str, index: int) -> str:
        return f"{content_hash[:40]}:{index}:{self.config_hash[:16]}"

    async def walk(self) -> AsyncIterator[tuple[Document, str, list[tuple[int, Form | None]], list[list], str | None]]:
        """Per document: (doc, content hash, [(index, form or None when reused)], problems, file error)."""
        for doc in iter_documents(self.options.inputs):
            await asyncio.sleep(0)  # let signals and finished model calls through
            if self.stop_requested:
                raise Stop
            if doc.error is not None:
                yield doc, "", [], [], doc.error
                continue
            content_hash = hashlib.sha256(doc.data or b"").hexdigest()
            record = self.state.file_record(content_hash, self.config_hash)
            if self._all_done(content_hash, record):
                error, indexes, problems = record
                yield doc, content_hash, [(i, None) for i in indexes], problems, error
                continue
            forms, problems, error = self._extract(doc)
            if error is None or not error.startswith(INTERNAL):  # remember what a file holds
                self.state.put_file(content_hash, self.config_hash, error, [f.source.index for f in forms], problems)
            yield doc, content_hash, [(f.source.index, f) for f in forms], problems, error

    def _all_done(self, content_hash: str, record: tuple | None) -> bool:
        """A file read before whose forms are all committed (or that could not be read)."""
        if record is None:
            return False
        error, indexes, _ = record
        keys = [self.key(content_hash, i) for i in indexes]
        return error is not None or len(self.state.done_keys(keys)) == len(keys)

    @staticmethod
    def _extract(doc: Document) -> tuple[list[Form], list[list], str | None]:
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

    async def _review_all(self) -> None:
        self.state.start_invocation()
        self._opinion_keys = self.state.opinion_files()
        self._namer = Namer()
        self._seq = 0
        self._error_seq = 0
        limit = max(2, 2 * self.options.concurrency) if self.client is not None else 1
        self._slots = asyncio.Semaphore(limit)
        try:
            workers = self._workers()
            if workers > 1:
                await self._review_pooled(workers)
                return
            async for doc, content_hash, forms, problems, error in self.walk():
                items = [(i, None if f is None else header_row(f), f) for i, f in forms]
                await self._handle_file(doc.label, content_hash, items, problems, error)
                if self.stop_requested:
                    raise Stop
        finally:
            await self._drain()

    def _workers(self) -> int:
        """Worker processes for the deterministic work (with a model: all but the calls, so
        the event loop is free to send and take replies), none for a handful of files
        (starting them costs more than it saves)."""
        wanted = self.options.workers if self.options.workers is not None else (os.cpu_count() or 1)
        if self.options.workers is None and self.progress.total_files < 16:
            return 1
        return max(1, min(wanted, 32))

    async def _handle_file(self, label: str, content_hash: str, items: list, problems: list, error: str | None) -> None:
        """Register a document's forms in discovery order; review, reuse or commit each one.

        items: (index, header or None, payload) where payload is None (reuse the committed
        result), a Form (review it here), a FormOutcome (reviewed by a worker), a ModelJob
        (prepared by a worker: the model call is made here) or a str (a worker's error for
        that form).
        """
        self.progress.files += 1
        if error is not None:
            self._error(label, None, error)
        for index, message in problems:
            self._error(label, index, message)
        finished: list[tuple] = []  # a worker's forms of this file, committed together
        for index, header, payload in items:
            key = self.key(content_hash, index)
            reuse = payload is None or self.state.is_done(key)
            if reuse and header is None:
                header = self.state.result_header(key)
            name = self._namer.assign(header["unit"], header["project"], header["code"], label, index)
            self.state.add_entry(self._seq, label, index, key, name)
            self._seq += 1
            if reuse:
                self._ensure_outputs(key, name)
                self.reused += 1
                self.progress.forms += 1
                self.progress.findings += self.state.scalar("SELECT n_findings FROM results WHERE key = ?", (key,)) or 0
                continue
            if key in self._copies:  # the same form (a file sent twice) is in flight: share its result
                self._copies[key].append(name)
                self.reused += 1
                self.progress.forms += 1
                continue
            self._labels[key] = label  # for the line on stderr if its review fails
            if isinstance(payload, Form):
                if self.stop_requested:  # stop feeding forms to the model
                    raise Stop
                await self._submit(payload, key, name)
            elif isinstance(payload, ModelJob):
                if self.stop_requested:  # stop feeding forms to the model
                    self._commit_finished(finished)
                    raise Stop
                await self._submit_job(payload, key, name, index, header)
            elif isinstance(payload, FormOutcome):
                finished.append(self._commit(key, name, index, header, payload, None, Usage(), defer=True))
            else:
                finished.append(self._commit(key, name, index, header, None, str(payload), Usage(), defer=True))
        self._commit_finished(finished)
        self.progress.update()

    def _error(self, label: str, index: int | None, message: str) -> None:
        """A file or form that cannot be used: on the errors sheet, and one line on stderr."""
        self.state.add_error(self._error_seq, label, index, message)
        self._error_seq += 1
        self.progress.errors += 1
        self._say_error(label, index, message)

    def _say_error(self, label: str, index: int | None, message: str) -> None:
        where = f"{label}: form #{index + 1}" if index is not None else label
        self.progress.say(f"reviewer: {where}: {message}")

    def _commit_finished(self, finished: list[tuple]) -> None:
        if finished:
            self.state.commit_results(finished)
            for _ in finished:
                self._committed()
            finished.clear()

    async def _review_pooled(self, workers: int) -> None:
        """Extraction, checks, drafting and rendering in worker processes, a file per task;
        results are taken in submission order, so names and commits stay in discovery order."""
        import multiprocessing

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        model = self.client is not None and bool(getattr(self.client, "configured", False))
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=_ignore_sigint,
                                   initargs=(model,))  # fmt: skip
        self._pool = pool
        loop = asyncio.get_running_loop()
        # start every worker before any writer thread exists (fork copies only this thread)
        await asyncio.gather(*(loop.run_in_executor(pool, _warm_up) for _ in range(workers)))
        policy = str(self.options.policy) if self.options.policy else None
        queue: deque[tuple[str, str, Any]] = deque()
        try:
            for doc in iter_documents(self.options.inputs):
                await asyncio.sleep(0)
                if self.stop_requested:
                    raise Stop
                if doc.error is not None:
                    queue.append((doc.label, "", (doc.error, [], [])))
                    await self._drain_queue(queue, 3 * workers)
                    continue
                content_hash = hashlib.sha256(doc.data or b"").hexdigest()
                record = self.state.file_record(content_hash, self.config_hash)
                if self._all_done(content_hash, record):
                    queue.append((doc.label, content_hash, record))
                    await self._drain_queue(queue, 3 * workers)
                    continue
                done = sorted(i for i, k in _indexed_keys(self, content_hash, record) if self.state.is_done(k))
                future = loop.run_in_executor(  # a file on disk is read again there: no bytes through the pipe
                    pool, review_document, doc.label, doc.path, None if doc.path else doc.data, doc.suffix, done,
                    policy, self.options.docx, model,
                )  # fmt: skip
                queue.append((doc.label, content_hash, future))
                await self._drain_queue(queue, 3 * workers)
            await self._drain_queue(queue, 0)
        except Stop:
            # Ctrl-C: commit what the workers are doing (a few files per worker), then stop;
            # with a model, only the forms whose calls were made (no new call is made)
            if not model:
                await self._drain_queue(queue, 0)
            raise
        finally:
            for *_, item in queue:
                if isinstance(item, asyncio.Future):
                    item.cancel()
            try:
                await self._drain()  # the forms in flight finish in the pool
            finally:
                self._pool = None
                pool.shutdown(wait=True, cancel_futures=True)

    async def _drain_queue(self, queue: deque, keep: int) -> None:
        while len(queue) > keep:
            label, content_hash, item = queue[0]
            if isinstance(item, tuple):  # a file whose forms are all done: nothing to compute
                error, indexes, problems = item
                queue.popleft()
                await self._handle_file(label, content_hash, [(i, None, None) for i in indexes], problems, error)
                continue
            error, items, problems, cacheable = await item
            queue.popleft()
            if cacheable:
                self.state.put_file(content_hash, self.config_hash, error, [i for i, *_ in items], problems)
            await self._handle_file(label, content_hash, items, problems, error)

    async def _submit(self, form: Form, key: str, name: str) -> None:
        if self.client is None:  # deterministic work: in line, one form at a time
            await self._process(form, key, name)
            return
        self._copies[key] = []
        await self._spawn(self._process(form, key, name))

    async def _submit_job(self, job: ModelJob, key: str, name: str, index: int, header: dict[str, Any]) -> None:
        self._copies[key] = []
        await self._spawn(self._process_job(job, key, name, index, header))

    async def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run one form's work as a task once a slot is free; the slot frees when it ends."""
        assert self._slots is not None
        await self._slots.acquire()
        task = asyncio.ensure_future(work)
        self._pending.add(task)

        def done(t: asyncio.Task) -> None:
            self._pending.discard(t)
            self._slots.release()  # type: ignore[union-attr]

        task.add_done_callback(done)

    async def _drain(self) -> None:
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _process(self, form: Form, key: str, name: str) -> None:
        await self._counted(key, name, form.source.index, header_row(form), self.engine.review(form))  # type: ignore[union-attr]

    async def _process_job(self, job: ModelJob, key: str, name: str, index: int, header: dict[str, Any]) -> None:
        """A form prepared by a worker: the model call here, what follows in the pool."""
        await self._counted(key, name, index, header, self._call_then_finish(job))

    async def _call_then_finish(self, job: ModelJob) -> FormOutcome:
        from reviewer.drafting.comments import ReviewReply

        result, failure = None, None
        try:
            result = await self.client.complete_structured(  # type: ignore[union-attr]
                job.messages, ReviewReply, validate=job.grounding.reply_errors, prompt_version=job.version
            )
        except Exception as exc:  # noqa: BLE001 - the form gets template drafts and the reason
            failure = (type(exc).__name__, str(exc))  # plain data: any exception crosses to the pool
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, finish_form, job.state, result, failure, self.options.docx)

    async def _counted(self, key: str, name: str, index: int, header: dict[str, Any],
                       work: Coroutine[Any, Any, FormOutcome]) -> None:  # fmt: skip
        """Await one form's work with its model usage counted, then commit it, error or not."""
        usage = Usage()
        token = current_usage.set(usage)
        try:
            outcome: FormOutcome | None = await work
            error = None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one broken form must not stop the batch
            outcome, error = None, f"could not be reviewed (internal error {type(exc).__name__}: {exc})"
        finally:
            current_usage.reset(token)
        self._commit(key, name, index, header, outcome, error, usage)

    def _commit(self, key: str, name: str, index: int, header: dict[str, Any], outcome: FormOutcome | None,
                error: str | None, usage: Usage, defer: bool = False) -> tuple | None:  # fmt: skip
        """Commit one form's result (and queue its opinion files) at once; with defer, return
        the result for the caller to commit with the other forms of its file."""
        copies = self._copies.pop(key, ())  # the same form found again while this one was in flight
        label = self._labels.pop(key, key)
        if outcome is None:
            row = dict(header)
            row.update(status="error", error=error)
            self._say_error(label, index, error or "could not be reviewed")
            findings, comments, opinion, warnings = [], [], None, []
        else:
            row = dict(outcome.row)  # status "ok", or "degraded" with why the model failed
            findings, comments, warnings = outcome.findings, outcome.comments, outcome.warnings
            opinion = getattr(outcome, "packed_opinion", None)  # packed by a worker
            if opinion is None:
                opinion = {"md": outcome.opinion_md, "html": outcome.opinion_html,
                           "review": outcome.review_json if self.options.docx else None}  # fmt: skip
            for opinion_name in (name, *copies):
                self._write_opinion(opinion_name, key, outcome.opinion_md, outcome.opinion_html, outcome.review_json)
        row.update(
            content_hash=key.split(":")[0],
            form_index=index,
            config_hash=self.config_hash,
            tokens_in=usage.tokens_in,
            tokens_out=usage.tokens_out,
            calls=usage.calls,
            failed_calls=usage.failed,
        )
        self.usage.add(usage)
        self.progress.findings += len(findings)
        if defer:
            return (key, row, findings, comments, opinion, warnings)
        self.state.commit_result(key, row, findings, comments, opinion, warnings)
        self._committed()
        return None

    def _committed(self) -> None:
        self.reviewed += 1
        p = self.progress
        p.forms += 1
        p.tokens_in, p.tokens_out = self.usage.tokens_in, self.usage.tokens_out
        p.update()
        if self.on_commit is not None:
            try:
                self.on_commit(self.reviewed)
            except KeyboardInterrupt:
                self.stop_requested = True

    # -- per-form files --

    def _paths(self, name: str) -> dict[str, Path]:
        folder = self.out / OPINIONS_DIR
        paths = {"md": folder / f"{name}.md", "html": folder / f"{name}.html"}
        if self.options.docx:
            paths["docx"] = folder / f"{name}.docx"
        return paths

    def _write_opinion(self, name: str, key: str, md: str, page: str, review_json: str | None) -> None:
        """Queue the form's opinion files for the writer threads (file creation is slow I/O);
        the state records which result they hold once they are written."""
        paths = self._paths(name)
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="batch-writer")
        while len(self._writes) >= 256:
            self._written_one()
        self._writes.append((self._writer.submit(self._write_files, paths, md, page, review_json), name, key))
        self._opinion_keys[name] = key
        self.opinions_written += 1

    def _written_one(self) -> None:
        write, name, key = self._writes.popleft()
        write.result()
        self._written.append((name, key))
        if len(self._written) >= 256:
            self.state.opinions_written(self._written)
            self._written.clear()

    def _write_files(self, paths: dict[str, Path], md: str, page: str, review_json: str | None) -> None:
        _atomic_write(paths["md"], md.encode("utf-8"))
        _atomic_write(paths["html"], page.encode("utf-8"))
        if "docx" in paths:
            tmp = paths["docx"].with_name(f".{paths['docx'].name}.tmp")
            if self.engine.write_docx(review_json, md, tmp):  # type: ignore[union-attr]
                normalise(tmp)
                os.replace(tmp, paths["docx"])
        else:  # a .docx left by a run with --docx holds another result now
            paths["md"].with_suffix(".docx").unlink(missing_ok=True)

    def _flush_writes(self) -> None:
        try:
            while self._writes:
                self._written_one()
        finally:
            self.state.opinions_written(self._written)
            self._written.clear()
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def _ensure_outputs(self, key: str, name: str) -> None:
        """A reused result's opinion files, written again where missing or holding another
        result (another policy, template or form content was in effect when they were written)."""
        paths = self._paths(name)
        if self._opinion_keys.get(name) == key and all(p.exists() for p in paths.values()):
            return
        opinion = self.state.opinion(key)
        if opinion:
            self._write_opinion(name, key, opinion.get("md") or "", opinion.get("html") or "", opinion.get("review"))

    # -- outputs --

    def _finalise(self) -> dict[str, Any]:
        # index.html is mostly aggregate queries (SQLite runs them without the GIL): it is
        # built in a thread, on its own connection, while summary.xlsx is written
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-dashboard") as side:
            dashboard = side.submit(self._write_dashboard)
            t = time.monotonic()
            counts = write_summary(self.state, self.out / SUMMARY_XLSX)
            self.timings["summary_xlsx_s"] = round(time.monotonic() - t, 3)
            self.timings["index_html_s"] = dashboard.result()
        others, removed = self._other_opinions()
        self.other_opinions = [] if self.options.prune else others
        return {"summary_rows": counts, "opinions_written": self.opinions_written,
                "opinions_not_in_this_run": self.other_opinions, "opinions_pruned": len(others) if self.options.prune else 0,
                "opinion_files_removed": removed}

    def _write_dashboard(self) -> float:
        t = time.monotonic()
        state = RunState(self.out)
        try:
            write_dashboard(state, self.out / INDEX_HTML)
        finally:
            state.close()
        return round(time.monotonic() - t, 3)

    def _other_opinions(self) -> tuple[list[str], int]:
        """Opinions in the folder of forms not in this run (a run on fewer inputs, a renamed
        form): kept and listed, removed only with --prune. Returns (their names, files removed)."""
        keep = {r[0] for r in self.state.query("SELECT name FROM entries")}
        others: set[str] = set()
        removed = 0
        for path in (self.out / OPINIONS_DIR).iterdir():
            if path.name.startswith(".") and path.name.endswith(".tmp"):  # left by a killed run
                path.unlink()
            elif path.suffix in OPINION_SUFFIXES and path.stem not in keep:
                others.add(path.stem)
                if self.options.prune:
                    path.unlink()
                    removed += 1
        if self.options.prune:
            self.state.opinions_removed(sorted(others))
        return sorted(others), removed

    def _run_json(self, result: BatchResult, seconds: float, outputs: dict[str, Any]) -> dict[str, Any]:
        versions = {"reviewer": getattr(reviewer, "__version__", "0"), "python": platform.python_version()}
        for module in ("openpyxl", "pydantic", "openai", "docx"):
            mod = sys.modules.get(module)
            if mod is not None and hasattr(mod, "__version__"):
                versions[module] = mod.__version__
        drafting_dir = PACKAGE_DIR / "drafting"
        settings = getattr(self.client, "settings", None)
        run = {
            "status": result.status,
            "command": public_command(self.options.command),
            "inputs": [display_path(p) for p in self.options.inputs],
            "options": {
                "llm": self.options.llm,
                "concurrency": self.options.concurrency,
                "policy": str(self.options.policy) if self.options.policy else None,
                "docx": self.options.docx,
                "batch_api": self.options.batch_api,
                "retry_failed": self.options.retry_failed,
                "prune": self.options.prune,
            },
            "versions": versions,
            "config_hash": self.config_hash,
            "code_hash": self.config_data["code"],
            "policy": {"path": str(self.options.policy) if self.options.policy else None,
                       "hash": self.config_data["policy"]},
            "prompts": {"templates_hash": self.config_data["templates"],
                        "drafting_code_hash": source_hash(PACKAGE_DIR, "drafting") if drafting_dir.exists() else None,
                        "versions": prompt_versions()},
            "model": llm_fingerprint(settings) if self.options.llm else None,
            "counts": {
                "files": self.progress.files,
                "forms": result.forms,
                "reviewed": result.reviewed,
                "reused": result.reused,
                "errors": result.errors,
                "findings": result.findings,
                "comments": result.comments,
                "model_failed": result.model_failed,
            },
            "model_failures": [{"reason": why, "forms": n} for why, n in result.failure_reasons],
            # reviewed_per_s: forms reviewed (not reused) by this run per second of this run;
            # forms_in_outputs_per_s: every form in the outputs (reviewed + reused), same seconds
            "timings": {"total_s": round(seconds, 3), **self.timings,
                        "reviewed_per_s": round(result.reviewed / seconds, 1) if seconds > 0 else None,
                        "forms_in_outputs_per_s": round(result.forms / seconds, 1) if seconds > 0 else None},
            "tokens": {
                "calls": self.usage.calls,
                "cache_hits": self.usage.cache_hits,
                "failed_calls": self.usage.failed,
                "tokens_in": self.usage.tokens_in,
                "tokens_out": self.usage.tokens_out,
                "total_in_state": dict(zip(
                    ("tokens_in", "tokens_out", "calls"),
                    self.state.query(
                        "SELECT COALESCE(SUM(r.tokens_in),0), COALESCE(SUM(r.tokens_out),0), COALESCE(SUM(r.calls),0) "
                        "FROM entries e JOIN results r ON r.key = e.key")[0],
                )),
            },
            "batch_api": self.batch_api_report,
            "outputs": outputs,
        }  # fmt: skip
        tmp = self.out / (RUN_JSON + ".part")
        tmp.write_text(json.dumps(run, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.out / RUN_JSON)
        return run


# --- worker processes ----------------------------------------------------------------

_WORKER_ENGINES: dict[str | None, Engine] = {}


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
        import ctypes

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


def _indexed_keys(runner: BatchRunner, content_hash: str, record: Any) -> list[tuple[int, str]]:
    if record is None:
        return []
    return [(i, runner.key(content_hash, i)) for i in record[1]]


class ModelJob(NamedTuple):
    """A form prepared by a worker for its model call: what the call needs, and the rest of
    the worker's state as opaque bytes for `finish_form` (the main process never unpickles it)."""

    messages: list[dict[str, str]]
    grounding: Any  # reviewer.drafting.grounding.Grounding, without the form: validates replies
    version: str
    state: bytes


def review_document(
    label: str, path: Path | None, data: bytes | None, suffix: str, done: list[int], policy: str | None,
    keep_review: bool = False, model: bool = False,
) -> tuple[str | None, list[tuple[int, dict[str, Any], Any]], list[list], bool]:
    """In a worker process: one document's forms, reviewed (those not in `done`); with a
    model, prepared for their calls (ModelJob) unless drafted from templates at once.

    Returns (file error, [(index, header, PackedOutcome | ModelJob | error text | None when
    done)], problems, whether the file's reading may be remembered).
    """
    engine = _WORKER_ENGINES.get(policy)
    if engine is None:
        engine = _WORKER_ENGINES[policy] = Engine(policy)
    engine.keep_review = keep_review
    doc = read_path(path) if path is not None else Document(label, suffix, data)
    doc.label = label
    forms, problems, error = BatchRunner._extract(doc)
    items: list[tuple[int, dict[str, Any], Any]] = []
    skip = set(done)
    for form in forms:
        index = form.source.index
        if index in skip:
            items.append((index, header_row(form), None))
            continue
        try:
            outcome: Any = _prepare(engine, form, keep_review) if model else _compact(_review_sync(engine, form), keep_review)
        except Exception as exc:  # noqa: BLE001 - one broken form must not stop the batch
            outcome = f"could not be reviewed (internal error {type(exc).__name__}: {exc})"
        items.append((index, header_row(form), outcome))
    return error, items, problems, error is None or not error.startswith(INTERNAL)


@dataclass
class PackedOutcome(FormOutcome):
    """A worker's FormOutcome, made cheap for the main process to commit: findings and
    comments as tuples in the state's column order, the stored opinion already packed."""

    packed_opinion: bytes | None = None


def _compact(outcome: FormOutcome, keep_review: bool) -> PackedOutcome:
    review = outcome.review_json if keep_review else None
    return PackedOutcome(
        outcome.row,
        [tuple([f.get(c) for c in FINDING_COLUMNS]) for f in outcome.findings],
        [tuple([c.get(k) for k in COMMENT_COLUMNS]) for c in outcome.comments],
        outcome.opinion_md,
        outcome.opinion_html,
        outcome.review_json,
        outcome.warnings,
        packed_opinion=pack({"md": outcome.opinion_md, "html": outcome.opinion_html, "review": review}),
    )


def _prepare(engine: Engine, form: Form, keep_review: bool) -> PackedOutcome | ModelJob:
    """Engine.review up to the model call (the checks, the prompt, the grounding)."""
    from reviewer.batch.work import run_checks
    from reviewer.drafting.drafter import FormReview, prepare_review

    report = run_checks(form, policy=engine.policy)
    prepared = prepare_review(form, configured=True, policy=engine.policy, report=report)
    if isinstance(prepared, FormReview):  # template drafts: no call to make
        return _compact(outcome_of(form, report, prepared, keep_review), keep_review)
    grounding = copy.copy(prepared.grounding)
    grounding.form = None  # validating a reply needs only what was taken from the form
    state = pickle.dumps((form, report, prepared), pickle.HIGHEST_PROTOCOL)
    return ModelJob(prepared.messages, grounding, prepared.version, state)


def finish_form(state: bytes, result: Any, failure: tuple[str, str] | None, keep_review: bool) -> PackedOutcome:
    """In a worker process: a prepared form's review after its model call (grounding,
    template fill-in, the opinion texts), as Engine.review would have finished it.
    failure: (exception type name, message) when the call raised."""
    from reviewer.drafting.drafter import finish_review

    form, report, prepared = pickle.loads(state)
    error = type(failure[0], (Exception,), {})(failure[1]) if failure is not None else None
    review = finish_review(prepared, result, error)
    return _compact(outcome_of(form, report, review, keep_review), keep_review)


def _review_sync(engine: Engine, form: Form) -> FormOutcome:
    """Engine.review without an event loop: with no client it never waits on anything."""
    coro = engine.review(form)
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("the review waited on something without a model client")


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def run_batch(options: BatchOptions, **kwargs: Any) -> BatchResult:
    """Run a batch to completion (or until stopped); see BatchRunner for the keyword hooks."""
    return asyncio.run(BatchRunner(options, **kwargs).run())
