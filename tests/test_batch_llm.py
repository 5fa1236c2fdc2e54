"""`reviewer batch --llm` against the loopback server: model comments, token totals,
interruption and resume with no form requested twice, 429 backoff, concurrency."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES, ROOT, batch_command, interrupt_batch
from fake_openai import CHAT_PATH, Reply, error_reply, fake_openai, json_reply  # noqa: F401 - fixture

from reviewer.batch import BatchOptions, run_batch
from reviewer.config import Settings

REPLY = {"comments": [], "opinion": "经审核，该项目自评表填报基本完整，请按所列问题修改完善。"}
# a grounded comment, and one on an indicator that does not exist with a number not in the form
PARTLY_GROUNDED = {
    "opinion": "经审核，该项目目标与完成情况基本一致。",
    "comments": [
        {"target": "goal", "category": "goal_outcome", "severity": "warning",
         "text": "实际完成情况只写了资金支付，未说明产出。", "suggestion": "补充实际产出。"},
        {"target": "indicator", "indicator_index": 99, "category": "scoring", "severity": "info",
         "text": "该指标完成值为 123456.7，与目标不符。"},
    ],
}  # fmt: skip


def settings(fake, home: Path, **kw) -> Settings:
    return Settings(base_url=fake.base_url, model="fake-model", home=home, retry_backoff=0.01, **kw)


def user_messages(fake) -> list[str]:
    """The form part of every chat request (one per form)."""
    return [next(m["content"] for m in body["messages"] if m["role"] == "user") for body in fake.bodies(CHAT_PATH)]


def test_interrupted_model_batch_resumes_without_requesting_any_form_twice(fake_openai, tmp_path):
    fake_openai.route("POST", CHAT_PATH, lambda _r: Reply(200, json_reply(REPLY, prompt_tokens=100, completion_tokens=20).body, {}, 0.02))
    out = tmp_path / "out"

    def stop_after_ten(done: int) -> None:
        if done == 10:
            raise KeyboardInterrupt  # what Ctrl-C does: finish the forms in flight, then stop

    first = run_batch(
        BatchOptions(inputs=[str(EXAMPLES)], out=out, llm=True, concurrency=4, settings=settings(fake_openai, tmp_path / "h1")),
        on_commit=stop_after_ten,
    )
    assert first.status == "interrupted"
    assert 10 <= first.reviewed < 39
    asked_first = user_messages(fake_openai)
    assert len(asked_first) == first.reviewed  # the forms in flight were finished and committed
    assert not (out / "summary.xlsx").exists()

    # a fresh REVIEWER_HOME: the reply cache is empty, only the run state can prevent repeats
    second = run_batch(
        BatchOptions(inputs=[str(EXAMPLES)], out=out, llm=True, concurrency=4, settings=settings(fake_openai, tmp_path / "h2"))
    )
    assert second.status == "complete"
    assert second.reused == first.reviewed and second.reviewed == 39 - first.reviewed and second.forms == 39
    asked = user_messages(fake_openai)
    assert len(asked) == 39 and max(Counter(asked).values()) == 1  # every form asked exactly once

    forms = sheet(out / "summary.xlsx", "forms")
    assert len(forms) == 39 and all(r["状态"] == "ok" for r in forms)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["tokens"]["tokens_in"] == 100 * second.reviewed
    assert run["tokens"]["total_in_state"] == {"tokens_in": 3900, "tokens_out": 780, "calls": 39}
    assert run["model"]["model"] == "fake-model" and run["prompts"]["versions"]
    opinion = (out / forms[0]["意见文件"]).read_text(encoding="utf-8")
    assert REPLY["opinion"] in opinion


def test_model_comments_reach_the_comments_sheet(fake_openai, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes((EXAMPLES / "000_227770587c716576.txt").read_bytes())
    reply = {
        "opinion": "经审核，该项目目标与完成情况基本一致。",
        "comments": [{"target": "goal", "category": "goal_outcome", "severity": "warning",
                      "text": "实际完成情况只写了资金支付，未说明产出。", "suggestion": "补充实际产出。"}],
    }  # fmt: skip
    fake_openai.route("POST", CHAT_PATH, lambda _r: json_reply(reply))
    result = run_batch(BatchOptions(inputs=[str(src)], out=tmp_path / "out", llm=True, settings=settings(fake_openai, tmp_path / "h")))
    assert result.forms == 4 and result.usage.calls == 4
    comments = sheet(tmp_path / "out" / "summary.xlsx", "comments")
    llm = [c for c in comments if c["来源"] == "llm"]
    assert len(llm) == 4 and llm[0]["审核意见"] == reply["comments"][0]["text"] and llm[0]["修改建议"] == "补充实际产出。"
    forms = sheet(tmp_path / "out" / "summary.xlsx", "forms")
    assert all(r["其中模型生成"] == 1 for r in forms)


def test_429_is_backed_off_and_a_failed_call_is_asked_again_only_with_retry_failed(fake_openai, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes((EXAMPLES / "000_227770587c716576.txt").read_bytes())
    fake_openai.route("POST", CHAT_PATH, lambda _r: json_reply(REPLY))
    fake_openai.script(error_reply(429, "slow down", headers={"Retry-After": "0"}))
    out = tmp_path / "out"
    opts = BatchOptions(inputs=[str(src)], out=out, llm=True, concurrency=1, settings=settings(fake_openai, tmp_path / "h"))
    result = run_batch(opts)
    assert result.forms == 4 and result.usage.failed == 0
    assert len(fake_openai.bodies(CHAT_PATH)) == 5  # one 429, then four answers

    # a form whose model call fails for good is kept (template drafts) and done: a re-run
    # asks nothing (it used to ask again on every run); --retry-failed asks again
    fake_openai.script(*[error_reply(400, "bad request")])
    out2 = tmp_path / "out2"
    opts2 = BatchOptions(inputs=[str(src)], out=out2, llm=True, concurrency=1, settings=settings(fake_openai, tmp_path / "h2"))
    first = run_batch(opts2)
    assert first.usage.failed == 1
    assert [r["状态"] for r in sheet(out2 / "summary.xlsx", "forms")].count("degraded") == 1
    assert first.model_failed == 1 and first.failure_reasons == [("language model failed: HTTP 400: bad request", 1)]
    asked = len(fake_openai.bodies(CHAT_PATH))
    again = run_batch(opts2)
    assert again.reviewed == 0 and again.reused == 4 and len(fake_openai.bodies(CHAT_PATH)) == asked
    assert again.model_failed == 1  # still said: its drafts are templates
    retried = run_batch(BatchOptions(**{**opts2.__dict__, "retry_failed": True}))
    assert retried.reviewed == 1 and retried.reused == 3 and len(fake_openai.bodies(CHAT_PATH)) == asked + 1
    assert [r["状态"] for r in sheet(out2 / "summary.xlsx", "forms")] == ["ok"] * 4 and retried.model_failed == 0


def test_a_completed_batch_run_again_makes_no_model_call_though_grounding_dropped_comments(fake_openai, tmp_path):
    """A reply with a comment that fails grounding (re-asked, then dropped) is an answered
    call: the form is done (it was marked degraded and asked again on every run)."""
    fake_openai.route("POST", CHAT_PATH, lambda _r: json_reply(PARTLY_GROUNDED))
    out = tmp_path / "out"
    for workers in (1, 2):
        first = run_batch(BatchOptions(inputs=[str(EXAMPLES)], out=out / str(workers), llm=True, concurrency=4,
                                       workers=workers, settings=settings(fake_openai, tmp_path / f"h{workers}")))  # fmt: skip
        # the failing comment rests on no finding: dropped without a re-ask, the reply accepted
        assert first.forms == 39 and first.usage.failed == 0 and first.usage.calls == 39 and first.model_failed == 0
        assert {r["状态"] for r in sheet(out / str(workers) / "summary.xlsx", "forms")} == {"ok"}
        asked = len(fake_openai.bodies(CHAT_PATH))
        # a fresh REVIEWER_HOME: no reply cache, only the run state can prevent the calls
        again = run_batch(BatchOptions(inputs=[str(EXAMPLES)], out=out / str(workers), llm=True, concurrency=4,
                                       workers=workers, settings=settings(fake_openai, tmp_path / f"fresh{workers}")))  # fmt: skip
        assert again.reviewed == 0 and again.reused == 39 and again.usage.calls == 0
        assert len(fake_openai.bodies(CHAT_PATH)) == asked


def test_model_failures_are_said_on_stderr_with_how_many_and_why(fake_openai, tmp_path, monkeypatch, capsys):
    from reviewer.cli import main

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes((EXAMPLES / "000_227770587c716576.txt").read_bytes())
    fake_openai.route("POST", CHAT_PATH, lambda _r: error_reply(400, "model not found"))
    fake_openai.script(json_reply(REPLY))
    for name, value in {"REVIEWER_BASE_URL": fake_openai.base_url, "REVIEWER_MODEL": "fake-model",
                        "REVIEWER_HOME": str(tmp_path / "h")}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    args = ["batch", str(src), "--out", str(tmp_path / "out"), "--llm", "--concurrency", "1"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert ("reviewer: the model gave no usable reply for 3 of 4 forms, which have template drafts: "
            "3 × language model failed: HTTP 400: model not found. Run again with --retry-failed") in err
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert run["counts"]["model_failed"] == 3
    assert run["model_failures"] == [{"reason": "language model failed: HTTP 400: model not found", "forms": 3}]
    assert main(args) == 0  # said again on a re-run: those forms still have template drafts
    assert "no usable reply for 3 of 4 forms" in capsys.readouterr().err


def test_model_calls_run_concurrently_up_to_the_limit(fake_openai, tmp_path):
    fake_openai.route("POST", CHAT_PATH, lambda _r: Reply(200, json_reply(REPLY).body, {}, 0.25))
    result = run_batch(
        BatchOptions(inputs=[str(EXAMPLES)], out=tmp_path / "out", llm=True, concurrency=8,
                     settings=settings(fake_openai, tmp_path / "h"))  # fmt: skip
    )
    assert result.forms == 39
    assert fake_openai.max_in_flight == 8


def sheet(path: Path, name: str) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["in-loop", "workers"])
def test_ctrl_c_finishes_the_forms_in_flight_then_the_same_command_resumes(fake_openai, tmp_path, workers):
    """A real SIGINT to `reviewer batch --llm`: exit 130, nothing in flight is lost, nothing is asked twice."""
    import os
    import sqlite3
    import subprocess

    fake_openai.route("POST", CHAT_PATH, lambda _r: Reply(200, json_reply(REPLY).body, {}, 0.05))
    out = tmp_path / "out"
    env = {**os.environ, "REVIEWER_BASE_URL": fake_openai.base_url, "REVIEWER_MODEL": "fake-model",
           "REVIEWER_HOME": str(tmp_path / "h1"), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}  # fmt: skip
    batch_args = [str(EXAMPLES), "--out", str(out), "--llm", "--concurrency", "2", *workers]
    returncode, stderr = interrupt_batch(batch_args, out, after=5, env=env)
    assert returncode == 130, stderr
    assert "Run the same command again" in stderr
    assert "Traceback" not in stderr
    with sqlite3.connect(out / "state.sqlite") as db:
        committed = db.execute("SELECT COUNT(*) FROM results WHERE status = 'ok'").fetchone()[0]
    assert 5 <= committed < 39
    assert len(user_messages(fake_openai)) == committed  # the forms in flight were finished, not dropped

    env["REVIEWER_HOME"] = str(tmp_path / "h2")  # no reply cache to hide a repeated request
    done = subprocess.run(batch_command(batch_args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    asked = user_messages(fake_openai)
    assert len(asked) == 39 and max(Counter(asked).values()) == 1
    assert len(sheet(out / "summary.xlsx", "forms")) == 39


def tree(folder: Path) -> dict[str, str]:
    """Every output file's hash (the state database and run.json hold timings; left out)."""
    import hashlib

    skip = {"state.sqlite", "state.sqlite-wal", "state.sqlite-shm", "run.json"}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }


