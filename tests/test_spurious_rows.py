"""Rows that are not indicators (flattened text fused into the 指标 column, a header repeated on
a new page, a category heading with its points) are set aside with a warning that keeps their
text; rows that are indicators, with values or with a bare name, stay. Cell texts are of the
kinds found in OCR- and PDF-flattened real forms (tests/data/realforms/dev), typed here."""

from __future__ import annotations

from reviewer.extract.assemble import assemble
from reviewer.extract.raw import RawCell, RawForm, RawIndicatorRow, RawTable

COLUMNS = ("level1", "level2", "name", "target", "actual", "weight", "score")


def form_with(*rows: dict[str, str], rubric: bool = False):
    raw = RawForm(path="dir/x.txt", index=0, layout="test")
    raw.header = {k: RawCell(v, "test") for k, v in
                  dict(name="测试项目", unit="某中心", department="某局", year="2022").items()}
    raw.indicators = RawTable(columns={c: RawCell(c) for c in COLUMNS},
                              rows=[RawIndicatorRow({k: RawCell(v, f"test {k}") for k, v in r.items()})
                                    for r in rows], rubric=rubric)
    return assemble(raw)


def set_aside(form) -> list[str]:
    return [w.message for w in form.warnings if w.field == "indicators" and "set aside" in w.message]


GOOD = dict(level1="产出指标", level2="数量指标", name="补贴渔船数量", target="≥50艘", actual="52艘",
            weight="10", score="10")


def test_rows_of_fused_text_are_set_aside_and_named_in_a_warning():
    form = form_with(
        GOOD,
        dict(name="二级指标"),  # the table's header repeated on a new page
        dict(name="产出指标(60 分)", weight="60"),  # a category heading with its points
        dict(name="指标1育苗基地面积8500亩500亩8"),  # the row's cells run into its name
        dict(name="时效2年2年2年10"),
        dict(name="持续改善农村环境,保障群众饮水安全8是基本达到7加大宣传力度"),
        dict(name="人数分(因在校生减少,指标数减少,但资助比例未变)"),  # a note, a sentence
        dict(name="出标产指"),  # 产出指标 read out of order from a vertical cell
        dict(name="及改进措施"),  # the end of 偏差原因分析及改进措施 on a line of its own
    )
    assert [i.name for i in form.indicators] == ["补贴渔船数量"]
    notes = set_aside(form)
    assert len(notes) == 8
    assert any("'指标1育苗基地面积8500亩500亩8'" in n and "figures run into its name" in n for n in notes)
    assert any("'二级指标'" in n and "column header" in n for n in notes)
    assert any("'出标产指'" in n for n in notes)
    assert any("'及改进措施'" in n and "column header" in n for n in notes)


def test_indicators_with_a_bare_name_or_values_stay():
    form = form_with(
        GOOD,
        dict(name="库存粮食明显变质比例"),  # written with its cells left empty: still an indicator
        dict(name="2022年资金到位率"),  # one figure, part of the name
        dict(name="畅通诉求渠道，解决民生问题"),  # one comma joining the name's halves
        dict(name="指标2群众对新品种的认知度"),  # the template's numbering is not a figure of the name
        dict(name="5000吨稻谷储备到位率", target="100%", actual="100%"),  # figures, with values of its own
        dict(name="项目完成及时率", target="100%", actual="100%", weight="10", score="10"),
        dict(name="指标2"),  # an unfilled template row: dropped as such, not set aside
    )
    assert [i.name for i in form.indicators] == [
        "补贴渔船数量", "库存粮食明显变质比例", "2022年资金到位率", "畅通诉求渠道，解决民生问题",
        "指标2群众对新品种的认知度", "5000吨稻谷储备到位率", "项目完成及时率"]
    assert set_aside(form) == []


def test_a_rubric_keeps_its_categories_with_points_as_rows():
    form = form_with(dict(level1="决策", name="产出指标", weight="20", score="18"), rubric=True)
    assert [i.name for i in form.indicators] == ["产出指标"] and set_aside(form) == []
