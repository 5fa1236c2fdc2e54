"""The extracted form: what is written on a 项目支出绩效自评表, never corrected.

Every number is as written (amounts converted to yuan only where the JSON contract
says so); what could not be read is None plus a `Warning` naming the field.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, computed_field

from reviewer.domain.values import Value, parse_value


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


class Indicator(BaseModel):
    level1: str = ""  # 一级指标, e.g. 产出指标
    level2: str = ""  # 二级指标, e.g. 数量指标
    name: str = ""  # 三级指标
    target: str = ""  # 年度指标值, as written
    actual: str = ""  # 实际完成值, as written
    weight: float | None = None  # 分值
    score: float | None = None  # 得分
    deviation: str = ""  # 偏差原因分析及改进措施

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
        return "不适用" in self.name or self.target_value.kind == "not_applicable"


class Form(BaseModel):
    id: str
    source: Source
    kind: Literal["self_evaluation", "evaluation_report"] = "self_evaluation"
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
    # Evaluation reports only: 表1-2 绩效目标完成情况 rows (targets vs actuals, no scores),
    # and the 存在的问题 section, one entry per problem, as written.
    performance_targets: list[Indicator] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    warnings: list[Warning] = Field(default_factory=list)

    def warn(self, field: str, message: str) -> None:
        self.warnings.append(Warning(field=field, message=message))


class ExtractError(BaseModel):
    path: str
    message: str


class Extraction(BaseModel):
    """The `reviewer extract --format json` document."""

    forms: list[Form] = Field(default_factory=list)
    errors: list[ExtractError] = Field(default_factory=list)
