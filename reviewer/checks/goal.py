"""Goal and outcome, the deterministic part (DOMAIN §6): copies, payment-only outcomes,
contradicting numbers, pasted text, other years."""

from __future__ import annotations

import re
from operator import add

from reviewer.checks.common import COUNT_UNITS, Context, fmt, norm
from reviewer.checks.registry import check, hit
from reviewer.domain.model import Form

_CLAUSE = re.compile(r"[，,。；;！!]")
_PAYMENT = re.compile(r"支付|拨付|付款|资金.{0,4}(?:使用|支出|发放)|费用支出|款项")
_FILLER = re.compile(r"^(?:根据|按照|依据|按)[^，,。]{0,20}(?:情况|需要|要求|安排|计划|规定)(?:和需要)?$|^(?:并且?|同时)?按要求$")
_YEAR = re.compile(r"(20\d{2})\s*年")
_NUMBER_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(万人次|万人|人次|课时|学时|" + "|".join(sorted(COUNT_UNITS, key=len, reverse=True)) + ")")
_SPACES = re.compile(r"\s+")
_OUTCOME_PREFIX = re.compile(r"^20\d{2}年(?:度)?[，,]?(?:本(?:局|单位|中心|办|部门))?")


def _bigrams(text: str) -> set[str]:
    return set(map(add, text, text[1:]))  # text[i:i + 2] for every i, made in C


def _shared(grams: set[str], text: str) -> int:
    """How many of `grams` are bigrams of `text`: len(grams & _bigrams(text)). A bigram of
    text is a 2-character substring of it, and a substring test is faster than building the
    set for the short texts a goal usually is."""
    if len(text) > 256:
        return len(grams & _bigrams(text))
    return sum(map(text.__contains__, grams))


@check(
    "PF601", "outcome-copies-goal", title="完成情况照抄预期目标", category="goal-outcome", severity="warning", reports=True,
    message="实际完成情况基本照抄预期目标（{share}%的内容相同），未说明实际做了什么、达到什么结果。",
    suggestion="按实际完成情况填写，不应照抄预期目标。",
)
def outcome_copies_goal(form: Form, ctx: Context):
    """What it checks: an outcome (实际完成情况) whose text is mostly the goal's (share of
    its character pairs found in the goal ≥ `share`, default 0.85).
    Why it matters: a copied goal reports nothing; reviewers read the outcome against the
    goal to see what was achieved (DOMAIN §6).
    Example: goal "完成社会工作服务，维护辖区社会稳定"; outcome "完成了社会工作服务，维护了辖区社会稳定".
    How to fix: report the measured results: what was delivered, how many, to whom.
    """
    planned = norm(form.goal.planned)
    actual = _OUTCOME_PREFIX.sub("", norm(form.goal.actual))
    if len(actual) < 10 or len(planned) < 10:
        return
    grams = _bigrams(actual)
    share = _shared(grams, planned) / len(grams)
    if share >= float(ctx.get("share", 0.85)):
        yield hit(field="goal.actual", share=fmt(share * 100))


@check(
    "PF602", "outcome-only-payment", title="完成情况只写资金支付", category="goal-outcome", severity="warning", reports=True,
    message="实际完成情况只说明了资金支付（“{text}”），没有说明项目产出和效果。",
    suggestion="说明资金支付后实际完成的产出和效果。",
)
def outcome_only_payment(form: Form, ctx: Context):
    """What it checks: an outcome whose every clause is about paying the money (or a filler
    such as "根据实际工作需要").
    Why it matters: paying is not achieving (DOMAIN §6, seen in 002: "完成该项目资金的支付");
    the form must say what the money produced.
    Example: 根据实际工作开展情况完成该项目资金的支付。
    How to fix: describe the outputs and effects, with the figures from the indicator table.
    """
    text = form.goal.actual.strip()
    clauses = [c.strip() for c in _CLAUSE.split(text) if c.strip()]
    if not clauses or not any(_PAYMENT.search(c) for c in clauses):
        return
    if all(_PAYMENT.search(c) or _FILLER.search(c) for c in clauses):
        yield hit(field="goal.actual", text=text[:60])


def _key_phrase(name: str, text: str, shortest: int = 4) -> int | None:
    """End position in `text` of the longest piece of `name` found there (≥ `shortest` chars)."""
    name = norm(name)
    for size in range(min(len(name), 12), shortest - 1, -1):
        for start in range(len(name) - size + 1):
            at = text.find(name[start:start + size])
            if at >= 0:
                return at + size
    return None


