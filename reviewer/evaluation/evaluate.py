"""One evaluation: dataset × pipeline → metrics, baselines, ceiling, disagreements."""

from __future__ import annotations

from reviewer.evaluation.baselines import ceiling
from reviewer.evaluation.comments import Comment, comment_agreement, human_comments
from reviewer.evaluation.dataset import Dataset
from reviewer.evaluation.harness import BASELINES, FormPrediction, Pipeline, run_pipeline
from reviewer.evaluation.metrics import disagreements, per_check, summarize
from reviewer.evaluation.scorers import Outcomes, score_all

SCHEMA = "reviewer.eval/1"


def finding_comments(dataset: Dataset, predictions: dict[str, FormPrediction]) -> list[Comment]:
    """The tool's finding messages as drafted comments (indicator findings only)."""
    out = []
    for form in dataset.samples:
        pred = predictions.get(form.form_id)
        if pred is None:
            continue
        for f in pred.findings:
            if not f.message:
                continue
            if f.indicator is None:
                # a report's problems are judged on its target table (表1-2)
                if form.kind == "evaluation_report" and f.part == "performance_targets":
                    out.append(Comment(form_id=form.form_id, place="problems", reason=f.reason, text=f.message))
                continue
            ind = form.form.indicators[f.indicator]
            out.append(Comment(form_id=form.form_id, place=f.indicator, indicator_name=ind.name, reason=f.reason, text=f.message))
    return out


def evaluate(
    dataset: Dataset,
    pipeline: Pipeline,
    name: str = "pipeline",
    draws: int = 1000,
    seed: int = 0,
    baselines: bool = True,
    top: int = 20,
) -> tuple[dict, dict[str, FormPrediction], Outcomes]:
    """Returns (result, predictions, outcomes). `result` is the `reviewer eval` JSON."""
    predictions = run_pipeline(dataset, pipeline)
    outcomes = score_all(dataset.samples, predictions)
    summary = summarize(outcomes, draws=draws, seed=seed)
    result: dict = {
        "schema": SCHEMA,
        "pipeline": name,
        "dataset": dataset.summary(),
        "metrics": summary["metrics"],
        "ci95": summary["ci95"],
        "counts": summary["counts"],
        "confusion": summary["confusion"],
        "per_check": per_check(outcomes),
        "baselines": {},
        "human_vs_human": ceiling(dataset, outcomes),
        "comment_agreement": comment_agreement(finding_comments(dataset, predictions), human_comments(dataset), seed=seed),
        "disagreements": disagreements(outcomes, limit=top),
        "errors": dataset.errors + [f"{f.form_id}: {f.error}" for f in outcomes.forms if f.error],
        "bootstrap": {"draws": draws, "seed": seed, "resample": "forms"},
    }
    if baselines:
        for base_name, base in BASELINES.items():
            base_out = score_all(dataset.samples, run_pipeline(dataset, base))
            result["baselines"][base_name] = summarize(base_out, draws=draws, seed=seed)
    return result, predictions, outcomes
