"""One evaluation: dataset × pipeline → metrics, baselines, ceiling, disagreements.

`EvalResult` is the typed run result: what `reviewer eval --format json` prints, what the
reports render and what the run log keeps under `result`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from reviewer.evaluation.baselines import HumanVsHuman, ceiling
from reviewer.evaluation.calibrate import CalibrationBlock
from reviewer.evaluation.comments import Comment, CommentAgreementSummary, comment_agreement, human_comments
from reviewer.evaluation.dataset import Dataset, DatasetSummary
from reviewer.evaluation.drafts import DraftAgreement
from reviewer.evaluation.harness import BASELINES, FormPrediction, Pipeline, run_pipeline
from reviewer.evaluation.metrics import CheckFigures, Disagreement, Interval, Summary, disagreements, per_check, summarize
from reviewer.evaluation.scorers import Outcomes, score_all

SCHEMA = "reviewer.eval/1"


class Bootstrap(TypedDict):
    draws: int
    seed: int
    resample: str


class EvalResult(BaseModel):
    """The figures of one evaluation run (`reviewer eval --format json`)."""

    model_config = ConfigDict(populate_by_name=True, validate_assignment=True)

    schema_: str = Field(SCHEMA, alias="schema")
    pipeline: str
    dataset: DatasetSummary
    metrics: dict[str, float | None]
    ci95: dict[str, Interval | None]
    counts: dict[str, int]
    confusion: list[list[int]]
    per_check: dict[str, CheckFigures]
    baselines: dict[str, Summary] = Field(default_factory=dict)
    human_vs_human: dict[str, HumanVsHuman]
    comment_agreement: CommentAgreementSummary
    disagreements: list[Disagreement]
    errors: list[str]
    bootstrap: Bootstrap
    calibration: dict[str, CalibrationBlock] | None = None  # with --calibrate-split / --cv
    draft_agreement: DraftAgreement | None = None  # with --drafts
    log: str | None = None  # the run log's path, once written

    def as_json(self) -> dict:
        """The JSON document: the optional blocks only when they were run."""
        unset = {name for name in OPTIONAL_BLOCKS if getattr(self, name) is None}
        return self.model_dump(mode="json", by_alias=True, exclude=unset)


OPTIONAL_BLOCKS = ("calibration", "draft_agreement", "log")


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
            index = f.indicator_index
            if index is None:
                # a report's problems are judged on its target table (表1-2)
                if form.kind == "evaluation_report" and f.part == "performance_targets":
                    out.append(Comment(form_id=form.form_id, place="problems", reason=f.reason, text=f.message))
                continue
            ind = form.form.indicators[index]
            out.append(Comment(form_id=form.form_id, place=index, indicator_name=ind.name, reason=f.reason,
                               note=f.severity == "info", text=f.message))
    return out


def evaluate(
    dataset: Dataset,
    pipeline: Pipeline,
    name: str = "pipeline",
    draws: int = 1000,
    seed: int = 0,
    baselines: bool = True,
    top: int = 20,
) -> tuple[EvalResult, dict[str, FormPrediction], Outcomes]:
    """Returns (result, predictions, outcomes)."""
    predictions = run_pipeline(dataset, pipeline)
    outcomes = score_all(dataset.samples, predictions)
    summary = summarize(outcomes, draws=draws, seed=seed)
    result = EvalResult(
        pipeline=name,
        dataset=dataset.summary(),
        **summary,
        per_check=per_check(outcomes),
        human_vs_human=ceiling(dataset, outcomes),
        comment_agreement=comment_agreement(finding_comments(dataset, predictions), human_comments(dataset), seed=seed, draws=draws),
        disagreements=disagreements(outcomes, limit=top),
        errors=dataset.errors + [f"{f.form_id}: {f.error}" for f in outcomes.forms if f.error],
        bootstrap={"draws": draws, "seed": seed, "resample": "forms"},
    )
    if baselines:
        for base_name, base in BASELINES.items():
            base_out = score_all(dataset.samples, run_pipeline(dataset, base))
            result.baselines[base_name] = summarize(base_out, draws=draws, seed=seed)
    return result, predictions, outcomes
