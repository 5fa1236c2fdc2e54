"""assemble(raw) -> Form: the normalisations every layout shares (amounts, the execution
rate, level names, rows, totals, warnings), on raw records built by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reviewer.extract.assemble import amount, assemble, execution_rate, number
from reviewer.extract.raw import (
    RawCell, RawForm, RawFunding, RawFundingRow, RawIndicatorRow, RawTable, RawTotal, RawWarning,
)

YUAN, WAN = Decimal(1), Decimal(10000)


def cells(**texts: str) -> dict[str, RawCell]:
    return {name: RawCell(text, f"test {name}") for name, text in texts.items()}


def warned(form, field: str) -> list[str]:
    return [w.message for w in form.warnings if w.field == field]


# --- amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "scale", "yuan"), [
    ("1,898,430.00", YUAN, 1898430.0), ("406000", YUAN, 406000.0), ("20.9", WAN, 209000.0),
    ("２０．９", WAN, 209000.0), ("10万", YUAN, 100000.0), ("10万元", YUAN, 100000.0), ("5000元", WAN, 5000.0),
    ("0.00", YUAN, 0.0), ("-1,200", YUAN, -1200.0),
])
def test_plain_decimal_amounts_are_read_in_the_tables_or_the_cells_unit(written, scale, yuan):
    assert amount(written, scale) == (yuan, None)


@pytest.mark.parametrize("written", ["nan", "NaN", "inf", "-Infinity", "1e5", "1E+05", "12,34", "1.2.3", "约10"])
def test_nan_inf_exponents_and_words_are_not_amounts(written):
    value, problem = amount(written, YUAN)
    assert value is None and problem == f"'{written}' is not an amount"


def test_absurd_magnitudes_are_left_empty_with_a_warning():
    assert amount("999999999", YUAN) == (999999999.0, None)
    value, problem = amount("999999999", WAN)  # 9.99e12 yuan
    assert value is None and "not a plausible amount" in problem


@pytest.mark.parametrize("written", ["", "  ", "—", "-", "/", "无"])
def test_blank_and_dash_cells_are_no_amount_and_no_warning(written):
    assert amount(written, YUAN) == (None, None)


@pytest.mark.parametrize(("written", "read"), [("9.5", (9.5, None)), ("20分", (20.0, None)), ("—", (None, None)),
                                               ("98%", (None, "'98%' is not a number")),
                                               ("nan", (None, "'nan' is not a number"))])
def test_weights_and_scores(written, read):
    assert number(written) == read


# --- the execution rate: one rule for every layout ------------------------------------------


@pytest.mark.parametrize(("written", "budget", "executed", "convention", "rate", "warning"), [
    ("98.28%", 100, 98.28, "", 98.28, None),  # a percent as written
    ("97.71", 170000, 166100, "", 97.71, None),  # bare, agrees with the amounts as a percent
    ("0.98", 1120000, 1094383, "", 98.0, "执行率 written as a ratio (0.98); read as 98%"),
    ("0.98", 1120000, 1094383, "ratio", 98.0, None),  # a template that writes ratios: no surprise
    ("1.2", 100, 120, "", 120.0, "执行率 written as a ratio (1.2); read as 120%"),  # over-spent
    ("1.2", 100, 120, "ratio", 120.0, None),  # the same reading in every layout
    ("1.00", 33000, 33000, "ratio", 100.0, None),
    ("0.00", 200000, 0, "ratio", 0.0, None),
    ("0", 0, 0, "", 0.0, None),  # no budget: nothing to compare, nothing to warn
    ("90", 100, 97.71, "", 90.0, None),  # a percent that disagrees: the checks judge it
    ("0.5", 100, 97.71, "", 0.5, "执行率 0.5 is neither 全年执行数 ÷ 全年预算数 (97.71%) nor that as a ratio; "
                                 "read as 0.5%"),
    ("0.98", None, None, "", 0.98, "执行率 0.98 may be a ratio (no % written); kept as 0.98%"),
    ("0.98", None, None, "ratio", 98.0, None),
    ("1.2", None, None, "", 1.2, "执行率 1.2 may be a ratio (no % written); kept as 1.2%"),
    ("85", None, None, "", 85.0, None),
])
def test_execution_rate(written, budget, executed, convention, rate, warning):
    assert execution_rate(written, False, budget, executed, convention) == (rate, warning)


def test_execution_rate_that_is_no_number():
    assert execution_rate("约98", False, 100, 98, "") == (None, "执行率 '约98' is not a number")
    assert execution_rate("—", False, 100, 98, "") == (None, None)


# --- a whole raw record ------------------------------------------------------------------------


def raw_form(**parts) -> RawForm:
    raw = RawForm(path="dir/x.txt", index=0, layout="test")
    raw.header = cells(name="测试项目", unit="某中心", department="某局", year="2023")
    for name, value in parts.items():
        setattr(raw, name, value)
    return raw


def funding(rate="93.75%", currency="项目资金（万元）", **columns) -> RawFunding:
    names = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")
    return RawFunding(
        columns={n: RawCell(n) for n in names},
        rows=[RawFundingRow(RawCell("年度资金总额"), cells(initial_budget="10", annual_budget="8", executed="7.5",
                                                         weight="10", execution_rate=rate, score="9.38", **columns)),
              RawFundingRow(RawCell("其中：当年财政拨款"), cells(initial_budget="10", annual_budget="8", executed="7.5")),
              RawFundingRow(RawCell("自筹"), cells(initial_budget="1"))],
        currency=RawCell(currency) if currency else None,
    )


def test_funding_in_wan_yuan_with_canonical_row_labels():
    form = assemble(raw_form(funding=funding()))
    f = form.funding
    assert (f.currency_unit, f.initial_budget, f.annual_budget, f.executed) == ("万元", 100000.0, 80000.0, 75000.0)
    assert (f.weight, f.execution_rate, f.score) == (10.0, 93.75, 9.38)
    assert [(r.label, r.initial_budget) for r in f.rows] == [
        ("年度资金总额", 100000.0), ("当年财政拨款", 100000.0), ("自筹", 10000.0)]
    assert warned(form, "funding") == ["funding row '自筹' is none of the template's rows; kept under its label"]


def test_missing_currency_is_warned_and_read_as_yuan():
    form = assemble(raw_form(funding=funding(currency=None)))
    assert form.funding.currency_unit == "元" and form.funding.annual_budget == 8.0
    assert warned(form, "funding.currency_unit")


def test_a_layouts_own_warning_is_not_contradicted():
    raw = raw_form(funding=funding())
    raw.header.pop("unit")
    raw.warnings.append(RawWarning("unit", "实施单位 cell is illegible on the scan"))
    assert warned(assemble(raw), "unit") == ["实施单位 cell is illegible on the scan"]
    raw.warnings.clear()
    assert warned(assemble(raw), "unit") == ["no 实施单位 found"]


def test_year_from_the_title_and_disagreement():
    raw = raw_form(title=RawCell("（2022年度）"))
    raw.header.pop("year")
    assert assemble(raw).year == 2022
    raw.header["year"] = RawCell("2023")
    form = assemble(raw)
    assert form.year == 2023 and warned(form, "year") == ["绩效自评年度 2023 differs from the title's (2022年度)"]


def table(*rows: dict[str, str], columns=("level1", "level2", "name", "target", "actual", "weight", "score",
                                          "deviation")) -> RawTable:
    return RawTable(columns={c: RawCell(c) for c in columns},
                    rows=[RawIndicatorRow(cells(**r)) for r in rows])


def test_levels_are_carried_down_made_canonical_and_stripped_of_points():
    form = assemble(raw_form(indicators=table(
        dict(level1="产出指标（50分）", level2="数量", name="甲", target="≥5台", actual="5台", weight="50", score="50"),
        dict(name="乙", target="100%", actual="100%", weight="0", score="0"),
        dict(level1="效益", level2="经济效益", name="丙", target="有效", actual="有效", weight="30", score="30"),
        dict(level2="服务对象满意度标", name="丁", target="≥90%", actual="95%", weight="10", score="10"),
    )))
    assert [(i.level1, i.level2, i.name) for i in form.indicators] == [
        ("产出指标", "数量指标", "甲"), ("产出指标", "数量指标", "乙"), ("效益指标", "经济效益指标", "丙"),
        ("效益指标", "服务对象满意度标", "丁")]  # an unknown spelling stays as written


def test_category_rows_template_rows_and_continued_deviations():
    form = assemble(raw_form(indicators=table(
        dict(level1="产出指标", level2="数量指标"),  # names only a category
        dict(name="甲", target="5", actual="4", weight="10", score="8", deviation="供货"),
        dict(deviation="延迟"),  # the deviation cell continued on a new row
        dict(name="指标2"), dict(name="……"),  # the template's unfilled rows
        dict(level2="质量指标", criteria="未达指标值酌情扣分"),  # a category with its rubric text only
    )))
    assert [(i.name, i.deviation) for i in form.indicators] == [("甲", "供货延迟")]


def test_an_explicit_blank_level_is_not_carried_down():
    form = assemble(raw_form(indicators=table(
        dict(level1="产出指标", level2="数量指标", name="甲", weight="10", score="10"),
        dict(level2="", name="乙", weight="10", score="10"),  # the layout could not tell
    )))
    assert [i.level2 for i in form.indicators] == ["数量指标", ""]
    assert not warned(form, "indicators[1]")


def test_split_target_nature_review_score_and_rubric_columns():
    columns = ("level1", "level2", "name", "nature", "target", "unit", "actual", "weight", "score", "review_score",
               "description", "criteria")
    form = assemble(raw_form(indicators=table(
        dict(level1="产出指标", level2="数量指标", name="人数", nature="≧", target="4", unit="人", actual="4人",
             weight="10", score="10", review_score="9.5"),
        dict(name="满意度", nature="定量", target="90", unit="%", actual="95%", weight="10", score="10",
             description="反映服务对象满意程度", criteria="达到得满分"),
        columns=columns)))
    first, second = form.indicators
    assert (first.target, first.nature, first.review_score) == ("≧4人", "", 9.5)
    assert first.target_parts.model_dump() == {"comparator": "≧", "value": "4", "unit": "人"}
    assert first.target_value.comparator == ">=" and first.target_value.number == 4
    assert (second.target, second.nature, second.description, second.criteria) == (
        "90%", "定量", "反映服务对象满意程度", "达到得满分")


def test_blank_scores_are_warned_per_row_or_once_for_a_blank_column():
    scored = ("name", "weight", "score")
    one = assemble(raw_form(indicators=table(dict(name="甲", weight="10", score="9"), dict(name="乙", weight="10"),
                                             columns=scored)))
    assert warned(one, "indicators[1]") == ["得分 cell is blank"]
    blank = assemble(raw_form(indicators=table(dict(name="甲", weight="10"), dict(name="乙", weight="10"),
                                               columns=scored)))
    assert warned(blank, "indicators") == ["得分 is blank in every row of the table"]
    assert not warned(blank, "indicators[0]")
    no_column = assemble(raw_form(indicators=table(dict(name="甲", target="1"), columns=("name", "target"))))
    assert not warned(no_column, "indicators[0]")


def test_total_row_and_its_review_score():
    form = assemble(raw_form(total=RawTotal(RawCell("合计"), cells(weight="100", score="95.5", review_score="93"))))
    assert (form.total_weight, form.total_score, form.review_total_score) == (100, 95.5, 93)
    assert warned(assemble(raw_form()), "total_score") == ["no 总分 row found"]


def test_a_table_cut_off_says_where():
    raw_table = table(dict(name="甲", weight="10", score="10"), dict(name="乙", weight="10", score="10"))
    raw_table.truncated = True
    form = assemble(raw_form(indicators=raw_table))
    assert warned(form, "indicators") == [
        "indicator table ends after row 2 with no 总分 row: the rest of the form may be cut off"]


def test_part_notes_keep_their_form_order_and_row_fields():
    raw_table = table(dict(name="甲", weight="10", score="10"))
    raw_table.rows[0].notes += [RawWarning("", "row note"), RawWarning(".level2", "level note")]
    form = assemble(raw_form(indicators=raw_table))
    assert [(w.field, w.message) for w in form.warnings if w.message.endswith("note")] == [
        ("indicators[0]", "row note"), ("indicators[0].level2", "level note")]


def test_a_nameless_row_that_fills_the_gaps_of_the_row_above_continues_it():
    form = assemble(raw_form(indicators=table(
        dict(level1="产出指标", level2="成本指标", name="项目计划总投资", weight="10"),
        dict(target="20万元", actual="20万元", score="10"),  # the row went on over a line break
        dict(name="另一项", target="1", actual="1", weight="5", score="5"),
        dict(target="2", weight="5"),  # clashes with the row above: a row of its own
    )))
    assert [(i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators] == [
        ("项目计划总投资", "20万元", "20万元", 10, 10), ("另一项", "1", "1", 5, 5), ("", "2", "", 5, None)]
    assert warned(form, "indicators[0]") == [
        "cells of a row without name read as the rest of this row: actual, score, target"]
