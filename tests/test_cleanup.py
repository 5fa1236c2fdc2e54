"""Text clean-up at the source: traditional script, inserted pinyin, comparator spellings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import EXAMPLES
from reviewer.extract import cleanup
from reviewer.extract.cleanup import clean, unify_comparators

DEVCORPUS = Path(__file__).resolve().parent / "data" / "devcorpus"
SEEDS = sorted(EXAMPLES.glob("*.txt"))
DIGITS = re.compile(r"\d")


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_simplified_seed_text_is_left_byte_for_byte(seed):
    text = seed.read_text(encoding="utf-8")
    result = clean(text)
    assert result.text.encode("utf-8") == text.encode("utf-8")
    assert not result.changed and result.changes == []


def test_ocr_noise_in_a_simplified_text_is_not_converted():
    # seed 003 holds two stray traditional characters ("年度資", "內"); a handful is noise, not script
    text = (EXAMPLES / "003_8b0a55cfaf6a1b6b.txt").read_text(encoding="utf-8")
    assert "資" in text
    assert clean(text).text == text


def test_mirror_text_is_simplified_and_its_pinyin_removed():
    text = (DEVCORPUS / "hn-yueyanglou-jiagerenzheng-2023-zhengti-mubiao-trad-pipe.txt").read_text(encoding="utf-8")
    result = clean(text)
    assert "岳阳楼区价格认证鉴定中心2023年度整体绩效目标表" in result.text
    assert "产出指标 | 数量指标 | 业务工作支出安排金额 | 定量 | 28.8万元 | % |" in result.text
    assert "(qū)" not in result.text and "(jià)" not in result.text
    assert "*评(扣)分标准" in result.text  # a bracketed character is not pinyin
    assert any("traditional script" in c for c in result.changes)
    assert any("pinyin" in c for c in result.changes)


@pytest.mark.parametrize("name", [p.name for p in sorted(DEVCORPUS.glob("*.txt"))])
def test_clean_up_never_changes_digits_or_lines(name):
    text = (DEVCORPUS / name).read_text(encoding="utf-8")
    result = clean(text)
    assert DIGITS.findall(result.text) == DIGITS.findall(text)
    assert result.text.count("\n") == text.count("\n")


def test_any_span_maps_back_to_what_was_written():
    text = (DEVCORPUS / "hb-huanggang-danganguan-2020-trad-mirror.txt").read_text(encoding="utf-8")
    result = clean(text)
    at = result.text.index("黄冈市档案馆2020年度")
    assert result.original_span(at, at + len("黄冈市档案馆")) == "黃岡市檔案館"
    at = result.text.index("全文预览已结束")
    assert result.original_span(at, at + 7) == "全文預(yù)覽已結(jié)束"


def test_pinyin_after_characters_is_removed_and_the_rest_kept():
    result = clean("編號(hào)：12號(hào)樓，預(yù)算（yù）10萬(wàn)元")
    assert result.text == "编号：12号楼，预算10万元"
    assert result.original_span(0, 2) == "編號(hào)"


def test_toneless_brackets_are_pinyin_only_among_toned_ones():
    assert clean("指标(de)说明").text == "指标(de)说明"
    assert "(de)" not in clean("號(hào)的(de)預(yù)覽(lǎn)").text


def test_comparator_spellings_are_unified_and_single_symbols_kept():
    result = clean("满意度>=90%，故障率＜＝2%，数量═4个，成本≦100元，≧95%")
    assert result.text == "满意度≥90%，故障率≤2%，数量＝4个，成本≦100元，≧95%"
    assert result.original_span(3, 4) == ">="
    assert unify_comparators("＞=95%") == "≥95%"


def test_small_form_comparators_are_read_as_the_ordinary_ones():
    # U+FE66 / FE65 / FE64, as one document mirror prints a split target's 指标性质
    result = clean("| ﹦ | 72890 | 元 | ﹥= | 95 | % | ﹤ | 2 |")
    assert result.text == "| ＝ | 72890 | 元 | ≥ | 95 | % | ＜ | 2 |"
    assert result.original_span(2, 3) == "﹦"


def test_without_the_converter_the_text_is_kept_and_the_gap_said(monkeypatch):
    monkeypatch.setattr(cleanup, "_converter", lambda: None)
    text = "項目績效自評表：預算執行率，實際完成值，績效指標，產出數量"
    result = clean(text)
    assert result.text == text
    assert any("pip install opencc" in c for c in result.changes)
