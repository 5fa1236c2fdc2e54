"""Scoring: the score each indicator should get (DOMAIN §3 rules 4–10)."""

from __future__ import annotations

import re

from reviewer.checks.common import (
    Context, achieved_band, expected_score, fmt, ratio_band, target_met, unit_kind,
)
from reviewer.checks.registry import check, hit
from reviewer.domain.model import Form
from reviewer.domain.scoring import comparable, execution_rate

_NOT_MET = re.compile(r"未(?:能)?(?:达成|完成|达到|实现|达标|开展|实施)|没有(?:达成|完成|达到|实现)|效果较差|较差|不达标|不合格|滞后")
_PARTIAL = re.compile(r"部分|基本|大部分|一定效果|较好|大体")
_MET = re.compile(r"达成|完成|达到|实现|达标|合格|良好|满足|有效|顺利|已|是")
_TIER_NAMES = {"met": "达成年度指标", "partial": "部分达成年度指标并具有一定效果", "not_met": "未达成年度指标且效果较差"}
_DEFAULT_TIERS = {"met": [0.8, 1.0], "partial": [0.6, 0.8], "not_met": [0.0, 0.6]}


def qualitative_tier(actual_text: str) -> str | None:
    if _NOT_MET.search(actual_text):
        return "not_met"
    if _PARTIAL.search(actual_text):
        return "partial"
    if _MET.search(actual_text):
        return "met"
    return None


@check(
    "PF301", "score-formula", title="未达成目标的得分有误", category="scoring", severity="warning",
    message="“{name}”目标{target}，实际{actual}，未达成目标；按{rule}应得{expected}分，填写为{score}。",
    reason="under_achieved", suggestion="按评分规则重新核定得分。",
)
def score_formula(form: Form, ctx: Context):
    """What it checks: a quantitative indicator whose target was not met, against the score
    the rule gives: ≥/> and plain numbers proportional (weight × actual ÷ target), ≤/<
    reverse (local: weight × (1 − (actual − target) ÷ target), 0 at twice the target),
    = exact. In blind mode it states the rule score for every unmet target.
    Why it matters: 财预〔2020〕10号 scoring rules (DOMAIN rules 4–5): a cut that is not
    the formula's is arbitrary, in either direction.
    Example: "免费印章"每月达到 | ≥3000套 | 2698套 | 分值 5 | 得分 3 (rule: 4.50).
    How to fix: score it weight × actual ÷ target (or the reverse rule), or explain the difference.
    Facets: direction: higher, lower or exact (how the rule reads the target); achieved_band:
    the share of the target achieved, <0.5, 0.5-0.8, 0.8-0.95 or >=0.95.
    Also the row facets (section, level2, target_form).
    """
    for i, row, target, actual in ctx.live():
        expected = expected_score(ctx, i)
        if expected is None or expected >= row.weight - ctx.tol:
            continue
        if row.score is not None and (row.score >= row.weight - ctx.tol or abs(row.score - expected) <= ctx.tol + 0.005):
            continue  # full score: PF302; formula score: fine
        way = ctx.direction(i)
        rule = {"higher": "实际值÷目标值比例", "lower": "反向指标扣分规则", "exact": "与目标值的偏离比例"}[way]
        yield hit(i, "score", expected=round(expected, 2), rule=rule, facets=_shortfall(row, expected, way),
                  **({"score": "（未填写）"} if row.score is None else {}))


def _shortfall(row, expected: float, way: str) -> dict:
    """PF301/PF302's facets: the rule's direction and the share of the target achieved."""
    return {"direction": way, "achieved_band": achieved_band(expected / row.weight)}


