"""Scorers: judge one sample (an indicator, or a form) against the human, with a reason.

`score_indicator` gives an `IndicatorOutcome` (flag, cut, reason, score, each with an
explanation string); `score_form` gives a `FormOutcome` (total and grade). Metrics are
computed over these outcomes in metrics.py.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from reviewer.evaluation.dataset import FormSample, IndicatorSample, grade
from reviewer.evaluation.harness import FormPrediction, PredFinding, indicator_scores, predicted_total

EPS = 1e-9


class IndicatorOutcome(BaseModel):
    form_id: str
    index: int
    name: str
    target: str = ""
    actual: str = ""
    weight: float
    human_cut: bool
    human_score: float
    human_reason: str | None = None
    remark: str = ""
    flaws: list[str] = Field(default_factory=list)
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


class FormOutcome(BaseModel):
    form_id: str
    kind: str
    group: str
    file_group: str
    human_total: float | None = None
    pred_total: float | None = None
    human_grade: str | None = None
    pred_grade: str | None = None
    form_findings: list[str] = Field(default_factory=list, description="codes of form-level findings")
    error: str | None = None
    explanation: str = ""


def _cutting(findings: list[PredFinding], weight: float) -> list[PredFinding]:
    return [f for f in findings if f.suggested_score is not None and f.suggested_score < weight - EPS]


def score_indicator(sample: IndicatorSample, pred: FormPrediction, pred_score: float | None = None) -> IndicatorOutcome:
    mine = [f for f in pred.findings if f.indicator == sample.index]
    cutting = _cutting(mine, sample.weight)
    if pred_score is None:
        pred_score = min([sample.weight] + [f.suggested_score for f in cutting if f.suggested_score is not None])
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
    return IndicatorOutcome(
        form_id=sample.form_id,
        index=sample.index,
        name=sample.name,
        target=sample.target,
        actual=sample.actual,
        weight=sample.weight,
        human_cut=sample.human_cut,
        human_score=sample.human_score,
        human_reason=sample.reason,
        remark=sample.remark,
        flaws=sample.flaws,
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


def score_form(sample: FormSample, pred: FormPrediction) -> tuple[FormOutcome, list[IndicatorOutcome]]:
    from reviewer.evaluation.harness import blind_form

    blind = blind_form(sample.form)
    scores = indicator_scores(blind, pred)
    indicators = [score_indicator(s, pred, scores.get(s.index)) for s in sample.indicators]
    total = None if pred.error else predicted_total(blind, pred)
    if sample.human_total is not None and total is not None:
        expl = f"total human {sample.human_total:g} ({sample.human_grade}) vs tool {total:g} ({grade(total)})"
    else:
        expl = "total not comparable" + (f": {pred.error}" if pred.error else "")
    form = FormOutcome(
        form_id=sample.form_id,
        kind=sample.kind,
        group=sample.group,
        file_group=sample.file_group,
        human_total=sample.human_total,
        pred_total=total,
        human_grade=sample.human_grade,
        pred_grade=grade(total),
        form_findings=sorted({f.check for f in pred.findings if f.indicator is None}),
        error=pred.error,
        explanation=expl,
    )
    return form, indicators


class Outcomes(BaseModel):
    """Every scored sample of one pipeline on one dataset."""

    forms: list[FormOutcome] = Field(default_factory=list)
    indicators: list[IndicatorOutcome] = Field(default_factory=list)

    def by_form(self) -> dict[str, tuple[FormOutcome, list[IndicatorOutcome]]]:
        out: dict[str, tuple[FormOutcome, list[IndicatorOutcome]]] = {f.form_id: (f, []) for f in self.forms}
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
