"""What the reviewer decided: one SQLite file beside the run (decisions.sqlite).

Separate from the run's state.sqlite, which `reviewer batch` owns and may rebuild: a rerun
never touches what a person decided. Keyed by the run's result key (content hash, form
index, config hash): a rerun under another policy yields new suggestions, which start
unreviewed, and the old decisions stay on file.

An item is one suggestion or addition on a form:
- `comment:ORD`: the drafted comment number ORD of the stored review (its order in the
  run's `comments` table), decided `accepted` (as is), `edited` (text and score changed)
  or `rejected` (with an optional reason);
- `own:N`: a cut or comment the reviewer added (`own`), on an indicator row or the form;
- `opinion`: the overall opinion paragraph as the reviewer rewrote it (`opinion`).

Every change is committed at once (autocommit), so a decision survives the server's end.
The schema is the list MIGRATIONS (reviewer.migrations): a change is a new function at the end.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from reviewer.migrations import execute_script, migrate

DECISIONS_FILE = "decisions.sqlite"
VERDICTS = ("accepted", "edited", "rejected", "own", "opinion")
REVIEW_STATUSES = ("in_progress", "done")

_INITIAL = """
CREATE TABLE IF NOT EXISTS decisions (
    form_key TEXT NOT NULL,
    item TEXT NOT NULL,             -- comment:ORD | own:N | opinion
    verdict TEXT NOT NULL,          -- accepted | edited | rejected | own | opinion
    text TEXT,                      -- edited / own / opinion text
    score REAL,                     -- the decided score of the row (edited, own), NULL: no cut
    reason TEXT,                    -- why it was rejected or changed (optional)
    indicator_index INTEGER,        -- own: the 0-based indicator row, NULL for the form as a whole
    check_id TEXT,                  -- the suggestion's check codes, for agreement per check
    updated TEXT NOT NULL,
    PRIMARY KEY (form_key, item)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS decisions_check ON decisions (check_id);
CREATE TABLE IF NOT EXISTS forms (
    form_key TEXT PRIMARY KEY,
    status TEXT NOT NULL,           -- in_progress | done (no row: not started)
    updated TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS forms_status ON forms (status);
"""


def _initial(db: sqlite3.Connection) -> None:
    """Version 1: decisions per item, review status per form."""
    execute_script(db, _INITIAL)


MIGRATIONS = (_initial,)


@dataclass
class Decision:
    item: str
    verdict: str
    text: str | None = None
    score: float | None = None
    reason: str | None = None
    indicator_index: int | None = None
    check_id: str | None = None
    updated: str = ""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class DecisionStore:
    """The decisions file of one run; safe to share between the server's threads (one lock)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / DECISIONS_FILE
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        migrate(self.db, MIGRATIONS, name=str(self.path))

    def close(self) -> None:
        self.db.close()

    def decisions(self, form_key: str) -> dict[str, Decision]:
        with self._lock:
            rows = self.db.execute(
                "SELECT item, verdict, text, score, reason, indicator_index, check_id, updated FROM decisions "
                "WHERE form_key = ? ORDER BY item", (form_key,)).fetchall()  # fmt: skip
        return {row[0]: Decision(*row) for row in rows}

    def put(self, form_key: str, decision: Decision) -> None:
        """Record one decision (replacing the item's last), and mark the form in progress."""
        if decision.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {decision.verdict!r}")
        now = _now()
        with self._lock, self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT OR REPLACE INTO decisions (form_key, item, verdict, text, score, reason, indicator_index, "
                "check_id, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (form_key, decision.item, decision.verdict, decision.text, decision.score, decision.reason,
                 decision.indicator_index, decision.check_id, now),
            )  # fmt: skip
            self.db.execute("INSERT OR IGNORE INTO forms (form_key, status, updated) VALUES (?, 'in_progress', ?)",
                            (form_key, now))  # fmt: skip

    def remove(self, form_key: str, item: str) -> None:
        """Undo a decision: the suggestion is unreviewed again (an own item is deleted)."""
        with self._lock, self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM decisions WHERE form_key = ? AND item = ?", (form_key, item))

    def next_own(self, form_key: str) -> str:
        with self._lock:
            items = [i for (i,) in self.db.execute(
                "SELECT item FROM decisions WHERE form_key = ? AND item LIKE 'own:%'", (form_key,))]  # fmt: skip
        numbers = [int(i.split(":", 1)[1]) for i in items if i.split(":", 1)[1].isdigit()]
        return f"own:{max(numbers, default=0) + 1}"

    def status(self, form_key: str) -> str:
        with self._lock:
            row = self.db.execute("SELECT status FROM forms WHERE form_key = ?", (form_key,)).fetchone()
        return row[0] if row else "not_started"

    def set_status(self, form_key: str, status: str) -> None:
        if status not in REVIEW_STATUSES:
            raise ValueError(f"unknown review status {status!r}")
        with self._lock, self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO forms (form_key, status, updated) VALUES (?, ?, ?)",
                            (form_key, status, _now()))  # fmt: skip

    def reviewed_keys(self) -> list[str]:
        """Forms with a review status (in progress or done)."""
        with self._lock:
            return [k for (k,) in self.db.execute("SELECT form_key FROM forms ORDER BY form_key")]

    def verdicts(self) -> list[tuple[str, str, str]]:
        """(form key, check codes, verdict) of every decided suggestion."""
        with self._lock:
            return self.db.execute(
                "SELECT form_key, check_id, verdict FROM decisions WHERE item LIKE 'comment:%'").fetchall()
