"""Documents read as forms: a document's tables and paragraphs go to the grid reader as one
sequence (reviewer.extract.files.document_forms), with no text hop in between.

Real Word forms often split one form over several tables (the header, the funding table,
the indicator table, each a table of its own with paragraphs between them) and write the
title, "(2023年度)" and 单位 lines as paragraphs; mirror sites serve them in traditional script.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.extract import ExtractFailure, extract_file

docx = pytest.importorskip("docx", reason="the docx rendering needs python-docx (the test extra)")


def _table(document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text


def _split_form(path: Path, traditional: bool = False) -> Path:
    table = str.maketrans("项预算数执实际标满质时产总体绩单实施", "項預算數執實際標滿質時產總體績單實施")

    def t(text: str) -> str:  # the mirror sites' traditional script
        return text.translate(table) if traditional else text

    document = docx.Document()
    document.add_paragraph(t("项目支出绩效自评表"))
    document.add_paragraph("（2023年度）")
    _table(document, [[t("项目名称"), t("社区养老服务补助")], [t("主管部门"), "某区民政局", t("实施单位"), "某区养老服务中心"]])
    document.add_paragraph("单位：万元")
    _table(document, [["", t("年初预算数"), t("全年预算数"), t("全年执行数"), "分值", "执行率", "得分"],
                      ["年度资金总额", "20", "20", "19", "10", "95%", "9.5"]])
    _table(document, [[t("年度总体目标"), "预期目标", t("实际完成情况")], ["", "为老年人提供助餐服务", "全年助餐3万人次"]])
    document.add_paragraph("")
    _table(document, [[t("一级指标"), "二级指标", "三级指标", t("年度指标值"), t("实际完成值"), "分值", "得分"],
                      [t("产出指标"), "数量指标", "助餐人次", "≥3万人次", "3万人次", "50", "50"],
                      ["", t("时效指标"), "按月发放", "每月", "每月", "20", "20"],
                      [t("满意度指标"), "服务对象满意度指标", "老年人满意度", "≥90%", "95%", "20", "20"],
                      ["总分", "", "", "", "", "90", "90"]])
    document.save(str(path))
    return path


def test_a_form_split_over_several_tables_is_one_form(tmp_path):
    (form,) = extract_file(_split_form(tmp_path / "form.docx"))
    assert (form.name, form.department, form.unit, form.year) == ("社区养老服务补助", "某区民政局", "某区养老服务中心", 2023)
    f = form.funding
    assert (f.currency_unit, f.initial_budget, f.executed, f.weight, f.execution_rate, f.score) == (
        "万元", 200000, 190000, 10, 95, 9.5)
    assert (form.goal.planned, form.goal.actual) == ("为老年人提供助餐服务", "全年助餐3万人次")
    assert [(i.level1, i.level2, i.name, i.weight, i.score) for i in form.indicators] == [
        ("产出指标", "数量指标", "助餐人次", 50, 50), ("产出指标", "时效指标", "按月发放", 20, 20),
        ("满意度指标", "服务对象满意度指标", "老年人满意度", 20, 20)]
    assert (form.total_weight, form.total_score) == (90, 90)


def test_a_traditional_script_document_is_cleaned_at_the_source(tmp_path):
    (form,) = extract_file(_split_form(tmp_path / "form.docx", traditional=True))
    assert form.funding.executed == 190000 and [i.level1 for i in form.indicators][0] == "产出指标"
    assert any(w.field == "source" and "traditional script" in w.message for w in form.warnings)


def test_a_document_with_tables_but_no_form_says_what_was_looked_for(tmp_path):
    document = docx.Document()
    document.add_paragraph("会议纪要")
    _table(document, [["时间", "地点"], ["上午", "会议室"]])
    document.save(str(tmp_path / "minutes.docx"))
    with pytest.raises(ExtractFailure, match="looked for a 项目名称 label"):
        extract_file(tmp_path / "minutes.docx")
