"""A rubric's criteria are its criteria: never an indicator's name, target or actual.

The rules, each tested on text typed here in shapes other than the real forms they came from
(tests/data/realforms/dev: hn-nanxian-mzj-2022-jifenbiao-pipecells, unk-51dongshi-…-rubric-flat,
unk-xiangmu-pingfenbiao-trad-flat, unk-31ppt-yindaozijin-zhibiaobiao-flat, unk-yabo-…-ocrflat):
- in a rubric, a row whose name is rubric prose (a list of scored items "设有目标(1分) 目标明确(1分)",
  grades with points "充分:3分;一般:1.5分", a formula "…率=…/…") is set aside whatever stands
  beside it; a nameless row is left out; a rubric most of whose rows are no item is a scramble
  and none of its rows is read; each with a warning naming what was left out;
- 具体指标 beside 三级指标 is the item's description, 评价内容 its criteria;
- a rubric run together with no delimiter is read by its header run and its label cells' points;
  what the text does not mark (where two prose columns part, a score above its weight, the row
  the text ends in) is left empty or out, and said.
"""

from __future__ import annotations

import pytest

from reviewer.extract import parse_text
from reviewer.extract.assemble import assemble
from reviewer.extract.layouts import rubric_run
from reviewer.extract.raw import RawCell, RawForm, RawIndicatorRow, RawTable

COLUMNS = ("level1", "level2", "name", "weight", "score", "criteria")


def rubric_with(*rows: dict[str, str], rubric: bool = True):
    raw = RawForm(path="dir/r.txt", index=0, layout="test", kind="department_overall")
    raw.indicators = RawTable(columns={c: RawCell(c) for c in COLUMNS}, rubric=rubric,
                              rows=[RawIndicatorRow({k: RawCell(v, f"test {k}") for k, v in r.items()}) for r in rows])
    return assemble(raw)


def notes(form) -> list[str]:
    return [w.message for w in form.warnings if w.field == "indicators"]


ITEM = dict(level1="决策", level2="项目立项", name="立项依据充分性", weight="3", score="3")


@pytest.mark.parametrize("prose", [
    "有相应的资金管理办法(1分) 办法健全、规范(1分)",  # scored items, each with its points
    "依据是否充分,充分:3分;一般:1.5分;没有:0分",  # grades with their points
    "到位率=实际到位资金/计划到位资金×100%",  # an explanation's formula
])
def test_rubric_prose_with_a_number_beside_it_is_no_item(prose):
    form = rubric_with(ITEM, dict(name=prose, weight="1"), dict(ITEM, name="立项程序规范性"))
    assert [i.name for i in form.indicators] == ["立项依据充分性", "立项程序规范性"]
    assert any("scoring rule or explanation" in n and "beside it in a rubric" in n for n in notes(form))


def test_outside_a_rubric_a_scored_row_keeps_its_name():
    # the rule is the rubric's: an indicator table's row with 分值/得分 is not judged by its words
    form = rubric_with(dict(ITEM, name="资金到位率=实际到位/计划到位", target="100%"), rubric=False)
    assert [i.name for i in form.indicators] == ["资金到位率=实际到位/计划到位"]


def test_a_nameless_rubric_row_is_left_out_and_named():
    form = rubric_with(ITEM, dict(score="1"), dict(criteria="“三公经费”变动率≤0,计3分", weight="3"),
                       dict(ITEM, name="立项程序规范性"))
    assert [i.name for i in form.indicators] == ["立项依据充分性", "立项程序规范性"]
    left = [n for n in notes(form) if "no 指标 name" in n]
    assert len(left) == 2 and "得分 '1'" in left[0] and "评分标准 '“三公经费”变动率≤0,计3分'" in left[1]


def test_a_rubric_of_mostly_pieces_is_a_scramble_none_read():
    # an OCR'd rubric whose columns interleave: names of two characters, formula pieces, numbers alone
    form = rubric_with(dict(score="1"), dict(score="3"), dict(name="-上年度", score="2"), dict(name="总额"),
                       dict(name="分,扣完为止。"), dict(name="公务用", criteria="公务用车购置运行费变动率="))
    assert form.indicators == []
    assert any("scrambled" in n and "'总额'" in n and "'公务用'" in n for n in notes(form))


def test_a_rubric_with_a_few_pieces_keeps_its_items():
    form = rubric_with(ITEM, dict(ITEM, name="立项程序规范性"), dict(score="1"))
    assert [i.name for i in form.indicators] == ["立项依据充分性", "立项程序规范性"]
    assert not any("scrambled" in n for n in notes(form))


def test_a_percent_alone_is_no_name():
    form = rubric_with(ITEM, dict(name="100%"), rubric=False)
    assert [i.name for i in form.indicators] == ["立项依据充分性"]


def test_specific_indicator_beside_the_name_is_its_description():
    text = "\n".join([
        "某区部门整体支出绩效评价评分表",
        "| 一级指标 | 二级指标 | 三级指标 | 分值 | 具体指标 | 评价标准 | 得分 |",
        "| 决策 | 项目立项 | 立项依据 | 4 | 是否符合规划;是否符合职责 | 符合规划(2分) 符合职责(2分) | 3 |",
        "| | | 立项程序 | 2 | 申报程序是否规范 | 程序规范(2分) | 2 |",
    ])
    rows = parse_text(text, "rubric.txt")[0].indicators
    assert [(i.name, i.weight, i.score, i.description, i.criteria) for i in rows] == [
        ("立项依据", 4, 3, "是否符合规划;是否符合职责", "符合规划(2分) 符合职责(2分)"),
        ("立项程序", 2, 2, "申报程序是否规范", "程序规范(2分)")]


