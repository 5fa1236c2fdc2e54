"""A form saved as CSV (reviewer.extract.documents.csv_grid): read by position as a
workbook's sheet is. Every seed form as CSV is the layout zoo's `csv` carrier; these are
the file-level cases."""

from __future__ import annotations

from reviewer.extract import extract_file

ROWS = [
    ["项目支出绩效自评表"],
    ["项目名称", "乡村道路养护", "", "", "", "", "", ""],
    ["主管部门", "某县交通运输局", "", "", "实施单位", "某县公路事务中心", "", ""],
    ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["", "年度资金总额", "50", "50", "48", "10", "96%", "9.6"],
    ["年度总体目标", "预期目标", "", "", "实际完成情况", "", "", ""],
    ["", "养护道路120公里，路况优良率达90%", "", "", "养护道路126公里，优良率92%", "", "", ""],
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
    ["产出指标", "数量指标", "养护里程", "≥120公里", "126公里", "50", "50", ""],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "93%", "40", "38", "个别路段，\n施工期间通行不便"],
    ["总分", "", "", "", "", "100", "97.6", ""],
]


def _csv(rows: list[list[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def test_an_excel_csv_in_gbk_is_read_by_position(tmp_path):
    path = tmp_path / "form.csv"
    path.write_bytes(_csv(ROWS).encode("gbk"))
    [form] = extract_file(path)
    assert (form.name, form.unit, form.funding.executed, form.total_score) == ("乡村道路养护", "某县公路事务中心", 480000, 97.6)
    assert form.goal.planned == "养护道路120公里，路况优良率达90%"
    assert [(i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators] == [
        ("养护里程", "≥120公里", "126公里", 50, 50), ("群众满意度", "≥90%", "93%", 40, 38)]
    assert form.indicators[1].deviation == "个别路段，施工期间通行不便"  # a quoted field with a line break is one cell


def test_a_csv_file_that_is_text_is_read_as_text(tmp_path):
    path = tmp_path / "form.csv"
    lines = ["\t".join(cell.replace("\n", "") for cell in row) for row in ROWS]  # tabs under a .csv name
    path.write_text("\n".join(lines), encoding="utf-8")
    [form] = extract_file(path)
    assert form.name == "乡村道路养护" and len(form.indicators) == 2
