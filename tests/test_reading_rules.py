"""The general rules the joined-up reader follows on text that has lost its table, each on a
small text written the way real converters write (the real cases are in tests/data/realforms).

Never a guessed number: where a number's column cannot be shown, it is left empty and said.
"""

from __future__ import annotations

import pytest

from reviewer.extract import ExtractFailure, check_complete, parse_text

# A web page copied as text: cells parted by single spaces, a row (or part of one) per line, a
# level name wrapped over two lines, the funding header with no column for the row labels.
WORDS = """项目支出绩效自评表
(2022年度)
项目名称 河道保洁经费
主管部门 某县水利局 实施单位 某县河道管理所
项目资金
(万元)
年初预算数 全年预算数(A) 全年执行数(B) 分值 执行率(B/A) 得分
年度资金总额: 50 50 48 10 96% 9.6
年度总体目标 预期目标 实际完成情况
 完成全县河道保洁。 全年保洁河道120公里。
一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分
产出指标 数量指标 指标1:保洁河道长度 ≥120公里 120公里 20 20
质量指标 指标1:河面漂浮物清理率 ≥95% 97% 20 20
效益指标 社会效益
指标 指标1:群众投诉次数 ≤5次 2次 30 30
满意度指标 服务对象满意度指标 指标1:沿河群众满意度 ≥90% 95% 20 19
总分 100 99.6
"""


def test_single_space_rows_are_a_table():
    (form,) = parse_text(WORDS, "words.txt")
    assert (form.name, form.department, form.unit, form.year) == ("河道保洁经费", "某县水利局", "某县河道管理所", 2022)
    f = form.funding
    assert (f.initial_budget, f.annual_budget, f.executed, f.weight, f.execution_rate, f.score) == (
        500000, 500000, 480000, 10, 96, 9.6)
    assert (form.goal.planned, form.goal.actual) == ("完成全县河道保洁。", "全年保洁河道120公里。")
    assert [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators] == [
        ("产出指标", "数量指标", "指标1:保洁河道长度", "≥120公里", "120公里", 20, 20),
        ("产出指标", "质量指标", "指标1:河面漂浮物清理率", "≥95%", "97%", 20, 20),
        ("效益指标", "社会效益指标", "指标1:群众投诉次数", "≤5次", "2次", 30, 30),
        ("满意度指标", "服务对象满意度指标", "指标1:沿河群众满意度", "≥90%", "95%", 20, 19)]
    assert (form.total_weight, form.total_score) == (100, 99.6)


def test_a_row_with_more_cells_than_columns_reads_no_number():
    # "完成 率" holds the separator: which cell is split is not written, so no number is placed.
    text = WORDS.replace("指标1:河面漂浮物清理率 ≥95% 97% 20 20", "指标1:河面漂浮物 清理率 ≥95% 97% 20 20 好")
    (form,) = parse_text(text, "words.txt")
    row = form.indicators[1]
    assert (row.weight, row.score) == (None, None)
    assert any("its numbers not read" in w.message for w in form.warnings)


FLAT = ("项目名称 档案数字化经费 主管部门 某市档案局 实施单位 某市档案馆 项目资金(万元) 年初预算数 全年执行数 分值 "
        "执行率 得分 得分计算方法 年度资金总额: {funding} 执行率*该指标分值 一级指标 二级指标 三级指标 年度指标值 "
        "实际完成值 分值 得分 产出指标 数量指标 数字化档案卷数 ≥1000卷 1200卷 50 50 总分 100 100")


def test_a_number_right_after_numbers_written_together_is_read_only_when_anchored():
    # "30.230.250" fuses 年初预算数 | 全年执行数 | 分值; "100%" and "10" after it fill the columns
    # up to 得分计算方法's text: anchored, so 执行率 and 得分 are read, the fused ones are not.
    (form,) = parse_text(FLAT.format(funding="30.230.210 100% 10"), "flat.txt")
    f = form.funding
    assert (f.initial_budget, f.executed, f.weight) == (None, None, None)
    assert (f.execution_rate, f.score) == (100, 10)
    assert any("several numbers written together" in w.message for w in form.warnings)


def test_a_lone_goal_cell_in_pipe_rows_is_not_guessed():
    # An HTML-to-text converter drops the empty 预期目标 cell: the one cell left may be either part.
    text = ("项目名称 | 测试项目 | |\n年度总体目标 | 预期目标 | 实际完成情况 |\n按计划完成了全部工作 | ||\n"
            "一级指标 | 二级指标 | 三级指标 | 分值 | 得分 |\n产出指标 | 数量指标 | 完成数量 | 50 | 50 |\n总分 | 50 | 50 |\n")
    (form,) = parse_text(text, "pipes.txt")
    assert (form.goal.planned, form.goal.actual) == ("", "")
    assert any("which one it is cannot be told" in w.message for w in form.warnings if w.field == "goal")
    assert [(i.name, i.weight, i.score) for i in form.indicators] == [("完成数量", 50, 50)]


def test_a_form_with_funding_or_a_goal_is_read_and_a_header_alone_is_truncated():
    funded = "项目名称\t测试项目\n\t年初预算数\t全年预算数\t全年执行数\n年度资金总额\t10\t10\t9\n"
    (form,) = parse_text(funded, "funded.txt")
    assert form.funding.executed == 9 and not form.indicators
    assert check_complete(form) is None
    goal_only = "项目名称\t测试项目\n年度总体目标\t预期目标\t实际完成情况\n\t完成培训\t培训200人次\n"
    (form,) = parse_text(goal_only, "goal.txt")
    assert check_complete(form) is None
    header = "项目名称\t测试项目\n主管部门\t某局\t实施单位\t某中心\n"
    try:
        forms = parse_text(header, "header.txt")
    except ExtractFailure:
        return
    assert "truncated" in check_complete(forms[0])


@pytest.mark.parametrize("layout_text", [WORDS.replace("年度资金总额: ", "年度资金总额 ")])
def test_a_layout_whose_claim_is_weak_gives_way_to_the_grid_reader(layout_text):
    # "年度资金总额 50 50 48" at a line start is what the Shenzhen dump layout looks for; it claims
    # the text but finds no 项目名称 in its shape: the grid reader's fuller reading is taken.
    (form,) = parse_text(layout_text, "words.txt")
    assert form.name == "河道保洁经费" and form.source.layout == "tabular"
    assert len(form.indicators) == 4
