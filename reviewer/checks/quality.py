"""Indicator quality: how the targets and indicators are written (DOMAIN §4)."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from reviewer.checks.common import (
    BUDGET_EXEC, COUNT_UNITS, HIGHER_NAME, LOWER_NAME, RATE_NAME, SATISFACTION, TIMELY_LEVEL2, Context,
    level1_key, norm, target_form, unit_kind,
)
from reviewer.checks.registry import check, hit
from reviewer.domain.model import Form

_TIME_WORDS = re.compile(r"及时|时效|时间|时限|期限|进度|周期|按时|准时|响应|限时|时长|提前|逾期|延期|工作日|小时|天内|日前|月前|年底|当日|当天|次月")
_COST_WORDS = re.compile(r"成本|费用|资金|金额|支出|预算|价格|单价|经费|投入|节约|节支|控制|元")
_SATISFACTION_WORDS = re.compile(r"满意|投诉|评价|认可|好评|获得感")
_QUALITY_WORDS = re.compile(r"率|度|合格|达标|质量|准确|优良|标准|验收|规范|安全|完好")
_LEVEL2_OF = {
    "产出指标": re.compile(r"数量|质量|时效|成本"),
    "效益指标": re.compile(r"经济|社会|生态|可持续|效益"),
    "满意度指标": re.compile(r"满意"),
    "成本指标": re.compile(r"成本"),
}
_UNBOUNDED_RATE = re.compile(r"增长|增幅|增加|提高|提升|同比|环比|超额|倍|比上年|较上年")
_SURVEY = re.compile(r"问卷|调查|调研|测评|抽样|抽查|回访|访谈|评价表|样本|满意度调|电话访问|第三方")
# "购买书籍" and "购买书籍合格率" measure two aspects of one output, not the same thing twice.
_ASPECT = re.compile(r"^的?(?:工作)?(?:验收)?(?:完成)?(?:合格|完成|及时|覆盖|准确|达标|使用|知晓|参与|通过|满意|到位|执行)?(?:率|度|性|数量|人数|次数|时间)$")
_SENTENCE = re.compile(r"[，,。；;]")
_MONEY_UNITS = frozenset(("元", "万元", "亿元"))


@check(
    "PF401", "target-not-quantified", title="指标值未量化", category="indicator-quality", severity="warning", reports=True,
    message="“{name}”的年度指标值“{target}”未量化，指标值设置不合理，无法衡量完成程度；建议修改为百分比或具体数值（如≥90%）。",
    reason="not_quantified", suggestion="将年度指标值修改为可衡量的数值或百分比（如≥90%）。",
)
def target_not_quantified(form: Form, ctx: Context):
    """What it checks: a target that is a word, not a measurable value (有效, 有效保障,
    明显, 良好, 显著, 提升, 完成指标, 按需求结算, 满足工作所需 …). Timeliness rows are PF405's.
    Why it matters: 财预〔2020〕10号 requires targets to be specific and measurable; the
    seed reviewers cut 0.5 for "有效" and asked "建议修改为百分比" (DOMAIN §4, §5).
    Example: 提高政务服务水平 | 有效 | 100%.
    How to fix: replace the word with a value: "≥90%", "4个", "2024年12月31日前".
    Facets: word: the target as written without spaces or punctuation, at most 8 characters
    (有效, 有效保障, 按需求结算 …).
    Also the row facets (section, level2, target_form).
    """
    for i, row, target, _ in ctx.live():
        if target.kind == "qualitative" and not TIMELY_LEVEL2.search(row.level2):
            yield hit(i, "target", facets={"word": norm(row.target)[:8]})


@check(
    "PF402", "rate-as-bare-number", title="比率指标未写成百分比", category="indicator-quality", severity="warning", reports=True,
    message="“{name}”是比率指标，{label}写成“{value}”，不是百分比，指标值设置不合理；建议改成“{suggest}”。",
    reason="rate_as_number", suggestion="比率指标的年度指标值应写为百分比（如100%或≥90%）。",
)
def rate_as_bare_number(form: Form, ctx: Context):
    """What it checks: a rate indicator (its name ends in 率) whose target or actual is a bare
    number such as "1" or "0.9" instead of "100%" or "≥90%".
    Why it matters: a bare number is not a ratio ("不属于比率，建议改成100%", DOMAIN §4); the
    actual cannot be compared with it.
    Example: 信息系统故障维护及时率 | 1 | 100%.
    How to fix: write the rate as a percentage.
    Facets: value_field: target or actual, the cell written as a bare number; value_form:
    bare_one (1) or fraction (0.9).
    Also the row facets (section, level2, target_form).
    """
    for i, row, target, actual in ctx.live():
        if not (_bare_rate(target) or _bare_rate(actual)) or not RATE_NAME.search(row.name):
            continue  # the cells first: most rows have none to flag
        for value, field, label in ((target, "target", "年度指标值"), (actual, "actual", "实际完成值")):
            if _bare_rate(value):
                yield hit(i, field, label=label, value=value.text.strip(), suggest=f"{value.number * 100:g}%",
                          facets={"value_field": field, "value_form": target_form(value)})


def _bare_rate(value) -> bool:
    """A number written without a unit, 1 or less: "1", "0.9"."""
    return value.kind == "number" and value.unit is None and value.number is not None and value.number <= 1


@check(
    "PF403", "comparator-missing", title="指标值未写明比较符号", category="indicator-quality", severity="info", reports=True,
    message="“{name}”的年度指标值“{target}”没有写明≥、≤或＝，无法判断是下限、上限还是精确值。",
    reason="not_quantified", suggestion="在年度指标值前写明≥、≤或＝。",
)
def comparator_missing(form: Form, ctx: Context):
    """What it checks: a quantitative target written without a comparator ("22台" where
    "≥22台" was meant). 100%, 0 and periods are left alone: their meaning is plain.
    Why it matters: the comparator decides whether over- or under-achievement is the
    flaw and which scoring rule applies (DOMAIN §4, rules 4–5).
    Example: 采购彩色激光打印机 | 7台.
    How to fix: write "≥7台", "≤7台" or "＝7台".
    Facets: unit_kind: count (个, 次, 人 …), percent, money (元, 万元), time (天, 小时) or other.
    Also the row facets (section, level2, target_form).
    """
    for i, row, target, _ in ctx.live():
        if target.kind != "number" or target.comparator is not None or not target.number:
            continue
        if target.unit == "%" and target.number >= 100:
            continue
        yield hit(i, "target", facets={"unit_kind": unit_kind(target.unit)})


@check(
    "PF404", "wrong-direction", title="越低越好的指标方向错误", category="indicator-quality", severity="warning", reports=True,
    message="“{name}”是越低越好的指标（成本、投诉、故障类），年度指标值却写成“{target}”；应使用≤。",
    suggestion="成本、投诉、故障类指标应使用“≤”。",
)
def wrong_direction(form: Form, ctx: Context):
    """What it checks: a cost, complaint or failure indicator whose target uses ≥ or >.
    Why it matters: the target then rewards more complaints or higher cost (DOMAIN §4);
    the scoring rule that follows from it is inverted.
    Example: 信息系统故障率 | ≥2%.
    How to fix: write the ceiling: "≤2%".
    Facets: the row facets only (section, level2, target_form).
    """
    for i, row, target, _ in ctx.live():
        if target.comparator in (">=", ">") and LOWER_NAME.search(row.name) and not HIGHER_NAME.search(row.name):
            yield hit(i, "target")


@check(
    "PF405", "timeliness-not-dated", title="时效指标未写明时限", category="indicator-quality", severity="warning", reports=True,
    message="时效指标“{name}”的年度指标值“{target}”不是日期或时限，指标值设置不合理；建议写明完成时间（如“2024年12月31日前”“24小时内”）或修改为及时率百分比。",
    reason="not_quantified", suggestion="时效指标应写明完成时限（如“12月31日前”）。",
)
def timeliness_not_dated(form: Form, ctx: Context):
    """What it checks: a 时效指标 whose target is neither a date, a period nor a number
    ("及时", "规定时间内").
    Why it matters: timeliness must be checkable (财预〔2020〕10号); the seed reviewers cut
    0.5 for "及时" (DOMAIN §4, §5).
    Example: 采购工作完成及时性 | 及时 | 100%.
    How to fix: give a deadline, a time limit or a timeliness rate.
    Facets: word: the target as written without spaces or punctuation, at most 8 characters
    (及时, 按时, 规定时间内 …).
    Also the row facets (section, level2, target_form).
    """
    for i, row, target, _ in ctx.live():
        if TIMELY_LEVEL2.search(row.level2) and target.kind == "qualitative":
            yield hit(i, "target", facets={"word": norm(row.target)[:8]})


@lru_cache(maxsize=1024)  # a few template categories, asked for every row
def _outside(level1: str, level2: str) -> bool:
    """Whether a (non-empty) level-2 is not one of its level-1's."""
    expected = _LEVEL2_OF.get(level1)
    return bool(expected and not expected.search(level2))


