""".xlsx input: workbooks in the shape of the Shenzhen Excel import template, one form per sheet.

The data is the first form of examples/000 (信息化运维项目), laid out like the template:
merged title/section rows, a vertically merged 项目资金（元） label, level-1 cells merged
down over their rows, multi-line cells ("产出指标\\n(50 分)"), starred required headers.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from reviewer.extract import ExtractFailure, extract_file, xlsx_text
from reviewer.extract.layouts import detect as detect_layout
from reviewer.extract.layouts import tabular

FORM = {
    "code": "440304220091500300003",
    "name": "信息化运维项目",
    "year": 2023,
    "unit": "深圳市福田区信访局（本级）",
    "department": "深圳市福田区信访局（本级）",
    # label, 年初预算数, 全年预算数, 全年执行数, 分值, 执行率（%）, 得分
    "funding": [
        ("年度资金总额", 406000.00, 1898430.00, 1898430.00, 10, 100, 10),
        ("其中：当年财政拨款", 406000.00, 1898430.00, 1898430.00, "—", "—", "—"),
        ("上年结转资金", 0.00, 0.00, 0.00, "—", "—", "—"),
        ("其他资金", 0.00, 0.00, 0.00, "—", "—", "—"),
    ],
    "planned": "建立以信息大数据库为基础的智慧社会治理机制，实现多部门数据共享。",
    "actual": "及时按合同约定支付项目进度款，保障了信息业务系统及基础设施的安全稳定运行，提升了信息化业务系统、"
    "基础设施的管理、日常维护工作及业务处理能力，实现了多部门数据共享，提高了工作效率与服务对象的满意度。",
    # level1 (merged down over its rows), level2, name, target, actual, 分值, 得分, deviation
    "indicators": [
        ("产出指标\n(50 分)", "数量指标", "在用信息系统个数", "1 个", "4 个", 15, 14,
         "偏差原因：根据实际信访业务完成信息系统维护，\n改进措施：后期根据实际需求合理变更年度指标值。"),
        (None, "质量指标", "信息系统故障率", "≤2%", "1%", 15, 15, None),
        (None, "时效指标", "信息系统故障维护及时率", 1, "100%", 10, 10, None),
        (None, "成本指标", "支出进度达标率", "≥95%", "100%", 10, 10, None),
        ("效益指标\n(30 分)", "经济效益指标", "不适用", "不适用", "不适用", 0, 0, None),
        (None, "社会效益指标", "提高业务工作效率、信息准确度、便于数据汇总", "有效", "100%有效", 30, 30, None),
        (None, "生态效益指标", "不适用", "不适用", "不适用", 0, 0, None),
        (None, "可持续影响指标", "不适用", "不适用", "不适用", 0, 0, None),
        ("满意度指标\n(10 分)", "服务对象满意度指标", "信息采集对象满意度", "≥90%", "98%", 10, 10, None),
        (None, "其他满意度指标", "不适用", "不适用", "不适用", 0, 0, None),
    ],
    "total": (100, 99),
}


def fill_sheet(ws, form: dict) -> None:
    """One form on a sheet, columns A-J, merged like the import template."""

    def put(cell: str, value, merge_to: str | None = None) -> None:
        ws[cell] = value
        if merge_to:
            ws.merge_cells(f"{cell}:{merge_to}")

    put("A1", "项目支出绩效自评表", "J1")
    put("A2", "项目编码"), put("B2", form["code"], "D2"), put("E2", "项目名称"), put("F2", form["name"], "J2")
    put("A3", "绩效自评年度"), put("B3", form["year"], "J3")
    put("A4", "实施单位"), put("B4", form["unit"], "D4"), put("E4", "一级预算单位"), put("F4", form["department"], "J4")
    put("A5", "资金使用情况", "J5")
    put("A6", "项目资金（元）", "A10")
    for col, label in zip("CDEFGH", ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率\n（%）", "得分"]):
        put(f"{col}6", label)
    put("I6", None, "J6")
    for r, row in enumerate(form["funding"], start=7):
        for col, value in zip("BCDEFGH", row):
            put(f"{col}{r}", value)
    put("A11", "项目目标完成情况", "J11")
    put("A12", "年度总体目标", "A13"), put("B12", "预期目标", "E12"), put("F12", "* 实际完成情况", "J12")
    put("B13", form["planned"], "E13"), put("F13", form["actual"], "J13")
    put("A14", "年度绩效指标", "J14")
    headers = ["一级指标", "二级指标", "三级指标", None, "年度指标值", "* 实际完成值", "* 分值", "* 得分", "偏差原因分析及改进措施"]
    for col, label in zip("ABCDEFGHI", headers):
        put(f"{col}15", label)
    ws.merge_cells("C15:D15"), ws.merge_cells("I15:J15")
    first = 16
    rows = form["indicators"]
    for r, (level1, level2, name, target, actual, weight, score, deviation) in enumerate(rows, start=first):
        if level1:  # merged down over the rows of its group
            last = next((first + j for j in range(r - first + 1, len(rows)) if rows[j][0]), first + len(rows)) - 1
            put(f"A{r}", level1, f"A{last}" if last > r else None)
        put(f"B{r}", level2), put(f"C{r}", name, f"D{r}"), put(f"E{r}", target), put(f"F{r}", actual)
        put(f"G{r}", weight), put(f"H{r}", score), put(f"I{r}", deviation, f"J{r}")
    total_row = first + len(rows)
    put(f"A{total_row}", "总分", f"F{total_row}")
    put(f"G{total_row}", form["total"][0]), put(f"H{total_row}", form["total"][1]), put(f"I{total_row}", "—")


def workbook(path: Path, *forms: dict) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for n, form in enumerate(forms, start=1):
        fill_sheet(book.create_sheet(f"表{n}"), form)
    book.save(path)
    return path


def test_template_sheet_is_detected_as_tabular(tmp_path):
    text = xlsx_text(workbook(tmp_path / "one.xlsx", FORM))
    assert tabular.detect(text) and detect_layout(text) is tabular


def test_template_sheet_reads_exactly_the_written_values(tmp_path):
    path = workbook(tmp_path / "one.xlsx", FORM)
    (form,) = extract_file(path)
    assert (form.id, form.code, form.name, form.year) == (FORM["code"], FORM["code"], FORM["name"], 2023)
    assert (form.unit, form.department) == (FORM["unit"], FORM["department"])
    assert (form.source.path, form.source.index, form.source.layout) == (str(path), 0, "tabular")

    funding = form.funding
    assert funding.currency_unit == "元"
    assert (funding.initial_budget, funding.annual_budget, funding.executed) == (406000.0, 1898430.0, 1898430.0)
    assert (funding.weight, funding.execution_rate, funding.score) == (10, 100, 10)
    assert [(r.label, r.initial_budget, r.annual_budget, r.executed) for r in funding.rows] == [
        ("年度资金总额", 406000.0, 1898430.0, 1898430.0),
        ("当年财政拨款", 406000.0, 1898430.0, 1898430.0),
        ("上年结转资金", 0.0, 0.0, 0.0),
        ("其他资金", 0.0, 0.0, 0.0),
    ]
    assert (form.goal.planned, form.goal.actual) == (FORM["planned"], FORM["actual"])

    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score, i.deviation) for i in form.indicators]
    assert got == [
        ("产出指标", "数量指标", "在用信息系统个数", "1 个", "4 个", 15, 14,
         "偏差原因：根据实际信访业务完成信息系统维护，改进措施：后期根据实际需求合理变更年度指标值。"),
        ("产出指标", "质量指标", "信息系统故障率", "≤2%", "1%", 15, 15, ""),
        ("产出指标", "时效指标", "信息系统故障维护及时率", "1", "100%", 10, 10, ""),
        ("产出指标", "成本指标", "支出进度达标率", "≥95%", "100%", 10, 10, ""),
        ("效益指标", "经济效益指标", "不适用", "不适用", "不适用", 0, 0, ""),
        ("效益指标", "社会效益指标", "提高业务工作效率、信息准确度、便于数据汇总", "有效", "100%有效", 30, 30, ""),
        ("效益指标", "生态效益指标", "不适用", "不适用", "不适用", 0, 0, ""),
        ("效益指标", "可持续影响指标", "不适用", "不适用", "不适用", 0, 0, ""),
        ("满意度指标", "服务对象满意度指标", "信息采集对象满意度", "≥90%", "98%", 10, 10, ""),
        ("满意度指标", "其他满意度指标", "不适用", "不适用", "不适用", 0, 0, ""),
    ]
    assert (form.total_weight, form.total_score) == (100, 99)
    assert form.warnings == []


def test_two_sheets_are_two_forms(tmp_path):
    second = dict(FORM, code="440304220091500500013", name="社会工作服务", total=(100, 97))
    second["funding"] = [("年度资金总额", 1638000.00, 1474200.00, 1474200.00, 10, 100, 10)] + FORM["funding"][1:]
    forms = extract_file(workbook(tmp_path / "two.xlsx", FORM, second))
    assert [(f.id, f.name, f.source.index) for f in forms] == [
        ("440304220091500300003", "信息化运维项目", 0), ("440304220091500500013", "社会工作服务", 1)]
    assert forms[1].funding.annual_budget == 1474200.0 and forms[1].total_score == 97
    assert [len(f.indicators) for f in forms] == [10, 10]


def test_percent_formatted_execution_rate_is_read_as_percent(tmp_path):
    # An Excel cell formatted as a percentage stores the ratio (0.98 shows as 98%).
    form = dict(FORM)
    form["funding"] = [("年度资金总额", 406000.00, 1000000.00, 980000.00, 10, 0.98, 9.8)] + FORM["funding"][1:]
    (parsed,) = extract_file(workbook(tmp_path / "ratio.xlsx", form))
    assert parsed.funding.execution_rate == 98.0
    assert [w.field for w in parsed.warnings] == ["funding.execution_rate"]


def test_corrupt_workbook_is_an_extract_failure(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(ExtractFailure, match=r"^not a readable \.xlsx workbook \("):
        extract_file(bad)
