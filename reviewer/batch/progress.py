"""A one-line progress display on stderr: files, forms, findings, rate, ETA, tokens.

Drawn only when stderr is a terminal (or when forced); redrawn at most ten times a
second; the ETA comes from the share of input files done.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    return str(n)


class Progress:
    def __init__(self, total_files: int, *, enabled: bool | None = None, stream: TextIO | None = None,
                 show_tokens: bool = False) -> None:  # fmt: skip
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total_files = max(total_files, 0)
        self.files = 0
        self.forms = 0  # forms finished this run (reviewed or reused)
        self.findings = 0
        self.errors = 0
        self.tokens_in = 0
        self.tokens_out = 0
        self.show_tokens = show_tokens
        self.note = ""
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def update(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        line = self.line(now)
        pad = max(0, self._width - len(line))
        self._width = len(line)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = now - self.started
        share = self.files / self.total_files if self.total_files else 0.0
        filled = int(share * 20)
        bar = "#" * filled + "." * (20 - filled)
        parts = [f"[{bar}] {self.files}/{self.total_files} files", f"{self.forms} forms", f"{self.findings} findings"]
        if self.errors:
            parts.append(f"{self.errors} unreadable")
        if elapsed > 0 and self.forms:
            parts.append(f"{self.forms / elapsed:.0f} forms/s")
        if 0 < share < 1:
            parts.append(f"ETA {_clock(elapsed / share * (1 - share))}")
        elif share >= 1:
            parts.append(f"{_clock(elapsed)}")
        if self.show_tokens:
            parts.append(f"tokens {_short(self.tokens_in)} in / {_short(self.tokens_out)} out")
        if self.note:
            parts.append(self.note)
        return " · ".join(parts)

    def say(self, line: str) -> None:
        """A line of its own on the stream (a file that cannot be read), above the bar."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(line + "\n")
        self.stream.flush()
        self.update(force=True)

    def close(self) -> None:
        if self.enabled and self._width:
            self.update(force=True)
            self.stream.write("\n")
            self.stream.flush()
