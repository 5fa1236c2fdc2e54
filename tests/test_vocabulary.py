"""The vocabulary as data: label keys, how labels name fields, level names, and a province's
variants added as a data file (no code)."""

from __future__ import annotations

import pytest

from reviewer.domain import vocabulary as vocab_module
from reviewer.domain.vocabulary import label_key, strip_points, vocabulary
from reviewer.extract.grid import Cell, Grid
from reviewer.extract import parse_text
from reviewer.extract.layouts import forms_from_grids
from reviewer.extract.textgrid import cues


@pytest.mark.parametrize(("cell", "key"), [
    ("* 年度指标值(A)", "年度指标值"), ("执行率（%）", "执行率"), ("评(扣)分标准", "评分标准"),
    ("项目资金 (万元)", "项目资金"), ("预算执行情况(万元)(20分)", "预算执行情况"), ("偏差原因分 析及改进\n措施", "偏差原因分析及改进措施"),
    ("部门（单位）名称：", "部门名称"),
])
def test_label_keys(cell, key):
    assert label_key(cell) == key


def test_labels_name_fields_exactly_or_by_the_longest_label_they_hold():
    columns = vocabulary().indicator_columns
    assert columns.field("指标值") == "target" and columns.field("年度指标值(A)") == "target"
    assert columns.field("自评得分") == "score" and columns.field("复核分") == "review_score"
    assert columns.field("折算得分") == "weighted_score" and columns.field("权重占比") == "weight_share"
    assert columns.field("指标说明及评分标准") == "criteria" and columns.field("指标解释") == "description"
    assert columns.field("得分计算方法") == "criteria"  # holds 得分, but 2-character labels match only exactly
    assert columns.field("绩效指标") is None and columns.field("产出指标") is None
    funding = vocabulary().funding_columns
    assert funding.field("全年预算数") == "annual_budget" and funding.field("预算数(A)") == "annual_budget"
    assert funding.field("年初预 算数") == "initial_budget" and funding.field("执行数(B)") == "executed"


@pytest.mark.parametrize(("synonym", "field"), [
    ("年初设定目标", "planned"), ("项目年度目标", "planned"), ("全年实际完成情况", "actual"),
])
def test_goal_synonyms(synonym, field):
    assert vocabulary().goal_columns.field(synonym) == field


@pytest.mark.parametrize(("synonym", "field"), [
    ("目标值", "target"), ("年初指标值", "target"), ("完成值", "actual"), ("全年实际值", "actual"),
    ("年终完成值", "actual"), ("权重", "weight"), ("指标分值", "weight"), ("自评得分", "score"),
    ("未完成原因分析", "deviation"), ("扣分原因", "deviation"), ("度量单位", "unit"), ("计量单位", "unit"),
    ("符号", "comparator"), ("指标性质", "nature"), ("指标值类型", "nature"),
])
def test_indicator_column_synonyms(synonym, field):
    assert vocabulary().indicator_columns.field(synonym) == field


def test_header_and_section_labels():
    v = vocabulary()
    assert v.header.exact("资金使用单位") == "unit" and v.header.exact("项目实施单位") == "unit"
    assert v.header.exact("部门(单位)名称") == "unit" and v.header.exact("一级预算单位") == "department"
    assert v.sections.exact("合计") == "total" and v.sections.exact("年度 总体 目标") == "goal"
    assert v.funding_rows.field("其中：本年一般公共预算拨款") == "当年财政拨款"


def test_levels_and_their_variants():
    v = vocabulary()
    assert v.level("成本指标", 1).name == "成本指标" and v.level("成本指标", 2).parent == "产出指标"  # Beijing and national
    assert v.canonical_level("经济效益", 2) == "经济效益指标" and v.canonical_level("满意度", 1) == "满意度指标"
    assert v.canonical_level("产出指标（50分）", 1) == "产出指标"
    assert v.canonical_level("可持续发展指标", 2) == "可持续发展指标"  # not a known spelling: as written
    assert strip_points("(20分)") == "(20分)"  # only points: the label's name was lost, keep what is written


