"""The form-from-grid reader on inputs it was not built from.

The hand-checked expected forms of the seeds (tests/data/expected/*.json: Shenzhen's PDF
dumps and OCR scan, Beijing's table export) are rendered back into grids in other
provinces' labels and header shapes (tests/render_forms.py) and read again; every field
must come back as the seed's expectation says. Then the shapes the seeds never show:
merged header cells from documents, transfer-payment forms without scores, a funding
weight stated in a header, cells that cannot be placed.
"""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import EXPECTED
from render_forms import NATIONAL, SYNONYMS, SYNONYMS_2, Shape, render, review_of

from reviewer.extract import ExtractFailure, parse_text
from reviewer.extract.grid import Cell, Grid
from reviewer.extract.layouts import forms_from_grids
from reviewer.extract.layouts.tabular import read_grid, tidy
from reviewer.extract.documents import xlsx_grids


def _complete(form: dict) -> bool:
    """Forms whose every row has its levels, name, weight and score, and whose 总分 row both
    numbers: what a rendering can write without inventing anything."""
    return (form["kind"] == "self_evaluation" and form["indicators"] and form["funding"]["annual_budget"] is not None
            and form["total_weight"] is not None and form["total_score"] is not None
            and all(i["level1"] and i["level2"] and i["name"] and i["weight"] is not None and i["score"] is not None
                    for i in form["indicators"]))


SEED_FORMS = [f for p in sorted(EXPECTED.glob("*.json")) for f in json.loads(p.read_text(encoding="utf-8"))
              if _complete(f)]
SHAPES = {
    "national labels": Shape(),
    "synonyms (年初设定目标, 指标名称, 年初指标值, 全年实际值, 指标分值, 自评得分, 未完成原因分析, 合计)":
        Shape(labels=SYNONYMS, inline_code=True),
    "synonyms (资金使用单位, 目标值, 年终完成值, 权重, 自评分, 扣分原因)": Shape(labels=SYNONYMS_2),
    "split target under a two-row header": Shape(split_target=True),
    "复核分 column": Shape(review=True, labels=SYNONYMS),
    "万元, year only in the title": Shape(wan=True, year_in_title=True),
    "pipe rows, merged cells dropped": Shape(ragged=True),
    "pipe rows, split target, 复核分": Shape(ragged=True, split_target=True, review=True, labels=SYNONYMS_2),
}


def test_the_seed_corpus_is_large_enough():
    assert len(SEED_FORMS) >= 30 and sum(len(f["indicators"]) for f in SEED_FORMS) >= 350


def _expected_rows(form: dict) -> list[tuple]:
    return [(tidy(i["level1"]), tidy(i["level2"]), tidy(i["name"]), tidy(i["target"]), tidy(i["actual"]),
             i["weight"], i["score"], tidy(i["deviation"])) for i in form["indicators"]]


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_seed_forms_read_back_in_other_labels_and_shapes(shape):
    for want in SEED_FORMS:
        (got,) = forms_from_grids([render(want, shape)], "rendered.txt")
        assert (got.name, got.unit, got.department, got.year) == (
            tidy(want["name"]), tidy(want["unit"]), tidy(want["department"]), want["year"]), want["id"]
        funding = {k: getattr(got.funding, k) for k in ("initial_budget", "annual_budget", "executed", "weight",
                                                        "execution_rate", "score")}
        assert funding == {k: want["funding"][k] for k in funding}, want["id"]
        assert [(r.label, r.initial_budget, r.annual_budget, r.executed) for r in got.funding.rows] == [
            (r["label"], r["initial_budget"], r["annual_budget"], r["executed"]) for r in want["funding"]["rows"]]
        assert (got.goal.planned, got.goal.actual) == (tidy(want["goal"]["planned"]), tidy(want["goal"]["actual"]))
        assert [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score, i.deviation)
                for i in got.indicators] == _expected_rows(want), want["id"]
        assert (got.total_weight, got.total_score) == (want["total_weight"], want["total_score"])
        if shape.review:
            assert [i.review_score for i in got.indicators] == [review_of(i["score"]) for i in want["indicators"]]
            assert got.review_total_score == review_of(want["total_score"])
        if shape.split_target:
            assert all(i.target_parts is not None for i in got.indicators)


