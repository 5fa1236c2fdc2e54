"""Compact text renderings of a form and its findings for the prompt.

One line per indicator, indexed [i] with the 0-based index the reply must use;
不适用 rows of weight 0 are listed by index only. Form text is data: angle brackets
are turned into their full-width forms so nothing inside can close the <form> delimiter
(grounding compares quotes after NFKC, which maps them back).

Cells without content are marks, never a bare "—": HIDDEN for what blind mode removes on
purpose (scores, remarks, totals), EMPTY for what the form leaves empty. `shown_fields`
lists every cell as shown, with its place in the form: grounding maps quotes back by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.checks import Finding, FormReport
from reviewer.domain.model import Form, Indicator

FIELD_SEPARATOR = " | "


def fmt_number(value: float | None) -> str:
    """1898430.0 -> "1898430", 97.7123 -> "97.7123", None -> "—" (never scientific notation)."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def as_data(text: str | None) -> str:
    """Form text made safe inside the delimiters: one line, no angle brackets, no '|'."""
    text = " ".join((text or "").split())
    return text.replace("<", "＜").replace(">", "＞").replace("|", "｜")


# Cells that hold no content, as the prompt shows them: marked so that they cannot be
# taken for a value (a bare "—" was read as a score nobody filled in).
HIDDEN = "〔隐藏〕"  # blind mode: a human judgement removed on purpose (scores, remarks, totals)
EMPTY = "〔空〕"  # the form leaves the cell empty
MARKS = (HIDDEN, EMPTY)


@dataclass(frozen=True)
class ShownField:
    """One cell as the prompt shows it: where it is in the form, its label and its value."""

    path: str  # "funding.initial_budget", "indicators[3].target", "goal.actual"
    label: str  # what the prompt writes before the value ("年初预算数"), or the column's name
    value: str  # as shown: "65100", "99.77%", or a mark (HIDDEN / EMPTY)
    written: str = ""  # as written in the form, when it differs from the value shown

    @property
    def placeholder(self) -> bool:
        return self.value in MARKS

    @property
    def hidden(self) -> bool:
        return self.value == HIDDEN


def _text(path: str, label: str, text: str | None) -> ShownField:
    written, shown = text or "", as_data(text)
    return ShownField(path, label, shown or EMPTY, written if written != shown else "")


def _number(path: str, label: str, value: float | None, hidden: bool = False, unit: str = "") -> ShownField:
    if hidden:
        return ShownField(path, label, HIDDEN)
    return ShownField(path, label, EMPTY if value is None else f"{fmt_number(value)}{unit}")


def _level(ind: Indicator) -> str:
    return "/".join(as_data(t).removesuffix("指标") or EMPTY for t in (ind.level1, ind.level2))


def indicator_fields(index: int, ind: Indicator, hidden: bool = False) -> list[ShownField]:
    """The cells of an indicator line, in the column order of INDICATOR_HEADER."""
    at = f"indicators[{index}]"
    cells = [
        _text(f"{at}.name", "三级指标", ind.name),
        _text(f"{at}.target", "年度指标值", ind.target),
        _text(f"{at}.actual", "实际完成值", ind.actual),
        _number(f"{at}.weight", "分值", ind.weight),
        _number(f"{at}.score", "得分", ind.score, hidden),
    ]
    if hidden:
        cells.append(ShownField(f"{at}.deviation", "偏差原因分析及改进措施", HIDDEN))
    elif ind.deviation.strip():
        cells.append(_text(f"{at}.deviation", "偏差原因分析及改进措施", ind.deviation))
    return cells


INDICATOR_HEADER = "指标 [序号] 一级/二级 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施:"


def indicator_line(index: int, ind: Indicator, hidden: bool = False) -> str:
    cells = [f"[{index}] {_level(ind)}", *(c.value for c in indicator_fields(index, ind, hidden))]
    return FIELD_SEPARATOR.join(cells)


def is_placeholder_row(ind: Indicator) -> bool:
    return ind.not_applicable and not ind.weight and not ind.score


def head_fields(form: Form) -> list[ShownField]:
    return [
        _text("name", "项目名称", form.name),
        _text("code", "项目编码", form.code),
        _text("year", "年度", str(form.year or "")),
        _text("unit", "实施单位", form.unit),
    ]


def funding_fields(form: Form, hidden: bool = False) -> list[ShownField]:
    f = form.funding
    return [
        _number("funding.initial_budget", "年初预算数", f.initial_budget),
        _number("funding.annual_budget", "全年预算数", f.annual_budget),
        _number("funding.executed", "全年执行数", f.executed),
        _number("funding.execution_rate", "执行率(表内)", f.execution_rate, unit="%"),
        _number("funding.weight", "分值", f.weight),
        _number("funding.score", "得分", f.score, hidden),
    ]


