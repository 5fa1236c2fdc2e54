"""Calibration: what an office does when a check fires, learned and measured honestly."""

from __future__ import annotations

import pytest
from test_eval_toy import form, ind

from reviewer.evaluation.calibrate import (
    apply_calibration,
    calibrate,
    cross_validate,
    folds,
    load_calibration,
    policy_toml,
    split_evaluate,
)
from reviewer.evaluation.dataset import dataset_from_forms
from reviewer.checks import Finding, IndicatorRef
from reviewer.domain.blinding import blind as blind_form
from reviewer.evaluation.harness import FormPrediction, run_pipeline
from reviewer.evaluation.scorers import score_all

pytest.importorskip("sklearn")


def office_forms(n=6):
    """An office that cuts 0.5 for every word target and never cuts a missed count."""
    forms = []
    for k in range(n):
        forms.append(
            form(
                f"F{k}",
                "U",
                [
                    ind("提高服务水平", "有效", "100%", 10, 9.5, "指标值设置不合理，建议修改为百分比"),
                    ind("办件数量", "≥100件", "90件", 10, 10),
                    ind("完成率", "100%", "100%", 80, 80),
                ],
                99.5,
                index=k,
            )
        )
    return forms


def strict_tool(f):
    """Default policy of a fake checks pipeline: Q1 cuts word targets by 2, M1 cuts missed counts proportionally."""
    findings = []
    for i, x in enumerate(f.indicators):
        if x.target_value.kind == "qualitative":
            findings.append(Finding(check="Q1", indicator=IndicatorRef(index=i, name=x.name), suggested_score=x.weight - 2,
                                    reason="not_quantified"))
        if x.name == "办件数量":
            findings.append(Finding(check="M1", indicator=IndicatorRef(index=i, name=x.name), suggested_score=x.weight * 0.9,
                                    reason="under_achieved"))
    return FormPrediction(findings=findings, total=None)


@pytest.fixture
def office():
    data = dataset_from_forms(office_forms())
    preds = run_pipeline(data, strict_tool)
    return data, preds, score_all(data.samples, preds)


def test_calibrate_learns_deduct_and_amount(office):
    _, _, outcomes = office
    cal = calibrate(outcomes)
    assert cal["Q1"].deduct and cal["Q1"].mode == "fixed" and cal["Q1"].amount == 0.5
    assert (cal["Q1"].fired, cal["Q1"].cut, cal["Q1"].cut_rate) == (6, 6, 1.0)
    assert cal["M1"].deduct is False and cal["M1"].cut == 0


def test_percent_mode_chosen_when_cuts_scale_with_weight():
    forms = [
        form("P1", "U", [ind("a", "有效", "100%", 10, 9.5)], 99.5),
        form("P2", "U", [ind("b", "有效", "100%", 20, 19)], 99),
        form("P3", "U", [ind("c", "有效", "100%", 40, 38)], 98),
    ]
    data = dataset_from_forms(forms)
    cal = calibrate(score_all(data.samples, run_pipeline(data, strict_tool)))
    # share cut 0.05 everywhere (MAE 0) beats the fixed median 1 (MAE 0.5)
    assert cal["Q1"].mode == "percent" and cal["Q1"].percent == pytest.approx(0.05)
    assert cal["Q1"].train_mae == pytest.approx(0.0)


def test_policy_toml_round_trip(office, tmp_path):
    _, _, outcomes = office
    cal = calibrate(outcomes)
    text = policy_toml(cal, ["office.txt"], 6)
    assert '[checks.Q1]\ndeduct = "fixed"\namount = 0.5\n' in text
    assert '[checks.M1]\ndeduct = "none"\n' in text
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    back = load_calibration(path)
    assert back["Q1"].deduct and back["Q1"].mode == "fixed" and back["Q1"].amount == 0.5
    assert back["M1"].deduct is False


