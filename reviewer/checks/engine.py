"""Run the checks on a form: findings, suggested scores, the recomputed total."""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.checks.arithmetic import budget_score, execution_rate
from reviewer.checks.common import Context, fmt
from reviewer.checks.findings import Finding, FormReport, IndicatorRef, Recomputed, grade
from reviewer.checks.policy import CheckPolicy, Policy, load_policy
from reviewer.checks.registry import Check, Hit, all_checks, resolve
from reviewer.checks.scoring import rate_cap
from reviewer.domain.model import Form, Indicator


class _Blank(dict):
    """Message fields a hit did not give print as themselves instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def blank_scores(form: Form) -> Form:
    """A copy of the form as if unscored: indicator scores, deviation notes, the budget
    score and the total removed, so no check can see the human judgement."""
    def unscored(row: Indicator) -> Indicator:
        clone = row.__copy__()  # shallow: the fields are immutable values
        clone.__dict__.update(score=None, deviation="")
        return clone

    return form.model_copy(update={
        "indicators": [unscored(row) for row in form.indicators],
        "performance_targets": [unscored(row) for row in form.performance_targets],
        "funding": form.funding.model_copy(update={"score": None}),
        "total_score": None,
        "problems": [],  # a report's 存在的问题 is the human review itself
    })


def _suggest(settings: CheckPolicy, weight: float | None, found: Hit) -> float | None:
    """The score the policy gives for this flaw; None when it costs nothing."""
    if settings.deduct == "rule":
        return None if found.expected is None else round(found.expected, 2)
    if weight is None or found.index is None:
        return None
    if settings.deduct == "fixed":
        return round(max(weight - settings.amount, 0.0), 2)
    if settings.deduct == "percent":
        return round(max(weight * (1 - settings.percent), 0.0), 2)
    return None


def _finding(chk: Check, settings: CheckPolicy, found: Hit, ctx: Context) -> Finding:
    fields = _Blank(found.params)
    indicator = None
    path = found.field
    if found.index is not None:
        row = ctx.rows[found.index]
        indicator = IndicatorRef.model_construct(index=found.index, name=row.name)
        path = f"{ctx.table}[{found.index}].{found.field}" if found.field else f"{ctx.table}[{found.index}]"
        for key, value in (("name", row.name), ("target", row.target.strip() or "（空）"),
                           ("actual", row.actual.strip() or "（空）"), ("weight", fmt(row.weight)),
                           ("score", fmt(row.score)), ("level1", row.level1), ("level2", row.level2)):
            fields.setdefault(key, value)
    if found.expected is not None:
        fields.setdefault("expected", fmt(found.expected))
    weight = ctx.rows[found.index].weight if found.index is not None else None
    return Finding.model_construct(  # every field is built here, from typed values
        check=chk.code, name=chk.name, category=chk.category, severity=settings.severity or chk.severity,
        indicator=indicator, field=path, message=chk.message.format_map(fields),
        suggested_score=_suggest(settings, weight, found),
    )


_SELECTION: dict[tuple, tuple[Policy, list[Check]]] = {}


def selected_checks(policy: Policy, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[Check]:
    """The checks to run, resolved once per (policy, select, ignore)."""
    key = (id(policy), tuple(select or ()), tuple(ignore or ()))
    cached = _SELECTION.get(key)
    if cached is None or cached[0] is not policy:  # an id can be reused once a policy is gone
        if len(_SELECTION) > 64:
            _SELECTION.clear()
        cached = _SELECTION[key] = (policy, _select(policy, select, ignore))
    return cached[1]


def _select(policy: Policy, select: Iterable[str] | None, ignore: Iterable[str] | None) -> list[Check]:
    checks = all_checks()
    chosen = resolve(list(select)) if select else {c for c in checks if policy.for_check(c).enabled}
    chosen -= resolve(list(ignore or []))
    return [checks[c] for c in sorted(chosen)]


def combined_scores(ctx: Context, findings: list[Finding]) -> list[float | None]:
    """Each row's score after the suggested cuts. Several findings on one row combine by the
    policy's `combine`: "lowest" (default) keeps the lowest suggested score, so one flaw is
    not cut twice for two readings of it; "sum" adds up the cuts. The checks cut, they never
    raise: a row keeps its declared score when that is lower (blind: the base is the weight)."""
    suggested: dict[int, list[float]] = {}
    for f in findings:
        if f.indicator is not None and f.suggested_score is not None:
            suggested.setdefault(f.indicator.index, []).append(f.suggested_score)
    scores: list[float | None] = []
    for i, row in enumerate(ctx.rows):
        weight = row.weight or 0.0
        base = weight if ctx.blind or row.score is None else row.score
        cuts = suggested.get(i)
        if not cuts:
            scores.append(base if row.weight is not None else None)
            continue
        if ctx.policy.combine == "sum":
            cut = round(max(weight - sum(max(weight - s, 0.0) for s in cuts), 0.0), 2)
        else:
            cut = min(cuts)
        scores.append(min(cut, base))
    return scores


def recompute(form: Form, ctx: Context, findings: list[Finding]) -> Recomputed:
    rate = execution_rate(form.funding)
    scores = combined_scores(ctx, findings)
    if form.kind == "evaluation_report":
        return Recomputed(execution_rate=None if rate is None else round(rate, 2),
                          declared_total=form.total_score, indicator_scores=scores)
    budget = budget_score(form.funding, ctx.policy.budget_weight)
    indicator_total = round(sum(s for s in scores if s is not None), 2)
    total = None if budget is None else round(budget + indicator_total, 2)
    cap_policy = ctx.policy.for_check("PF307")
    if total is not None and cap_policy.enabled:
        ctx.settings = cap_policy
        cap = rate_cap(ctx, rate)
        total = total if cap is None else min(total, cap)
    return Recomputed(
        execution_rate=None if rate is None else round(rate, 2), budget_score=budget,
        indicator_score=indicator_total, suggested_total=total, grade=grade(total),
        declared_total=form.total_score, indicator_scores=scores,
    )


def run_checks(
    form: Form,
    policy: Policy | None = None,
    blind: bool = False,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> FormReport:
    """Check one form. `blind` judges it as if unscored (see `blank_scores`); `select` and
    `ignore` take codes, code prefixes (PF4), names or categories."""
    policy = policy or load_policy()
    subject = blank_scores(form) if blind else form
    ctx = Context.build(subject, policy, blind)
    report = subject.kind == "evaluation_report"
    findings: list[Finding] = []
    for chk in selected_checks(policy, select, ignore):
        if (blind and chk.uses_scores) or (report and not chk.reports):
            continue
        settings = ctx.settings = policy.for_check(chk.code)
        findings.extend(_finding(chk, settings, found, ctx) for found in chk.run(subject, ctx))
    return FormReport(
        id=form.id, code=form.code, name=form.name, year=form.year, kind=form.kind, blind=blind,
        policy=policy.name, findings=findings, recomputed=recompute(subject, ctx, findings),
    )
