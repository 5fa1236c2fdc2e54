"""opinions/NAME.md, .html (and .docx): each form's opinion files, written as it commits.

Files are written by a few threads (creating files is slow I/O), each atomically (a
temporary file renamed over the old one), and the run state records which result a name's
files hold once they are on disk. A reused result's files are written again when missing or
holding another result, so the folder always shows what the state says. Opinions in the
folder of forms not in this run are kept and listed, or removed with --prune.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from reviewer.batch.outputs.ooxml import normalise
from reviewer.batch.state import RunState
from reviewer.drafting import opinion
from reviewer.drafting.drafter import FormReview

OPINIONS_DIR = "opinions"
OPINION_SUFFIXES = (".md", ".html", ".docx")
MAX_QUEUED = 256  # writes queued before the runner waits for the oldest; also the state's batch of records


def write_docx(review_json: str | None, path: Path) -> bool:
    """The Word opinion, by the writer of `reviewer review --format docx`, made byte-stable;
    False when python-docx is not installed or the result holds no review."""
    if not review_json:
        return False
    try:
        path.write_bytes(opinion.to_docx([FormReview.model_validate_json(review_json)]))
    except opinion.DocxUnavailable:
        return False
    normalise(path)
    return True


def atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class OpinionFiles:
    """The opinions folder of one run. Used from the runner's event-loop thread."""

    def __init__(self, out: Path, state: RunState, *, docx: bool) -> None:
        self.folder = out / OPINIONS_DIR
        self.state = state
        self.docx = docx
        self.written = 0  # opinions written by this run
        self._keys = state.opinion_files()  # opinion name -> the result its files hold
        self._pool: ThreadPoolExecutor | None = None
        self._writes: deque[tuple[Future, str, str]] = deque()  # (write, opinion name, result key)
        self._done: list[tuple[str, str]] = []  # written since last recorded in the state

    def paths(self, name: str) -> dict[str, Path]:
        paths = {"md": self.folder / f"{name}.md", "html": self.folder / f"{name}.html"}
        if self.docx:
            paths["docx"] = self.folder / f"{name}.docx"
        return paths

    def write(self, name: str, key: str, md: str, page: str, review_json: str | None) -> None:
        """Queue one form's files for the writer threads."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="batch-writer")
        while len(self._writes) >= MAX_QUEUED:
            self._wait_oldest()
        self._writes.append((self._pool.submit(self._write, self.paths(name), md, page, review_json), name, key))
        self._keys[name] = key
        self.written += 1

    def ensure(self, key: str, name: str) -> None:
        """A reused result's files, written again where missing or holding another result
        (another policy, template or form content was in effect when they were written)."""
        if self._keys.get(name) == key and all(p.exists() for p in self.paths(name).values()):
            return
        stored = self.state.opinion(key)
        if stored:
            self.write(name, key, stored.get("md") or "", stored.get("html") or "", stored.get("review"))

    def flush(self) -> None:
        """Wait for every queued write, and record them all in the state."""
        try:
            while self._writes:
                self._wait_oldest()
        finally:
            self.state.opinions_written(self._done)
            self._done.clear()
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def others(self, keep: set[str], prune: bool) -> tuple[list[str], int]:
        """Opinions in the folder of forms not in `keep` (a run on fewer inputs, a renamed
        form): listed, and removed when `prune`. Returns (their names, files removed)."""
        others: set[str] = set()
        removed = 0
        for path in self.folder.iterdir():
            if path.name.startswith(".") and path.name.endswith(".tmp"):  # left by a killed run
                path.unlink()
            elif path.suffix in OPINION_SUFFIXES and path.stem not in keep:
                others.add(path.stem)
                if prune:
                    path.unlink()
                    removed += 1
        if prune:
            self.state.opinions_removed(sorted(others))
        return sorted(others), removed

    def _wait_oldest(self) -> None:
        write, name, key = self._writes.popleft()
        write.result()
        self._done.append((name, key))
        if len(self._done) >= MAX_QUEUED:
            self.state.opinions_written(self._done)
            self._done.clear()

    def _write(self, paths: dict[str, Path], md: str, page: str, review_json: str | None) -> None:
        atomic_write(paths["md"], md.encode("utf-8"))
        atomic_write(paths["html"], page.encode("utf-8"))
        if "docx" in paths:
            tmp = paths["docx"].with_name(f".{paths['docx'].name}.tmp")
            if write_docx(review_json, tmp):
                os.replace(tmp, paths["docx"])
        else:  # a .docx left by a run with --docx holds another result now
            paths["md"].with_suffix(".docx").unlink(missing_ok=True)
