"""Funding tables written in shapes other than the national template's rows, read by the
tabular layout (reviewer/extract/layouts/tabular.py), on renderings none of the rules was
built from: other labels, other units, tab exports and spaced text beside the dev forms
(hebei-chengan-mzj-2020-gaoling-flatlines, nx-yuanzhou-njzx-2022-malingshu-zhuanyi-ocrflat)
the rules were first seen on.

- label value label value: "预算数 6.84 到位数 6.84 执行数 6.84 100.00", each column a label and
  its amount side by side, rows repeating their own label before each amount;
- funding written only in one source row (中央补助 | 自治区补助 300 … | 市县资金), the others
  blank: that row's amounts are the totals; never when another row holds an amount;
- a row's amounts running on over lines of their own: read only where the rate is the
  quotient of the two amounts;
- never a guessed number: where the shape does not hold, the amounts stay empty.
"""

from __future__ import annotations

from reviewer.extract.files import parse_text
from reviewer.extract.layouts import tabular

HEADER = ["项目支出绩效自评表", "(2021年度)", "项目名称|测试项目|金额单位:|万元", "主管部门|某区某局|实施单位|某区某中心"]
INDICATORS = [
    "绩效指标|一级指标|二级指标|三级指标|年度指标值|实际完成值|分值|得分",
    "|产出指标|数量指标|采购设备数量|5台|5台|50|50",
    "|满意度指标|服务对象满意度指标|满意度|≥90%|95%|40|40",
]
TOTAL = ["总分|||||90|90"]


def form_with(funding: list[str], header: list[str] = HEADER, separator: str = "\t"):
    text = "\n".join(row.replace("|", separator) for row in header + funding + INDICATORS + TOTAL)
    forms = tabular.parse(text, "test.txt") if separator == "\t" else parse_text(text, "test.txt")
    assert len(forms) == 1
    return forms[0]


def notes(form) -> str:
    return " ".join(w.message for w in form.warnings if w.field.startswith("funding"))


# --- label value label value ---------------------------------------------------------------


def test_label_value_pairs_give_the_totals_and_rows():
    form = form_with([
        "二、预算执行情况|预算安排情况(调整后)|资金到位情况|资金执行情况|预算执行进度(%)",
        "全年预算数|12.5|到位数|12.5|全年执行数|10|80.00",
        "其中:当年财政拨款|12.5|其中:当年财政拨款|12.5|其中:当年财政拨款|10",
        "上年结转资金|0|上年结转资金|0|上年结转资金|0",
    ])
    f = form.funding
    assert f.currency_unit == "万元"  # "金额单位: | 万元", label and value in cells of their own
    assert (f.annual_budget, f.executed, f.execution_rate) == (125000, 100000, 80)
    assert [(r.label, r.annual_budget, r.executed) for r in f.rows] == [
        ("当年财政拨款", 125000, 100000), ("上年结转资金", 0, 0)]
    assert "到位数" in notes(form)  # the column no field takes is said, not read


def test_label_value_pairs_with_initial_budget_and_no_rate_group():
    """年初 and 全年 side by side; the lone number after the pairs has no label over it: left."""
    form = form_with(["年初预算数|8|全年预算数|9|全年执行数|9|100"])
    f = form.funding
    assert (f.initial_budget, f.annual_budget, f.executed) == (80000, 90000, 90000)
    assert f.execution_rate is None
    assert "stands under no label" in notes(form)


def test_one_label_value_pair_is_no_pair_table():
    """A single amount label with its value is no label-value table: read as before."""
    form = form_with(["项目资金|年初预算数|全年预算数|全年执行数|执行率",
                      "年度资金总额|10|10|9|90%"])
    assert (form.funding.annual_budget, form.funding.executed) == (100000, 90000)


# --- funding written only in a source row ----------------------------------------------------


SOURCES = "资金情况(万元)|全年预算数(A)|全年执行数(B)|执行率(B/A)"


def test_only_source_row_filled_gives_the_totals():
    form = form_with([SOURCES, "中央补助", "自治区补助|50|45|90%", "市县资金"])
    f = form.funding
    assert (f.annual_budget, f.executed, f.execution_rate) == (500000, 450000, 90)
    assert "the one source row filled" in notes(form)


def test_two_source_rows_filled_leave_the_totals_empty():
    form = form_with([SOURCES, "中央补助|20|20|100%", "自治区补助|50|45|90%", "市县资金"])
    f = form.funding
    assert (f.annual_budget, f.executed) == (None, None)  # the sum is not the form's to make
    assert len(f.rows) == 2


def test_one_source_row_and_no_blank_source_leaves_the_totals_empty():
    """Without a blank source row beside it, the filled row may be one of several whose
    others were lost: no totals read."""
    form = form_with([SOURCES, "自治区补助|50|45|90%"])
    assert form.funding.annual_budget is None


def test_a_written_total_row_is_kept():
    form = form_with([SOURCES, "年度资金总额|60|55|91.67%", "中央补助", "自治区补助|50|45|90%", "市县资金"])
    assert (form.funding.annual_budget, form.funding.executed) == (600000, 550000)


# --- amounts running on over lines of their own ----------------------------------------------


