"""Replaying recorded model replies from a loopback OpenAI-compatible server.

A recording (tests/data/model-replies/, see its README.md) holds the user messages that
reviewer sent, `prompts/NN_<h>.user.txt`, and what a capable model answered to each,
`replies/NN_<h>.json`. `ReplayServer` answers a chat completion from them: by the first
user message when it and the system message are the ones recorded, else by the form code (项目编码) it names,
since any change to the prompt changes the message but not the form. A re-ask (a
conversation with an assistant turn) gets the same recorded reply again: nothing was
recorded for it, so a re-ask costs a call and cannot fix anything. A request naming no
recorded form is answered 404, and the drafter falls back to templates.

Used by the regression test and by `eval/model_drafts.py`; a real HTTP server, so the
whole client (SDK, retries, re-asks, cache) runs as against a model.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from reviewer.config import Settings
from reviewer.evaluation.drafts import draft_agreement
from reviewer.llm import Client

CHAT_PATH = "/v1/chat/completions"
FORM_CODE = re.compile(r"项目编码[:：]\s*([0-9A-Za-z-]{6,})")


def form_code(text: str) -> str | None:
    match = FORM_CODE.search(text)
    return match.group(1) if match else None


class Recordings:
    """The recorded replies, by user message (under the recorded system message, when the
    recording has one) and by form code."""

    def __init__(self, folder: str | Path) -> None:
        folder = Path(folder)
        self.by_message: dict[str, str] = {}
        self.by_code: dict[str, str] = {}
        for prompt in sorted((folder / "prompts").glob("*.user.txt")):
            reply = folder / "replies" / prompt.name.replace(".user.txt", ".json")
            if not reply.is_file():
                continue
            message, content = prompt.read_text(encoding="utf-8").strip(), reply.read_text(encoding="utf-8")
            self.by_message[message] = content
            code = form_code(message)
            if code:
                self.by_code[code] = content
        if not self.by_message:
            raise ValueError(f"{folder}: no recorded replies (expected prompts/*.user.txt and replies/*.json)")
        system = folder / "prompts" / "system.txt"
        self.system = system.read_text(encoding="utf-8").strip() if system.is_file() else None

    def answer(self, messages: list[dict[str, Any]]) -> tuple[str | None, str]:
        """(recorded reply, how it was found: message / code / miss) for a conversation."""
        user = next((str(m.get("content") or "") for m in messages if m.get("role") == "user"), "")
        system = next((str(m.get("content") or "") for m in messages if m.get("role") == "system"), None)
        # the same user message under another system message is another prompt: found by code
        same_system = self.system is None or system is None or system.strip() == self.system
        if same_system and user.strip() in self.by_message:
            return self.by_message[user.strip()], "message"
        code = form_code(user)
        if code in self.by_code:
            return self.by_code[code], "code"
        return None, "miss"


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-replay",
        "object": "chat.completion",
        "created": 1764547200,
        "model": "replay",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


class ReplayServer:
    """A loopback chat-completions server answering from `Recordings`; counts what it served.

    `counts`: requests by how they were answered (message / code / miss) and `reasks`
    (requests carrying an assistant turn); `reask_messages`: the last user message of each re-ask."""

    def __init__(self, recordings: Recordings | None) -> None:
        self.recordings = recordings
        self.counts: Counter[str] = Counter()
        self.reask_messages: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="replay", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _reply(self, body: Any) -> tuple[int, dict[str, Any]]:
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list):
            return 400, {"error": {"message": "no messages", "type": "invalid_request_error", "code": "400"}}
        assert self.recordings is not None  # a RequestRecorder answers in its own _reply
        content, how = self.recordings.answer(messages)
        with self._lock:
            self.counts["requests"] += 1
            self.counts[how] += 1
            if any(m.get("role") == "assistant" for m in messages):
                self.counts["reasks"] += 1
                self.reask_messages.append(str(messages[-1].get("content") or ""))
        if content is None:
            return 404, {"error": {"message": "no recorded reply for this form", "type": "not_found", "code": "404"}}
        return 200, completion(content)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.split("?", 1)[0] != CHAT_PATH:
                    status, payload = 404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
                else:
                    try:
                        status, payload = replay._reply(json.loads(raw or b"null"))
                    except (json.JSONDecodeError, UnicodeDecodeError):
                        status, payload = 400, {"error": {"message": "not JSON", "type": "invalid_request_error"}}
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

        return Handler


def replay_drafts(dataset: Any, recordings: str | Path, *, home: str | Path, seed: int = 0, draws: int = 1000,
                  max_reasks: int = 2) -> dict[str, Any]:
    """Template drafts and the recorded model's drafts of `dataset`, measured alike:
    {"template": DraftAgreement, "model": DraftAgreement, "served": the server's counts,
    "reask_messages": what each re-ask said}.
    home: a fresh folder for the client's store (a filled cache would answer instead)."""
    template = draft_agreement(dataset, seed=seed, draws=draws)
    with ReplayServer(Recordings(recordings)) as server:
        settings = Settings(base_url=server.base_url, model="replay", home=Path(home), max_retries=0,
                            max_reasks=max_reasks)
        client = Client(settings)
        try:
            model = draft_agreement(dataset, client=client, use_model=True, seed=seed, draws=draws)
        finally:
            client.close()
        served = dict(server.counts)
        reasks = list(server.reask_messages)
    return {"template": template, "model": model, "served": served, "reask_messages": reasks}


