"""A number wrapped inside a narrow column of aligned text (pdftotext -layout) at its
separator: joined to its row (textgrid/aligned.py `_number_cut`), a number cut elsewhere not."""

from __future__ import annotations

from reviewer.extract.textgrid import text_grids

HEAD = ["项目名称    信息化运维项目",
        "项目资金（元）  年初预算数   全年预算数   全年执行数   分值   执行率   得分"]


def rows(lines: list[str]) -> list[list[str]]:
    (grid,) = text_grids("\n".join(HEAD + lines))
    return [[c.text for c in r if c.text] for r in grid.rows[len(HEAD):]]


def test_a_number_wrapped_after_its_decimal_point_is_one_number():
    assert rows(["年度资金总额    406000.00    1898430.     1898430.     10     100%     10",
                 "                             00           00",
                 "其中：当年财政  406000.00    1898430.     1898430.     —      —        —",
                 "拨款                         00           00"]) == [
        ["年度资金总额", "406000.00", "1898430.00", "1898430.00", "10", "100%", "10"],
        ["其中：当年财政拨款", "406000.00", "1898430.00", "1898430.00", "—", "—", "—"]]


def test_a_part_beginning_with_the_point_goes_on_with_the_digits_above():
    assert rows(["年度资金总额    406000.00    1898430      1898430      10     100%     10",
                 "                             .00          .00"])[0][2:4] == ["1898430.00", "1898430.00"]


def test_whole_numbers_under_numbers_stay_the_next_rows():
    got = rows(["年度资金总额    406000.00    1898430.00   1898430.00   10     100%     10",
                "其他资金        0.00         0.00         0.00         —      —        —"])
    assert got[1] == ["其他资金", "0.00", "0.00", "0.00", "—", "—", "—"]