# In a tab export a line without a tab continues the cell above it (Word's text export writes a
# cell's paragraphs so: textgrid/wordtext.py); amounts run on over lines of their own come from
# text parted by spaces, as OCR'd and PDF text gives them (nx-yuanzhou).
SPACED = "   "


def test_amounts_run_on_below_their_row_when_the_rate_is_their_quotient():
    form = form_with([SOURCES, "中央补助", "自治区补助|120万元", "96万元", "80%", "市县资金"], separator=SPACED)
    f = form.funding
    assert (f.annual_budget, f.executed, f.execution_rate) == (1200000, 960000, 80)


def test_amounts_run_on_with_a_rate_that_is_no_quotient_stay_empty():
    form = form_with([SOURCES, "中央补助", "自治区补助|120万元", "96万元", "85%", "市县资金"], separator=SPACED)
    f = form.funding
    assert f.executed is None and f.execution_rate is None


# --- the indicator table beside them ---------------------------------------------------------


HEBEI_SPACED = """某县民政局2021年度预算项目绩效自评表
一、基本情况 项目名称: 困难群众临时救助 是否为专项资金: 实施(主管)单位 314003-某县民政局机关 金额单位: 万元
二、预算执行情况 预算安排情况(调整后) 资金到位情况 资金执行情况 预算执行进度(%)
预算数 20.5 到位数 20.5 执行数 18.45 90.00
其中:财政资金 20.5 其中:财政资金 20.5 其中:财政资金 18.45
其他 0.00 其他 0.00 其他 0.00
三、目标完成情况 年度预期目标 具体完成情况 总体完成率(%)
及时救助困难群众。 及时救助困难群众。 90.00
四、年度绩效指标完成情况 一级指标 二级指标 三级指标 指标分值 预期指标值 单项指标实际完成值 单项指标完成情况 自评得分
符号 单位(文字描述) 单项指标得分 权重占比(%) 单项指标折算得分
产出指标 数量指标 救助人次 全年救助困难群众的人次 >= 300 人次 320 完成 40.00 40.00 16.00
时效指标 救助及时率 申请后十日内完成救助的比例 >= 95 %(百分比) 98% 完成 30.00 30.00 9.00
满意度指标 服务对象满意度指标 救助对象满意度 受助群众对救助工作的满意程度 >= 90 %(百分比) 95% 完成 20.00 20.00 4.00
预算执行率 预算执行率
"""


def test_hebei_template_as_spaced_text():
    """The Hebei 预算项目绩效自评表 with other content, as a web page prints it (one row a line,
    cells between single spaces): the label-value funding, the unnamed explanation column
    beside every name, and the template's 预算执行率 row (one merged cell printed twice)."""
    form = parse_text(HEBEI_SPACED, "hebei.txt")[0]
    f = form.funding
    assert (f.currency_unit, f.annual_budget, f.executed, f.execution_rate) == ("万元", 205000, 184500, 90)
    assert [(r.label, r.annual_budget, r.executed) for r in f.rows] == [("财政资金", 205000, 184500), ("其他", 0, 0)]
    assert [(i.name, i.description, i.actual) for i in form.indicators] == [
        ("救助人次", "全年救助困难群众的人次", "320"),
        ("救助及时率", "申请后十日内完成救助的比例", "98%"),
        ("救助对象满意度", "受助群众对救助工作的满意程度", "95%")]


def test_hebei_pairs_with_an_amount_fused_are_not_read():
    """Where one pair's value is no number (digits fused with text), the row is no run of
    label-value pairs: nothing is read from it as pairs."""
    text = HEBEI_SPACED.replace("预算数 20.5 到位数 20.5 执行数 18.45 90.00", "预算数 20.5到位数 20.5 执行数 18.45 90.00")
    f = parse_text(text, "hebei.txt")[0].funding
    assert (f.annual_budget, f.executed) == (None, None)
    assert all(r.annual_budget is None and r.executed is None for r in f.rows)  # never a misplaced 到位数


# --- a goal written as one text ---------------------------------------------------------------


def _goal_row(text: str):
    from reviewer.extract.layouts.placement import Column, GridCell
    from reviewer.extract.raw import RawCell
    row = tabular._Row(0, [GridCell(0, RawCell(text, "line 9"))])
    columns = [Column("planned", 0, RawCell("预期目标")), Column("actual", 1, RawCell("实际完成情况"))]
    return row, columns


def test_goal_run_together_is_parted_where_the_achieved_text_restates_the_planned():
    found = tabular._restated_goal(*_goal_row("完成全县农村公路养护任务,确保道路安全畅通完成全县农村公路养护任务,道路安全畅通率98%"))
    assert [c.text for c in found] == ["完成全县农村公路养护任务,确保道路安全畅通", "完成全县农村公路养护任务,道路安全畅通率98%"]


def test_goal_run_together_without_a_restated_opening_is_not_parted():
    assert tabular._restated_goal(*_goal_row("更新剧团老化设备,添置演出设备。已完成")) is None
    # the opening three times: where the planned text ends is not known
    assert tabular._restated_goal(*_goal_row("保障学生营养餐供应保障学生营养餐供应到位保障学生营养餐供应满意")) is None
    # an opening shorter than six characters proves nothing
    assert tabular._restated_goal(*_goal_row("完成任务,按时完成完成任务,已按时完成")) is None
