"""The evaluation-report layout (seed 004) and its page-break row joining."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES, contract_dump, load_expected
from reviewer.extract import extract_file
from reviewer.extract.layouts import report

SEED = "004_e84bdc6c9b3e6332.txt"
OTHER_SEEDS = ["000_227770587c716576.txt", "001_61357c0ed07ba240.part-a.txt",
               "002_cc20b351adbf8378.txt", "003_8b0a55cfaf6a1b6b.txt"]


@pytest.fixture(scope="module")
def seed_form():
    forms = extract_file(EXAMPLES / SEED, label=f"examples/{SEED}")
    assert len(forms) == 1
    return forms[0]


def test_detect_claims_the_report_and_no_self_evaluation_form():
    assert report.detect((EXAMPLES / SEED).read_text(encoding="utf-8"))
    for name in OTHER_SEEDS:
        assert not report.detect((EXAMPLES / name).read_text(encoding="utf-8")), name


def test_seed_004_matches_the_hand_checked_expectation(seed_form):
    # tests/data/expected/004_e84bdc6c9b3e6332.json was checked by hand against
    # examples/004: each of the 26 appendix rows (level1/level2 without "(N分)", 三级指标,
    # 权重, 标杆值, 实际完成值, 得分) read off the tab-separated table, including the rows cut
    # by page breaks (资金分配|合理性, 盐田区群|众诉求…运维月报数量, 绩效目标|(7分),
    # 资金使用合规性 whose 指标说明 starts above the break); the 10 表1-2 rows; 总分 100/98;
    # funding from 二(三)2 "年初预算 61.91 万元 … 指标金额合计 61.91 万元 … 实际支付金额 61.71
    # 万元，预算执行率为 99.68%"; the goal from 一(四)2; the single 存在的问题 with its 原因 line.
    assert contract_dump(seed_form) == load_expected(SEED.replace(".txt", ".json"))[0]


def test_seed_004_scoring_table_is_complete_and_joined(seed_form):
    names = [i.name for i in seed_form.indicators]
    assert len(names) == 26
    assert "盐田区群众诉求智慧指挥系统运维月报数量" in names  # "盐田区群" + "众诉求…" across a page break
    assert "资金分配合理性" in names  # "资金分配" + "合理性"
    assert not any("<p>" in i.name or "盐田区群" == i.name for i in seed_form.indicators)
    assert sum(i.weight for i in seed_form.indicators) == seed_form.total_weight == 100
    assert sum(i.score for i in seed_form.indicators) == seed_form.total_score == 98
    assert {i.level1 for i in seed_form.indicators} == {"项目决策", "项目管理", "项目产出", "项目效益"}
    # no group label "(N分)" disagrees with its rows, so no row was lost in joining
    assert [w.field for w in seed_form.warnings] == ["goal.actual"]


def test_seed_004_narrative_fields(seed_form):
    assert seed_form.kind == "evaluation_report"
    assert seed_form.source.layout == "report"
    assert seed_form.id == "004_e84bdc6c9b3e6332#1"
    assert (seed_form.name, seed_form.year) == ("信息化项目运维服务费", 2023)
    f = seed_form.funding
    assert (f.currency_unit, f.initial_budget, f.annual_budget, f.executed, f.execution_rate) == (
        "万元", 619100.0, 619100.0, 617100.0, 99.68)
    assert seed_form.goal.planned.endswith("确保辖区社会和谐稳定。")  # lead-in "如下表：" dropped
    assert len(seed_form.problems) == 1 and "指标名称冗长" in seed_form.problems[0]
    assert seed_form.problems[0].splitlines()[-1].startswith("原因：")


# ---------------------------------------------------------------- synthetic tables

HEADER = "评价指标\t\t\t\t评分标准\t标杆值\t实际完成值\t得分\n一级指标\t二级指标\t三级指标\t权重\t\t\t\t\n"


def _table(body: str) -> report.Table:
    tables = report.find_tables(HEADER + body)
    assert len(tables) == 1
    return tables[0]


def _rows(body: str) -> list[list[str]]:
    table = _table(body)
    c = table.columns
    return report.join_wrapped_rows(table.items, c["name"], [c["weight"], c["score"]],
                                    [c["level1"], c["level2"]]).rows


def test_name_cut_by_a_page_break_is_joined_to_the_row_above():
    rows = _rows("产出 (4分)\t数量 (4分)\t盐田区群\t4\t按比例\t10个\t10个\t4\n\n"
                 + HEADER + "\t\t众诉求运维月报数量\t\t扣分\t\t\t\n")
    assert len(rows) == 1
    assert rows[0][2] == "盐田区群众诉求运维月报数量"
    assert rows[0][4] == "按比例扣分"


def test_piece_above_a_page_break_belongs_to_the_row_after_it():
    rows = _rows("项目管理 (9分)\t资金管理 (9分)\t预算执行率\t5\t满分\t≥98%\t99%\t5\n"
                 "\t\t\t\t<p>①符合制度\t\t\t\n\n"
                 + HEADER + "\t\t资金使用合规性\t4\t<p>②手续完备</p>\t合规\t100%\t4\n")
    assert [r[2] for r in rows] == ["预算执行率", "资金使用合规性"]
    assert rows[0][4] == "满分"
    assert rows[1][4] == "①符合制度②手续完备"  # "<p>" remnants removed


def test_group_label_cut_by_a_page_break_goes_to_the_row_holding_the_label():
    rows = _rows("项目决策 (7分)\t绩效目标\t合理性\t4\t\t合理\t75%\t3\n"
                 "\t\t明确性\t3\t\t明确\t100%\t3\n\n"
                 + HEADER + "\t(7分)\t\t\t\t\t\t\n")
    assert rows[0][1] == "绩效目标(7分)"
    assert rows[1][1] == ""


def test_indicators_strip_points_carry_groups_and_warn_on_a_lost_row():
    form = report.parse(
        "某项目绩效评价报告\n\n附件：项目绩效指标体系评分表\n\n" + HEADER
        + "项目产出 (10分)\t产出数量 (6分)\t次数\t4\t\t4次\t4次\t4\n"
        + "\t产出质量 (4分)\t通过率\t3\t\t100%\t100%\t3\n"
        + "总分\t\t\t7\t--\t\t\t7\n", "x.txt")[0]
    assert [(i.level1, i.level2, i.name) for i in form.indicators] == [
        ("项目产出", "产出数量", "次数"), ("项目产出", "产出质量", "通过率")]
    messages = " ".join(w.message for w in form.warnings if w.field == "indicators")
    assert "产出数量 is labelled 6分 but its rows' weights add up to 4" in messages
    assert "项目产出 is labelled 10分" in messages
    assert (form.total_weight, form.total_score) == (7, 7)


def test_a_mid_page_piece_is_joined_but_flagged_as_a_guess():
    form = report.parse("报告绩效评价报告\n评分表\n" + HEADER
                        + "产出 (4分)\t数量 (4分)\t次数\t4\t\t4次\t4次\t4\n"
                        + "\t\t补充\t\t\t\t\t\n", "x.txt")[0]
    assert form.indicators[0].name == "次数补充"
    assert any("joined to the row above" in w.message for w in form.warnings)


def test_other_firms_headers_one_row_with_分值_and_扣分原因():
    text = ("X项目绩效评价报告\n评价指标体系\n\n"
            "一级指标\t二级指标\t三级指标\t分值\t指标值\t实际值\t得分\t扣分原因\n"
            "产出\t数量\t巡检次数\t5\t12次\t10次\t4.17\t少巡检2次\n"
            "合计\t\t\t5\t\t\t4.17\t\n")
    form = report.parse(text, "x.txt")[0]
    (row,) = form.indicators
    assert (row.name, row.weight, row.target, row.actual, row.score, row.deviation) == (
        "巡检次数", 5, "12次", "10次", 4.17, "少巡检2次")
    assert form.total_score == 4.17


# ---------------------------------------------------------------- synthetic narrative


def test_problems_split_at_enumerators_and_keep_their_cause():
    text = ("某项目绩效评价报告\n\n五、存在的问题\n\n（一）指标不量化。目标为“有效”。\n\n原因：理解不足。\n\n"
            "（二）资金执行慢。截至年底仅支付\n\n一半。\n\n六、相关建议\n\n加强培训。\n")
    form = report.parse(text, "x.txt")[0]
    assert form.problems == ["（一）指标不量化。目标为“有效”。\n原因：理解不足。", "（二）资金执行慢。截至年底仅支付一半。"]


def test_funding_mentions_that_disagree_are_reported_not_resolved():
    text = ("某项目绩效评价报告\n综合得分为 90 分\n\n年初预算 10 万元，调整后预算 8 万元，实际支出 7.5 万元，预算执行率为 93.75%。\n\n"
            "后文：实际支出 7.2 万元。\n")
    form = report.parse(text, "x.txt")[0]
    assert (form.funding.initial_budget, form.funding.annual_budget, form.funding.executed) == (
        100000.0, 80000.0, 75000.0)
    assert any(w.field == "funding.executed" and "72000" in w.message for w in form.warnings)
    assert form.total_score == 90  # no 总分 row: the narrative's score, with a warning
    assert any(w.field == "total_score" for w in form.warnings)


def test_name_above_a_page_break_with_its_weight_below_it_is_one_row():
    rows = _rows("产出 (6分)\t数量 (6分)\t次数\t2\t\t1次\t1次\t2\n"
                 "\t\t巡检报告\t\t\t\t\t\n\n"
                 + HEADER + "\t\t\t4\t满分\t4个\t4个\t4\n")
    assert [(r[2], r[3], r[7]) for r in rows] == [("次数", "2", "2"), ("巡检报告", "4", "4")]


def test_name_falls_back_to_the_title_and_year_to_the_narrative():
    form = report.parse("某某系统运维项目支出绩效评价报告\n\n2022 年度，本项目完成了评价结论所述工作。\n", "x.txt")[0]
    assert (form.name, form.year) == ("某某系统运维", 2022)
    assert {"indicators", "performance_targets", "problems", "funding.executed"} <= {w.field for w in form.warnings}


# ---------------------------------------------------------------- labels from the vocabulary, rules from assembly


def test_header_synonyms_of_the_vocabulary_and_rubric_levels_kept_as_written():
    """A firm's header in other words (指标权重, 年初指标值, 全年实际值, 评价得分, 扣分原因,
    得分合计): the vocabulary's synonyms. The rubric's categories are its own: "社会效益" is
    no 社会效益指标 there, while the target table (表1-2) uses the template's and is made
    canonical like any self-evaluation's."""
    text = ("X项目绩效评价报告\n评价指标体系\n\n"
            "一级指标\t二级指标\t三级指标\t指标权重\t年初指标值\t全年实际值\t评价得分\t扣分原因\n"
            "项目效益 (10分)\t社会效益 (10分)\t群众知晓率\t10\t≥90%\t85%\t8\t未达标\n"
            "得分合计\t\t\t10\t\t\t8\t\n\n"
            "表1-2 绩效目标完成情况\n"
            "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\n"
            "效益\t社会效益\t群众知晓率\t≥90%\t85%\n")
    form = report.parse(text, "x.txt")[0]
    (row,) = form.indicators
    assert (row.level1, row.level2, row.name, row.weight, row.target, row.actual, row.score, row.deviation) == (
        "项目效益", "社会效益", "群众知晓率", 10, "≥90%", "85%", 8, "未达标")
    assert (form.total_weight, form.total_score) == (10, 8)
    (target,) = form.performance_targets
    assert (target.level1, target.level2, target.weight) == ("效益指标", "社会效益指标", None)
    assert not any(w.field.startswith(("indicators", "total")) for w in form.warnings)


def test_amounts_are_assemblys_and_keep_their_own_unit():
    text = "某项目绩效评价报告\n综合得分为 90 分\n\n年初预算 100,000 元，调整后预算 8 万元，实际支出 7.5 万元，预算执行率为 93.75%。\n"
    raw = report.read(text, "x.txt")
    assert raw.funding.summary["initial_budget"][:2] == ("100,000元", "narrative")
    form = report.parse(text, "x.txt")[0]
    assert (form.funding.initial_budget, form.funding.annual_budget, form.funding.executed) == (
        100000.0, 80000.0, 75000.0)
    assert form.funding.currency_unit == "万元" and form.funding.execution_rate == 93.75
    assert [w.message for w in form.warnings if w.field == "funding.currency_unit"] == [
        "amounts are written both in 元 and in 万元"]
