"""A batch run directory, read-only: the form list and one form's stored review.

Reads state.sqlite (written by `reviewer batch`, schema in reviewer/batch/state.py) through
its documented columns only: `entries` (this run's forms in discovery order: seq, label,
form_index, key, name), `results` (one row per result key: unit, project, declared_total,
suggested_total, grade, n_findings, status, error, budget columns; `opinion` holds the
zlib-compressed JSON {"md", "html", "review"}, "review" being the drafting layer's
FormReview as JSON), `comments` (key, ord, …: the drafted comments in the review's order)
and `errors` (files and forms that could not be used). The list's columns are copied once
into an indexed in-memory table (the results rows hold the opinions inline: sorting them
would scan megabytes); the decisions file is attached read-only so the list can sort and
filter by review status in the same query.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.drafting.drafter import FormReview

STATE_FILE = "state.sqlite"  # reviewer/batch/state.py STATE_FILE_NAME
PAGE_SIZE = 50

# Sortable columns of the list: name → SQL expression (a whitelist: never a user's text in SQL).
SORTS = {
    "seq": "e.seq",
    "unit": "e.unit",
    "project": "e.project",
    "declared": "e.declared_total",
    "suggested": "e.suggested_total",
    "cut": "e.cut",
    "grade": "e.grade",
    "findings": "e.n_findings",
    "status": "review_status",
}
_REVIEW_STATUS = "COALESCE(f.status, 'not_started')"
# The list's columns, copied once into an indexed table of the read connection's own (the
# run's results rows are wide, the opinions stored inline: sorting them scans megabytes).
_LIST = """
CREATE TEMP TABLE list AS
SELECT e.seq, e.key, e.name, e.label, r.unit, r.project, r.code, r.declared_total, r.suggested_total,
       r.declared_total - r.suggested_total AS cut, r.grade, COALESCE(r.n_findings, 0) AS n_findings,
       r.status, r.error
FROM entries e JOIN results r ON r.key = e.key ORDER BY e.seq
"""
_INDEXED = ("key", "unit", "project", "declared_total", "suggested_total", "cut", "grade", "n_findings")
_FROM = "FROM temp.list e LEFT JOIN d.forms f ON f.form_key = e.key"
_COLUMNS = ("e.seq, e.key, e.name, e.label, e.unit, e.project, e.declared_total, e.suggested_total, e.grade, "
            f"e.n_findings, e.status, e.error, {_REVIEW_STATUS} AS review_status")  # fmt: skip
STATUSES = ("not_started", "in_progress", "done")
STATUS_LABELS = {"not_started": "未开始", "in_progress": "审核中", "done": "已完成"}


@dataclass
class ListQuery:
    """What the list page asks for; every field comes from the query string and is checked here."""

    q: str = ""
    grade: str = ""
    status: str = ""
    sort: str = "seq"
    desc: bool = False
    page: int = 1
    cut_only: bool = False  # only forms whose suggested total is below the declared one

    @classmethod
    def parse(cls, params: dict[str, str]) -> ListQuery:
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        sort = params.get("sort", "seq")
        status = params.get("status", "")
        return cls(
            q=params.get("q", "").strip()[:200],
            grade=params.get("grade", "").strip()[:10],
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else "seq",
            desc=params.get("desc") == "1",
            page=page,
            cut_only=params.get("cut") == "1",
        )


@dataclass
class FormRow:
    seq: int
    key: str
    name: str
    label: str
    unit: str | None
    project: str | None
    declared: float | None
    suggested: float | None
    grade: str | None
    findings: int
    status: str  # the batch's: ok / degraded / error
    error: str | None
    review_status: str  # not_started / in_progress / done


@dataclass
class FormList:
    rows: list[FormRow]
    total: int  # forms matching the query
    pages: int
    query: ListQuery
    counts: dict[str, int] = field(default_factory=dict)  # review status → forms, over the whole run


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class _Rows(list):
    """A query's rows, read whole under the lock."""

    def fetchone(self) -> Any:
        return self[0] if self else None

    def fetchall(self) -> list:
        return list(self)


