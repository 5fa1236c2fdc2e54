"""Forms reviewed in the event loop: each its own task, at most `limit` at once.

With a model, a few forms per unit of concurrency are in flight (so the next call is
ready when a slot frees, and memory stays bounded); without one (limit 1) each form is
reviewed in line. A form's model usage is counted into its own Usage (the client adds to
`current_usage`, which each task has its own copy of).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from reviewer.batch.jobs import internal_error
from reviewer.batch.work import FormOutcome, Usage, current_usage


class InFlight:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task] = set()

    async def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` as a task once a slot is free (the slot frees when it ends); in line with limit 1."""
        if self.limit == 1:
            await work
            return
        await self._slots.acquire()
        task = asyncio.ensure_future(work)
        self._tasks.add(task)

        def done(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            self._slots.release()

        task.add_done_callback(done)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()


async def counted(run: Callable[[], Coroutine[Any, Any, FormOutcome]]) -> tuple[FormOutcome | None, str | None, Usage]:
    """(outcome, None, usage), or (None, why, usage) when the review raised."""
    usage = Usage()
    token = current_usage.set(usage)
    try:
        return await run(), None, usage
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - one broken form must not stop the batch
        return None, internal_error(exc), usage
    finally:
        current_usage.reset(token)
