"""Rules learned from real forms of provinces the dev set lacked (tests/data/realforms/dev:
yn-*, sx-*, hi-swt-*, hb-huangshi-*, ah-yuan-*, ah-huoshan-*), each on a small text written the
way those pages write: single spaces with headers wrapped in their cells, a table of one
value a row, pipe rows shorter than the table, pipe lines broken one cell after each row.

Never a guessed number: a cell goes where the text shows it belongs, or stays empty.
"""

from __future__ import annotations

from reviewer.extract import parse_text
from reviewer.extract.layouts.tabular import _spaced_fields

# Single spaces; the header's 年度指标值 / 实际完成值 wrapped in their cells (the halves on the
# next line); a long row whose 分值 得分 went to the next line; label and value on one line.
WRAPPED = """市级文物保护专项经费绩效自评表(2022年度)
项目名称 市级文物保护专项经费
主管部门 某区文化和旅游局   实施单位 某区文物所
项目资金 年初预算数 全年预算数 全年执行数 分值 执行率 得分
(万元) 年度资金总额 29 29 27.8 9 95.8% 8
绩效指标 一级指标 二级指标 三级指标 年度 实际 分值 得分 偏差原因分析及改进措施
指标值 完成值
产出指标 数量指标 指标1:修缮建筑数量 完成罗氏宗祠、李氏宗祠、英布墓日常维护和护栏制装 完成罗氏宗祠、李氏宗祠、英布墓日常维护和护栏制装
7 7
指标2:修缮建筑面积 6000平方米 6000平方米 7 7
质量指标 指标1:验收通过率 100% 95% 6 5
"""


