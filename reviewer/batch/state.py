"""The run state: one SQLite file in the output folder that makes a batch resumable.

A form's result is keyed by (file content hash, form index, config hash) and committed
as soon as the form is done, so an interrupted run loses at most the forms in flight.
What this invocation saw (entries: file label, form index, result key, opinion name;
errors) is rebuilt on every run, in discovery order, so the outputs are built from the
state alone, in a deterministic order, without holding forms in memory.

The schema is the list MIGRATIONS (see reviewer.migrations); a folder made by an older
reviewer is brought up to it when opened.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from reviewer.batch.lock import FolderError
from reviewer.migrations import SchemaError, execute_script, migrate

STATE_FILE_NAME = "state.sqlite"

# Columns of `results` besides the key and the stored opinion, in the order the
# runner fills them (see FormOutcome.row in reviewer.batch.work).
RESULT_COLUMNS = (
    "content_hash", "form_index", "config_hash", "status", "error",
    "unit", "project", "code", "year", "department", "kind", "layout",
    "initial_budget", "annual_budget", "executed", "execution_rate", "budget_score",
    "declared_total", "suggested_total", "grade",
    "n_errors", "n_warnings", "n_cuts", "n_findings", "n_comments", "n_llm_comments",
    "tokens_in", "tokens_out", "calls", "failed_calls",
)  # fmt: skip
FINDING_COLUMNS = (
    "check_id", "name", "severity", "indicator_index", "indicator_name", "field", "message", "suggested_score",
    "p_cut", "confidence_rows", "contested",  # how sure the policy is of the cut (checks.findings.Confidence)
)  # fmt: skip
WARNING_COLUMNS = ("field", "message")  # what extraction could not read with confidence, and why
COMMENT_COLUMNS = (
    "indicator_index", "indicator_name", "source", "check_id", "category", "severity", "text", "suggestion",
    "suggested_score",
)  # fmt: skip

# Version 1, written out as it was when versions began: a released migration never changes.
_INITIAL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    content_hash TEXT NOT NULL, config_hash TEXT NOT NULL,
    error TEXT,                 -- the whole file could not be read
    forms TEXT NOT NULL,        -- JSON: indexes of the complete forms
    problems TEXT NOT NULL,     -- JSON: [[index, message]] for forms that could not be used
    PRIMARY KEY (content_hash, config_hash)
);
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    content_hash, form_index, config_hash, status, error, unit, project, code, year, department,
    kind, layout, initial_budget, annual_budget, executed, execution_rate, budget_score,
    declared_total, suggested_total, grade, n_errors, n_warnings, n_cuts, n_findings, n_comments,
    n_llm_comments, tokens_in, tokens_out, calls, failed_calls,
    opinion BLOB
);
CREATE TABLE IF NOT EXISTS findings (
    key TEXT NOT NULL, ord INTEGER NOT NULL, check_id, name, severity, indicator_index, indicator_name, field, message, suggested_score,
    PRIMARY KEY (key, ord)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS comments (
    key TEXT NOT NULL, ord INTEGER NOT NULL, indicator_index, indicator_name, source, check_id, category, severity, text, suggestion, suggested_score,
    PRIMARY KEY (key, ord)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS warnings (
    key TEXT NOT NULL, ord INTEGER NOT NULL, field, message,
    PRIMARY KEY (key, ord)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY, label TEXT NOT NULL, form_index INTEGER NOT NULL,
    key TEXT NOT NULL, name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_key ON entries (key);
CREATE TABLE IF NOT EXISTS errors (
    seq INTEGER PRIMARY KEY, label TEXT NOT NULL, form_index INTEGER, message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS opinion_files (
    name TEXT PRIMARY KEY,      -- opinions/NAME.md, .html (.docx)
    key TEXT NOT NULL           -- the result they were written from
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, ord INTEGER NOT NULL, config_hash TEXT NOT NULL, status TEXT NOT NULL,
    input_file_id TEXT, output_file_id TEXT, error_file_id TEXT,
    n_requests INTEGER NOT NULL, joined INTEGER NOT NULL DEFAULT 0,
    succeeded INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    tokens_in INTEGER NOT NULL DEFAULT 0, tokens_out INTEGER NOT NULL DEFAULT 0
);
"""


