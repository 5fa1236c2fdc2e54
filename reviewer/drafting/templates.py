"""Template drafts: every finding becomes a reviewer-style comment, no model needed.

The wording is in prompts/comment.j2 and prompts/opinion_paragraph.j2, and each check's
own `suggestion` (declared with the check); this module decides where a finding belongs
(target, category) and what it costs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from reviewer.checks import Finding, FormReport, all_checks
from reviewer.drafting.comments import PARTS, DraftComment
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


def placement(finding: Finding) -> tuple[str, str]:
    """(target, category) of the comment a finding becomes."""
    field = finding.field
    if field.startswith("funding") or finding.category == "arithmetic" and finding.row is None and "total" not in field:
        return "funding", "funding"
    if finding.category == "goal-outcome" or field.startswith("goal"):
        return ("indicator" if finding.row is not None else "goal"), "goal_outcome"
    if finding.category == "deviation" or field.endswith("deviation"):
        return "deviation", "deviation_reason"
    if finding.row is not None:
        return _ON_INDICATOR.get(finding.category, ("indicator", "indicator_quality"))
    if field.startswith("indicators"):  # the indicator table as a whole (weights, missing sections)
        return "indicator", "indicator_quality" if finding.category == "indicator-quality" else "scoring"
    return "form", "scoring"


def template_comment(finding: Finding, form: Form) -> DraftComment:
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
        indicator_index=finding.row,
        indicator_name=finding.indicator.name if finding.indicator is not None else None,
        category=category,  # type: ignore[arg-type]
        severity=finding.severity if finding.severity in ("error", "warning", "info") else "warning",  # type: ignore[arg-type]
        text=text,
        # the checks' messages often carry their own advice ("建议改为…"): not said twice
        suggestion="" if re.search("建议|请", finding.message) else suggestion_for(finding.check),
        evidence=[],
        check_codes=[finding.check],
        reason=finding.reason,
        suggested_score=finding.suggested_score,
    )


@lru_cache(maxsize=None)
def suggestion_for(check: str) -> str:
    """The suggestion the check declares; "" for a code no check has."""
    registered = all_checks().get(check)
    return registered.suggestion if registered is not None else ""


def template_comments(form: Form, report: FormReport) -> list[DraftComment]:
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


def template_opinion(form: Form, report: FormReport, comments: list[DraftComment], checks_error: str | None = None) -> str:
    recomputed = report.recomputed
    return render_template(
        "opinion_paragraph.j2",
        name=f"“{form.name}”项目" if form.name else "该项目",
        declared=None if form.total_score is None else fmt_number(form.total_score),
        total=None if recomputed.suggested_total is None else fmt_number(recomputed.suggested_total),
        grade=recomputed.grade,
        provisional=recomputed.provisional,
        checks_error=checks_error,
        groups=problem_groups(comments),
        notes=sum(1 for c in comments if c.severity == "info"),
        ordinals=ORDINALS,
    ).strip()
