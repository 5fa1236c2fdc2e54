"""Drafting one form's review: the checks, then the model's comments or the template drafts.

`review_form_async` is the core (batch runs many under the client's semaphore);
`review_form` wraps it for synchronous code. The model path never raises: transport
failures, unusable replies and our own errors all end in template drafts for that form,
with the reason in `fallback_reason`.

Model comments that fail grounding after the re-asks are dropped one by one and kept
in `dropped` with their errors; findings that no kept model comment covers still get
their template comment, so every finding reaches the reviewer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from reviewer import checks
from reviewer.checks import Finding, FormReport
from reviewer.domain.blinding import blind as blind_copy
from reviewer.domain.model import Form
from reviewer.domain.reasons import keyword_reasons, remark_reason
from reviewer.drafting.comments import DraftComment, DraftSource, DroppedComment, ModelComment, ReviewReply
from reviewer.drafting.grounding import Grounding
from reviewer.drafting.prompts import estimate_tokens, messages_hash, prompt_version, review_messages
from reviewer.drafting.reask import ReaskPolicy, covered
from reviewer.drafting.render import render_findings, render_form
from reviewer.drafting.templates import template_comment, template_comments, template_opinion
from reviewer.llm import strip_code_fence

log = logging.getLogger("reviewer.drafting")

NOT_CONFIGURED = "no language model configured"
NOT_REQUESTED = "model drafting not requested"


class ModelCall(BaseModel):
    """The language-model call behind a form's drafts (no key, no reply text)."""

    prompt_version: str
    prompt_hash: str  # the llm module's hash of the rendered prompt; logged with the call
    prompt_tokens_estimate: int
    outcome: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    attempts: int = 0
    reasks: int = 0
    cache_hit: bool = False


class IndicatorRow(BaseModel):
    """One row of the form's indicator table as the opinion shows it beside the comments."""

    index: int  # 0-based, as in findings and comments
    level1: str = ""
    level2: str = ""
    name: str = ""
    target: str = ""
    actual: str = ""
    weight: float | None = None
    score: float | None = None  # as declared (None in blind mode)
    suggested_score: float | None = None  # the checks' recomputed score (recomputed.indicator_scores)


def indicator_rows(form: Form, report: FormReport) -> list[IndicatorRow]:
    """The form's indicators with the recomputed scores (an evaluation report's checks score
    its target table, not its rubric: no suggested score there)."""
    scores = report.recomputed.indicator_scores if form.kind != "evaluation_report" else []
    return [
        IndicatorRow(index=i, level1=ind.level1, level2=ind.level2, name=ind.name, target=ind.target,
                     actual=ind.actual, weight=ind.weight, score=ind.score,
                     suggested_score=scores[i] if i < len(scores) else None)
        for i, ind in enumerate(form.indicators)
    ]


class FormReview(BaseModel):
    form_id: str
    name: str | None = None
    declared_total: float | None = None
    suggested_total: float | None = None
    grade: str | None = None
    provisional: bool = False  # total and grade provisional: the weights do not add up to 100
    basis: str = ""  # how the suggested total was computed when not as the plain sum
    draft_source: DraftSource
    fallback_reason: str | None = None  # why the drafts are templates, when a model was asked or missing
    opinion: str
    opinion_source: DraftSource
    comments: list[DraftComment] = Field(default_factory=list)
    dropped: list[DroppedComment] = Field(default_factory=list)  # model comments that failed grounding
    findings: list[Finding] = Field(default_factory=list)
    indicators: list[IndicatorRow] = Field(default_factory=list)  # the form's table, for the opinion
    checks: dict[str, Any] = Field(default_factory=dict)  # the check output as `reviewer check --format json` gives it
    checks_error: str | None = None
    llm: ModelCall | None = None

    @property
    def label(self) -> str:
        if self.draft_source == "llm":
            return "模型起草（已核对原文与数字）"
        return "模板草稿（未使用语言模型）"


def template_review(form: Form, report: FormReport, checks_error: str | None, reason: str | None,
                    call: ModelCall | None = None, dropped: list[DroppedComment] | None = None) -> FormReview:
    comments = template_comments(form, report)
    opinion = template_opinion(form, report, comments, checks_error)
    return _review(form, report, checks_error, comments, opinion, "template", "template", reason, call, dropped or [])


def _review(form: Form, report: FormReport, checks_error: str | None, comments: list[DraftComment], opinion: str,
            source: DraftSource, opinion_source: DraftSource, reason: str | None, call: ModelCall | None,
            dropped: list[DroppedComment]) -> FormReview:
    recomputed = report.recomputed
    return FormReview(
        form_id=form.id,
        name=form.name,
        declared_total=form.total_score,
        suggested_total=recomputed.suggested_total,
        grade=recomputed.grade,
        provisional=recomputed.provisional,
        basis=recomputed.basis,
        draft_source=source,
        fallback_reason=reason,
        opinion=opinion,
        opinion_source=opinion_source,
        comments=comments,
        dropped=dropped,
        findings=report.findings,
        indicators=indicator_rows(form, report),
        checks=report.model_dump(mode="json") if checks_error is None else {},
        checks_error=checks_error,
        llm=call,
    )


