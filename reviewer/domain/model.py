"""The extracted form: what is written on a 项目支出绩效自评表, never corrected.

Every number is as written (amounts converted to yuan only where the JSON contract
says so); what could not be read is None plus a `Warning` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Literal, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError, computed_field, model_validator

from reviewer.domain.values import MAX_INTEGER_DIGITS, Value, legible_number, parse_value


class Warning(BaseModel):  # noqa: A001 - the form's own word for it
    field: str
    message: str


class Source(BaseModel):
    path: str
    index: int = Field(description="0-based position of the form in its file")
    layout: str = ""


class FundingRow(BaseModel):
    """One row of the funding table, amounts in yuan."""

    label: str  # 年度资金总额 / 当年财政拨款 / 上年结转资金 / 其他资金
    initial_budget: float | None = None
    annual_budget: float | None = None
    executed: float | None = None


class Funding(BaseModel):
    currency_unit: str = "元"  # as written on the form: 元 or 万元
    initial_budget: float | None = None  # 年初预算数, yuan
    annual_budget: float | None = None  # 全年预算数, yuan
    executed: float | None = None  # 全年执行数, yuan
    weight: float | None = None  # 分值
    execution_rate: float | None = None  # 执行率 as written, in percent
    score: float | None = None  # 得分
    project_amount: float | None = None  # 项目金额 (003 layout), yuan
    rows: list[FundingRow] = Field(default_factory=list)


class Goal(BaseModel):
    planned: str = ""  # 预期目标
    actual: str = ""  # 实际完成情况


class TargetParts(BaseModel):
    """The target as a form writes it when it splits 年度指标值 into columns:
    指标性质 (≥ ＝ ≤) | 指标值 | 度量单位 (or 符号 / 单位). Each part as written."""

    comparator: str = ""
    value: str = ""
    unit: str = ""


def row_not_applicable(name: str, target: Value) -> bool:
    """An indicator row that does not apply (不适用): said in its name, or as its target."""
    return "不适用" in name or target.kind == "not_applicable"


class Indicator(BaseModel):
    level1: str = ""  # 一级指标, e.g. 产出指标
    level2: str = ""  # 二级指标, e.g. 数量指标
    name: str = ""  # 三级指标
    target: str = ""  # 年度指标值, as written (split columns joined: comparator + value + unit)
    actual: str = ""  # 实际完成值, as written
    weight: float | None = None  # 分值
    score: float | None = None  # 得分 (自评分)
    deviation: str = ""  # 偏差原因分析及改进措施
    # Added in contract 1.1 (additive): what forms of other provinces also carry.
    target_parts: TargetParts | None = None  # the split target columns, when the form has them
    nature: str = ""  # 指标性质 / 指标类型 when it says 定量 or 定性, as written
    review_score: float | None = None  # 复核分: the reviewer's re-score, when the form has one
    weighted_score: float | None = None  # 折算得分 (score × 权重占比), when the form has one
    description: str = ""  # 指标解释 / 指标说明 (rubric forms)
    criteria: str = ""  # 评分标准 / 评分细则 / 评(扣)分标准 (rubric forms)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def target_value(self) -> Value:
        return parse_value(self.target)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def actual_value(self) -> Value:
        return parse_value(self.actual)

    @property
    def not_applicable(self) -> bool:
        return row_not_applicable(self.name, self.target_value)


class Form(BaseModel):
    id: str
    source: Source
    # self_evaluation: 项目支出绩效自评表; evaluation_report: 绩效评价报告; department_overall:
    # 部门(单位)整体支出绩效自评表, whose indicator rows are a rubric (决策/过程/产出/效益).
    kind: Literal["self_evaluation", "evaluation_report", "department_overall"] = "self_evaluation"
    code: str | None = None  # 项目编码
    name: str | None = None  # 项目名称
    year: int | None = None  # 绩效自评年度
    unit: str | None = None  # 实施单位
    department: str | None = None  # 主管部门 / 一级预算单位
    funding: Funding = Field(default_factory=Funding)
    goal: Goal = Field(default_factory=Goal)
    indicators: list[Indicator] = Field(default_factory=list)
    total_weight: float | None = None  # 总分 row: the declared weight total (100)
    total_score: float | None = None  # 总分 row: the declared score
    review_total_score: float | None = None  # 总分 row's 复核分, when the form has one
    # Evaluation reports only: 表1-2 绩效目标完成情况 rows (targets vs actuals, no scores),
    # and the 存在的问题 section, one entry per problem, as written.
    performance_targets: list[Indicator] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    warnings: list[Warning] = Field(default_factory=list)

    def warn(self, field: str, message: str) -> None:
        self.warnings.append(Warning(field=field, message=message))

    @model_validator(mode="after")
    def _numbers_are_legible(self) -> Form:
        """A form read from JSON holds no nan, inf or 16-digit number (a layout's form is
        assembled empty and filled in: `reviewer.extract.assemble` leaves such numbers empty)."""
        for _, _, path, value in _numbers(self):
            raise ValueError(f"{path}: {value!r} {_ILLEGIBLE}")
        return self


_ILLEGIBLE = f"is not a number a form can hold (not finite, or more than {MAX_INTEGER_DIGITS} digits)"


@lru_cache(maxsize=None)
def _shape(cls: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(float fields, fields holding models or lists of them) of a model class."""
    numbers, nested = [], []
    for name, field in cls.model_fields.items():
        args = get_args(field.annotation) or (field.annotation,)
        if float in args:
            numbers.append(name)
        elif get_origin(field.annotation) is list or any(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
            nested.append(name)
    return tuple(numbers), tuple(nested)


def _numbers(model: BaseModel, prefix: str = "") -> Iterator[tuple[BaseModel, str, str, float]]:
    """(owner, field name, path, value) of every illegible float stored in a model, nested
    ones included (the walk is per class shape: it runs on every form read)."""
    numbers, nested = _shape(type(model))
    for name in numbers:
        value = getattr(model, name)
        if value is not None and not legible_number(value):
            yield model, name, f"{prefix}{name}", value
    for name in nested:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _numbers(value, f"{prefix}{name}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _numbers(item, f"{prefix}{name}[{i}].")


def form_from_data(data: object) -> Form:
    """A form from parsed JSON; ValueError with the first problem (field and why) on one line."""
    try:
        return Form.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        message = first["msg"].removeprefix("Value error, ")
        raise ValueError(f"{where}: {message}" if where else message) from None


class ExtractError(BaseModel):
    path: str
    message: str


class Extraction(BaseModel):
    """The `reviewer extract --format json` document."""

    forms: list[Form] = Field(default_factory=list)
    errors: list[ExtractError] = Field(default_factory=list)