def _initial(db: sqlite3.Connection) -> None:
    """Version 1: the schema as it was before versions were kept."""
    execute_script(db, _INITIAL)


def _review_kept(db: sqlite3.Connection) -> None:
    """Version 2: whether a result's stored opinion holds its review (the FormReview JSON
    the .docx is written from). Results are stored with it since this version; before, only
    runs with --docx kept it, so a later --docx run redoes the results without one."""
    db.execute("ALTER TABLE results ADD COLUMN review_kept INTEGER NOT NULL DEFAULT 1")
    rows = db.execute("SELECT key, opinion FROM results").fetchall()
    missing = [(key,) for key, blob in rows if not (unpack(blob) or {}).get("review")]
    db.executemany("UPDATE results SET review_kept = 0 WHERE key = ?", missing)


def _finding_confidence(db: sqlite3.Connection) -> None:
    """Version 3: each finding's confidence (p_cut, the rows it was learned from, contested),
    so the summary can sort sure cuts from contested ones. Older rows have none (NULL)."""
    for column in ("p_cut REAL", "confidence_rows INTEGER", "contested INTEGER"):
        db.execute(f"ALTER TABLE findings ADD COLUMN {column}")


MIGRATIONS = (_initial, _review_kept, _finding_confidence)  # applied in order; a schema change is a new function at the end

_DELETE_FINDINGS = "DELETE FROM findings WHERE key = ?"
_DELETE_COMMENTS = "DELETE FROM comments WHERE key = ?"
_DELETE_WARNINGS = "DELETE FROM warnings WHERE key = ?"
_INSERT_WARNING = "INSERT INTO warnings (key, ord, field, message) VALUES (?, ?, ?, ?)"
_INSERT_RESULT = (
    f"INSERT OR REPLACE INTO results (key, {', '.join(RESULT_COLUMNS)}, opinion) "
    f"VALUES ({', '.join('?' * (len(RESULT_COLUMNS) + 2))})"
)
_INSERT_FINDING = (
    f"INSERT INTO findings (key, ord, {', '.join(FINDING_COLUMNS)}) VALUES ({', '.join('?' * (len(FINDING_COLUMNS) + 2))})"
)
_INSERT_COMMENT = (
    f"INSERT INTO comments (key, ord, {', '.join(COMMENT_COLUMNS)}) VALUES ({', '.join('?' * (len(COMMENT_COLUMNS) + 2))})"
)

# Result statuses that count as done. "degraded": the model gave no usable reply (the form
# has template drafts); asking again costs a call, so it is redone only when asked
# (--retry-failed). "error": the review itself failed; always redone.
DONE = ("ok", "degraded")
DONE_WITHOUT_FAILED = ("ok",)


def pack(obj: Any) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def unpack(blob: bytes | None) -> Any:
    return None if blob is None else json.loads(zlib.decompress(blob).decode("utf-8"))


