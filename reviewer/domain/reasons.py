"""Why was an indicator cut? The reason categories, and how a human remark is read as one.

A human remark (the 偏差原因分析及改进措施 cell of a reviewed form, or a 存在的问题
entry of an evaluation report) is mapped to one category by the keyword table
`REMARK_KEYWORDS`: the first row whose pattern matches the remark wins, so the most
specific rows come first. Remarks that match no row fall back on the indicator's own
values (`value_reason`): a number target far exceeded is `over_achieved`, a number
target missed is `under_achieved` (the 001 reviewer cut "4个 → 110个" under a template
remark "根据实际情况填写"). What is still unmatched is `unit_explanation` when it reads
like the unit's own explanation (偏差原因/改进措施/根据实际...), else `other`.

A check declares its own category with the check (`@check(..., reason=...)` in
reviewer/checks); drafting and the evaluation read it off the finding.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from reviewer.domain.scoring import comparable
from reviewer.domain.values import parse_value

Reason = Literal[
    "not_quantified",
    "rate_as_number",
    "over_achieved",
    "under_achieved",
    "money_withdrawn",
    "duplicate",
    "unit_explanation",
    "other",
]
REASONS: tuple[str, ...] = get_args(Reason)

# (category, regular expression over the remark with all whitespace removed). Order matters.
REMARK_KEYWORDS: list[tuple[str, str]] = [
    # "不适用（财政收回）… 财政已收回": the money was withdrawn, every score is 0;
    # "经费已调剂", "指标调剂到信访事务项目": the money went to another project, same effect.
    ("money_withdrawn", r"财政(?:已)?收回|资金(?:已)?收回|已收回|收回资金|资金被收回|调剂"),
    # "…且与其他指标重复。建议删除此指标" (a duplicate wins over the unquantified wording beside it).
    ("duplicate", r"重复|建议删除|与其他指标"),
    # "不属于比率，建议改成100%": a 率 indicator written as a bare number.
    ("rate_as_number", r"不属于比率|不是比率|非比率|比率.{0,6}(?:数字|数值)|应为百分比|改成100%|改为100%"),
    # "指标值设置不合理 … 建议修改为百分比", "未量化", "无法衡量".
    (
        "not_quantified",
        r"建议(?:修改|改)(?:为|成)百分比|修改为百分比|改为百分比|未量化|不可量化|无法量化|量化|无法衡量|不可衡量"
        r"|可衡量|指标值设置不合理|指标值不合理|指标值设置不科学|定性",
    ),
    ("over_achieved", r"超额|超出|远超|远高于|大幅超|目标值?(?:设置)?(?:偏低|过低)|指标值(?:设置)?(?:偏低|过低)"),
    ("under_achieved", r"未达到|未达成|未完成|未能完成|没有完成|低于(?:目标|指标|预期)|完成率低|差距"),
]

# The unit's own explanation (template text or its reason for the deviation).
UNIT_EXPLANATION = r"偏差原因|改进措施|根据实际|按实际|实际需要|实际需求|实际情况"

# Over-achievement threshold used by the value fallback (DOMAIN §3.7: 1.2 × target is the
# lowest local threshold).
OVER_FACTOR = 1.2

def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def keyword_reasons(remark: str) -> list[str]:
    """Every category the keyword table names in the text, in table order (a comment that
    merges several flaws names several)."""
    text = _squash(remark)
    found = [category for category, pattern in REMARK_KEYWORDS if text and re.search(pattern, text)]
    return list(dict.fromkeys(found))


def keyword_reason(remark: str) -> str | None:
    """The category named by the keyword table (its first matching row), or None."""
    found = keyword_reasons(remark)
    return found[0] if found else None


def value_reason(target: str, actual: str) -> str | None:
    """over_achieved / under_achieved read off the values (when comparable, as the checks
    compare them: reviewer.domain.scoring.comparable), or None."""
    t, a = parse_value(target), parse_value(actual)
    if not comparable(t, a):
        return None
    assert t.number is not None and a.number is not None
    if t.comparator in ("<=", "<"):
        return "under_achieved" if a.number > t.number else None
    if t.number > 0 and a.number >= OVER_FACTOR * t.number:
        return "over_achieved"
    if a.number < t.number:
        return "under_achieved"
    return None


def remark_reason(remark: str, target: str = "", actual: str = "") -> tuple[str, str]:
    """(category, source) for a human remark on an indicator with this target/actual.

    source is "keyword" (the keyword table matched), "values" (the indicator's values
    decided) or "fallback" (unit_explanation / other).
    """
    found = keyword_reason(remark)
    if found:
        return found, "keyword"
    by_values = value_reason(target, actual)
    if by_values:
        return by_values, "values"
    if re.search(UNIT_EXPLANATION, _squash(remark)):
        return "unit_explanation", "fallback"
    return "other", "fallback"


def reason_table_markdown() -> str:
    """The keyword table as Markdown, for eval/README.md and reports."""
    lines = ["| category | remark matches (regex, whitespace removed) |", "|---|---|"]
    for category, pattern in REMARK_KEYWORDS:
        lines.append(f"| `{category}` | `{pattern.replace('|', '¦')}` |")
    lines.append(f"| `over_achieved` / `under_achieved` | no row matched and actual ≥ {OVER_FACTOR}×target / actual misses target |")
    lines.append(f"| `unit_explanation` | nothing above, remark matches `{UNIT_EXPLANATION.replace('|', '¦')}` |")
    lines.append("| `other` | anything else |")
    return "\n".join(lines)
