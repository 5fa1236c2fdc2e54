"""A loopback HTTP server that speaks enough of the OpenAI API for the real client.

`FakeOpenAI` answers each route from a per-test script of `Reply`s (status, body,
headers, delay), then from the route's default; it records every request. Routes
are keyed by (method, path), so /v1/files and /v1/batches (the Batch API) can be
added with `fake.route(...)` without touching the server.

Use the `fake_openai` fixture: `from fake_openai import fake_openai` in a test module.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CHAT_PATH = "/v1/chat/completions"


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON, str/bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: Any  # parsed JSON when it parses, else None (see raw)
    raw: bytes = b""  # as sent, e.g. a multipart upload to /v1/files
    target: str = ""  # the request target as sent, query string included


Handler = Callable[[RecordedRequest], Reply]


def chat_reply(
    content: str | None, *, prompt_tokens: int = 11, completion_tokens: int = 7, finish_reason: str = "stop"
) -> Reply:
    """A 200 chat completion whose message content is `content`."""
    return Reply(
        body={
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "fake-model",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def json_reply(obj: Any, **usage: int) -> Reply:
    return chat_reply(json.dumps(obj, ensure_ascii=False), **usage)


def error_reply(
    status: int, message: str = "error", *, headers: dict[str, str] | None = None, delay: float = 0.0
) -> Reply:
    """An error in OpenAI's shape: {"error": {"message", "type", "code"}}."""
    body = {"error": {"message": message, "type": "fake_error", "param": None, "code": str(status)}}
    return Reply(status=status, body=body, headers=headers or {}, delay=delay)


def credentials_of(request: RecordedRequest) -> str:
    """Everything a request carried that a careless server repeats: its Authorization header
    (Bearer key, or Basic base64 of a URL's user:password) and its target with the query."""
    return f"{request.headers.get('authorization', '')} {request.target}"


def echo_credentials_json(request: RecordedRequest) -> Reply:
    """A 401 in OpenAI's shape whose message repeats the key and the URL ("Incorrect API key provided: sk-…")."""
    return error_reply(401, f"Incorrect API key provided: {credentials_of(request)}")


def echo_credentials_text(request: RecordedRequest) -> Reply:
    """A 401 from a proxy: a plain-text body repeating the credentials."""
    return Reply(status=401, body=f"Unauthorized: {credentials_of(request)}")


def echo_credentials_header(request: RecordedRequest) -> Reply:
    """A 401 whose headers repeat the credentials (the body says nothing)."""
    echoed = credentials_of(request).replace("\r", " ").replace("\n", " ")
    return error_reply(401, "Unauthorized", headers={"WWW-Authenticate": f'Bearer error="{echoed}"', "X-Echo": echoed})


def echo_credentials_reply(request: RecordedRequest) -> Reply:
    """A 200 whose model reply quotes the credentials in its opinion and in a comment."""
    said = f"密钥 {credentials_of(request)}"
    return json_reply({"opinion": f"经审核，{said}", "comments": [
        {"target": "form", "category": "scoring", "severity": "warning", "text": said, "evidence": [said]}]})


def not_found(request: RecordedRequest) -> Reply:
    return error_reply(404, f"no route for {request.method} {request.path}")


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._scripts: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self._defaults: dict[tuple[str, str], Handler] = {("POST", CHAT_PATH): lambda _request: json_reply({})}
        self.unrouted: Handler = not_found  # the answer on a path no route names
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # a short poll interval: shutdown() waits up to one interval
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-openai", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def route(self, method: str, path: str, default: Handler) -> None:
        """Answer `method path` with `default(request)` once its script is used up."""
        self._defaults[(method.upper(), path)] = default

    def script(self, *replies: Reply, method: str = "POST", path: str = CHAT_PATH) -> None:
        """Queue replies for a route, answered in order before its default."""
        with self._lock:
            self._scripts[(method.upper(), path)].extend(replies)

    def bodies(self, path: str = CHAT_PATH) -> list[Any]:
        return [r.body for r in self.requests if r.path == path]

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping out a delay
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        key = (request.method, request.path)
        with self._lock:
            self.requests.append(request)
            script = self._scripts.get(key)
            if script:
                return script.popleft()
        return self._defaults.get(key, self.unrouted)(request)

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except (json.JSONDecodeError, UnicodeDecodeError):
                    body = None
                path = self.path.split("?", 1)[0]
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = RecordedRequest(self.command, path, headers, body, raw, self.path)
                fake._enter()
                try:
                    reply = fake._next_reply(request)
                    if reply.delay and fake._stopping.wait(reply.delay):
                        return
                    self._send(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)
                finally:
                    fake._leave()

            def _send(self, reply: Reply) -> None:
                if isinstance(reply.body, (dict, list)):
                    payload, content_type = json.dumps(reply.body).encode("utf-8"), "application/json"
                elif isinstance(reply.body, bytes):
                    payload, content_type = reply.body, "application/octet-stream"
                else:
                    payload, content_type = str(reply.body or "").encode("utf-8"), "text/plain; charset=utf-8"
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers, "Content-Length": str(len(payload))}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
                pass

        return Handler


@pytest.fixture
def fake_openai(monkeypatch: pytest.MonkeyPatch):
    # a proxy in the environment must not intercept loopback requests
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()
