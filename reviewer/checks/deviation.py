"""Deviation reasons: 偏差原因分析及改进措施 (DOMAIN §3 rule 8, §4 placeholder text)."""

from __future__ import annotations

import re
from collections import defaultdict

from reviewer.checks.common import Context, norm, target_met
from reviewer.checks.registry import check, hit
from reviewer.domain.model import Form

_PLACEHOLDER = re.compile(
    r"[根按依]据?实际情况填写|按实际填写|请填写|此处填写|填写说明|限\d+字|XX|××|导入模板|待填写|示例"
)
_LABELS = re.compile(r"偏差原因(?:分析)?|改进措施|偏差愿意|原因|措施|[:：;；。，,\s无/—\-]")


def _empty_after_labels(text: str) -> bool:
    """"偏差原因：改进措施：" is headings without content."""
    return not _LABELS.sub("", text)


@check(
    "PF501", "deviation-missing", title="未填写偏差原因", category="deviation", severity="warning", uses_scores=True,
    message="“{name}”得分{score}低于分值{weight}，但未填写偏差原因分析及改进措施。",
    suggestion="在偏差原因分析及改进措施栏写明未达成原因和具体改进措施。",
)
def deviation_missing(form: Form, ctx: Context):
    """What it checks: a score below the weight with an empty 偏差原因分析及改进措施 (a met
    target cut silently is PF303's).
    Why it matters: 财预〔2020〕10号 and DOMAIN rule 8: whenever the score is below the
    weight the form must say why and what will change.
    Example: "免费印章"每月达到 | ≥3000套 | 2698套 | 5 → 4.5 | (blank).
    How to fix: explain the shortfall and the remedy.
    Facets: the row facets only (section, level2, target_form).
    """
    for i, row, _, _ in ctx.scored():
        if row.score >= row.weight - ctx.tol or row.deviation.strip():
            continue
        if target_met(ctx, i):
            continue  # PF303
        yield hit(i, "deviation")


@check(
    "PF502", "deviation-placeholder", title="偏差原因为模板文字", category="deviation", severity="warning", uses_scores=True,
    message="“{name}”的偏差原因是模板占位文字（“{text}”），不是实际原因。",
    suggestion="用实际原因和具体措施替换模板语句。",
)
def deviation_placeholder(form: Form, ctx: Context):
    """What it checks: template text in the deviation column instead of a reason
    ("偏差原因：根据实际情况填写", "（限200字以内）", headings with nothing after them).
    Why it matters: a placeholder is not a reason (DOMAIN §4); the score below the weight
    stays unexplained.
    Example: 偏差原因：根据实际情况填写改进措施：加强事中管理.
    How to fix: write what actually caused the deviation and the remedy.
    Facets: the row facets only (section, level2, target_form).
    """
    for i, row in enumerate(ctx.rows):
        text = row.deviation.strip()
        if not text:
            continue
        m = _PLACEHOLDER.search(text)
        if m or _empty_after_labels(text):
            yield hit(i, "deviation", text=m.group(0) if m else text[:30])


@check(
    "PF503", "deviation-boilerplate", title="偏差说明雷同", category="deviation", severity="info", uses_scores=True,
    message="同一段偏差说明（“{text}”）原样出现在{count}个指标上，未针对各指标说明原因。",
    suggestion="写明本项目具体的偏差原因和改进措施。",
)
def deviation_boilerplate(form: Form, ctx: Context):
    """What it checks: the same deviation text pasted on `min_rows` (default 3) or more rows.
    Why it matters: a reason copied to every row explains none of them (DOMAIN §4 placeholder
    text); each deviation has its own cause.
    Example: "偏差原因：指标值设置不合理改进措施：完善指标值设置" on five rows.
    How to fix: write the cause of each row's deviation.
    Facets: the row facets only (section, level2, target_form).
    """
    rows: dict[str, list[int]] = defaultdict(list)
    min_chars, min_rows = int(ctx.get("min_chars", 8)), int(ctx.get("min_rows", 3))
    for i, row in enumerate(ctx.rows):
        key = norm(row.deviation)
        if len(key) >= min_chars:
            rows[key].append(i)
    for group in rows.values():
        if len(group) >= min_rows:
            text = ctx.rows[group[0]].deviation.strip()
            yield hit(group[0], "deviation", text=text[:40] + ("…" if len(text) > 40 else ""), count=len(group))
