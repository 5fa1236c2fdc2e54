"""No deliverable holds the API key or a URL's credentials, whatever the server echoes
(issue 9, item 6): a 401 repeating the key in its JSON message, in a plain-text body or in
its headers, and a 200 whose model reply quotes it; keys given by variable, in the base
URL's query string (?key=) and as the URL's user:password."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import sys
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import EXAMPLES
from fake_openai import (  # noqa: F401 - fixture
    CHAT_PATH,
    echo_credentials_header,
    echo_credentials_json,
    echo_credentials_reply,
    echo_credentials_text,
    fake_openai,
)

from reviewer.cli import main
from reviewer.llm import public_url, redact, url_secrets

KEY = "sk-proj-Zq9Xw7Pv3Lm5Rt8Yk2Hj4Nb6"  # key-shaped
PLAIN_KEY = "Q7mWx2Rt9vLp4Ks8"  # not key-shaped: only its exact value can be found
QUERY_SECRET = "AIzaQuErYsEcReT123456"
PASSWORD = "pa55-W0rd-s3cret"

SERVERS = {
    "json-401": echo_credentials_json,
    "text-401": echo_credentials_text,
    "header-401": echo_credentials_header,
    "reply-quotes-it": echo_credentials_reply,
}


def _placements(base_url: str) -> dict[str, tuple[str, str, list[str]]]:
    """name -> (base URL, key, the secrets that must not appear)."""
    userinfo = base_url.replace("http://", f"http://reviewer:{quote(PASSWORD)}@")
    basic = base64.b64encode(f"reviewer:{PASSWORD}".encode()).decode()
    return {
        "key-and-query": (f"{base_url}?key={QUERY_SECRET}", KEY, [KEY, QUERY_SECRET]),
        "plain-key": (base_url, PLAIN_KEY, [PLAIN_KEY]),
        "userinfo-and-token": (f"{userinfo}?access_token={QUERY_SECRET}", "", [PASSWORD, basic, QUERY_SECRET]),
    }


def _texts(path: Path) -> list[tuple[str, bytes]]:
    """Every file under path as bytes, zip members (docx, xlsx) unpacked."""
    found = []
    for p in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if not p.is_file():
            continue
        data = p.read_bytes()
        found.append((str(p), data))
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                found += [(f"{p}!{m}", z.read(m)) for m in z.namelist()]
        if p.suffix == ".sqlite":
            found += [(f"{p}!{name}", blob) for name, blob in _sqlite_values(p)]
    return found


def _sqlite_values(path: Path) -> list[tuple[str, bytes]]:
    """Every value of every table, compressed blobs (the run state's packed reviews) unpacked."""
    values = []
    with sqlite3.connect(path) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        try:
                            value = zlib.decompress(value)
                        except zlib.error:
                            pass
                    values.append((table, value if isinstance(value, bytes) else str(value).encode()))
    return values


def _assert_clean(where: str, data: bytes | str, secrets: list[str]) -> None:
    blob = data.encode() if isinstance(data, str) else data
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), secret[2:-2]}:
            assert form.encode() not in blob, f"{secret!r} found in {where}"


