"""A form's suggestions with the reviewer's decisions applied.

The rule for a row's decided score: every suggested cut on the row must be decided, or the
row is unreviewed (its suggested score is shown, marked so, never passed off as decided).
With all decided, the row scores the lowest decided cut (an accepted cut's suggestion, an
edited or own score), or the declared score when every cut was rejected; when all cuts are
accepted as is, the checks' own recomputed score (which combines several cuts by the
policy's rule). The decided total is the recomputed total moved by the rows' changes
(times the form's scale, 折算), so the budget score and caps stay as the checks computed.
A form-level cut (the budget score) counts the same way against the declared value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewer.checks.findings import Confidence
from reviewer.domain.scoring import grade
from reviewer.drafting.comments import DraftComment
from reviewer.drafting.drafter import FormReview, IndicatorRow
from reviewer.web.decisions import Decision

VERDICT_LABELS = {"accepted": "已采纳", "edited": "已修改", "rejected": "未采纳", "own": "审核人员添加", None: "未审核"}


@dataclass
class Suggestion:
    """One drafted comment (a cut when it carries a score) and what was decided on it."""

    ord: int
    comment: DraftComment
    decision: Decision | None
    confidence: Confidence | None = None  # the policy's, for the cut's finding (reviewers triage by it)

    @property
    def item(self) -> str:
        return f"comment:{self.ord}"

    @property
    def verdict(self) -> str | None:
        return self.decision.verdict if self.decision else None

    @property
    def text(self) -> str:
        """The text as decided (edited), else as suggested."""
        if self.verdict == "edited" and self.decision and self.decision.text:
            return self.decision.text
        return self.comment.text

    @property
    def score(self) -> float | None:
        """The decided score of the cut: as suggested when accepted, as edited; None otherwise."""
        if self.verdict == "accepted":
            return self.comment.suggested_score
        if self.verdict == "edited" and self.decision:
            return self.decision.score
        return None

    @property
    def is_cut(self) -> bool:
        return self.comment.suggested_score is not None

    @property
    def codes(self) -> str:
        return ", ".join(self.comment.check_codes)


@dataclass
class DecidedRow:
    row: IndicatorRow
    decided: float | None  # None with `unreviewed`, or when the row has no score at all
    unreviewed: bool  # a cut on the row is not decided yet
    changed: bool  # the decided score differs from the suggested one

    @property
    def shown(self) -> float | None:
        """What an export shows: the decided score, else the suggestion (marked unreviewed)."""
        return self.row.suggested_score if self.unreviewed else self.decided


@dataclass
class DecidedForm:
    review: FormReview
    suggestions: list[Suggestion]
    own: list[Decision]
    opinion: str
    opinion_edited: bool
    rows: list[DecidedRow]
    total: float | None
    unreviewed: int  # suggestions not decided yet
    form_level_unreviewed: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def grade(self) -> str | None:
        return grade(self.total)

    @property
    def complete(self) -> bool:
        """Every suggestion decided."""
        return self.unreviewed == 0

    @property
    def total_decided(self) -> bool:
        """Every cut decided: the total is the reviewer's, whatever comments are still open."""
        return not self.form_level_unreviewed and not any(r.unreviewed for r in self.rows)


def cut_confidence(review: FormReview, comment: DraftComment) -> Confidence | None:
    """How sure the policy is of the cut a comment carries: the confidence of the finding on
    its row, of one of its checks, that suggests a score (None for a comment without a cut)."""
    if comment.suggested_score is None:
        return None
    for f in review.findings:
        at = f.indicator.index if f.indicator else None
        if f.check in comment.check_codes and at == comment.indicator_index and f.suggested_score is not None:
            return f.confidence
    return None


def decide(review: FormReview, decisions: dict[str, Decision], declared_budget: float | None = None) -> DecidedForm:
    """Apply the decisions to the review. declared_budget: the form's declared 预算执行 score,
    against which a rejected form-level cut is undone (None when the source is not at hand)."""
    suggestions = [Suggestion(i, c, decisions.get(f"comment:{i}"), cut_confidence(review, c))
                   for i, c in enumerate(review.comments)]  # fmt: skip
    own = sorted((d for d in decisions.values() if d.verdict == "own"), key=lambda d: int(d.item.split(":")[1]))
    opinion = decisions.get("opinion")
    rows = [_decided_row(row, [s for s in suggestions if s.comment.indicator_index == row.index],
                         [d for d in own if d.indicator_index == row.index]) for row in review.indicators]  # fmt: skip
    scale = float((review.checks.get("recomputed") or {}).get("scale") or 1.0)
    total = review.suggested_total
    notes: list[str] = []
    if total is not None:
        for r in rows:
            if not r.unreviewed and r.decided is not None and r.row.suggested_score is not None:
                total += (r.decided - r.row.suggested_score) * scale
        total += _form_level_change(suggestions, declared_budget, notes)
        total = round(total, 2)
    return DecidedForm(
        review=review,
        suggestions=suggestions,
        own=own,
        opinion=opinion.text if opinion and opinion.text else review.opinion,
        opinion_edited=bool(opinion and opinion.text),
        rows=rows,
        total=total,
        unreviewed=sum(s.verdict is None for s in suggestions),
        form_level_unreviewed=any(s.verdict is None and s.is_cut and s.comment.indicator_index is None
                                  for s in suggestions),  # fmt: skip
        notes=notes,
    )


def _decided_row(row: IndicatorRow, on_row: list[Suggestion], own: list[Decision]) -> DecidedRow:
    cuts = [s for s in on_row if s.is_cut]
    unreviewed = any(s.verdict is None for s in cuts)
    scores = [s.score for s in cuts if s.score is not None] + [d.score for d in own if d.score is not None]
    if unreviewed:
        decided = None
    elif cuts and all(s.verdict == "accepted" for s in cuts) and not any(d.score is not None for d in own):
        decided = row.suggested_score
    elif scores:
        decided = min(scores)
    else:
        decided = row.score  # every cut rejected, or none suggested: as declared
        if decided is None:
            decided = row.suggested_score
    changed = not unreviewed and decided != row.suggested_score
    return DecidedRow(row, decided, unreviewed, changed)


def _form_level_change(suggestions: list[Suggestion], declared: float | None, notes: list[str]) -> float:
    """The total's change from form-level cuts (the budget score) as decided."""
    change = 0.0
    for s in suggestions:
        suggested = s.comment.suggested_score
        if s.comment.indicator_index is not None or suggested is None or s.verdict in (None, "accepted"):
            continue
        if s.verdict == "edited" and s.decision and s.decision.score is not None:
            change += s.decision.score - suggested
        elif declared is not None:  # rejected, or edited without a score: the declared score stands
            change += declared - suggested
        else:
            notes.append(f"第{s.ord + 1}条意见未采纳，但原表的申报得分读不到：总分按建议得分计")
    return change
