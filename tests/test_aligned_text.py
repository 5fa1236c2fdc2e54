"""Text whose columns are aligned by runs of spaces, long cells wrapped inside their column
(`pdftotext -layout`, a sheet saved as formatted text): reviewer.extract.textgrid.aligned.
The whole seed forms in this shape are the layout zoo's `aligned` and `aligned-centred`
carriers; these are the rules one at a time."""

from __future__ import annotations

from reviewer.extract import parse_text
from reviewer.extract.textgrid import text_grids

HEADER = "绩效指标  一级指标  二级指标      三级指标        年度指标值  实际完成值  分值  得分"


TOP_ALIGNED = "\n".join([
    HEADER,
    "          产出指标  数量指标      根据实际需求产  按需求结算  完成指标    20    20",
    "                                  生费用情况进行",
    "                                  结算",
    "                    质量指标      满足办公需要    日常运转    完成指标    20    20",
])


def rows(text: str) -> list[list[str]]:
    [grid] = text_grids(text)
    return [[c.text for c in row if c.text] for row in grid.rows]


def test_a_cell_wrapped_inside_its_column_is_joined_to_its_row():
    text = TOP_ALIGNED
    assert rows(text)[1:] == [["产出指标", "数量指标", "根据实际需求产生费用情况进行结算", "按需求结算", "完成指标", "20", "20"],
                              ["质量指标", "满足办公需要", "日常运转", "完成指标", "20", "20"]]


def test_a_line_after_a_short_last_line_begins_a_row_of_its_own():
    # "满足宣传" does not fill its column: the cell ended there; the next line is another row's
    text = "\n".join([
        HEADER,
        "          产出指标  数量指标      满足宣传        购买材料    完成指标    20    20",
        "                                  保证宣传效果好  材料合格",
    ])
    assert rows(text)[1:] == [["产出指标", "数量指标", "满足宣传", "购买材料", "完成指标", "20", "20"],
                              ["保证宣传效果好", "材料合格"]]


def test_a_wrapped_label_is_one_label_and_a_level_name_completes():
    text = "\n".join([
        "绩效指标  一级指标  二级指标        三级指标        分值  得分  偏差原因分析及",
        "                                                                改进措施",
        "          满意度指标  服务对象满意度  工作人员满意率  10    10",
        "                      指标",
    ])
    got = rows(text)
    assert got[0][-1] == "偏差原因分析及改进措施"
    assert got[1][:2] == ["满意度指标", "服务对象满意度指标"]


def test_a_number_under_a_number_is_the_next_rows():
    text = "\n".join([
        "项目资金（万元）          年初预算数  全年预算数  全年执行数  分值  执行率  得分",
        "          年度资金总额    4           4           4           10    100%    10",
        "                          3           3",
    ])
    assert rows(text)[-1] == ["3", "3"]


def test_the_goal_under_its_labels_is_not_the_labels_end_and_a_lone_part_keeps_its_place():
    text = "\n".join([
        "项目支出绩效自评表",
        "项目名称        慰问离退休老干部",
        "主管部门        深圳市福田区信访局    实施单位    深圳市福田区信访局",
        "年度总体目标  预期目标                        实际完成情况",
        "                                              根据单位实际支出情况，指标调",
        "                                              剂到信访事务项目",
        HEADER,
        "          产出指标  数量指标      慰问人数        ≥10人       12人        50    50",
        "          满意度指标  服务对象满意度指标  满意度  ≥90%        95%         50    50",
        "总分                                                                      100   100",
    ])
    [form] = parse_text(text, "aligned.txt")
    assert form.goal.planned == "" and form.goal.actual == "根据单位实际支出情况，指标调剂到信访事务项目"


def test_cells_centred_in_their_rows_take_their_first_lines_from_above():
    # An Excel sheet's cells centred vertically: a wrapped name's first line stands above the
    # line with the row's numbers, its last below
    text = "\n".join([
        HEADER,
        "                                  根据实际需求产",
        "          产出指标  数量指标      生费用情况进行  按需求结算  完成指标    20    20",
        "                                  结算",
        "                    质量指标      满足办公需要    日常运转    完成指标    20    20",
        "                                  保障来访接待、",
        "                    时效指标      协调议事、日常  及时        完成指标    10    10",
        "                                  工作",
    ])
    assert [r[-5] for r in rows(text)[1:]] == ["根据实际需求产生费用情况进行结算", "满足办公需要", "保障来访接待、协调议事、日常工作"]


def test_a_line_that_could_end_one_centred_row_or_begin_the_next_is_warned_on():
    # The table is centred (the first row's name starts above it). "发放离退休干部" fills its
    # column: it ends the second row (two lines, one below its numbers) or begins the third
    # (its name's first line above): the text cannot tell. Read as the row above's, and said.
    text = "\n".join([
        HEADER,
        "                                  根据实际需求产",
        "          产出指标  数量指标      生费用情况进行  按需求结算  完成指标    20    20",
        "                                  结算",
        "                    质量指标      满足办公需要的  日常运转    完成指标    20    20",
        "                                  发放离退休干部",
        "                    时效指标      慰问金准确率    100%        100%        10    10",
    ])
    [grid] = text_grids(text)
    assert [r[-5] for r in rows(text)[1:]] == ["根据实际需求产生费用情况进行结算", "满足办公需要的发放离退休干部", "慰问金准确率"]
    assert [n for n in grid.notes if "may end the row above or begin the row below" in n] == [
        "line 6: a wrapped cell's line that may end the row above or begin the row below (the cells are centred "
        "in their rows); read as the row above's"]


def test_a_top_aligned_table_is_not_read_as_centred():
    text = TOP_ALIGNED
    [grid] = text_grids(text)
    assert not any("centred" in note for note in grid.notes)


def _by_characters(rows: list[list[tuple[int, str]]]) -> str:
    """Lines with each (column, text) part at that many characters from the line's start, one
    column per character whatever its width, as pdfplumber's layout text places glyphs."""
    lines = []
    for parts in rows:
        line = ""
        for column, text in parts:
            line += " " * max(column - len(line), 2 if line else 0) + text
        lines.append(line)
    return "\n".join(lines)


def test_columns_aligned_one_per_character_are_read_as_aligned():
    text = _by_characters([
        [(0, "绩效指标"), (6, "一级指标"), (12, "二级指标"), (18, "三级指标"), (27, "年度指标值"), (34, "分值"), (38, "得分")],
        [(6, "产出指标"), (12, "数量指标"), (18, "根据实际需求产"), (27, "按需求结算"), (34, "20"), (38, "20")],
        [(18, "生费用情况进行")],
        [(18, "结算")],
        [(12, "质量指标"), (18, "满足办公需要"), (27, "日常运转"), (34, "20"), (38, "20")],
    ])
    assert rows(text)[1:] == [["产出指标", "数量指标", "根据实际需求产生费用情况进行结算", "按需求结算", "20", "20"],
                              ["质量指标", "满足办公需要", "日常运转", "20", "20"]]


def test_a_header_label_wrapped_over_three_lines_is_one_label():
    text = "\n".join([
        "绩效指标  一级指标  二级指标  三级指标  年度指标  分值  得分  偏差原因",
        "                                        值                    分析及改",
        "                                                              进措施",
        "          产出指标  数量指标  慰问人数  ≥10人     50    50",
    ])
    assert rows(text)[0][-4:] == ["年度指标值", "分值", "得分", "偏差原因分析及改进措施"]