def _as_draft(comment: ModelComment, form: Form, findings: dict[str, list[Finding]], grounding: Grounding) -> DraftComment:
    index = comment.indicator_index
    indicator = form.indicators[index] if index is not None else None
    related = [f for code in comment.check_codes for f in findings.get(code, []) if f.row == index]
    reason = related[0].reason if related else None
    if reason is None and indicator is not None:
        reason = remark_reason(comment.text, indicator.target, indicator.actual)[0]
    scores = [f.suggested_score for f in related if f.suggested_score is not None]
    fields = comment.model_dump()
    if indicator is not None and fields["severity"] != "info" and not _row_has_finding(findings, index):
        # the checks (under the office's policy) find nothing to cut on this row: the model's
        # own remark on it is advice (a note), never a problem that costs points
        fields["severity"] = "info"
    return DraftComment(
        **fields,
        source="llm",
        indicator_name=indicator.name if indicator is not None else None,
        reason=reason,
        suggested_score=min(scores) if scores else None,
        evidence_fields=grounding.evidence_fields(comment),
    )


def _row_has_finding(findings: dict[str, list[Finding]], index: int | None) -> bool:
    return any(f.row == index for found in findings.values() for f in found)


def _parse_last_reply(content: str) -> ReviewReply | None:
    """The last reply of a call that stayed invalid: usable when only grounding failed."""
    try:
        return ReviewReply.model_validate_json(strip_code_fence(content))
    except ValidationError:
        return None


@dataclass
class PreparedCall:
    """The deterministic part of a model review, ready for the call: plain, picklable data
    (a batch prepares it in a worker process and makes only the call in its event loop)."""

    form: Form
    report: FormReport
    checks_error: str | None
    messages: list[dict[str, str]]
    grounding: Grounding
    version: str
    tokens_estimate: int


def _prepare_call(form: Form, report: FormReport, checks_error: str | None) -> PreparedCall:
    texts = {"form_text": render_form(form, hidden=report.blind), "findings_text": render_findings(report, form, checks_error)}  # rendered once
    messages = review_messages(form, report, **texts)
    grounding = Grounding(form, report, **texts)
    return PreparedCall(form, report, checks_error, messages, grounding, prompt_version(),
                        sum(estimate_tokens(m["content"]) for m in messages))


async def call_model(prepared: PreparedCall, client: Any) -> Any:
    """The model call of a prepared review (validated by its grounding)."""
    policy = ReaskPolicy(prepared.grounding)
    return await client.complete_structured(prepared.messages, ReviewReply, validate=policy, prompt_version=prepared.version)


def _finish_call(prepared: PreparedCall, result: Any) -> FormReview:
    form, report, grounding, messages = prepared.form, prepared.report, prepared.grounding, prepared.messages
    error = prepared.checks_error
    call = ModelCall(
        prompt_version=prepared.version,
        prompt_hash=result.prompt_hash or messages_hash(messages),
        prompt_tokens_estimate=prepared.tokens_estimate,
        outcome=str(result.outcome),
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        attempts=result.attempts,
        reasks=result.reasks,
        cache_hit=result.cache_hit,
    )
    reply = result.parsed
    if reply is None and result.outcome == "invalid" and result.content:
        reply = _parse_last_reply(result.content)
    if reply is None:
        return template_review(form, report, error, f"language model failed: {result.reason or result.outcome}", call)

    kept, dropped = grounding.split(reply)
    for d in dropped:
        log.warning("form %s: dropped a model comment: %s", form.id, "; ".join(d.errors))
    if reply.comments and not kept:
        return template_review(form, report, error, f"all {len(dropped)} model comments failed grounding", call, dropped)

    by_code: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_code.setdefault(f.check, []).append(f)
    comments = [_as_draft(c, form, by_code, grounding) for c in kept]
    comments += [template_comment(f, form) for f in report.findings if not covered(f, kept)]

    opinion_errors = grounding.opinion_errors(reply.opinion)
    if opinion_errors:
        log.warning("form %s: model opinion replaced by the template: %s", form.id, "; ".join(opinion_errors))
        opinion, opinion_source = template_opinion(form, report, comments, error), "template"
    else:
        opinion, opinion_source = reply.opinion.strip(), "llm"
    return _review(form, report, error, comments, opinion, "llm", opinion_source, None, call, dropped)  # type: ignore[arg-type]


def _drafting_failed(form: Form, report: FormReport, checks_error: str | None, exc: Exception) -> FormReview:
    log.warning("form %s: model drafting failed: %s: %s", form.id, type(exc).__name__, exc)
    log.debug("form %s: model drafting failed", form.id, exc_info=True)  # the traceback, when asked for
    return template_review(form, report, checks_error, f"drafting failed: {type(exc).__name__}: {exc}")


