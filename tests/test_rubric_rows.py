"""Rubric tables (评分表): rows read by general rules, whatever the categories are called.

The rules, each tested on a layout other than the real form it came from
(tests/data/realforms/dev/hn-yueyang-glj-bumen-pingfenbiao-pipecell, a rubric one cell per line):
- a category's own 分值 column (一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值 …) is not the
  indicator's weight, in pipe rows, tab rows and one cell per line alike;
- in a cell stream that writes its empty cells, a row is found by its 分值 cell, and the cells
  before its name are its level names, however the rubric spells its categories;
- a row whose name is a rubric's prose (a scoring rule, an explanation) and holds no 分值 / 得分
  is not an indicator.
"""

from __future__ import annotations

import pytest

from reviewer.extract import parse_text

HEADER = ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评价标准", "得分"]
ROWS = [
    ["决策", "12", "项目立项", "6", "立项依据充分性", "3", "依据充分,计3分;每缺一项扣1分,扣完为止。", "3"],
    ["", "", "", "", "立项程序规范性", "3", "程序规范,计3分;否则不得分。", "2"],
    ["", "", "资金投入", "6", "预算编制科学性", "6", "编制科学,计6分;酌情扣分。", "5"],
    ["产出", "40", "产出数量", "40", "完成任务数", "40", "全部完成得满分。", "38"],
]
EXPECTED = [
    ("决策", "项目立项", "立项依据充分性", 3, 3),
    ("决策", "项目立项", "立项程序规范性", 3, 2),
    ("决策", "资金投入", "预算编制科学性", 6, 5),
    ("产出", "产出数量", "完成任务数", 40, 38),
]


def _read(text: str):
    forms = parse_text("某区部门整体支出绩效评价评分表\n" + text, "rubric.txt")
    assert len(forms) == 1
    return forms[0]


def _rows(form):
    return [(i.level1, i.level2, i.name, i.weight, i.score) for i in form.indicators]


def _pipes() -> str:
    # an HTML-to-text converter: merged cells dropped, the row padded at its end
    lines = ["| " + " | ".join(HEADER) + " |"]
    for row in ROWS:
        cells = [c for c in row if c]
        lines.append("| " + " | ".join(cells) + " |" + " |" * (len(HEADER) - len(cells)))
    return "\n".join(lines)


def _tabs() -> str:
    return "\n".join("\t".join(r) for r in [HEADER] + ROWS)


def _lone_pipes() -> str:
    # every cell and every "|" on a line of its own, empty cells written, merged ones dropped
    out = []
    for row in [HEADER] + ROWS:
        lead = 0
        while lead < 4 and not row[lead]:
            lead += 1
        for cell in row[lead:]:
            if cell:
                out.append(cell)
            out.append("|")
    return "\n".join(out)


@pytest.mark.parametrize("render", [_pipes, _tabs, _lone_pipes], ids=["pipes", "tabs", "lone-pipes"])
def test_category_points_are_not_the_indicator_weight(render):
    form = _read(render())
    assert _rows(form) == EXPECTED
    assert form.indicators[0].criteria == "依据充分,计3分;每缺一项扣1分,扣完为止。"


def test_rubric_categories_in_a_cell_stream_are_levels_by_place():
    # categories no closed list knows (投入 / 预算配置), with "(N分)" notes, in a lone-pipe stream
    cells = ["一级指标", "二级指标", "三级指标", "评分标准", "分值", "自评得分", "扣分原因",
             "投 入\n(10分)", "预算配置\n(10分)", "人员控制率", "以100%为标准,计5分;每超过一个百分点扣0.5分。", "5", "5", "",
             "重点支出安排率", "安排率≥90%,计5分;低于60%不得分。", "5", "4", "安排率85%",
             "过 程\n(6分)", "预算执行\n(6分)", "预算调整率", "调整率=0,计6分。", "6", "6", ""]
    form = _read("\n|\n".join(cells) + "\n|")
    assert _rows(form) == [("投入", "预算配置", "人员控制率", 5, 5), ("投入", "预算配置", "重点支出安排率", 5, 4),
                           ("过程", "预算执行", "预算调整率", 6, 6)]
    assert form.indicators[1].deviation == "安排率85%"


