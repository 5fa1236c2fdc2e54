"""summary.xlsx as a reviewer reads it: amounts with thousands separators and two decimals,
rates as percentages, project codes as text, Chinese severities and check titles, the
opinion file as a link, every extraction warning on a sheet of its own."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from conftest import EXAMPLES

from reviewer.batch import BatchOptions, run_batch
from reviewer.checks.policy import load_policy
from reviewer.checks.registry import all_checks
from reviewer.extract import extract_paths


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary") / "out"
    run_batch(BatchOptions(inputs=[str(EXAMPLES)], out=out))
    book = openpyxl.load_workbook(out / "summary.xlsx")  # not read-only: hyperlinks are read
    yield out, book
    book.close()


def columns(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


def test_amounts_rates_and_codes_are_formatted_as_a_reviewer_reads_them(book):
    _out, wb = book
    ws = wb["forms"]
    col = columns(ws)
    forms = {f"{f.source.path}#{f.source.index + 1}": f for f in extract_paths([EXAMPLES]).forms}
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 39
    for row in rows:
        form = forms[f"{row[col['文件'] - 1].value}#{row[col['表内序号'] - 1].value}"]
        for header, value in (("年初预算数(元)", form.funding.initial_budget), ("全年预算数(元)", form.funding.annual_budget),
                              ("全年执行数(元)", form.funding.executed)):  # fmt: skip
            cell = row[col[header] - 1]
            assert cell.value == value and (value is None or cell.number_format == "#,##0.00"), header
        code = row[col["项目编码"] - 1]
        assert code.value == form.code and (form.code is None or (code.data_type == "s" and code.number_format == "@"))
        rate = row[col["执行率"] - 1]
        if rate.value is not None:
            assert rate.number_format == "0.00%" and 0 <= rate.value <= 2
    codes = [r[col["项目编码"] - 1].value for r in rows if r[col["项目编码"] - 1].value]
    assert "440304220091500300003" in codes  # 21 digits, kept whole (a number would be 4.403042e+20)
    first = rows[0]
    assert first[col["执行率"] - 1].value == 1.0  # 100% executed, written as the fraction a percent cell holds


def test_findings_show_chinese_severities_and_check_titles(book):
    _out, wb = book
    ws = wb["findings"]
    col = columns(ws)
    checks = all_checks()
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) > 100
    assert {r[col["严重程度"] - 1] for r in rows} <= {"错误", "警告", "提示"}
    for r in rows:
        assert r[col["检查"] - 1] == checks[r[col["检查代码"] - 1]].title
    assert any(r[col["检查"] - 1] == "指标值未量化" for r in rows)


def test_the_opinion_file_is_a_link_to_it(book):
    out, wb = book
    ws = wb["forms"]
    col = columns(ws)
    for row in ws.iter_rows(min_row=2):
        cell = row[col["意见文件"] - 1]
        assert cell.hyperlink is not None and unquote(cell.hyperlink.target) == cell.value
        assert (out / cell.value).is_file()
        assert cell.font.u == "single"


def test_every_extraction_warning_is_on_the_warnings_sheet(book):
    _out, wb = book
    expected = [(f.source.path, f.source.index + 1, w.field, w.message)
                for f in extract_paths([EXAMPLES]).forms for w in f.warnings]  # fmt: skip
    assert len(expected) >= 20  # the OCR form alone has dozens
    ws = wb["warnings"]
    assert [c.value for c in ws[1]] == ["序号", "文件", "表内序号", "项目", "字段", "说明"]
    rows = [(r[1], r[2], r[4], r[5]) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert rows == expected
    forms = {r[0]: r for r in wb["forms"].iter_rows(min_row=2, values_only=True)}
    for r in ws.iter_rows(min_row=2, values_only=True):  # 序号 is the form's row on the forms sheet
        assert forms[r[0]][1] == r[1] and forms[r[0]][2] == r[2]


def test_a_suggested_cut_says_how_sure_it_is(book):
    """Each suggested cut carries the policy's confidence (checks.findings.Confidence): the
    contested flaws of the default policy are marked 有争议; findings without a cut carry none."""
    _out, wb = book
    ws = wb["findings"]
    col = columns(ws)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    cuts = [r for r in rows if r[col["建议得分"] - 1] is not None]
    plain = [r for r in rows if r[col["建议得分"] - 1] is None]
    assert cuts and plain
    assert all(r[col["有争议"] - 1] is None and r[col["扣分把握"] - 1] is None for r in plain)
    contested = {code for code, c in load_policy(None).checks.items() if c.contested}
    for r in cuts:
        marked = r[col["有争议"] - 1] == "是"
        assert marked == (r[col["检查代码"] - 1] in contested), r
    assert any(r[col["有争议"] - 1] == "是" for r in cuts)
