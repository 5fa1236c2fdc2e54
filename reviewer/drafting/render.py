"""Compact text renderings of a form and its findings for the prompt.

One line per indicator, indexed [i] with the 0-based index the reply must use;
不适用 rows of weight 0 are listed by index only. Form text is data: angle brackets
are turned into their full-width forms so nothing inside can close the <form> delimiter
(grounding compares quotes after NFKC, which maps them back).
"""

from __future__ import annotations

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


def _short_level(text: str) -> str:
    return as_data(text).removesuffix("指标") or "—"


def indicator_line(index: int, ind: Indicator) -> str:
    cells = [
        f"[{index}] {_short_level(ind.level1)}/{_short_level(ind.level2)}",
        as_data(ind.name) or "—",
        as_data(ind.target) or "—",
        as_data(ind.actual) or "—",
        fmt_number(ind.weight),
        fmt_number(ind.score),
    ]
    if ind.deviation.strip():
        cells.append(as_data(ind.deviation))
    return FIELD_SEPARATOR.join(cells)


def is_placeholder_row(ind: Indicator) -> bool:
    return ind.not_applicable and not ind.weight and not ind.score


def render_form(form: Form) -> str:
    f = form.funding
    head = [
        f"项目名称: {as_data(form.name) or '—'}",
        f"项目编码: {as_data(form.code) or '—'}",
        f"年度: {form.year or '—'}",
        f"实施单位: {as_data(form.unit) or '—'}",
    ]
    lines = [FIELD_SEPARATOR.join(head)]
    if form.kind == "evaluation_report":
        lines.append("类型: 第三方绩效评价报告（附评分表）")
    lines.append(
        f"资金(元，原表单位{as_data(f.currency_unit)}): 年初预算数 {fmt_number(f.initial_budget)}"
        f" | 全年预算数 {fmt_number(f.annual_budget)} | 全年执行数 {fmt_number(f.executed)}"
        f" | 执行率(表内) {fmt_number(f.execution_rate)}% | 分值 {fmt_number(f.weight)} | 得分 {fmt_number(f.score)}"
    )
    lines.append(f"预期目标: {as_data(form.goal.planned) or '（未填写）'}")
    lines.append(f"实际完成情况: {as_data(form.goal.actual) or '（未填写）'}")
    lines.append("指标 [序号] 一级/二级 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施:")
    skipped = []
    for i, ind in enumerate(form.indicators):
        if is_placeholder_row(ind):
            skipped.append(str(i))
        else:
            lines.append(indicator_line(i, ind))
    if skipped:
        lines.append(f"（不适用、分值0的行: {', '.join(skipped)}）")
    if form.performance_targets:
        lines.append("绩效目标完成情况表（无分值）:")
        for ind in form.performance_targets:
            lines.append(f"- {as_data(ind.name)} | {as_data(ind.target) or '—'} | {as_data(ind.actual) or '—'}")
    if form.problems:
        lines.append("存在的问题:")
        lines.extend(f"- {as_data(p)}" for p in form.problems)
    lines.append(f"总分: 分值 {fmt_number(form.total_weight)} | 自评得分 {fmt_number(form.total_score)}")
    return "\n".join(lines)


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


def render_findings(report: FormReport, form: Form | None = None, checks_error: str | None = None) -> str:
    """The checks' results for the prompt; `checks_error`: why the checks did not run."""
    r = report.recomputed
    lines = [
        f"重新计算: 执行率 {fmt_number(r.execution_rate)}% | 预算执行得分 {fmt_number(r.budget_score)}"
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