@pytest.mark.parametrize("docx", [False, True])
def test_worker_processes_give_the_same_model_outputs_as_the_event_loop_alone(fake_openai, tmp_path, docx):
    """With a model, workers prepare each form and finish it after its call: the outputs are
    those of the in-loop review, byte for byte (grounded, dropped and re-asked comments included)."""
    fake_openai.route("POST", CHAT_PATH, lambda _r: json_reply(PARTLY_GROUNDED))
    reply = PARTLY_GROUNDED
    outs = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        result = run_batch(BatchOptions(inputs=[str(EXAMPLES)], out=out, llm=True, concurrency=4, workers=workers,
                                        docx=docx, settings=settings(fake_openai, tmp_path / f"h{workers}")))  # fmt: skip
        assert result.status == "complete" and result.forms == 39 and result.usage.calls == 39  # no re-ask needed
        outs[workers] = tree(out)
    assert outs[1] == outs[2]
    comments = sheet(tmp_path / "out2" / "summary.xlsx", "comments")
    assert any(c["来源"] == "llm" and c["审核意见"] == reply["comments"][0]["text"] for c in comments)


def test_interrupted_model_batch_with_worker_processes_resumes_without_repeats(fake_openai, tmp_path):
    fake_openai.route("POST", CHAT_PATH, lambda _r: Reply(200, json_reply(REPLY, prompt_tokens=100, completion_tokens=20).body, {}, 0.02))
    out = tmp_path / "out"

    def stop_after_ten(done: int) -> None:
        if done == 10:
            raise KeyboardInterrupt

    first = run_batch(
        BatchOptions(inputs=[str(EXAMPLES)], out=out, llm=True, concurrency=4, workers=2,
                     settings=settings(fake_openai, tmp_path / "h1")),  # fmt: skip
        on_commit=stop_after_ten,
    )
    assert first.status == "interrupted"
    assert 10 <= first.reviewed < 39
    assert len(user_messages(fake_openai)) == first.reviewed  # the forms in flight were finished and committed

    second = run_batch(
        BatchOptions(inputs=[str(EXAMPLES)], out=out, llm=True, concurrency=4, workers=2,
                     settings=settings(fake_openai, tmp_path / "h2"))  # fmt: skip
    )
    assert second.status == "complete" and second.forms == 39
    assert second.reused == first.reviewed and second.reviewed == 39 - first.reviewed
    asked = user_messages(fake_openai)
    assert len(asked) == 39 and max(Counter(asked).values()) == 1
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["tokens"]["total_in_state"] == {
        "tokens_in": 3900, "tokens_out": 780, "calls": 39}


