"""The per-form work of a batch: checks, drafted comments, the opinion, as plain rows.

`Engine.review(form)` is the one function the runner calls for each form. It calls
`reviewer.checks.run_checks` and `reviewer.drafting.review_form_async`, and reduces their
pydantic results to a `FormOutcome`: the rows the run state stores and the opinion texts
written to the output folder. Nothing in an
outcome depends on where the file was found, so one result serves every copy of a file.
"""

from __future__ import annotations

import contextvars
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.batch.state import COMMENT_COLUMNS, FINDING_COLUMNS
from reviewer.checks import load_policy, run_checks
from reviewer.checks.findings import Finding
from reviewer.drafting import opinion
from reviewer.drafting.comments import DraftComment
from reviewer.drafting.drafter import FormReview, review_form_async
from reviewer.domain.model import Form


# --- model usage per form ---------------------------------------------------------


@dataclass
class Usage:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_hits: int = 0
    failed: int = 0  # calls that ended without a usable reply (transport error, invalid)

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.tokens_in += other.tokens_in
        self.tokens_out += other.tokens_out
        self.cache_hits += other.cache_hits
        self.failed += other.failed


# The usage of the form being reviewed in this task; set by Engine.review, added to by
# the counting client (asyncio tasks each get their own copy of the context).
current_usage: contextvars.ContextVar[Usage | None] = contextvars.ContextVar("batch_form_usage", default=None)


def record_call(result: Any) -> None:
    """Count one complete_structured result into the current form's usage."""
    usage = current_usage.get()
    if usage is None:
        return
    usage.calls += 1
    usage.tokens_in += int(getattr(result, "tokens_in", 0) or 0)
    usage.tokens_out += int(getattr(result, "tokens_out", 0) or 0)
    usage.cache_hits += 1 if getattr(result, "cache_hit", False) else 0
    outcome = str(getattr(result, "outcome", "ok"))
    if not getattr(result, "ok", True) and outcome != "not_configured":
        usage.failed += 1


# --- what one form yields ---------------------------------------------------------


@dataclass
class FormOutcome:
    row: dict[str, Any]  # the results row (see reviewer.batch.state.RESULT_COLUMNS)
    findings: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    opinion_md: str = ""
    opinion_html: str = ""
    review_json: str | None = None  # the drafting module's FormReview: the .docx is written from it
    warnings: list[tuple[str, str]] = field(default_factory=list)  # extraction's (field, message)

    @property
    def opinion(self) -> dict[str, Any]:
        return {"md": self.opinion_md, "html": self.opinion_html, "review": self.review_json}


def header_row(form: Form) -> dict[str, Any]:
    f = form.funding
    return {
        "unit": form.unit,
        "project": form.name,
        "code": form.code,
        "year": form.year,
        "department": form.department,
        "kind": form.kind,
        "layout": form.source.layout,
        "initial_budget": f.initial_budget,
        "annual_budget": f.annual_budget,
        "executed": f.executed,
        "declared_total": form.total_score,
    }


def finding_row(f: Finding) -> dict[str, Any]:
    """A finding as the run state stores it (its columns, in their order)."""
    at, sure = f.indicator, f.confidence
    values = (f.check, f.name, f.severity, at.index if at else None, at.name if at else None, f.field, f.message,
              f.suggested_score, sure and sure.p_cut, sure and sure.rows, sure and int(sure.contested))  # fmt: skip
    return dict(zip(FINDING_COLUMNS, values, strict=True))


def comment_row(c: DraftComment) -> dict[str, Any]:
    """A drafted comment as the run state stores it (its columns, in their order)."""
    values = (c.indicator_index, c.indicator_name, c.source, ", ".join(c.check_codes), c.category, c.severity, c.text,
              c.suggestion, c.suggested_score)  # fmt: skip
    return dict(zip(COMMENT_COLUMNS, values, strict=True))


# --- the engine ---------------------------------------------------------------------


class Engine:
    """Reviews forms: deterministic checks, then drafting (templates, or a model with a client)."""

    def __init__(self, policy_path: str | Path | None = None, client: Any = None) -> None:
        self.client = client
        self.policy_path = Path(policy_path) if policy_path else None
        self.policy = load_policy(self.policy_path)

    def policy_fingerprint(self) -> str:
        """A hash of the policy in effect (the merged one when a file is given)."""
        return hashlib.sha256(self.policy.model_dump_json().encode("utf-8")).hexdigest()

    async def review(self, form: Form) -> FormOutcome:
        """The per-form work; model usage is counted into `current_usage` by the client."""
        report = run_checks(form, policy=self.policy)
        review = await review_form_async(form, client=self.client, policy=self.policy, report=report)
        return outcome_of(form, report, review)


def outcome_of(form: Form, report: Any, review: FormReview) -> FormOutcome:
    """A form's checks report and drafted review, reduced to the rows and texts a batch keeps."""
    findings = [finding_row(f) for f in report.findings]
    comments = [comment_row(c) for c in review.comments]
    severities = [f.severity for f in report.findings]
    row = header_row(form)
    row.update(
        execution_rate=report.recomputed.execution_rate,
        budget_score=report.recomputed.budget_score,
        suggested_total=review.suggested_total,
        grade=review.grade,
        n_errors=severities.count("error"),
        n_warnings=severities.count("warning"),
        n_cuts=sum(1 for f in report.findings if f.suggested_score is not None),
        n_findings=len(findings),
        n_comments=len(comments),
        n_llm_comments=sum(1 for c in review.comments if c.source == "llm"),
    )
    failure = model_failure(review)
    row.update(status="degraded" if failure else "ok", error=failure)
    warnings = [(w.field, w.message) for w in form.warnings]
    return FormOutcome(row, findings, comments, opinion.to_markdown([review]), opinion.to_html([review]), review.model_dump_json(),
                       warnings)  # fmt: skip


def model_failure(review: FormReview) -> str | None:
    """Why the model gave this form no usable reply (its drafts are templates), or None.
    A call that was answered is done, even when grounding dropped some or all of its comments."""
    if review.llm is None or review.draft_source != "template" or review.dropped:
        return None
    return review.fallback_reason