@pytest.fixture
def form_file(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    path = src / "forms.txt"
    path.write_bytes((EXAMPLES / "000_227770587c716576.txt").read_bytes())
    return path


def _environment(monkeypatch, home: Path, base_url: str, key: str) -> None:
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    monkeypatch.setenv("REVIEWER_BASE_URL", base_url)
    monkeypatch.setenv("REVIEWER_MODEL", "fake-model")
    monkeypatch.setenv("REVIEWER_MAX_RETRIES", "0")
    monkeypatch.setenv("REVIEWER_API_KEY", key)


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("placement", ["key-and-query", "plain-key", "userinfo-and-token"])
def test_no_review_output_holds_a_secret(fake_openai, tmp_path, monkeypatch, capsys, form_file, server, placement):  # noqa: F811
    base_url, key, secrets = _placements(fake_openai.base_url)[placement]
    fake_openai.route("POST", CHAT_PATH, SERVERS[server])
    fake_openai.unrouted = SERVERS[server]  # a query string in the base URL moves the request path
    home = tmp_path / "home"
    _environment(monkeypatch, home, base_url, key)
    for fmt in ("json", "md", "html"):
        assert main(["review", str(form_file), "--llm", "--format", fmt]) == 0
        captured = capsys.readouterr()
        _assert_clean(f"review --format {fmt}", captured.out, secrets)
        _assert_clean(f"review --format {fmt} (stderr)", captured.err, secrets)
        if fmt == "json":
            forms = json.loads(captured.out)["forms"]
            assert all(f["draft_source"] == "template" or f["dropped"] or f["comments"] for f in forms)
    out = tmp_path / "opinion.docx"
    assert main(["review", str(form_file), "--llm", "--format", "docx", "--out", str(out)]) == 0
    _assert_clean("review stderr", capsys.readouterr().err, secrets)
    for where, data in _texts(out) + _texts(home):
        _assert_clean(where, data, secrets)
    # the server did see them: the test would prove nothing otherwise
    seen = " ".join(f"{r.headers.get('authorization', '')} {r.target}" for r in fake_openai.requests)
    assert any(s in seen for s in secrets)


@pytest.mark.parametrize("server", ["json-401", "reply-quotes-it"])
def test_no_batch_output_holds_a_secret(fake_openai, tmp_path, monkeypatch, capsys, form_file, server):  # noqa: F811
    base_url, key, secrets = _placements(fake_openai.base_url)["key-and-query"]
    fake_openai.route("POST", CHAT_PATH, SERVERS[server])
    fake_openai.unrouted = SERVERS[server]
    home, out = tmp_path / "home", tmp_path / "out"
    _environment(monkeypatch, home, base_url, key)
    assert main(["batch", str(form_file.parent), "--out", str(out), "--llm", "--docx", "--progress" if False else "--no-progress"]) == 0
    captured = capsys.readouterr()
    _assert_clean("batch stdout", captured.out, secrets)
    _assert_clean("batch stderr", captured.err, secrets)
    files = _texts(out) + _texts(home)
    assert any(name.endswith("run.json") for name, _ in files) and any("state.sqlite" in name for name, _ in files)
    for where, data in files:
        _assert_clean(where, data, secrets)


def test_a_base_url_typed_on_the_command_line_is_not_recorded_with_its_secret(fake_openai, tmp_path, monkeypatch, form_file):  # noqa: F811
    base_url, key, secrets = _placements(fake_openai.base_url)["key-and-query"]
    fake_openai.route("POST", CHAT_PATH, echo_credentials_json)
    fake_openai.unrouted = echo_credentials_json
    _environment(monkeypatch, tmp_path / "home", "", key)
    out = tmp_path / "out"
    argv = ["batch", str(form_file.parent), "--out", str(out), "--llm", "--no-progress", "--base-url", base_url]
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/reviewer", *argv])
    assert main(argv) == 0
    _assert_clean("run.json", (out / "run.json").read_bytes(), secrets)


def test_public_url_and_redaction_rules() -> None:
    url = f"https://reviewer:{quote(PASSWORD)}@api.example.com:8443/v1?api-version=2024-06-01&key={QUERY_SECRET}"
    assert public_url(url) == "https://api.example.com:8443/v1?api-version=2024-06-01&key=[redacted]"
    assert public_url("https://api.deepseek.com/v1") == "https://api.deepseek.com/v1"
    assert PASSWORD in url_secrets(url) and QUERY_SECRET in url_secrets(url)
    assert "2024-06-01" not in url_secrets(url)  # not a credential
    text = f"Incorrect API key provided: {PLAIN_KEY}; url {url}; also sk-abcdefghijkl"
    cleaned = redact(text, [PLAIN_KEY, *url_secrets(url)])
    for secret in (PLAIN_KEY, QUERY_SECRET, "sk-abcdefghijkl", quote(PASSWORD)):
        assert secret not in cleaned
    assert cleaned.startswith("Incorrect API key provided: [redacted]")
