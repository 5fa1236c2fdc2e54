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


def start_slow_batch(fake, tmp_path: Path, out: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """`reviewer batch --llm` in a child process, one slow call at a time; returns once it
    has committed a form (it holds the folder then)."""
    fake.route("POST", CHAT_PATH, lambda _r: Reply(200, json_reply(REPLY).body, {}, 0.2))
    env = {**os.environ, "REVIEWER_BASE_URL": fake.base_url, "REVIEWER_MODEL": "fake-model",
           "REVIEWER_HOME": str(tmp_path / "h"), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}  # fmt: skip
    args = [str(EXAMPLES), "--out", str(out), "--llm", "--concurrency", "1", *extra]
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


@pytest.mark.parametrize("workers", [(), ("--workers", "2")], ids=["in-loop", "workers"])
def test_the_lock_dies_with_its_process(fake_openai, tmp_path, workers):
    """SIGKILL: no Ctrl-C handling runs; the kernel releases the lock (worker processes,
    which die a moment later, do not hold it)."""
    out = tmp_path / "out"
    first = start_slow_batch(fake_openai, tmp_path, out, workers)
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


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork-started workers only")
def test_a_forked_worker_does_not_keep_the_lock_alive(tmp_path):
    """Worker processes are forked while the lock is held; they die a moment after a killed
    parent, and until then they must not hold the folder."""
    from reviewer.batch.lock import hold

    started, running = os.pipe()
    with hold(tmp_path):
        child = os.fork()
        if child == 0:  # a worker outliving its parent's lock
            os.write(running, b"1")
            time.sleep(5)
            os._exit(0)
        os.read(started, 1)  # the child runs (a worker is long started when its parent dies)
    try:
        with hold(tmp_path):  # the child is still alive
            pass
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        os.close(started)
        os.close(running)
