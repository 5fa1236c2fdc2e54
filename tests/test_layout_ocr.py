"""Layout 'ocr': the OCR of a scanned Shenzhen form (seed 003).

The expected JSON (tests/data/expected/003_8b0a55cfaf6a1b6b.json) was produced by the parser
and then checked by hand, line by line, against examples/003_8b0a55cfaf6a1b6b.txt:
- funding: every 年初/全年预算数/全年执行数 of the four rows of each form, 分值, 执行率 (written
  as a ratio: 0.98 → 98.0) and 得分, and 项目金额 (form 3 left empty: "4 | 24828995. 52");
- indicators: name, target, actual, weight, score and deviation of each row against the OCR
  lines; weights add up to 100 with the 10 of the funding line in every form, and the scores
  with the funding score give the written 总分 (form 4: 9.70 + 89.86 = 99.56);
- totals: 100/99.57, 100/100 (label lost), 100/99.8, —/99.56 (weight cell empty), 100/0;
- warnings on what the scan does not let us read: goal text of forms 1, 3, 4, level cells of rows
  between two different merged labels, rows cut by a page break, noise dropped.
Texts of rows cut by a page break are kept as the OCR gives them (and warned), e.g. form 3's
"有效促进社会的和谐稳" whose "定" went to the next row.
"""

from __future__ import annotations


import pytest
from conftest import EXAMPLES, contract_dump, load_expected

from reviewer.extract import extract_file
from reviewer.extract.layouts import detect as detect_layout
from reviewer.extract.layouts import ocr

SEED = "003_8b0a55cfaf6a1b6b.txt"


@pytest.fixture(scope="module")
def forms():
    return extract_file(EXAMPLES / SEED, label=f"examples/{SEED}")


def test_matches_hand_checked_expected(forms):
    assert [contract_dump(f) for f in forms] == load_expected("003_8b0a55cfaf6a1b6b.json")


def test_five_forms_without_code(forms):
    assert [f.id for f in forms] == [f"003_8b0a55cfaf6a1b6b#{n}" for n in range(1, 6)]
    assert all(f.code is None and f.source.layout == "ocr" for f in forms)
    assert [f.name for f in forms] == ["购置费", "慰问离退休老干部", "言访事务", "一般管理事务", "预算准备金"]
    assert all(f.year is None and any(w.field == "year" for w in f.warnings) for f in forms)
    assert all(f.unit is None for f in forms)  # 实施单位 cell empty on the scan


def test_funding_split_digits_and_ratio(forms):
    first = forms[0].funding
    assert (first.initial_budget, first.annual_budget, first.executed) == (124000.0, 1120000.0, 1094383.0)
    assert (first.weight, first.execution_rate, first.score) == (10.0, 98.0, 9.8)  # "0. 98", "9. 80"
    assert first.project_amount == 1368000.0 and first.currency_unit == "元"
    assert [r.label for r in first.rows] == ["年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"]
    assert forms[3].funding.executed == 7166495.91  # "7166495. 91"
    assert forms[3].funding.project_amount == 20770816.88  # "20770816. 88"
    assert forms[4].funding.execution_rate == 0.0


def test_ambiguous_project_amounts(forms):
    assert forms[1].funding.project_amount == 730000.0  # "730 | 000", warned
    assert any(w.field == "funding.project_amount" for w in forms[1].warnings)
    assert forms[2].funding.project_amount is None  # "4 | 24828995. 52": which is it?
    assert any(w.field == "funding.project_amount" for w in forms[2].warnings)


def test_indicator_rows(forms):
    rows = forms[0].indicators
    assert [(r.level2, r.weight, r.score) for r in rows][:4] == [
        ("数量指标", 20, 20), ("质量指标", 10, 10), ("时效指标", 10, 10), ("成本指标", 10, 9.77)]
    cost = rows[3]
    assert (cost.name, cost.target, cost.actual) == ("购置费 112 万", "112万", "109.44 万")
    assert cost.deviation == "按实际发生购置费支付,后续加强进一步预算管理水平"  # wrapped past a page break
    assert (rows[4].level2, rows[4].name, rows[4].weight) == ("经济效益指标", "不适用", 0)  # "经济效益指\n标"
    assert [len(f.indicators) for f in forms] == [8, 8, 22, 31, 8]
    for form in forms:
        assert form.funding.weight + sum(r.weight for r in form.indicators) == 100


def test_wrapped_names_joined(forms):
    names = [r.name for r in forms[2].indicators]
    assert "每月提供至少有6人驻点提供服务" in names
    assert "有效处置信访事件,促进社会稳定" not in names  # took the "定" of the row above: warned
    assert any(w.field == "indicators[18]" and "page break" in w.message for w in forms[2].warnings)


def test_uncertain_levels_left_empty(forms):
    form = forms[2]
    row = form.indicators[2]  # between the 数量指标 and 质量指标 labels
    assert row.level1 == "产出指标" and row.level2 == ""
    assert any(w.field == "indicators[2].level2" for w in form.warnings)


def test_totals(forms):
    assert [(f.total_weight, f.total_score) for f in forms] == [
        (100, 99.57), (100, 100), (100, 99.8), (None, 99.56), (100, 0)]
    assert any(w.field == "total" and "label missing" in w.message for w in forms[1].warnings)
    assert any(w.field == "total_weight" for w in forms[3].warnings)