class _Serialised:
    """One read connection shared by the server's threads, one query at a time."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()

    def execute(self, sql: str, params: tuple = ()) -> _Rows:
        with self._lock:
            return _Rows(self._db.execute(sql, params).fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Run:
    """One run directory, read through one connection (safe to share between threads)."""

    def __init__(self, folder: Path, decisions_path: Path) -> None:
        self.folder = folder
        self.db: _Serialised | None = None
        state = folder / STATE_FILE
        if state.is_file():
            db = sqlite3.connect(f"{state.resolve().as_uri()}?mode=ro", uri=True, timeout=30, check_same_thread=False)
            db.execute("ATTACH DATABASE ? AS d", (f"{decisions_path.resolve().as_uri()}?mode=ro",))
            db.execute("PRAGMA temp_store = MEMORY")
            db.execute(_LIST)
            for column in _INDEXED:
                db.execute(f"CREATE INDEX temp.list_{column} ON list ({column}, seq)")
            self.db = _Serialised(db)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()

    def forms(self, query: ListQuery, page_size: int = PAGE_SIZE) -> FormList:
        """One page of the list: filtered, sorted and counted in SQL (indexed joins on the key)."""
        if self.db is None:
            return FormList([], 0, 1, query)
        where, params = self._where(query)
        total = self.db.execute(f"SELECT COUNT(*) {_FROM} WHERE {where}", params).fetchone()[0]
        pages = max(1, -(-total // page_size))
        query.page = min(query.page, pages)
        order = SORTS[query.sort] + (" DESC" if query.desc else "")
        rows = self.db.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE {where} ORDER BY {order}, e.seq LIMIT ? OFFSET ?",
            (*params, page_size, (query.page - 1) * page_size),
        ).fetchall()
        counts = dict(self.db.execute(f"SELECT {_REVIEW_STATUS}, COUNT(*) {_FROM} GROUP BY 1").fetchall())
        return FormList([FormRow(*row) for row in rows], total, pages, query, {s: counts.get(s, 0) for s in STATUSES})

    @staticmethod
    def _where(query: ListQuery) -> tuple[str, tuple]:
        """The WHERE clause over the joined entries/results/decisions, and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if query.q:
            parts.append("(e.unit LIKE ? ESCAPE '\\' OR e.project LIKE ? ESCAPE '\\' OR e.code LIKE ? ESCAPE '\\' "
                         "OR e.label LIKE ? ESCAPE '\\')")  # fmt: skip
            params += [_like(query.q)] * 4
        if query.grade:
            parts.append("e.grade = ?")
            params.append(query.grade)
        if query.status:
            parts.append(f"{_REVIEW_STATUS} = ?")
            params.append(query.status)
        if query.cut_only:
            parts.append("e.cut > 0.005")
        return " AND ".join(parts) or "1", tuple(params)

    def grades(self) -> list[str]:
        if self.db is None:
            return []
        return [g for (g,) in self.db.execute("SELECT DISTINCT grade FROM temp.list WHERE grade IS NOT NULL ORDER BY 1")]

    def errors(self) -> list[tuple[str, int | None, str]]:
        """(file label, form index or None, message) of what could not be read or reviewed."""
        if self.db is None:
            return []
        return self.db.execute(
            "SELECT label, form_index, message FROM errors UNION ALL "
            "SELECT e.label, e.form_index, r.error FROM entries e JOIN results r ON r.key = e.key "
            "WHERE e.key IN (SELECT key FROM temp.list WHERE status = 'error') ORDER BY 1, 2"
        ).fetchall()

    def row(self, key: str) -> FormRow | None:
        if self.db is None:
            return None
        found = self.db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE e.key = ? ORDER BY e.seq LIMIT 1", (key,)).fetchone()
        return FormRow(*found) if found else None

    def neighbours(self, key: str) -> tuple[str | None, str | None]:
        """The keys of the forms before and after this one, in discovery order."""
        if self.db is None:
            return None, None
        seq = self.db.execute("SELECT MIN(seq) FROM entries WHERE key = ?", (key,)).fetchone()[0]
        if seq is None:
            return None, None
        before = self.db.execute("SELECT key FROM entries WHERE seq < ? ORDER BY seq DESC LIMIT 1", (seq,)).fetchone()
        after = self.db.execute("SELECT key FROM entries WHERE seq > ? ORDER BY seq LIMIT 1", (seq,)).fetchone()
        return (before[0] if before else None), (after[0] if after else None)

    def funding(self, key: str) -> dict[str, float | None]:
        assert self.db is not None
        names = ("initial_budget", "annual_budget", "executed", "execution_rate", "budget_score")
        found = self.db.execute(f"SELECT {', '.join(names)} FROM results WHERE key = ?", (key,)).fetchone()
        return dict(zip(names, found or (None,) * len(names)))

    def review(self, key: str) -> FormReview | None:
        """The stored review of a result (None when the result has none: an error, an old run)."""
        if self.db is None:
            return None
        found = self.db.execute("SELECT opinion FROM results WHERE key = ?", (key,)).fetchone()
        if not found or found[0] is None:
            return None
        stored = json.loads(zlib.decompress(found[0]).decode("utf-8"))
        text = stored.get("review") if isinstance(stored, dict) else None
        return FormReview.model_validate_json(text) if text else None

    def keys(self) -> list[str]:
        """Every form of the run, in discovery order."""
        if self.db is None:
            return []
        return [k for (k,) in self.db.execute("SELECT key FROM temp.list GROUP BY key ORDER BY MIN(seq)")]

    def suggestion_counts(self) -> list[tuple[str, int]]:
        """(check codes, drafted comments) over this run's forms."""
        if self.db is None:
            return []
        return self.db.execute(
            "SELECT c.check_id, COUNT(*) FROM comments c WHERE c.key IN (SELECT key FROM entries) GROUP BY 1"
        ).fetchall()

    @staticmethod
    def recorded_inputs(folder: Path) -> list[str]:
        """The inputs the run was made from, as run.json records them."""
        return [str(p) for p in _run_json(folder).get("inputs") or []]

    @staticmethod
    def recorded_options(folder: Path) -> dict[str, Any]:
        """The batch options run.json records (docx, policy, …); empty for a new folder."""
        return dict(_run_json(folder).get("options") or {})


def _run_json(folder: Path) -> dict[str, Any]:
    try:
        found = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