@check(
    "PF302", "full-score-not-met", title="未达成目标却得满分", category="scoring", severity="error", uses_scores=True,
    message="“{name}”目标{target}未达成（实际{actual}），却得满分{score}；按比例应得{expected}分。",
    reason="under_achieved", suggestion="未达成目标不应得满分，按完成比例重新核定得分。",
)
def full_score_not_met(form: Form, ctx: Context):
    """What it checks: a full score on a quantitative indicator whose target was not met.
    Why it matters: the most common inflation (DOMAIN rule 10, 财预〔2020〕10号: 严禁刻意抬高分数).
    Example: 服务对象满意度 | ≥95% | 90% | 分值 10 | 得分 10.
    How to fix: score it by the formula and explain the shortfall in 偏差原因.
    Facets: direction: higher, lower or exact; achieved_band: the share of the target achieved,
    <0.5, 0.5-0.8, 0.8-0.95 or >=0.95.
    Also the row facets (section, level2, target_form).
    """
    for i, row, _, _ in ctx.live():
        expected = expected_score(ctx, i)
        if expected is None or row.score is None:
            continue
        if expected < row.weight - ctx.tol and row.score >= row.weight - ctx.tol:
            yield hit(i, "score", expected=round(expected, 2),
                      facets=_shortfall(row, expected, ctx.direction(i)))


@check(
    "PF303", "cut-without-reason", title="已达成目标却扣分且未说明", category="scoring", severity="warning", uses_scores=True,
    message="“{name}”已达成目标（{target}，实际{actual}），得分{score}低于分值{weight}，且未说明扣分理由。",
    suggestion="已达成目标的扣分应说明理由，或恢复满分。",
)
def cut_without_reason(form: Form, ctx: Context):
    """What it checks: an indicator whose target was met but which scored below its weight,
    with no 偏差原因 saying why.
    Why it matters: DOMAIN rule 8: every score below the weight needs a reason; a silent cut
    on a met target is either a mistake or a judgement nobody can check.
    Example: 驻场技术人数 | 4人 | 4人 | 分值 5 | 得分 4 | 偏差原因 blank.
    How to fix: restore the full score or write the reason for the cut.
    Facets: the row facets only (section, level2, target_form).
    """
    for i, row, _, actual in ctx.scored():
        if row.score >= row.weight - ctx.tol or row.deviation.strip():
            continue
        met = target_met(ctx, i)
        if met is None and actual.kind == "qualitative":
            met = qualitative_tier(row.actual) == "met"
        if met:
            yield hit(i, "deviation")


@check(
    "PF304", "qualitative-tier", title="定性指标得分不在档次内", category="scoring", severity="warning", uses_scores=True,
    message="“{name}”实际完成情况为“{actual}”（{tier}），得分应在{low}至{high}分之间，填写为{score}。",
    reason="not_quantified", suggestion="按定性指标的三档标准重新核定得分。",
)
def qualitative_tier_check(form: Form, ctx: Context):
    """What it checks: a qualitative actual value scored outside its tier: 达成年度指标
    80–100% of the weight, 部分达成 60–80%, 未达成且效果较差 0–60% (policy `tiers`).
    Why it matters: 财预〔2020〕10号 grades qualitative indicators in three tiers (DOMAIN
    rule 6); a full score on "基本完成" is inflation.
    Example: 实际完成值 "部分完成" | 分值 10 | 得分 10 (tier: 6–8).
    How to fix: score within the tier, or state the measured result.
    Facets: tier: met, partial or not_met, the tier the actual's words put the row in.
    Also the row facets (section, level2, target_form).
    """
    tiers = ctx.get("tiers", _DEFAULT_TIERS)
    for i, row, _, actual in ctx.scored():
        if actual.kind != "qualitative":
            continue
        tier = qualitative_tier(row.actual)
        if tier is None:
            continue
        low, high = (row.weight * x for x in tiers[tier])
        if row.score < low - ctx.tol or row.score > high + ctx.tol:
            yield hit(i, "score", expected=round(min(max(row.score, low), high), 2),
                      tier=_TIER_NAMES[tier], low=fmt(low), high=fmt(high), facets={"tier": tier})


