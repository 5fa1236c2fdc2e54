"""Calibration on reviewed forms: what an office does when a check fires, learned from its
forms and measured only on forms it did not learn from (the real checks, blind)."""

from __future__ import annotations

import pytest
from test_eval_toy import form, ind

from reviewer.checks import load_policy
from reviewer.evaluation.calibrate import (
    cross_validate, decisions, folds, guarded, learn, learning_curve, split_evaluate,
)
from reviewer.evaluation.dataset import dataset_from_forms
from reviewer.evaluation.harness import checks_pipeline, run_pipeline
from reviewer.evaluation.scorers import score_all

pytest.importorskip("numpy")

NQ = "指标值设置不合理，建议修改为百分比"
RATE = "不属于比率，建议改成100%"


def office_forms(n=6, path="office.txt"):
    """An office that cuts 1 point for "有效" (PF401), lets a missed count stand (PF301),
    and cuts a rate written "1" (PF402 bare_one) by 1 but lets "0.95" stand (fraction)."""
    forms = []
    for k in range(n):
        forms.append(form(f"F{k}", "U", [
            ind("提高服务水平", "有效", "100%", 10, 9, NQ, "效益指标", "社会效益指标"),
            ind("办件数量", "≥100件", "90件", 10, 10),
            ind("系统故障维护及时率", "1", "100%", 10, 9, RATE, level2="质量指标"),
            ind("验收合格率", "0.95", "98%", 10, 10, level2="质量指标"),
            ind("工作完成率", "100%", "100%", 50, 50),
        ], 98, path=path, index=k))
    return forms


@pytest.fixture
def office():
    data = dataset_from_forms(office_forms())
    preds = run_pipeline(data, checks_pipeline())
    return data, preds, score_all(data.samples, preds)


def test_decisions_carry_facets_and_what_the_human_did(office):
    _, preds, outcomes = office
    rows = [d for d in decisions(outcomes, preds) if d.form == "F0"]
    by_check = {(d.check, d.facets.get("value_form")): d for d in rows}
    assert by_check[("PF401", None)].cut and by_check[("PF401", None)].amount == 1
    assert by_check[("PF401", None)].facets["word"] == "有效"
    assert not by_check[("PF301", None)].cut
    assert by_check[("PF402", "bare_one")].cut and not by_check[("PF402", "fraction")].cut


def test_learns_per_check_and_per_facet_value(office):
    _, preds, outcomes = office
    learned = learn(outcomes, preds)
    pf401 = learned.checks["PF401"]
    assert pf401.check.cut and pf401.check.mode == "fixed" and pf401.check.amount == 1
    assert not learned.checks["PF301"].check.cut  # the office lets a missed count stand
    pf402 = learned.checks["PF402"]
    assert pf402.facet in ("value_form", "target_form")
    leaves = {v: leaf.cut for v, leaf in pf402.leaves.items()}
    assert leaves == {"bare_one": True, "fraction": False}


def test_learned_policy_reruns_the_checks_with_when_rules(office):
    data, preds, outcomes = office
    policy = learn(outcomes, preds).policy()
    report = run_pipeline(data, checks_pipeline(policy))["F0"]
    cut = {(f.check, f.indicator_index): f.suggested_score for f in report.findings}
    assert cut[("PF401", 0)] == 9 and cut[("PF402", 2)] == 9 and cut[("PF402", 3)] is None
    assert cut[("PF301", 1)] is None
    f = next(f for f in report.findings if f.check == "PF402" and f.indicator_index == 2)
    assert f.confidence.rows == 6 and f.confidence.p_cut > 0.8
    assert f.confidence.basis in ("learned where target_form=bare_one", "learned where value_form=bare_one")


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
    # default: cuts 0.5 where the office cut 1, cuts the missed count and the fraction it lets stand
    assert d["precision"] < 0.7 and d["score_mae"] > 0.4
    assert c["precision"] == pytest.approx(1.0) and c["score_mae"] == pytest.approx(0.0)
    assert cv["calibrated"]["counts"]["forms"] == 6
    assert cv["checks"]["PF301"]["learned_right"] > cv["checks"]["PF301"]["default_right"]


def test_split_measures_both_policies_on_the_same_test_forms(office):
    data, preds, _ = office
    r = split_evaluate(data, preds, train=["F0", "F1", "F2"], test=["F3", "F4", "F5"], draws=0)
    assert r["default"]["counts"]["forms"] == r["calibrated"]["counts"]["forms"] == 3
    assert r["calibrated"]["metrics"]["kappa"] == pytest.approx(1.0)
    assert any(row["check"] == "PF401" and row["amount"] == 1 for row in r["calibration"])