def test_apply_calibration_rewrites_suggestions_and_total(office):
    data, preds, outcomes = office
    cal = calibrate(outcomes)
    f = blind_form(data.samples[0].form)
    pred = preds["F0"].model_copy(update={"total": 90.0})
    new = apply_calibration(pred, f, cal)
    by_check = {x.check: x.suggested_score for x in new.findings}
    assert by_check == {"Q1": 9.5, "M1": None}
    # Q1: 8 -> 9.5 (+1.5), M1: 9 -> 10 (+1)
    assert new.total == pytest.approx(92.5)


def test_folds_partition_ids():
    ids = [f"F{i}" for i in range(7)]
    parts = folds(ids, 3, seed=1)
    assert sorted(x for p in parts for x in p) == sorted(ids)
    assert len(parts) == 3 and all(parts)
    assert folds(ids, 3, seed=1) == parts


def test_cross_validation_beats_default_on_held_out_forms(office):
    data, preds, _ = office
    cv = cross_validate(data, preds, k=3, seed=0, draws=0)
    d, c = cv["default"]["metrics"], cv["calibrated"]["metrics"]
    # default: cuts 2 where the office cut 0.5, and cuts counts it never cuts
    assert d["score_mae"] == pytest.approx(1.5) and d["precision"] == pytest.approx(0.5)
    assert c["score_mae"] == pytest.approx(0.0) and c["precision"] == pytest.approx(1.0)
    assert cv["calibrated"]["counts"]["forms"] == 6


def test_split_measures_both_policies_on_the_same_test_forms(office):
    data, preds, _ = office
    r = split_evaluate(data, preds, train=["F0", "F1", "F2"], test=["F3", "F4", "F5"], draws=0)
    assert r["default"]["counts"]["forms"] == r["calibrated"]["counts"]["forms"] == 3
    assert r["calibrated"]["metrics"]["kappa"] == pytest.approx(1.0)
    assert r["calibration"]["Q1"]["amount"] == 0.5


def test_calibration_learns_nothing_from_the_test_forms():
    """A train fold with no cuts learns deduct=false even if the test forms are all cut."""
    forms = office_forms(4)
    for f in forms[:2]:
        f.indicators[0].score = 10  # these two (train) forms never cut the word target
        f.indicators[0].deviation = ""
    data = dataset_from_forms(forms)
    preds = run_pipeline(data, strict_tool)
    r = split_evaluate(data, preds, train=["F0", "F1"], test=["F2", "F3"], draws=0)
    assert r["calibration"]["Q1"]["deduct"] is False
    assert r["calibrated"]["counts"]["tool_cuts"] == 0


def test_learned_policy_read_by_the_checks_matches_the_harness_replay(tmp_path):
    """Cross-validation replays a calibration on stored predictions; the checks reading the
    written TOML must give the same scores, or the CV figures would describe another policy."""
    from conftest import EXAMPLES

    from reviewer.checks.policy import load_policy
    from reviewer.evaluation.dataset import load_dataset
    from reviewer.evaluation.harness import checks_pipeline, indicator_scores

    data = load_dataset([EXAMPLES])
    preds = run_pipeline(data, checks_pipeline())
    cal = calibrate(score_all(data.samples, preds))
    assert any(not c.deduct for c in cal.values()) and any(c.deduct for c in cal.values())
    path = tmp_path / "office.toml"
    path.write_text(policy_toml(cal, ["seeds"], len(data.samples)), encoding="utf-8")
    learned = run_pipeline(data, checks_pipeline(load_policy(path)))
    for s in data.samples:
        blind = blind_form(s.form)
        replay = apply_calibration(preds[s.form_id], blind, cal)
        assert indicator_scores(blind, learned[s.form_id]) == pytest.approx(indicator_scores(blind, replay)), s.form_id
        if replay.total is not None:
            assert learned[s.form_id].total == pytest.approx(replay.total, abs=0.02), s.form_id