def test_goal_only_where_separable(forms):
    assert forms[1].goal.planned == "春节前对离退休老干部进行慰问"
    assert forms[1].goal.actual.startswith("春节前对离退休老干")
    assert forms[4].goal.planned == "" and forms[4].goal.actual == "根据单位实际支出情况,指标调剂到信访事务项目"
    for form in (forms[0], forms[2], forms[3]):
        assert form.goal.planned == form.goal.actual == ""
        assert any(w.field == "goal" for w in form.warnings)


def test_detect_only_this_layout():
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("0*.txt"))}
    assert {name for name, text in texts.items() if ocr.detect(text)} == {SEED}
    assert detect_layout(texts[SEED]) is ocr
    template = "项目编码\t440304\n项目名称\t信访事务\t项目金额\t100. 00\t0. 98\n绩效自评年度\t2023\n"
    assert not ocr.detect(template)  # Shenzhen import template rendered from Excel


@pytest.mark.parametrize(("written", "read"), [
    ("0. 98", "0.98"), ("1094383. 00", "1094383.00"), ("109. 44 万", "109.44 万"), ("19. 05%", "19.05%"),
    ("9.80", "9.80"), ("7 4 . 11", "7 4 . 11"), ("完成. 提高", "完成. 提高"),
])
def test_rejoin_digits(written, read):
    assert ocr.rejoin_digits(written) == read


@pytest.mark.parametrize(("cell", "clean"), [
    ("_", ""), ("·", ""), ("Ť", ""), ("-", ""), ("<u> </u>", ""), ("· 方局", "方局"),
    ("年度資", "年度資"), ("0", "0"), ("9 台", "9 台"),
])
def test_clean_cell(cell, clean):
    assert ocr.clean_cell(cell) == clean


def test_numbers_and_noise():
    assert ocr.number("9. 77") == 9.77 and ocr.number("J") is None and ocr.number("_") is None
    assert ocr.looks_garbled("及不 H-世 页") and ocr.looks_garbled("上 目 1 1 1 元")
    assert not ocr.looks_garbled("费 100 元/")
    assert ocr.join_fragments(["· 休老干", "老干部"]) == ("· 休老干老干部", True)
    assert ocr.join_fragments(["春", "节前对离退休"]) == ("春节前对离退休", False)



# ---------------------------------------------------------------- assembly's rules on OCR'd forms

FIRST_FUND_ROW = "项目资金\t年度資\t资金总额\t124000.00\t1120000.00\t1094383.00\t10\t0. 98\t9. 80\t"


def _first_form(text_change=None):
    text = (EXAMPLES / SEED).read_text(encoding="utf-8")
    assert FIRST_FUND_ROW in text
    if text_change:
        text = text_change(text)
    return ocr.parse(text, "x.txt")[0]


def test_execution_rate_one_rule_with_the_amounts():
    """The template writes a ratio ("0. 98"); a "1. 2" is 120% only where the amounts do not
    say 1.2% (it used to be 120% whatever they said)."""
    low = FIRST_FUND_ROW.replace("1094383.00\t10\t0. 98", "13440.00\t10\t1. 2")  # 13440 / 1120000 = 1.2%
    form = _first_form(lambda t: t.replace(FIRST_FUND_ROW, low))
    assert form.funding.executed == 13440.0 and form.funding.execution_rate == 1.2
    assert not any(w.field == "funding.execution_rate" for w in form.warnings)
    odd = FIRST_FUND_ROW.replace("0. 98", "1. 2")  # amounts say 97.71%: neither reading
    form = _first_form(lambda t: t.replace(FIRST_FUND_ROW, odd))
    assert form.funding.execution_rate == 120.0
    assert [w.message for w in form.warnings if w.field == "funding.execution_rate"] == [
        "执行率 1.2 is neither 全年执行数 ÷ 全年预算数 (97.71%) nor that as a ratio; read as 120%"]


def test_currency_is_read_from_the_form():
    """The funding table's "(元)" is read, not assumed: a form in 万元 is converted."""
    plain = _first_form()
    assert plain.funding.currency_unit == "元"
    assert not any(w.field == "funding.currency_unit" for w in plain.warnings)
    wan = _first_form(lambda t: t.replace("(元)\t其中:", "(万元)\t其中:", 1))
    assert wan.funding.currency_unit == "万元"
    assert wan.funding.annual_budget == 1120000.0 * 10000
    assert wan.funding.execution_rate == plain.funding.execution_rate == 98.0
    unstated = _first_form(lambda t: t.replace("(元)\t其中:", "\t其中:", 1))
    assert any(w.field == "funding.currency_unit" for w in unstated.warnings)


def test_funding_and_total_labels_are_the_vocabulary():
    respelled = _first_form(lambda t: t.replace("当年财政拨款", "本年财政拨款", 1).replace("\t总分\t", "\t合计\t", 1))
    plain = _first_form()
    assert [r.label for r in respelled.funding.rows] == [r.label for r in plain.funding.rows]
    assert (respelled.total_weight, respelled.total_score) == (plain.total_weight, plain.total_score) == (100, 99.57)
    assert contract_dump(respelled) == contract_dump(plain)


def test_cells_say_where_they_were_read():
    (raw, *_) = ocr.read((EXAMPLES / SEED).read_text(encoding="utf-8"), "x.txt")
    assert raw.header["department"][:2] == ("深圳市福田区信访局", "line 4")
    assert raw.funding.rows[0].cells["execution_rate"][:2] == ("0. 98", "line 6")
    assert raw.indicators.rows[0].cells["weight"][:2] == ("20", "line 14")
    assert raw.total.cells["score"][:2] == ("99. 57", "line 27")
