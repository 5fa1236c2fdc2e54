"""`reviewer batch`: review a year's submissions, resumably, into a folder of outputs.

Flow: discover the input files (reviewer.extract.sources), hash each one, extract its forms
(reading), review every form not already in the run state (checks, then drafting; with a
model, many forms at once: tasks, model), write its opinion files (outputs.opinions) and
commit its result at once. For many files the work runs in worker processes (pool). Then
build summary.xlsx and index.html (outputs.reports) and run.json (manifest) from the state.

- Resumable: a result is keyed by (content hash, form index, config hash: fingerprint); a
  run that is stopped (Ctrl-C: the forms in flight are finished first; a second Ctrl-C
  stops at once) or killed is continued by running the same command again, and nothing
  already committed is redone. A file whose forms are all done is not even re-extracted.
- Bounded memory: files are streamed one at a time; at most a few forms per unit of
  concurrency are in flight; every output is built from the state database.
- Deterministic: entries are numbered and named in discovery order (naming), outputs are
  written in that order, and no per-form file holds a timestamp.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Coroutine
from contextlib import aclosing
from functools import partial
from pathlib import Path
from typing import Any

from reviewer.batch.batch_api import BatchApiRun, run_batch_api
from reviewer.batch.client import make_client
from reviewer.batch.fingerprint import config_hash, run_config
from reviewer.batch.jobs import Done, FileWork, ToDo
from reviewer.batch.lock import FolderError, hold
from reviewer.batch.manifest import manifest, write_manifest
from reviewer.batch.naming import Namer
from reviewer.batch.options import BatchOptions, BatchResult
from reviewer.batch.outputs.opinions import OPINIONS_DIR, OpinionFiles
from reviewer.batch.outputs.reports import write_reports
from reviewer.batch.pool import WorkerPool, worker_count
from reviewer.batch.progress import Progress
from reviewer.batch.reading import Reader
from reviewer.batch.signals import Stop, on_sigint
from reviewer.batch.state import RunState
from reviewer.batch.tasks import InFlight, counted
from reviewer.batch.work import Engine, FormOutcome, Usage
from reviewer.drafting.model_read import ModelReader
from reviewer.extract.sources import count_documents


class BatchRunner:
    def __init__(self, options: BatchOptions, *, engine: Engine | None = None, client: Any = None,
                 on_commit: Callable[[int], None] | None = None,
                 on_batch_poll: Callable[[dict[str, Any]], None] | None = None) -> None:  # fmt: skip
        self.options = options
        self.out = Path(options.out)
        self.client = client
        self.engine = engine
        self.on_commit = on_commit  # called with the number of forms reviewed so far; may raise KeyboardInterrupt
        self.on_batch_poll = on_batch_poll
        self.usage = Usage()
        self.reviewed = self.reused = 0
        self.stop_requested = False
        self.timings: dict[str, float] = {}
        self.batch_api_report: dict[str, Any] | None = None
        self._copies: dict[str, list[str]] = {}  # key in flight -> names of its copies, written when it commits
        self._labels: dict[str, str] = {}  # key in flight -> its file's label

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
        self._set_up()
        switch = sys.getswitchinterval()
        # short GIL slices: the loop thread hands off to sqlite, the writer threads and the
        # worker pool's result thread often, and waits less to get the GIL back
        sys.setswitchinterval(min(switch, 0.0005))
        try:
            with on_sigint(self._on_sigint):
                if self.options.batch_api and self.options.llm:
                    await self._timed("batch_api_s", self._batch_api())
                await self._timed("review_s", self._review_all())
        except Stop:
            self.stop_requested = True
        finally:
            sys.setswitchinterval(switch)
            self.opinions.flush()
            self.progress.close()
            if self.client is not None and hasattr(self.client, "aclose"):
                await self.client.aclose()
        outputs: dict[str, Any] = {}
        if not self.stop_requested:
            t = time.monotonic()
            outputs = self._finalise()
            self.timings["outputs_s"] = round(time.monotonic() - t, 3)
        result = BatchResult.of(self.state, "interrupted" if self.stop_requested else "complete",
                                reviewed=self.reviewed, reused=self.reused, usage=self.usage)  # fmt: skip
        if outputs:
            result.other_opinions, result.pruned = outputs["opinions_not_in_this_run"], outputs["opinions_pruned"]
        result.run = manifest(self.options, result, config=self.config, config_hash=self.config_hash,
                              settings=getattr(self.client, "settings", None), files=self.progress.files,
                              seconds=time.monotonic() - started, timings=self.timings, state=self.state,
                              batch_api=self.batch_api_report, outputs=outputs,
                              model_read_failed=len(self.reader.model_failed))  # fmt: skip
        write_manifest(self.out, result.run)
        self.state.close()
        return result

    def _set_up(self) -> None:
        if self.client is None and self.options.llm:
            self.client = make_client(self.options.settings, self.options.concurrency)
        if self.engine is None:
            self.engine = Engine(self.options.policy, client=self.client)
        settings = getattr(self.client, "settings", None) if self.options.llm else None
        self.config = run_config(self.engine.policy_fingerprint(), settings)
        self.config_hash = config_hash(self.config)
        self.state = RunState(self.out, retry_failed=self.options.retry_failed, need_review=self.options.docx)
        self.state.set_meta("config_hash", self.config_hash)
        model = ModelReader(self.client) if self.options.llm and getattr(self.client, "configured", False) else None
        self.reader = Reader(self.options.inputs, self.state, self.config_hash, model=model,
                             say=lambda line: self.progress.say(line))  # fmt: skip
        self.opinions = OpinionFiles(self.out, self.state, docx=self.options.docx)
        total = count_documents(self.options.inputs)
        self.progress = Progress(total, enabled=self.options.progress, show_tokens=self.options.llm)
        self.inflight = InFlight(max(2, 2 * self.options.concurrency) if self.client is not None else 1)

    async def _timed(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        t = time.monotonic()
        await work
        self.timings[name] = round(time.monotonic() - t, 3)

    def _on_sigint(self) -> None:
        """First Ctrl-C: finish the forms in flight, then stop. Second: stop at once."""
        if self.stop_requested:
            self.inflight.cancel()
            raise KeyboardInterrupt
        self.stop_requested = True
        print("\nreviewer: stopping after the forms in flight (Ctrl-C again to stop at once)", file=sys.stderr)

    def _stopped(self) -> bool:
        return self.stop_requested

    async def _batch_api(self) -> None:
        run = BatchApiRun(client=self.client, state=self.state, pending=partial(self.reader.pending, self._stopped), policy=self.options.policy,
                          folder=self.out / "batch_api", tag=self.config_hash, poll_interval=self.options.poll_interval,
                          progress=self.progress, stopped=self._stopped, on_poll=self.on_batch_poll)  # fmt: skip
        self.batch_api_report = await run_batch_api(run)
        for batch in self.batch_api_report["batches"]:
            self.usage.tokens_in += batch["tokens_in"]
            self.usage.tokens_out += batch["tokens_out"]

    # -- the review --

    async def _review_all(self) -> None:
        self.state.start_invocation()
        self._namer = Namer()
        self._seq = self._error_seq = 0
        workers = worker_count(self.options.workers, self.progress.total_files)
        pool = WorkerPool(workers, policy=self.options.policy, client=self.client) if workers > 1 else None
        try:
            if pool is not None:
                await pool.start()
            files = pool.files(self.reader, self._stopped, self.engine) if pool else self.reader.files(self.engine, self._stopped)
            async with aclosing(files) as stream:
                async for file in stream:
                    await self._handle_file(file)
            if self.stop_requested:
                raise Stop
        finally:
            await self.inflight.drain()  # the forms in flight finish (in the pool, with workers)
            if pool is not None:
                pool.shutdown()
            self.usage.add(self.reader.model_usage)  # the model-read calls
            self.reader.model_usage = Usage()

    async def _handle_file(self, file: FileWork) -> None:
        """Register a file's forms in discovery order; reuse, commit or review each one."""
        self.progress.files += 1
        if file.error is not None:
            self._error(file.label, None, file.error)
        for index, message in file.problems:
            self._error(file.label, index, message)
        finished: list[tuple] = []  # a worker's forms of this file, committed together
        for index, header, work in file.items:
            key = self.reader.key(file.content_hash, index)
            reuse = work is None or self.state.is_done(key)
            if reuse and header is None:
                header = self.state.result_header(key)
            name = self._namer.assign(header["unit"], header["project"], header["code"], file.label, index)
            self.state.add_entry(self._seq, file.label, index, key, name)
            self._seq += 1
            if reuse or key in self._copies:
                self._reuse(key, name, committed=reuse)
                continue
            self._labels[key] = file.label  # for the line on stderr if its review fails
            if isinstance(work, Done):
                finished.append(self._commit(key, name, index, header, work.outcome, work.error, Usage(), defer=True))
                continue
            if self.stop_requested:  # stop feeding forms to the model
                self._commit_finished(finished)
                raise Stop
            self._copies[key] = []
            await self.inflight.start(self._review(key, name, index, header, work))
        self._commit_finished(finished)
        self.progress.update()

    def _reuse(self, key: str, name: str, committed: bool) -> None:
        """A form whose result is committed, or in flight (the same form found again: the
        file sent twice); its files are written when it commits."""
        self.reused += 1
        self.progress.forms += 1
        if not committed:
            self._copies[key].append(name)
            return
        self.opinions.ensure(key, name)
        self.progress.findings += self.state.scalar("SELECT n_findings FROM results WHERE key = ?", (key,)) or 0

    async def _review(self, key: str, name: str, index: int, header: dict[str, Any], work: ToDo) -> None:
        """One form's review with its model usage counted, then its commit, error or not."""
        self._commit(key, name, index, header, *await counted(work.run))

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

    def _commit(self, key: str, name: str, index: int, header: dict[str, Any], outcome: FormOutcome | None,
                error: str | None, usage: Usage, defer: bool = False) -> tuple | None:  # fmt: skip
        """Commit one form's result (and queue its opinion files) at once; with defer, return
        the result for the caller to commit with the other forms of its file."""
        copies = self._copies.pop(key, ())  # the same form found again while this one was in flight
        label = self._labels.pop(key, key)
        if outcome is None:
            row = dict(header, status="error", error=error)
            self._say_error(label, index, error or "could not be reviewed")
            findings, comments, opinion, warnings = [], [], None, []
        else:
            row = dict(outcome.row)  # status "ok", or "degraded" with why the model failed
            findings, comments, warnings = outcome.findings, outcome.comments, outcome.warnings
            opinion = getattr(outcome, "packed_opinion", None) or outcome.opinion  # packed by a worker
            for opinion_name in (name, *copies):
                self.opinions.write(opinion_name, key, outcome.opinion_md, outcome.opinion_html, outcome.review_json)
        row.update(content_hash=key.split(":")[0], form_index=index, config_hash=self.config_hash,
                   tokens_in=usage.tokens_in, tokens_out=usage.tokens_out, calls=usage.calls,
                   failed_calls=usage.failed)  # fmt: skip
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

    def _finalise(self) -> dict[str, Any]:
        counts, timings = write_reports(self.out, self.state)
        self.timings.update(timings)
        keep = {r[0] for r in self.state.query("SELECT name FROM entries")}
        others, removed = self.opinions.others(keep, prune=self.options.prune)
        return {"summary_rows": counts, "opinions_written": self.opinions.written,
                "opinions_not_in_this_run": [] if self.options.prune else others,
                "opinions_pruned": len(others) if self.options.prune else 0,
                "opinion_files_removed": removed}  # fmt: skip


def run_batch(options: BatchOptions, **kwargs: Any) -> BatchResult:
    """Run a batch to completion (or until stopped); see BatchRunner for the keyword hooks."""
    return asyncio.run(BatchRunner(options, **kwargs).run())
