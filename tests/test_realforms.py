"""Real public forms from other provinces, against hand-checked expectations.

The files are in tests/data/realforms/dev/ (each `<name>.txt` beginning `SOURCE: <url>`, with
`<name>.expected.json`; the table in its README says what each is). tests/realforms_score.py
compares what `reviewer.extract` reads with the expectation; see its docstring for the rules.
A held-out set of the same kind lives outside the repository and is scored with
`python tests/realforms_score.py DIR`; nothing here may be tuned on it.

READABLE lists the files reviewer reads exactly today. Every other file is a strict xfail: it
must fail until a reader reads it, and then the lead moves it into READABLE.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import realforms_score as rs

DEV = Path(__file__).resolve().parent / "data" / "realforms" / "dev"
FILES = sorted(p.stem for p in DEV.glob("*.txt"))

# name -> why it is read exactly today
READABLE: dict[str, str] = {
    "ah-guichi-tangxi-2022-weituo-xlsflat": "flattened with single spaces: the text-to-grid reader's token sequence",
    "yn-lijiang-gucheng-2020-weipian-trad-pipe": "pipe rows; the text ends inside the last row, whose cells are its first ones",
    "ah-shouxian-2023-bumen-zhengti-pipe": "pipe rows split over lines, a department rubric",
    "ah-xiaoxian-zhangzhuangzhai-2023-tese-pipe": "ragged pipe rows placed by what their cells hold",
    "hebei-langfang-shipin-2019-nuantong": "the national template one cell per line",
    "hn-yueyanglou-jiagerenzheng-2023-zhengti-mubiao-trad-pipe": "traditional script with pinyin, cleaned at the source",
    "ah-xuancheng-nyj-2024-dongwufangyi-trad-pipe": "the form flattened inside a metadata cell, read as text of its own",
    "bj-haidian-xueyuanlu-2016-baojie-wenku365": "flattened, fused numbers left empty, a merged 一级指标 printed below",
    "ah-tianchang-slj-2022-shuihan-spaces": "cells parted by single spaces a row per line: wrapped labels joined",
    "sc-dazhou-nyj-bumen-defenbiao-mdpipe": "Markdown pipes, a row whose end was not padded before 单位名称/项目名称",
    "sc-qingshen-fgj-2023-gongzi-pipecell": "pipe cells one per line, split target, 合计 of an unscored table",
    "hn-yueyang-glj-bumen-pingfenbiao-pipecell": "a rubric one cell per line, rows found by their 分值 cell, criteria prose kept in its cell",
    "ha-gushi-zsmz-2024-chanye-report": "narrative report: no form, none read",
    "hn-yueyang-cgzx-2018-bumen-report-cellline": "report cover and basic facts: no form, none read",
    "yn-honghe-shujuzhongxin-2024-ziping-report": "narrative report: no form, none read",
    "cq-dazu-fgw-2020-bumen-report": "narrative report under pipe-separated site navigation: no form, none read",
    "cq-shuangqiao-jsj-2021-xiangmu-report": "narrative report with many projects' amounts in prose: no form, none read",
    "hi-haikou-gxq-2022-yunlong-luwang-report": "one project's report in prose (主管部门为…): no form, none read",
    "gd-maoming-fgj-2021-bumen-zhengti-report-pdfflat": "PDF narrative report: no form, none read",
    "jx-nanchang-sthjj-2023-shuiwuran-zhuanyi-report": "transfer-payment narrative report: no form, none read",
    "hb-huanggang-danganguan-2020-trad-mirror": "flattened mirror text in traditional script: header and its 年度财政资金总额 row",
    "sc-zhongjiang-slj-2022-xianjie-flat": "one run with no separators: numbers left empty unless bounded, 得分 after a run ending at 执行率",
    "unk-51dongshi-bumen-zhibiaobiao-rubric-flat": "a rubric run together with no delimiter: rows by their label cells and points, 评价标准 and 指标说明 parted at the formula",
    "unk-xiangmu-pingfenbiao-trad-flat": "a rubric run together, traditional script: a 分值 after each label cell, the 得分 ending the prose",
    "unk-31ppt-yindaozijin-zhibiaobiao-flat": "a special fund's rubric run together, points in '(N分)' labels, the criteria kept as criteria",
    "hn-nanxian-mzj-2022-jifenbiao-pipecells": "pipe cells on indented lines, rows opened by a lone '|': a rubric's 具体指标 and 评价标准 kept as its description and criteria",
    "hb-huangshi-lib-2022-gongxiang-pipe": "pipe rows with trailing empty cells, a score merged over its level-2 block",
    "yn-changning-gxs-2022-shengzhu-cellline": "cells one per line between blank lines, runs of blank lines ending rows",
    "yn-shidian-nyj-2021-baoshanzhu-spaces": "single spaces: a row label's line with two spaces kept in the table, a table of one value a row read as targets, the funding weight on its own line",
    "yn-linxiang-lcj-2023-shourongsuo-pipe": "pipe rows shorter than the table: a level name after a row's values and values after a line of labels open rows; 执行率 pairs the amounts",
    "hi-swt-fuwumaoyi-rubric-cellline": "a project rubric one cell per line: its title (项目绩效自评表) keeps it a project's form",
    "ah-huoshan-ybj-2024-yiliaojiuzhu-zhuanyi-pipe": "a transfer-payment form: amounts written with 万, 总体目标 heading the planned goal, a 彩票公益金 funding row",
    "yn-yongde-minglang-2022-yingyang-pipe": "pipe lines broken one cell after each row: read as a cell stream, a two-row header printed upper row first",
    "ah-yuan-wlj-2022-wenwu-spaces": "single spaces: a header wrapped in its cells (年度 / 指标值) joined, a row's 分值 得分 on the next line, label and value in one cell",
    "ah-guichi-tangxi-2022-cunji-xlsflat": "spreadsheet dump: a template's dotted fill line parts the goal's two texts",
    "hb-ezhou-spj-2021-shiminzhongxin-pipecell": "pipe cells one per line with '||||' row ends: page metadata rows before the form, empty 主管部门/实施单位 left empty",
    "jx-shangrao-sfj-2021-sifa-xlsflat": "xls dump in Jiangxi: split funding headings, amounts with 万元, a goal cut before the indicators reads no rows",
    "sc-daying-sfj-2023-anke-pipe-rows": "pipe rows padded with '||||': the tail of one form, then the next form's header and funding, read as two forms",
    "ah-jinzhai-chagu-2023-bumen-zhengti-pipe": "a department form whose unit stands under a bare 部门 label (vocabulary)",
    "hn-hengshan-sw-2020-chubeiliang-flat": "no separators, page markers: a one-character value written twice across a page join",
    "hb-qu-jinbu-2020-yugaibutie-ocrflat": "OCR'd, run together: scrambled category names no cell, a lone 总分 number under 得分",
    "nm-linhe-rsj-2022-jiuye-zhuanyi-xlsflat": "xlsx dump out of order: a merged funding label after its rows, a level cell inside the header",
    "hebei-chengan-mzj-2020-gaoling-flatlines": "one row a line, single spaces: funding written label value label value, an unnamed explanation column beside the names, the template's 预算执行率 row a merged cell",
}


@pytest.mark.parametrize("name", FILES)
def test_real_form_is_read_as_expected(name, request):
    if name not in READABLE:
        request.applymarker(pytest.mark.xfail(strict=True, reason="no reader reads this layout yet"))
    score = rs.score_file(DEV / f"{name}.txt")
    assert score.ok, score.summary()


def test_readable_table_names_real_files():
    assert set(READABLE) <= set(FILES)


# --- the corpus itself ----------------------------------------------------------------------


def test_every_text_has_an_expectation_and_back():
    texts = {p.stem for p in DEV.glob("*.txt")}
    expectations = {p.name[: -len(rs.EXPECTED_SUFFIX)] for p in DEV.glob("*" + rs.EXPECTED_SUFFIX)}
    assert texts == expectations
    assert len(texts) >= 15


@pytest.mark.parametrize("name", FILES)
def test_expectation_is_well_formed(name):
    text = (DEV / f"{name}.txt").read_text(encoding="utf-8")
    exp = rs.load_expectation(DEV / f"{name}.txt")
    assert text.split("\n", 1)[0] == f"SOURCE: {exp['source']}"
    assert exp["notes"].strip() and exp["province"].strip() and exp["shapes"]
    for form in exp["forms"]:
        known = set(rs.HEADER_FIELDS + rs.TOTAL_FIELDS) | {"funding", "goal", "indicators", "unreadable"}
        assert set(form) <= known, set(form) - known
        for path in form.get("unreadable", []):
            value = _expected_value(form, path)
            assert value is None, f"{path} is unreadable, so its expected value must be null, not {value!r}"
        for row in form.get("indicators", []):
            assert set(row) <= set(rs.ROW_TEXT + rs.ROW_NUMBERS) | {"target_parts", "optional"}, set(row)


def _expected_value(form: dict, path: str):
    node = form
    for part in path.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        node = node[m.group(1)][int(m.group(2))] if m else node.get(part)
    return node


@pytest.mark.parametrize("name", FILES)
def test_expected_text_occurs_in_the_source(name):
    """Names, units and indicator texts are copied from the page, not made up: each occurs in the
    source once whitespace (and page markers) are removed (traditional-script sources are checked
    in their notes)."""
    exp = rs.load_expectation(DEV / f"{name}.txt")
    if exp["script"].startswith("traditional"):
        pytest.skip("simplified expectation of a traditional-script source")
    raw = (DEV / f"{name}.txt").read_text(encoding="utf-8")
    # a document site's page marker ("\n2、") may cut a cell: the cell's text is read without it
    sources = [re.sub(r"\s+", "", s) for s in (raw, re.sub(r"\n\d{1,3}、", "", raw))]
    for form in exp["forms"]:
        texts = [form.get(f) for f in ("name", "unit", "department", "code")]
        texts += list(form.get("goal", {}).values())
        for row in form.get("indicators", []):
            texts += [row.get(f) for f in ("name", "actual", "description", "criteria", "deviation")]
            if not row.get("target_parts"):
                texts.append(row.get("target"))
        for t in texts:
            if t:
                assert any(re.sub(r"\s+", "", t) in source for source in sources), t


# --- the scorer -----------------------------------------------------------------------------

EXPECTATION = {
    "forms": [{
        "kind": "self_evaluation", "name": "测试项目", "year": 2023,
        "funding": {"currency_unit": "万元", "annual_budget": 100000.0, "executed": None,
                    "rows": [{"label": "年度资金总额", "annual_budget": 100000.0}]},
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "采购设备数量", "target": "≥5台", "weight": 50, "score": 40},
            {"level1": "效益指标", "level2": "社会效益指标", "name": "受益人数", "target": None, "weight": 30, "score": 30},
            {"name": "", "optional": True},
        ],
        "unreadable": ["funding.executed", "indicators[1].target"],
    }]
}


def read_form(**changes) -> dict:
    form = {
        "kind": "self_evaluation", "name": "测试 项目", "year": 2023,
        "funding": {"currency_unit": "万元", "annual_budget": 100000.0, "executed": None,
                    "rows": [{"label": "其中：年度资金总额", "annual_budget": 100000.0}]},
        "indicators": [
            {"level1": "产出指标（50分）", "level2": "数量", "name": "指标1：采购设备数量", "target": "≧5台", "weight": 50.0, "score": 40.0},
            {"level1": "效益指标", "level2": "社会效益指标", "name": "受益人数", "target": "", "weight": 30.0, "score": 30.0},
            {"name": "指标2", "target": "", "actual": "", "weight": None, "score": None},
        ],
    }
    form.update(changes)
    return form


def test_scorer_agrees_with_a_faithful_reading_despite_spelling():
    score = rs.score_forms("t", EXPECTATION, [read_form()])
    assert score.ok, score.summary()
    assert (score.rows_expected, score.rows_exact, score.funding_right, score.funding_total) == (2, 2, 3, 3)


def test_scorer_counts_a_guessed_number():
    form = read_form()
    form["funding"] = dict(form["funding"], executed=90000.0)
    form["indicators"][1] = dict(form["indicators"][1], target="1000人")
    score = rs.score_forms("t", EXPECTATION, [form])
    assert score.guessed == 2 and not score.ok
    assert score.rows_different == 1


def test_scorer_counts_wrong_missing_and_spurious_rows():
    form = read_form()
    form["indicators"] = [
        dict(form["indicators"][0], score=45.0),
        {"level1": "满意度指标", "name": "满意度", "target": "≥90%", "weight": 10.0, "score": 10.0},
    ]
    score = rs.score_forms("t", EXPECTATION, [form])
    assert (score.rows_exact, score.rows_different, score.rows_missing, score.rows_spurious) == (0, 1, 1, 1)


def test_scorer_counts_forms_read_from_a_narrative_as_spurious():
    assert rs.score_forms("t", {"forms": []}, []).ok
    assert not rs.score_forms("t", {"forms": []}, [read_form()]).ok


def test_scorer_counts_an_unread_form_as_all_missing():
    score = rs.score_forms("t", EXPECTATION, [], "no form found")
    assert (score.forms_matched, score.rows_missing, score.funding_right) == (0, 2, 0)
    assert score.funding_total == 3 and score.header_total == 3  # executed is unreadable: not counted


def test_command_line_prints_a_line_per_file(capsys):
    assert rs.main([str(DEV)]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in FILES) and "files exact" in out
    assert rs.main([str(DEV / "missing")]) == 2
