"""SQLite in REVIEWER_HOME: the reply cache and the call log.

One file, `reviewer.sqlite`, in WAL mode so that several processes can read while one
writes; every write is one short transaction, and a busy database is waited for
(busy_timeout) rather than failed. One connection per Store, guarded by a lock so
the synchronous wrapper's threads and asyncio tasks can share it. Its schema is the list
MIGRATIONS (see reviewer.migrations): a change of schema is a new function at its end.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from reviewer.migrations import execute_script, migrate

DB_FILE_NAME = "reviewer.sqlite"
Outcome = Literal["ok", "cache_hit", "invalid", "transport_error"]

_INITIAL = """
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    model TEXT NOT NULL,
    base_url TEXT NOT NULL,
    tokens_in INTEGER NOT NULL,
    tokens_out INTEGER NOT NULL,
    latency_s REAL NOT NULL,
    attempts INTEGER NOT NULL,
    reasks INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT NOT NULL
);
"""


def _initial(db: sqlite3.Connection) -> None:
    """Version 1: the schema as it was before versions were kept."""
    execute_script(db, _INITIAL)


MIGRATIONS = (_initial,)  # applied in order; a schema change is a new function at the end


class CallRecord(BaseModel):
    """One row of the call log: one complete_structured call, however many requests it took."""

    time: str = ""  # ISO 8601, UTC; filled in when logged
    prompt_hash: str
    prompt_version: str = ""
    model: str
    base_url: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    attempts: int = 0  # HTTP requests made
    reasks: int = 0
    outcome: Outcome
    error: str = ""


class CallTotals(BaseModel):
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    outcomes: dict[str, int] = {}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Store:
    def __init__(self, home: Path | str, *, busy_timeout_s: float = 30.0) -> None:
        self.path = Path(home) / DB_FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # isolation_level=None: autocommit; transactions are explicit and short.
        self._db = sqlite3.connect(
            self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._enable_wal(busy_timeout_s)
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            migrate(self._db, MIGRATIONS, name=str(self.path))

    def _enable_wal(self, busy_timeout_s: float) -> None:
        # Switching a new file to WAL fails with "database is locked" without waiting
        # on the busy timeout when other processes open it at the same moment; WAL
        # then sticks to the file, so this only races on first use.
        deadline = time.monotonic() + busy_timeout_s
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01 + random.random() * 0.05)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            # BEGIN IMMEDIATE takes the write lock up front, so a busy database is
            # waited for here instead of failing half-way through.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # --- cache -------------------------------------------------------------------

    def cached(self, key: str) -> str | None:
        rows = self._read("SELECT content FROM cache WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def put_cached(self, key: str, content: str, *, model: str, prompt_version: str) -> None:
        """Store a reply that parsed and validated; callers never pass errors here."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO cache (key, created, model, prompt_version, content) VALUES (?, ?, ?, ?, ?)",
                (key, utc_now(), model, prompt_version, content),
            )

    def forget_cached(self, key: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM cache WHERE key = ?", (key,))

    # --- call log ----------------------------------------------------------------

    def log_call(self, record: CallRecord) -> CallRecord:
        record = record.model_copy(update={"time": record.time or utc_now()})
        row = record.model_dump()
        columns = ", ".join(row)
        with self._write() as db:
            db.execute(f"INSERT INTO calls ({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
        return record

    def recent_calls(self, limit: int = 20) -> list[CallRecord]:
        """The latest `limit` calls, oldest first."""
        names = list(CallRecord.model_fields)
        rows = self._read(f"SELECT {', '.join(names)} FROM calls ORDER BY id DESC LIMIT ?", (limit,))
        return [CallRecord(**dict(zip(names, row))) for row in reversed(rows)]

    def totals(self) -> CallTotals:
        rows = self._read(
            "SELECT outcome, COUNT(*), COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0) "
            "FROM calls GROUP BY outcome"
        )
        totals = CallTotals()
        for outcome, count, tokens_in, tokens_out in rows:
            totals.calls += count
            totals.tokens_in += tokens_in
            totals.tokens_out += tokens_out
            totals.outcomes[outcome] = count
        return totals

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
