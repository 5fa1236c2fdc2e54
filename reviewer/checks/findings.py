"""What `run_checks` returns: findings per form and the recomputed scores."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "info"]


class IndicatorRef(BaseModel):
    index: int  # 0-based row in the form's indicator table
    name: str


class Finding(BaseModel):
    check: str  # code, e.g. PF101
    name: str  # kebab name, e.g. execution-rate
    category: str
    severity: Severity
    indicator: IndicatorRef | None = None  # None for a form-level finding
    field: str  # path in the form, e.g. "indicators[3].target", "funding.score"
    message: str  # Chinese, ready to paste into a review
    suggested_score: float | None = None  # the score this finding implies; None when no cut


class Recomputed(BaseModel):
    execution_rate: float | None = None  # percent, 全年执行数 ÷ 全年预算数
    budget_score: float | None = None  # rate × weight, capped at the weight
    indicator_score: float | None = None  # Σ per-indicator scores after suggested cuts
    suggested_total: float | None = None
    grade: str | None = None  # 优 90-100 / 良 80-89 / 中 60-79 / 差 0-59
    provisional: bool = False  # the weights do not add up to 100: total and grade are provisional
    weight_total: float | None = None  # 分值合计: budget weight + indicator weights
    scale: float = 1.0  # the factor the sum of scores was multiplied by (100 ÷ 分值合计 when that is more)
    basis: str = ""  # how the total was computed when not as the plain sum (折算, cap), in Chinese
    declared_total: float | None = None  # as written (None in blind mode)
    indicator_scores: list[float | None] = Field(default_factory=list)  # per row, after cuts


class FormReport(BaseModel):
    id: str
    code: str | None = None
    name: str | None = None
    year: int | None = None
    kind: str = "self_evaluation"
    blind: bool = False
    policy: str = "default"
    findings: list[Finding] = Field(default_factory=list)
    recomputed: Recomputed = Field(default_factory=Recomputed)

    def codes(self) -> set[str]:
        return {f.check for f in self.findings}


# Ministry of Finance grade bands: 优 90-100, 良 80-89, 中 60-79, 差 0-59.
GRADES = ("优", "良", "中", "差")


def grade(total: float | None) -> str | None:
    if total is None:
        return None
    for floor, name in zip((90, 80, 60), GRADES):
        if total >= floor:
            return name
    return "差"
