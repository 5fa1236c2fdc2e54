"""Scorers: judge one sample (an indicator, or a form) against the human, with a reason.

`score_indicator` gives a `ScoredIndicator` (flag, cut, reason, score, each with an
explanation string); `score_form` gives a `ScoredForm` (total and grade). A scored record
is its sample (the human's side, fields as the sample has them) plus the tool's side
(`pred_*`, the findings' codes). Metrics are computed over these in metrics.py.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from reviewer.checks import Finding
from reviewer.domain.blinding import blind
from reviewer.domain.scoring import combine_cuts, grade
from reviewer.evaluation.dataset import FormLabels, FormSample, IndicatorSample
from reviewer.evaluation.harness import FormPrediction, indicator_scores, predicted_total

EPS = 1e-9


class ScoredIndicator(IndicatorSample):
    """An indicator sample (the human's score, cut and reason) with the tool's judgement of it."""

    checks: list[str] = Field(default_factory=list, description="codes of every finding on this indicator")
    cut_checks: list[str] = Field(default_factory=list, description="codes whose suggested score is below the weight")
    suggested: dict[str, float] = Field(default_factory=dict, description="lowest suggested score per cutting code")
    reasons: dict[str, str] = Field(default_factory=dict, description="reason category per code")
    pred_flag: bool
    pred_cut: bool
    pred_score: float
    pred_reason: str | None = None
    messages: list[str] = Field(default_factory=list)
    explanation: str = ""

    @property
    def agreed_cut(self) -> bool:
        return self.human_cut and self.pred_cut

    @property
    def agree(self) -> bool:
        return self.human_cut == self.pred_cut


class ScoredForm(FormLabels):
    """A form's labels (the human's total and grade) with the tool's total and grade."""

    pred_total: float | None = None
    pred_grade: str | None = None
    form_findings: list[str] = Field(default_factory=list, description="codes of form-level findings")
    error: str | None = None
    explanation: str = ""


def _cutting(findings: list[Finding], weight: float) -> list[Finding]:
    return [f for f in findings if f.suggested_score is not None and f.suggested_score < weight - EPS]


def score_indicator(sample: IndicatorSample, pred: FormPrediction, pred_score: float | None = None) -> ScoredIndicator:
    mine = [f for f in pred.findings if f.indicator_index == sample.index]
    cutting = _cutting(mine, sample.weight)
    if pred_score is None:
        pred_score = combine_cuts(sample.weight, sample.weight, [f.suggested_score for f in cutting], "lowest")
    pred_cut = bool(cutting)
    if cutting:
        main = min(cutting, key=lambda f: f.suggested_score if f.suggested_score is not None else sample.weight)
        pred_reason: str | None = main.reason
    elif mine:
        pred_reason = mine[0].reason
    else:
        pred_reason = None
    human = f"human {sample.weight:g}→{sample.human_score:g}" + (f" ({sample.reason})" if sample.human_cut else " (kept)")
    if pred_cut:
        tool = f"tool cuts to {pred_score:g} by {','.join(f.check for f in cutting)} ({pred_reason})"
    elif mine:
        tool = f"tool flags by {','.join(f.check for f in mine)} without a cut"
    else:
        tool = "tool silent"
    verdict = "agree" if pred_cut == sample.human_cut else ("missed cut" if sample.human_cut else "extra cut")
    return ScoredIndicator(
        **dict(sample),
        checks=sorted({f.check for f in mine}),
        cut_checks=sorted({f.check for f in cutting}),
        suggested={
            c: min(f.suggested_score for f in cutting if f.check == c and f.suggested_score is not None)
            for c in {f.check for f in cutting}
        },
        reasons={f.check: f.reason for f in mine},
        pred_flag=bool(mine),
        pred_cut=pred_cut,
        pred_score=pred_score,
        pred_reason=pred_reason,
        messages=[f"{f.check}: {f.message}" for f in mine],
        explanation=f"{verdict}: {human}; {tool}",
    )


def score_form(sample: FormSample, pred: FormPrediction) -> tuple[ScoredForm, list[ScoredIndicator]]:
    form = blind(sample.form)
    scores = indicator_scores(form, pred)
    indicators = [score_indicator(s, pred, scores.get(s.index)) for s in sample.indicators]
    total = None if pred.error else predicted_total(form, pred)
    if sample.human_total is not None and total is not None:
        expl = f"total human {sample.human_total:g} ({sample.human_grade}) vs tool {total:g} ({grade(total)})"
    else:
        expl = "total not comparable" + (f": {pred.error}" if pred.error else "")
    scored = ScoredForm(
        **sample.labels(),
        pred_total=total,
        pred_grade=grade(total),
        form_findings=sorted({f.check for f in pred.findings if f.indicator_index is None}),
        error=pred.error,
        explanation=expl,
    )
    return scored, indicators


class Outcomes(BaseModel):
    """Every scored sample of one pipeline on one dataset."""

    forms: list[ScoredForm] = Field(default_factory=list)
    indicators: list[ScoredIndicator] = Field(default_factory=list)

    def by_form(self) -> dict[str, tuple[ScoredForm, list[ScoredIndicator]]]:
        out: dict[str, tuple[ScoredForm, list[ScoredIndicator]]] = {f.form_id: (f, []) for f in self.forms}
        for o in self.indicators:
            out[o.form_id][1].append(o)
        return out

    def subset(self, ids) -> Outcomes:
        wanted = set(ids)
        return Outcomes(
            forms=[f for f in self.forms if f.form_id in wanted],
            indicators=[o for o in self.indicators if o.form_id in wanted],
        )


def score_all(samples: list[FormSample], predictions: dict[str, FormPrediction]) -> Outcomes:
    out = Outcomes()
    for sample in samples:
        pred = predictions.get(sample.form_id) or FormPrediction(form_id=sample.form_id, error="no prediction")
        form, inds = score_form(sample, pred)
        out.forms.append(form)
        out.indicators.extend(inds)
    return out
