"""Template drafts: every finding becomes a reviewer-style comment, no model needed.

The wording is in prompts/comment.j2, prompts/suggestion.j2 and prompts/opinion_paragraph.j2;
this module decides where a finding belongs (target, category) and what it costs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from types import SimpleNamespace

from reviewer.drafting.comments import PARTS, DraftComment
from reviewer.drafting.findings import FindingView, ReportView
from reviewer.drafting.prompts import render_template
from reviewer.drafting.render import finding_deduction, fmt_number
from reviewer.domain.model import Form

ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
PROBLEMS_PER_PART = 3

# checks category -> (target when the finding is on an indicator, comment category)
_ON_INDICATOR = {
    "indicator-quality": ("indicator", "indicator_quality"),
    "scoring": ("indicator", "scoring"),
    "arithmetic": ("indicator", "scoring"),
    "structure": ("indicator", "scoring"),
    "deviation": ("deviation", "deviation_reason"),
    "goal-outcome": ("indicator", "goal_outcome"),
}


def placement(finding: FindingView) -> tuple[str, str]:
    """(target, category) of the comment a finding becomes."""
    field = finding.field
    if field.startswith("funding") or finding.category == "arithmetic" and finding.indicator_index is None and "total" not in field:
        return "funding", "funding"
    if finding.category == "goal-outcome" or field.startswith("goal"):
        return ("indicator" if finding.indicator_index is not None else "goal"), "goal_outcome"
    if finding.category == "deviation" or field.endswith("deviation"):
        return "deviation", "deviation_reason"
    if finding.indicator_index is not None:
        return _ON_INDICATOR.get(finding.category, ("indicator", "indicator_quality"))
    if field.startswith("indicators"):  # the indicator table as a whole (weights, missing sections)
        return "indicator", "indicator_quality" if finding.category == "indicator-quality" else "scoring"
    return "form", "scoring"


def eval_reason(finding: FindingView) -> str:
    from reviewer.evaluation.reasons import check_reason  # the evaluation's vocabulary

    return check_reason(finding.check, finding.name)


def template_comment(finding: FindingView, form: Form) -> DraftComment:
    target, category = placement(finding)
    deduction = finding_deduction(finding, form)
    text = render_template(
        "comment.j2",
        finding=finding,
        deduction=fmt_number(deduction) if deduction else None,
        suggested=fmt_number(finding.suggested_score),
    ).strip()
    return DraftComment(
        source="template",
        target=target,  # type: ignore[arg-type]
        indicator_index=finding.indicator_index,
        indicator_name=finding.indicator_name,
        category=category,  # type: ignore[arg-type]
        severity=finding.severity if finding.severity in ("error", "warning", "info") else "warning",  # type: ignore[arg-type]
        text=text,
        # the checks' messages often carry their own advice ("建议改为…"): not said twice
        suggestion="" if re.search("建议|请", finding.message) else suggestion_for(finding.check),
        evidence=[],
        check_codes=[finding.check],
        reason=eval_reason(finding),
        suggested_score=finding.suggested_score,
    )


@lru_cache(maxsize=None)
def suggestion_for(check: str) -> str:
    """suggestion.j2 depends on the check code alone: rendered once per code."""
    return render_template("suggestion.j2", finding=SimpleNamespace(check=check)).strip()


def template_comments(form: Form, report: ReportView) -> list[DraftComment]:
    return [template_comment(f, form) for f in report.findings]


def _headline(text: str) -> str:
    """The first clause of a comment, for the opinion's list of problems."""
    first = re.split(r"[。；]", text.strip(), maxsplit=1)[0]
    return first.strip("，, ")


def problem_groups(comments: list[DraftComment]) -> list[tuple[str, list[str]]]:
    """Problems by form part, in the order 资金, 目标, 指标, 偏差说明, 总体."""
    by_part: dict[str, list[str]] = {part: [] for part in PARTS}
    for c in comments:
        if c.severity == "info":
            continue
        line = _headline(c.text)
        if line and line not in by_part[c.part]:
            by_part[c.part].append(line)
    groups = []
    for part, lines in by_part.items():
        if not lines:
            continue
        shown = lines[:PROBLEMS_PER_PART]
        if len(lines) > PROBLEMS_PER_PART:
            shown[-1] += f"等{len(lines)}项问题"
        groups.append((part, shown))
    return groups


def template_opinion(form: Form, report: ReportView, comments: list[DraftComment]) -> str:
    return render_template(
        "opinion_paragraph.j2",
        name=f"“{form.name}”项目" if form.name else "该项目",
        declared=None if form.total_score is None else fmt_number(form.total_score),
        total=None if report.suggested_total is None else fmt_number(report.suggested_total),
        grade=report.grade,
        provisional=report.provisional,
        checks_error=report.error,
        groups=problem_groups(comments),
        notes=sum(1 for c in comments if c.severity == "info"),
        ordinals=ORDINALS,
    ).strip()