class RequestRecorder(ReplayServer):
    """A loopback server that keeps every request and answers none (404, so the drafter
    falls back to templates): what reviewer sends today, to be answered by a model."""

    def __init__(self) -> None:
        super().__init__(None)  # answers from nothing: _reply is its own
        self.requests: list[dict[str, Any]] = []

    def _reply(self, body: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.counts["requests"] += 1
            if isinstance(body, dict):
                self.requests.append(body)
        return 404, {"error": {"message": "recording requests only", "type": "not_found", "code": "404"}}


def message_name(index: int, user: str) -> str:
    """`NN_<h>`: the request's place and the first 16 hex digits of sha256 of its user message."""
    return f"{index:02d}_{hashlib.sha256(user.encode('utf-8')).hexdigest()[:16]}"


def record_requests(dataset: Any, folder: str | Path, *, home: str | Path) -> list[Path]:
    """Write the requests that drafting `dataset` with a model sends today, in the layout of a
    recording (folder/prompts: system.txt, response_format.json, NN_<h>.user.txt), in the
    dataset's order of forms, and return the user-message files. Answering them is a model's job."""
    with RequestRecorder() as recorder:
        settings = Settings(base_url=recorder.base_url, model="record", home=Path(home), max_retries=0, max_reasks=0)
        client = Client(settings)
        try:
            draft_agreement(dataset, client=client, use_model=True, draws=0)
        finally:
            client.close()
    order = {code: n for n, code in enumerate(s.form.code for s in dataset.samples)}
    firsts: dict[str, dict[str, Any]] = {}
    for body in recorder.requests:
        messages = body.get("messages") or []
        user = next((str(m.get("content") or "") for m in messages if m.get("role") == "user"), "")
        firsts.setdefault(user, body)
    prompts = Path(folder) / "prompts"
    prompts.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    ranked = sorted(firsts.items(), key=lambda item: order.get(form_code(item[0]) or "", len(order)))
    for index, (user, body) in enumerate(ranked):
        system = next((str(m.get("content") or "") for m in body["messages"] if m.get("role") == "system"), "")
        (prompts / "system.txt").write_text(system, encoding="utf-8")
        if body.get("response_format") is not None:
            schema = json.dumps(body["response_format"], ensure_ascii=False, indent=2)
            (prompts / "response_format.json").write_text(schema + "\n", encoding="utf-8")
        path = prompts / f"{message_name(index, user)}.user.txt"
        path.write_text(user, encoding="utf-8")
        written.append(path)
    return written
