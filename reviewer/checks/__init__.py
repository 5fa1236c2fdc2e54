"""Deterministic checks of 项目支出绩效自评表: a linter for forms.

    from reviewer.checks import run_checks, load_policy
    report = run_checks(form, policy=load_policy("region.toml"), blind=True)

Owns the check catalogue (one registered function per check, everything about it declared
with it), the deduction policy and the engine that turns a form into a `FormReport` of
`Finding`s and recomputed scores. May import reviewer.domain and reviewer.extract only;
the scoring rules themselves live in reviewer.domain.scoring.
"""

# The catalogue: importing a module registers its checks (reviewer.checks.registry.CHECKS).
from reviewer.checks import arithmetic, deviation, goal, quality, scoring, structure  # noqa: F401
from reviewer.checks.engine import run_checks
from reviewer.checks.findings import Finding, FormReport, IndicatorRef, Recomputed
from reviewer.checks.policy import CheckPolicy, Policy, PolicyError, load_policy
from reviewer.checks.registry import CHECKS, Check, all_checks, check, check_reason
from reviewer.domain.scoring import grade

__all__ = [
    "CHECKS", "Check", "CheckPolicy", "Finding", "FormReport", "IndicatorRef", "Policy", "PolicyError",
    "Recomputed", "all_checks", "check", "check_reason", "grade", "load_policy", "run_checks",
]
