"""When a form writes two labels for one header field (单位名称 of the office filling it in,
项目实施单位 of the one carrying the project out), the label labels.toml lists first for the
field holds: in a form's header cells, under a compound label, and in a report's prose. And a
total score the header states (自评总分: 69, Hubei; 项目总得分99分, Ningxia) is read when no 总分 row
gives one."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES
from reviewer.extract import parse_text
from reviewer.extract.layouts import report
from reviewer.extract.layouts.tabular import label_rank
from reviewer.extract.raw import RawForm

BEIJING = EXAMPLES / "002_cc20b351adbf8378.txt"  # tab-separated; its first form: 实施单位 北京市丰台区信访办 公室


def _first_form(text: str):
    return "项目支出绩效自评表" + text.split("项目支出绩效自评表", 2)[1]


@pytest.mark.parametrize("order", ["filing office first", "filing office last"])
def test_a_compound_label_ranks_as_its_part_naming_the_field(order: str) -> None:
    """项目实施单位/项目负责人 holds the unit over 单位名称, wherever each is written."""
    one = _first_form(BEIJING.read_text(encoding="utf-8"))
    compound = "项目实施单位/项目负责人\t丰台区信访宣传中心/张三"
    filing = "单位名称\t北京市丰台区信访办"
    first, last = (filing, compound) if order == "filing office first" else (compound, filing)
    text = one.replace("项目名称\t\t", f"{first}\t\t\n项目名称\t\t", 1).replace("实施单位\t北京市丰台区信访办 公室", last, 1)
    [form] = parse_text(text, "typed.txt")
    assert form.unit == "丰台区信访宣传中心"


def test_label_rank_follows_labels_toml() -> None:
    assert label_rank("unit", "项目实施单位") < label_rank("unit", "单位名称")
    assert label_rank("unit", "项目实施单位/项目负责人") == label_rank("unit", "项目实施单位")
    assert label_rank("unit", "项目实施单位：某中心") == label_rank("unit", "项目实施单位")
    assert label_rank("department", "主管部门") < label_rank("department", "一级预算单位")


def test_a_report_takes_the_unit_from_the_label_listed_first() -> None:
    prose = ("一、项目基本情况\n单位名称：某区财政局绩效科。本次评价由某会计师事务所承担，评价单位：某会计师事务所。"
             "项目实施单位为某区水务工程中心，主管部门为某区水务局。")
    raw = RawForm(path="r.txt", index=0, layout=report.NAME, kind="evaluation_report")
    report.unit_and_department(prose, raw)
    assert raw.header["unit"].text == "某区水务工程中心"
    assert raw.header["department"].text == "某区水务局"


def test_a_report_takes_the_name_from_the_label_listed_first() -> None:
    prose = "专项资金名称：农田水利专项资金。项目名称：某镇灌区续建配套工程。"
    assert report.project_name(prose, "某镇灌区续建配套工程绩效评价报告") == "某镇灌区续建配套工程"


def test_a_short_label_inside_a_longer_word_is_that_word() -> None:
    """评价单位 is the evaluator, not the 单位 of the form."""
    raw = RawForm(path="r.txt", index=0, layout=report.NAME, kind="evaluation_report")
    report.unit_and_department("评价单位：某会计师事务所。某区水务工程中心申报预算100万元。", raw)
    assert raw.header["unit"].text == "某区水务工程中心"


def _beijing_with(header_line: str, total_row: bool) -> str:
    one = _first_form(BEIJING.read_text(encoding="utf-8"))
    one = one.replace("项目名称\t\t", f"{header_line}\n项目名称\t\t", 1)
    return one if total_row else one.replace("\t总分\t\t\t\t\t100\t100\t\n", "", 1)


@pytest.mark.parametrize("written", ["自评总分：88\t单位领导审签：", "项目总得分\t88分"])
def test_a_total_the_header_states_is_read_when_no_total_row_gives_one(written: str) -> None:
    text = _beijing_with(written, total_row=False)
    assert "总分\t" not in text.split("绩效指标", 1)[1]
    [form] = parse_text(text, "typed.txt")
    assert form.total_score == 88
    assert any(w.field == "total_score" and "header" in w.message for w in form.warnings)


def test_the_total_row_holds_over_the_header_and_the_difference_is_noted() -> None:
    [form] = parse_text(_beijing_with("自评总分：97", total_row=True), "typed.txt")
    assert form.total_score == 100
    assert any(w.field == "total_score" and "97" in w.message for w in form.warnings)


def test_a_header_stating_a_total_is_still_only_a_header(tmp_path) -> None:
    """A total the header states is no part of the form beyond its header: a form with nothing
    else is truncated, as one without it."""
    from reviewer.extract import extract_paths

    path = tmp_path / "header.txt"
    path.write_text("项目支出绩效自评表\n(2023年度)\n项目名称\t乡村道路养护\n自评总分：95\n实施单位\t某县公路养护中心\n",
                    encoding="utf-8")
    extraction = extract_paths([path])
    assert extraction.forms == [] and "truncated" in extraction.errors[0].message