def _category_problem(row, target, actual) -> tuple[str, str] | None:
    """(facet, message) of the row's misfiling, None when it is filed right."""
    level1, level2, name = level1_key(row.level1), norm(row.level2), row.name
    if level2 and _outside(level1, level2):
        return "level2_outside_level1", f"二级指标“{row.level2}”不属于{level1}"
    # (A unit is a str or None; None is in neither set.)
    if ("质量" in level2 and (target.unit in COUNT_UNITS or actual.unit in COUNT_UNITS)
            and not _QUALITY_WORDS.search(name)):
        return "count_under_quality", "数量类指标放在了质量指标下"
    if "时效" in level2 and target.kind not in ("date", "period") and not _TIME_WORDS.search(name):
        return "not_time", "指标内容与时效无关，不应放在时效指标下"
    if ("成本" in level2 + level1 and not _COST_WORDS.search(name)
            and target.unit not in _MONEY_UNITS and actual.unit not in _MONEY_UNITS):
        return "not_cost", "指标内容不是成本，不应放在成本指标下"
    if "满意" in level2 + level1 and not _SATISFACTION_WORDS.search(name):
        return "not_satisfaction", "指标内容不是满意度，不应放在满意度指标下"
    return None


@check(
    "PF406", "wrong-category", title="指标分类不当", category="indicator-quality", severity="warning", reports=True,
    message="“{name}”（{level1}/{level2}）分类不当：{problem}。",
    suggestion="将指标调整到相应的二级指标下。",
)
def wrong_category(form: Form, ctx: Context):
    """What it checks: an indicator under the wrong level-2 category: a level-2 that does not
    belong to its level-1, a count under 质量指标, something that is not about time under
    时效指标, a non-cost item under 成本指标, a non-satisfaction item under 满意度指标.
    Why it matters: the category decides what the indicator is supposed to prove (财预〔2020〕
    10号 indicator framework); misfiled indicators leave the real category empty (DOMAIN §4).
    Example: 质量指标 | 微信公众号宣传信息推送次数 | ＞1 | 21次.
    How to fix: move the row to the category it measures, or replace it.
    Facets: problem: level2_outside_level1, count_under_quality, not_time, not_cost or
    not_satisfaction.
    Also the row facets (section, level2, target_form).
    """
    for i, row, target, actual in ctx.live():
        problem = _category_problem(row, target, actual)
        if problem:
            yield hit(i, "level2", problem=problem[1], facets={"problem": problem[0]})


