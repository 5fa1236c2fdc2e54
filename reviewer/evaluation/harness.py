"""The pipeline under test, blinded, and the run that ties dataset, scorers and metrics.

Vocabulary (after inspect_ai): a *dataset* of human-reviewed forms, a *pipeline* under
test (any callable Form -> FormPrediction), *scorers* that judge each sample, *metrics*
over all samples, a *log* per run.

A prediction holds the checks' own `Finding`s (reviewer.checks.findings): the checks
pipeline passes them on as they are, and the baselines make theirs of the same type.

Blinding: the pipeline only ever sees `blind(form)` (reviewer.domain.blinding): every
indicator score and deviation remark, the budget-line score, the declared total and an
evaluation report's problems are removed before it is called. The checks pipeline also
passes blind=True to run_checks. tests/test_eval_harness.py proves that changing the human
scores and remarks of a form does not change the predictions.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from reviewer.checks import Finding, FormReport, IndicatorRef, load_policy, run_checks
from reviewer.domain.blinding import blind
from reviewer.domain.model import Form
from reviewer.domain.scoring import budget_score, combine_cuts, grade
from reviewer.evaluation.dataset import Dataset, FormSample


class FormPrediction(BaseModel):
    form_id: str = ""
    findings: list[Finding] = Field(default_factory=list)
    total: float | None = Field(None, description="the pipeline's suggested total, if it computes one")
    total_scale: float = Field(1.0, description="the factor the pipeline applied to the sum of scores (折算 to 100)")
    grade: str | None = None
    error: str | None = None


Pipeline = Callable[[Form], FormPrediction]


# --- pipelines -------------------------------------------------------------------------


def prediction_from_report(report: FormReport, form: Form) -> FormPrediction:
    """A checks FormReport as a prediction: its findings, and its total when it has one."""
    total = report.recomputed.suggested_total
    return FormPrediction(
        form_id=form.id, findings=list(report.findings), total=total, total_scale=report.recomputed.scale,
        grade=grade(total),
    )


def checks_pipeline(policy=None) -> Pipeline:
    """The deterministic checks (reviewer.checks.run_checks) under test, blinded."""

    def run(form: Form) -> FormPrediction:
        return prediction_from_report(run_checks(form, policy=policy, blind=True), form)

    run.__name__ = "checks"
    return run


def cut_nothing(form: Form) -> FormPrediction:
    """Baseline: accept every score (no finding, no cut)."""
    return FormPrediction(form_id=form.id)


UNQUANTIFIED_CUT = 0.5  # the most common human cut for an unquantified target in 001


def cut_unquantified(form: Form) -> FormPrediction:
    """Baseline: cut every indicator whose target is a word, not a value, by 0.5
    (an evaluation report's scoring rubric is not an indicator table: left alone)."""
    findings = []
    if form.kind == "evaluation_report":
        return FormPrediction(form_id=form.id)
    for i, ind in enumerate(form.indicators):
        if ind.weight and ind.weight > 0 and ind.target_value.kind == "qualitative":
            findings.append(
                Finding(
                    check="BASE-UNQ",
                    name="unquantified target",
                    indicator=IndicatorRef(index=i, name=ind.name),
                    field=f"indicators[{i}].target",
                    message=f"目标值“{ind.target}”未量化",
                    suggested_score=max(ind.weight - UNQUANTIFIED_CUT, 0.0),
                    reason="not_quantified",
                )
            )
    return FormPrediction(form_id=form.id, findings=findings)


BASELINES: dict[str, Pipeline] = {"cut_nothing": cut_nothing, "cut_unquantified": cut_unquantified}


# --- running ---------------------------------------------------------------------------


def predict(sample: FormSample, pipeline: Pipeline) -> FormPrediction:
    """Run the pipeline on the blinded form; a crash becomes a prediction with an error."""
    try:
        pred = pipeline(blind(sample.form))
    except Exception as exc:  # the harness reports a crashing pipeline, it does not stop
        return FormPrediction(form_id=sample.form_id, error=f"{type(exc).__name__}: {exc}")
    return pred.model_copy(update={"form_id": sample.form_id})


def run_pipeline(dataset: Dataset, pipeline: Pipeline) -> dict[str, FormPrediction]:
    return {s.form_id: predict(s, pipeline) for s in dataset.samples}


def indicator_scores(form: Form, pred: FormPrediction) -> dict[int, float]:
    """Predicted score per weighted indicator row of a blind form: its findings' suggested
    scores combined by the lowest (reviewer.domain.scoring.combine_cuts), else the weight.
    The checks settle every suggested score to the row's recomputed one, so under any policy
    the lowest of them is the checks' own score for the row."""
    cuts: dict[int, list[float]] = {}
    for f in pred.findings:
        if f.indicator_index is not None and f.suggested_score is not None:
            cuts.setdefault(f.indicator_index, []).append(f.suggested_score)
    return {
        i: combine_cuts(ind.weight, ind.weight, cuts.get(i, ()), "lowest")
        for i, ind in enumerate(form.indicators) if ind.weight is not None
    }


def predicted_total(form: Form, pred: FormPrediction) -> float | None:
    """The pipeline's total when it gives one, else the budget score (reviewer.domain.scoring,
    the default policy's budget weight) + the predicted indicator scores."""
    if pred.total is not None:
        return pred.total
    if form.kind == "evaluation_report":
        return None  # the checks do not score a report's rubric
    budget = budget_score(form.funding, load_policy().budget_weight)
    if budget is None or not form.indicators:
        return None
    return round(budget + sum(indicator_scores(form, pred).values()), 4)