def test_pipe_rows_that_also_lose_their_empty_cells_never_misplace_a_value():
    """A converter that drops empty cells too: a value is either where the seed has it or
    left empty with a warning on its row; never put under another column."""
    shape = Shape(lossy=True, split_target=True, review=True)
    fields = ("level1", "level2", "name", "target", "actual", "weight", "score", "deviation")
    compared = 0
    for want in SEED_FORMS:
        (got,) = forms_from_grids([render(want, shape)], "rendered.txt")
        assert len(got.indicators) == len(want["indicators"])
        warned = {w.field for w in got.warnings}
        for k, (expected, read) in enumerate(zip(_expected_rows(want), got.indicators)):
            for name, value in zip(fields, expected):
                compared += 1
                assert getattr(read, name) in (value, "", None), (want["id"], k, name)
                if getattr(read, name) != value:
                    assert f"indicators[{k}]" in warned
    assert compared > 3000


def cells_grid(rows: list[list], origin: str = "tabs") -> Grid:
    """Rows of texts; a (text, colspan) pair is a merged cell and the positions it covers follow as None."""
    out = []
    for r, row in enumerate(rows):
        cells, owner = [], None
        for c, item in enumerate(row):
            if item is None:
                cells.append(Cell("", covered_by=owner))
            elif isinstance(item, tuple):
                owner = (r, c)
                cells.append(Cell(item[0], f"r{r + 1}c{c + 1}", colspan=item[1]))
            else:
                cells.append(Cell(item, f"r{r + 1}c{c + 1}"))
        out.append(cells)
    return Grid(out, origin=origin)


HEAD = [["项目名称", "测试项目"], ["主管部门", "某局", "实施单位", "某中心"], ["（2023年度）"]]


def test_merged_header_cells_from_a_document_name_the_columns_below():
    (form,) = forms_from_grids([cells_grid(HEAD + [
        ["一级指标", "二级指标", "三级指标", ("年度指标值", 3), None, None, "实际完成值", ("得分", 2), None],
        ["", "", "", "指标性质", "指标值", "度量单位", "", "自评分", "复核分"],
        ["产出指标", "数量指标", "慰问人数", "≧", "4", "人", "4人", "10", "9"],
        ["", "", "慰问及时率", "═", "100", "%", "100%", "10", "10"],
        ["合计", "", "", "", "", "", "", "20", "19"],
    ], origin="docx")], "doc.docx")
    assert [(i.name, i.target, i.actual, i.score, i.review_score, i.weight) for i in form.indicators] == [
        ("慰问人数", "≧4人", "4人", 10, 9, None), ("慰问及时率", "═100%", "100%", 10, 10, None)]
    assert form.indicators[1].target_parts.comparator == "═"  # placed by what it is; unified by the text clean-up
    assert (form.total_score, form.review_total_score, form.year) == (20, 19, 2023)


