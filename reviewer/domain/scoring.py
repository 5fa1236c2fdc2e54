"""The scoring rules of DOMAIN §3, one function each: the execution rate, the budget score,
when a target and an actual can be compared, how several cuts on one indicator row
combine, and the grade bands.

The checks (reviewer.checks) and the evaluation (reviewer.evaluation) both score with these;
what a flaw costs is policy data (reviewer/checks/default_policy.toml), never decided here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from reviewer.domain.model import Funding
from reviewer.domain.values import Value

Combine = Literal["lowest", "sum"]

# Ministry of Finance grade bands: 优 90-100, 良 80-89, 中 60-79, 差 0-59.
GRADES = ("优", "良", "中", "差")
_GRADE_FLOORS = (90, 80, 60)


def grade(total: float | None) -> str | None:
    """The grade band of a total score; None when there is no total."""
    if total is None:
        return None
    for floor, name in zip(_GRADE_FLOORS, GRADES):
        if total >= floor:
            return name
    return GRADES[-1]


def execution_rate(funding: Funding) -> float | None:
    """全年执行数 ÷ 全年预算数 (the adjusted budget, not 年初预算数), in percent; None when
    the budget is missing or 0 (rule 2)."""
    if funding.executed is None or not funding.annual_budget:
        return None
    return funding.executed / funding.annual_budget * 100


def budget_weight(funding: Funding, default_weight: float) -> float:
    """The budget line's weight: the form's 分值, else `default_weight` (the policy's)."""
    return funding.weight if funding.weight is not None else default_weight


def budget_score(funding: Funding, default_weight: float) -> float | None:
    """Rate × weight (`budget_weight`), never above the weight, to two decimals; 0 when
    nothing was spent (rule 2)."""
    weight = budget_weight(funding, default_weight)
    rate = execution_rate(funding)
    if rate is None:
        return 0.0 if funding.executed == 0 else None
    return round(min(rate / 100 * weight, weight), 2)


def comparable(target: Value, actual: Value) -> bool:
    """Both numbers (or periods) in the same unit: a missing unit matches anything but %, so
    "100%" against a bare "1" is not compared (rules 4-5 need two amounts of one thing)."""
    if target.kind not in ("number", "period") or actual.kind not in ("number", "period"):
        return False
    if target.number is None or actual.number is None:
        return False
    if target.unit and actual.unit:
        return target.unit == actual.unit
    return "%" not in (target.unit, actual.unit)


def combine_cuts(weight: float, base: float, cuts: Iterable[float], how: Combine = "lowest") -> float:
    """A row's score after the suggested scores `cuts` of its findings. "lowest" keeps the
    lowest suggested score, so one flaw read two ways is not cut twice; "sum" adds up what
    each cut takes off the weight. Cuts never raise: the result is at most `base` (the
    declared score, or the weight when blind) and never above the weight."""
    cuts = list(cuts)
    base = min(base, weight)
    if not cuts:
        return base
    if how == "sum":
        cut = round(max(weight - sum(max(weight - s, 0.0) for s in cuts), 0.0), 2)
    else:
        cut = min(cuts)
    return min(cut, base)
