"""Value parsing: what a written target or actual value means."""

from __future__ import annotations

import pytest

from reviewer.domain.values import parse_value


@pytest.mark.parametrize(
    ("text", "kind", "comparator", "number", "unit"),
    [
        ("≥90%", "number", ">=", 90, "%"),
        ("＞90%", "number", ">", 90, "%"),
        ("≤2%", "number", "<=", 2, "%"),
        ("≦8454200 元", "number", "<=", 8454200, "元"),
        ("4个", "number", None, 4, "个"),
        ("1 个", "number", None, 1, "个"),
        ("≥180万人", "number", ">=", 180, "万人"),
        ("满意度90%以上", "number", ">=", 90, "%"),
        ("不低于95%", "number", ">=", 95, "%"),
        ("不超过10万元", "number", "<=", 10, "万元"),
        ("0. 98", "number", None, 0.98, None),  # OCR split digits
        ("１００％", "number", None, 100, "%"),  # full-width
        ("8,454,200元", "number", None, 8454200, "元"),
        ("≥2天或16小时", "number", ">=", 2, "天"),
        ("100%有效", "number", None, 100, "%"),
        ("24小时内", "period", "<=", 24, "小时"),
        ("15个工作日内", "period", "<=", 15, "个工作日"),
        ("8小时内及时回应", "period", "<=", 8, "小时"),
        ("次月10日前", "period", "<=", 10, "日"),
        ("每月", "period", "<=", None, None),
        ("有效", "qualitative", None, None, None),
        ("不超预算", "qualitative", None, None, None),
        ("规定时间内", "qualitative", None, None, None),
        ("不适用（财政收回）", "not_applicable", None, None, None),
        ("", "empty", None, None, None),
        ("无", "empty", None, None, None),
        ("—", "empty", None, None, None),
    ],
)
def test_parse_value(text, kind, comparator, number, unit) -> None:
    v = parse_value(text)
    assert (v.kind, v.comparator, v.unit) == (kind, comparator, unit)
    assert v.number == (pytest.approx(number) if number is not None else None)
    assert v.text == text  # the written text is always kept


@pytest.mark.parametrize(
    ("text", "date", "comparator"),
    [
        ("2021年12月31日前", "2021-12-31", "<="),
        ("2022年12月", "2022-12", "="),
        ("2022年", "2022-12", "<="),  # a whole target of one year: within that year
        ("2024年底前", "2024-12", "<="),
    ],
)
def test_parse_dates(text, date, comparator) -> None:
    v = parse_value(text)
    assert (v.kind, v.date, v.comparator) == ("date", date, comparator)


def test_a_year_inside_a_sentence_is_not_a_deadline() -> None:
    assert parse_value("参照2020年支出情况").kind != "date"


def test_none_and_quantified() -> None:
    assert parse_value(None).kind == "empty"
    assert parse_value("≥90%").is_quantified and parse_value("24小时内").is_quantified
    assert not parse_value("有效").is_quantified


def test_results_are_independent_copies() -> None:
    a = parse_value("≥90%")
    a.number = 1
    assert parse_value("≥90%").number == 90
