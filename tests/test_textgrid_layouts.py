"""The hand-checked seed forms rendered into other provinces' text layouts (textgrid_render)
and read back: the grid's cells must be the form's cells, under the right headers.

Each rendering is read into grids, the grids are fed to the tab-separated layout (the reader
that exists today), and the form that comes out is compared with the expected JSON. What a
layout cannot carry is said per layout, not skipped silently:
- spaces and pipe cells one per line drop an empty cell with nothing to mark it, so a goal
  with one part empty and a 总分 row with one number are not placed;
- single spaces part a cell that holds a space ("1 个" is kept, "社工人员 6 人" is not), so
  forms whose cells hold spaces are checked only for the numbers read;
- with no separators at all, numbers written together are never split: every number read
  must be right, and each run left unread is said in a note.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import EXPECTED
from textgrid_render import LAYOUTS, render, table
from reviewer.extract.layouts import tabular
from reviewer.extract.textgrid import text_grids

SEEDS = ["000_227770587c716576", "001_61357c0ed07ba240.part-a", "002_cc20b351adbf8378", "003_8b0a55cfaf6a1b6b"]
CASES = [(seed, i) for seed in SEEDS for i in range(len(json.loads((EXPECTED / f"{seed}.json").read_text("utf-8"))))]
TEXT_FIELDS = ("name", "target", "actual", "deviation")
EXACT = ("pipes", "markdown", "cells", "pipes-per-line", "spaces")


def expected(seed: str, index: int) -> dict:
    return json.loads((EXPECTED / f"{seed}.json").read_text("utf-8"))[index]


def squash(text: str) -> str:
    """Text as the tab-separated layout joins it: no spaces (a wrap after a Chinese character)."""
    return re.sub(r"\s+", "", text)


def read(text: str):
    forms = []
    for grid in text_grids(text):
        tsv = grid.to_tsv()
        if tabular.detect(tsv):
            forms += tabular.parse(tsv, "rendered")
    return forms


def same_name(form: dict, name: str) -> list[dict]:
    """The expected indicators of this name (a form may repeat one; 003's OCR names a row by its target)."""
    return [i for i in form["indicators"] if squash(i["name"]) == squash(name)]


def has_spaces(form: dict) -> bool:
    return any(re.search(r"\s", c) for row in table(form) for c in row if c)


@pytest.mark.parametrize("layout", EXACT)
@pytest.mark.parametrize("seed,index", CASES, ids=[f"{s[:3]}#{i + 1}" for s, i in CASES])
def test_rendered_form_reads_back_cell_for_cell(seed, index, layout):
    form = expected(seed, index)
    [got] = read(render(form, layout))
    assert (got.name, got.code, got.department, got.unit, got.year) == (
        form["name"], form["code"], form["department"], form["unit"], form["year"])
    funding = form["funding"]
    for field in ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score"):
        assert getattr(got.funding, field) == funding[field], field
    lost_empty = layout in ("spaces", "pipes-per-line")
    goal = form["goal"]
    if not (lost_empty and not all(goal.values())):
        assert (squash(got.goal.planned), squash(got.goal.actual)) == (squash(goal["planned"]), squash(goal["actual"]))
    if not (lost_empty and None in (form["total_weight"], form["total_score"])):
        assert (got.total_weight, got.total_score) == (form["total_weight"], form["total_score"])
    assert len(got.indicators) == len(form["indicators"])
    for k, (want, have) in enumerate(zip(form["indicators"], got.indicators)):
        assert (have.weight, have.score) == (want["weight"], want["score"]), k
        if layout == "spaces" and not all(want[f] for f in ("level2", "name", "target", "actual")):
            continue  # an empty text cell vanished between runs of spaces: its row is placed by kind
        for field in TEXT_FIELDS:
            assert squash(getattr(have, field)) == squash(want[field]), (k, field)
        for field in ("level1", "level2"):  # 003's OCR left some level cells blank: the reader carries down
            if want[field]:
                assert squash(getattr(have, field)) == squash(want[field]), (k, field)


@pytest.mark.parametrize("seed,index", CASES, ids=[f"{s[:3]}#{i + 1}" for s, i in CASES])
def test_flattened_with_single_spaces(seed, index):
    form = expected(seed, index)
    [got] = read(render(form, "flat"))
    assert (got.name, got.department, got.unit) == (form["name"], form["department"], form["unit"])
    assert got.funding.annual_budget == form["funding"]["annual_budget"]
    assert got.funding.executed == form["funding"]["executed"]
    for have in got.indicators:
        want = same_name(form, have.name)
        if want:
            assert any(have.weight in (None, w["weight"]) and have.score in (None, w["score"]) for w in want), have.name
        else:
            assert has_spaces(form), have.name  # a row is mis-cut only where a cell holds a space
    if not has_spaces(form):
        assert [squash(i.name) for i in got.indicators] == [squash(i["name"]) for i in form["indicators"]]
        assert [(i.weight, i.score) for i in got.indicators] == [(i["weight"], i["score"]) for i in form["indicators"]]
        assert [squash(i.target) for i in got.indicators] == [squash(i["target"]) for i in form["indicators"]]
        assert (got.total_weight, got.total_score) == (form["total_weight"], form["total_score"])


@pytest.mark.parametrize("seed,index", CASES, ids=[f"{s[:3]}#{i + 1}" for s, i in CASES])
def test_flattened_without_separators_reads_no_wrong_number(seed, index):
    form = expected(seed, index)
    text = render(form, "flat-nospace")
    grids = text_grids(text)
    [got] = read(text)
    assert got.name == form["name"]
    for field in ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score"):
        assert getattr(got.funding, field) in (None, form["funding"][field]), field
    assert got.total_weight in (None, form["total_weight"]) and got.total_score in (None, form["total_score"])
    for have in got.indicators:
        want = same_name(form, have.name)
        if want:
            assert any(have.weight in (None, w["weight"]) and have.score in (None, w["score"]) for w in want), have.name
    assert any("several numbers written together" in n for g in grids for n in g.notes)


def test_every_layout_is_rendered_and_tested():
    assert set(LAYOUTS) == set(EXACT) | {"flat", "flat-nospace"}


def test_two_row_header_spanning_a_split_target():
    text = "\n".join([
        "一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | ||",
        "指标性质 | 指标值 | 度量单位 | ||||||",
        "产出指标 | 数量指标 | 发放慰问金人数 | ≧ | 4 | 人 | 4人 | 10 | 10 |",
        "质量指标 | 发放准确率 | ＝ | 100 | % | 100% | 10 | 9 | |",
    ])
    [grid] = text_grids(text)
    texts = grid.texts()
    assert texts[0][3] == "年度指标值" and grid.rows[0][3].colspan == 3
    assert grid.rows[0][4].covered_by == (0, 3) and grid.rows[1][0].covered_by == (0, 0)
    assert texts[1][3:6] == ["指标性质", "指标值", "度量单位"]
    assert texts[2] == ["产出指标", "数量指标", "发放慰问金人数", "≧", "4", "人", "4人", "10", "10"]
    assert texts[3] == ["", "质量指标", "发放准确率", "＝", "100", "%", "100%", "10", "9"]


def test_review_score_and_weighted_columns_are_placed_by_kind():
    text = "\n".join([
        "一级指标 | 二级指标 | 三级指标 | 指标值 | 完成值 | 权重 | 自评分 | 复核分 | 扣分原因 |",
        "产出指标 | 数量指标 | 培训人次 | ≥200人次 | 230人次 | 20 | 20 | 18 | 超额完成，目标设置偏低 |",
        "时效指标 | 按时完成率 | 100% | 100% | 10 | 10 | 10 | ||",
        "合计 | 100 | 98 | 96 | |||||",
    ])
    [grid] = text_grids(text)
    texts = grid.texts()
    assert texts[1] == ["产出指标", "数量指标", "培训人次", "≥200人次", "230人次", "20", "20", "18", "超额完成，目标设置偏低"]
    assert texts[2][1:8] == ["时效指标", "按时完成率", "100%", "100%", "10", "10", "10"] and texts[2][0] == ""
    assert texts[3] == ["合计", "", "", "", "", "100", "98", "96", ""]


def test_cell_per_line_with_a_split_target_under_a_two_row_header():
    cells = ["一级指标", "二级指标", "三级指标", "年度指标值", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分",
             "产出指标", "数量指标", "发放慰问金人数", "≥", "4", "人", "4人", "10", "10",
             "质量指标", "发放准确率", "＝", "100", "%", "100%", "10", "9"]
    [grid] = text_grids("\n\n".join(cells))
    texts = grid.texts()
    assert texts[0][3] == "年度指标值" and grid.rows[0][3].colspan == 3
    assert texts[1][3:6] == ["指标性质", "指标值", "度量单位"]
    assert texts[2] == ["产出指标", "数量指标", "发放慰问金人数", "≥", "4", "人", "4人", "10", "10"]
    assert texts[3] == ["", "质量指标", "发放准确率", "＝", "100", "%", "100%", "10", "9"]


def test_two_row_header_whose_upper_row_spans_the_levels_and_the_target():
    # The upper row names the levels as one label (绩效指标) and the split target (年度指标值),
    # the lower one the levels and the target's parts; "||||" pads every row past the header.
    text = "\n".join([
        "| 绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 | |||||",
        "| 一级 指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | |||||",
        "| 产出指标 | 数量指标 | 补助经费 | ＝ | 72890 | 元 | 72890 | 10.00 | 9.00 | ||",
        "| 质量指标 | 项目验收合格率 | ＝ | 100 | % | 100 | 20 | 19 | |||",
    ])
    [grid] = text_grids(text)
    texts = grid.texts()
    assert texts[0][:4] == ["一级 指标", "二级指标", "三级指标", "年度指标值"] and grid.rows[0][3].colspan == 3
    assert texts[0][6:10] == ["实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    assert texts[1][3:6] == ["指标性质", "指标值", "度量单位"]
    assert texts[2][:9] == ["产出指标", "数量指标", "补助经费", "＝", "72890", "元", "72890", "10.00", "9.00"]
    assert texts[3][:9] == ["", "质量指标", "项目验收合格率", "＝", "100", "%", "100", "20", "19"]


def test_two_row_header_whose_target_and_score_span_the_lower_labels_one_row_a_line():
    # Hebei: 预期指标值 over 符号 | 单位 (the value between them), 自评得分 over three numbers; the
    # section's title opens the header's line, and the lower header line is no part of the upper.
    text = "\n".join([
        "四、年度绩效指标完成情况 一级指标 二级指标 三级指标 指标分值 预期指标值 单项指标实际完成值 单项指标完成情况 自评得分",
        "符号 单位(文字描述) 单项指标得分 权重占比(%) 单项指标折算得分",
        "产出指标 质量指标 覆盖率 享受补贴政策人数占总数的比例 >= 98 %(百分比) 100% 完成 25.00 25.00 6.25",
        "时效指标 完成率 按照要求每月及时完成审批的比例 >= 99 %(百分比) 100% 完成 25.00 25.00 6.25",
    ])
    [grid] = text_grids(text)
    texts = grid.texts()
    assert texts[0][5] == "预期指标值" and grid.rows[0][5].colspan == 3
    assert texts[0][10] == "自评得分" and grid.rows[0][10].colspan == 3
    assert texts[1][5:8] == ["符号", "预期指标值", "单位(文字描述)"] and texts[1][10:] == [
        "单项指标得分", "权重占比(%)", "单项指标折算得分"]
    assert texts[2][5:] == ["≥", "98", "%(百分比)", "100%", "完成", "25.00", "25.00", "6.25"]
    assert texts[3][5:] == ["≥", "99", "%(百分比)", "100%", "完成", "25.00", "25.00", "6.25"]
    from reviewer.extract import parse_text
    [form] = parse_text("项目名称: 高龄津贴\n" + text, "hebei.txt")
    first = form.model_dump()["indicators"][0]
    assert (first["name"], first["target"], first["actual"], first["weighted_score"]) == (
        "覆盖率", "≥98%(百分比)", "100%", 6.25)