def test_calibration_learns_nothing_from_the_test_forms():
    """A train fold whose reviewer never cut the word target learns not to cut it, even if
    every test form is cut there."""
    forms = office_forms(4)
    for f in forms[:2]:
        f.indicators[0].score = 10
        f.indicators[0].deviation = ""
    data = dataset_from_forms(forms)
    preds = run_pipeline(data, checks_pipeline())
    r = split_evaluate(data, preds, train=["F0", "F1"], test=["F2", "F3"], draws=0)
    row = next(row for row in r["calibration"] if row["check"] == "PF401" and row["where"] == "(all)")
    assert row["cut"] is False and row["rows"] == 2


def test_one_cut_in_two_rows_is_not_a_rule():
    """Shrinkage: a report-only check that fired twice and was cut once stays report-only."""
    forms = [form(f"T{k}", "U", [ind("采购设备", "5台", "5台", 50, 50 - k * 0.5, "建议写明≥" if k else ""),
                                 ind("工作完成率", "100%", "100%", 40, 40)], 100 - k * 0.5, index=k) for k in range(2)]
    data = dataset_from_forms(forms)
    preds = run_pipeline(data, checks_pipeline())
    learned = learn(score_all(data.samples, preds), preds)
    pf403 = learned.checks["PF403"].check  # comparator missing on "5台"
    assert (pf403.rows, pf403.cuts) == (2, 1) and pf403.p_cut < 0.5 and not pf403.cut


def test_guard_keeps_the_default_where_the_learned_rule_loses(office):
    data, preds, _ = office
    cv = cross_validate(data, preds, k=3, seed=0, draws=0)
    cv["checks"]["PF401"] = {"findings": 6, "learned_right": 2, "default_right": 6}  # as if it had lost
    learned = guarded(data, preds, cv)
    assert "PF401" in learned.kept_default and "PF401" not in learned.overrides()["checks"]
    assert any(w.startswith("PF401") for w in learned.warnings)


def test_mixed_groups_that_disagree_are_warned_about():
    reviewed = office_forms(3, path="reviewed.txt")
    self_scored = office_forms(3, path="self.txt")
    for k, f in enumerate(self_scored):
        f.id = f"S{k}"
        for row in f.indicators:
            row.score, row.deviation = row.weight, ""
    data = dataset_from_forms(reviewed + self_scored)
    preds = run_pipeline(data, checks_pipeline())
    learned = learn(score_all(data.samples, preds), preds)
    assert any(w.startswith("PF401: the forms come from groups that disagree") and "reviewed.txt cut 3 of 3" in w
               for w in learned.warnings)


def test_learning_curve_reports_default_beside_calibrated(office):
    data, preds, _ = office
    curve = learning_curve(data, preds, sizes=(1, 2, 5, 8), draws=2)
    assert [p["forms"] for p in curve] == [1, 2, 5]  # never calibrated on every form
    assert all(p["kappa_mean"] >= p["default_kappa_mean"] for p in curve)
    assert curve[-1]["kappa_min"] == pytest.approx(1.0) and curve[-1]["flag_recall_min"] == pytest.approx(1.0)
    assert load_policy().for_check("PF401").deduct == "fixed"  # the default policy is untouched


def test_five_forms_teach_an_office_its_practice_on_the_others():
    """The synthetic office of eval/bench_calibration.py that cuts every word target and
    bare-number rate 1 point and never over-achievement (the default cuts 0.5 and cuts
    over-achievement): calibrated on 5 seed forms, judged blind on the other 33."""
    import random
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
    import bench_calibration as bench

    rng = random.Random("0-words-strict")
    data = dataset_from_forms([bench.reviewed_by(f, bench.office_words_strict, rng, 0.05) for f in bench.seed_forms()])
    runs = bench.splits(data, n_train=5, n_splits=3, seed=1)
    assert all(r["flag_recall"] == 1.0 for r in runs)
    assert all(r["kappa"] >= r["default_kappa"] for r in runs)  # the default cuts what this office lets stand
    assert sum(r["kappa"] for r in runs) > sum(r["default_kappa"] for r in runs)
    assert min(r["kappa"] for r in runs) >= 0.75
    assert max(r["score_mae"] for r in runs) < 0.25  # it cuts 1 point where the default cuts 0.5
