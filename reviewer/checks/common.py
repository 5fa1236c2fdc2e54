"""What several checks share: the run context and the reading of an indicator row
(direction, whether the target was met, the score the rules give)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from pydantic import BaseModel

from reviewer.checks.policy import CheckPolicy, Policy
from reviewer.domain.model import Form, Indicator, row_not_applicable
from reviewer.domain.scoring import comparable
from reviewer.domain.values import Value, parse_value_shared
from reviewer.domain.vocabulary import depends_on_vocabulary

# Lower-is-better by name: costs, complaints, failures …
LOWER_NAME = re.compile(
    r"成本|费用|单价|价格|投诉|故障|事故|差错|失误|错误|违规|违纪|超支|延误|逾期|不合格|偏差|损失|缺陷|漏洞|"
    r"发生率|发生数|发生次数|流失|伤亡|污染|能耗|排放|退件|驳回|积压"
)
# … unless the name measures how well that thing is handled (故障修复率, 投诉处理率, 成本控制率).
HIGHER_NAME = re.compile(r"(?:及时|修复|处理|处置|解决|办结|排除|完成|合格|达标|执行|满意|控制|整改|响应|化解|回复|节约)(?:率|度)")
RATE_NAME = re.compile(r"(?<![效频功])率")
COUNT_UNITS = frozenset("个 次 人 人次 台 套 条 份 件 项 家 场 期 篇 本 户 名 批 座 辆 块 张 册 所 宗 间 单 起 部 类 款 课时 学时".split())
TIMELY_LEVEL2 = re.compile(r"时效")
SATISFACTION = re.compile(r"满意")
BUDGET_EXEC = re.compile(r"(?:预算|资金|经费|支出|支付)[^，,、]{0,6}?(?:执行|进度|支付|使用)[^，,、]{0,4}?(?:率|度)")
_PUNCT = re.compile(r"[\s，,。.、；;：:“”\"'‘’（）()《》<>【】\[\]!！?？·…—\-]+")


@lru_cache(maxsize=16384)
def norm(text: str) -> str:
    """Text without spaces or punctuation, for comparing cells."""
    return _PUNCT.sub("", text or "")


@lru_cache(maxsize=1024)
def level1_key(level1: str) -> str:
    """"产出" and "产出指标 " name the same section."""
    t = norm(level1)
    return t if not t or t.endswith("指标") else t + "指标"


def fmt(x: float | None) -> str:
    """A score or rate as a reviewer writes it: 9.8, 9.77, 100."""
    if x is None:
        return "—"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def weight_total(form: Form, policy: Policy) -> float | None:
    """The budget line's weight plus every indicator weight: the most the form's scores can
    add up to (100 when the weights are right). None for a form without indicators."""
    if not form.indicators:
        return None
    budget = form.funding.weight
    if budget is None and form.funding.annual_budget is not None:
        budget = policy.budget_weight
    return (budget or 0.0) + sum(r.weight or 0.0 for r in form.indicators)


def money(x: float | None) -> str:
    return "—" if x is None else f"{x:,.2f}元"


_NO_SETTINGS = CheckPolicy()  # never changed (settings are copied, not edited): one for every form


class Blank(dict):
    """Message fields a hit did not give print as themselves instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Fields:
    """A model's fields read as plain attributes: `Fields(row).weight` is `row.weight`, from
    the same __dict__ (nothing copied; never written through). The checks read the fields of
    each row and of its parsed values thousands of times per form, and a pydantic model
    answers every attribute read through its class's __getattr__ hook, which keeps CPython
    from caching the look-up: a read costs about four times a plain object's."""

    def __init__(self, model: BaseModel):
        self.__dict__ = model.__dict__


@depends_on_vocabulary
@lru_cache(maxsize=8192)
def value_fields(text: str) -> Value:
    """parse_value_shared(text) as `Fields` (typed as the Value it reads; shared, never mutate it)."""
    return Fields(parse_value_shared(text))  # type: ignore[return-value]


