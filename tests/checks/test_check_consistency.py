"""One value per score: findings, the recomputed scores, the total and every output agree.

Reproductions from issue 9: 002's weights add up to 110 and its suggested total was 108
(优); 000's first form had PF305 suggest 14.5 on a row declared and recomputed at 14; a
form of 001 whose money was withdrawn had a total of 0 while PF401/PF405 suggested 29.5
and 14.5.
"""

from __future__ import annotations

import json

import pytest

from reviewer.checks import load_policy, run_checks
from reviewer.cli import main
from reviewer.drafting.drafter import review_form
from reviewer.drafting.opinion import to_markdown
from reviewer.evaluation.harness import checks_pipeline, prediction_from_report
from reviewer.extract import extract_paths

from check_helpers import EXAMPLES, make_form

SEEDS = sorted(EXAMPLES.glob("0*.txt"))
FORMS = [f for path in SEEDS for f in extract_paths([path]).forms]
BENJING_110 = EXAMPLES / "002_cc20b351adbf8378.txt"


def _place_score(report, finding):
    r = report.recomputed
    if finding.indicator is not None:
        return r.indicator_scores[finding.indicator.index]
    return {"funding.score": r.budget_score, "total_score": r.suggested_total}[finding.field]


@pytest.mark.parametrize("blind", [False, True])
@pytest.mark.parametrize("combine", ["lowest", "sum"])
def test_every_suggested_score_is_the_recomputed_score_of_its_place(blind: bool, combine: str) -> None:
    policy = load_policy(overrides={"combine": combine})
    checked = 0
    for form in FORMS:
        report = run_checks(form, policy, blind=blind)
        for f in report.findings:
            if f.suggested_score is not None:
                assert f.suggested_score == _place_score(report, f), (form.id, f.check, f.field)
                checked += 1
    assert checked > 30


def test_a_cut_the_declared_score_already_made_suggests_nothing() -> None:
    first = extract_paths([EXAMPLES / "000_227770587c716576.txt"]).forms[0]
    report = run_checks(first)
    assert first.indicators[0].score == 14 and report.recomputed.indicator_scores[0] == 14
    over = next(f for f in report.findings if f.check == "PF305")
    assert over.indicator.index == 0 and over.suggested_score is None
    opinion = to_markdown([review_form(first, report=report)])
    assert "14.5" not in opinion


def test_findings_on_a_withdrawn_project_suggest_no_score_above_zero() -> None:
    withdrawn = [f for f in FORMS if f.name == "离退休干部慰问金"]
    assert withdrawn
    for form in withdrawn:
        report = run_checks(form)
        assert report.recomputed.suggested_total == 0
        assert {"PF401", "PF405"} <= report.codes()
        assert all(f.suggested_score in (None, 0) for f in report.findings), \
            [(f.check, f.suggested_score) for f in report.findings if f.suggested_score]
        opinion = to_markdown([review_form(form, report=report)])
        assert "29.5" not in opinion and "14.5" not in opinion


def test_a_formula_score_above_the_declared_one_is_stated_but_never_raises_it() -> None:
    form = make_form({"indicators": [{"level1": "产出指标", "level2": "数量指标", "name": "“免费印章”每月达到",
                                      "target": "≥3000套", "actual": "2698套", "weight": 5, "score": 3}]})
    report = run_checks(form)
    finding = next(f for f in report.findings if f.check == "PF301")
    assert "4.5" in finding.message and finding.suggested_score is None
    assert report.recomputed.indicator_scores == [3]


def test_the_total_never_exceeds_the_total_weight_and_is_provisional_when_the_weights_are_wrong() -> None:
    reports = [run_checks(f) for f in extract_paths([BENJING_110]).forms]
    assert len(reports) == 5
    for report in reports:
        r = report.recomputed
        assert "PF201" in report.codes() and r.weight_total == 110
        assert r.suggested_total <= 100 and r.provisional
        assert "折算" in r.basis and "110" in r.basis
    first = reports[0].recomputed
    assert first.suggested_total == round(108 * 100 / 110, 2)  # 10 + four 19.5s + 20 + 20, on 100
    assert first.scale == pytest.approx(100 / 110)


def test_right_weights_are_not_provisional() -> None:
    for form in FORMS:
        report = run_checks(form)
        if report.recomputed.weight_total == 100:
            assert not report.recomputed.provisional and report.recomputed.basis == ""
        if report.recomputed.suggested_total is not None:
            assert report.recomputed.suggested_total <= 100


def test_weights_below_the_total_weight_are_provisional_without_scaling() -> None:
    form = make_form({"funding": {"annual_budget": 100, "executed": 100, "weight": 10, "score": 10},
                      "indicators": [{"level1": "产出指标", "level2": "数量指标", "name": "培训人数", "target": "≥10人",
                                      "actual": "10人", "weight": 80, "score": 80}], "total_score": 90})
    r = run_checks(form).recomputed
    assert r.suggested_total == 90 and r.provisional and r.weight_total == 90 and "未折算" in r.basis


def test_a_score_above_its_weight_never_lifts_the_total(capsys) -> None:
    form = make_form({"funding": {"annual_budget": 100, "executed": 100, "weight": 10, "score": 10},
                      "indicators": [{"level1": "产出指标", "level2": "数量指标", "name": "培训人数", "target": "≥10人",
                                      "actual": "10人", "weight": 90, "score": 99}], "total_score": 109})
    r = run_checks(form, ignore=["PF203"]).recomputed
    assert r.indicator_scores == [90] and r.suggested_total == 100


def test_every_output_shows_the_same_total_and_grade(capsys) -> None:
    assert main(["check", str(BENJING_110), "--format", "json"]) == 0
    checked = json.loads(capsys.readouterr().out)["forms"]
    assert main(["check", str(BENJING_110)]) == 0
    table = capsys.readouterr().out
    assert main(["review", str(BENJING_110), "--format", "json"]) == 0
    reviewed = json.loads(capsys.readouterr().out)["forms"]
    assert main(["review", str(BENJING_110)]) == 0
    opinion = capsys.readouterr().out
    forms = extract_paths([BENJING_110]).forms
    for form, c, rv in zip(forms, checked, reviewed):
        total, grade = c["recomputed"]["suggested_total"], c["recomputed"]["grade"]
        assert total < 100 and grade == "优" and c["recomputed"]["provisional"]
        assert rv["suggested_total"] == total and rv["grade"] == grade and rv["provisional"]
        assert f"复核建议得分{total:g}分，等级为优（暂定" in rv["opinion"]
        assert prediction_from_report(run_checks(form), form).total == total
    assert checked[0]["recomputed"]["suggested_total"] == 98.18
    assert table.count("(优，暂定)") == 5 and "建议总分 98.18 (优，暂定)" in table.splitlines()[0]
    assert opinion.count("等级：优（暂定）") == 5 and "总分说明：分值合计110" in opinion
    # the evaluation (blind) reads the same recomputation
    assert checks_pipeline()(forms[0]).total == run_checks(forms[0], blind=True).recomputed.suggested_total
