"""The run's model client: reviewer.llm.Client, counting each form's calls, one request per prompt."""

from __future__ import annotations

import asyncio
from typing import Any

from reviewer.batch.work import record_call
from reviewer.config import load_settings
from reviewer.llm import Client


class CountingClient(Client):
    """The run's client: counts every call's tokens into the form being reviewed, and sends
    one request per prompt at a time (single flight): a call whose prompt is already in
    flight (the same form in two files, a file sent twice) waits for that call and is then
    answered from the cache; when that call failed, it asks itself."""

    def __init__(self, settings: Any, store: Any = None) -> None:
        super().__init__(settings, store)
        self._in_flight: dict[str, asyncio.Future] = {}  # cache key -> done when its call ends

    async def complete_structured(self, messages, output_model, *, validate=None, prompt_version):  # type: ignore[override]
        key = self.cache_key(messages, output_model, prompt_version)
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


def make_client(settings: Any, concurrency: int) -> CountingClient:
    """The client of a run with --llm: the configured model (or `settings`), at --concurrency."""
    settings = settings or load_settings()
    return CountingClient(settings.model_copy(update={"concurrency": max(1, concurrency)}))