def test_a_transfer_payment_form_without_scores_reads_its_targets():
    (form,) = forms_from_grids([cells_grid(HEAD + [
        ["一级指标", "二级指标", "三级指标", "指标值", "完成值", "未完成原因分析"],
        ["产出指标", "数量指标", "补助户数", "≥200户", "215户", ""],
        ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "92%", ""],
    ])], "transfer.txt")
    assert [(i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators] == [
        ("补助户数", "≥200户", "215户", None, None), ("群众知晓率", "≥90%", "92%", None, None)]
    messages = [w.message for w in form.warnings if w.field == "indicators"]
    assert any(m.startswith("no 分值 / 得分 columns") for m in messages)
    assert not [w for w in form.warnings if w.field.startswith("indicators[")]  # nothing per row


def test_a_funding_weight_stated_in_the_header_and_amounts_with_their_unit():
    # Huanggang's funding table: 预算数(A) | 执行数(B) | 执行率(B/A) | 得分(20分*执行率), cells "10万".
    (form,) = forms_from_grids([cells_grid(HEAD + [
        ["预算执行情况(万元)(20分)", "预算数(A)", "执行数(B)", "执行率(B/A)", "得分(20分*执行率)"],
        ["年度财政资金总额", "10万", "10万", "100%", "20"],
    ])], "x.txt")
    f = form.funding
    assert (f.currency_unit, f.annual_budget, f.executed, f.execution_rate, f.score, f.weight) == (
        "万元", 100000.0, 100000.0, 100, 20, 20)
    assert [w.message for w in form.warnings if w.field == "funding.weight"] == [
        "no 分值 column; 分值 20 read from the header (r4c1)"]


def test_a_cell_that_fits_two_columns_is_reported_not_guessed():
    grid = cells_grid(HEAD + [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "采购数量", "≥5台", "5台", "50", "48"],
        ["质量指标", "验收合格率", "合格", "30", "30"],  # one of 年度指标值 / 实际完成值 is lost
    ], origin="pipes")
    (form,) = forms_from_grids([grid], "x.txt")
    row = form.indicators[1]
    assert (row.level1, row.level2, row.name, row.target, row.actual, row.weight, row.score) == (
        "产出指标", "质量指标", "验收合格率", "", "", 30, 30)
    assert [w.message for w in form.warnings if w.field == "indicators[1]"] == [
        "cell '合格' could be under 实际完成值 or 年度指标值; not read"]


def test_several_forms_in_one_grid_and_none_without_a_form():
    one = HEAD + [["一级指标", "二级指标", "三级指标", "分值", "得分"], ["产出指标", "数量指标", "甲", "50", "50"],
                  ["总分", "", "", "100", "100"]]
    forms = forms_from_grids([cells_grid(one + one)], "dir/two.txt")
    assert [(f.id, f.source.index, len(f.indicators)) for f in forms] == [("two#1", 0, 1), ("two#2", 1, 1)]
    assert read_grid(cells_grid([["会议纪要"], ["今天讨论了", "工作安排"]]), "x.txt") == []
    with pytest.raises(ExtractFailure, match="looked for a 项目名称 label, a funding table"):
        parse_text("会议纪要\t今天\n讨论了\t工作安排\n", "x.txt")


def test_xlsx_sheets_become_grids_with_merged_cells_and_displayed_values(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "表1"
    ws["A1"], ws["B1"] = "年度指标值", "率"
    ws.merge_cells("A1:C1")
    ws["A2"], ws["B2"], ws["C2"] = 0.98, 406000.0, 12.5
    ws["A2"].number_format = "0%"
    path = tmp_path / "x.xlsx"
    book.save(path)
    (grid,) = xlsx_grids(path)
    assert (grid.origin, grid.name) == ("xlsx", "表1")
    top = grid.rows[0]
    assert (top[0].text, top[0].colspan, top[0].where) == ("年度指标值", 3, "表1!A1")
    assert top[1].covered_by == (0, 0) and top[1].text == ""  # B1's own text is hidden by the merge
    assert [c.text for c in grid.rows[1]] == ["98%", "406000", "12.5"]


LABELS = {"national": NATIONAL, "synonyms": SYNONYMS, "synonyms 2": SYNONYMS_2}


@pytest.mark.parametrize("labels", LABELS.values(), ids=LABELS.keys())
def test_rendered_forms_read_back_through_text_too(labels):
    """The same renderings as tab-separated text, through parse_text (layout detection included)."""
    want = SEED_FORMS[0]
    text = render(want, Shape(labels=labels)).to_tsv()
    (got,) = parse_text(text, "x.txt")
    assert got.source.layout == "tabular" and len(got.indicators) == len(want["indicators"])


def test_weight_share_and_weighted_score_columns():
    # 权重占比 and 折算得分 (score × share) beside 分值 / 自评得分: the share is placed (so it never
    # lands under another column) but the form model has no field for it; 折算得分 is read.
    (form,) = forms_from_grids([cells_grid(HEAD + [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "权重占比", "自评得分", "折算得分"],
        ["产出指标", "数量指标", "培训人次", "≥200人次", "210人次", "20", "20%", "20", "4"],
        ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "85%", "30", "30%", "27", "8.1"],
        ["合计", "", "", "", "", "100", "100%", "97", "19.4"],
    ])], "x.txt")
    assert [(i.weight, i.score, i.weighted_score) for i in form.indicators] == [(20, 20, 4), (30, 27, 8.1)]
    assert (form.total_weight, form.total_score) == (100, 97)
    assert not [w for w in form.warnings if w.field.startswith("indicators")]


