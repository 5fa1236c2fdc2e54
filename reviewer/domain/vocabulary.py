"""The words forms are written in, loaded from data: reviewer/domain/vocabulary/*.toml.

Level names and their variants (levels.toml), section labels, header-field labels and the
column labels of the funding, goal and indicator tables (labels.toml), how values are
written: comparators, units (values.toml). Every file in the
folder is read, and so is every *.toml in the folders named by $REVIEWER_VOCABULARY
(separated like PATH): a province's variants are a data file, not code. Files merge:
lists are appended, entries naming the same field or level are joined.

Labels are compared as keys (`label_key`): no spaces, stars, colons or bracketed parts.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_BRACKETED = re.compile(r"\([^()]*\)")
_KEY_NOISE = re.compile(r"[\s*:]")
# A category's points after its name: "(20分)", "（特性指标70分）", or unbracketed "项目决策 2 分".
_POINTS = re.compile(r"\s*(?:[（(][^()（）]*?\d+(?:\.\d+)?\s*分?\s*[)）]|(?<=[\u4e00-\u9fff])\s*\d+(?:\.\d+)?\s*分)\s*$")
_POINTS_END = (")", "）", "分")  # what every match of _POINTS ends with (before trailing spaces)
_SHORT = 2  # labels this short name a field only when the key equals them


@lru_cache(maxsize=16384)
def label_key(text: str) -> str:
    """A label cell as compared: "* 年度指标值(A)" → 年度指标值, "评(扣)分标准" → 评分标准."""
    t = unicodedata.normalize("NFKC", text)
    for _ in range(2):  # one level of nesting: "预算执行情况(万元)(20分)"
        t = _BRACKETED.sub("", t)
    return _KEY_NOISE.sub("", t)


def strip_points(text: str) -> str:
    """A category label without its points: "产出指标（50分）" → 产出指标; a label that is
    only points ("(20分)", its name lost) is kept as written."""
    stripped = text.strip()
    if not stripped.endswith(_POINTS_END):
        return stripped  # points end in 分 or a bracket: the pattern, tried at every position, cannot match
    return _POINTS.sub("", text).strip() or stripped


@lru_cache(maxsize=16384)
def level_key(text: str) -> str:
    """A level cell as compared: its points stripped, then as a label key. Every row's name is
    asked at both depths (is it a category?), so the key is worked out once."""
    return label_key(strip_points(text))


class Labels:
    """The labels of one table's columns (or of header fields, or funding rows) → field."""

    def __init__(self, entries: list[tuple[str, list[str]]]):
        self.fields = [name for name, _ in entries]
        self.labels = {name: list(labels) for name, labels in entries}
        self._exact: dict[str, str] = {}
        contained: list[tuple[str, str]] = []
        for name, labels in entries:
            for label in labels:
                key = label_key(label)
                self._exact.setdefault(key, name)
                if len(key) > _SHORT:
                    contained.append((key, name))
        self._contained = sorted(contained, key=lambda kv: -len(kv[0]))  # stable: file order breaks ties
        self._cache: dict[str, str | None] = {}

    def field(self, text: str) -> str | None:
        """The field a label cell names: its key equals a label, or holds the longest one."""
        key = label_key(text)
        if key in self._cache:
            return self._cache[key]
        found = self._exact.get(key)
        if found is None and key:
            found = next((name for label, name in self._contained if label in key), None)
        if len(self._cache) < 8192:
            self._cache[key] = found
        return found

    def exact(self, text: str) -> str | None:
        return self._exact.get(label_key(text))

    def prefix(self, text: str) -> tuple[str, str] | None:
        """(field, the label as its key) when the key starts with a label ("项目编码4403…")."""
        key = label_key(text)
        best = max((label for label in self._exact if key.startswith(label)), key=len, default=None)
        return (self._exact[best], best) if best else None


@dataclass(frozen=True)
class Level:
    name: str  # canonical: 产出指标, 数量指标 …
    depth: int  # 1 or 2
    parent: str | None = None  # a level-2's usual level-1
    weight: float | None = None  # a level-1's usual weight


