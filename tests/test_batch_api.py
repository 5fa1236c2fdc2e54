"""`reviewer batch --llm --batch-api` against a loopback /v1/files + /v1/batches server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_batch_api import FakeBatchAPI, fake_batch_api  # noqa: F401 - fixture
from fake_openai import CHAT_PATH, json_reply

from reviewer.batch import BatchOptions, run_batch
from reviewer.config import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REPLY = {"comments": [], "opinion": "经审核，该项目自评表填报基本完整。"}


@pytest.fixture
def inputs(tmp_path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes((EXAMPLES / "000_227770587c716576.txt").read_bytes())
    (src / "b.txt").write_bytes((EXAMPLES / "002_cc20b351adbf8378.txt").read_bytes())
    return src  # 4 + 5 forms


def options(fake, tmp_path: Path, src: Path, home: str = "h") -> BatchOptions:
    settings = Settings(base_url=fake.base_url, model="fake-model", home=tmp_path / home, retry_backoff=0.01)
    return BatchOptions(inputs=[str(src)], out=tmp_path / "out", llm=True, batch_api=True, concurrency=4,
                        settings=settings, poll_interval=0.01, progress=False)  # fmt: skip


def batch_lines(fake) -> list[dict]:
    upload = next(data for data in fake.files.values() if b'"custom_id"' in data and b'"url"' in data)
    return [json.loads(line) for line in upload.decode().splitlines()]


def test_batch_api_answers_every_form_without_live_calls(fake_batch_api, tmp_path, inputs):
    fake_batch_api.route("POST", CHAT_PATH, lambda _r: json_reply(REPLY, prompt_tokens=50, completion_tokens=5))
    result = run_batch(options(fake_batch_api, tmp_path, inputs))
    assert result.status == "complete" and result.forms == 9
    assert fake_batch_api.bodies(CHAT_PATH) == []  # nothing went live
    lines = batch_lines(fake_batch_api)
    assert len(lines) == 9 and len({x["custom_id"] for x in lines}) == 9
    assert all(x["url"] == "/v1/chat/completions" and x["body"]["model"] == "fake-model" for x in lines)
    assert len(fake_batch_api.paths("POST", "/v1/batches")) == 1
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    [batch] = run["batch_api"]["batches"]
    assert batch["status"] == "completed" and batch["succeeded"] == 9 and batch["tokens_in"] == 450
    assert run["tokens"]["cache_hits"] == 9
    assert all("经审核" in p.read_text(encoding="utf-8") for p in (tmp_path / "out" / "opinions").glob("*.md"))


def test_failed_and_expired_requests_go_through_the_normal_path(tmp_path, inputs, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    failing: set[str] = set()
    fake = FakeBatchAPI(fail=lambda cid: cid in failing, expire_after=7).start()
    try:
        fake.route("POST", CHAT_PATH, lambda _r: json_reply(REPLY))
        opts = options(fake, tmp_path, inputs)
        # fail the second request line; lines 8 and 9 expire unanswered
        from reviewer.batch import batch_api

        real_upload = batch_api.upload

        async def upload(sdk, name, data):
            failing.add(json.loads(data.decode().splitlines()[1])["custom_id"])
            return await real_upload(sdk, name, data)

        monkeypatch.setattr(batch_api, "upload", upload)
        result = run_batch(opts)
    finally:
        fake.stop()
    assert result.status == "complete" and result.forms == 9
    [batch] = result.run["batch_api"]["batches"]
    assert batch["status"] == "expired" and batch["succeeded"] == 6 and batch["failed"] == 1
    live = fake.bodies(CHAT_PATH)
    assert len(live) == 3  # the failed one and the two expired ones
    lines = batch_lines(fake)
    expected = {json.dumps(lines[i]["body"]["messages"], sort_keys=True) for i in (1, 7, 8)}
    assert {json.dumps(b["messages"], sort_keys=True) for b in live} == expected


def test_interrupted_batch_api_run_resumes_from_the_saved_batch_id(fake_batch_api, tmp_path, inputs):
    fake_batch_api.route("POST", CHAT_PATH, lambda _r: json_reply(REPLY))
    fake_batch_api.polls_before_done = 3

    def interrupt(_batch: dict) -> None:
        raise KeyboardInterrupt  # Ctrl-C while waiting for the batch

    with pytest.raises(KeyboardInterrupt):
        run_batch(options(fake_batch_api, tmp_path, inputs), on_batch_poll=interrupt)
    assert len(fake_batch_api.paths("POST", "/v1/batches")) == 1
    [batch_id] = fake_batch_api.batches

    result = run_batch(options(fake_batch_api, tmp_path, inputs, home="h2"))
    assert result.status == "complete" and result.forms == 9
    assert len(fake_batch_api.paths("POST", "/v1/batches")) == 1  # no second batch
    assert len(fake_batch_api.paths("POST", "/v1/files")) == 1  # no second upload
    assert set(fake_batch_api.paths("GET", "/v1/batches/")) == {f"/v1/batches/{batch_id}"}
    assert fake_batch_api.bodies(CHAT_PATH) == []
    assert result.run["batch_api"]["batches"][0]["id"] == batch_id
