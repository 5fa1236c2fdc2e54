"""The OpenAI Batch API mode (`--batch-api`), run before the normal review.

1. a recording pass reviews every pending form with a client that records the model
   requests it would make instead of sending them;
2. the requests are written as batch JSONL (custom_id = form key / call number),
   uploaded (/v1/files) and a batch created (/v1/batches); its id is saved in the run
   state at once, so an interrupted run polls the same batch when run again;
3. the batch is polled until it ends; the replies are downloaded, joined by custom_id and
   given to the run's client (Client.accept_reply: checked like live replies, logged, cached);
4. the normal review then runs: answered calls are cache hits and make no request;
   failed, expired or missing requests are sent live, as usual.

The runner hands this module a BatchApiRun: what it needs of the run, nothing more. Only
reviewer.llm imports openai: the SDK client object comes from the run's Client (Client.sdk).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.batch.progress import Progress
from reviewer.batch.signals import Stop
from reviewer.batch.state import RunState
from reviewer.batch.work import Engine, Usage, current_usage
from reviewer.domain.model import Form
from reviewer.llm import CallResult, Client

CHAT_ENDPOINT = "/v1/chat/completions"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
MAX_REQUESTS_PER_BATCH = 50_000  # OpenAI's limit per batch
MAX_BYTES_PER_BATCH = 190 * 1024 * 1024  # under OpenAI's 200 MB input file limit
RECORDED_REASON = "recorded for the Batch API"
ROUTE = "batch api"  # in the call log's prompt version of the replies that came this way


@dataclass
class BatchApiRun:
    """What the Batch API mode needs of a run."""

    client: Client  # the run's client: settings, cache, call log, SDK
    state: RunState  # where batches are saved, so a stopped run resumes them
    pending: Callable[[], AsyncIterator[tuple[str, Form]]]  # (result key, form) of every form to review
    policy: Path | None
    folder: Path  # for the request files
    tag: str  # the run's config hash: a batch belongs to one configuration
    poll_interval: float
    progress: Progress
    stopped: Callable[[], bool]
    on_poll: Callable[[dict[str, Any]], None] | None = None


@dataclass
class Recorded:
    key: str  # the cache key (llm.prompt_hash)
    messages: list[dict[str, str]]
    output_model: Any
    validate: Any
    prompt_version: str


class RecordingClient(Client):
    """Answers from the cache when it can; otherwise records the request and fails the call."""

    def __init__(self, settings: Any, store: Any = None) -> None:
        super().__init__(settings, store)
        self.recorded: list[Recorded] = []

    async def complete_structured(self, messages, output_model, *, validate=None, prompt_version):  # type: ignore[override]
        key = self.cache_key(messages, output_model, prompt_version)
        cached = self.cached_reply(key, output_model, validate)
        if cached is not None:
            return cached
        self.recorded.append(Recorded(key, [dict(m) for m in messages], output_model, validate, prompt_version))
        return CallResult(ok=False, outcome="not_configured", reason=RECORDED_REASON, prompt_hash=key)


def request_line(client: Client, custom_id: str, call: Recorded) -> dict[str, Any]:
    """One line of batch JSONL: the same chat request the live path would send."""
    body = client.chat_body(call.messages, call.output_model)
    return {"custom_id": custom_id, "method": "POST", "url": CHAT_ENDPOINT, "body": body}


# --- thin SDK calls -----------------------------------------------------------------


async def upload(sdk: Any, name: str, data: bytes) -> str:
    file = await sdk.files.create(file=(name, data, "application/jsonl"), purpose="batch")
    return file.id


async def create(sdk: Any, input_file_id: str, metadata: dict[str, str]) -> Any:
    return await sdk.batches.create(
        input_file_id=input_file_id, endpoint=CHAT_ENDPOINT, completion_window="24h", metadata=metadata
    )


async def retrieve(sdk: Any, batch_id: str) -> Any:
    return await sdk.batches.retrieve(batch_id)


async def download(sdk: Any, file_id: str) -> str:
    content = await sdk.files.content(file_id)
    return content.text


# --- the flow -----------------------------------------------------------------------


async def record_requests(run: BatchApiRun) -> tuple[dict[str, Recorded], list[Path]]:
    """Review every pending form with a RecordingClient; write the requests as JSONL files."""
    recorder = RecordingClient(run.client.settings, run.client.store)
    engine = Engine(run.policy, client=recorder)
    run.folder.mkdir(exist_ok=True)
    calls: dict[str, Recorded] = {}
    seen: set[str] = set()
    chunks: list[Path] = []
    handle = None
    lines = size = 0
    try:
        async for key, form in run.pending():
            recorder.recorded.clear()
            token = current_usage.set(Usage())
            try:
                await engine.review(form)
            except Exception:  # noqa: BLE001 - the normal path will record the error
                pass
            finally:
                current_usage.reset(token)
            for n, call in enumerate(recorder.recorded):
                if call.key in seen:
                    continue
                seen.add(call.key)
                custom_id = f"{key}/{n}"
                line = (json.dumps(request_line(run.client, custom_id, call), ensure_ascii=False) + "\n").encode()
                if handle is None or lines >= MAX_REQUESTS_PER_BATCH or size + len(line) > MAX_BYTES_PER_BATCH:
                    if handle is not None:
                        handle.close()
                    chunks.append(run.folder / f"requests-{run.tag[:12]}-{len(chunks) + 1}.jsonl")
                    handle = chunks[-1].open("wb")
                    lines = size = 0
                handle.write(line)
                lines += 1
                size += len(line)
                calls[custom_id] = call
    finally:
        if handle is not None:
            handle.close()
    return calls, chunks


async def run_batch_api(run: BatchApiRun) -> dict[str, Any]:
    """Steps 1-3 of the module docstring; returns what run.json reports about it (each
    batch's joined tokens included: the runner counts them into the run's usage)."""
    run.progress.note = "Batch API: preparing requests"
    calls, chunks = await record_requests(run)
    sdk = run.client.sdk()
    open_batches = list(run.state.open_batches(run.tag))
    report: dict[str, Any] = {"requests": len(calls), "batches": []}
    if not open_batches and calls:
        for path in chunks:
            data = path.read_bytes()
            n = data.count(b"\n")
            file_id = await upload(sdk, path.name, data)
            batch = await create(sdk, file_id, {"reviewer_run": run.tag[:16], "file": path.name})
            run.state.save_batch(batch.id, run.tag, batch.status, file_id, n)  # at once: resumable
            open_batches.append({"id": batch.id, "status": batch.status, "n_requests": n})
    for record in open_batches:
        report["batches"].append(await _finish_batch(run, sdk, record["id"], calls))
    run.progress.note = ""
    return report


async def _finish_batch(run: BatchApiRun, sdk: Any, batch_id: str, calls: dict[str, Recorded]) -> dict[str, Any]:
    started = time.monotonic()
    while True:
        batch = await retrieve(sdk, batch_id)
        counts = getattr(batch, "request_counts", None)
        done = f"{getattr(counts, 'completed', 0)}/{getattr(counts, 'total', 0)}" if counts else ""
        run.progress.note = f"Batch API {batch_id}: {batch.status} {done}".rstrip()
        run.progress.update(force=True)
        run.state.update_batch(batch_id, status=batch.status)
        if run.on_poll is not None:
            run.on_poll({"id": batch_id, "status": batch.status})
        if batch.status in TERMINAL:
            break
        if run.stopped():
            raise Stop
        await asyncio.sleep(run.poll_interval)
    joined = {"succeeded": 0, "failed": 0, "unknown": 0, "tokens_in": 0, "tokens_out": 0}
    if batch.output_file_id:
        _join(run.client, await download(sdk, batch.output_file_id), calls, joined)
    errors = 0
    if getattr(batch, "error_file_id", None):
        errors = sum(1 for line in (await download(sdk, batch.error_file_id)).splitlines() if line.strip())
    joined["failed"] += errors
    run.state.update_batch(
        batch_id,
        status=batch.status,
        output_file_id=batch.output_file_id,
        error_file_id=getattr(batch, "error_file_id", None),
        joined=1,
        succeeded=joined["succeeded"],
        failed=joined["failed"],
        tokens_in=joined["tokens_in"],
        tokens_out=joined["tokens_out"],
    )
    return {"id": batch_id, "status": batch.status, "waited_s": round(time.monotonic() - started, 3), **joined}


def _join(client: Client, text: str, calls: dict[str, Recorded], joined: dict[str, int]) -> None:
    """Give every reply to the client, which caches the valid ones: the normal path makes no
    request for them."""
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            joined["failed"] += 1
            continue
        call = calls.get(item.get("custom_id", ""))
        response = item.get("response") or {}
        body = response.get("body") or {}
        if call is None:
            joined["unknown"] += 1
            continue
        if response.get("status_code") != 200 or item.get("error"):
            joined["failed"] += 1
            continue
        usage = body.get("usage") or {}
        tokens_in, tokens_out = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        joined["tokens_in"] += tokens_in
        joined["tokens_out"] += tokens_out
        choices = body.get("choices") or [{}]
        content = ((choices[0] or {}).get("message") or {}).get("content") or ""
        result = client.accept_reply(call.key, content, call.output_model, call.validate,
                                     prompt_version=call.prompt_version, route=ROUTE,
                                     tokens_in=tokens_in, tokens_out=tokens_out)  # fmt: skip
        joined["succeeded" if result.ok else "failed"] += 1  # a failed one is asked again live, with re-asks
