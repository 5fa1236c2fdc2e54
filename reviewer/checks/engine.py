"""Run the checks on a form: findings, suggested scores, the recomputed total."""

from __future__ import annotations

from collections.abc import Iterable

from reviewer.checks.common import Blank as _Blank
from reviewer.checks.common import Context, fmt, weight_total
from reviewer.checks.findings import Finding, FormReport, IndicatorRef, Recomputed, trusted
from reviewer.checks.policy import CheckPolicy, Policy, load_policy
from reviewer.checks.registry import Check, Hit, all_checks, resolve
from reviewer.checks.scoring import rate_cap
from reviewer.domain.blinding import blind as blind_copy
from reviewer.domain.model import Form
from reviewer.domain.scoring import budget_score, combine_cuts, execution_rate, grade


def _suggest(settings: CheckPolicy, weight: float | None, found: Hit, policy: Policy) -> float | None:
    """The score the policy gives for this flaw; None when it costs nothing."""
    if not policy.cuts(settings):
        return None
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
    i = found.index
    if i is None:
        facets, indicator, path, weight = dict(found.facets), None, found.field, None
        fields = _Blank(found.params)
    else:
        row = ctx.rows[i]
        facets = ctx.row_facets(i) | found.facets
        indicator = IndicatorRef(index=i, name=row.name)
        path = f"{ctx.table}[{i}].{found.field}" if found.field else f"{ctx.table}[{i}]"
        weight = row.weight
        fields = ctx.row_fields(i)  # the row's own, shared: copied before anything is added
        if found.params or found.expected is not None:
            fields = _Blank(fields)
            fields.update(found.params)  # a hit's own value of a field wins over the row's
    if settings.when:
        settings = settings.for_facets(facets)  # a learned [[checks.CODE.when]] rule, if one matches
    if found.expected is not None:
        fields.setdefault("expected", fmt(found.expected))
    return trusted(Finding, {  # every field, in declaration order, from typed values
        "check": chk.code, "name": chk.name, "category": chk.category, "severity": settings.severity or chk.severity,
        "indicator": indicator, "field": path, "message": chk.message.format_map(fields),
        "suggested_score": _suggest(settings, weight, found, ctx.policy), "reason": chk.reason, "facets": facets,
        "confidence": settings.confidence(),
    })


_SELECTION: dict[tuple, tuple[Policy, list[Check], dict[tuple[bool, bool], list[tuple[Check, CheckPolicy]]]]] = {}


