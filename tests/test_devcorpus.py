"""Real forms from other provinces (tests/data/devcorpus/, sources on each file's first line).

The grid files are the excerpts cut into rows by hand, as a text-to-grid step gives them
(see tests/data/devcorpus/README.md). Every expectation below was checked against the
excerpt cell by cell: which rows are indicators, what each cell is, what the excerpt cuts
off. The raw excerpts must be read or refused with a clear message, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.extract import ExtractFailure, parse_text
from reviewer.extract.grid import Cell, Grid
from reviewer.extract.layouts import forms_from_grids

DATA = Path(__file__).resolve().parent / "data" / "devcorpus"


def grid(name: str, origin: str = "pipes") -> Grid:
    lines = (DATA / f"{name}.grid.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("SOURCE: ")
    return Grid([[Cell(c.strip(), f"line {n} col {k + 1}") for k, c in enumerate(line.split("|"))]
                 for n, line in enumerate(lines[1:], start=2)], origin=origin)


def rows(form, *fields: str) -> list[tuple]:
    return [tuple(getattr(i, f) for f in fields) for i in form.indicators]


def warned(form, field: str) -> list[str]:
    return [w.message for w in form.warnings if w.field == field]


def test_hebei_national_template_one_cell_per_line():
    (form,) = forms_from_grids([grid("hebei-langfang-shipin-2019-nuantong", "cells-per-line")], "hebei.txt")
    assert (form.kind, form.name, form.year) == ("self_evaluation", "办公宿舍楼、食堂及餐厅暖通改造经费", 2019)
    assert (form.department, form.unit, form.code, form.id) == ("廊坊市发改委", "廊坊市食品工程学校", None, "hebei#1")
    f = form.funding
    assert (f.currency_unit, f.initial_budget, f.annual_budget, f.executed) == ("万元", 432000.0, 432000.0, 372400.0)
    assert (f.weight, f.execution_rate, f.score) == (10, 86, 9)
    assert [r.label for r in f.rows] == ["年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"]
    assert (form.goal.planned, form.goal.actual) == ("43.2", "37.24")  # as the excerpt writes them
    # The template's unfilled rows (指标2, ……, 生态效益's 指标1) are no indicators.
    assert rows(form, "level1", "level2", "name", "target", "actual", "weight", "score") == [
        ("产出指标", "数量指标", "指标1工程资金金额", "43.2", "37.24", 10, 9),
        ("产出指标", "质量指标", "指标1工程完工率", "100", "100", 10, 10),
        ("产出指标", "质量指标", "指标2工程验收合格率", "100", "100", 10, 10),
        ("产出指标", "时效指标", "指标1项目完成及时率", "100", "100", 10, 10),
        ("产出指标", "成本指标", "指标1成本控制率", "100", "100", 10, 10),  # 成本 at level 2 (2019 template)
        ("效益指标", "经济效益指标", "指标1安全率", "100", "100", 10, 10),
        ("效益指标", "社会效益指标", "指标1学校发展能力", "100", "100", 10, 10),
        ("效益指标", "可持续影响指标", "指标1长期使用性", "100", "100", 10, 10),
        ("满意度指标", "服务对象满意度指标", "指标1学生满意度", "100", "100", 10, 10),
    ]
    assert form.indicators[0].deviation == "已完工,剩余3%尾款未付,且最高限价低于预算金额。提高预算准确度。"
    assert warned(form, "indicators") == [
        "indicator table ends after row 9 with no 总分 row: the rest of the form may be cut off"]


def test_anhui_department_rubric_as_ragged_pipe_rows():
    (form,) = forms_from_grids([grid("ah-shouxian-2023-bumen-zhengti-pipe")], "ah.txt")
    assert (form.kind, form.year, form.name) == ("department_overall", 2023, None)
    assert rows(form, "level1", "level2", "name", "weight", "score") == [
        ("规划", "基础信息", "基础信息完整性", 3, 3),
        ("规划", "工作计划", "年度工作计划完整性", 3, 3),
        ("规划", "工作计划", "年度工作计划明确性", 3, 3),  # its row lost both merged level cells
        ("规划", "绩效目标", "年度绩效目标合理性", 4, 4),
        ("规划", "绩效目标", "年度绩效目标明确性", 2, 2),
        ("执行", "预算执行", "预算执行率", 5, None),  # cut off before its 自评得分
    ]
    second = form.indicators[1]
    assert second.description == "部门及所属二级单位年度工作计划制定是否完整可行。"
    assert second.criteria == "年度工作计划是否完整可行(3分)"
    assert form.indicators[5].criteria == "1、除上级政策性因素影响外,年度无预算追加(1"
    assert warned(form, "indicators[5]") == ["得分 cell is blank"]
    assert "indicator table ends after row 6 with no 总分 row: the rest of the form may be cut off" in warned(
        form, "indicators")


def test_hunan_department_target_table_with_split_value_and_unit():
    (form,) = forms_from_grids([grid("hn-yueyanglou-jiagerenzheng-2023-zhengti-mubiao-trad-pipe")], "hn.txt")
    assert (form.kind, form.year, form.unit) == ("department_overall", 2023, "岳阳楼区价格认证鉴定中心")
    assert form.goal.planned == "做好涉案、价格认定工作。"
    assert rows(form, "level1", "level2", "name", "nature", "target", "weight") == [
        ("产出指标", "数量指标", "业务工作支出安排金额", "定量", "28.8万元%", None),
        ("产出指标", "质量指标", "业务工作支出到位率", "定量", "100%", None),
        ("产出指标", "时效指标", "工作安排时间", "定量", "按月安排", None),  # its 计量单位 cell is missing
        # 成本指标 is a level 2 under 产出 here and 社会成本指标 the indicator: a row has a name.
        ("产出指标", "成本指标", "社会成本指标", "定量", "100%", None),
        ("效益指标", "社会效益指标", "保证单位正常运转", "定性", "应保尽保%", None),
    ]  # 经济效益指标's row holds only the rubric sentence: a category, not an indicator
    assert form.indicators[0].target_parts.model_dump() == {"comparator": "", "value": "28.8万元", "unit": "%"}
    assert form.indicators[2].criteria == "未达指标值酌情扣分"
    assert form.indicators[2].description == "该指标主要考察业务工作支出安排时间"
    assert any("no 分值 / 得分 columns" in m for m in warned(form, "indicators"))


def test_sichuan_department_score_sheets_two_tables():
    first, second = forms_from_grids([grid("sc-dazhou-nyj-bumen-defenbiao-mdpipe")], "sc.txt")
    assert len(first.indicators) == 28
    assert rows(first, "level1", "level2", "name")[:6] == [
        ("部门决策", "目标任务", "相关性(5分)"), ("部门决策", "目标任务", "明确性(5分)"),
        ("部门决策", "目标任务", "合理性(5分)"), ("部门决策", "预算编制", "测算依据(5分)"),
        ("部门决策", "预算编制", "目标管理(5分)"), ("综合管理", "专项资金分配时限", "市级财力专项预算分配时限(1分)")]
    assert rows(first, "level1", "level2", "name")[-3:] == [
        ("部门绩效情况", "满意度", "协作部门满意度(3分)"), ("部门绩效情况", "满意度", "管理对象满意度(3分)"),
        ("部门绩效情况", "满意度", "社会公众满意度(4分)")]
    assert all(i.score is None for i in first.indicators)
    assert "得分 is blank in every row of the table" in warned(first, "indicators")
    # The second sheet (单位名称/ 项目名称 …): weights written, scores left for the evaluation.
    assert rows(second, "level1", "level2", "name", "weight", "score")[:5] == [
        ("(20分)", "(10分)", "必要性", 5, None), ("(20分)", "(10分)", "可行性", 5, None),
        ("(20分)", "(10)", "明确性", 5, None), ("(20分)", "(10)", "合理性", 5, None),
        ("(10分)", "(7分)", "资金分配", 3, None)]
    assert sum(i.weight for i in second.indicators) == 90  # 5+5+5+5, 3+4+3, 5×4, 40: the excerpt ends inside 效益
    assert warned(second, "indicators[1]") == ["cell '5' read as 分值: no row of this table fills 得分"]


@pytest.mark.parametrize("path", sorted((DATA / "raw").glob("*.txt")), ids=lambda p: p.stem[:12])
def test_every_raw_excerpt_is_read_or_refused_with_a_clear_message(path):
    text = path.read_text(encoding="utf-8")
    try:
        forms = parse_text(text, path.name)
    except ExtractFailure as failure:
        assert str(failure).startswith("no self-evaluation form or evaluation report found in this text: looked for")
        return
    assert forms and all(f.indicators or f.funding.rows for f in forms)