def prepare_review(
    form: Form,
    *,
    configured: bool,
    policy: Any = None,
    blind: bool = False,
    report: FormReport | None = None,
    use_model: bool = True,
) -> FormReview | PreparedCall:
    """review_form_async up to the model call: the finished review when no call is to be
    made (templates), else the prepared call. configured: a usable client is at hand."""
    if blind:
        form = blind_copy(form)
    report, error = (report, None) if report is not None else _checked(form, policy, blind)
    if not use_model:
        return template_review(form, report, error, NOT_REQUESTED)
    if not configured:
        return template_review(form, report, error, NOT_CONFIGURED)
    try:
        return _prepare_call(form, report, error)
    except Exception as exc:  # the run goes on: this form gets template drafts and the reason
        return _drafting_failed(form, report, error, exc)


def finish_review(prepared: PreparedCall, result: Any = None, error: Exception | None = None) -> FormReview:
    """review_form_async after the model call: its result (a reviewer.llm.CallResult), or
    the exception the call raised."""
    try:
        if error is not None:
            raise error
        return _finish_call(prepared, result)
    except Exception as exc:  # the run goes on: this form gets template drafts and the reason
        return _drafting_failed(prepared.form, prepared.report, prepared.checks_error, exc)


def _checked(form: Form, policy: Any, blind: bool) -> tuple[FormReport, str | None]:
    """The checks' report, or an empty one and why the checks failed."""
    try:
        return checks.run_checks(form, policy=policy, blind=blind), None  # looked up late: tests replace it
    except Exception as exc:  # a check bug must not stop the other forms of a batch
        log.debug("form %s: checks failed", form.id, exc_info=True)  # the caller reports checks_error
        return FormReport(id=form.id, code=form.code, name=form.name, year=form.year, kind=form.kind, blind=blind), \
            f"checks failed: {type(exc).__name__}: {exc}"


def eval_comments(review: FormReview) -> list[dict[str, Any]]:
    """The drafts as reviewer.evaluation.comments.Comment fields (0-based index or form part),
    with every flaw each names: its own reason, its cited findings' and its wording's."""
    out = []
    for c in review.comments:
        place: int | str = c.indicator_index if c.indicator_index is not None else _EVAL_PART.get(c.target, "form")
        cited = [f.reason for f in review.findings if f.check in c.check_codes and f.row == c.indicator_index]
        reasons = [r for r in dict.fromkeys(cited + keyword_reasons(f"{c.text}\n{c.suggestion}")) if r and r != c.reason]
        out.append({"form_id": review.form_id, "place": place, "indicator_name": c.indicator_name,
                    "reason": c.reason or "other", "reasons": reasons, "direction": comment_direction(c, review),
                    "note": c.severity == "info", "text": c.text, "suggestion": c.suggestion})
    return out


_KEEP = re.compile(r"不扣分|无需扣分|不予扣分|不应扣分|得分合理|可得满分|应得满分")
_CUT = re.compile(r"扣\s*[\d.]+\s*分|扣分|建议得分")


def comment_direction(comment: DraftComment, review: FormReview) -> str | None:
    """cut: the comment asks for a deduction; keep: it says the score should stand; None: neither."""
    index = comment.indicator_index
    weight = review.indicators[index].weight if index is not None and index < len(review.indicators) else None
    if comment.suggested_score is not None and weight is not None:
        return "cut" if comment.suggested_score < weight - 1e-9 else "keep"
    if _KEEP.search(comment.text):
        return "keep"
    return "cut" if _CUT.search(comment.text) else None


_EVAL_PART = {"goal": "goal", "funding": "funding"}


async def review_form_async(
    form: Form,
    *,
    client: Any = None,
    policy: Any = None,
    blind: bool = False,
    report: FormReport | None = None,
    use_model: bool = True,
) -> FormReview:
    """Checks and drafted comments for one form.

    client: a reviewer.llm.Client; None or an unconfigured one gives template drafts.
    report: the checks' FormReport computed already; else the checks run here.
    blind: the form's own scores and remarks are hidden from the checks and the model.
    """
    configured = use_model and client is not None and client.configured
    prepared = prepare_review(form, configured=configured, policy=policy, blind=blind, report=report, use_model=use_model)
    if isinstance(prepared, FormReview):
        return prepared
    try:
        result = await call_model(prepared, client)
    except Exception as exc:  # the run goes on: this form gets template drafts and the reason
        return finish_review(prepared, error=exc)
    return finish_review(prepared, result)


def review_form(form: Form, *, client: Any = None, policy: Any = None, blind: bool = False,
                report: FormReport | None = None) -> FormReview:
    """review_form_async for code without an event loop."""

    async def run() -> FormReview:
        try:
            return await review_form_async(form, client=client, policy=policy, blind=blind, report=report)
        finally:
            if client is not None:
                await client.close_transport()  # its connections belong to this asyncio.run's loop

    return asyncio.run(run())


async def review_forms_async(
    forms: list[Form], *, client: Any = None, policy: Any = None, blind: bool = False, use_model: bool = True
) -> list[FormReview]:
    """Many forms at once; the client's semaphore bounds the requests in flight."""
    return list(
        await asyncio.gather(
            *(review_form_async(f, client=client, policy=policy, blind=blind, use_model=use_model) for f in forms)
        )
    )
