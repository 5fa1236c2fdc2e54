"""What a cell's text is, for the text-to-grid reader: a label, a level name, a number, a unit.

Everything the reader knows about forms comes from the one shared vocabulary
(reviewer/domain/vocabulary/*.toml: labels, levels, values); this module only gathers it
into the cue sets the reader matches against, normalises text for matching and answers
questions about one cell. A province's labels are added there, once, for every reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from reviewer.domain.values import comparator_symbol, is_unit as _is_unit
from reviewer.domain.vocabulary import depends_on_vocabulary, vocabulary
from reviewer.domain.vocabulary import label_key as vocabulary_key
from reviewer.extract.cleanup import unify_comparators

# Column kinds grouped by what their cells hold.
NUMERIC = frozenset({"weight", "score", "review_score", "weighted_score", "seq", "initial_budget",
                     "annual_budget", "executed"})
PERCENTISH = frozenset({"rate", "share"})
VALUE = frozenset({"target", "actual"})
LEVELS = frozenset({"level1", "level2"})
PROSE = frozenset({"text", "planned", "achieved"})

# The vocabulary's fields → the reader's column kinds (what the column's cells are like).
# Tables later in this list win a label two tables share: 实际完成情况 heads the goal's outcome.
_KINDS = (
    ("indicator_columns", {"weight_share": "share", "criteria": "text", "description": "text",
                           "deviation": "text", "remark": "text"}),
    ("funding_columns", {"execution_rate": "rate", "ignored": "text"}),
    ("goal_columns", {"planned": "planned", "actual": "achieved"}),
)

_SQUASH = re.compile(r"[\s*＊\u00a0\u3000]")
# Trailing bracketed notes of a label: (A) （万元） (10分) (B/A) (%) (20分*执行率).
_NOTE = re.compile(r"[（(][^（()）]{0,12}[)）]$|[（(][A-Za-z/]{1,4}[1lI]$")  # (B/A1: OCR read ")" as "1"
_POINTS = re.compile(r"[（(]\s*(?:特性指标)?\s*\d+(?:\.\d+)?\s*分?\s*[)）]$")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_NUMBER_POINTS = re.compile(r"^[+-]?\d+(?:\.\d+)?分$")
_PERCENT = re.compile(r"^[+-]?\d+(?:\.\d+)?\s*[%％]$")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Cues:
    columns: dict[str, str]  # squashed label → column kind
    column_keys: dict[str, str]  # the same, keyed as the vocabulary compares labels (no bracketed parts)
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
        return sorted(self.header_fields | self.funding | self.total | self.sections, key=lambda s: (-len(s), s))


@depends_on_vocabulary
@lru_cache(maxsize=1)
def cues() -> Cues:
    """The cue sets, gathered from the shared vocabulary. A label is one thing to this reader:
    a column label first (单位 heads a 度量单位 column), a total row's label before a funding
    row's (合计), and only the canonical category names are searched for inside running text
    (a short variant such as 数量 occurs in ordinary words)."""
    vocab = vocabulary()
    columns: dict[str, str] = {}
    for table, renamed in _KINDS:
        for field, labels in getattr(vocab, table).labels.items():
            for label in labels:
                columns[squash(label)] = renamed.get(field, field)
    total = frozenset(map(squash, vocab.sections.labels.get("total", [])))
    sections = frozenset(squash(label) for part in ("funding", "goal", "indicators")
                         for label in vocab.sections.labels.get(part, []))
    funding = frozenset(squash(label) for labels in vocab.funding_rows.labels.values() for label in labels)
    funding = (funding | frozenset(map(squash, vocab.funding_other_rows))) - total
    header_fields = frozenset(map(squash, vocab.header_labels())) - columns.keys() - total - funding
    values = vocab.values
    symbols = [w for w in {**values.comparators, **values.comparator_cells} if not re.search(r"[\u4e00-\u9fff]", w)]
    return Cues(
        columns=columns,
        column_keys={vocabulary_key(label): kind for label, kind in columns.items()},
        level1=vocab.level_spellings(1),
        level2=vocab.level_spellings(2),
        levels_in_text=tuple(sorted(set(vocab.level1_names + vocab.level2_names), key=lambda s: (-len(s), s))),  # longest first; ties by text, not by set order
        header_fields=header_fields,
        funding=funding,
        total=total,
        sections=sections - total,
        comparators=tuple(sorted(symbols, key=len, reverse=True)),
        comparator_words=tuple(w for w in values.comparators if w not in symbols),
        nature=frozenset(values.natures),
        units=frozenset(values.units + values.time_units + values.unit_cells),
        qualifiers=tuple(sorted(values.qualifiers, key=len, reverse=True)),
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


@depends_on_vocabulary
@lru_cache(maxsize=65536)
def column_kind(text: str) -> str | None:
    """The column kind a header cell names, or None when it names none."""
    key = label_key(text)
    if not key or len(key) > 16:
        return None
    c = cues()
    kind = c.columns.get(key)
    if kind is None:  # as the grid reader compares labels: "评(扣)分标准" is 评扣分标准
        kind = c.column_keys.get(vocabulary_key(text))
    return kind


@depends_on_vocabulary
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
    if key in c.header_fields or "/" in key and all(part in c.header_fields for part in key.split("/")):
        return "field"  # "单位名称/ 项目名称": a label naming either field
    if key in c.sections or squash(text).rstrip(":") in c.sections:
        return "section"
    return None


@depends_on_vocabulary
@lru_cache(maxsize=65536)
def level(text: str) -> str | None:
    """'level1' / 'level2' when the cell is a level name from the closed lists ("产出指标(50分)")."""
    key = _POINTS.sub("", squash(text)).rstrip(":")
    c = cues()
    if key in c.level1 and key not in c.level2 and key in c.levels_in_text:
        return "level1"
    if key in c.level2 and key not in c.level1:
        return "level2"
    if key in c.level1:  # 成本指标: level 1 in some forms, level 2 in others; 满意度 (a short
        return "level12"  # spelling) heads a level-1 group in one form, a level-2 in a rubric
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
    return bool(t) and comparator_symbol(t) is not None


def is_unit(text: str) -> bool:
    return _is_unit(text)


def is_nature(text: str) -> bool:
    return text.strip() in cues().nature


def has_digit(text: str) -> bool:
    return bool(_HAS_DIGIT.search(text))


def is_label(text: str) -> bool:
    return column_kind(text) is not None or row_label(text) is not None


_QUANTITY_END = re.compile(r"\d(?:\.\d+)?\s*\S{0,4}$")


@depends_on_vocabulary
@lru_cache(maxsize=65536)
def looks_quantity(text: str) -> bool:
    """A value as written: "≥90%", "4个", "100%有效", "2021年12月31日前", "不低于95%"."""
    t = unify_comparators(text.strip())
    c = cues()
    if t[:1].isdigit() or t.startswith(c.comparators) or t.startswith(tuple(c.comparator_words)):
        return True
    return bool(_QUANTITY_END.search(t)) and not t[:1].isalpha() or "%" in t
