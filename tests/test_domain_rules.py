"""The domain layer's rules, each in one place: blinding, the budget score, combining cuts,
the grades, a check's reason and suggestion; and the typed evaluation records."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES
from test_eval_toy import toy_forms

from reviewer.checks import Finding, IndicatorRef, all_checks, load_policy, run_checks
from reviewer.domain.blinding import blind
from reviewer.domain.model import Form, Funding, Indicator, Source
from reviewer.domain.scoring import budget_score, combine_cuts, grade
from reviewer.drafting.prompts import PROMPTS_DIR, template_hashes
from reviewer.drafting.templates import template_comment
from reviewer.evaluation import log as eval_log
from reviewer.evaluation.dataset import dataset_from_forms
from reviewer.evaluation.evaluate import EvalResult, evaluate
from reviewer.evaluation.harness import checks_pipeline, cut_unquantified
from reviewer.evaluation.log import EvalLog, RunConfig, build_log, write_log


def test_budget_score_is_rate_times_weight_capped_and_rounded():
    assert budget_score(Funding(annual_budget=170000, executed=166100, weight=10), 10) == 9.77
    assert budget_score(Funding(annual_budget=100, executed=120), 10) == 10  # never above the weight
    assert budget_score(Funding(annual_budget=100, executed=50, weight=20), 10) == 10  # the form's own weight
    assert budget_score(Funding(executed=0), 10) == 0.0  # nothing spent
    assert budget_score(Funding(execution_rate=97.71), 10) is None  # no amounts: not guessed from the written rate


def test_cuts_on_one_row_combine_by_the_lowest_or_the_sum_and_never_raise():
    assert combine_cuts(10, 10, [9.5, 9.0]) == 9.0
    assert combine_cuts(10, 10, [9.5, 9.0], "sum") == 8.5
    assert combine_cuts(10, 8, [9.5]) == 8  # the declared score is lower: kept
    assert combine_cuts(10, 12, []) == 10  # never above the weight
    assert combine_cuts(10, 10, [4, 3], "sum") == 0  # never below 0


@pytest.mark.parametrize(("total", "band"), [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (60, "中"), (59.9, "差"), (None, None)])
def test_grade_bands(total, band):
    assert grade(total) == band


def test_blind_removes_every_score_the_form_carries_including_the_review_columns():
    form = Form(id="x", source=Source(path="t", index=0), total_score=99, review_total_score=95,
                funding=Funding(annual_budget=10, executed=10, score=10),
                indicators=[Indicator(name="甲", target="≥1个", actual="2个", weight=10, score=10, review_score=9,
                                      weighted_score=8, deviation="复核扣1分")],
                problems=["指标名称冗长"])
    copy = blind(form)
    row = copy.indicators[0]
    assert (row.score, row.review_score, row.weighted_score, row.deviation) == (None, None, None, "")
    assert (copy.total_score, copy.review_total_score, copy.funding.score, copy.problems) == (None, None, None, [])
    assert (row.name, row.target, row.actual, row.weight) == ("甲", "≥1个", "2个", 10)
    assert form.indicators[0].review_score == 9 and form.problems  # the original is untouched
    copy.indicators[0].name = "乙"
    assert form.indicators[0].name == "甲"  # and shares nothing with the copy


def test_a_check_declares_its_reason_and_suggestion_and_its_findings_carry_them():
    checks = all_checks()
    assert checks["PF401"].reason == "not_quantified" and checks["PF305"].reason == "over_achieved"
    assert checks["PF101"].reason == "other"
    assert Finding(check="PF407").reason == "duplicate"  # a finding of a check stands for its reason
    assert Finding(check="PF407", reason="other").reason == "other"  # unless it says otherwise
    finding = Finding(check="PF405", indicator=IndicatorRef(index=0, name="培训及时性"), field="indicators[0].target",
                      message="时效指标“培训及时性”的年度指标值“及时”没有完成时限。")
    form = Form(id="x", source=Source(path="t", index=0), indicators=[Indicator(name="培训及时性", target="及时", weight=10)])
    comment = template_comment(finding, form)
    assert comment.suggestion == checks["PF405"].suggestion and comment.reason == "not_quantified"
    for report in (run_checks(f) for f in toy_forms()):
        assert all(f.reason == checks[f.check].reason for f in report.findings)


def test_a_finding_on_a_reports_target_table_is_not_on_an_indicator_row():
    on_table = Finding(check="PF401", indicator=IndicatorRef(index=2, name="x"), field="performance_targets[2].target")
    on_row = Finding(check="PF401", indicator=IndicatorRef(index=2, name="x"), field="indicators[2].target")
    assert (on_table.part, on_table.row, on_table.indicator_index) == ("performance_targets", 2, None)
    assert (on_row.part, on_row.row, on_row.indicator_index) == ("indicators", 2, 2)
    assert Finding(check="PF201", field="indicators").indicator_index is None


def test_the_evaluation_log_is_typed_reads_back_and_hashes_the_installed_templates(tmp_path, monkeypatch):
    data = dataset_from_forms(toy_forms())
    result, predictions, outcomes = evaluate(data, cut_unquantified, name="cut_unquantified", draws=0)
    assert isinstance(result, EvalResult) and result.as_json()["schema"] == "reviewer.eval/1"
    assert "calibration" not in result.as_json() and "log" not in result.as_json()  # only blocks that were run
    # the prompts' hashes come from the installed package, not from a source tree beside it
    monkeypatch.setattr(eval_log, "SOURCE_TREE", tmp_path / "not-a-checkout")
    log = build_log(result, data, predictions, outcomes, RunConfig(pipeline="cut_unquantified", draws=0))
    path = write_log(log, tmp_path / "runs")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["schema"] == "reviewer.eval-log/1" and raw["git"] == {"revision": None, "dirty": None}
    assert raw["prompts"] == template_hashes() and set(raw["prompts"]) == {p.name for p in PROMPTS_DIR.glob("*.j2")}
    back = EvalLog.model_validate_json(path.read_text(encoding="utf-8"))
    assert back.result.metrics == result.metrics and back.samples.indicators == outcomes.indicators
    assert back.samples.predictions["A"].findings == predictions["A"].findings  # the one Finding type, round trip


def test_a_scored_indicator_is_its_sample_plus_the_tools_side():
    from reviewer.extract import extract_paths

    forms = extract_paths([EXAMPLES / "001_61357c0ed07ba240.part-a.txt"]).forms[:3]
    data = dataset_from_forms(forms)
    _, _, outcomes = evaluate(data, checks_pipeline(load_policy()), draws=0, baselines=False)
    samples = {(s.form_id, s.index): s for s in data.indicators}
    for o in outcomes.indicators:
        sample = samples[(o.form_id, o.index)]
        assert o.model_dump(include=set(type(sample).model_fields)) == sample.model_dump()
    for f, s in zip(outcomes.forms, data.samples):
        assert f.labels() == s.labels()
