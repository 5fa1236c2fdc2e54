"""A row that leaves its target empty (a split target's 指标性质 | 指标值 | 度量单位 all empty, the
layout zoo's split-target variant; or the national template's 年度指标值): an indicator name
that begins with digits stays the name, and a lone number that could be the target or the
实际完成值 is never read as a target the form did not write.

The typed form is the zoo's first seed form (tests/zoo/render.py) cut short, written as a tab
export, flattened to one line as the zoo's `flattened` carrier writes it (cells joined by single
spaces, empty cells dropped), and (national template) as pipe rows without their empty cells."""

from __future__ import annotations

import json

import pytest
from zoo import render

from reviewer.extract import extract_file, parse_text
from reviewer.extract.layouts.placement import TEXT, VALUE, kind

HEAD = [
    ["项目支出绩效自评表"],
    ["（2023年度）"],
    ["项目名称", "", "信息化运维项目"],
    ["项目编码", "", "440304220091500300003"],
    ["主管部门", "", "深圳市福田区信访局（本级）", "", "", "", "实施单位", "深圳市福田区信访局（本级）"],
    ["项目资金 （元）", "", "", "", "年初 预算数", "全年 预算数", "全年 执行数", "分值", "执行率", "得分"],
    ["", "", "年度资金总额", "406000.00", "1898430.00", "1898430.00", "10", "100%", "10"],
    ["年度总体目标", "预期目标", "", "", "", "实际完成情况"],
    ["", "实现多部门数据共享。", "", "", "", "实现了多部门数据共享。"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "", "", "实际 完成值", "分值", "得分",
     "偏差原因分析 及改进措施"],
    ["", "", "", "", "指标性质", "指标值", "度量单位"],
    ["", "产出指标", "数量指标", "在用信息系统个数", "", "1", "个", "4 个", "15", "14"],
    ["", "", "质量指标", "信息系统故障率", "≤", "2", "%", "1%", "15", "15"],
]
TAIL = [
    ["", "", "成本指标", "支出进度达标率", "≥", "95", "%", "100%", "10", "10"],
    ["", "满意度指标", "服务对象满意度指标", "信息采集对象满意度", "≥", "90", "%", "98%", "10", "10"],
    ["总分", "", "", "", "", "", "", "", "60", "59"],
]


def _form(name: str) -> list[list[str]]:
    row = ["", "", "时效指标", name, "", "", "", "100%", "10", "10"]  # 指标性质, 指标值, 度量单位 all empty
    return HEAD + [row] + TAIL


NATIONAL_HEADER = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度 指标值", "实际 完成值", "分值", "得分",
                   "偏差原因分析 及改进措施"]


def _national(name: str) -> list[list[str]]:
    """The same form in the national template: one 年度指标值 column, this row's left empty."""
    at = HEAD.index(next(r for r in HEAD if r[:1] == ["绩效指标"]))
    rows = HEAD[:at] + [NATIONAL_HEADER] + [r[:4] + ["".join(r[4:7])] + r[7:] for r in HEAD[at + 2:]]
    row = ["", "", "时效指标", name, "", "100%", "10", "10"]
    return rows + [row] + [r[:4] + ["".join(r[4:7])] + r[7:] for r in TAIL[:-1]] + [
        ["总分", "", "", "", "", "", "60", "59"]]


def _tsv(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(r) for r in rows) + "\n"


def _flattened(rows: list[list[str]]) -> str:
    return " ".join(" ".join(c for c in r if c) for r in rows).replace("年度 指标值", "年度指标值") + "\n"


def _row(text: str, name: str):
    (form,) = parse_text(text, "x.txt")
    (row,) = [i for i in form.indicators if i.level2 == "时效指标"]
    return form, row


NAMES = ["12345事件分拨完成合格率", "5G基站建设完成率", "事件分拨完成合格率"]


@pytest.mark.parametrize("name", NAMES)
def test_tab_export_keeps_the_name_and_the_actual(name):
    _, row = _row(_tsv(_form(name)), name)
    assert (row.name, row.target, row.actual) == (name, "", "100%")


