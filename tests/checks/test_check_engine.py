"""run_checks: blind mode, selection, recomputed scores."""

from __future__ import annotations

from reviewer.checks import run_checks
from reviewer.domain.blinding import blind as blank_scores
from reviewer.domain.scoring import grade

from check_helpers import make_form

SCORED = {
    "year": 2022,
    "funding": {"initial_budget": 300000, "annual_budget": 300000, "executed": 293130, "weight": 10,
                "execution_rate": 97.71, "score": 9.8},
    "goal": {"planned": "完成网格员培训。", "actual": "2022年，本单位完成网格员培训400人。"},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "参与培训人员数量", "target": "300人", "actual": "400人",
         "weight": 30, "score": 29, "deviation": "偏差原因：根据实际情况填写"},
        {"level1": "产出指标", "level2": "时效指标", "name": "培训后评价及时性", "target": "及时", "actual": "100%",
         "weight": 20, "score": 20},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "提高政务服务水平", "target": "有效", "actual": "100%",
         "weight": 30, "score": 28},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "参训人员满意度", "target": "≥95%", "actual": "90%",
         "weight": 10, "score": 10},
    ],
    "total_score": 96.8,
}


def _findings(report):
    return [f.model_dump() for f in report.findings]


def test_blind_findings_ignore_the_human_scores_and_remarks() -> None:
    form = make_form(SCORED)
    other = make_form(SCORED)
    for row, score in zip(other.indicators, (0, 5, 30, 1)):
        row.score, row.deviation = score, "复核意见：扣分。"
    other.funding.score, other.total_score = 3.0, 12.0
    blind = run_checks(form, blind=True)
    assert _findings(blind) == _findings(run_checks(other, blind=True))
    assert blind.recomputed == run_checks(other, blind=True).recomputed
    # the scored run does see them
    assert _findings(run_checks(form)) != _findings(run_checks(other))


def test_blind_mode_blanks_a_copy_and_skips_the_checks_on_declared_scores() -> None:
    form = make_form(SCORED)
    blank = blank_scores(form)
    assert form.indicators[0].score == 29 and form.total_score == 96.8  # the original is untouched
    assert all(r.score is None and r.deviation == "" for r in blank.indicators)
    assert blank.total_score is None and blank.funding.score is None
    scored, blind = run_checks(form).codes(), run_checks(form, blind=True).codes()
    assert {"PF104", "PF302", "PF502"} <= scored
    assert not {"PF104", "PF302", "PF502", "PF204", "PF105"} & blind
    assert {"PF301", "PF305", "PF401", "PF405"} <= blind


def test_blind_recompute_starts_from_full_weights_and_applies_the_cuts() -> None:
    report = run_checks(make_form(SCORED), blind=True)
    r = report.recomputed
    assert r.execution_rate == 97.71 and r.budget_score == 9.77
    # over-achievement −0.5, 及时 −0.5, 有效 −0.5, satisfaction 90/95 × 10 = 9.47
    assert r.indicator_scores == [29.5, 19.5, 29.5, 9.47]
    assert r.suggested_total == round(9.77 + 29.5 + 19.5 + 29.5 + 9.47, 2)
    assert r.grade == "优" and r.declared_total is None


def test_scored_recompute_never_raises_a_declared_score() -> None:
    r = run_checks(make_form(SCORED)).recomputed
    assert r.indicator_scores == [29.0, 19.5, 28.0, 9.47]
    assert r.declared_total == 96.8


def test_select_and_ignore_narrow_the_checks() -> None:
    form = make_form(SCORED)
    assert run_checks(form, select=["PF4"]).codes() <= {c for c in run_checks(form).codes() if c.startswith("PF4")}
    assert run_checks(form, select=["PF4"]).codes()
    assert "PF401" not in run_checks(form, ignore=["PF401"]).codes()
    assert "PF401" in run_checks(form).codes()


def test_findings_name_the_indicator_and_the_field() -> None:
    report = run_checks(make_form(SCORED), blind=True)
    vague = next(f for f in report.findings if f.check == "PF401")
    assert vague.indicator.index == 2 and vague.indicator.name == "提高政务服务水平"
    assert vague.field == "indicators[2].target" and "有效" in vague.message
    form_level = run_checks(make_form(SCORED)).findings
    rounding = next(f for f in form_level if f.check == "PF104")
    assert rounding.indicator is None and rounding.field == "funding.score" and rounding.suggested_score == 9.77


def test_evaluation_reports_get_only_the_indicator_and_text_checks() -> None:
    report = make_form({"kind": "evaluation_report", "indicators": [
        {"level1": "项目决策", "level2": "绩效目标", "name": "绩效目标合理性", "target": "合理", "actual": "75%", "weight": 4, "score": 3}],
        "performance_targets": [{"level1": "效益指标", "level2": "社会效益指标", "name": "提高化解速度", "target": "明显", "actual": "100%"}]})
    result = run_checks(report)
    assert [(f.check, f.field) for f in result.findings] == [("PF401", "performance_targets[0].target")]
    assert result.findings[0].suggested_score is None  # no weight, nothing to cut


def test_grades_follow_the_ministry_bands() -> None:
    assert [grade(x) for x in (100, 90, 89.99, 80, 79.5, 60, 59.99, 0)] == ["优", "优", "良", "良", "中", "中", "差", "差"]
    assert grade(None) is None