@dataclass
class Context:
    """One form under check: the parsed values once, the policy, the current check's settings."""

    form: Form
    policy: Policy
    blind: bool
    table: str  # "indicators", or "performance_targets" for an evaluation report
    rows: list[Indicator]
    targets: list[Value]
    actuals: list[Value]
    settings: CheckPolicy = field(default_factory=lambda: _NO_SETTINGS)  # set per check by the engine
    expected: dict[int, float | None] = field(default_factory=dict)  # expected_score per row
    # Worked out once in build, as every form needs them (read by most checks, many times):
    tol: float = field(init=False)  # the policy's tolerance
    _inapplicable: list[bool] = field(init=False)  # per row: 不适用
    _live: list[tuple[int, Indicator, Value, Value]] = field(init=False)  # the rows `live` gives
    _row_facets: dict[int, dict[str, str]] = field(default_factory=dict)
    _row_fields: dict[int, Blank] = field(default_factory=dict)
    _directions: dict[int, str] = field(default_factory=dict)

    @classmethod
    def build(cls, form: Form, policy: Policy, blind: bool = False) -> Context:
        report = form.kind == "evaluation_report"
        table = "performance_targets" if report else "indicators"
        # Rows and values as `Fields`: every check reads them, many times.
        rows = [Fields(r) for r in (form.performance_targets if report else form.indicators)]  # type: ignore[misc]
        targets, actuals = [value_fields(r.target) for r in rows], [value_fields(r.actual) for r in rows]
        ctx = cls(form, policy, blind, table, rows, targets, actuals)
        ctx.tol = policy.tolerance
        ctx._inapplicable = inapplicable = [row_not_applicable(r.name, t) for r, t in zip(rows, targets)]  # parsed once
        ctx._live = [
            (i, row, targets[i], actuals[i]) for i, row in enumerate(rows)
            if not inapplicable[i] and (row.weight is None or row.weight > 0)
        ]
        return ctx

    def get(self, key: str, default=None):
        return self.settings.get(key, default)

    def not_applicable(self, i: int) -> bool:
        return self._inapplicable[i]

    def direction(self, i: int) -> str:
        """direction(row i, its target), worked out once per row."""
        way = self._directions.get(i)
        if way is None:
            way = self._directions[i] = direction(self.rows[i], self.targets[i])
        return way

    @cached_property
    def lower_mode(self) -> str:
        """How PF301's rule scores a lower-is-better row (policy `lower_is_better`)."""
        return self.policy.for_check("PF301").get("lower_is_better", "reverse")

    def live(self) -> Iterator[tuple[int, Indicator, Value, Value]]:
        """Rows that count: not 不适用, and weighted (or unweighted, as in a report's target table)."""
        return iter(self._live)

    def scored(self) -> Iterator[tuple[int, Indicator, Value, Value]]:
        """Live rows with both a weight and a score written: the ones a score can be judged on."""
        return (item for item in self._live if item[1].weight is not None and item[1].score is not None)

    def row_facets(self, i: int) -> dict[str, str]:
        """row_facets(self, i), worked out once per row (callers copy it)."""
        facets = self._row_facets.get(i)
        if facets is None:
            facets = self._row_facets[i] = row_facets(self, i)
        return facets

    def row_fields(self, i: int) -> Blank:
        """What a message template can say of row i: name, target, actual, weight, score,
        level1, level2 as a reviewer reads them (shared: callers copy it to add to it)."""
        fields = self._row_fields.get(i)
        if fields is None:
            row = self.rows[i]
            fields = self._row_fields[i] = Blank({
                "name": row.name, "target": row.target.strip() or "（空）", "actual": row.actual.strip() or "（空）",
                "weight": fmt(row.weight), "score": fmt(row.score), "level1": row.level1, "level2": row.level2,
            })
        return fields

    @cached_property
    def narrative(self) -> str:
        """The form's free text, for checks that look for evidence anywhere on it."""
        parts = [self.form.goal.planned, self.form.goal.actual]
        parts += [r.deviation for r in self.rows] + [r.name for r in self.rows]
        return "\n".join(parts)


def direction(row: Indicator, target: Value) -> str:
    """"higher", "lower" or "exact": the comparator if written, else what the name measures."""
    if target.kind == "period" or target.comparator in ("<=", "<"):
        return "lower"
    if target.comparator in (">=", ">"):
        return "higher"
    if target.comparator == "=":
        return "exact"
    if LOWER_NAME.search(row.name) and not HIGHER_NAME.search(row.name):
        return "lower"
    return "higher"


