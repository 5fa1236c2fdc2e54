"""nan, inf, 1e309 and 100-digit numbers in a form: left empty with a warning, never a crash,
never 1e100 with grade 优, never "inf元" (issue 9, item 5). Seeds from examples/ with one
amount cell substituted."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.domain.model import form_from_data
from reviewer.domain.values import parse_value, plain_decimal
from reviewer.extract import extract_paths

from conftest import EXAMPLES

BEIJING = EXAMPLES / "002_cc20b351adbf8378.txt"  # tab-separated, 万元: 年度资金总额\t4\t4\t4
SHENZHEN = EXAMPLES / "000_227770587c716576.txt"  # 年度资金总额 406000.00 1898430.00 1898430.00
HUNDRED_DIGITS = "1" + "0" * 99
ILLEGIBLE = ["nan", "inf", "-Infinity", "1e309", "1E5", HUNDRED_DIGITS, "9" * 400]


def _with_executed(tmp_path: Path, layout: str, written: str) -> Path:
    if layout == "tabular":
        text = BEIJING.read_text(encoding="utf-8").replace("年度资金总额\t4\t4\t4", f"年度资金总额\t4\t4\t{written}", 1)
    else:
        text = SHENZHEN.read_text(encoding="utf-8").replace(
            "年度资金总额 406000.00 1898430.00 1898430.00", f"年度资金总额 406000.00 1898430.00 {written}", 1)
    path = tmp_path / f"{layout}-{len(list(tmp_path.iterdir()))}.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("written", ["1,898,430.00", "1898430", "-3", "0.98", "４"])
def test_plain_decimals_are_read_exactly(written: str) -> None:
    expected = {"1,898,430.00": Decimal("1898430.00"), "1898430": Decimal(1898430), "-3": Decimal(-3),
                "0.98": Decimal("0.98"), "４": Decimal(4)}[written]  # full-width digits are digits
    assert plain_decimal(written) == expected


@pytest.mark.parametrize("written", ILLEGIBLE + ["12a", "", "1.2.3", "1e3"])
def test_anything_else_is_not_a_plain_decimal(written: str) -> None:
    assert plain_decimal(written) is None


def test_a_target_with_a_hundred_digits_has_no_number() -> None:
    value = parse_value(f"≥{HUNDRED_DIGITS}个")
    assert value.kind == "number" and value.number is None
    assert parse_value("≥90%").number == 90


@pytest.mark.parametrize("layout", ["tabular", "shenzhen"])
@pytest.mark.parametrize("written", ILLEGIBLE)
def test_an_illegible_amount_is_left_empty(tmp_path: Path, layout: str, written: str) -> None:
    extraction = extract_paths([_with_executed(tmp_path, layout, written)])
    assert not extraction.errors
    assert extraction.forms[0].funding.executed is None


@pytest.mark.parametrize("layout", ["tabular", "shenzhen"])
@pytest.mark.parametrize("written", ILLEGIBLE)
def test_an_illegible_amount_gets_a_warning(tmp_path: Path, layout: str, written: str) -> None:
    first = extract_paths([_with_executed(tmp_path, layout, written)]).forms[0]
    warned = [w for w in first.warnings if w.field.startswith("funding") and "executed" in w.field]
    assert warned, [w.model_dump() for w in first.warnings]


@pytest.mark.parametrize("layout", ["tabular", "shenzhen"])
def test_check_and_review_go_on_past_an_illegible_amount(tmp_path: Path, layout: str, capsys) -> None:
    paths = [str(_with_executed(tmp_path, layout, w)) for w in ILLEGIBLE] + [str(EXAMPLES / "001_61357c0ed07ba240.part-a.txt")]
    assert main(["check", *paths, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    forms = json.loads(captured.out)["forms"]
    assert len(forms) == len(ILLEGIBLE) * (5 if layout == "tabular" else 4) + 24
    for form in forms:
        total = form["recomputed"]["suggested_total"]
        assert total is None or 0 <= total <= 100
    assert main(["check", *paths]) == 0
    table = capsys.readouterr().out
    assert "inf" not in table and "nan" not in table and "e+" not in table
    assert main(["review", *paths]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "inf元" not in captured.out and "e+" not in captured.out


def test_a_form_whose_checks_break_gets_one_line_and_no_all_clear(monkeypatch, capsys) -> None:
    import reviewer.checks
    import reviewer.check_cli
    from reviewer.checks import run_checks as real

    def broken_on_first(form, *args, **kwargs):
        if form.source.index == 0:
            raise ValueError("cannot convert float NaN to integer")
        return real(form, *args, **kwargs)

    monkeypatch.setattr(reviewer.check_cli, "run_checks", broken_on_first)
    monkeypatch.setattr(reviewer.checks, "run_checks", broken_on_first)
    assert main(["check", str(SHENZHEN), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["forms"]) == 3  # the other forms go on
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"reviewer: {SHENZHEN}: form #1 ")
    assert "checks failed" in lines[0]
    assert main(["review", str(SHENZHEN)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert [line for line in captured.err.splitlines() if "checks failed" in line] == [lines[0]]
    first = captured.out.split("## 2.")[0]
    assert "未发现需要修改的主要问题" not in first and "人工审核" in first


@pytest.mark.parametrize("number", [float("nan"), float("inf"), 1e100])
def test_a_json_form_with_an_illegible_number_is_refused_with_the_field(tmp_path: Path, number: float, capsys) -> None:
    assert main(["extract", str(SHENZHEN), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    doc["forms"][0]["indicators"][2]["score"] = number
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(doc), encoding="utf-8")  # NaN / Infinity, as json.dumps writes them
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"forms": doc["forms"][1:]}), encoding="utf-8")
    assert main(["extract", str(hostile), str(good)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"reviewer: {hostile}: JSON is not a reviewer form document (indicators[2].score: "
        f"{number!r} is not a number a form can hold (not finite, or more than 15 digits))"]
    assert "# 3 forms, 1 files with errors" in captured.out
    with pytest.raises(ValueError, match=r"^indicators\[2\]\.score: "):
        form_from_data(doc["forms"][0])


def test_a_sixteen_digit_weight_or_rate_is_left_empty_by_assembly(tmp_path: Path) -> None:
    """Weights, scores and rates follow the amounts' rule in assembly itself: no pass after
    the layouts is needed for any number of a form."""
    text = SHENZHEN.read_text(encoding="utf-8")
    text = text.replace("在用信息系统个数 1 个 4 个 15 14", "在用信息系统个数 1 个 4 个 1234567890123456 14", 1)
    text = text.replace("年度资金总额 406000.00 1898430.00 1898430.00 10 100 10",
                        "年度资金总额 406000.00 1898430.00 1898430.00 10 " + "9" * 400 + " 10", 1)
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    form = extract_paths([path]).forms[0]
    assert form.indicators[0].weight is None and form.indicators[0].score == 14
    assert any(w.field == "indicators[0]" and "more than 15 digits" in w.message for w in form.warnings)
    assert form.funding.execution_rate is None
    assert any(w.field == "funding.execution_rate" and "more than 15 digits" in w.message for w in form.warnings)
