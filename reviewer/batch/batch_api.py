"""The model side of a batch: a counting client, and the OpenAI Batch API mode.

Batch API mode (`--batch-api`) runs before the normal review:
1. a recording pass reviews every pending form with a client that records the model
   requests it would make instead of sending them;
2. the requests are written as batch JSONL (custom_id = form key / call number),
   uploaded (/v1/files) and a batch created (/v1/batches); its id is saved in the run
   state at once, so an interrupted run polls the same batch when run again;
3. the batch is polled until it ends; the replies are downloaded, joined by custom_id,
   validated like live replies and put into the reply cache;
4. the normal review then runs: answered calls are cache hits and make no request;
   failed, expired or missing requests are sent live, as usual.

Only reviewer.llm imports openai: the SDK client object comes from the run's Client.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewer.batch.work import Engine, Usage, current_usage, record_call
from reviewer.llm import CallResult, Client, prepare_messages, prompt_hash, reply_errors, response_format_param, public_url
from reviewer.store import CallRecord

if TYPE_CHECKING:
    from reviewer.batch.runner import BatchRunner

CHAT_ENDPOINT = "/v1/chat/completions"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
MAX_REQUESTS_PER_BATCH = 50_000  # OpenAI's limit per batch
MAX_BYTES_PER_BATCH = 190 * 1024 * 1024  # under OpenAI's 200 MB input file limit
RECORDED_REASON = "recorded for the Batch API"


class CountingClient(Client):
    """The run's client: counts every call's tokens into the form being reviewed, and sends
    one request per prompt at a time (single flight): a call whose prompt is already in
    flight (the same form in two files, a file sent twice) waits for that call and is then
    answered from the cache; when that call failed, it asks itself."""

    def __init__(self, settings: Any, store: Any = None) -> None:
        super().__init__(settings, store)
        self._in_flight: dict[str, asyncio.Future] = {}  # cache key -> done when its call ends

    async def complete_structured(self, messages, output_model, *, validate=None, prompt_version):  # type: ignore[override]
        key = prompt_hash(self.settings, prompt_version, messages, output_model)
        while (leader := self._in_flight.get(key)) is not None:
            await asyncio.shield(leader)  # a cancelled waiter must not cancel the leader's call
        done = asyncio.get_running_loop().create_future()
        self._in_flight[key] = done
        try:
            result = await super().complete_structured(messages, output_model, validate=validate, prompt_version=prompt_version)
        finally:
            del self._in_flight[key]
            done.set_result(None)
        record_call(result)
        return result

    async def _request(self, conversation, response_format, result):  # type: ignore[override]
        content = await super()._request(conversation, response_format, result)
        # The request's slot is free now: let a call waiting for it be sent before this reply
        # is parsed, validated, cached and logged (calls end in waves; each reply's checks would
        # otherwise hold back the next wave's requests).
        await asyncio.sleep(0)
        return content


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
        key = prompt_hash(self.settings, prompt_version, messages, output_model)
        cached = self._from_cache(key, output_model, validate)
        if cached is not None:
            return cached
        self.recorded.append(Recorded(key, [dict(m) for m in messages], output_model, validate, prompt_version))
        return CallResult(ok=False, outcome="not_configured", reason=RECORDED_REASON, prompt_hash=key)


def request_line(settings: Any, custom_id: str, call: Recorded) -> dict[str, Any]:
    """One line of batch JSONL: the same chat request the live path would send."""
    fmt = settings.response_format
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": CHAT_ENDPOINT,
        "body": {
            "model": settings.model,
            "messages": prepare_messages(call.messages, call.output_model, fmt),
            "response_format": response_format_param(call.output_model, fmt),
            "temperature": settings.temperature,
        },
    }


def sdk_client(client: Any) -> Any:
    """The AsyncOpenAI object behind a reviewer.llm.Client (inside a running event loop)."""
    return client.sdk()


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


async def record_requests(runner: BatchRunner) -> tuple[dict[str, Recorded], list[Path]]:
    """Review every pending form with a RecordingClient; write the requests as JSONL files."""
    client = runner.client
    recorder = RecordingClient(client.settings, client.store)
    engine = Engine(runner.options.policy, client=recorder)
    folder = runner.out / "batch_api"
    folder.mkdir(exist_ok=True)
    calls: dict[str, Recorded] = {}
    seen: set[str] = set()
    chunks: list[Path] = []
    handle = None
    lines = size = 0
    try:
        async for _doc, content_hash, forms, _problems, _error in runner.walk():
            for index, form in forms:
                key = runner.key(content_hash, index)
                if form is None or runner.state.is_done(key):
                    continue
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
                    line = (json.dumps(request_line(client.settings, custom_id, call), ensure_ascii=False) + "\n").encode()
                    if handle is None or lines >= MAX_REQUESTS_PER_BATCH or size + len(line) > MAX_BYTES_PER_BATCH:
                        if handle is not None:
                            handle.close()
                        chunks.append(folder / f"requests-{runner.config_hash[:12]}-{len(chunks) + 1}.jsonl")
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


async def run_batch_api(runner: BatchRunner) -> dict[str, Any]:
    """Steps 1-3 of the module docstring; returns what run.json reports about it."""
    client, state = runner.client, runner.state
    progress = runner.progress
    progress.note = "Batch API: preparing requests"
    calls, chunks = await record_requests(runner)
    sdk = sdk_client(client)
    open_batches = [b for b in state.open_batches(runner.config_hash)]
    report: dict[str, Any] = {"requests": len(calls), "batches": []}
    if not open_batches and calls:
        for path in chunks:
            data = path.read_bytes()
            n = data.count(b"\n")
            file_id = await upload(sdk, path.name, data)
            batch = await create(sdk, file_id, {"reviewer_run": runner.config_hash[:16], "file": path.name})
            state.save_batch(batch.id, runner.config_hash, batch.status, file_id, n)  # at once: resumable
            open_batches.append({"id": batch.id, "status": batch.status, "n_requests": n})
    progress.files = 0  # the recording pass walked the inputs; the review walks them again
    for record in open_batches:
        report["batches"].append(await _finish_batch(runner, sdk, record["id"], calls))
    progress.note = ""
    return report


async def _finish_batch(runner: BatchRunner, sdk: Any, batch_id: str, calls: dict[str, Recorded]) -> dict[str, Any]:
    state, progress = runner.state, runner.progress
    started = time.monotonic()
    while True:
        batch = await retrieve(sdk, batch_id)
        counts = getattr(batch, "request_counts", None)
        done = f"{getattr(counts, 'completed', 0)}/{getattr(counts, 'total', 0)}" if counts else ""
        progress.note = f"Batch API {batch_id}: {batch.status} {done}".rstrip()
        progress.update(force=True)
        state.update_batch(batch_id, status=batch.status)
        if runner.on_batch_poll is not None:
            runner.on_batch_poll({"id": batch_id, "status": batch.status})
        if batch.status in TERMINAL:
            break
        if runner.stop_requested:
            from reviewer.batch.runner import Stop

            raise Stop
        await asyncio.sleep(runner.options.poll_interval)
    joined = {"succeeded": 0, "failed": 0, "unknown": 0, "tokens_in": 0, "tokens_out": 0}
    if batch.output_file_id:
        _join(runner, await download(sdk, batch.output_file_id), calls, joined)
    errors = 0
    if getattr(batch, "error_file_id", None):
        errors = sum(1 for line in (await download(sdk, batch.error_file_id)).splitlines() if line.strip())
    joined["failed"] += errors
    state.update_batch(
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
    runner.usage.tokens_in += joined["tokens_in"]
    runner.usage.tokens_out += joined["tokens_out"]
    return {"id": batch_id, "status": batch.status, "waited_s": round(time.monotonic() - started, 3), **joined}


def _join(runner: BatchRunner, text: str, calls: dict[str, Recorded], joined: dict[str, int]) -> None:
    """Put every valid reply into the cache, so the normal path makes no request for it."""
    client = runner.client
    settings, store = client.settings, client.store
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
        _parsed, errors = reply_errors(content, call.output_model, call.validate)
        outcome = "ok" if not errors else "invalid"
        store.log_call(
            CallRecord(
                prompt_hash=call.key,
                prompt_version=f"{call.prompt_version} (batch api)",
                model=settings.model,
                base_url=public_url(settings.base_url),
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                attempts=1,
                outcome=outcome,
                error="; ".join(errors)[:500],
            )
        )
        if errors:  # asked again live, with re-asks, by the normal path
            joined["failed"] += 1
            continue
        store.put_cached(call.key, content, model=settings.model, prompt_version=call.prompt_version)
        joined["succeeded"] += 1