def selected_checks(policy: Policy, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[Check]:
    """The checks to run, resolved once per (policy, select, ignore)."""
    return _selection(policy, select, ignore)[1]


def _selection(policy: Policy, select: Iterable[str] | None, ignore: Iterable[str] | None):
    """(policy, the checks to run, {(blind, report): the ones that run on such a form, each
    with its settings}), cached per (policy, select, ignore)."""
    key = (id(policy), tuple(select or ()), tuple(ignore or ()))
    cached = _SELECTION.get(key)
    if cached is None or cached[0] is not policy:  # an id can be reused once a policy is gone
        if len(_SELECTION) > 64:
            _SELECTION.clear()
        checks = _select(policy, select, ignore)
        settings = [(c, policy.for_check(c.code)) for c in checks]
        runs = {(blind, report): [(c, s) for c, s in settings
                                  if not (blind and c.uses_scores) and not (report and not c.reports)]
                for blind in (False, True) for report in (False, True)}
        cached = _SELECTION[key] = (policy, checks, runs)
    return cached


def _select(policy: Policy, select: Iterable[str] | None, ignore: Iterable[str] | None) -> list[Check]:
    checks = all_checks()
    chosen = resolve(list(select)) if select else {c for c in checks if policy.for_check(c).enabled}
    chosen -= resolve(list(ignore or []))
    return [checks[c] for c in sorted(chosen)]


def combined_scores(ctx: Context, findings: list[Finding]) -> list[float | None]:
    """Each row's score after the suggested cuts, combined by the policy's `combine`
    (reviewer.domain.scoring.combine_cuts): the checks cut, they never raise, so a row keeps
    its declared score when that is lower (blind: the base is the weight)."""
    suggested: dict[int, list[float]] = {}
    for f in findings:
        if f.indicator is not None and f.suggested_score is not None:
            suggested.setdefault(f.indicator.index, []).append(f.suggested_score)
    combine, blind = ctx.policy.combine, ctx.blind
    scores: list[float | None] = []
    for i, row in enumerate(ctx.rows):
        weight = row.weight
        if weight is None:
            scores.append(None)
            continue
        base = (weight or 0.0) if blind or row.score is None else row.score  # _row_base
        cuts = suggested.get(i)
        scores.append(combine_cuts(weight, base, cuts, combine) if cuts else min(base, weight))  # no cut: combine_cuts' own answer
    return scores


def _row_base(ctx: Context, i: int) -> float:
    """A row's score before any cut: as declared (the weight in blind mode or when blank)."""
    row = ctx.rows[i]
    return (row.weight or 0.0) if ctx.blind or row.score is None else row.score


_SAME = 0.005  # scores are written to two decimals


def settle(ctx: Context, findings: list[Finding], recomputed: Recomputed) -> None:
    """One source of truth per score: a finding's suggested score becomes the recomputed
    score of the place it is on (an indicator row, the budget line, the total) when the
    finding is what sets that score, and None when it changes nothing there (the declared
    score is already lower, another finding cuts deeper, or the recomputation does not use
    it, as PF105's plain sum of the declared scores). Everything that shows a finding's
    score (check output, comments, opinions) then agrees with `recomputed`."""
    for f in findings:
        if f.suggested_score is not None:
            f.suggested_score = _settled(ctx, f, recomputed)


def _settled(ctx: Context, f: Finding, recomputed: Recomputed) -> float | None:
    own = f.suggested_score
    if f.indicator is not None:
        i = f.indicator.index
        score, base = recomputed.indicator_scores[i], _row_base(ctx, i)
        if score is None or score >= base - _SAME:
            return None  # no cut on this row
        if ctx.policy.combine == "sum":  # every finding that cuts shares the row's result
            return score if own < (ctx.rows[i].weight or 0.0) - _SAME else None
        return score if abs(own - score) <= _SAME else None
    if f.field == "funding.score":
        score, declared = recomputed.budget_score, ctx.form.funding.score
    elif f.field == "total_score":
        score, declared = recomputed.suggested_total, ctx.form.total_score
    else:
        return None
    if score is None or abs(own - score) > _SAME:
        return None
    return score if declared is None or abs(declared - score) > _SAME else None


def recompute(form: Form, ctx: Context, findings: list[Finding]) -> Recomputed:
    rate = execution_rate(form.funding)
    scores = combined_scores(ctx, findings)
    if form.kind == "evaluation_report":
        return Recomputed(execution_rate=None if rate is None else round(rate, 2),
                          declared_total=form.total_score, indicator_scores=scores)
    budget = budget_score(form.funding, ctx.policy.budget_weight)
    indicator_total = round(sum(s for s in scores if s is not None), 2)
    weights = weight_total(form, ctx.policy)
    total, basis, provisional, scale = None, "", False, 1.0
    if budget is not None:
        total, basis, provisional, scale = _on_the_scale(
            round(budget + indicator_total, 2), weights, ctx.policy.total_weight)
    cap_policy = ctx.policy.for_check("PF307")
    if total is not None and cap_policy.enabled:
        ctx.settings = cap_policy
        cap = rate_cap(ctx, rate)
        if cap is not None and total > cap:
            total = cap
            basis = _join(basis, f"执行率{fmt(rate)}%，按本地规则总分不得高于{fmt(cap)}分")
    return Recomputed(
        execution_rate=None if rate is None else round(rate, 2), budget_score=budget,
        indicator_score=indicator_total, suggested_total=total, grade=grade(total),
        provisional=provisional, weight_total=None if weights is None else round(weights, 2), scale=scale,
        basis=basis,
        declared_total=form.total_score, indicator_scores=scores,
    )


def _on_the_scale(total: float, weights: float | None, scale: float) -> tuple[float, str, bool, float]:
    """(total, how it was computed, provisional, factor applied): never above the scale (100).
    Weights that add up to more are scaled down to it (折算) and the grade is provisional;
    weights that add up to less leave the sum as it is, also provisional."""
    if weights is None or abs(weights - scale) <= _SAME:
        if total > scale:  # only when a score's weight is unknown
            return scale, f"得分合计{fmt(total)}超过总分值，按{fmt(scale)}分计", False, 1.0
        return total, "", False, 1.0
    if weights > scale:
        scaled = round(total * scale / weights, 2)
        return scaled, (f"分值合计{fmt(weights)}（应为{fmt(scale)}），建议总分按{fmt(scale)}分折算："
                        f"{fmt(total)}×{fmt(scale)}÷{fmt(weights)}={fmt(scaled)}，等级为暂定"), True, scale / weights
    return total, f"分值合计{fmt(weights)}（应为{fmt(scale)}），建议总分未折算，等级为暂定", True, 1.0


def _join(*parts: str) -> str:
    return "；".join(p for p in parts if p)


def run_checks(
    form: Form,
    policy: Policy | None = None,
    blind: bool = False,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> FormReport:
    """Check one form. `blind` judges it as if unscored (reviewer.domain.blinding.blind);
    `select` and `ignore` take codes, code prefixes (PF4), names or categories."""
    policy = policy or load_policy()
    subject = blind_copy(form) if blind else form
    ctx = Context.build(subject, policy, blind)
    report = subject.kind == "evaluation_report"
    findings: list[Finding] = []
    for chk, settings in _selection(policy, select, ignore)[2][bool(blind), report]:
        ctx.settings = settings
        for found in chk.run(subject, ctx):
            findings.append(_finding(chk, settings, found, ctx))
    recomputed = recompute(subject, ctx, findings)
    settle(ctx, findings, recomputed)
    return FormReport(
        id=form.id, code=form.code, name=form.name, year=form.year, kind=form.kind, blind=blind,
        policy=policy.name, findings=findings, recomputed=recomputed,
    )