def test_a_code_written_before_the_name_and_a_row_cut_by_the_end_of_the_text():
    # Sichuan's 项目名称 cell holds 项目编码-项目名称; the text stops inside the last row.
    (form,) = forms_from_grids([cells_grid([
        ["项目名称", "51000021R000000019951-工资性支出"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "发放人数", "≥20人", "21人", "50", "50"],
        ["满意度指标", "服务对象满意度指标", "公众满"],
    ], origin="pipes")], "x.txt")
    assert (form.code, form.name, form.id) == ("51000021R000000019951", "工资性支出", "51000021R000000019951")
    assert [i.name for i in form.indicators] == ["发放人数"]
    messages = [w.message for w in form.warnings if w.field == "indicators"]
    assert "the text ends inside the table: its last row ('公众满') is cut off and not read" in messages


def test_a_label_with_no_value_and_no_table_is_no_form():
    rows = [["单位名称/ 项目名称", ""], ["附件：填表说明"]]
    assert read_grid(cells_grid(rows), "x.txt") == []


def test_sichuan_funding_rows_total_and_sources():
    # Sichuan's template: 总额 = 财政资金 + 财政专户管理资金 + 单位资金; 权重 for 分值.
    (form,) = forms_from_grids([cells_grid(HEAD + [
        ["年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分"],
        ["总额", "238.93", "251.89", "251.89", "100.00%", "10", "10"],
        ["其中:财政资金", "238.93", "251.89", "251.89", "100.00%", "/", "/"],
        ["财政专户管理资金", "0.00", "0.00", "0.00", "0.00%", "/", "/"],
        ["单位资金", "0.00", "0.00", "0.00", "0.00%", "/", "/"],
    ])], "x.txt")
    f = form.funding
    assert (f.currency_unit, f.initial_budget, f.annual_budget, f.executed, f.weight, f.execution_rate, f.score) == (
        "万元", 2389300.0, 2518900.0, 2518900.0, 10, 100, 10)
    # 财政资金 is kept as written (the hand-checked real Sichuan form, tests/data/realforms, reads it so)
    assert [r.label for r in f.rows] == ["年度资金总额", "财政资金", "财政专户管理资金", "单位资金"]


@pytest.mark.parametrize("written", ["nan", "inf", "十分", "≥"])
def test_a_cell_that_does_not_fit_its_column_is_left_empty_and_the_others_stay(written):
    # A positional grid: "nan" under 全年执行数 or 分值 must not pull 分值 10 into 全年执行数.
    (form,) = forms_from_grids([cells_grid(HEAD + [
        ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["", "年度资金总额", "4", "4", written, "10", "100%", "10"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "慰问人数", "≥4人", "4人", written, "48"],
        ["", "质量指标", "验收合格率", "100%", "100%", "30", "30"],
    ])], "x.txt")
    f = form.funding
    assert (f.initial_budget, f.annual_budget, f.executed, f.weight, f.execution_rate, f.score) == (
        40000, 40000, None, 10, 100, 10)
    assert [w.field for w in form.warnings if written in w.message] == ["funding.executed", "indicators[0].weight"]
    assert [(i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators] == [
        ("慰问人数", "≥4人", "4人", None, 48), ("验收合格率", "100%", "100%", 30, 30)]


def test_a_row_shifted_by_a_lost_merged_cell_is_realigned_on_its_numbers():
    # Every cell one column left of its header (the 一级指标 field of a merged cell was dropped):
    # one shift explains the whole row, so it is proven and the row is read.
    (form,) = forms_from_grids([cells_grid(HEAD + [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "慰问人数", "≥4人", "4人", "50", "48"],
        ["质量指标", "验收合格率", "100%", "100%", "30", "30"],
    ])], "x.txt")
    row = form.indicators[1]
    assert (row.level2, row.name, row.target, row.actual, row.weight, row.score) == (
        "质量指标", "验收合格率", "100%", "100%", 30, 30)
