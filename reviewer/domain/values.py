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

from reviewer.domain.vocabulary import depends_on_vocabulary, vocabulary

ValueKind = Literal["empty", "not_applicable", "number", "date", "period", "qualitative"]

NOT_APPLICABLE_WORDS = ("不适用", "无此项")
_NUMBER = r"(\d+(?:\.\d+)?)"
_DATE = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月)?\s*(?:(\d{1,2})\s*日)?\s*(底|末)?\s*(前|之前|以前)?")
_RECURRING = re.compile(r"每(?:年|季度?|月|周|日|天)|次月|当月|当日|当天|季度末|月底|年底|年末")
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_BARE_YEAR = re.compile(r"^(\d{4})年(?:度)?(?:内|底前|年底前|以内|之内|完成)?$")
_WITHIN = re.compile(r"(?:以内|之内|内|前)")
_EMPTY = frozenset(("—", "-", "/", "——", "无", "－", "／", "-/-"))
_SPACES = re.compile(r"\s+")


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


class _Spellings:
    """The vocabulary's value spellings (values.toml), compiled once."""

    def __init__(self):
        values = vocabulary().values
        self.comparators = list(values.comparators.items())  # searched in order: longer spellings first
        self.suffix = values.suffix_comparators
        self.suffix_re = re.compile(
            "(" + "|".join(re.escape(w) for w in sorted(self.suffix, key=len, reverse=True)) + r")\s*$")
        self.time_units = frozenset(values.time_units)
        units = values.units + values.time_units
        self.quantity = re.compile(_NUMBER + r"\s*(" + "|".join(sorted(map(re.escape, units), key=len, reverse=True))
                                   + r")?")
        # Whole cells that are a comparator, keyed by their NFKC spelling without spaces; the first spelling wins.
        cells = {unicodedata.normalize("NFKC", w): sym for w, sym in reversed(self.comparators)}
        self.comparator_cells = cells | {unicodedata.normalize("NFKC", w): sym
                                         for w, sym in values.comparator_cells.items()}
        self.unit_cells = frozenset(units + values.unit_cells)


@depends_on_vocabulary
@lru_cache(maxsize=1)
def spellings() -> _Spellings:
    return _Spellings()


def _comparator(text: str) -> str | None:
    known = spellings()
    for word, symbol in known.comparators:
        if word in text:
            return symbol
    m = known.suffix_re.search(text)
    return known.suffix[m.group(1)] if m else None


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
    t = _SPACES.sub("", t)
    return _THOUSANDS.sub("", t)


def parse_value(text: str | None) -> Value:
    raw = text or ""
    return _parse(raw).model_copy() if raw else Value(text="", kind="empty")


def parse_value_shared(text: str | None) -> Value:
    """parse_value without the copy, for hot loops: the result is shared, never mutate it."""
    return _parse(text or "")


@depends_on_vocabulary
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
    q = spellings().quantity.search(t)
    if q:
        number: float | None = float(q.group(1))
        unit = q.group(2)
        if not legible_number(number):
            number = None  # a quantity, but not one a number can be read from
        comparator = _comparator(t)
        if unit in spellings().time_units and _WITHIN.match(t, q.end()):
            return Value(text=raw, kind="period", comparator="<=", number=number, unit=unit)
        return Value(text=raw, kind="number", comparator=comparator, number=number, unit=unit)
    if _RECURRING.search(t):
        return Value(text=raw, kind="period", comparator="<=")
    return Value(text=raw, kind="qualitative")




@depends_on_vocabulary
@lru_cache(maxsize=8192)  # asked for every 指标性质 / 符号 cell
def comparator_symbol(text: str) -> str | None:
    """The comparator a whole cell is ("≥", "≧", ">=", "大于等于" → ">="), or None: the
    指标性质 / 符号 column of a form that splits its target."""
    return spellings().comparator_cells.get(_SPACES.sub("", unicodedata.normalize("NFKC", text)))


@depends_on_vocabulary
@lru_cache(maxsize=65536)  # asked for every token of every row
def is_unit(text: str) -> bool:
    """Whether a whole cell is a unit of measure ("%", "个", "万元"): the 度量单位 column."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)) in spellings().unit_cells
