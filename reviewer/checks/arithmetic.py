"""Arithmetic: the funding line, the budget score and the total (DOMAIN §3 rules 2–3; the
rules themselves are reviewer.domain.scoring's)."""

from __future__ import annotations

import re

from reviewer.checks.common import Context, fmt, money
from reviewer.checks.registry import check, hit
from reviewer.domain.model import Form, Funding
from reviewer.domain.scoring import budget_score, budget_weight, execution_rate

_EXPLAINED = re.compile(r"调整|调增|调减|调剂|追加|收回|新增|补充|下达|结转|压减|压缩|核减|统筹|年中|预算调")
_PARTS = ("当年财政拨款", "上年结转资金", "其他资金")
_COLUMNS = (("initial_budget", "年初预算数"), ("annual_budget", "全年预算数"), ("executed", "全年执行数"))


def _decimals(x: float) -> int:
    text = f"{x:.6f}".rstrip("0")
    return min(len(text.split(".")[1]) if "." in text else 0, 2)


def _rate_matches(written: float, computed: float) -> bool:
    """The written rate is the computed one, rounded as written (98 for 97.71 is a display
    rounding), in percent or as a fraction (0.98)."""
    tol = 0.5 * 10 ** -_decimals(written) + 1e-6
    if abs(written - computed) <= tol:
        return True
    return written <= 1.5 and abs(written * 100 - computed) <= tol * 100


@check(
    "PF101", "execution-rate", title="执行率计算有误", category="arithmetic", severity="error",
    message="执行率填写为{written}%，按全年执行数{executed}÷全年预算数{budget}计算应为{computed}%。",
    suggestion="按全年执行数÷全年预算数重新计算执行率。",
)
def execution_rate_check(form: Form, ctx: Context):
    """What it checks: the written 执行率 against 全年执行数 ÷ 全年预算数.
    Why it matters: 财预〔2020〕10号 scores budget execution on the rate of the adjusted
    annual budget; a wrong rate makes the budget score and the total wrong (DOMAIN rule 2).
    Example: 全年预算数 170,000元, 全年执行数 166,100元, 执行率 written 99.00% (should be 97.71%).
    How to fix: recompute 执行率 = 全年执行数 ÷ 全年预算数 × 100% and the 得分 from it.
    """
    f = form.funding
    computed = execution_rate(f)
    if f.execution_rate is None or computed is None or _rate_matches(f.execution_rate, computed):
        return
    if f.initial_budget and _rate_matches(f.execution_rate, f.executed / f.initial_budget * 100):
        return  # PF102 says why
    yield hit(field="funding.execution_rate", written=fmt(f.execution_rate), computed=fmt(computed),
              executed=money(f.executed), budget=money(f.annual_budget))


@check(
    "PF102", "rate-uses-initial-budget", title="执行率以年初预算数计算", category="arithmetic", severity="error",
    message="执行率{written}%是以年初预算数{initial}计算的；应以全年预算数{budget}为分母，为{computed}%。",
    suggestion="以全年预算数为分母重新计算执行率。",
)
def rate_uses_initial_budget(form: Form, ctx: Context):
    """What it checks: a 执行率 computed on 年初预算数 (the start-of-year budget) instead of
    全年预算数 (the adjusted budget).
    Why it matters: 财预〔2020〕10号 and the form's own note define the rate on the adjusted
    annual budget; using the initial budget hides in-year cuts or additions (DOMAIN rule 2).
    Example: 年初预算数 692,000元, 全年预算数 1,380,357.22元, 执行数 1,356,587.20元, rate written 196.04%.
    How to fix: divide 全年执行数 by 全年预算数 and rescore the budget line.
    """
    f = form.funding
    computed = execution_rate(f)
    if f.execution_rate is None or computed is None or not f.initial_budget or f.executed is None:
        return
    on_initial = f.executed / f.initial_budget * 100
    if not _rate_matches(f.execution_rate, computed) and _rate_matches(f.execution_rate, on_initial):
        yield hit(field="funding.execution_rate", written=fmt(f.execution_rate), computed=fmt(computed),
                  initial=money(f.initial_budget), budget=money(f.annual_budget))


def _rounded_first(f: Funding, weight: float) -> float | None:
    """The budget score a unit gets by rounding the rate to whole percent first (0.98 × 10)."""
    rate = execution_rate(f)
    return None if rate is None else round(min(round(rate) / 100 * weight, weight), 2)


