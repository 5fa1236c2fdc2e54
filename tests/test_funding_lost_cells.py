"""A funding row that lost a cell: its numbers are placed only where the row proves it.

Pipe rows drop empty cells and pad the row's end ("年度资金总额 | 387664.62 | 10 | 100% | 10 | ||||"
under 年初 | 全年预算 | 全年执行 | 分值 | 执行率 | 得分). An amount and a weight are all numbers,
so which column each stood in is no longer written: the reader may settle them by the row's own
执行率 (the quotient of 全年执行数 and 全年预算数), else leaves them empty with a warning, never
the aligner's preference. The text is the rendering of the real Yongde form
(tests/data/realforms/dev/yn-yongde-minglang-2022-yingyang-pipe) whose 年初 and 全年预算 cells
are blank, as tests/test_realforms_carriers.py writes it.
"""

from __future__ import annotations

from reviewer.extract import parse_text

HEAD = """项目支出绩效自评表
（2022年度）
项目名称 | 义务教育营养改善计划专项资金 | |||||||
主管部门 | 永德县教育体育局 | 实施单位 | 永德县明朗中学 | |||||
项目资金
（元） | 年初
预算数 | 全年
预算数 | 全年
执行数 | 分值 | 执行率 | 得分 | ||
"""
TAIL = """年度总体目标 | 预期目标 | 实际完成情况 | ||||||
确保每一个学生都能享受到国家政策福利 | 确保每一个学生都能享受到国家政策福利 | |||||||
绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度
指标值 | 实际
完成值 | 分值 | 得分 | 偏差原因分析
及改进措施 |
产出指标 | 数量指标 | 学生受资助人数 | ≥735人次 | 735 | 50 | 50 | ||
满意度指标 | 服务对象满意度指标 | 学生满意度 | ≥95% | 100% | 40 | 36 | ||
总分 | 100 | 96 | ||||||
"""


def _funding(rows: str):
    [form] = parse_text(HEAD + rows + TAIL, "yongde-rendered.txt")
    return form.funding, [w for w in form.warnings if w.field.startswith("funding")]


def test_a_lone_amount_beside_the_weight_is_not_placed_by_preference():
    funding, warnings = _funding("年度资金总额 | 387664.62 | 10 | 100% | 10 | ||||\n")
    row = funding.rows[0]
    # 387664.62 may be any of the three amounts and 10 the weight or an amount: neither is read
    assert (row.initial_budget, row.annual_budget, row.executed, funding.weight) == (None, None, None, None)
    assert any("387664.62" in w.message and "could be under" in w.message for w in warnings)
    # what the row does show stays read: the rate, and the score after it
    assert (funding.execution_rate, funding.score) == (100.0, 10.0)


def test_the_rows_own_rate_settles_which_neighbours_are_budget_and_spent():
    funding, _ = _funding("年度资金总额 | 387664.62 | 387664.62 | 10 | 100% | 10 | |||\n")
    row = funding.rows[0]
    assert (row.initial_budget, row.annual_budget, row.executed, funding.weight) == (None, 387664.62, 387664.62, 10.0)


def test_a_sub_row_with_as_many_numbers_as_amount_columns_keeps_them():
    # 分值 / 执行率 / 得分 go with the total row: a 其中 row's three numbers are its three amounts
    funding, _ = _funding("年度资金总额 | 387664.62 | 387664.62 | 387664.62 | 10 | 100% | 10 | ||\n"
                          "其中：当年财政拨款 | 300000 | 300000 | 300000 | |||||\n")
    sub = funding.rows[1]
    assert (sub.initial_budget, sub.annual_budget, sub.executed) == (300000.0, 300000.0, 300000.0)


def test_a_dash_does_not_pin_a_number_to_a_column():
    funding, _ = _funding("年度资金总额 | 387664.62 | 387664.62 | 387664.62 | 10 | 100% | 10 | ||\n"
                          "其中：当年财政拨款 | 31.69 | — | — | — | ||||\n")
    sub = funding.rows[1]
    assert (sub.initial_budget, sub.annual_budget, sub.executed) == (None, None, None)


