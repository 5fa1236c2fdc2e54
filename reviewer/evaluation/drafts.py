"""Comment agreement for drafted comments: template drafts now, a model's when one is configured.

The drafter sees each form blinded (no human score, remark or total), like the checks do.
Token spend is reported per form so RESULTS.md can say what a real run costs.
"""

from __future__ import annotations

import asyncio
from statistics import median
from typing import Any

from typing_extensions import NotRequired, TypedDict

from reviewer.checks import run_checks
from reviewer.domain.blinding import blind
from reviewer.drafting.drafter import FormReview, eval_comments, review_forms_async
from reviewer.drafting.prompts import estimate_tokens, review_messages
from reviewer.evaluation.comments import Comment, CommentAgreementSummary, comment_agreement, human_comments
from reviewer.evaluation.dataset import Dataset


class TokenFigures(TypedDict):
    calls: int
    prompt_tokens_per_form: float
    completion_tokens_per_form: float
    cache_hits: int


class ModelFigures(TypedDict):
    """What became of the model's comments, and what they cost in calls."""

    written: int  # comments in the model's accepted or last replies
    kept: int
    dropped: int
    rejected_hidden: int  # of the dropped: comments on content hidden on purpose
    drop_rate: float | None  # dropped / written
    mechanical_drop_rate: float | None  # (dropped - rejected_hidden) / (written - rejected_hidden)
    template_fill_ins: int  # findings no kept model comment covered: their template comment
    opinions_replaced: int  # model opinions that failed grounding: the template opinion instead
    calls: int  # HTTP requests, re-asks included
    calls_per_form: float
    reasks: int
    forms_reasked: int


class DraftAgreement(TypedDict):
    """How the drafted comments agree with the human remarks, and what they cost."""

    draft_source: str
    forms: int
    fallbacks: list[str]
    dropped_comments: int
    agreement: CommentAgreementSummary
    prompt_tokens_estimate: dict[str, float]
    tokens: NotRequired[TokenFigures]
    model: NotRequired[ModelFigures]
    model_only: NotRequired[CommentAgreementSummary]  # the model's own comments, without template fill-ins


async def _review_all(dataset: Dataset, client: Any, use_model: bool) -> list[FormReview]:
    forms = [blind(sample.form) for sample in dataset.samples]
    try:
        return await review_forms_async(forms, client=client, blind=True, use_model=use_model)
    finally:
        if client is not None:
            await client.close_transport()


def draft_agreement(
    dataset: Dataset, *, client: Any = None, use_model: bool = False, seed: int = 0, draws: int = 1000
) -> DraftAgreement:
    """Drafts for every sample, matched against the human remarks; with token figures."""
    reviews = asyncio.run(_review_all(dataset, client, use_model))
    drafts = [Comment(**c) for review in reviews for c in eval_comments(review)]
    sources = sorted({review.draft_source for review in reviews})
    calls = [review.llm for review in reviews if review.llm is not None and review.llm.attempts]
    estimates = prompt_estimates(dataset)
    result: DraftAgreement = {
        "draft_source": "+".join(sources),
        "forms": len(reviews),
        "fallbacks": sorted({r.fallback_reason for r in reviews if r.fallback_reason and use_model}),
        "dropped_comments": sum(len(r.dropped) for r in reviews),
        "agreement": comment_agreement(drafts, human_comments(dataset), seed=seed, draws=draws),
        "prompt_tokens_estimate": {"median": median(estimates), "max": max(estimates)} if estimates else {},
    }
    if use_model:
        result["model"] = model_figures(reviews)
        own = [Comment(**c) for r in reviews for c, d in zip(eval_comments(r), r.comments) if d.source == "llm"]
        result["model_only"] = comment_agreement(own, human_comments(dataset), seed=seed, draws=draws)
    if calls:  # what the endpoint reported, per form that reached it
        result["tokens"] = {
            "calls": len(calls),
            "prompt_tokens_per_form": sum(c.tokens_in for c in calls) / len(calls),
            "completion_tokens_per_form": sum(c.tokens_out for c in calls) / len(calls),
            "cache_hits": sum(c.cache_hit for c in calls),
        }
    return result


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def model_figures(reviews: list[FormReview]) -> ModelFigures:
    kept = sum(c.source == "llm" for r in reviews for c in r.comments)
    dropped = sum(len(r.dropped) for r in reviews)
    hidden = sum(d.hidden for r in reviews for d in r.dropped)
    calls = [r.llm for r in reviews if r.llm is not None]
    attempts = sum(c.attempts for c in calls)
    return {
        "written": kept + dropped,
        "kept": kept,
        "dropped": dropped,
        "rejected_hidden": hidden,
        "drop_rate": _rate(dropped, kept + dropped),
        "mechanical_drop_rate": _rate(dropped - hidden, kept + dropped - hidden),
        "template_fill_ins": sum(c.source == "template" for r in reviews if r.draft_source == "llm" for c in r.comments),
        "opinions_replaced": sum(r.draft_source == "llm" and r.opinion_source == "template" for r in reviews),
        "calls": attempts,
        "calls_per_form": attempts / len(reviews) if reviews else 0.0,
        "reasks": sum(c.reasks for c in calls),
        "forms_reasked": sum(c.reasks > 0 for c in calls),
    }


def prompt_estimates(dataset: Dataset) -> list[int]:
    """Estimated prompt tokens per form (system + user message), without calling a model."""
    estimates = []
    for sample in dataset.samples:
        form = blind(sample.form)
        messages = review_messages(form, run_checks(form, blind=True))
        estimates.append(sum(estimate_tokens(m["content"]) for m in messages))
    return estimates