def test_pipe_rows_opened_by_a_lone_pipe_keep_their_rows():
    # an HTML converter's <tr>: "|" alone at the line's start, each cell indented and closed by "|",
    # merged cells dropped from later rows, the row's end padded by indented pipes
    def row(*cells: str, pad: int = 0) -> list[str]:
        return ["| "] + [f"      {c}  | " for c in cells] + (["    " + "|" * pad] if pad else [])
    lines = ["2023年某局项目支出绩效评价计分表"]
    lines += row("一级 指标", "二级 指标", "三级 指标", "分值", "得分", "评分标准")
    lines += row("决策 (10分)", "立项 (6分)", "依据充分", "3", "3", "依据充分得3分")
    lines += row("程序规范", "3", "2", "程序规范(2分) 资料齐全(1分)", pad=2)
    lines += row("过程 (4分)", "资金 (4分)", "到位率", "4", "4", "到位率100%得满分,每低1%扣0.1分")
    form = parse_text("\n".join(lines), "rows.txt")[0]
    assert [(i.level1, i.level2, i.name, i.weight, i.score) for i in form.indicators] == [
        ("决策", "立项", "依据充分", 3, 3), ("决策", "立项", "程序规范", 3, 2), ("过程", "资金", "到位率", 4, 4)]
    assert form.indicators[2].criteria == "到位率100%得满分,每低1%扣0.1分"
    assert form.year == 2023


# ---------------------------------------------------------------- a rubric run together


def _run(body: str, header: str = "一级指标分值三级指标分值评分标准指标说明得分") -> list:
    return parse_text("某单位整体支出绩效评价指标表\n" + header + "\n" + body, "run.txt")


def test_a_run_together_rubric_is_read_by_its_label_cells_and_points():
    # one level column (not the dev files' two), criteria then a formula's explanation, a score each
    body = ("产出30完成及时率10按期完成计10分;每延期一个月扣2分,扣完为止。完成及时率=按期完成数/计划数×100%8"
            "质量达标率20达标率100%计20分;每低1%扣1分。质量达标率=达标数/总数×100%19总分")
    form = _run(body)[0]
    assert [(i.level1, i.name, i.weight, i.score) for i in form.indicators] == [
        ("产出", "完成及时率", 10, 8), ("产出", "质量达标率", 20, 19)]
    first = form.indicators[0]
    assert first.criteria == "按期完成计10分;每延期一个月扣2分,扣完为止。"
    assert first.description == "完成及时率=按期完成数/计划数×100%"
    assert first.target == "" and first.actual == ""


def test_prose_columns_the_text_does_not_part_are_left_empty_and_said():
    body = "产出30完成数量10是否按计划完成数量完成得10分,未完成不得分9完成质量20质量是否达标达标得20分18总分"
    form = _run(body, "一级指标分值三级指标分值指标说明评分标准得分")[0]
    assert [(i.name, i.weight, i.score, i.description, i.criteria) for i in form.indicators] == [
        ("完成数量", 10, 9, "", ""), ("完成质量", 20, 18, "", "")]
    assert any("is not marked: neither is read" in w.message for w in form.warnings)


def test_a_score_above_its_weight_is_not_read_and_the_cut_row_is_left_out():
    body = "产出30完成数量10完成得10分,未完成不得分12完成质量20达标得20分18效益40社会效益20受益人数是否达到"
    form = _run(body, "一级指标分值三级指标分值评分标准得分")[0]
    assert [(i.name, i.weight, i.score) for i in form.indicators] == [("完成数量", 10, None), ("完成质量", 20, 18)]
    messages = [w.message for w in form.warnings]
    assert any("'12' after its prose is above its 分值 10" in m for m in messages)
    assert any("text ends inside the row '效益 社会效益'" in m for m in messages)


def test_points_written_in_the_labels():
    body = ("投入(20分)预算编制(8分)编制是否科学,科学:8分;基本科学:4分;不科学:0分8"
            "预算执行(12分)执行率100%:12分;每低1%扣0.5分11合计")
    form = _run(body, "一级指标三级指标评分标准得分")[0]
    assert [(i.level1, i.name, i.weight, i.score) for i in form.indicators] == [
        ("投入", "预算编制(8分)", 8, 8), ("投入", "预算执行(12分)", 12, 11)]
    assert form.indicators[0].criteria == "编制是否科学,科学:8分;基本科学:4分;不科学:0分"


@pytest.mark.parametrize("text", [
    "| 一级指标 | 分值 | 三级指标 | 分值 | 评分标准 | 得分 |\n| 产出 | 30 | 完成数量 | 10 | 完成得10分 | 9 |",
    "项目名称 某项目\n一级指标二级指标三级指标年度指标值实际完成值分值得分\n产出指标数量指标采购设备10台10台1010",
])
def test_only_a_run_together_rubric_header_is_claimed(text):
    assert not rubric_run.detect(text)


def test_a_grade_cut_before_its_points_and_a_points_note_cut_open_are_no_names():
    # a PDF text layer's pieces: a criterion's sentence cut at its grade's colon (the points went
    # to the 分值 column), and the "(6" of a level cell's "(6 分 )" printed between rows
    form = rubric_with(ITEM, dict(name="项目资金使用的预定目标是否明确。明确:", weight="2"), dict(name="(6"),
                       dict(name="项目实施完成后达到预期的效果的:"), rubric=False)
    assert [i.name for i in form.indicators] == ["立项依据充分性"]
    assert sum("not an indicator's name" in n for n in notes(form)) == 3