def test_a_header_wrapped_in_its_cells_and_a_rows_points_on_the_next_line():
    (form,) = parse_text(WRAPPED, "wrapped.txt")
    assert (form.name, form.department, form.unit) == ("市级文物保护专项经费", "某区文化和旅游局", "某区文物所")
    assert [(i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators] == [
        ("指标1:修缮建筑数量", "完成罗氏宗祠、李氏宗祠、英布墓日常维护和护栏制装",
         "完成罗氏宗祠、李氏宗祠、英布墓日常维护和护栏制装", 7, 7),
        ("指标2:修缮建筑面积", "6000平方米", "6000平方米", 7, 7),
        ("指标1:验收通过率", "100%", "95%", 6, 5)]


def test_label_and_value_cells_joined_with_spaces_are_parted():
    assert _spaced_fields("主管部门 某局   实施单位 某所") == ("主管部门", "某局", "实施单位", "某所")
    assert _spaced_fields("项目名称 市级文物保护专项经费") == ("项目名称", "市级文物保护专项经费")
    assert _spaced_fields("单位名称: 某局   填报日期: 2022年7月16日") is None  # a colon's value: read as such
    assert _spaced_fields("实施单位 (盖章)") is None  # one label with its note
    assert _spaced_fields("单位: 万元") is None  # the currency, read as such
    assert _spaced_fields("完成全县河道保洁 任务") is None  # no label first: not a header cell


# A project not started: every row holds its target alone; 5000 and 2023.12 are no scores, so
# 95 is a target too. The funding weight stands on its own line above the funding header.
ONE_VALUE = """2021年度项目支出绩效自评表
项目名称 保种场建设项目
主管部门 某县人民政府 实施单位 某县农业农村局
预算执行情况(万元)
(20分)
预算数(A) 执行数(B) 执行率(B/A)
年度财政资金总额 1500 0.00  0.0000
一级指标 二级指标 三级指标 年初目标值(A) 实际完成值(B) 得分
产出指标 数量指标 标准化圈舍面积(平方米) 5000
保种数量(头) 300
质量指标 工程合格率(%) 95
时效指标 项目竣工时间 2023.12
效益指标 年新增畜牧产值 (万元) 500
满意度指标  服务对象满意度指标 项目业主满意度(%) 95
总分
"""


def test_a_table_of_one_value_a_row_reads_targets():
    (form,) = parse_text(ONE_VALUE, "one-value.txt")
    assert [(i.name, i.target, i.actual, i.score) for i in form.indicators] == [
        ("标准化圈舍面积(平方米)", "5000", "", None), ("保种数量(头)", "300", "", None),
        ("工程合格率(%)", "95", "", None), ("项目竣工时间", "2023.12", "", None),
        ("年新增畜牧产值(万元)", "500", "", None), ("项目业主满意度(%)", "95", "", None)]
    f = form.funding
    assert (f.annual_budget, f.executed, f.weight) == (15000000, 0, 20)


def test_a_lone_small_number_stays_a_score_when_no_row_shows_otherwise():
    text = ONE_VALUE.replace(" 5000\n", " 50\n").replace(" 300\n", " 30\n").replace(" 2023.12\n", " 20\n")
    text = text.replace(" 500\n", " 5\n")
    (form,) = parse_text(text, "small.txt")
    assert all(i.target == "" for i in form.indicators)  # nothing shows these are targets


# Pipe rows shorter than the table (level-1 cells merged away, empty cells dropped), a funding
# label on its own line before its cells, and a goal header on a line of its own.
SHORT_PIPES = """项目支出绩效自评表 |
| ( 2023年度) |
项目名称 | 野生动物收容所建设项目 |
主管部门 | 某区林业和草原局 | 实施单位 | 某林场 |
项目资金 (万元) |
| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |
年度资金总额 |
| 32.4 | 31.69 | 10 | 97.80% | 9 |
年度 总体 目标 | 预期目标 | 实际完成情况 |
新建收容所1间200平方米,钢结构圈养围栏120米,能同时收容近百头野生动物。 | 完成收容所1间200平方米,围栏120米,能同时收容近百头野生动物。 |
|
绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 |
|
产出指标 | 数量指标 | 野生动物收容所 | ≥200平方米 | 204.46平方米 | 10 | 10 | 无 |
数量指标 | 钢结构圈养围栏 | ≥120米 | 121.5米 | 10 | 10 | 无 |
时效指标 | 项目完工时限 | 2023年12月 | 2023年10月 | 15 | 15 | 无 |
效益指标 | 经济效益指标 | 务工人员年人均增收 | ≥8400元 | 8400元 | 10 | 10 | 无 |
社会效益指标 | 提供务工岗位 | ≥5个 | 5个 | 10 | 10 | 无 |
总分 | 100 | 100 |
"""


def test_pipe_rows_shorter_than_the_table():
    (form,) = parse_text(SHORT_PIPES, "short-pipes.txt")
    assert (form.name, form.unit) == ("野生动物收容所建设项目", "某林场")
    assert form.goal.planned.startswith("新建收容所") and form.goal.actual.startswith("完成收容所")
    assert [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators] == [
        ("产出指标", "数量指标", "野生动物收容所", "≥200平方米", "204.46平方米", 10, 10),
        ("产出指标", "数量指标", "钢结构圈养围栏", "≥120米", "121.5米", 10, 10),
        ("产出指标", "时效指标", "项目完工时限", "2023年12月", "2023年10月", 15, 15),
        ("效益指标", "经济效益指标", "务工人员年人均增收", "≥8400元", "8400元", 10, 10),
        ("效益指标", "社会效益指标", "提供务工岗位", "≥5个", "5个", 10, 10)]


def test_the_rate_places_amounts_a_dropped_cell_left_between_columns():
    (form,) = parse_text(SHORT_PIPES, "short-pipes.txt")
    f = form.funding
    assert (f.annual_budget, f.executed, f.weight, f.execution_rate, f.score) == (324000, 316900, 10, 97.8, 9)
    assert f.initial_budget is None  # no amount is left for it


def test_amounts_whose_quotient_is_not_the_rate_stay_unread():
    (form,) = parse_text(SHORT_PIPES.replace("| 32.4 | 31.69 |", "| 32.4 | 30.00 |"), "short-pipes.txt")
    assert (form.funding.annual_budget, form.funding.executed) == (None, None)


# Pipe lines broken one cell after each row's end, and a two-row header printed upper row first.
BROKEN = """2022年度项目支出绩效自评表 |
| 项目名称 | 营养改善计划专项资金 | 主管部门 | 某县教育体育局 | 实施单位 | 某中学 | 项目资金 (元) |
| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 | 年度资金总额 |
| 1000 | 1000 | 10 | 100% | 10 | 其中:当年财政 拨款 |
| 1000 | 1000 | — |
| — | 上年结转 资金 |
| — | 其他资金 | — | — | — | — |
| — | 绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 产出指标 | 数量指标 | 学生受资助人数 | ≧ | 735 | 人次 | 735 | 50 | 50 |
| 质量指标 | 营养改善计划覆盖率 | ≧ | 100 | % | 100% | 40 | 38 |
| 总分 | 100 | 98 |
"""


def test_pipe_lines_broken_after_each_row_are_one_stream():
    (form,) = parse_text(BROKEN, "broken.txt")
    assert (form.name, form.department, form.unit) == ("营养改善计划专项资金", "某县教育体育局", "某中学")
    rows = [(i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators]
    assert rows == [("数量指标", "学生受资助人数", "≧735人次", "735", 50, 50),
                    ("质量指标", "营养改善计划覆盖率", "≧100%", "100%", 40, 38)]
    assert (form.total_weight, form.total_score) == (100, 98)


def test_a_project_rubric_without_a_name_stays_a_projects_form():
    text = """服务贸易项目绩效自评表
一级指标 分值 二级指标 分值 三级指标 分值 得分
项目决策 20 项目目标 4 目标内容 4 4
决策过程 8 决策依据 3 3
决策程序 5 5
"""
    forms = parse_text(text, "rubric.txt")
    assert forms and forms[0].kind == "self_evaluation"


def test_a_header_value_ends_where_the_next_tables_labels_begin():
    from reviewer.extract.layouts.tabular import _section_start

    text = "稷山县医疗保障局项目资金年初预算数(万元)"
    assert text[:_section_start(text)] == "稷山县医疗保障局"
    assert _section_start("项目资金管理办公室") is None  # a section's word with no column label after it
