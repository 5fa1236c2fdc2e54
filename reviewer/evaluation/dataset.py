"""Samples from human-reviewed forms: the human's decisions are the labels.

A filled-in form already carries a human review: the 得分 column (a score below the
weight is a cut), the 偏差原因 remarks, the declared total, and for evaluation reports
the 存在的问题 list. A form a finance bureau or evaluator re-scored (a 复核分 column
beside the unit's 自评分: `Indicator.review_score`) carries a second judge: then the
reviewer's scores are the labels (a row is cut when its review score is below the
weight, by weight − review score; the total is `review_total_score`), the unit's claim
is kept as `self_score`, rows the reviewer left unscored are skipped, and the 偏差原因
(the unit's own explanation) is no reviewer remark.

`dataset_from_forms` turns forms into one `FormSample` per form with one
`IndicatorSample` per scored indicator (weight > 0 and a score written);
不适用 rows with weight 0 and rows without a score are counted in `skipped`.

Each form has two group keys for human-vs-human comparison: `group` (the implementing
unit, 实施单位, else the source file) and `file_group` (the source file).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field
from typing_extensions import NotRequired, TypedDict

from reviewer.domain.model import Form, Indicator
from reviewer.domain.reasons import remark_reason, value_reason
from reviewer.domain.scoring import grade
from reviewer.extract import extract_paths

# The indicator row as written, as a sample shows it (copied from the form's Indicator).
ROW_FIELDS = ("level1", "level2", "name", "target", "actual")


class IndicatorSample(BaseModel):
    """One scored indicator of a reviewed form: the row as written and what the human did."""

    form_id: str
    index: int = Field(description="0-based position in form.indicators")
    level1: str = ""
    level2: str = ""
    name: str = ""
    target: str = ""
    actual: str = ""
    weight: float
    human_score: float
    self_score: float | None = Field(
        None, description="the unit's 自评分 (on a form without review scores, the score judged)")
    human_cut: bool
    human_deduction: float
    remark: str = ""
    reason: str | None = Field(None, description="reason category of the human remark; None when not cut, "
                               "or on a re-scored row whose reason neither a remark nor the values tell")
    reason_source: str | None = None  # keyword / values / fallback
    flaws: list[str] = Field(default_factory=list, description="content flaws seen without the human labels")


class FormLabels(BaseModel):
    """What a form's sample and its scored outcome share: the form, its groups, the human's total."""

    form_id: str
    kind: str
    group: str
    file_group: str
    labels_from: str = Field(
        "score", description="the column the human labels come from: score (得分) or review_score (复核分)")
    human_total: float | None = None
    human_grade: str | None = None

    def labels(self) -> dict:
        """These fields, to build another record of the same form from."""
        return {name: getattr(self, name) for name in FormLabels.model_fields}


class FormSample(FormLabels):
    """One reviewed form: its labels, its scored indicators, and the form itself (never logged)."""

    path: str
    index: int
    name: str = ""
    unit: str = ""
    problems: list[str] = Field(default_factory=list)
    indicators: list[IndicatorSample] = Field(default_factory=list)
    skipped: int = 0
    form: Form = Field(exclude=True, repr=False)

    @property
    def human_cuts(self) -> int:
        return sum(s.human_cut for s in self.indicators)


class DatasetSummary(TypedDict):
    forms: int
    files: int
    indicators: int
    human_cuts: int
    forms_with_total: int
    review_scored_forms: NotRequired[int]  # since the 复核分 labels; older run logs lack it
    reports_with_problems: int
    skipped_indicators: int


class Dataset(BaseModel):
    samples: list[FormSample] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    @property
    def indicators(self) -> list[IndicatorSample]:
        return [s for f in self.samples for s in f.indicators]

    def by_id(self) -> dict[str, FormSample]:
        return {f.form_id: f for f in self.samples}

    def subset(self, ids: Iterable[str]) -> Dataset:
        wanted = set(ids)
        return Dataset(samples=[f for f in self.samples if f.form_id in wanted])

    def review_scored(self) -> Dataset:
        """The forms whose labels are a reviewer's 复核分 (a second judge beside the unit)."""
        return self.subset(f.form_id for f in self.samples if f.labels_from == "review_score")

    def summary(self) -> DatasetSummary:
        inds = self.indicators
        return {
            "forms": len(self.samples),
            "files": len({f.path for f in self.samples}),
            "indicators": len(inds),
            "human_cuts": sum(s.human_cut for s in inds),
            "forms_with_total": sum(f.human_total is not None for f in self.samples),
            "review_scored_forms": sum(f.labels_from == "review_score" for f in self.samples),
            "reports_with_problems": sum(bool(f.problems) for f in self.samples),
            "skipped_indicators": sum(f.skipped for f in self.samples),
        }


