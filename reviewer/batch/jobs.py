"""What the batch's parts hand each other: a file's forms, and what is to be done with each.

A source (the documents read here, or by the worker pool) gives the runner one FileWork per
document, in discovery order. Each of its forms comes with one of:
- None: its result is committed already (reused);
- Done: reviewed by a worker; committed together with the other forms of its file;
- ToDo: to be reviewed here, as a task (a model call, or the whole review in line).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, NamedTuple

from reviewer.batch.state import COMMENT_COLUMNS, FINDING_COLUMNS, pack
from reviewer.batch.work import FormOutcome


@dataclass
class PackedOutcome(FormOutcome):
    """A worker's FormOutcome, made cheap for the main process to commit: findings and
    comments as tuples in the state's column order, the stored opinion already packed."""

    packed_opinion: bytes | None = None


def compact(outcome: FormOutcome) -> PackedOutcome:
    return PackedOutcome(
        outcome.row,
        [tuple([f.get(c) for c in FINDING_COLUMNS]) for f in outcome.findings],
        [tuple([c.get(k) for k in COMMENT_COLUMNS]) for c in outcome.comments],
        outcome.opinion_md,
        outcome.opinion_html,
        outcome.review_json,
        outcome.warnings,
        packed_opinion=pack(outcome.opinion),
    )


@dataclass(frozen=True)
class Done:
    """A form reviewed by a worker: its outcome, or why it could not be reviewed."""

    outcome: FormOutcome | None
    error: str | None = None


@dataclass(frozen=True)
class ToDo:
    """A form to review here: `run()` is its review (or its model call and what follows)."""

    run: Callable[[], Coroutine[Any, Any, FormOutcome]]


class FormItem(NamedTuple):
    index: int
    header: dict[str, Any] | None  # the form's header row; None when reused (read from the state)
    work: Done | ToDo | None  # None: reuse the committed result


class FileWork(NamedTuple):
    label: str
    content_hash: str
    items: list[FormItem]
    problems: list[list]  # [index, message] of forms that could not be used
    error: str | None  # the whole file could not be read


def internal_error(exc: BaseException) -> str:
    """The error text of a form whose review raised (a bug: one form must not stop the batch)."""
    return f"could not be reviewed (internal error {type(exc).__name__}: {exc})"