@check(
    "PF103", "budget-score", title="预算执行得分有误", category="arithmetic", severity="error", uses_scores=True,
    message="预算执行得分填写为{written}，按执行率{rate}%×分值{weight}应为{expected}分（不超过分值）。",
    suggestion="按执行率×分值重新计算预算执行得分。",
)
def budget_score_check(form: Form, ctx: Context):
    """What it checks: the budget line's 得分 against 执行率 × 分值, capped at the 分值.
    Why it matters: 财预〔2020〕10号: the budget execution score is the rate times its weight
    and never above the weight (DOMAIN rule 2); an inflated line inflates the total.
    Example: 执行率 83.70%, 分值 10, 得分 written 10 (should be 8.37).
    How to fix: write 得分 = 执行率 × 分值, rounded to two decimals, at most the 分值.
    Facets: over: true when the written score is above the rule's (inflated), false when below.
    """
    f = form.funding
    weight = budget_weight(f, ctx.policy.budget_weight)
    expected = budget_score(f, ctx.policy.budget_weight)
    if f.score is None or expected is None or abs(f.score - expected) <= ctx.tol:
        return
    rounded = _rounded_first(f, weight)
    if rounded is not None and abs(f.score - rounded) <= ctx.tol:
        return  # PF104 names this error
    yield hit(field="funding.score", expected=expected, written=fmt(f.score),
              rate=fmt(execution_rate(f)), weight=fmt(weight), facets={"over": f.score > expected})


@check(
    "PF104", "rate-rounded-first", title="执行率先取整再计分", category="arithmetic", severity="error", uses_scores=True,
    message="预算执行得分{written}是先把执行率取整为{rounded}%再乘分值得出的；应为{rate}%×{weight}={expected}分。",
    suggestion="按未取整的执行率×分值重新计算预算执行得分。",
)
def rate_rounded_first(form: Form, ctx: Context):
    """What it checks: a budget score computed from the rate rounded to whole percent
    (0.98 × 10 = 9.80) instead of the exact rate (97.71% × 10 = 9.77).
    Why it matters: a known error in self-evaluation forms (DOMAIN rule 2): it overstates
    the score by up to 0.05 per form, which moves totals across grade lines in bulk.
    Example: 执行率 97.71%, 分值 10, 得分 9.80.
    How to fix: multiply the unrounded rate by the weight and round the score, not the rate.
    Facets: over: true (rounding the rate up overstates the score), false when it understates
    it.
    """
    f = form.funding
    weight = budget_weight(f, ctx.policy.budget_weight)
    expected, rounded = budget_score(f, ctx.policy.budget_weight), _rounded_first(f, weight)
    if f.score is None or expected is None or rounded is None:
        return
    if abs(f.score - rounded) <= ctx.tol and abs(f.score - expected) > ctx.tol:
        rate = execution_rate(f)
        yield hit(field="funding.score", expected=expected, written=fmt(f.score),
                  rounded=fmt(round(rate)), rate=fmt(rate), weight=fmt(weight), facets={"over": f.score > expected})


@check(
    "PF105", "total-score", title="总分合计有误", category="arithmetic", severity="error", uses_scores=True,
    message="总分填写为{written}，预算执行得分{budget}加各指标得分{indicators}合计应为{expected}。",
    suggestion="按预算执行得分加各指标得分重新合计总分。",
)
def total_score(form: Form, ctx: Context):
    """What it checks: 总分 against the budget score plus the sum of the indicator scores.
    Why it matters: DOMAIN rule 3 (财预〔2020〕10号 scoring table): the total is a sum; a
    mismatch means a score was changed without updating the total, or the reverse.
    Example: budget score 9.77, indicator scores summing to 90, 总分 written 100.
    How to fix: re-add the scores and write the sum as 总分.
    Facets: over: true when the written total is above the sum, false when below.
    """
    if form.total_score is None or form.funding.score is None:
        return
    scores = [r.score for r in form.indicators if r.weight]
    if any(s is None for s in scores):
        return  # PF204 reports the missing score
    indicators = sum(r.score or 0.0 for r in form.indicators)
    expected = round(form.funding.score + indicators, 2)
    if abs(form.total_score - expected) > ctx.tol + 0.01:
        yield hit(field="total_score", expected=expected, written=fmt(form.total_score),
                  budget=fmt(form.funding.score), indicators=fmt(indicators), facets={"over": form.total_score > expected})


def _tolerance(funding: Funding, amount: float) -> float:
    """Amounts converted from 万元 carry rounding of 0.01万元 (100元)."""
    return max(100.0 if funding.currency_unit == "万元" else 1.0, abs(amount) * 1e-6)


