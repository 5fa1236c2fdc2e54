"""Small helpers shared by the layout parsers."""

from __future__ import annotations

import re

from reviewer.extract.assemble import form_id  # noqa: F401 - shared by the layouts

# Canonical funding-row labels, in form order.
FUND_TOTAL = "年度资金总额"
FUND_LABELS = (FUND_TOTAL, "当年财政拨款", "上年结转资金", "其他资金")
LEVEL1_WEIGHTS = {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def to_float(text: str | None) -> float | None:
    """A number as written ("1,898,430.00", "98.28", "98.28%"); None for —, blanks or words."""
    if text is None:
        return None
    t = text.strip().replace(",", "").replace("，", "").rstrip("%")
    return float(t) if _NUMBER.match(t) else None


def squash(text: str) -> str:
    """Join a cell wrapped over several lines: Chinese text has no spaces between lines."""
    return re.sub(r"\s*\n\s*", "", text).strip()