def content_flaws(ind: Indicator) -> list[str]:
    """Flaws visible in the form's own content (never in the human score or remark).

    Used for the "cut every unquantified target" baseline and for grouping the same flaw
    across reviewer groups. Only the target/actual/name are read.
    """
    flaws = []
    t = ind.target_value
    if ind.actual_value.kind == "not_applicable" and t.kind != "not_applicable":
        # "不适用（财政收回）": the money was withdrawn; whatever the target, it is not judged
        return ["money_withdrawn"]
    if t.kind == "qualitative":
        flaws.append("not_quantified")
    if "率" in ind.name and t.kind == "number" and t.number is not None and t.number <= 1 and not t.unit:
        flaws.append("rate_as_number")
    by_values = value_reason(ind.target, ind.actual)
    if by_values:
        flaws.append(by_values)
    return flaws


def review_scored(form: Form) -> bool:
    """Whether a reviewer re-scored the form: any indicator carries a 复核分. A 复核分 column
    left empty on every row (the review not yet done) leaves the 得分 column the labels."""
    return any(ind.review_score is not None for ind in form.indicators)


def indicator_sample(
    form_id: str, index: int, ind: Indicator, report: bool = False, review: bool = False
) -> IndicatorSample | None:
    """One scored indicator; on an evaluation report a rubric row, which has no content flaws
    (its "targets" are rubric words like 充分 / 规范, not indicator values). With `review`
    the judged score is the reviewer's 复核分 and the 偏差原因 is not taken as a remark."""
    judged = ind.review_score if review else ind.score
    if ind.weight is None or judged is None or ind.weight <= 0:
        return None
    cut = judged < ind.weight - 1e-9
    remark = "" if review else (ind.deviation or "").strip()
    reason, source = remark_reason(remark, ind.target, ind.actual) if cut else (None, None)
    flaws = [] if report else content_flaws(ind)
    if cut and review and source != "values":
        # the reviewer wrote no remark: only the values can say why (over / under target,
        # or the money withdrawn), else the reason is unknown
        reason, source = ("money_withdrawn", "values") if "money_withdrawn" in flaws else (None, None)
    return IndicatorSample(
        form_id=form_id,
        index=index,
        **{name: getattr(ind, name) for name in ROW_FIELDS},
        weight=ind.weight,
        human_score=judged,
        self_score=ind.score,
        human_cut=cut,
        human_deduction=round(max(ind.weight - judged, 0.0), 6),
        remark=remark,
        reason=reason,
        reason_source=source,
        flaws=flaws,
    )


def _unique_id(form: Form, seen: set[str]) -> str:
    base = form.id or f"{Path(form.source.path).stem}#{form.source.index + 1}"
    key, n = base, 2
    while key in seen:
        key, n = f"{base}~{n}", n + 1
    seen.add(key)
    return key


def dataset_from_forms(forms: Iterable[Form]) -> Dataset:
    samples, seen = [], set()
    for form in forms:
        form_id = _unique_id(form, seen)
        indicators, skipped = [], 0
        review = review_scored(form)
        for i, ind in enumerate(form.indicators):
            s = indicator_sample(form_id, i, ind, report=form.kind == "evaluation_report", review=review)
            if s is None:
                skipped += 1
            else:
                indicators.append(s)
        file_group = Path(form.source.path.split("!")[0]).name
        unit = (form.unit or "").strip()
        human_total = form.review_total_score if review else form.total_score
        samples.append(
            FormSample(
                form_id=form_id,
                path=form.source.path,
                index=form.source.index,
                kind=form.kind,
                name=form.name or "",
                unit=unit,
                group=unit or file_group,
                file_group=file_group,
                labels_from="review_score" if review else "score",
                human_total=human_total,
                human_grade=grade(human_total),
                problems=list(form.problems),
                indicators=indicators,
                skipped=skipped,
                form=form,
            )
        )
    return Dataset(samples=samples)


def load_dataset(paths: Iterable[str | Path]) -> Dataset:
    """Read every form under the paths (files, folders, zips) into a Dataset."""
    extraction = extract_paths(paths)
    data = dataset_from_forms(extraction.forms)
    data.errors = [f"{e.path}: {e.message}" for e in extraction.errors]
    return data