@check(
    "PF106", "fund-rows-sum", title="资金来源合计不符", category="arithmetic", severity="error",
    message="资金来源合计不符：{column}当年财政拨款、上年结转和其他资金之和为{parts}，年度资金总额为{total}。",
    suggestion="核对资金来源各行与合计数。",
)
def fund_rows_sum(form: Form, ctx: Context):
    """What it checks: 当年财政拨款 + 上年结转资金 + 其他资金 = 年度资金总额, in each column.
    Why it matters: the funding table is the basis of the execution rate; rows that do not
    add up mean a mistyped amount (DOMAIN §1 funding table).
    Example: 年度资金总额 500,000元 but 当年财政拨款 450,000元 with nothing else.
    How to fix: correct the row that was mistyped so the sources add up to the total.
    """
    rows = {r.label: r for r in form.funding.rows}
    total = rows.get("年度资金总额")
    parts = [rows[p] for p in _PARTS if p in rows]
    if total is None or not parts:
        return
    for attr, label in _COLUMNS:
        whole = getattr(total, attr)
        values = [getattr(p, attr) for p in parts]
        if whole is None or all(v is None for v in values):
            continue
        added = sum(v or 0.0 for v in values)
        if abs(added - whole) > _tolerance(form.funding, whole):
            yield hit(field=f"funding.rows.{attr}", column=label, parts=money(added), total=money(whole))


@check(
    "PF107", "overspent", title="支出超预算", category="arithmetic", severity="error",
    message="全年执行数{executed}超过全年预算数{budget}（执行率{rate}），支出超预算需说明资金来源。",
    suggestion="说明超预算支出的资金来源。",
)
def overspent(form: Form, ctx: Context):
    """What it checks: 全年执行数 above 全年预算数.
    Why it matters: spending beyond the adjusted budget breaks budget discipline
    (财预〔2020〕10号 budget execution); it is either a typo or an unapproved overspend.
    Example: 全年预算数 100,000元, 全年执行数 120,000元.
    How to fix: check the amounts; if the spending is real, show the budget adjustment.
    """
    f = form.funding
    if f.executed is None or f.annual_budget is None:
        return
    if f.executed > f.annual_budget + _tolerance(f, f.annual_budget):
        rate = execution_rate(f)
        yield hit(field="funding.executed", executed=money(f.executed), budget=money(f.annual_budget),
                  rate=f"{fmt(rate)}%" if rate is not None else "无法计算")


@check(
    "PF108", "budget-change-unexplained", title="预算调整未说明原因", category="arithmetic", severity="warning",
    message="年初预算数{initial}调整为全年预算数{budget}（{change}），表中未说明调整原因。",
    suggestion="补充说明预算调整的原因和依据。",
)
def budget_change_unexplained(form: Form, ctx: Context):
    """What it checks: a large in-year budget change (from 0, to 0, or by a factor of 8 or
    more; `ratio` in the policy) with no word of adjustment anywhere on the form.
    Why it matters: a project funded from nothing mid-year, or cut to a fraction, had its
    targets set for another budget; reviewers ask why (local practice).
    Example: 年初预算数 0元, 全年预算数 20,673,921.52元, no explanation.
    How to fix: explain the adjustment (追加/调减/收回) and whether the targets were revised.
    """
    f = form.funding
    a, b = f.initial_budget, f.annual_budget
    if a is None or b is None or (a == 0 and b == 0):
        return
    ratio = float(ctx.get("ratio", 8))
    if a == 0:
        change = "年初无预算"
    elif b == 0:
        change = "全年预算调减为0"
    elif max(a, b) / min(a, b) >= ratio:
        change = f"变动{fmt(b / a)}倍"
    else:
        return
    if not _EXPLAINED.search(ctx.narrative):
        yield hit(field="funding.annual_budget", initial=money(a), budget=money(b), change=change)


@check(
    "PF109", "project-amount-mismatch", title="项目金额与预算数不一致", category="arithmetic", severity="info",
    message="项目金额{amount}与全年预算数{budget}不一致；如为多年总金额请注明，否则请核对。",
)
def project_amount_mismatch(form: Form, ctx: Context):
    """What it checks: the header's 项目金额 against the funding table's budget.
    Why it matters: 项目金额 may be the multi-year project total, so this is information,
    but it is also where a mistyped budget shows first (local practice, 003 layout).
    Example: 项目金额 1,000,000元, 全年预算数 850,000元.
    How to fix: confirm which figure is the year's budget; note a multi-year total as such.
    """
    f = form.funding
    if f.project_amount is None or f.annual_budget is None:
        return
    tol = _tolerance(f, f.annual_budget)
    if all(abs(f.project_amount - v) > tol for v in (f.annual_budget, f.initial_budget) if v is not None):
        yield hit(field="funding.project_amount", amount=money(f.project_amount), budget=money(f.annual_budget))