class RunState:
    """The state database. Not thread-safe: the runner uses it from its event-loop thread only."""

    def __init__(self, folder: Path | str, *, retry_failed: bool = False, need_review: bool = False) -> None:
        """retry_failed: results whose model call failed are not done; need_review: nor are
        results stored without their review (by a run before schema version 2 without --docx)."""
        self.done = DONE_WITHOUT_FAILED if retry_failed else DONE
        self._done_in = f"status IN ({', '.join(repr(s) for s in self.done)})" + (" AND review_kept" if need_review else "")
        self.path = Path(folder) / STATE_FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed form survives a crash of this process; a power
        # cut may lose the last few commits, which are then simply redone.
        self.db.execute("PRAGMA synchronous=NORMAL")
        try:
            migrate(self.db, MIGRATIONS, name=str(self.path))
        except SchemaError as exc:
            self.db.close()
            raise FolderError(str(exc)) from None

    def close(self) -> None:
        self.db.close()

    # --- meta ---------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- this invocation ----------------------------------------------------------

    def start_invocation(self) -> None:
        """Forget what the last invocation saw; results, files and batches stay."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM entries")
            self.db.execute("DELETE FROM errors")

    def add_entry(self, seq: int, label: str, form_index: int, key: str, name: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO entries (seq, label, form_index, key, name) VALUES (?, ?, ?, ?, ?)",
            (seq, label, form_index, key, name),
        )

    def add_error(self, seq: int, label: str, form_index: int | None, message: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO errors (seq, label, form_index, message) VALUES (?, ?, ?, ?)",
            (seq, label, form_index, message),
        )

    # --- files --------------------------------------------------------------------

    def file_record(self, content_hash: str, config_hash: str) -> tuple[str | None, list[int], list[list]] | None:
        row = self.db.execute(
            "SELECT error, forms, problems FROM files WHERE content_hash = ? AND config_hash = ?",
            (content_hash, config_hash),
        ).fetchone()
        if row is None:
            return None
        return row[0], json.loads(row[1]), json.loads(row[2])

    def put_file(
        self, content_hash: str, config_hash: str, error: str | None, forms: Sequence[int], problems: Sequence[Sequence]
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO files (content_hash, config_hash, error, forms, problems) VALUES (?, ?, ?, ?, ?)",
            (content_hash, config_hash, error, json.dumps(list(forms)), json.dumps([list(p) for p in problems])),
        )

    # --- opinion files ------------------------------------------------------------

    def opinion_files(self) -> dict[str, str]:
        """{opinion name: key of the result its files were written from}."""
        return dict(self.db.execute("SELECT name, key FROM opinion_files").fetchall())

    def opinions_written(self, written: Sequence[tuple[str, str]]) -> None:
        """Record (name, key) pairs once their files are on disk."""
        if written:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany("INSERT OR REPLACE INTO opinion_files (name, key) VALUES (?, ?)", written)

    def opinions_removed(self, names: Sequence[str]) -> None:
        if names:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany("DELETE FROM opinion_files WHERE name = ?", [(n,) for n in names])

    # --- results ------------------------------------------------------------------

    def done_keys(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT key FROM results WHERE {self._done_in} AND key IN ({marks})", tuple(keys)
        ).fetchall()
        return {r[0] for r in rows}

    def is_done(self, key: str) -> bool:
        return bool(self.db.execute(f"SELECT 1 FROM results WHERE key = ? AND {self._done_in}", (key,)).fetchone())

    def result_header(self, key: str) -> dict[str, Any] | None:
        cur = self.db.execute("SELECT unit, project, code, form_index FROM results WHERE key = ?", (key,))
        row = cur.fetchone()
        return None if row is None else dict(zip(("unit", "project", "code", "form_index"), row))

    def opinion(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT opinion FROM results WHERE key = ?", (key,)).fetchone()
        return unpack(row[0]) if row else None

    def commit_result(
        self,
        key: str,
        row: dict[str, Any],
        findings: Sequence[dict[str, Any]],
        comments: Sequence[dict[str, Any]],
        opinion: dict[str, Any] | None,
        warnings: Sequence[tuple[str, str]] = (),
    ) -> None:
        """One form, in one transaction: its result row, findings, comments and warnings."""
        self.commit_results([(key, row, findings, comments, opinion, warnings)])

    def commit_results(self, results: Sequence[tuple]) -> None:
        """Several finished forms (key, row, findings, comments, opinion, warnings) in one transaction.

        findings and comments are dicts, or tuples already in FINDING_COLUMNS / COMMENT_COLUMNS
        order; the opinion is a dict, or bytes already packed with `pack`; warnings are
        (field, message) pairs."""
        if not results:
            return
        execute, executemany = self.db.execute, self.db.executemany
        with self.db:
            execute("BEGIN")
            for key, row, findings, comments, opinion, warnings in results:
                execute(_DELETE_FINDINGS, (key,))
                execute(_DELETE_COMMENTS, (key,))
                execute(_DELETE_WARNINGS, (key,))
                if opinion is not None and not isinstance(opinion, bytes):
                    opinion = pack(opinion)
                get = row.get
                execute(_INSERT_RESULT, (key, *[get(c) for c in RESULT_COLUMNS], opinion))
                if findings:
                    if type(findings[0]) is not tuple:
                        findings = [tuple([f.get(c) for c in FINDING_COLUMNS]) for f in findings]
                    executemany(_INSERT_FINDING, [(key, i, *f) for i, f in enumerate(findings)])
                if comments:
                    if type(comments[0]) is not tuple:
                        comments = [tuple([c.get(k) for k in COMMENT_COLUMNS]) for c in comments]
                    executemany(_INSERT_COMMENT, [(key, i, *c) for i, c in enumerate(comments)])
                if warnings:
                    executemany(_INSERT_WARNING, [(key, i, *w) for i, w in enumerate(warnings)])

    # --- reading back, in discovery order -----------------------------------------

    def iter_forms(self) -> Iterator[dict[str, Any]]:
        """One row per entry of this invocation whose result is present, in discovery order."""
        cols = ", ".join(f"r.{c}" for c in RESULT_COLUMNS)
        cur = self.db.execute(
            f"SELECT e.seq, e.label, e.form_index, e.key, e.name, {cols} "
            "FROM entries e JOIN results r ON r.key = e.key ORDER BY e.seq"
        )
        names = ["seq", "label", "form_index_entry", "key", "name", *RESULT_COLUMNS]
        for row in cur:
            yield dict(zip(names, row))

    def iter_findings(self) -> Iterator[tuple]:
        return self._iter_rows("findings", FINDING_COLUMNS)

    def iter_comments(self) -> Iterator[tuple]:
        return self._iter_rows("comments", COMMENT_COLUMNS)

    def _iter_rows(self, table: str, columns: Sequence[str]) -> Iterator[tuple]:
        """(seq, label, form index, name, unit, project, code, *columns) of every row of `table`
        (findings or comments) of this invocation's entries, in discovery order."""
        cols = ", ".join(f"t.{c}" for c in columns)
        return self.db.execute(
            f"SELECT e.seq, e.label, e.form_index, e.name, r.unit, r.project, r.code, {cols} "
            f"FROM entries e JOIN results r ON r.key = e.key JOIN {table} t ON t.key = e.key "
            "ORDER BY e.seq, t.ord"
        )

    def iter_warnings(self) -> Iterator[tuple]:
        """(seq, label, form index, project, field, message) for every extraction warning, in order."""
        return self.db.execute(
            "SELECT e.seq, e.label, e.form_index, r.project, w.field, w.message "
            "FROM entries e JOIN results r ON r.key = e.key JOIN warnings w ON w.key = e.key "
            "ORDER BY e.seq, w.ord"
        )

    def iter_errors(self) -> Iterator[tuple]:
        """(label, form index or None, message) for files and forms that could not be used, in order."""
        return self.db.execute(
            "SELECT label, form_index, message FROM errors "
            "UNION ALL "
            "SELECT e.label, e.form_index, r.error FROM entries e JOIN results r ON r.key = e.key "
            "WHERE r.status = 'error' "
            "ORDER BY 1, 2"
        )

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: tuple = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

    # --- Batch API ----------------------------------------------------------------

    def open_batches(self, config_hash: str) -> list[dict[str, Any]]:
        """The batches of this config whose replies have not been joined yet, oldest first."""
        names = ("id", "status", "input_file_id", "output_file_id", "error_file_id", "n_requests")
        rows = self.db.execute(
            f"SELECT {', '.join(names)} FROM batches WHERE config_hash = ? AND joined = 0 ORDER BY ord",
            (config_hash,),
        ).fetchall()
        return [dict(zip(names, row)) for row in rows]

    def save_batch(self, batch_id: str, config_hash: str, status: str, input_file_id: str, n_requests: int) -> None:
        ord_ = (self.scalar("SELECT COALESCE(MAX(ord), 0) FROM batches") or 0) + 1
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO batches (id, ord, config_hash, status, input_file_id, n_requests) VALUES (?, ?, ?, ?, ?, ?)",
                (batch_id, ord_, config_hash, status, input_file_id, n_requests),
            )

    def update_batch(self, batch_id: str, **fields: Any) -> None:
        if not fields:
            return
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(f"UPDATE batches SET {sets} WHERE id = ?", (*fields.values(), batch_id))

    def batches(self) -> list[dict[str, Any]]:
        names = ("id", "status", "n_requests", "joined", "succeeded", "failed", "tokens_in", "tokens_out")
        rows = self.db.execute(f"SELECT {', '.join(names)} FROM batches ORDER BY ord").fetchall()
        return [dict(zip(names, r)) for r in rows]
