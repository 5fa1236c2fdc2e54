"""Stopping a batch: the first Ctrl-C finishes the forms in flight, a second stops at once."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Stop(Exception):
    """Raised inside the runner to stop feeding new forms (first Ctrl-C)."""


@contextmanager
def on_sigint(handler: Callable[[], None]) -> Iterator[None]:
    """`handler` answers SIGINT while the running event loop is inside this block (it may
    raise KeyboardInterrupt); where loops take no signal handlers, Python's default stays."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, handler)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)