@check(
    "PF603", "outcome-numbers-contradict", title="完成情况与指标实际值矛盾", category="goal-outcome", severity="warning",
    message="实际完成情况写“{said}”，与指标“{name}”的实际完成值{actual}不一致。",
    suggestion="核对完成情况文字与指标表中的数字。",
)
def outcome_numbers_contradict(form: Form, ctx: Context):
    """What it checks: a count in the outcome text, next to the words of an indicator's name,
    that differs from that indicator's actual value.
    Why it matters: the narrative and the table describe the same year; two different
    figures mean one of them is wrong (DOMAIN §6).
    Example: outcome "补贴发放有12人"; indicator 疫情防控补贴发放人数 | 17人 | 44人.
    How to fix: make the outcome text and the indicator table state the same figure.
    Facets: the row facets only (section, level2, target_form).
    """
    text = _SPACES.sub("", form.goal.actual)
    if not text:
        return
    window = int(ctx.get("window", 12))
    for i, row, _, actual in ctx.live():
        if actual.kind != "number" or actual.unit not in COUNT_UNITS:
            continue
        end = _key_phrase(row.name, text)
        if end is None:
            continue
        m = _NUMBER_UNIT.search(text, end, end + window)
        if m and m.group(2) == actual.unit and float(m.group(1)) != actual.number:
            yield hit(i, "actual", said=m.group(0))


def _pasted_twice(text: str, size: int) -> str | None:
    """A clause (between punctuation) of `size` or more characters that appears twice."""
    seen: set[str] = set()
    for clause in _CLAUSE.split(text):
        if len(clause) >= size:
            if clause in seen:
                return clause
            seen.add(clause)
    return None


@check(
    "PF604", "text-pasted-twice", title="文字重复粘贴", category="goal-outcome", severity="warning", reports=True,
    message="{where}中有一段文字重复出现（“{text}…”），疑似粘贴了两次。",
    suggestion="删除重复粘贴的内容。",
)
def text_pasted_twice(form: Form, ctx: Context):
    """What it checks: the same clause (text between punctuation) of `min_chars` (default 12)
    characters or more twice in the goal or the outcome.
    Why it matters: a goal pasted twice, or with last year's plan appended, is a sign the
    text was not read before filing (DOMAIN §6).
    Example: 预期目标: "以“互联网+政务服务”为抓手，… 以“互联网+政务服务”为抓手，…".
    How to fix: delete the repeated text and check the goal says what this year's money is for.
    """
    size = int(ctx.get("min_chars", 12))
    for field, where, text in (("goal.planned", "预期目标", form.goal.planned), ("goal.actual", "实际完成情况", form.goal.actual)):
        piece = _pasted_twice(_SPACES.sub("", text), size)
        if piece:
            yield hit(field=field, where=where, text=piece)


@check(
    "PF605", "wrong-year", title="年份与自评年度不符", category="goal-outcome", severity="warning", reports=True,
    message="{where}提到{year}年，与自评年度{form_year}年不符。",
    suggestion="核对目标和完成情况所述年度。",
)
def wrong_year(form: Form, ctx: Context):
    """What it checks: a year in the goal, the outcome, or a timeliness target/actual that is
    not the form's year.
    Why it matters: a goal that refers to another year's work plan was copied forward
    (DOMAIN §6); a deadline in another year cannot be this year's target.
    Example: a 2022 form whose outcome begins "2021年，本局…".
    How to fix: state this year's goal and results, and this year's deadlines.
    Facets: value_field: target or actual when the year is in an indicator row's cell (a
    form-level finding has none).
    Also the row facets (section, level2, target_form).
    """
    if form.year is None:
        return
    allowed = {form.year + d for d in ctx.get("allow_offsets", [])} | {form.year}
    cells = [("goal.planned", "预期目标", None, form.goal.planned), ("goal.actual", "实际完成情况", None, form.goal.actual)]
    for i, row in enumerate(ctx.rows):
        if ctx.targets[i].kind == "date" or "时效" in row.level2:
            cells += [("target", "“{}”的年度指标值", i, row.target), ("actual", "“{}”的实际完成值", i, row.actual)]
    for field, where, index, text in cells:
        years = {int(y) for y in _YEAR.findall(text)} - allowed
        for year in sorted(years):  # a row's cell is named once a year is found in it
            yield hit(index, field, where=where if index is None else where.format(ctx.rows[index].name), year=year,
                      form_year=form.year, facets={"value_field": field} if index is not None else None)
