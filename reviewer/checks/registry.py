"""The check registry: every check is a plain function registered with `@check`.

A check takes (form, ctx) and yields `Hit`s: where the flaw is and the facts for its
message. Everything about a check is declared with it: code, name, title, category,
severity, message template, the reason category a human gives for the same cut
(reviewer.domain.reasons), the suggestion a template comment adds, and its documentation
(the docstring). The engine turns hits into findings; what a flaw costs is policy data
(default_policy.toml), never decided here.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from reviewer.domain.reasons import REASONS

CATEGORIES = {
    "arithmetic": "算术",
    "structure": "结构",
    "scoring": "评分",
    "indicator-quality": "指标质量",
    "deviation": "偏差说明",
    "goal-outcome": "目标与完成情况",
}
SEVERITIES = ("error", "warning", "info")
SEVERITY_TITLES = {"error": "错误", "warning": "警告", "info": "提示"}  # as a reviewer's outputs say them
DOC_HEADINGS = ("What it checks", "Why it matters", "Example", "How to fix")
# A check that can cut also documents, under this heading, the facets its findings carry:
# "name: what it is; name: …" (the row facets every indicator finding has are ROW_FACETS).
FACETS_HEADING = "Facets"
ROW_FACETS = {
    "section": "the row's level-1 category as a key (产出指标, 效益指标, 满意度指标, 成本指标)",
    "level2": "the row's level-2 category, as written without spaces (数量指标, 时效指标 …)",
    "target_form": "how the target is written: word, bare_one (1), fraction (0.9), number (no comparator), "
                   "compared (≥/≤/＝ a number), percent (100% with no comparator), date, period, empty",
}
_HEADING = re.compile(r"^(" + "|".join(DOC_HEADINGS + (FACETS_HEADING,)) + r"):\s*", re.M)


@dataclass(frozen=True)
class Hit:
    index: int | None = None  # row in the indicator table; None for a form-level finding
    field: str = ""  # e.g. "target", "score", "funding.execution_rate"
    expected: float | None = None  # the score the rule itself gives (used by `deduct = "rule"`)
    params: dict[str, Any] = dataclass_field(default_factory=dict)  # fills the message template
    facets: dict[str, Any] = dataclass_field(default_factory=dict)  # what a reviewer's decision turns on


def hit(index: int | None = None, field: str = "", expected: float | None = None,
        facets: dict[str, Any] | None = None, **params: Any) -> Hit:
    return Hit(index, field, expected, params, facets or {})


CheckFn = Callable[..., Iterator[Hit]]


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    category: str
    severity: str
    message: str  # Chinese template, str.format fields from the hit and the indicator row
    run: CheckFn
    uses_scores: bool  # judges declared scores/deviation notes/total: skipped in blind mode
    reports: bool  # also runs on evaluation reports (their 表1-2 target table)
    title: str = ""  # the check's Chinese title, as summaries and dashboards show it
    reason: str = "other"  # the reason category a human gives for the same cut (domain.reasons)
    suggestion: str = ""  # what a template comment advises, when the message itself does not

    @property
    def doc(self) -> dict[str, str]:
        return doc_sections(self.run)

    @property
    def facets(self) -> dict[str, str]:
        """The facets this check's findings carry, by name, as its docstring documents them."""
        return facet_docs(self.doc.get(FACETS_HEADING, ""))


CHECKS: dict[str, Check] = {}


def check(
    code: str,
    name: str,
    *,
    title: str = "",
    category: str,
    severity: str,
    message: str,
    uses_scores: bool = False,
    reports: bool = False,
    reason: str = "other",
    suggestion: str = "",
) -> Callable[[CheckFn], CheckFn]:
    if category not in CATEGORIES or severity not in SEVERITIES or reason not in REASONS:
        raise ValueError(f"{code}: unknown category {category!r}, severity {severity!r} or reason {reason!r}")

    def register(fn: CheckFn) -> CheckFn:
        if code in CHECKS:
            raise ValueError(f"duplicate check code {code}")
        CHECKS[code] = Check(code, name, category, severity, message, fn, uses_scores, reports, title, reason, suggestion)
        return fn

    return register


def doc_sections(fn: Callable) -> dict[str, str]:
    """The docstring split under its fixed headings: {"What it checks": "...", ...}."""
    doc = inspect.getdoc(fn) or ""
    parts = _HEADING.split(doc)
    return {parts[i]: " ".join(parts[i + 1].split()) for i in range(1, len(parts) - 1, 2)}


def facet_docs(section: str) -> dict[str, str]:
    """"word: the qualitative word; band: …" → {"word": "the qualitative word", "band": "…"}."""
    out = {}
    section = re.sub(r"\s*(?:Also )?the row facets[^.]*\.?", "", section)
    for part in re.split(r";\s+(?=[a-z_]+:)", section.strip()):
        name, _, text = part.partition(":")
        if name.strip() and re.fullmatch(r"[a-z_]+", name.strip()):
            out[name.strip()] = text.strip().rstrip(".")
    return out


def all_checks() -> dict[str, Check]:
    """Every registered check, by code (the package imports the whole catalogue first)."""
    return dict(sorted(CHECKS.items()))


def resolve(codes: list[str] | None) -> set[str]:
    """Codes for --select/--ignore: a full code (PF101), a prefix (PF1), a name or a category."""
    checks = all_checks()
    chosen: set[str] = set()
    for token in codes or []:
        token = token.strip()
        matched = {
            c.code for c in checks.values()
            if c.code.startswith(token.upper()) or token in (c.name, c.category)
        }
        if not token or not matched:
            raise ValueError(f"no check matches {token!r}")
        chosen |= matched
    return chosen


# The reason a finding of a check that declares none stands for, by keywords in its name
# (a code of another pipeline, a check not registered here).
_NAME_REASONS: list[tuple[str, str]] = [
    ("money_withdrawn", r"withdrawn|收回"),
    ("duplicate", r"duplicat|重复"),
    ("rate_as_number", r"rate[-_ ]as[-_ ]number|ratio[-_ ]as|bare[-_ ]number|比率"),
    ("not_quantified", r"not[-_ ]quantified|unquantified|qualitative|vague[-_ ]target|量化"),
    ("over_achieved", r"over[-_ ]?achiev|exceed|far[-_ ]above|超"),
    ("under_achieved", r"under[-_ ]?achiev|not[-_ ]met|missed|shortfall|未达"),
]


def check_reason(code: str, name: str = "") -> str:
    """The reason category a finding of this check stands for: the one the check declares,
    else the one its name says, else "other"."""
    registered = all_checks().get(code)
    if registered is not None:
        return registered.reason
    for category, pattern in _NAME_REASONS:
        if name and re.search(pattern, name, flags=re.IGNORECASE):
            return category
    return "other"
