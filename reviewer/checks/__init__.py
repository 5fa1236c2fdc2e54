"""Deterministic checks of 项目支出绩效自评表: a linter for forms.

    from reviewer.checks import run_checks, load_policy
    report = run_checks(form, policy=load_policy("region.toml"), blind=True)
"""

from reviewer.checks.engine import blank_scores, run_checks
from reviewer.checks.findings import Finding, FormReport, IndicatorRef, Recomputed, grade
from reviewer.checks.policy import CheckPolicy, Policy, PolicyError, load_policy
from reviewer.checks.registry import CHECKS, Check, all_checks, check

__all__ = [
    "CHECKS", "Check", "CheckPolicy", "Finding", "FormReport", "IndicatorRef", "Policy", "PolicyError",
    "Recomputed", "all_checks", "blank_scores", "check", "grade", "load_policy", "run_checks",
]