def test_a_model_call_that_raises_gives_template_drafts_with_or_without_workers(fake_openai, tmp_path):
    from reviewer.batch.client import CountingClient

    class Broken(CountingClient):
        async def complete_structured(self, messages, output_model, *, validate=None, prompt_version):  # type: ignore[override]
            raise RuntimeError("boom")

    outs = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        opts = BatchOptions(inputs=[str(EXAMPLES)], out=out, llm=True, concurrency=4, workers=workers, docx=True,
                            settings=settings(fake_openai, tmp_path / f"h{workers}"))  # fmt: skip
        client = Broken(opts.settings.model_copy(update={"concurrency": 4}))
        result = run_batch(opts, client=client)
        assert result.status == "complete" and result.forms == 39 and result.errors == 0
        outs[workers] = tree(out)
    assert outs[1] == outs[2]
    assert not fake_openai.bodies(CHAT_PATH)
    import sqlite3

    with sqlite3.connect(tmp_path / "out2" / "state.sqlite") as db:
        assert {r[0] for r in db.execute("SELECT status FROM results")} == {"ok"}
        assert db.execute("SELECT SUM(n_llm_comments) FROM results").fetchone()[0] == 0
        blob = db.execute("SELECT opinion FROM results LIMIT 1").fetchone()[0]
    from reviewer.batch.state import unpack

    assert json.loads(unpack(blob)["review"])["fallback_reason"] == "drafting failed: RuntimeError: boom"