def rule_score(weight: float, way: str, target: float, actual: float, lower_mode: str = "reverse") -> float:
    """The score 财预〔2020〕10号 and local practice give a quantitative indicator.

    higher: met → weight, else weight × actual ÷ target. lower (local "reverse"):
    target < actual < 2×target → weight × (1 − (actual − target) ÷ target), ≥ 2×target → 0;
    "ratio": weight × target ÷ actual. exact: weight × the smaller ÷ the larger.
    """
    if way == "higher":
        if actual >= target or target <= 0:
            return weight
        return weight * max(actual, 0.0) / target
    if way == "lower":
        if actual <= target:
            return weight
        if lower_mode == "ratio":
            return weight * target / actual if actual > 0 else 0.0
        if target <= 0 or actual >= 2 * target:
            return 0.0
        return weight * (1 - (actual - target) / target)
    if actual == target:
        return weight
    hi = max(actual, target)
    return weight * min(actual, target) / hi if hi > 0 else weight


def expected_score(ctx: Context, i: int) -> float | None:
    """The rule score of a weighted quantitative row, None when the rules cannot say."""
    expected = ctx.expected
    if i not in expected:
        expected[i] = _expected_score(ctx, i)
    return expected[i]


def _expected_score(ctx: Context, i: int) -> float | None:
    row, target, actual = ctx.rows[i], ctx.targets[i], ctx.actuals[i]
    if row.weight is None or row.weight <= 0 or not comparable(target, actual):
        return None
    return rule_score(row.weight, ctx.direction(i), target.number, actual.number, ctx.lower_mode)


def target_met(ctx: Context, i: int) -> bool | None:
    """True/False for a comparable quantitative row, None when it cannot be told."""
    score = expected_score(ctx, i)
    if score is None:
        return None
    return score >= ctx.rows[i].weight - ctx.tol


def target_form(value: Value) -> str:
    """How a target is written, in the words of registry.ROW_FACETS["target_form"]: the
    written form a reviewer's decision often turns on ("1" is cut where "≥90%" is not)."""
    if value.kind == "qualitative":
        return "word"
    if value.kind != "number" or value.number is None:
        return value.kind  # empty, not_applicable, date, period
    if value.unit is None and value.number == 1 and value.comparator is None:
        return "bare_one"
    if value.unit is None and 0 < value.number < 1:
        return "fraction"
    if value.comparator is not None:
        return "compared"
    return "percent" if value.unit == "%" else "number"


def row_facets(ctx: Context, i: int) -> dict[str, str]:
    """The facets every finding on indicator row i carries (registry.ROW_FACETS)."""
    row = ctx.rows[i]
    return {"section": level1_key(row.level1), "level2": norm(row.level2), "target_form": target_form(ctx.targets[i])}


def ratio_band(ratio: float, edges: tuple[float, ...] = (1.5, 2, 5)) -> str:
    """A ratio in a band named by its edges: "<1.5", "1.5-2", "2-5", ">=5"."""
    lower = None
    for edge in edges:
        if ratio < edge:
            return f"<{edge:g}" if lower is None else f"{lower:g}-{edge:g}"
        lower = edge
    return f">={edges[-1]:g}"


_MONEY_UNITS = frozenset(("元", "万元", "亿元"))
_TIME_UNITS = frozenset(("天", "日", "小时", "分钟", "个工作日", "工作日", "月", "年", "周"))


def unit_kind(unit: str | None) -> str:
    """A value's unit as a facet: count, percent, money, time or other."""
    if unit == "%":
        return "percent"
    if unit in COUNT_UNITS:
        return "count"
    if unit in _MONEY_UNITS:
        return "money"
    return "time" if unit in _TIME_UNITS else "other"


def achieved_band(share: float) -> str:
    """The share of a target achieved, as a facet band."""
    for edge, name in ((0.5, "<0.5"), (0.8, "0.5-0.8"), (0.95, "0.8-0.95")):
        if share < edge:
            return name
    return ">=0.95"
