"""Parse a written target or actual value ("≥90%", "4个", "2021年12月31日前", "有效").

The written text is always kept; the parse is added beside it and may be partial.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

ValueKind = Literal["empty", "not_applicable", "number", "date", "period", "qualitative"]

# Order matters: longer spellings first so "不低于" wins over "低于".
_COMPARATOR_WORDS: list[tuple[str, str]] = [
    ("≥", ">="), ("≧", ">="), (">=", ">="), ("＞=", ">="), ("不低于", ">="), ("不少于", ">="),
    ("不小于", ">="), ("大于等于", ">="), ("大于或等于", ">="), ("至少", ">="),
    ("≤", "<="), ("≦", "<="), ("<=", "<="), ("＜=", "<="), ("不超过", "<="), ("不高于", "<="),
    ("不多于", "<="), ("不大于", "<="), ("小于等于", "<="), ("小于或等于", "<="), ("控制在", "<="),
    ("＞", ">"), (">", ">"), ("高于", ">"), ("大于", ">"), ("超过", ">"), ("多于", ">"),
    ("＜", "<"), ("<", "<"), ("低于", "<"), ("小于", "<"), ("少于", "<"),
    ("＝", "="), ("=", "="), ("等于", "="),
]
_SUFFIX_COMPARATORS: list[tuple[str, str]] = [
    ("以上", ">="), ("及以上", ">="), ("以内", "<="), ("之内", "<="), ("以下", "<="), ("内", "<="),
    ("前", "<="), ("之前", "<="),
]
_SUFFIX_SYMBOL = dict(_SUFFIX_COMPARATORS)
_SUFFIX_RE = re.compile(
    "(" + "|".join(re.escape(w) for w, _ in sorted(_SUFFIX_COMPARATORS, key=lambda p: -len(p[0]))) + r")\s*$"
)
NOT_APPLICABLE_WORDS = ("不适用", "无此项")
_TIME_UNITS = ("个工作日", "工作日", "小时", "分钟", "天", "日", "周", "个月", "月", "年")
_UNITS = (
    "%", "‰", "万元", "亿元", "元", "万人次", "万人", "万件", "万份", "万次", "万户", "万册", "万条",
    "平方公里", "公顷", "亩", "千米", "人天", "人月", "人次", "人", "个", "次", "台", "套", "条", "份", "件", "项",
    "家", "场", "期", "篇", "本", "户", "名", "批", "座", "辆", "块", "张", "册", "所", "宗",
    "平方米", "米", "公里", "吨", "间", "课时", "学时", "单", "宗", "起", "部", "类", "款",
) + _TIME_UNITS

_NUMBER = r"(\d+(?:\.\d+)?)"
_DATE = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月)?\s*(?:(\d{1,2})\s*日)?\s*(底|末)?\s*(前|之前|以前)?")
_RECURRING = re.compile(r"每(?:年|季度?|月|周|日|天)|次月|当月|当日|当天|季度末|月底|年底|年末")
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_QUANTITY = re.compile(_NUMBER + r"\s*(" + _UNIT_RE + r")?")
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_BARE_YEAR = re.compile(r"^(\d{4})年(?:度)?(?:内|底前|年底前|以内|之内|完成)?$")
_WITHIN = re.compile(r"(?:以内|之内|内|前)")
_EMPTY = frozenset(("—", "-", "/", "——", "无", "－", "／", "-/-"))


# No number on a form has 16 digits before the point (10^15 yuan is several times China's
# yearly GDP), and beyond 15 digits a float no longer holds what was written (a 100-digit
# cell would become 1e100). Such numbers, and nan/inf, are illegible: left empty, never guessed.
MAX_INTEGER_DIGITS = 15
_LIMIT = 10**MAX_INTEGER_DIGITS
_PLAIN_DECIMAL = re.compile(r"[+-]?\d+(?:\.\d+)?")


def legible_number(x: float) -> bool:
    """A number a form can hold: finite, with at most 15 digits before the point."""
    return math.isfinite(x) and abs(x) < _LIMIT


def plain_decimal(text: str) -> Decimal | None:
    """A plain decimal as written ("1,898,430.00", "-3", "0.98"; thousands separators
    allowed), exactly; None for anything else: words, exponents, nan, inf, and numbers
    with more than 15 digits before the point."""
    t = text.strip().replace(",", "").replace("，", "")
    if not _PLAIN_DECIMAL.fullmatch(t):
        return None
    number = Decimal(t)
    return number if abs(number) < _LIMIT else None


class Value(BaseModel):
    text: str
    kind: ValueKind
    comparator: str | None = None  # ">=", ">", "<=", "<", "=" or None when not written
    number: float | None = None
    unit: str | None = None
    date: str | None = None  # ISO date for a deadline ("2021-12-31"), month/year precision padded

    @property
    def is_quantified(self) -> bool:
        return self.kind in ("number", "date", "period")


def _comparator(text: str) -> str | None:
    for word, symbol in _COMPARATOR_WORDS:
        if word in text:
            return symbol
    m = _SUFFIX_RE.search(text)
    return _SUFFIX_SYMBOL[m.group(1)] if m else None


def _date(text: str) -> Value | None:
    m = _DATE.search(text)
    if not m or not (m.group(2) or m.group(4) or m.group(5)):
        return None  # a bare "2022年" is a year mention, not a deadline
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    month_n = int(month) if month else 12
    day_n = int(day) if day else 0
    if not 1 <= month_n <= 12:
        return None
    iso = f"{year:04d}-{month_n:02d}" + (f"-{day_n:02d}" if day_n else "")
    comparator = "<=" if (m.group(5) or m.group(4)) else "="
    return Value(text=text, kind="date", comparator=comparator, date=iso)


def _normalise(raw: str) -> str:
    """One spelling for the same value: half-width forms, no spaces (OCR splits "0. 98"), no
    thousands separators."""
    t = unicodedata.normalize("NFKC", raw)
    t = re.sub(r"\s+", "", t)
    return _THOUSANDS.sub("", t)


def parse_value(text: str | None) -> Value:
    raw = text or ""
    return _parse(raw).model_copy() if raw else Value(text="", kind="empty")


def parse_value_shared(text: str | None) -> Value:
    """parse_value without the copy, for hot loops: the result is shared, never mutate it."""
    return _parse(text or "")


@lru_cache(maxsize=8192)
def _parse(raw: str) -> Value:
    """Cached: forms repeat the same few values ("100%", "≥90%", "不适用") thousands of times."""
    t = _normalise(raw)
    if not t or t in _EMPTY:
        return Value(text=raw, kind="empty")
    if any(w in t for w in NOT_APPLICABLE_WORDS):
        return Value(text=raw, kind="not_applicable")
    year = _BARE_YEAR.match(t)
    if year:  # "2022年" as a whole target means "within that year"
        return Value(text=raw, kind="date", comparator="<=", date=f"{int(year.group(1)):04d}-12")
    dated = _date(t)
    if dated:
        return dated.model_copy(update={"text": raw})
    q = _QUANTITY.search(t)
    if q:
        number: float | None = float(q.group(1))
        unit = q.group(2)
        if not legible_number(number):
            number = None  # a quantity, but not one a number can be read from
        comparator = _comparator(t)
        if unit in _TIME_UNITS and _WITHIN.match(t, q.end()):
            return Value(text=raw, kind="period", comparator="<=", number=number, unit=unit)
        return Value(text=raw, kind="number", comparator=comparator, number=number, unit=unit)
    if _RECURRING.search(t):
        return Value(text=raw, kind="period", comparator="<=")
    return Value(text=raw, kind="qualitative")



# A whole cell that is a comparator, keyed by its NFKC spelling without spaces.
_COMPARATOR_CELLS = {unicodedata.normalize("NFKC", w): sym for w, sym in reversed(_COMPARATOR_WORDS)} | {
    "═": "=", "==": "=", "=>": ">=", "=<": "<="}
_UNIT_CELLS = frozenset(_UNITS) | {"万", "亿", "人/次"}


def comparator_symbol(text: str) -> str | None:
    """The comparator a whole cell is ("≥", "≧", ">=", "大于等于" → ">="), or None: the
    指标性质 / 符号 column of a form that splits its target."""
    return _COMPARATOR_CELLS.get(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))


def is_unit(text: str) -> bool:
    """Whether a whole cell is a unit of measure ("%", "个", "万元"): the 度量单位 column."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)) in _UNIT_CELLS
