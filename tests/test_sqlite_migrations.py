"""The SQLite files keep a schema version and are migrated by a list of functions.

tests/data/sqlite-from-main/ holds files made by the code before versions were kept
(commit 377b2b3): state.sqlite by `reviewer batch examples/000_227770587c716576.txt --out …`
(no --docx, so its results hold no review), reviewer.sqlite by Store.put_cached and two
Store.log_call. Both must open, migrate and keep what they hold.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import EXAMPLES

from reviewer.batch import BatchOptions, run_batch
from reviewer.batch.lock import FolderError
from reviewer.batch.state import MIGRATIONS as STATE_MIGRATIONS
from reviewer.batch.state import RunState, unpack
from reviewer.migrations import SchemaError, migrate, schema_version
from reviewer.store import MIGRATIONS as STORE_MIGRATIONS
from reviewer.store import Store

FROM_MAIN = Path(__file__).parent / "data" / "sqlite-from-main"
SHENZHEN = EXAMPLES / "000_227770587c716576.txt"


def _version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return schema_version(db)


def test_a_call_log_made_before_versions_opens_migrated_with_its_rows(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(FROM_MAIN / "reviewer.sqlite", home / "reviewer.sqlite")
    assert _version(home / "reviewer.sqlite") == 0
    with Store(home) as store:
        assert store.cached("k1") == '{"comments":[],"opinion":"经审核"}'
        assert [(c.prompt_hash, c.outcome) for c in store.recent_calls()] == [("k1", "ok"), ("k2", "transport_error")]
        assert store.totals().calls == 2
    assert _version(home / "reviewer.sqlite") == len(STORE_MIGRATIONS)
    with Store(home) as store:  # opened again: nothing to do, nothing lost
        assert store.totals().tokens_in == 100


def test_a_run_state_made_before_versions_opens_and_marks_the_results_without_a_review(tmp_path):
    shutil.copy(FROM_MAIN / "state.sqlite", tmp_path / "state.sqlite")
    assert _version(tmp_path / "state.sqlite") == 0
    state = RunState(tmp_path)
    try:
        keys = [k for (k,) in state.query("SELECT key FROM results ORDER BY key")]
        assert len(keys) == 4 and state.done_keys(keys) == set(keys)
        assert [r[0] for r in state.query("SELECT review_kept FROM results")] == [0, 0, 0, 0]
        assert all(state.opinion(k)["md"].startswith("# 绩效自评表审核意见") for k in keys)
    finally:
        state.close()
    assert _version(tmp_path / "state.sqlite") == len(STATE_MIGRATIONS)
    strict = RunState(tmp_path, need_review=True)  # a --docx run: the .docx needs the review
    try:
        assert strict.done_keys(keys) == set()
    finally:
        strict.close()


def test_a_batch_resumed_in_a_folder_made_before_versions_completes_with_word_opinions(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SHENZHEN, src / SHENZHEN.name)
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(FROM_MAIN / "state.sqlite", out / "state.sqlite")
    docx = pytest.importorskip("docx")
    result = run_batch(BatchOptions(inputs=[str(src)], out=out, docx=True, progress=False))
    assert result.status == "complete" and result.forms == 4 and result.errors == 0
    assert _version(out / "state.sqlite") == len(STATE_MIGRATIONS)
    words = sorted((out / "opinions").glob("*.docx"))
    assert len(words) == 4
    for path in words:
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        assert "审核意见" in text and "**" not in text and "`" not in text
    with sqlite3.connect(out / "state.sqlite") as db:
        blobs = [b for (b,) in db.execute("SELECT r.opinion FROM entries e JOIN results r ON r.key = e.key")]
    assert len(blobs) == 4 and all(unpack(b)["review"] for b in blobs)


def test_a_file_from_a_newer_reviewer_is_refused_with_its_name(tmp_path):
    RunState(tmp_path).close()
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        db.execute(f"PRAGMA user_version = {len(STATE_MIGRATIONS) + 1}")
    with pytest.raises(FolderError, match=r"state\.sqlite: made by a newer version of reviewer"):
        RunState(tmp_path)


def test_migrations_run_in_order_once_and_a_failing_one_changes_nothing(tmp_path):
    ran: list[str] = []

    def one(db):
        ran.append("one")
        db.execute("CREATE TABLE t (a)")

    def two(db):
        ran.append("two")
        db.execute("ALTER TABLE t ADD COLUMN b")

    def broken(db):
        ran.append("broken")
        db.execute("INSERT INTO t VALUES (1, 2)")
        raise RuntimeError("half-way")

    db = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    assert migrate(db, [one], name="x") == 1
    assert migrate(db, [one, two], name="x") == 2 and ran == ["one", "two"]
    with pytest.raises(RuntimeError):
        migrate(db, [one, two, broken], name="x")
    assert schema_version(db) == 2 and db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    with pytest.raises(SchemaError):
        migrate(db, [one], name="x")
    db.close()


def test_a_reply_cache_from_a_newer_reviewer_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    from reviewer.cli import main

    Store(tmp_path).close()
    with sqlite3.connect(tmp_path / "reviewer.sqlite") as db:
        db.execute(f"PRAGMA user_version = {len(STORE_MIGRATIONS) + 1}")
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path))
    assert main(["logs"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reviewer: ") and "reviewer.sqlite: made by a newer version of reviewer" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
