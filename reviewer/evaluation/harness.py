"""The pipeline under test, blinded, and the run that ties dataset, scorers and metrics.

Vocabulary (after inspect_ai): a *dataset* of human-reviewed forms, a *pipeline* under
test (any callable Form -> FormPrediction), *scorers* that judge each sample, *metrics*
over all samples, a *log* per run.

Blinding: the pipeline only ever sees `blind_form(form)`: every indicator score and
deviation remark, the budget-line score, the declared total and an evaluation report's
problems are removed before it is called. The checks pipeline also passes blind=True to
run_checks. tests/test_eval_harness.py proves that changing the human scores and remarks
of a form does not change the predictions.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from reviewer.evaluation.dataset import Dataset, FormSample, grade
from reviewer.evaluation.reasons import check_reason
from reviewer.domain.model import Form


class PredFinding(BaseModel):
    check: str
    name: str = ""
    severity: str = ""
    indicator: int | None = Field(None, description="0-based index into form.indicators; None = form level")
    part: str = Field("", description="where a form-level finding sits: performance_targets, funding, goal, ...")
    field: str = ""
    message: str = ""
    suggested_score: float | None = None
    reason: str = "other"


class FormPrediction(BaseModel):
    form_id: str = ""
    findings: list[PredFinding] = Field(default_factory=list)
    total: float | None = Field(None, description="the pipeline's suggested total, if it computes one")
    total_scale: float = Field(1.0, description="the factor the pipeline applied to the sum of scores (折算 to 100)")
    grade: str | None = None
    error: str | None = None


Pipeline = Callable[[Form], FormPrediction]


def blind_form(form: Form) -> Form:
    """A deep copy of the form with every human judgement removed."""
    blind = form.model_copy(deep=True)
    for ind in blind.indicators + blind.performance_targets:
        ind.score = None
        ind.deviation = ""
    blind.funding.score = None
    blind.total_score = None
    blind.problems = []
    return blind


# --- pipelines -------------------------------------------------------------------------


def _finding_index(finding, form: Form) -> int | None:
    """0-based indicator index of a checks finding (its `indicator` is {index, name} or None).

    On an evaluation report the checks judge the 表1-2 target table (field
    "performance_targets[i]..."), not the scored rubric: such findings are form level here."""
    ref = getattr(finding, "indicator", None)
    if ref is None or str(getattr(finding, "field", "") or "").startswith("performance_targets"):
        return None
    index = ref.get("index") if isinstance(ref, dict) else getattr(ref, "index", None)
    name = ref.get("name") if isinstance(ref, dict) else getattr(ref, "name", None)
    if index is not None and 0 <= index < len(form.indicators):
        return int(index)
    if name:
        for i, ind in enumerate(form.indicators):
            if ind.name == name:
                return i
    return None


def _part(field: str) -> str:
    """The form part a finding's field path names: "performance_targets[2].name" -> performance_targets."""
    return field.split("[")[0].split(".")[0]


def prediction_from_report(report, form: Form) -> FormPrediction:
    """Convert a checks FormReport into a FormPrediction."""
    findings = []
    for f in report.findings:
        code = str(getattr(f, "check", ""))
        name = str(getattr(f, "name", "") or "")
        findings.append(
            PredFinding(
                check=code,
                name=name,
                severity=str(getattr(f, "severity", "") or ""),
                indicator=_finding_index(f, form),
                part=_part(str(getattr(f, "field", "") or "")),
                field=str(getattr(f, "field", "") or ""),
                message=str(getattr(f, "message", "") or ""),
                suggested_score=getattr(f, "suggested_score", None),
                reason=check_reason(code, name),
            )
        )
    total, scale = None, 1.0
    recomputed = getattr(report, "recomputed", None)
    if recomputed is not None:
        get = recomputed.get if isinstance(recomputed, dict) else lambda attr: getattr(recomputed, attr, None)
        for attr in ("suggested_total", "total", "total_score"):
            value = get(attr)
            if isinstance(value, (int, float)):
                total = float(value)
                break
        if isinstance(get("scale"), (int, float)):
            scale = float(get("scale"))
    return FormPrediction(form_id=form.id, findings=findings, total=total, total_scale=scale, grade=grade(total))


def load_run_checks():
    """reviewer.checks.run_checks (or the engine module's), else a RuntimeError saying so."""
    try:
        from reviewer.checks import run_checks
    except ImportError:
        try:
            from reviewer.checks.engine import run_checks
        except ImportError as exc:
            raise RuntimeError(f"the checks are not available (reviewer.checks: {exc})") from None
    return run_checks


def checks_pipeline(policy=None) -> Pipeline:
    """The deterministic checks (reviewer.checks.run_checks) under test, blinded."""
    run_checks = load_run_checks()

    def run(form: Form) -> FormPrediction:
        report = run_checks(form, policy=policy, blind=True)
        return prediction_from_report(report, form)

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
                PredFinding(
                    check="BASE-UNQ",
                    name="unquantified target",
                    indicator=i,
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
        pred = pipeline(blind_form(sample.form))
    except Exception as exc:  # the harness reports a crashing pipeline, it does not stop
        return FormPrediction(form_id=sample.form_id, error=f"{type(exc).__name__}: {exc}")
    return pred.model_copy(update={"form_id": sample.form_id})


def run_pipeline(dataset: Dataset, pipeline: Pipeline) -> dict[str, FormPrediction]:
    return {s.form_id: predict(s, pipeline) for s in dataset.samples}


def budget_score(form: Form) -> float | None:
    """The budget-execution line recomputed: rate = executed / annual budget, × weight, capped."""
    f = form.funding
    weight = f.weight if f.weight is not None else 10.0
    if f.annual_budget and f.executed is not None and f.annual_budget > 0:
        return min(f.executed / f.annual_budget, 1.0) * weight
    if f.execution_rate is not None:
        return min(f.execution_rate / 100.0, 1.0) * weight
    return None


def indicator_scores(form: Form, pred: FormPrediction) -> dict[int, float]:
    """Predicted score per indicator index: the lowest suggested score, else the weight."""
    scores: dict[int, float] = {}
    for i, ind in enumerate(form.indicators):
        if ind.weight is not None:
            scores[i] = ind.weight
    for f in pred.findings:
        if f.indicator is None or f.suggested_score is None or f.indicator not in scores:
            continue
        scores[f.indicator] = min(scores[f.indicator], f.suggested_score)
    return scores


def predicted_total(form: Form, pred: FormPrediction) -> float | None:
    """The pipeline's total when it gives one, else budget score + predicted indicator scores."""
    if pred.total is not None:
        return pred.total
    if form.kind == "evaluation_report":
        return None  # the checks do not score a report's rubric
    budget = budget_score(form)
    if budget is None or not form.indicators:
        return None
    return round(budget + sum(indicator_scores(form, pred).values()), 4)