@pytest.mark.parametrize("workers", [1, 2], ids=["in-loop", "workers"])
@pytest.mark.parametrize("copies", ["same-bytes", "same-forms"])
def test_identical_prompts_in_flight_at_once_are_sent_once(fake_openai, tmp_path, workers, copies):
    """A file sent three times, byte for byte (one result key: the copies share the form in
    flight) or re-saved (other keys, the same prompts: single flight by cache key, the copies
    answered from the cache): one request per form, while they are all in flight together."""
    src = tmp_path / "in"
    src.mkdir()
    data = (EXAMPLES / "000_227770587c716576.txt").read_bytes()
    for n, name in enumerate(("a.txt", "b.txt", "c.txt")):
        (src / name).write_bytes(data + b"\n" * n if copies == "same-forms" else data)
    fake_openai.route("POST", CHAT_PATH, lambda _r: Reply(200, json_reply(REPLY).body, {}, 0.3))
    result = run_batch(BatchOptions(inputs=[str(src)], out=tmp_path / "out", llm=True, concurrency=8, workers=workers,
                                    settings=settings(fake_openai, tmp_path / "h")))  # fmt: skip
    assert result.status == "complete" and result.forms == 12
    asked = user_messages(fake_openai)
    assert len(asked) == 4 and max(Counter(asked).values()) == 1
    if copies == "same-bytes":
        assert result.reviewed == 4 and result.reused == 8 and result.usage.calls == 4
    else:
        assert result.reviewed == 12 and result.usage.calls == 12 and result.usage.cache_hits == 8
    forms = sheet(tmp_path / "out" / "summary.xlsx", "forms")
    assert [r["状态"] for r in forms] == ["ok"] * 12
    for r in forms:
        assert REPLY["opinion"] in (tmp_path / "out" / r["意见文件"]).read_text(encoding="utf-8")


def test_the_counting_client_overrides_the_transport_call_it_means():
    """CountingClient yields after Client._request (see there): a renamed or reshaped
    _request would silently lose that ordering."""
    import inspect

    from reviewer.batch.client import CountingClient
    from reviewer.llm import Client

    assert "_request" in vars(Client)
    names = [list(inspect.signature(c._request).parameters) for c in (CountingClient, Client)]
    assert names[0] == names[1]
