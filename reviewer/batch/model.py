"""The batch's model path: a form's review split around its model call.

With worker processes, a worker prepares each form up to its call (checks, prompt,
grounding: `prepare`), the event loop makes only the call (`ask`), and a worker finishes
the form after the reply (grounding, template fill-in, opinion texts: `finish_form`), as
Engine.review would have done in one piece. The client is reviewer.batch.client's.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from reviewer.batch.jobs import PackedOutcome, compact
from reviewer.batch.work import Engine, outcome_of
from reviewer.checks import run_checks
from reviewer.domain.model import Form
from reviewer.drafting.comments import ReviewReply
from reviewer.drafting.drafter import FormReview, finish_review, prepare_review
from reviewer.drafting.reask import ReaskPolicy


class ModelJob(NamedTuple):
    """A form prepared by a worker for its model call: what the call needs, and the rest of
    the worker's state as opaque bytes for `finish_form` (the main process never unpickles it)."""

    messages: list[dict[str, str]]
    grounding: Any  # reviewer.drafting.grounding.Grounding, without the form: validates replies
    version: str
    state: bytes


def prepare(engine: Engine, form: Form) -> PackedOutcome | ModelJob:
    """In a worker: Engine.review up to the model call (the checks, the prompt, the grounding)."""
    report = run_checks(form, policy=engine.policy)
    prepared = prepare_review(form, configured=True, policy=engine.policy, report=report)
    if isinstance(prepared, FormReview):  # template drafts: no call to make
        return compact(outcome_of(form, report, prepared))
    grounding = copy.copy(prepared.grounding)
    grounding.form = None  # validating a reply needs only what was taken from the form
    state = pickle.dumps((form, report, prepared), pickle.HIGHEST_PROTOCOL)
    return ModelJob(prepared.messages, grounding, prepared.version, state)


Failure = tuple[str, str]  # (exception type name, message): plain data, crosses to any process


def finish_form(state: bytes, result: Any, failure: Failure | None) -> PackedOutcome:
    """In a worker: a prepared form's review after its model call (grounding, template
    fill-in, the opinion texts), as Engine.review would have finished it."""
    form, report, prepared = pickle.loads(state)
    error = type(failure[0], (Exception,), {})(failure[1]) if failure is not None else None
    return compact(outcome_of(form, report, finish_review(prepared, result, error)))


async def ask(client: Any, job: ModelJob, finish: Callable[[bytes, Any, Failure | None], Awaitable[PackedOutcome]]) -> PackedOutcome:
    """In the event loop: the model call of a prepared form, then `finish` (in a worker)."""
    result, failure = None, None
    try:
        result = await client.complete_structured(
            job.messages, ReviewReply, validate=ReaskPolicy(job.grounding), prompt_version=job.version
        )
    except Exception as exc:  # noqa: BLE001 - the form gets template drafts and the reason
        failure = (type(exc).__name__, str(exc))
    return await finish(job.state, result, failure)
