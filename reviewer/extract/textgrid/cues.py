"""The cues of cues.toml, and what a cell's text is: a label, a level name, a number, a unit.

Everything the text-to-grid reader knows about forms comes from cues.toml; this module only
normalises text for matching and answers questions about one cell.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from reviewer.extract.cleanup import unify_comparators

# Column kinds (cues.toml [columns]) grouped by what their cells hold.
NUMERIC = frozenset({"weight", "score", "review_score", "weighted_score", "seq", "initial_budget",
                     "annual_budget", "executed"})
PERCENTISH = frozenset({"rate", "share"})
VALUE = frozenset({"target", "actual"})
LEVELS = frozenset({"level1", "level2"})
PROSE = frozenset({"text", "planned", "achieved"})

_SQUASH = re.compile(r"[\s*＊\u00a0\u3000]")
# Trailing bracketed notes of a label: (A) （万元） (10分) (B/A) (%) (20分*执行率).
_NOTE = re.compile(r"[（(][^（()）]{0,12}[)）]$")
_POINTS = re.compile(r"[（(]\s*(?:特性指标)?\s*\d+(?:\.\d+)?\s*分?\s*[)）]$")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_NUMBER_POINTS = re.compile(r"^[+-]?\d+(?:\.\d+)?分$")
_PERCENT = re.compile(r"^[+-]?\d+(?:\.\d+)?\s*[%％]$")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Cues:
    columns: dict[str, str]  # squashed label → column kind
    level1: frozenset[str]
    level2: frozenset[str]
    levels_in_text: tuple[str, ...]
    header_fields: frozenset[str]
    funding: frozenset[str]
    total: frozenset[str]
    sections: frozenset[str]
    comparators: tuple[str, ...]
    comparator_words: tuple[str, ...]
    nature: frozenset[str]
    units: frozenset[str]
    qualifiers: tuple[str, ...]

    def all_row_labels(self) -> list[str]:
        return sorted(self.header_fields | self.funding | self.total | self.sections, key=len, reverse=True)


@lru_cache(maxsize=1)
def cues() -> Cues:
    data = tomllib.loads(resources.files("reviewer.extract.textgrid").joinpath("cues.toml").read_text("utf-8"))
    columns = {squash(label): kind for kind, labels in data["columns"].items() for label in labels}
    levels, rows, values = data["levels"], data["rows"], data["values"]
    return Cues(
        columns=columns,
        level1=frozenset(map(squash, levels["level1"])),
        level2=frozenset(map(squash, levels["level2"])),
        levels_in_text=tuple(sorted(levels["in_text"], key=len, reverse=True)),
        header_fields=frozenset(map(squash, rows["header_fields"])),
        funding=frozenset(map(squash, rows["funding"])),
        total=frozenset(map(squash, rows["total"])),
        sections=frozenset(map(squash, rows["sections"])),
        comparators=tuple(sorted(values["comparators"], key=len, reverse=True)),
        comparator_words=tuple(values["comparator_words"]),
        nature=frozenset(values["nature"]),
        units=frozenset(values["units"]),
        qualifiers=tuple(sorted(values["qualifiers"], key=len, reverse=True)),
    )


@lru_cache(maxsize=65536)
def squash(text: str) -> str:
    """Text for label matching: no spaces or "*" marks, ASCII brackets and colon."""
    t = _SQUASH.sub("", text).replace("（", "(").replace("）", ")").replace("：", ":")
    return t


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """A label cell without its trailing colon and bracketed notes: "年初预算数(A)" → "年初预算数"."""
    t = squash(text).rstrip(":")
    for _ in range(3):
        stripped = _NOTE.sub("", t).rstrip(":")
        if stripped == t or not stripped:
            break
        t = stripped
    return t


@lru_cache(maxsize=65536)
def column_kind(text: str) -> str | None:
    """The column kind a header cell names, or None when it names none."""
    key = label_key(text)
    if not key or len(key) > 16:
        return None
    kind = cues().columns.get(key)
    if kind is None and key.startswith("其中:"):
        return None
    return kind


@lru_cache(maxsize=65536)
def row_label(text: str) -> str | None:
    """'field' / 'funding' / 'total' / 'section' when the cell is a label that starts a row."""
    c = cues()
    key = label_key(text)
    bare = key.removeprefix("其中:")
    if key in c.funding or bare in c.funding:
        return "funding"
    if key in c.total:
        return "total"
    if key in c.header_fields:
        return "field"
    if key in c.sections or squash(text).rstrip(":") in c.sections:
        return "section"
    return None


@lru_cache(maxsize=65536)
def level(text: str) -> str | None:
    """'level1' / 'level2' when the cell is a level name from the closed lists ("产出指标(50分)")."""
    key = _POINTS.sub("", squash(text)).rstrip(":")
    c = cues()
    if key in c.level1 and key not in c.level2:
        return "level1"
    if key in c.level2 and key not in c.level1:
        return "level2"
    if key in c.level1:  # 成本指标, 满意度指标: level 1 in some forms, level 2 in others
        return "level12"
    return None


@lru_cache(maxsize=65536)
def has_points(text: str) -> bool:
    """A category written with its points: "规划 (15分)", "(20分)"."""
    return bool(_POINTS.search(squash(text)))


def is_number(text: str) -> bool:
    t = text.strip()
    return bool(_NUMBER.match(t) or _NUMBER_POINTS.match(t))


def is_percent(text: str) -> bool:
    return bool(_PERCENT.match(text.strip()))


@lru_cache(maxsize=65536)
def is_comparator(text: str) -> bool:
    t = unify_comparators(text.strip())
    return bool(t) and (t in cues().comparators or t in cues().comparator_words)


def is_unit(text: str) -> bool:
    return text.strip() in cues().units


def is_nature(text: str) -> bool:
    return text.strip() in cues().nature


def has_digit(text: str) -> bool:
    return bool(_HAS_DIGIT.search(text))


def is_label(text: str) -> bool:
    return column_kind(text) is not None or row_label(text) is not None


_QUANTITY_END = re.compile(r"\d(?:\.\d+)?\s*\S{0,4}$")


@lru_cache(maxsize=65536)
def looks_quantity(text: str) -> bool:
    """A value as written: "≥90%", "4个", "100%有效", "2021年12月31日前", "不低于95%"."""
    t = unify_comparators(text.strip())
    c = cues()
    if t[:1].isdigit() or t.startswith(c.comparators) or t.startswith(tuple(c.comparator_words)):
        return True
    return bool(_QUANTITY_END.search(t)) and not t[:1].isalpha() or "%" in t