def _form_with(weight_label: str) -> Grid:
    rows = [["项目名称", "测试项目"],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", weight_label, "得分"],
            ["产出指标", "数量指标", "采购数量", "≥5台", "5台", "50", "50"],
            ["总分", "", "", "", "", "100", "98"]]
    return Grid([[Cell(t) for t in row] for row in rows], origin="tabs")


def test_a_provinces_label_is_a_data_file(tmp_path, monkeypatch):
    grid = _form_with("考核分值")  # a label no file knows yet
    (form,) = forms_from_grids([grid], "x.txt")
    assert form.indicators[0].weight is None
    assert any("考核分值" in w.message for w in form.warnings)

    (tmp_path / "province.toml").write_text(
        '[[indicators.columns]]\nfield = "weight"\nlabels = ["考核分值"]\n', encoding="utf-8")
    monkeypatch.setenv("REVIEWER_VOCABULARY", str(tmp_path))
    try:
        vocab_module.reload()
        (form,) = forms_from_grids([grid], "x.txt")
        assert form.indicators[0].weight == 50 and not any("考核分值" in w.message for w in form.warnings)
        # the same file is the text-to-grid reader's vocabulary: one place for a province's labels
        assert cues.column_kind("考核分值") == "weight"
        (piped,) = parse_text("\n".join("| " + " | ".join(c.text for c in row) + " |" for row in grid.rows), "x.txt")
        assert piped.indicators[0].weight == 50
        assert vocabulary().indicator_columns.field("分值") == "weight"  # the shipped labels are still there
    finally:
        monkeypatch.delenv("REVIEWER_VOCABULARY")
        vocab_module.reload()
    assert vocabulary().indicator_columns.field("考核分值") is None and cues.column_kind("考核分值") is None


@pytest.mark.parametrize(("label", "field"), [
    ("转移支付(项目)名称", "name"), ("专项资金名称", "name"), ("中央主管部门", "department"),
    ("实施单位 (盖章)", "unit"),
])
def test_transfer_payment_and_special_fund_header_labels(label, field):
    assert vocabulary().header.exact(label) == field


def test_hubeis_process_and_decision_categories_are_level1_names_and_their_bare_headings_are_not():
    """Hubei's project template lists 过程指标 (and 决策指标) at level 1; a bare 过程 / 决策 is a
    rubric section's heading, which the rubric layouts read, so it is not a spelling of them."""
    v = vocabulary()
    assert v.level("过程指标", 1).name == "过程指标" and v.level("决策指标", 1).name == "决策指标"
    assert v.level("过程", 1) is None and v.level("决策", 1) is None
    assert v.level("过程指标", 2) is None


def test_a_process_category_row_is_checked_as_written_and_not_called_misfiled():
    """The checks compare level names as written (checks/common.level1_key): a 过程指标 row is
    neither a missing section nor a row filed under the wrong level 1."""
    from reviewer.checks import run_checks
    from reviewer.domain.model import Form, Indicator, Source

    rows = [Indicator(level1="产出指标", level2="数量指标", name="资助人数", target="≥100人", actual="120人", weight=50, score=50),
            Indicator(level1="效益指标", level2="社会效益指标", name="资金发放率", target="100%", actual="100%", weight=30, score=30),
            Indicator(level1="满意度指标", level2="服务对象满意度指标", name="学生满意度", target="≥90%", actual="95%",
                      weight=10, score=10),
            Indicator(level1="过程指标", name="评审程序是否公正", target="是", actual="是")]
    report = run_checks(Form(id="x", source=Source(path="t", index=0), indicators=rows))
    assert not [f for f in report.findings if f.indicator and f.indicator.index == 3 and "分类" in f.message]
    assert not [f for f in report.findings if f.check == "PF206" or "缺少" in f.message and "过程" in f.message]
