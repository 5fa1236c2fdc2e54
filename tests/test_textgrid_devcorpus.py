"""Real excerpts from other provinces (tests/data/devcorpus, public pages named on their first
line) turned into grids. Every expected row below was checked by hand against its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.extract.grid import Grid
from reviewer.extract.layouts import tabular
from reviewer.extract.textgrid import text_grids

DEVCORPUS = Path(__file__).resolve().parent / "data" / "devcorpus"


def grids(name: str) -> list[Grid]:
    return text_grids((DEVCORPUS / name).read_text(encoding="utf-8"))


def flat(text: str) -> str:
    return "".join(text.split())


def row_with(grid: Grid, text: str) -> list[str]:
    """The texts of the first row holding a cell whose text (spaces squashed) is `text`."""
    for row in grid.rows:
        if any(flat(c.text) == text for c in row):
            return [flat(c.text) for c in row]
    raise AssertionError(f"no row with a cell {text!r}")


def header(grid: Grid, first_label: str) -> list[str]:
    return row_with(grid, first_label)


def under(grid: Grid, header_label: str, row: list[str], label: str) -> str:
    """The cell of `row` under the column labelled `label` in the header row holding `header_label`."""
    head = header(grid, header_label)
    return row[head.index(label)]


# ---------------------------------------------------------------- Hebei: one cell per line


def test_hebei_national_template_printed_one_cell_per_line():
    [grid] = grids("hebei-langfang-shipin-2019-nuantong.txt")
    assert grid.origin == "cells-per-line"
    assert row_with(grid, "项目名称")[:2] == ["项目名称", "办公宿舍楼、食堂及餐厅暖通改造经费"]
    assert row_with(grid, "主管部门")[:2] == ["主管部门", "廊坊市发改委"]
    assert row_with(grid, "实施单位")[:2] == ["实施单位", "廊坊市食品工程学校"]
    # the funding header's labels printed on two lines of their cells ("年初" / "预算数") are joined;
    # the line holding one space is the empty cell above the row labels
    funding = header(grid, "年初预算数")
    assert funding == ["项目资金(万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    total = row_with(grid, "年度资金总额")
    assert total == ["", "年度资金总额", "43.2", "43.2", "37.24", "10", "86%", "9"]
    assert row_with(grid, "其中:当年财政拨款")[:5] == ["", "其中:当年财政拨款", "43.2", "43.2", "37.24"]
    goal = row_with(grid, "预期目标")
    assert goal[:3] == ["年度总体目标", "预期目标", "实际完成情况"]
    assert grid.rows[grid.rows.index(next(r for r in grid.rows if flat(r[1].text) == "预期目标")) + 1][1].text == "43.2"


HEBEI_INDICATORS = [
    # (level1, level2, name, target, actual, weight, score, deviation) as written, read by hand
    ("产出指标", "数量指标", "指标1工程资金金额", "43.2", "37.24", "10", "9", "已完工,剩余3%尾款未付,且最高限价低于预算金额。提高预算准确度。"),
    ("", "质量指标", "指标1工程完工率", "100", "100", "10", "10", ""),
    ("", "", "指标2工程验收合格率", "100", "100", "10", "10", ""),
    ("", "时效指标", "指标1项目完成及时率", "100", "100", "10", "10", ""),
    ("", "成本指标", "指标1成本控制率", "100", "100", "10", "10", ""),
    ("效益指标", "经济效益指标", "指标1安全率", "100", "100", "10", "10", "0"),
    ("", "社会效益指标", "指标1学校发展能力", "100", "100", "10", "10", "0"),
    ("效益指标", "可持续影响指标", "指标1长期使用性", "100", "100", "10", "10", ""),
    ("满意度指标", "服务对象满意度指标", "指标1学生满意度", "100", "100", "10", "10", "0"),
]


@pytest.mark.parametrize("expected", HEBEI_INDICATORS, ids=lambda e: e[2])
def test_hebei_indicator_rows_are_rebuilt_from_the_header_width_and_level_names(expected):
    [grid] = grids("hebei-langfang-shipin-2019-nuantong.txt")
    assert header(grid, "一级指标") == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                                      "偏差原因分析及改进措施"]
    assert tuple(row_with(grid, expected[2])) == expected


def test_hebei_cells_keep_their_line_numbers():
    [grid] = grids("hebei-langfang-shipin-2019-nuantong.txt")
    row = next(r for r in grid.rows if r[2].text == "指标1工程资金金额")
    assert [c.where for c in row[:7]] == ["line 122", "line 124", "line 126", "line 128", "line 130", "line 132",
                                          "line 134"]
    lines = (DEVCORPUS / "hebei-langfang-shipin-2019-nuantong.txt").read_text(encoding="utf-8").split("\n")
    assert [lines[n - 1] for n in (122, 126, 134)] == ["产出指标", "指标1工程资金金额", "9"]
    header_cell = next(c for c in grid.rows[0] + [c for r in grid.rows for c in r] if c.text == "年初\n预算数")
    assert header_cell.where == "lines 27-29"


def test_hebei_reads_as_a_form_through_the_tab_separated_layout():
    [grid] = grids("hebei-langfang-shipin-2019-nuantong.txt")
    [form] = tabular.parse(grid.to_tsv(), "hebei")
    assert (form.name, form.department, form.unit) == ("办公宿舍楼、食堂及餐厅暖通改造经费", "廊坊市发改委", "廊坊市食品工程学校")
    assert (form.funding.annual_budget, form.funding.executed, form.funding.score) == (432000.0, 372400.0, 9.0)
    named = {i.name: i for i in form.indicators}
    assert (named["指标1工程资金金额"].weight, named["指标1工程资金金额"].score) == (10.0, 9.0)
    assert named["指标1学生满意度"].level1 == "满意度指标"
    assert named["指标1长期使用性"].level2 == "可持续影响指标"


# ---------------------------------------------------------------- Anhui: pipe rows, padded


def test_anhui_department_rubric_pipe_rows_split_over_lines_and_padded():
    [grid] = grids("ah-shouxian-2023-bumen-zhengti-pipe.txt")
    assert grid.origin == "pipes"
    assert header(grid, "序号") == ["序号", "一级指标", "二级指标", "三级指标", "指标分值", "指标解释", "指标说明及评分标准", "自评得分"]
    first = row_with(grid, "基础信息完整性")
    assert [first[i] for i in (0, 1, 2, 3, 4, 7)] == ["1", "规划(15分)", "基础信息(3分)", "基础信息完整性", "3", "3"]
    # a row whose 一级指标 was merged (dropped and padded at the end) is placed back
    second = row_with(grid, "年度工作计划完整性")
    assert [second[i] for i in (0, 1, 2, 3, 4, 7)] == ["2", "", "工作计划(6分)", "年度工作计划完整性", "3", "3"]
    third = row_with(grid, "年度工作计划明确性")
    assert [third[i] for i in (0, 1, 2, 3, 4, 6, 7)] == ["3", "", "", "年度工作计划明确性", "3", "年度工作计划是否明确可操作(3分)", "3"]
    fifth = row_with(grid, "年度绩效目标明确性")
    assert [fifth[i] for i in (0, 3, 4, 7)] == ["5", "年度绩效目标明确性", "2", "2"]
    # the excerpt ends inside row 6: what is there is read, and the cut is said
    sixth = row_with(grid, "预算执行率")
    assert [sixth[i] for i in (0, 1, 2, 3, 4)] == ["6", "执行(35分)", "预算执行(18分)", "预算执行率", "5"]
    assert sixth[6].startswith("1、除上级政策性因素影响外")
    assert any("ends inside this row" in n for n in grid.notes)


# ---------------------------------------------------------------- Hunan: traditional pipes


def test_hunan_traditional_pipes_are_simplified_and_keep_what_was_written():
    [grid] = grids("hn-yueyanglou-jiagerenzheng-2023-zhengti-mubiao-trad-pipe.txt")
    assert header(grid, "一级指标") == ["一级指标", "二级指标", "三级指标", "指标值类型", "*指标值", "计量单位", "*指标解释",
                                      "*评(扣)分标准", "备注"]
    assert row_with(grid, "业务工作支出安排金额")[:6] == ["产出指标", "数量指标", "业务工作支出安排金额", "定量", "28.8万元", "%"]
    assert row_with(grid, "业务工作支出到位率")[:6] == ["", "质量指标", "业务工作支出到位率", "定量", "100", "%"]
    # 按月安排 spans 指标值 and 计量单位 in the source: the unit column stays empty, the rest is in place
    assert row_with(grid, "工作安排时间")[:8] == ["", "时效指标", "工作安排时间", "定量", "按月安排", "",
                                              "该指标主要考察业务工作支出安排时间", "未达指标值酌情扣分"]
    assert row_with(grid, "社会成本指标")[:6] == ["", "成本指标", "社会成本指标", "定量", "100", "%"]
    assert row_with(grid, "保证单位正常运转")[:6] == ["", "社会效益指标", "保证单位正常运转", "定性", "应保尽保", "%"]
    cell = next(c for r in grid.rows for c in r if c.text == "产出指标")
    assert cell.original == "產(chǎn)出指標(biāo)"
    assert cell.where == "line 15"
    assert any("traditional script" in n for n in grid.notes)


# ---------------------------------------------------------------- Sichuan: Markdown pipes


def test_sichuan_markdown_pipes_with_line_breaks_in_empty_cells():
    first, second = grids("sc-dazhou-nyj-bumen-defenbiao-mdpipe.txt")
    assert header(first, "一级指标") == ["一级指标", "二级指标", "三级指标", "得分"]
    assert row_with(first, "相关性(5分)") == ["部门决策(25分)", "目标任务(15分)", "相关性(5分)", ""]
    assert row_with(first, "明确性(5分)") == ["", "", "明确性(5分)", ""]
    assert row_with(first, "测算依据(5分)") == ["", "预算编制(10分)", "测算依据(5分)", ""]
    assert row_with(first, "市级财力专项预算分配时限(1分)") == ["综合管理(30分)", "专项资金分配时限(2分)", "市级财力专项预算分配时限(1分)", ""]
    assert row_with(first, "协作部门满意度(3分)") == ["", "满意度(10分)", "协作部门满意度(3分)", ""]
    # a second table of another width starts at its own header
    assert header(second, "分值") == ["一级指标", "二级指标", "三级指标", "分值", "得分"]
    assert row_with(second, "必要性") == ["(20分)", "(10分)", "必要性", "5", ""]
    assert row_with(second, "可行性") == ["", "", "可行性", "5", ""]
    assert row_with(second, "资金使用") == ["", "", "资金使用", "4", ""]
    assert row_with(second, "经济效益(可选项)") == ["", "(50分)", "经济效益(可选项)", "40", ""]


# ---------------------------------------------------------------- Beijing: flattened, no separators


def test_beijing_flattened_line_is_cut_at_labels_and_fused_numbers_left_empty():
    [grid] = grids("bj-haidian-xueyuanlu-2016-baojie-wenku365.txt")
    assert grid.origin == "flattened"
    assert row_with(grid, "项目名称")[:2] == ["项目名称", "【体制】自管道路清扫保洁外包工作经费"]
    assert row_with(grid, "主管部门及代码")[:2] == ["主管部门及代码", "北京市海淀区人民政府学院路街道办事处"]
    assert row_with(grid, "实施单位:")[:2] == ["实施单位:", "北京市海淀区学院路街道城市运行服务中心"]
    funding = header(grid, "年初预算数(A)")
    assert funding[:7] == ["项目资金(万元)", "年初预算数(A)", "全年执行数(B)", "分值(10分)", "执行率(B/A)", "得分", "得分计算方法"]
    total = row_with(grid, "年度资金总额:")
    # "310.2154.741050%5": 年初预算数, 全年执行数, 分值 and 执行率 written together; only 得分 is sure
    assert total[1:7] == ["", "", "", "", "5", "执行率*该指标分值,最高不得超过分值上限。"]
    assert row_with(grid, "其中:本年一般公共预算拨款")[1:6] == ["", "", "", "", ""]
    notes = " ".join(grid.notes)
    assert "'310.2154.741050%' is several numbers written together" in notes
    assert "'310.2154.74' is several numbers written together" in notes
    assert "'12.512.512.5' is several numbers written together" in notes
    indicators = header(grid, "一级指标")
    assert indicators[1:] == ["一级指标", "二级指标", "三级指标", "分值", "年度指标值(A)", "全年实际值(B)", "得分计算方法", "得分",
                              "未完成原因分析"]
    row = row_with(grid, "是否完成绩效目标申报表中申报的数量")
    assert row[2:9] == ["数量指标", "是否完成绩效目标申报表中申报的数量", "", "", "",
                        "完成值达到指标值,记满分;未达到指标值,按B/A或A/B*该指标分值记分。", "12.5"]
    # the page marker "3、" of the document site is not part of the text; the last row is cut
    assert row_with(grid, "是否达到国")[1:4] == ["产出指标(50分)", "质量指标", "是否达到国"]


def test_beijing_no_fused_number_reaches_a_cell():
    [grid] = grids("bj-haidian-xueyuanlu-2016-baojie-wenku365.txt")
    texts = {c.text for r in grid.rows for c in r}
    assert not {"310.2154.741050%", "310.2154.74", "12.512.512.5", "310.2", "154.74", "50%"} & texts


# ---------------------------------------------------------------- Hubei: traditional mirror, flattened


def test_hubei_mirror_is_simplified_and_its_flattened_form_read():
    [grid] = grids("hb-huanggang-danganguan-2020-trad-mirror.txt")
    assert row_with(grid, "单位名称:")[:2] == ["单位名称:", "黄冈市档案馆"]
    assert row_with(grid, "填报日期:")[:2] == ["填报日期:", "2021年4月"]
    assert row_with(grid, "项目名称")[:2] == ["项目名称", "档案抢救与保护、档案工作考评、查询利用、档案资料征集、数字化、编研、陈列等专项经费"]
    assert row_with(grid, "主管部门")[:2] == ["主管部门", ""]
    assert row_with(grid, "项目实施单位")[:2] == ["项目实施单位", "黄冈市档案馆"]
    assert row_with(grid, "项目类别")[:2] == ["项目类别", "1、上级专项2、本级专项"]
    assert header(grid, "预算数(A)")[:5] == ["预算执行情况(万元)(20分)", "预算数(A)", "执行数(B)", "执行率(B/A)", "得分(20分*执行率)"]
    # "10万10万100%20": each number ends at a unit or a percent sign, so each is sure
    assert row_with(grid, "年度财政资金总额")[:5] == ["年度财政资金总额", "10万", "10万", "100%", "20"]
    assert row_with(grid, "一级指标")[:3] == ["年度绩效指标", "一级指标", "二级指标"]
    unit = next(c for r in grid.rows for c in r if c.text == "黄冈市档案馆")
    assert unit.original == "黃岡市檔案館"


# ---------------------------------------------------------------- Yunnan: a narrative report


def test_yunnan_narrative_report_holds_no_table():
    assert grids("yn-honghe-shujuzhongxin-2024-ziping-report.txt") == []