class Vocabulary:
    def __init__(self, data: dict):
        header = dict(data.get("header", {}))
        self.header_other_written = tuple(header.pop("other", []))
        self.header_other = frozenset(label_key(x) for x in self.header_other_written)
        self.header = Labels(list(header.items()))
        titles = data.get("titles", {})
        self.title_words = tuple(titles.get("words", []))
        self.department_overall_words = tuple(titles.get("department_overall", []))
        self.project_words = tuple(titles.get("project", []))
        self.sections = Labels(list(data.get("sections", {}).items()))
        funding = data.get("funding", {})
        self.funding_rows = Labels(list(funding.get("rows", {}).items()))
        self.funding_columns = Labels(_columns(funding.get("columns", [])))
        self.goal_columns = Labels(_columns(data.get("goal", {}).get("columns", [])))
        indicators = data.get("indicators", {})
        self.indicator_columns = Labels(_columns(indicators.get("columns", [])))
        # A second name column's meaning beside the first (具体指标 beside 三级指标: its explanation).
        self.beside_name = Labels(list(indicators.get("beside_name", {}).items()))
        rows = indicators.get("rows", {})
        self.placeholder = re.compile("|".join(rows.get("placeholders", [])) or r"(?!)")
        # The template's numbering written before an indicator's name ("指标1:"): not the name's words.
        self.name_prefix = re.compile("|".join(rows.get("name_prefixes", [])) or r"(?!)")
        self.criteria_words = _any_of(rows.get("criteria_words", []))
        self.description_words = _any_of(rows.get("description_words", []))
        self.rubric_prose = re.compile("|".join(rows.get("rubric_prose", [])) or r"(?!)")
        self._levels: dict[int, dict[str, Level]] = {1: {}, 2: {}}
        spellings: list[str] = []
        for depth in (1, 2):
            for entry in data.get(f"level{depth}", []):
                level = Level(entry["name"], depth, entry.get("parent"), entry.get("weight"))
                for spelling in [entry["name"], *entry.get("variants", [])]:
                    self._levels[depth].setdefault(label_key(spelling), level)
                    spellings.append(spelling)
        # Every spelling of a category, as the data writes it (for readers that find level
        # cells inside running text).
        self.written_level_spellings = tuple(dict.fromkeys(spellings))
        # Instructions a template prints that are no part of the form (whole lines).
        self.template_hints = re.compile("|".join(data.get("template", {}).get("hints", [])) or r"(?!)")
        self._canonical: dict[tuple[str, int], str] = {}  # canonical_level's answers, level cells repeat
        self.level1_names = tuple(dict.fromkeys(lv.name for lv in self._levels[1].values()))
        self.level2_names = tuple(dict.fromkeys(lv.name for lv in self._levels[2].values()))
        # Funding rows of other templates (中央资金, 单位资金 …): funding rows, kept under their own label.
        self.funding_other_rows = tuple(funding.get("other_rows", []))
        self.values = Values(data.get("values", {}))

    def level_spellings(self, depth: int) -> frozenset[str]:
        """Every spelling (as a key) of the categories at `depth`: names and variants."""
        return frozenset(self._levels[depth])

    def header_labels(self) -> list[str]:
        """Every label of the form header, field or not (项目名称 … 联系电话), as written in the data."""
        return [label for labels in self.header.labels.values() for label in labels] + list(self.header_other_written)

    def level(self, text: str, depth: int) -> Level | None:
        """The category a level cell names at `depth`, its points and spacing ignored."""
        return self._levels[depth].get(level_key(text))

    def canonical_level(self, text: str, depth: int) -> str:
        """The cell's category in its canonical spelling when it is one, else as written
        (points stripped): "经济效益" → 经济效益指标, "服务对象满意度标" stays."""
        known = self._canonical.get((text, depth))
        if known is None:
            level = self.level(text, depth)
            known = level.name if level else strip_points(text)
            if len(self._canonical) < 8192:
                self._canonical[(text, depth)] = known
        return known

    def title_kind(self, text: str) -> str | None:
        if any(w in text for w in self.department_overall_words):
            return "department_overall"
        if any(w in text for w in self.project_words):
            return "self_evaluation"  # a project's form, rubric or not
        return None

    def is_title(self, text: str) -> bool:
        return any(w in text for w in self.title_words)


class Values:
    """How values are written (values.toml): comparators, units, words after a number."""

    def __init__(self, data: dict):
        self.comparators: dict[str, str] = dict(data.get("comparators", {}))  # spelling → ">=", "<=", …
        self.comparator_cells: dict[str, str] = dict(data.get("comparator_cells", {}))  # only as a whole cell
        self.suffix_comparators: dict[str, str] = dict(data.get("suffix_comparators", {}))
        self.units: tuple[str, ...] = tuple(data.get("units", []))
        self.unit_cells: tuple[str, ...] = tuple(data.get("unit_cells", []))
        self.time_units: tuple[str, ...] = tuple(data.get("time_units", []))
        self.qualifiers: tuple[str, ...] = tuple(data.get("qualifiers", []))
        self.natures: tuple[str, ...] = tuple(data.get("natures", []))
        self.one_character_values: tuple[str, ...] = tuple(data.get("one_character_values", []))


def _columns(entries: list[dict]) -> list[tuple[str, list[str]]]:
    merged: dict[str, list[str]] = {}
    for entry in entries:
        merged.setdefault(entry["field"], []).extend(entry.get("labels", []))
    return list(merged.items())


def _any_of(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, words)) or r"(?!)")


def _merge(into: dict, data: dict) -> None:
    """Lists are appended, tables merged key by key; arrays of tables are appended too
    (entries naming the same field or level are joined when the vocabulary is built)."""
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + value
        else:
            into[key] = value


def _merge_levels(entries: list[dict]) -> list[dict]:
    by_name: dict[str, dict] = {}
    for entry in entries:
        known = by_name.setdefault(entry["name"], {"name": entry["name"], "variants": []})
        known["variants"] = known["variants"] + entry.get("variants", [])
        for key in ("parent", "weight"):
            if key in entry:
                known.setdefault(key, entry[key])
    return list(by_name.values())


def data_files() -> list:
    folder = resources.files("reviewer.domain").joinpath("vocabulary")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    for extra in filter(None, os.environ.get("REVIEWER_VOCABULARY", "").split(os.pathsep)):
        path = Path(extra)
        files += sorted(path.glob("*.toml")) if path.is_dir() else [path]
    return files


_DEPENDENT: list = []  # caches of functions whose answers depend on the vocabulary


def depends_on_vocabulary(cached):
    """Register an lru_cache'd function to be cleared when the vocabulary is reloaded."""
    _DEPENDENT.append(cached)
    return cached


def reload() -> Vocabulary:
    """Read the vocabulary files again (after $REVIEWER_VOCABULARY changed)."""
    vocabulary.cache_clear()
    for cached in _DEPENDENT:
        cached.cache_clear()
    return vocabulary()


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    data: dict = {}
    for file in data_files():
        _merge(data, tomllib.loads(file.read_text(encoding="utf-8")))
    for depth in ("level1", "level2"):
        data[depth] = _merge_levels(data.get(depth, []))
    return Vocabulary(data)
