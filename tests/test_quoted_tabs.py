"""Tab-separated text with quoted cells, as Excel copies a range (reviewer.extract.textgrid.quoted).
Every seed form in this shape is the layout zoo's `tsv-quoted` carrier; these are the rules."""

from __future__ import annotations

from reviewer.extract.textgrid.quoted import has_quoted_break, quoted_fields


def texts(text: str) -> list[list[str]]:
    return [[f.text for f in row] for row in quoted_fields(text)]


def test_a_quoted_cell_runs_over_lines_and_keeps_its_row():
    text = '"项目资金\n（万元）"\t年度资金总额\t"年初\n预算数"\t4\nx\ty'
    assert has_quoted_break(text)
    assert texts(text) == [["项目资金\n（万元）", "年度资金总额", "年初\n预算数", "4"], ["x", "y"]]


def test_doubled_quotes_are_one_and_a_quote_inside_a_field_is_text():
    text = '"他说""好""\n的"\t5寸"屏"\t"a"b'
    assert texts(text) == [['他说"好"\n的', '5寸"屏"', 'ab']]


def test_a_quote_no_quote_closes_is_text_and_swallows_nothing():
    lines = ['"根据实际需求\t20\t20'] + [f"行{n}\t{n}\t{n}" for n in range(20)]
    rows = texts("\n".join(lines))
    assert len(rows) == 21 and rows[0] == ['"根据实际需求', "20", "20"]


def test_text_whose_quotes_close_on_their_line_is_not_quoted_text():
    assert not has_quoted_break('"≥95%"\t98%\n项目名称\t某项目')