@pytest.mark.parametrize("name", NAMES)
def test_flattened_never_reads_a_target_the_form_did_not_write(name):
    form, row = _row(_flattened(_form(name)), name)
    assert row.name == name
    assert row.target == ""  # not the name, not the 100% the form wrote under 实际完成值
    assert row.actual == "100%" or any("'100%'" in w.message for w in form.warnings)
    # the rows around it, whose parts are written, are read whole
    assert [(i.name, i.target, i.actual) for i in form.indicators if i.level2 in ("质量指标", "成本指标")] == [
        ("信息系统故障率", "≤2%", "1%"), ("支出进度达标率", "≥95%", "100%")]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("carrier", [_flattened])
def test_national_template_never_reads_a_target_the_form_did_not_write(name, carrier):
    form, row = _row(carrier(_national(name)), name)
    assert row.name == name
    assert row.target == ""
    assert row.actual == "100%" or any("'100%'" in w.message and "年度指标值" in w.message for w in form.warnings)
    assert [(i.name, i.target, i.actual) for i in form.indicators if i.level2 in ("质量指标", "成本指标")] == [
        ("信息系统故障率", "≤2%", "1%"), ("支出进度达标率", "≥95%", "100%")]


@pytest.mark.parametrize("name", NAMES)
def test_national_tab_export_keeps_the_name_and_the_actual(name):
    _, row = _row(_tsv(_national(name)), name)
    assert (row.name, row.target, row.actual) == (name, "", "100%")


@pytest.mark.parametrize("variant", ["split-target", "national"])
@pytest.mark.parametrize("carrier", [*render.TEXT_CARRIERS, "xlsx", "html"])
def test_every_zoo_carrier_keeps_a_numbered_name_and_writes_no_target(variant, carrier, tmp_path, monkeypatch):
    """The zoo's first seed with its third row renamed 12345… and its target emptied, through
    the zoo's own carriers: the name is read whole, the target stays empty, the 100% is the
    actual or is left unread with a warning."""
    forms = render.seed_forms("000_227770587c716576")
    forms[0]["indicators"][2].update(name=NAMES[0], target="")
    (tmp_path / "numbered.json").write_text(json.dumps(forms, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(render, "EXPECTED", tmp_path)
    monkeypatch.setitem(render.SEEDS, "numbered", None)
    path, _ = render.rendering("numbered", variant, carrier, tmp_path)
    form = extract_file(path)[0]
    row = form.indicators[2]
    assert (row.name, row.target) == (NAMES[0], "")
    assert row.actual == "100%" or any("'100%'" in w.message and "not read" in w.message for w in form.warnings)


@pytest.mark.parametrize("text", ["12345事件分拨完成合格率", "5G基站建设数量", "110接警及时率", "12345 热线满意度"])
def test_digits_followed_by_words_read_as_a_name(text):
    assert kind(text) == TEXT


@pytest.mark.parametrize("text", ["2023年度培训次数", "2022年资金到位率", "2021年度 项目验收合格率"])
def test_a_year_followed_by_words_reads_as_a_name(text):
    """The year's 年 reads as a unit, so a year-led name would otherwise be a value."""
    assert kind(text) == TEXT


@pytest.mark.parametrize("text", ["2023年度", "2021年完成", "2020年底前完成", "2020年度完成", "2000年以上",
                                  "2023年度培训次数≥3次", "2023年度计划完成率100%"])
def test_a_year_as_a_date_or_with_a_quantity_is_still_a_value(text):
    assert kind(text) == VALUE


@pytest.mark.parametrize("text", ["100%有效", "4个", "3天内", "1套系统", "2个项目", "12月底前完成", "1次/年",
                                  "2023年12月31日前", "完成3个", "95%以上"])
def test_a_number_with_its_unit_or_comparator_is_still_a_value(text):
    assert kind(text) == VALUE


def test_a_year_led_name_in_a_pipe_row_without_its_actual_stays_the_name():
    """Pipe rows drop merged and empty cells: '2023年度培训次数 | ≥3次 | 10 | 10' is placed by what
    its cells are, and the year-led name is not read as the target (nor its target as the actual)."""
    text = ("项目支出绩效自评表\n| 项目名称 | 培训项目 |\n| 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |\n"
            "| 产出指标 | 数量指标 | 培训人数 | 3人 | 4人 | 10 | 10 |\n| 2023年度培训次数 | ≥3次 | 10 | 10 |\n| 总分 | 20 | 20 |\n")
    (form,) = parse_text(text, "year-name.txt")
    row = form.indicators[1]
    assert (row.name, row.target, row.actual) == ("2023年度培训次数", "≥3次", "")