def total_fields(form: Form, hidden: bool = False) -> list[ShownField]:
    return [_number("total_weight", "分值", form.total_weight), _number("total_score", "自评得分", form.total_score, hidden)]


def _labelled(fields: list[ShownField], sep: str = " ") -> str:
    return FIELD_SEPARATOR.join(f"{c.label}{sep}{c.value}" for c in fields)


def render_form(form: Form, hidden: bool = False) -> str:
    """The form for the prompt; hidden: blind mode, the human judgements shown as HIDDEN."""
    lines = [_labelled(head_fields(form), ": ")]
    if form.kind == "evaluation_report":
        lines.append("类型: 第三方绩效评价报告（附评分表）")
    lines.append(f"资金(元，原表单位{as_data(form.funding.currency_unit)}): {_labelled(funding_fields(form, hidden))}")
    lines.append(f"预期目标: {as_data(form.goal.planned) or EMPTY}")
    lines.append(f"实际完成情况: {as_data(form.goal.actual) or EMPTY}")
    lines.append(INDICATOR_HEADER)
    skipped = []
    for i, ind in enumerate(form.indicators):
        if is_placeholder_row(ind):
            skipped.append(str(i))
        else:
            lines.append(indicator_line(i, ind, hidden))
    if skipped:
        lines.append(f"（不适用、分值0的行: {', '.join(skipped)}）")
    if form.performance_targets:
        lines.append("绩效目标完成情况表（无分值）:")
        for ind in form.performance_targets:
            lines.append(f"- {as_data(ind.name)} | {as_data(ind.target) or EMPTY} | {as_data(ind.actual) or EMPTY}")
    if form.problems:
        lines.append("存在的问题:")
        lines.extend(f"- {as_data(p)}" for p in form.problems)
    lines.append(f"总分: {_labelled(total_fields(form, hidden))}")
    return "\n".join(lines)


def shown_fields(form: Form, hidden: bool = False) -> list[ShownField]:
    """Every cell render_form shows (and the cells it lists by index only), for grounding."""
    fields = head_fields(form) + funding_fields(form, hidden)
    fields += [_text("goal.planned", "预期目标", form.goal.planned), _text("goal.actual", "实际完成情况", form.goal.actual)]
    for i, ind in enumerate(form.indicators):
        at = f"indicators[{i}]"
        fields += [_text(f"{at}.level1", "一级指标", ind.level1), _text(f"{at}.level2", "二级指标", ind.level2)]
        fields += indicator_fields(i, ind, hidden)
    for i, ind in enumerate(form.performance_targets):
        at = f"performance_targets[{i}]"
        fields += [_text(f"{at}.name", "", ind.name), _text(f"{at}.target", "", ind.target), _text(f"{at}.actual", "", ind.actual)]
    fields += [_text(f"problems[{i}]", "", p) for i, p in enumerate(form.problems)]
    return fields + total_fields(form, hidden)


def finding_deduction(finding: Finding, form: Form | None) -> float | None:
    """Points the finding takes off the written score, when both are known."""
    index = finding.row
    if finding.suggested_score is None or index is None or form is None or not 0 <= index < len(form.indicators):
        return None
    written = form.indicators[index].score
    if written is None:
        return None
    deduction = round(written - finding.suggested_score, 4)
    return deduction if deduction > 0 else None  # a suggested raise is shown as the score only


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{fmt_number(value)}%"


def render_findings(report: FormReport, form: Form | None = None, checks_error: str | None = None) -> str:
    """The checks' results for the prompt; `checks_error`: why the checks did not run."""
    r = report.recomputed
    lines = [
        f"重新计算: 执行率 {_percent(r.execution_rate)} | 预算执行得分 {fmt_number(r.budget_score)}"
        f" | 建议总分 {fmt_number(r.suggested_total)} | 等级 {r.grade or '—'}"
    ]
    if r.basis:
        lines.append(f"（总分说明: {as_data(r.basis)}）")
    if checks_error:
        lines.append(f"（未运行自动检查: {as_data(checks_error)}）")
    for finding in report.findings:
        lines.append(finding_line(finding, form))
    if not report.findings:
        lines.append("（无自动检查发现）")
    return "\n".join(lines)


def finding_line(finding: Finding, form: Form | None = None) -> str:
    where = "表" if finding.row is None else f"指标[{finding.row}]"
    line = f"{finding.check} {finding.severity} {where}: {as_data(finding.message)}"
    if finding.suggested_score is not None:
        deduction = finding_deduction(finding, form)
        line += f"（建议得分 {fmt_number(finding.suggested_score)}"
        line += f"，扣 {fmt_number(deduction)} 分）" if deduction else "）"
    return line