@check(
    "PF305", "over-achievement", title="超额完成，目标值设置偏低", category="scoring", severity="warning",
    message="“{name}”实际{actual}超过目标{target}的{ratio}倍，目标值设置偏低，应按偏离程度扣分。",
    reason="over_achieved", suggestion="结合实际需求合理设置年度指标值，并说明超额原因。",
)
def over_achievement(form: Form, ctx: Context):
    """What it checks: an actual value above `threshold` × target (default 1.2; Guangxi 1.3)
    on a higher-is-better indicator. Rates in % are left out unless `rates = true`.
    Why it matters: DOMAIN rule 7: a target far exceeded was set too low, which is poor
    planning; reviewers cut it even when the unit explains it (DOMAIN §5: 4个 → 110个).
    Example: 系统功能开发 | 4个 | 110个.
    How to fix: set next year's target from this year's actual; explain the gap in 偏差原因.
    Facets: ratio_band: actual ÷ target, <1.5, 1.5-2, 2-5 or >=5; unit_kind: count (个, 次, 人 …),
    percent or other.
    Also the row facets (section, level2, target_form).
    """
    threshold = float(ctx.get("threshold", 1.2))
    rates = bool(ctx.get("rates", False))
    for i, row, target, actual in ctx.live():
        if not comparable(target, actual) or ctx.direction(i) == "lower" or target.number <= 0:
            continue
        if not rates and "%" in (target.unit, actual.unit):
            continue
        if actual.number > threshold * target.number:
            weight = row.weight or 0.0
            ratio = actual.number / target.number
            yield hit(i, "actual", expected=round(weight * target.number / actual.number, 2), ratio=fmt(ratio),
                      facets={"ratio_band": ratio_band(ratio), "unit_kind": unit_kind(actual.unit or target.unit)})


@check(
    "PF306", "funds-withdrawn", title="资金未支出，指标应得0分", category="scoring", severity="error",
    message="项目资金未支出（全年执行数为0，{why}），“{name}”{claim}，得分应为0。",
    reason="money_withdrawn", suggestion="资金未支出或已收回的项目，各项得分应为0。",
)
def funds_withdrawn(form: Form, ctx: Context):
    """What it checks: a project that spent nothing (全年执行数 0, money withdrawn by the
    finance bureau or transferred) while its indicators keep a score.
    Why it matters: without spending there is no output; the human reviewers of the seeds
    score every indicator 0 (DOMAIN §5: 不适用（财政收回） → 0), and an indicator that still
    claims completion is a false statement.
    Example: 年初预算数 80,000元, 全年预算数 0元, 执行数 0元; 发放人数 | 1人 | 100% | 得分 10.
    How to fix: score every indicator 0 and state that the money was withdrawn.
    Facets: actual_written: true when the row still states an actual value (a claim of
    completion), false when it is empty or 不适用.
    Also the row facets (section, level2, target_form).
    """
    f = form.funding
    if f.executed != 0 or not (f.initial_budget or f.annual_budget):
        return
    why = "资金已收回或调剂" if not f.annual_budget else "预算未执行"
    for i, row, _, actual in ctx.live():
        if row.score is not None and row.score <= 0:
            continue
        claim = "仍填写实际完成值" if actual.kind not in ("empty", "not_applicable") else "无实际完成"
        yield hit(i, "score", expected=0.0, why=why, claim=claim,
                  facets={"actual_written": actual.kind not in ("empty", "not_applicable")})


def rate_cap(ctx: Context, rate: float | None) -> float | None:
    """The local total-score cap for a low execution rate (policy bands), None when none applies."""
    if rate is None:
        return None
    caps = [b["cap"] for b in sorted(ctx.get("bands", []), key=lambda b: b["below"]) if rate < b["below"]]
    return float(caps[0]) if caps else None


@check(
    "PF307", "execution-rate-cap", title="执行率偏低，总分超出上限", category="scoring", severity="warning",
    message="执行率{rate}%，按本地规则总分不得高于{cap}分，{state}。",
    suggestion="按执行率对应的上限调整总分。",
)
def execution_rate_cap(form: Form, ctx: Context):
    """What it checks: a total above the local cap for a low execution rate (70–80% → at
    most 89, 60–70% → 79, below 60% → 69, below 50% → 59). Off by default; a region turns
    it on in its policy and sets its own `bands`.
    Why it matters: local rule (DOMAIN rule 9): money left unspent limits what the project
    can claim to have achieved.
    Example: 执行率 65%, 总分 92.
    How to fix: cap the total, or explain why the spending was low.
    """
    rate = execution_rate(form.funding)
    cap = rate_cap(ctx, rate)
    if cap is None:
        return
    if form.total_score is None:
        yield hit(field="total_score", expected=cap, rate=fmt(rate), cap=fmt(cap), state="总分按上限计算")
    elif form.total_score > cap + ctx.tol:
        yield hit(field="total_score", expected=cap, rate=fmt(rate), cap=fmt(cap),
                  state=f"填写为{fmt(form.total_score)}分")