def _duplicate_groups(ctx: Context) -> list[tuple[str, list[int]]]:
    """(kind, rows) of each group of indicators that measure the same thing."""
    by_name: dict[str, list[int]] = defaultdict(list)
    budget_rows: list[int] = []
    for i, row, _, _ in ctx.live():
        by_name[norm(row.name)].append(i)
        if BUDGET_EXEC.search(row.name):
            budget_rows.append(i)
    groups = [("same_name", g) for key, g in by_name.items() if key and len(g) > 1]
    if len(budget_rows) > 1 and not any(set(budget_rows) <= set(g) for _, g in groups):
        groups.append(("budget_rates", budget_rows))
    return groups


@check(
    "PF407", "duplicate-indicator", title="指标重复", category="indicator-quality", severity="warning", reports=True,
    message="“{name}”与“{other}”衡量的是同一事项，与其他指标重复；建议删除此指标或合并。",
    reason="duplicate", suggestion="删除重复指标，保留一个。",
)
def duplicate_indicator(form: Form, ctx: Context):
    """What it checks: two indicators that measure the same thing: the same name twice, or
    two budget-execution rates (预算执行率, 支出进度达标率, 资金支付率 …). The row kept is the
    measurable one; the others are flagged.
    Why it matters: a duplicate scores the same achievement twice; the seed reviewers cut
    0.5 ("与其他指标重复 … 建议删除此指标", DOMAIN §5).
    Example: 预算成本执行率 | 不超预算 beside 支出进度达标率 | ＞90%.
    How to fix: delete the duplicate and give its weight to an indicator of results.
    Facets: duplicate: same_name (the same indicator twice) or budget_rates (two
    budget-execution rates).
    Also the row facets (section, level2, target_form).
    """
    for kind, group in _duplicate_groups(ctx):
        vague = [i for i in group if ctx.targets[i].kind not in ("number", "date", "period")]
        flagged = vague if 0 < len(vague) < len(group) else group[1:]
        for i in flagged:
            other = next(j for j in group if j != i)
            yield hit(i, "name", other=ctx.rows[other].name, facets={"duplicate": kind})


