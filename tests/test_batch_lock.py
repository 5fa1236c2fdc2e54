"""One batch at a time in an output folder: a second run on the same --out exits 2 saying
who holds it; the lock dies with its process; an output folder that cannot be written is
one clear line."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, batch_command
from fake_openai import CHAT_PATH, Reply, fake_openai, json_reply  # noqa: F401 - fixture

from reviewer.cli import main

REPLY = {"comments": [], "opinion": "经审核，该项目自评表填报基本完整，请按所列问题修改完善。"}


def start_slow_batch(fake, tmp_path: Path, out: Path) -> subprocess.Popen:
    """`reviewer batch --llm` in a child process, one slow call at a time; returns once it
    has committed a form (it holds the folder then)."""
    fake.route("POST", CHAT_PATH, lambda _r: Reply(200, json_reply(REPLY).body, {}, 0.2))
    env = {**os.environ, "REVIEWER_BASE_URL": fake.base_url, "REVIEWER_MODEL": "fake-model",
           "REVIEWER_HOME": str(tmp_path / "h"), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}  # fmt: skip
    args = [str(EXAMPLES), "--out", str(out), "--llm", "--concurrency", "1"]
    proc = subprocess.Popen(batch_command(args), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(out / "state.sqlite", timeout=1) as db:
                if db.execute("SELECT COUNT(*) FROM results").fetchone()[0]:
                    return proc
        except sqlite3.Error:
            pass
        time.sleep(0.02)
    proc.kill()
    raise AssertionError(f"the first batch did not start: {proc.communicate()[1]}")


def test_a_second_batch_on_the_same_out_exits_2_naming_who_holds_it(fake_openai, tmp_path, capsys):
    out = tmp_path / "out"
    first = start_slow_batch(fake_openai, tmp_path, out)
    try:
        assert main(["batch", str(EXAMPLES), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"reviewer: {out} is in use by another batch: pid {first.pid} on {socket.gethostname()}, started ")
        assert err.count("\n") == 1 and "Traceback" not in err
        assert not (out / "summary.xlsx").exists()  # the second run wrote nothing
    finally:
        first.send_signal(signal.SIGINT)
        _, stderr = first.communicate(timeout=60)
    assert first.returncode == 130, stderr
    assert main(["batch", str(EXAMPLES), "--out", str(out)]) == 0  # free once the first has ended


def test_the_lock_dies_with_its_process(fake_openai, tmp_path):
    out = tmp_path / "out"
    first = start_slow_batch(fake_openai, tmp_path, out)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=60)
    assert main(["batch", str(EXAMPLES), "--out", str(out)]) == 0


def test_an_unwritable_out_is_one_clear_line(tmp_path, capsys):
    if os.geteuid() == 0:  # root writes anywhere, except in sysfs
        if not Path("/sys/kernel").is_dir():
            pytest.skip("no folder root cannot write")
        out, why = Path("/sys/kernel/reviewer-out"), "Operation not permitted"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        out, why = locked / "out", "Permission denied"
    assert main(["batch", str(EXAMPLES), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"reviewer: {out}: cannot make the output folder ({why})\n"


def test_an_out_that_is_a_file_is_one_clear_line(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("not a folder", encoding="utf-8")
    assert main(["batch", str(EXAMPLES), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"reviewer: {out}: cannot make the output folder (Not a directory)\n"
