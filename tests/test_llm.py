"""The real OpenAI client against a loopback server: retries, re-asks, cache, call log."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
from fake_openai import CHAT_PATH, Reply, chat_reply, error_reply, fake_openai, json_reply  # noqa: F401
from pydantic import BaseModel, Field

from reviewer import cli
from reviewer.config import Settings
from reviewer.llm import Client, complete_structured_sync, retry_after_seconds
from reviewer.store import CallRecord, Store

KEY = "sk-live-abcdefghijklmnopqrstuvwxyz0123456789"
MESSAGES = [
    {"role": "system", "content": "你是财政绩效评价的审核人员。"},
    {"role": "user", "content": "审核这张自评表的预算执行率。"},
]
GOOD = {"verdict": "预算执行率计算有误", "score": 9.77}


class Comment(BaseModel):
    verdict: str
    score: float = Field(ge=0, le=10)


@pytest.fixture
def settings(fake_openai, tmp_path) -> Settings:  # noqa: F811
    return Settings(
        base_url=fake_openai.base_url,
        model="deepseek-chat",
        api_key=KEY,
        home=tmp_path,
        timeout=5,
        max_retries=2,
        max_reasks=2,
        retry_backoff=0.001,  # tiny waits keep the file fast
        retry_backoff_max=0.01,
    )


def ask(settings: Settings, messages=MESSAGES, *, validate=None, prompt_version="v1", **changes):
    if changes:
        settings = Settings.model_validate({**dict(settings), **changes})
    return complete_structured_sync(
        messages, Comment, validate=validate, prompt_version=prompt_version, settings=settings
    )


def logged(settings: Settings) -> list[CallRecord]:
    with Store(settings.home) as store:
        return store.recent_calls(100)


# --- success -------------------------------------------------------------------------


def test_json_schema_success_sends_the_schema_and_logs_the_call(fake_openai, settings):  # noqa: F811
    fake_openai.script(json_reply(GOOD, prompt_tokens=120, completion_tokens=30))
    result = ask(settings)
    assert result.ok and result.parsed == Comment(**GOOD)
    assert (result.tokens_in, result.tokens_out, result.attempts, result.reasks) == (120, 30, 1, 0)
    [body] = fake_openai.bodies()
    assert body["model"] == "deepseek-chat" and body["temperature"] == 0
    assert body["messages"] == MESSAGES
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Comment"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["verdict", "score"]
    [row] = logged(settings)
    assert (row.outcome, row.tokens_in, row.tokens_out, row.attempts) == ("ok", 120, 30, 1)
    assert row.prompt_hash == result.prompt_hash and row.base_url == settings.base_url


def test_json_object_mode_puts_schema_and_the_word_json_in_the_prompt(fake_openai, settings):  # noqa: F811
    fake_openai.script(json_reply(GOOD))
    caller_messages = [dict(m) for m in MESSAGES]
    result = ask(settings, caller_messages, response_format="json_object")
    assert result.ok
    [body] = fake_openai.bodies()
    assert body["response_format"] == {"type": "json_object"}
    system = body["messages"][0]
    assert system["role"] == "system" and system["content"].startswith(MESSAGES[0]["content"])
    assert "JSON" in system["content"] and '"verdict"' in system["content"]
    assert caller_messages == MESSAGES  # the caller's list is not modified


def test_json_object_mode_adds_a_system_message_when_there_is_none(fake_openai, settings):  # noqa: F811
    fake_openai.script(json_reply(GOOD))
    assert ask(settings, [MESSAGES[1]], response_format="json_object").ok
    [body] = fake_openai.bodies()
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "JSON" in body["messages"][0]["content"]


def test_reply_in_a_json_code_fence_is_accepted(fake_openai, settings):  # noqa: F811
    fake_openai.script(chat_reply("```json\n" + json.dumps(GOOD) + "\n```"))
    assert ask(settings).parsed == Comment(**GOOD)


def test_empty_key_sends_a_placeholder_for_local_servers(fake_openai, settings):  # noqa: F811
    fake_openai.script(json_reply(GOOD))
    assert ask(settings, api_key="").ok
    assert fake_openai.requests[0].headers["authorization"] == "Bearer no-key"


def test_not_configured_returns_not_ok_without_a_request(fake_openai, settings):  # noqa: F811
    result = ask(settings, model="")
    assert not result.ok and result.outcome == "not_configured"
    assert fake_openai.requests == []


# --- transport -----------------------------------------------------------------------


def test_429_with_retry_after_zero_is_retried(fake_openai, settings):  # noqa: F811
    fake_openai.script(error_reply(429, "rate limited", headers={"Retry-After": "0"}), json_reply(GOOD))
    result = ask(settings)
    assert result.ok and result.attempts == 2 and len(fake_openai.requests) == 2
    assert logged(settings)[0].attempts == 2


def test_retry_after_is_honoured(fake_openai, settings):  # noqa: F811
    fake_openai.script(error_reply(503, "busy", headers={"Retry-After": "0.4"}), json_reply(GOOD))
    started = time.monotonic()
    assert ask(settings).ok
    assert time.monotonic() - started >= 0.4  # the backoff alone waits at most 0.01 s


def test_retry_after_is_capped(fake_openai, settings):  # noqa: F811
    fake_openai.script(error_reply(429, headers={"Retry-After": "30"}), json_reply(GOOD))
    started = time.monotonic()
    assert ask(settings, retry_after_max=0.05).ok
    assert time.monotonic() - started < 3


def test_retry_after_header_forms():
    class Response:
        def __init__(self, headers):
            self.headers = {k.lower(): v for k, v in headers.items()}

    class Failure(Exception):
        def __init__(self, headers):
            self.response = Response(headers)

    assert retry_after_seconds(Failure({"Retry-After": "3"})) == 3
    assert retry_after_seconds(Failure({"Retry-After-Ms": "250", "Retry-After": "3"})) == 0.25
    in_20_s = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    assert 15 < retry_after_seconds(Failure({"Retry-After": in_20_s})) <= 20
    assert retry_after_seconds(Failure({"Retry-After": "soon"})) is None
    assert retry_after_seconds(Failure({})) is None
    assert retry_after_seconds(ValueError()) is None


def test_500_until_retries_run_out(fake_openai, settings):  # noqa: F811
    fake_openai.script(*[error_reply(500, "upstream exploded")] * 3)
    started = time.monotonic()
    result = ask(settings)
    assert time.monotonic() - started < 2
    assert not result.ok and result.outcome == "transport_error"
    assert "500" in result.reason and "upstream exploded" in result.reason
    assert result.attempts == 3 == len(fake_openai.requests)  # max_retries=2: one request and two retries
    assert logged(settings)[0].outcome == "transport_error"


@pytest.mark.parametrize("status", [400, 401, 404])
def test_client_errors_fail_at_once(fake_openai, settings, status):  # noqa: F811
    fake_openai.script(error_reply(status, "bad request"))
    result = ask(settings)
    assert not result.ok and f"HTTP {status}" in result.reason
    assert len(fake_openai.requests) == 1


def test_timeouts_are_retried_then_reported(fake_openai, settings):  # noqa: F811
    fake_openai.script(*[Reply(body={}, delay=3)] * 2)
    started = time.monotonic()
    result = ask(settings, timeout=0.2, max_retries=1)
    assert time.monotonic() - started < 2
    assert not result.ok and result.outcome == "transport_error" and "timed out" in result.reason
    assert len(fake_openai.requests) == 2


def test_connection_refused_is_a_transport_error(settings):
    result = ask(settings, base_url="http://127.0.0.1:9/v1", max_retries=1)
    assert not result.ok and result.outcome == "transport_error" and "connection" in result.reason
    assert result.attempts == 2


def test_an_answer_that_is_not_a_chat_completion_is_a_transport_error(fake_openai, settings):  # noqa: F811
    fake_openai.script(Reply(body="<html>请先登录代理</html>"))
    result = ask(settings)
    assert not result.ok and result.outcome == "transport_error" and "not a chat completion" in result.reason
    assert len(fake_openai.requests) == 1


# --- re-asks -------------------------------------------------------------------------


def test_non_json_reply_is_reasked(fake_openai, settings):  # noqa: F811
    fake_openai.script(chat_reply("预算执行率计算有误。"), json_reply(GOOD))
    result = ask(settings)
    assert result.ok and result.parsed.score == 9.77
    assert (result.reasks, result.attempts) == (1, 2)
    second = fake_openai.bodies()[1]["messages"]
    assert second[:2] == MESSAGES
    assert second[2] == {"role": "assistant", "content": "预算执行率计算有误。"}
    assert second[3]["role"] == "user" and "not valid JSON" in second[3]["content"]


def test_schema_invalid_reply_is_reasked_with_the_field_errors(fake_openai, settings):  # noqa: F811
    fake_openai.script(json_reply({"verdict": "x", "score": 42}), json_reply(GOOD))
    result = ask(settings)
    assert result.ok and result.reasks == 1
    reask = fake_openai.bodies()[1]["messages"][-1]["content"]
    assert "score" in reask and "less than or equal to 10" in reask


def test_validate_rejects_then_accepts(fake_openai, settings):  # noqa: F811
    def grounded(comment: Comment) -> list[str]:
        return [] if "执行率" in comment.verdict else ["verdict must cite the form's 执行率"]

    fake_openai.script(json_reply({"verdict": "不错", "score": 10}), json_reply(GOOD))
    result = ask(settings, validate=grounded)
    assert result.ok and result.parsed.verdict == GOOD["verdict"] and result.reasks == 1
    assert "verdict must cite the form's 执行率" in fake_openai.bodies()[1]["messages"][-1]["content"]


def test_still_invalid_after_max_reasks_is_not_ok(fake_openai, settings):  # noqa: F811
    fake_openai.script(*[chat_reply("no JSON here")] * 3)
    result = ask(settings)
    assert not result.ok and result.outcome == "invalid" and result.parsed is None
    assert (result.reasks, result.attempts) == (2, 3) and len(fake_openai.requests) == 3
    assert "not valid JSON" in result.reason
    assert len(fake_openai.bodies()[2]["messages"]) == len(MESSAGES) + 4  # two re-ask rounds
    [row] = logged(settings)
    assert (row.outcome, row.reasks) == ("invalid", 2)


# --- cache ---------------------------------------------------------------------------


def test_second_identical_call_is_served_from_the_cache(fake_openai, settings):  # noqa: F811
    fake_openai.script(json_reply(GOOD))
    first = ask(settings)
    second = ask(settings)
    assert len(fake_openai.requests) == 1
    assert second.ok and second.cache_hit and second.parsed == first.parsed
    assert second.prompt_hash == first.prompt_hash and second.attempts == 0
    assert [r.outcome for r in logged(settings)] == ["ok", "cache_hit"]


@pytest.mark.parametrize(
    "change",
    [{"prompt_version": "v2"}, {"model": "qwen-plus"}, {"response_format": "json_object"}, {"temperature": 0.5}],
)
def test_anything_that_shapes_the_reply_changes_the_cache_key(fake_openai, settings, change):  # noqa: F811
    fake_openai.route("POST", CHAT_PATH, lambda request: json_reply(GOOD))
    assert ask(settings).ok and ask(settings).cache_hit
    changed = ask(settings, **change)
    assert changed.ok and not changed.cache_hit
    assert len(fake_openai.requests) == 2


def test_errors_are_never_cached(fake_openai, settings):  # noqa: F811
    fake_openai.script(*[error_reply(500)] * 3)
    failed = ask(settings)
    fake_openai.script(*[json_reply({"verdict": "不错", "score": 10})] * 3)
    rejected = ask(settings, validate=lambda comment: ["no 执行率 cited"])
    assert (failed.outcome, rejected.outcome) == ("transport_error", "invalid")
    assert failed.prompt_hash == rejected.prompt_hash
    with Store(settings.home) as store:
        assert store.cached(failed.prompt_hash) is None
    fake_openai.script(json_reply(GOOD))
    assert ask(settings).parsed == Comment(**GOOD)
    assert len(fake_openai.requests) == 3 + 3 + 1


def test_one_client_serves_concurrent_tasks_within_its_limit(fake_openai, settings):  # noqa: F811
    fake_openai.route("POST", CHAT_PATH, lambda request: Reply(**{**vars(json_reply(GOOD)), "delay": 0.1}))

    async def run() -> list:
        async with Client(settings.model_copy(update={"concurrency": 2})) as client:
            calls = [
                client.complete_structured([{"role": "user", "content": f"表 {i}"}], Comment, prompt_version="v1")
                for i in range(6)
            ]
            return await asyncio.gather(*calls)

    results = asyncio.run(run())
    assert all(r.ok for r in results) and len(fake_openai.requests) == 6
    assert fake_openai.max_in_flight == 2
    assert len(logged(settings)) == 6


def write_rows(home, writer: int, rows: int = 25) -> None:
    with Store(home) as store:
        for i in range(rows):
            store.log_call(CallRecord(prompt_hash=f"{writer}-{i}", model="m", base_url="u", outcome="ok"))
            store.put_cached(f"{writer}-{i}", "{}", model="m", prompt_version="v1")


def test_stores_in_several_threads_share_one_new_database(tmp_path):
    threads = [threading.Thread(target=write_rows, args=(tmp_path, n)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Store(tmp_path) as store:
        assert store.totals().calls == 100
        assert store.cached("3-24") == "{}"


def test_stores_in_several_processes_share_one_new_database(tmp_path):
    # a bare interpreter per writer: importing this test module would cost seconds
    code = (
        "import sys\n"
        "from reviewer.store import CallRecord, Store\n"
        "with Store(sys.argv[1]) as store:\n"
        "    for i in range(25):\n"
        "        store.log_call(CallRecord(prompt_hash=f'{sys.argv[2]}-{i}', model='m', base_url='u', outcome='ok'))\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(n)]) for n in range(3)]
    assert [w.wait(timeout=30) for w in writers] == [0, 0, 0]
    with Store(tmp_path) as store:
        assert store.totals().calls == 75


# --- the key stays secret ------------------------------------------------------------


def test_key_reaches_the_server_but_never_the_log_or_logs_command(
    fake_openai, settings, monkeypatch, capsys  # noqa: F811
):
    fake_openai.script(error_reply(401, f"Incorrect API key provided: {KEY}."), json_reply(GOOD))
    assert not ask(settings).ok
    assert ask(settings).ok
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {KEY}"
    rows = logged(settings)
    assert "Incorrect API key" in rows[0].error and KEY not in rows[0].error

    database = b"".join(p.read_bytes() for p in settings.home.glob("reviewer.sqlite*"))
    assert b"Incorrect API key" in database and KEY.encode() not in database
    assert KEY[8:24].encode() not in database  # not even a fragment

    monkeypatch.setenv("REVIEWER_HOME", str(settings.home))
    for fmt in ("table", "json"):
        assert cli.main(["logs", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "Incorrect API key" in out and KEY not in out and KEY[8:24] not in out


def test_logs_command_shows_recent_calls_and_totals(fake_openai, settings, monkeypatch, capsys):  # noqa: F811
    fake_openai.script(json_reply(GOOD, prompt_tokens=100, completion_tokens=20))
    ask(settings)
    ask(settings)  # cache hit
    fake_openai.script(json_reply(GOOD, prompt_tokens=50, completion_tokens=5))
    ask(settings, prompt_version="v2")
    monkeypatch.setenv("REVIEWER_HOME", str(settings.home))

    assert cli.main(["logs", "--format", "json", "--limit", "2"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [c["outcome"] for c in shown["calls"]] == ["cache_hit", "ok"]
    assert shown["totals"] == {
        "calls": 3, "tokens_in": 150, "tokens_out": 25, "outcomes": {"ok": 2, "cache_hit": 1}
    }

    assert cli.main(["logs"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("time\toutcome") and len(table) == 1 + 3 + 1
    assert table[-1] == "# 3 shown of 3 calls; tokens in 150, out 25; cache_hit 1, ok 2"


def test_logs_command_without_a_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path / "fresh"))
    assert cli.main(["logs"]) == 0
    assert capsys.readouterr().out.strip().endswith("# 0 shown of 0 calls; tokens in 0, out 0; none")
    assert not (tmp_path / "fresh").exists()


def test_sync_client_can_be_called_repeatedly(fake_openai, settings):  # noqa: F811
    fake_openai.script(json_reply(GOOD), json_reply({"verdict": "ok", "score": 1}))
    with Client(settings) as client:
        first = client.complete_structured_sync(MESSAGES, Comment, prompt_version="v1")
        second = client.complete_structured_sync([MESSAGES[1]], Comment, prompt_version="v1")
    assert first.ok and second.ok and second.parsed.score == 1


def test_request_body_is_the_one_the_typed_parameters_give(fake_openai, settings):  # noqa: F811
    """response_format and temperature go through extra_body (the SDK transforms typed ones
    key by key, schema included): the JSON body is the same, byte for byte."""
    import openai

    from reviewer.llm import prepare_messages, response_format_param

    fake_openai.script(json_reply(GOOD), json_reply(GOOD))
    assert ask(settings).ok
    sdk = openai.OpenAI(base_url=settings.base_url, api_key=KEY, max_retries=0)
    sdk.chat.completions.create(
        model=settings.model,
        messages=prepare_messages(MESSAGES, Comment, settings.response_format),
        response_format=response_format_param(Comment, settings.response_format),
        temperature=settings.temperature,
    )
    ours, typed = [r.raw for r in fake_openai.requests if r.path == CHAT_PATH]
    assert ours == typed
    assert list(json.loads(ours)) == ["model", "messages", "response_format", "temperature"]