@check(
    "PF408", "budget-rate-indicator", title="以预算执行率作为产出指标", category="indicator-quality", severity="info", reports=True,
    message="“{name}”是预算执行率，与资金使用情况中的执行率重复，不宜作为产出指标；建议删除此指标。",
    reason="duplicate", suggestion="删除该指标，预算执行情况已在资金部分体现。",
)
def budget_rate_indicator(form: Form, ctx: Context):
    """What it checks: a budget execution rate (预算执行率, 支出进度达标率 …) used as an
    output or cost indicator.
    Why it matters: budget execution is already scored on the funding line (10 points);
    as an indicator it scores the same spending again instead of a result (DOMAIN §4).
    Example: 产出指标 | 成本指标 | 支出进度达标率 | ＞90%.
    How to fix: replace it with a cost indicator (unit cost, total cost ≤ budget) or a result.
    Facets: the row facets only (section, level2, target_form).
    """
    if form.kind == "evaluation_report":
        return  # a report's 预算执行率 row belongs to its management section
    for i, row, _, _ in ctx.live():
        if BUDGET_EXEC.search(row.name) and level1_key(row.level1) in ("产出指标", "成本指标"):
            yield hit(i, "name")


@check(
    "PF409", "overlapping-indicators", title="指标内容重叠", category="indicator-quality", severity="info", reports=True,
    message="“{name}”与“{other}”内容重叠（一个名称包含另一个），请确认是否重复计分。",
    reason="duplicate", suggestion="合并或删除内容重叠的指标。",
)
def overlapping_indicators(form: Form, ctx: Context):
    """What it checks: two indicators where one name contains the other
    (平台事件分拨完成合格率 inside 城区治理平台平台事件分拨完成合格率).
    Why it matters: overlapping indicators may score one achievement twice (DOMAIN §4
    duplicates); unlike PF407 this needs a reader's judgement.
    Example: 平台事件分拨及时率 and 城区治理平台事件分拨及时率.
    How to fix: merge them or make the scope of each explicit.
    Facets: the row facets only (section, level2, target_form).
    """
    names = [(i, norm(row.name)) for i, row, _, _ in ctx.live()]
    min_chars = int(ctx.get("min_chars", 6))
    every = "\n".join(name for _, name in names)  # no name holds a newline (norm drops spaces)
    for a, (i, short) in enumerate(names):
        if len(short) < min_chars or every.count(short) < 2:
            continue  # too short, or in no other name than its own
        for j, long in names[a + 1:] + names[:a]:  # the rows after, then the rows before
            if short != long and short in long and not _ASPECT.match(long.replace(short, "", 1)):
                yield hit(i, "name", other=ctx.rows[j].name)
                break