def test_a_row_whose_blank_cells_are_written_is_read_by_position():
    # One cell a line, a lone '|' for a blank cell (as realforms/dev/sc-qingshen…-pipecell prints):
    # every cell of the row is written, so 387664.62 stands under 全年执行数.
    text = "\n".join([
        "项目支出绩效自评表", "（2022年度）", "项目名称 |", "义务教育营养改善计划专项资金 |",
        "项目资金", "（元） |", "|", "年初", "预算数 |", "全年", "预算数 |", "全年", "执行数 |", "分值 |", "执行率 |", "得分 |",
        "年度资金总额 |", "|", "|", "387664.62 |", "10 |", "100% |", "10 |",
        "绩效指标 |", "一级指标 |", "二级指标 |", "三级指标 |", "年度", "指标值 |", "实际", "完成值 |", "分值 |", "得分 |",
        "偏差原因分析", "及改进措施 |",
        "产出指标 |", "数量指标 |", "学生受资助人数 |", "≥735人次 |", "735 |", "50 |", "50 |", "|",
        "满意度指标 |", "服务对象满意度指标 |", "学生满意度 |", "≥95% |", "100% |", "50 |", "46 |", "|",
        "总分 |", "100 |", "96 |", ""])
    [form] = parse_text(text, "yongde-pipe-cells.txt")
    row = form.funding.rows[0]
    assert (row.initial_budget, row.annual_budget, row.executed) == (None, None, 387664.62)
    assert (form.funding.weight, form.funding.execution_rate, form.funding.score) == (10.0, 100.0, 10.0)


def test_aligned_text_funding_rows_stand_under_their_labels():
    # pdftotext -layout: the amounts stand under their labels, a blank 年初预算数 and 全年预算数
    # left as spaces; the row label stands left of the first amount column.
    text = "\n".join([
        "项目支出绩效自评表",
        "项目名称                  2023年马鹿坑国有林场新建野生动物收容所建设项目",
        "项目资金（万元）                          年初预算数      全年预算数  全年执行数  分值  执行率  得分",
        "                          年度资金总额                                31.69       10    97.8%   9",
        "                          其中：当年财政拨款                          31.69       —     —       —",
        "绩效指标      一级指标    二级指标        三级指标        年度指标值  实际完成值  分值  得分",
        "              产出指标    数量指标        野生动物收容所  ≥200平方米  204.46平方米 50   50",
        "              满意度指标  服务对象满意度  群众满意度      ≥95%        98%         50    45",
        "总分                                                                              100   95",
        ""])
    [form] = parse_text(text, "linxiang-aligned.txt")
    total, sub = form.funding.rows
    assert (total.initial_budget, total.annual_budget, total.executed) == (None, None, 316900.0)
    assert (sub.initial_budget, sub.annual_budget, sub.executed) == (None, None, 316900.0)
    assert (form.funding.weight, form.funding.execution_rate, form.funding.score) == (10.0, 97.8, 9.0)


def test_a_row_cut_by_the_end_of_the_text_keeps_its_first_cells_in_order():
    # As realforms/dev/yn-lijiang…-trad-pipe ends: the last row stops after its 分值; its cells are
    # the row's first ones, so 95 is the 实际完成值 and 10.00 the 分值 (not left unread as either).
    text = "\n".join([
        "项目名称 | 卫片执法补助经费 |",
        "绩效指标 | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 实际完成值 | 分值 | 得分 | 偏差原因 |",
        "| 产出指标 | 数量指标 | 卫片执法补助经费 | ＝ | 72890 | 元 | 72890 | 10.00 | 9.00 | ||",
        "| 效益指标 | 社会效益指标 | 违法行为责停率 | ≥ | 95 | % | 95 | 30.00 | 27.00 | ||",
        "| 满意度指标 | 服务对象满意度指标 | 满意度 | ≥ | 95 | % | 95 | 10.00 |",
    ])
    [form] = parse_text(text, "lijiang-cut.txt")
    last = form.indicators[-1]
    assert (last.name, last.actual, last.weight, last.score) == ("满意度", "95", 10.0, None)
