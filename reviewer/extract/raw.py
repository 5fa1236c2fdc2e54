"""The raw record: what a layout found where, before any normalisation.

A layout (a PDF text dump reader, an OCR reader, the grid reader) only locates the
form's cells in its kind of text and emits a `RawForm`; `assemble.assemble` turns it into
a `Form`, doing every normalisation once (amounts and 万元, the execution rate, level
names carried down and made canonical, numbers, the total row, warnings).

Cells are keyed by the field they were found under (`Cells`), each a `RawCell` with its
text as the layout read it (wrapping undone, nothing else changed) and where it came
from. The keys a part may carry are listed below; a layout sets the ones its form has.
Absent means "not on this form / merged from above"; present with empty text means "the
cell is there and blank". This record is the interface between layouts and assembly:
change it only by adding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

# Keys of RawForm.header.
HEADER_FIELDS = ("name", "code", "unit", "department", "year")
# Keys of RawFunding.columns / RawFundingRow.cells / RawFunding.summary.
FUNDING_FIELDS = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")
SUMMARY_FIELDS = FUNDING_FIELDS + ("project_amount",)  # 项目金额 (the OCR layout's header)
# The words a reader's note uses for cells it could not place, and what looks for them in
# the notes (the model reader decides from them which files to send): one spelling each.
FUSED = "numbers written together"  # several numbers with nothing between them: not split
UNPLACED = "could be under"  # a cell that fits more than one column: not read
NUMBERS_NOT_READ = "its numbers not read"  # a row whose cells outnumber its header's columns
RUN_TOGETHER = "written with nothing between them"  # a row's cells run together: only its name read
UNPLACED_CUES = (FUSED, RUN_TOGETHER, UNPLACED, NUMBERS_NOT_READ)
# Keys of RawTable.columns / RawIndicatorRow.cells. A split target is `comparator` +
# `target` + `unit` (指标性质 | 指标值 | 度量单位); `nature` holds 定量/定性, or a comparator
# when the form's 指标性质 column is one. `seq` (序号), `remark` (备注) and `weight_share`
# (权重占比) are located but not part of the form model.
INDICATOR_FIELDS = (
    "seq", "level1", "level2", "name", "nature", "comparator", "target", "unit", "actual",
    "weight", "score", "review_score", "weight_share", "weighted_score",
    "description", "criteria", "deviation", "remark",
)
# Keys of RawTotal.cells.
TOTAL_FIELDS = ("weight", "score", "review_score", "weighted_score")


class RawCell(NamedTuple):
    text: str
    where: str = ""  # "line 12 col 3", "Sheet1!C7", "page 2 table 1 r3c4"
    # The text as written before clean-up (traditional script, inserted pinyin: Cell.original),
    # when clean-up changed it; "" when `text` is as written.
    original: str = ""

    @property
    def empty(self) -> bool:
        return not self.text.strip()


Cells = dict[str, RawCell]


class RawWarning(NamedTuple):
    """A layout's note on what it could not place. In a part's `notes`, the field may be
    relative to the part: on an indicator row "" is the row itself and ".level2" a field of it."""

    field: str
    message: str


@dataclass
class RawFundingRow:
    label: RawCell  # as written: "其中：当年财政拨款"
    cells: Cells = field(default_factory=dict)


@dataclass
class RawFunding:
    columns: Cells = field(default_factory=dict)  # field → its header cell, for the columns the table has
    rows: list[RawFundingRow] = field(default_factory=list)
    currency: RawCell | None = None  # the cell saying the unit: "项目资金（万元）", "金额单位：万元"
    # Values of the funding line written outside a 年度资金总额 row: a report's sentences,
    # the OCR header's 项目金额, a weight stated in a header ("得分(20分*执行率)").
    summary: Cells = field(default_factory=dict)
    # How the form's template writes 执行率 when a cell has no "%": "ratio" (0.98) or
    # "percent" (98.00); "" when the layout does not know. The amounts decide where they can.
    rate_convention: Literal["", "percent", "ratio"] = ""
    notes: list[RawWarning] = field(default_factory=list)


@dataclass
class RawGoal:
    planned: list[RawCell] = field(default_factory=list)  # 预期目标, in reading order
    actual: list[RawCell] = field(default_factory=list)  # 实际完成情况
    notes: list[RawWarning] = field(default_factory=list)


@dataclass
class RawIndicatorRow:
    cells: Cells = field(default_factory=dict)
    notes: list[RawWarning] = field(default_factory=list)


@dataclass
class RawTable:
    """An indicator table: 年度绩效指标, a rubric, or a report's target table."""

    # field → header cell, for the columns the table has (a blank 分值/得分 is warned only
    # where the table has the column).
    columns: Cells = field(default_factory=dict)
    rows: list[RawIndicatorRow] = field(default_factory=list)
    notes: list[RawWarning] = field(default_factory=list)
    truncated: bool = False  # the text ends inside the table (no 总分 row): the form may be cut off
    # The level cells are a rubric's own categories (an evaluation's 项目决策 / 项目管理 /
    # 产出 / 效益), not the template's 产出指标 / 数量指标: kept as written (points stripped),
    # never made canonical ("社会效益" stays, it is no 社会效益指标 here).
    rubric: bool = False


@dataclass
class RawTotal:
    label: RawCell | None = None  # 总分 / 合计
    cells: Cells = field(default_factory=dict)
    notes: list[RawWarning] = field(default_factory=list)


@dataclass
class RawForm:
    path: str
    index: int  # 0-based position of the form in its file
    layout: str
    kind: Literal["self_evaluation", "evaluation_report", "department_overall"] = "self_evaluation"
    header: Cells = field(default_factory=dict)
    header_notes: list[RawWarning] = field(default_factory=list)
    title: RawCell | None = None  # the title or subtitle cell that states the form's year
    funding: RawFunding | None = None  # None: no funding table found
    goal: RawGoal | None = None  # None: no 年度总体目标 found
    indicators: RawTable | None = None  # None: no indicator table found
    total: RawTotal | None = None  # None: no 总分 row found
    performance_targets: RawTable | None = None  # evaluation reports: 表1-2
    problems: list[RawCell] = field(default_factory=list)  # evaluation reports: 存在的问题
    problems_notes: list[RawWarning] = field(default_factory=list)
    # The layout's own warnings, kept first and in this order (a layout that says why a
    # field is missing is not contradicted by assembly's generic message for it).
    warnings: list[RawWarning] = field(default_factory=list)
