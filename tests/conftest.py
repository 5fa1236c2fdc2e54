"""Shared test helpers: the bundled example forms and the JSON-contract view of a form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXPECTED = Path(__file__).resolve().parent / "data" / "expected"


def contract_dump(form) -> dict:
    """The form as `reviewer extract --format json` prints it, minus the parsed values
    (target_value/actual_value), which belong to value parsing and are tested there."""
    data = form.model_dump(mode="json")
    for row in data["indicators"] + data["performance_targets"]:
        row.pop("target_value", None)
        row.pop("actual_value", None)
    return data


def load_expected(name: str) -> list[dict]:
    return json.loads((EXPECTED / name).read_text(encoding="utf-8"))


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


def batch_command(batch_args: list[str]) -> list[str]:
    """The argv of `reviewer batch ARGS` run by this Python, for tests that need a child process."""
    import sys

    return [sys.executable, "-c", "import sys; from reviewer.cli import main; sys.exit(main())", "batch", *batch_args]


def interrupt_batch(batch_args: list[str], out: Path, after: int, env: dict | None = None, poll: float = 0.01):
    """Run `reviewer batch ARGS` in a child process, send it Ctrl-C once `after` forms are
    committed to its run state, and return (exit code, stderr)."""
    import signal
    import sqlite3
    import subprocess
    import time

    proc = subprocess.Popen(batch_command(batch_args), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None and committed < after:
        try:
            with sqlite3.connect(out / "state.sqlite", timeout=1) as db:
                committed = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        except sqlite3.Error:
            pass
        time.sleep(poll)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    return proc.returncode, stderr


def replayed_figures(recordings: Path, home: Path) -> dict:
    """The drafts of seed 001 part-a from recorded model replies (a loopback server), beside
    the template drafts: reviewer.evaluation.replay.replay_drafts, the proxy kept off loopback."""
    from reviewer.evaluation.dataset import load_dataset
    from reviewer.evaluation.replay import replay_drafts

    mp = pytest.MonkeyPatch()
    mp.setenv("NO_PROXY", "127.0.0.1,localhost")
    mp.setenv("no_proxy", "127.0.0.1,localhost")
    try:
        return replay_drafts(load_dataset([EXAMPLES / "001_61357c0ed07ba240.part-a.txt"]), recordings, home=home,
                             draws=200)
    finally:
        mp.undo()
