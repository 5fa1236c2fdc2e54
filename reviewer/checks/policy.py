"""The deduction policy: which flaws cost points, how many, and the region's rules.

The default (default_policy.toml, shipped in the package) is built from 财预〔2020〕10号
and the practice of the human reviewers in the seed forms; `load_policy(path)` merges a
user's TOML file over it, key by key (arrays replace arrays).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from reviewer.checks.findings import Confidence, trusted
from reviewer.checks.registry import all_checks

Deduct = Literal["none", "fixed", "percent", "rule"]
# The keys of a [[checks.CODE.when]] table that set something; every other key is a facet
# condition (a value, or a list of values any of which matches).
SETTING_KEYS = frozenset(("enabled", "severity", "deduct", "amount", "percent", "p_cut", "rows", "contested"))


class CheckPolicy(BaseModel):
    """One check's settings. Extra keys are the check's own thresholds (read with `get`)."""

    model_config = ConfigDict(extra="allow")

    enabled: bool = True
    severity: Literal["error", "warning", "info"] | None = None  # overrides the check's default
    # none: report only; fixed: weight − amount; percent: weight × (1 − percent);
    # rule: the score the check's own rule computes (proportional formula, 0, the cap …)
    deduct: Deduct = "none"
    amount: float = 0.0
    percent: float = 0.0
    # Reviewers disagree on this flaw (DOMAIN §5, eval/RESULTS.md human vs human): findings
    # say so in their confidence, and `deduct` is what an office that cuts it does.
    contested: bool = False
    p_cut: float | None = None  # learned: probability this office cuts where the check fires
    rows: int = 0  # learned: the rows p_cut was learned from
    # Learned rules by facet, first match wins: {"target_form": "bare_one", "deduct": "fixed", …}
    when: list[dict[str, Any]] = Field(default_factory=list)
    basis: str = ""  # set by for_facets: which rule applied

    def get(self, key: str, default: Any = None) -> Any:
        return (self.__pydantic_extra__ or {}).get(key, default)

    def for_facets(self, facets: dict[str, Any]) -> CheckPolicy:
        """These settings with the first `when` rule whose conditions the facets meet applied."""
        if not self.when:  # most checks have no learned rule: no need to look them up
            return self
        for conditions, applied in _compiled(self).rules:
            if all(_matches(facets.get(k), v) for k, v in conditions):
                return applied
        return self

    def _applied(self, rule: dict[str, Any], conditions: dict[str, Any]) -> CheckPolicy:
        settings = {k: v for k, v in rule.items() if k in SETTING_KEYS}
        if "deduct" in settings and "p_cut" not in settings:
            settings["p_cut"] = None  # a rule's own decision, not the check's probability
        basis = ", ".join(f"{k}={_shown(v)}" for k, v in conditions.items())
        return self.model_copy(update={**settings, "when": [], "basis": basis})

    def confidence(self) -> Confidence | None:
        """What a finding under these settings says of its cut; None for a plain report."""
        shown = _compiled(self).confidence
        return None if shown is None else trusted(Confidence, dict(shown.__dict__))  # a copy per finding

    def _confidence(self) -> Confidence | None:
        if self.deduct == "none" and self.p_cut is None and not self.contested:
            return None
        basis = "learned" + (f" where {self.basis}" if self.basis else "") if self.rows else (self.basis or "default")
        return Confidence(p_cut=self.p_cut, rows=self.rows, contested=self.contested, basis=basis)


class _Compiled(NamedTuple):
    """What a CheckPolicy gives every finding, worked out once: its `when` rules as
    (conditions, the settings they apply), and its confidence (validated once)."""

    rules: list[tuple[list[tuple[str, Any]], CheckPolicy]]
    confidence: Confidence | None


_COMPILED: dict[int, tuple[CheckPolicy, _Compiled]] = {}


def _compiled(settings: CheckPolicy) -> _Compiled:
    """Settings are not changed once loaded (for_facets copies them), so this is cached
    per settings object, held beside its result (an id is reused only once it is gone)."""
    cached = _COMPILED.get(id(settings))
    if cached is None or cached[0] is not settings:
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
        rules = []
        for rule in settings.when:
            conditions = {k: v for k, v in rule.items() if k not in SETTING_KEYS}
            if conditions:
                rules.append((list(conditions.items()), settings._applied(rule, conditions)))
        cached = _COMPILED[id(settings)] = (settings, _Compiled(rules, settings._confidence()))
    return cached[1]


def _matches(value: Any, condition: Any) -> bool:
    options = condition if isinstance(condition, list) else [condition]
    return any(value == option for option in options)


def _shown(condition: Any) -> str:
    return "|".join(map(str, condition)) if isinstance(condition, list) else str(condition)


class SectionScheme(BaseModel):
    name: str
    when: list[str] = Field(default_factory=list)  # level-1 names that select this scheme
    weights: dict[str, float]  # level-1 name → its declared weight


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "default"
    description: str = ""
    combine: Literal["lowest", "sum"] = "lowest"
    # What the checks marked `contested` (reviewers disagree whether to cut) do by default:
    # "cut" as their `deduct` says, or "flag" only, cutting just where a calibration learned
    # that this office cuts (a learned table: `deduct` with its `p_cut`).
    contested_flaws: Literal["cut", "flag"] = "cut"
    tolerance: float = 0.011  # scores are written to 2 decimals
    total_weight: float = 100.0
    budget_weight: float = 10.0
    sections: list[SectionScheme] = Field(default_factory=list)
    checks: dict[str, CheckPolicy] = Field(default_factory=dict)

    def for_check(self, code: str) -> CheckPolicy:
        return self.checks.get(code) or _DEFAULT_CHECK

    def cuts(self, settings: CheckPolicy) -> bool:
        """Do these settings cut? `deduct`, unless the flaw is contested and contested flaws
        are only flagged here: then only a learned decision cuts (settings with a p_cut,
        which calibration writes beside the `deduct` it decided)."""
        if settings.deduct == "none":
            return False
        if settings.contested and self.contested_flaws == "flag":
            return settings.p_cut is not None
        return True


_DEFAULT_CHECK = CheckPolicy()


class PolicyError(ValueError):
    pass


def merge(base: dict, override: dict) -> dict:
    """`override` merged over `base`, key by key (tables merge, arrays and values replace)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@lru_cache(maxsize=1)
def _default_data() -> dict:
    text = resources.files("reviewer.checks").joinpath("default_policy.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def build_policy(data: dict) -> Policy:
    unknown = sorted(set(data.get("checks", {})) - set(all_checks()))
    if unknown:
        raise PolicyError(f"policy names unknown checks: {', '.join(unknown)}")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(f"invalid policy: {exc}") from None


@lru_cache(maxsize=1)
def _default_policy() -> Policy:
    return build_policy(_default_data())


def load_policy(path: str | Path | None = None, overrides: dict | None = None) -> Policy:
    """The default policy, with the TOML file at `path` and then `overrides` merged over it."""
    if path is None and not overrides:
        return _default_policy()
    data = _default_data()
    if path is not None:
        try:
            data = merge(data, tomllib.loads(Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise PolicyError(f"cannot read policy {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"policy {path} is not valid TOML: {exc}") from None
        data.setdefault("name", Path(path).stem)
        if data["name"] == "default":
            data["name"] = Path(path).stem
    if overrides:
        data = merge(data, overrides)
    return build_policy(data)
