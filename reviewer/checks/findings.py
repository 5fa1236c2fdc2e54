"""What `run_checks` returns: findings per form and the recomputed scores.

`Finding` is the one shape of a finding everywhere: the checks make it, drafting turns it
into comments, the evaluation scores it (its baselines make their own), the batch and the
outputs show it. It is converted only where it leaves the program: JSON (its
`model_dump`) and the batch's SQLite rows.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, model_validator

from reviewer.checks.registry import check_reason
from reviewer.domain.reasons import Reason

Severity = Literal["error", "warning", "info"]
Facet = str | float | bool
Model = TypeVar("Model", bound=BaseModel)
_set = object.__setattr__


def trusted(cls: type[Model], values: dict[str, Any]) -> Model:
    """An instance of `cls` from `values`: every field, already typed, in declaration order.
    The same object as `cls.model_construct(**values)` (no validation, the given fields
    set), without its per-field alias and default look-ups: findings are built in the
    checks' hot path. Only for models without private attributes or extras."""
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


class IndicatorRef(BaseModel):
    index: int  # 0-based row in the table the finding's `field` names (indicators, or a report's performance_targets)
    name: str


class Confidence(BaseModel):
    """How sure the policy is that a reviewer cuts where this finding is: the probability an
    office cuts such a row (`p_cut`, learned by calibration, shrunk toward the level above),
    the rows it was learned from, whether reviewers are known to disagree on the flaw
    (`contested`), and which rule of the policy said so (`basis`)."""

    p_cut: float | None = None
    rows: int = 0
    contested: bool = False
    basis: str = ""

    @property
    def sure(self) -> bool:
        """Sure enough to cut without a second look: learned from 5+ rows, p ≥ 0.8 or ≤ 0.2,
        or a rule reviewers agree on (not contested, no learned probability needed)."""
        if self.p_cut is None:
            return not self.contested
        return self.rows >= 5 and (self.p_cut >= 0.8 or self.p_cut <= 0.2)


class Finding(BaseModel):
    check: str  # code, e.g. PF101
    name: str = ""  # kebab name, e.g. execution-rate
    category: str = ""  # arithmetic / structure / scoring / indicator-quality / deviation / goal-outcome
    severity: Severity = "warning"
    indicator: IndicatorRef | None = None  # None for a form-level finding
    field: str = ""  # path in the form, e.g. "indicators[3].target", "funding.score"
    message: str = ""  # Chinese, ready to paste into a review
    suggested_score: float | None = None  # the score this finding implies; None when no cut
    reason: Reason = "other"  # the reason category a human gives for the same cut (the check declares it)
    facets: dict[str, Facet] = Field(default_factory=dict)  # measured properties of the flaw, by name
    confidence: Confidence | None = None  # how sure the policy is of its cut (None: a plain report)

    @model_validator(mode="before")
    @classmethod
    def _declared_reason(cls, data: Any) -> Any:
        """A finding built without a reason stands for the one its check declares."""
        if isinstance(data, dict) and "reason" not in data and "check" in data:
            data = {**data, "reason": check_reason(str(data["check"]), str(data.get("name") or ""))}
        return data

    @property
    def part(self) -> str:
        """The part of the form the finding is on, as its field path names it: indicators,
        performance_targets, funding, goal, total_score …"""
        return self.field.split("[", 1)[0].split(".", 1)[0]

    @property
    def row(self) -> int | None:
        """The 0-based row of the table the finding is on (`part`: form.indicators, or an
        evaluation report's 表1-2 performance_targets); None for a form-level finding."""
        return None if self.indicator is None else self.indicator.index

    @property
    def indicator_index(self) -> int | None:
        """The 0-based row of form.indicators the finding is on; None for a form-level finding
        and for one on an evaluation report's 表1-2 target table (`indicator` names that row)."""
        if self.indicator is None or self.part == "performance_targets":
            return None
        return self.indicator.index


class Recomputed(BaseModel):
    execution_rate: float | None = None  # percent, 全年执行数 ÷ 全年预算数
    budget_score: float | None = None  # rate × weight, capped at the weight
    indicator_score: float | None = None  # Σ per-indicator scores after suggested cuts
    suggested_total: float | None = None
    grade: str | None = None  # reviewer.domain.scoring.grade of the suggested total
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