@check(
    "PF410", "name-too-long", title="指标名称过长", category="indicator-quality", severity="info", reports=True,
    message="指标名称“{name}”过长或是一句话（{length}字），应简明表述所衡量的事项。",
    suggestion="精简指标名称，只写所衡量的事项。",
)
def name_too_long(form: Form, ctx: Context):
    """What it checks: an indicator name longer than `max_chars` (default 30) or written as
    a sentence (with commas).
    Why it matters: the 004 evaluation report lists "指标名称冗长" as a problem; a sentence
    usually bundles several goals, none of them measurable (DOMAIN §4).
    Example: 保障系统运行，有效提高“依法、逐级、理性、有序”的信访秩序，确保社会和谐稳定，产生社会效益.
    How to fix: name the one thing measured: "系统正常运行率".
    Facets: the row facets only (section, level2, target_form).
    """
    limit = int(ctx.get("max_chars", 30))
    for i, row, _, _ in ctx.live():
        name = row.name.strip()
        if len(name) > limit or (len(name) > 12 and _SENTENCE.search(name)):
            yield hit(i, "name", length=len(name))


@check(
    "PF411", "satisfaction-no-survey", title="满意度无调查依据", category="indicator-quality", severity="info", reports=True,
    message="满意度指标“{name}”实际值{actual}，表中未说明调查方式或样本{equal}；请提供满意度调查依据。",
    suggestion="附满意度调查的方式、样本量和结果。",
)
def satisfaction_no_survey(form: Form, ctx: Context):
    """What it checks: a satisfaction indicator with a measured value but no word on the
    form of a survey (问卷, 调查, 回访, 抽样 …); it notes when the actual equals the
    threshold exactly.
    Why it matters: satisfaction without evidence is an assertion; 004's rubric treats it
    as 90% and deducts (DOMAIN §4).
    Example: 群众满意度 | ≥90% | 90%, nothing about how it was measured.
    How to fix: state the survey (method, sample size, result) in the outcome or the remarks.
    Facets: equal_to_target: true when the actual equals the threshold exactly.
    Also the row facets (section, level2, target_form).
    """
    if _SURVEY.search(ctx.narrative):
        return
    for i, row, target, actual in ctx.live():
        if actual.kind != "number":
            continue
        if not (SATISFACTION.search(row.name) and SATISFACTION.search(row.level1 + row.level2)):
            continue
        equal = "，且恰好等于目标值" if target.number is not None and actual.number == target.number else ""
        yield hit(i, "actual", equal=equal, facets={"equal_to_target": bool(equal)})


@check(
    "PF412", "percent-over-100", title="比率超过100%", category="indicator-quality", severity="error", reports=True,
    message="“{name}”的{label}为{value}，该比率不可能超过100%。",
    suggestion="百分比完成值不应超过100%，请核对。",
)
def percent_over_100(form: Form, ctx: Context):
    """What it checks: a completion, coverage, pass or satisfaction rate above 100%.
    Why it matters: such a rate is bounded by 100%; a higher value is a typo or a count
    written as a rate (DOMAIN §4). Growth rates are left alone.
    Example: 验收合格率 | 100% | 120%.
    How to fix: correct the value, or use a count indicator.
    Facets: value_field: target or actual, the rate written above 100%.
    Also the row facets (section, level2, target_form).
    """
    for i, row, target, actual in ctx.live():
        if not (_over_100(target) or _over_100(actual)):
            continue  # the cells first: most rows have none to flag
        if not RATE_NAME.search(row.name) and not SATISFACTION.search(row.name):
            continue
        if _UNBOUNDED_RATE.search(row.name):
            continue
        for value, field, label in ((target, "target", "年度指标值"), (actual, "actual", "实际完成值")):
            if _over_100(value):
                yield hit(i, field, label=label, value=value.text.strip(), facets={"value_field": field})


def _over_100(value) -> bool:
    return value.unit == "%" and value.number is not None and value.number > 100