def test_a_rubric_sentence_alone_is_not_an_indicator_row():
    text = "\n".join([
        "| 一级指标 | 二级指标 | 三级指标 | 评分标准 | 分值 | 得分 |",
        "| 过程 | 预算执行 | 预算调整率 | 调整率=0,计3分 | 3 | 3 |",
        "| ①支出符合财务制度规定,每出现一例不符合要求的扣1分,扣完为止。 | | | | | |",
        "| 资金结余 | 无结余,3分 | 3 | 2 | | |",
        "| 本年度实际在职人员数与编制数的比率,用以反映和考核部门对人员成本的控制程度。 | | | | | |",
    ])
    form = _read(text)
    names = [i.name for i in form.indicators]
    assert not any(n.startswith("①") or "用以反映" in n for n in names)
    assert "预算调整率" in names
    assert any("scoring rule or explanation" in w.message for w in form.warnings)


def _real_rubric() -> tuple[str, list[str], str]:
    """The Yueyang rubric (realforms dev, every "|" on a line of its own): its text, its cells,
    and what follows the last cell."""
    from pathlib import Path

    path = Path(__file__).parent / "data" / "realforms" / "dev" / "hn-yueyang-glj-bumen-pingfenbiao-pipecell.txt"
    text = path.read_text(encoding="utf-8").split("\n", 1)[1]
    cells, current = [], []
    for line in text.split("\n"):
        if line.strip() == "|":
            cells.append("\n".join(current) or " ")
            current = []
        elif line.strip():
            current.append(line)
    return text, cells, "\n".join(current)


def _rows_of(form):
    return [(i.level1, i.level2, i.name, i.weight, i.score, "".join(i.criteria.split())) for i in form.indicators]


@pytest.mark.parametrize("relay", ["paragraphs", "lines"])
def test_the_real_rubric_relaid_reads_as_with_pipes(relay):
    """The real rubric re-laid as other converters write it: cells parted by blank lines (a
    space alone for an empty cell), or one line after another with empty cells dropped and
    each cell's lines kept ("投 入" / "(15分)"): the same rows, criteria included."""
    text, cells, tail = _real_rubric()
    if relay == "paragraphs":
        relaid = "\n\n".join(cells + [tail])
    else:
        relaid = "\n".join([c for c in cells if c.strip()] + [tail])
    piped = parse_text(text, "pipes.txt")[0]
    assert len(piped.indicators) == 9
    assert _rows_of(parse_text(relaid, f"{relay}.txt")[0]) == _rows_of(piped)


def test_a_value_or_a_piece_of_text_is_no_indicator_name():
    # a scrambled text layer read under a header: what lands in the 指标 column is no name
    text = "\n".join([
        "| 一级指标 | 二级指标 | 三级指标 | 分值 | 得分 |",
        "| 产出指标 | 数量指标 | 采购设备 | 10 | 10 |",
        "| | | 15 分 | | |",
        "| | | 分;缺一项扣 | 0.5 | |",
        "| | | 台套 | | |",
    ])
    form = _read(text)
    assert [i.name for i in form.indicators] == ["采购设备"]
    assert any("not an indicator's name" in w.message for w in form.warnings)


def test_a_rubric_one_line_per_cell_with_explanation_and_rule():
    lines = ["一级指标", "二级指标", "三级指标", "指标解释", "评分标准", "分值", "得分",
             "决策", "(20分)", "项目立项", "(10分)", "立项依据", "充分性",
             "项目立项是否符合规划,用以反映立项依据情况。", "符合得3分,否则不得分。", "3", "3",
             "立项程序规范性", "申请、设立过程是否符合要求。", "程序规范得2分,每缺一项扣1分。", "2", "1"]
    form = _read("\n".join(lines))
    assert _rows(form) == [("决策", "项目立项", "立项依据充分性", 3, 3), ("决策", "项目立项", "立项程序规范性", 2, 1)]
    assert form.indicators[0].description == "项目立项是否符合规划,用以反映立项依据情况。"
    assert form.indicators[1].criteria == "程序规范得2分,每缺一项扣1分。"
