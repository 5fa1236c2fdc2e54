"""The loopback OpenAI server of fake_openai.py plus /v1/files and /v1/batches (the Batch API).

`FakeBatchAPI` stores uploaded JSONL files, creates batches, and completes a batch on
the `polls_before_done`-th status check: every request line is answered with what the
live chat route would answer (`answer`), except custom_ids for which `fail(custom_id)`
is true (they go to the error file) and, with `expire_after=k`, all lines after the
k-th (the batch ends "expired" with only those k answered). Every request is recorded.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fake_openai import CHAT_PATH, FakeOpenAI, RecordedRequest, Reply, error_reply

CREATED_AT = 1700000000


def multipart_file(request: RecordedRequest) -> tuple[str, bytes]:
    """(filename, content) of the `file` part of a multipart/form-data upload."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    boundary = re.search(r'boundary="?([^";]+)"?', headers.get("content-type", ""))
    raw = request.raw.decode("utf-8")
    if boundary is None:
        raise ValueError("not multipart")
    for part in raw.split("--" + boundary.group(1)):
        head, _, content = part.partition("\r\n\r\n")
        if 'name="file"' in head:
            name = re.search(r'filename="([^"]*)"', head)
            return (name.group(1) if name else "upload"), content.removesuffix("\r\n").encode("utf-8")
    raise ValueError("no file part")


class FakeBatchAPI(FakeOpenAI):
    def __init__(
        self,
        *,
        polls_before_done: int = 2,
        fail: Callable[[str], bool] | None = None,
        expire_after: int | None = None,
    ) -> None:
        super().__init__()
        self.polls_before_done = polls_before_done
        self.fail = fail or (lambda _custom_id: False)
        self.expire_after = expire_after
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self._ids = itertools.count(1)

    # what the live chat route answers, reused for batch lines
    def answer(self, body: Any) -> Reply:
        return self._defaults[("POST", CHAT_PATH)](RecordedRequest("POST", CHAT_PATH, {}, body, json.dumps(body).encode()))

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, request: RecordedRequest) -> Reply:
        m, p = request.method, request.path
        if m == "POST" and p == "/v1/files":
            self._record(request)
            return self._upload(request)
        if m == "GET" and p.startswith("/v1/files/") and p.endswith("/content"):
            self._record(request)
            data = self.files.get(p.split("/")[3])
            return Reply(body=data) if data is not None else error_reply(404, "no such file")
        if m == "POST" and p == "/v1/batches":
            self._record(request)
            return self._create(request.body)
        if m == "GET" and p.startswith("/v1/batches/"):
            self._record(request)
            return self._retrieve(p.split("/")[3])
        return super()._next_reply(request)

    def _upload(self, request: RecordedRequest) -> Reply:
        name, data = multipart_file(request)
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = data
        return Reply(body={"id": file_id, "object": "file", "bytes": len(data), "created_at": CREATED_AT,
                           "filename": name, "purpose": "batch", "status": "processed"})  # fmt: skip

    def _create(self, body: dict[str, Any]) -> Reply:
        if body.get("input_file_id") not in self.files:
            return error_reply(400, "unknown input file")
        batch_id = f"batch-{next(self._ids)}"
        lines = [line for line in self.files[body["input_file_id"]].decode().splitlines() if line.strip()]
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body.get("endpoint"), "errors": None,
            "input_file_id": body["input_file_id"], "completion_window": body.get("completion_window", "24h"),
            "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": CREATED_AT,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0}, "metadata": body.get("metadata"),
        }  # fmt: skip
        self.polls[batch_id] = 0
        return Reply(body=self.batches[batch_id])

    def _retrieve(self, batch_id: str) -> Reply:
        batch = self.batches.get(batch_id)
        if batch is None:
            return error_reply(404, "no such batch")
        self.polls[batch_id] += 1
        if batch["status"] not in ("completed", "expired"):
            if self.polls[batch_id] >= self.polls_before_done:
                self._finish(batch)
            else:
                batch["status"] = "in_progress"
        return Reply(body=batch)

    def _finish(self, batch: dict[str, Any]) -> None:
        lines = [json.loads(x) for x in self.files[batch["input_file_id"]].decode().splitlines() if x.strip()]
        out, errors = [], []
        for n, item in enumerate(lines):
            if self.expire_after is not None and n >= self.expire_after:
                break
            cid = item["custom_id"]
            if self.fail(cid):
                errors.append({"id": f"req-{n}", "custom_id": cid, "response": None,
                               "error": {"code": "server_error", "message": "fake failure"}})  # fmt: skip
                continue
            reply = self.answer(item["body"])
            out.append({"id": f"req-{n}", "custom_id": cid, "error": None,
                        "response": {"status_code": reply.status, "request_id": f"r{n}", "body": reply.body}})  # fmt: skip
        for kind, rows in (("output_file_id", out), ("error_file_id", errors)):
            if rows:
                file_id = f"file-{next(self._ids)}"
                self.files[file_id] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
                batch[kind] = file_id
        batch["status"] = "expired" if self.expire_after is not None and self.expire_after < len(lines) else "completed"
        batch["request_counts"] = {"total": len(lines), "completed": len(out), "failed": len(errors)}

    def paths(self, method: str, prefix: str) -> list[str]:
        return [r.path for r in self.requests if r.method == method and r.path.startswith(prefix)]


@pytest.fixture
def fake_batch_api(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    fake = FakeBatchAPI().start()
    yield fake
    fake.stop()
