"""One batch at a time in an output folder.

Two runs writing one folder would share temporary names and mix their summaries. A run
holds an OS lock on `DIR/.batch.lock` (flock: released by the kernel when the process
ends, however it ends, so a killed run never leaves the folder locked) and writes who
holds it (pid, host, start time) into the file, for the message the second run prints.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".batch.lock"
_held: set[int] = set()  # descriptors of the locks this process holds


def _close_in_child() -> None:
    """A forked worker must not keep the lock alive after its parent is killed: an flock
    is released only when every descriptor of it is closed."""
    for fd in _held:
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


class FolderError(Exception):
    """An output folder that cannot be used; the message says why, for the user."""


@contextmanager
def hold(folder: Path) -> Iterator[None]:
    """Hold the folder's lock while the block runs; FolderError when another run holds it."""
    path = folder / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise FolderError(f"{folder}: cannot write the output folder ({exc.strerror})") from None
    try:
        if not _try_lock(fd):
            raise FolderError(in_use(folder, _holder(fd)))
        _held.add(fd)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started": time.strftime("%Y-%m-%d %H:%M:%S %z")}).encode("utf-8"))  # fmt: skip
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # nobody holds it now
    finally:
        _held.discard(fd)
        os.close(fd)  # releases the lock


def in_use(folder: Path, holder: dict) -> str:
    if not holder:
        return f"{folder} is in use by another batch (just starting); wait for it to finish, or use another --out"
    return (f"{folder} is in use by another batch: pid {holder.get('pid')} on {holder.get('host')}, "
            f"started {holder.get('started')}; wait for it to finish, or use another --out")


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0) if hasattr(os, "pread") else b""
        holder = json.loads(data.decode("utf-8")) if data else {}
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}
