"""reviewer.checks.calibration: learning from (form, finding, cut/kept, amount) records,
and the policy file it writes (read back by the policy loader, applied by the engine)."""

from __future__ import annotations

import sys

import pytest

from reviewer.checks import load_policy, run_checks
from reviewer.checks.calibration import Decision, calibrate_from_decisions, decision_table, policy_toml, shrunk

from check_helpers import make_form

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def rows(code, n, cut, facets=None, weight=10.0, amount=1.0, start=0, group=""):
    return [Decision(form=f"f{start + k}", check=code, weight=weight, cut=cut, amount=amount if cut else 0.0,
                     facets=dict(facets or {}), group=group) for k in range(n)]


def test_shrinkage_pulls_small_counts_to_the_level_above():
    assert shrunk(1, 2, 0.5) == pytest.approx(0.5)  # one of two on a contested prior: no rule
    assert shrunk(1, 2, 0.2) < 0.5 and shrunk(10, 10, 0.2) > 0.8
    learned = calibrate_from_decisions(rows("PF403", 1, True) + rows("PF403", 1, False, start=1))
    assert not learned.checks["PF403"].check.cut  # report-only by default; 1 of 2 does not change it


def test_facet_split_learned_when_it_predicts_held_out_forms():
    data = (rows("PF402", 5, True, {"value_form": "bare_one"}) +
            rows("PF402", 5, False, {"value_form": "fraction"}, start=5))
    c = calibrate_from_decisions(data).checks["PF402"]
    assert c.facet == "value_form"
    assert c.leaves["bare_one"].cut and not c.leaves["fraction"].cut
    assert c.leaves["bare_one"].rows == 5 and c.leaves["bare_one"].p_cut > 0.8


def test_no_split_on_a_facet_that_says_nothing():
    data = (rows("PF401", 3, True, {"word": "有效", "section": "产出指标"}) +
            rows("PF401", 3, True, {"word": "良好", "section": "效益指标"}, start=3))
    assert calibrate_from_decisions(data).checks["PF401"].facet is None


def test_amount_fixed_or_proportional():
    fixed = calibrate_from_decisions([Decision(f"f{k}", "PF401", w, True, 2.0) for k, w in enumerate((5, 10, 20, 40))])
    assert fixed.checks["PF401"].check.mode == "fixed" and fixed.checks["PF401"].check.amount == 2
    share = calibrate_from_decisions([Decision(f"f{k}", "PF401", w, True, w * 0.1) for k, w in enumerate((5, 10, 20, 40))])
    assert share.checks["PF401"].check.mode == "percent" and share.checks["PF401"].check.percent == pytest.approx(0.1)


def test_rule_checks_keep_their_formula_when_it_fits():
    data = [Decision(f"f{k}", "PF301", 10, True, 10 - s, suggested=s) for k, s in enumerate((9.0, 5.0, 7.5))]
    c = calibrate_from_decisions(data).checks["PF301"].check
    assert c.cut and c.mode == "rule"


def test_groups_that_disagree_are_warned_about():
    data = rows("PF401", 4, True, group="reviewed.xlsx") + rows("PF401", 4, False, start=4, group="self.xlsx")
    [warning] = calibrate_from_decisions(data).warnings
    assert warning.startswith("PF401: the forms come from groups that disagree")
    assert "reviewed.xlsx cut 4 of 4" in warning and "self.xlsx cut 0 of 4" in warning


def test_policy_file_is_readable_and_loads_to_the_same_rules(tmp_path):
    data = (rows("PF402", 5, True, {"value_form": "bare_one"}) +
            rows("PF402", 5, False, {"value_form": "fraction"}, start=5) + rows("PF305", 4, False))
    learned = calibrate_from_decisions(data, sources=["office.xlsx"])
    text = policy_toml(learned)
    assert "[[checks.PF402.when]]\nvalue_form = \"bare_one\"\ndeduct = \"fixed\"" in text
    assert "# learned from 5 rows on 5 forms, cut 5, median cut 1" in text
    assert tomllib.loads(text)["checks"] == learned.overrides()["checks"]
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    policy = load_policy(path)
    assert policy.for_check("PF305").deduct == "none"
    pf402 = policy.for_check("PF402")
    assert pf402.for_facets({"value_form": "fraction"}).deduct == "none"
    assert pf402.for_facets({"value_form": "bare_one"}).amount == 1
    assert pf402.for_facets({"value_form": "other"}).deduct == pf402.deduct  # backoff to the check
    table = decision_table(learned)
    assert {r["where"] for r in table if r["check"] == "PF402"} == {"(all)", "value_form=bare_one", "value_form=fraction"}


def test_engine_applies_when_rules_and_reports_confidence():
    form = make_form({"indicators": [
        {"level1": "产出指标", "level2": "质量指标", "name": "系统故障维护及时率", "target": "1", "actual": "100%", "weight": 10},
        {"level1": "产出指标", "level2": "质量指标", "name": "验收合格率", "target": "0.95", "actual": "98%", "weight": 10},
    ]})
    policy = load_policy(overrides={"checks": {"PF402": {"deduct": "fixed", "amount": 1, "p_cut": 0.6, "rows": 10, "when": [
        {"value_form": "fraction", "deduct": "none", "p_cut": 0.1, "rows": 4},
    ]}}})
    report = run_checks(form, policy, select=["PF402"])
    by_row = {f.indicator.index: f for f in report.findings}
    assert by_row[0].suggested_score == 9 and by_row[0].confidence.p_cut == 0.6 and by_row[0].confidence.rows == 10
    assert by_row[1].suggested_score is None
    assert by_row[1].confidence.p_cut == 0.1 and by_row[1].confidence.basis == "learned where value_form=fraction"
    default = run_checks(form, select=["PF402"])
    assert all(f.suggested_score == 9.5 for f in default.findings)  # the default: 0.5 on each


def test_contested_flaws_are_flagged_not_cut_when_the_policy_says_flag():
    form = make_form({"indicators": [
        {"level1": "效益指标", "level2": "社会效益指标", "name": "提高政务服务水平", "target": "有效", "actual": "100%", "weight": 10},
    ]})
    [cut] = run_checks(form, select=["PF401"]).findings
    assert cut.suggested_score == 9.5 and cut.confidence.contested and cut.confidence.p_cut is None
    flag = load_policy(overrides={"contested_flaws": "flag"})
    [flagged] = run_checks(form, flag, select=["PF401"]).findings
    assert flagged.suggested_score is None and flagged.confidence.contested
    learned = load_policy(overrides={"contested_flaws": "flag", "checks": {"PF401": {"p_cut": 0.9, "rows": 8}}})
    [kept] = run_checks(form, learned, select=["PF401"]).findings
    assert kept.suggested_score == 9.5  # cut where a calibration learned that the office cuts it


def test_decisions_overturn_the_level_above_only_when_sure():
    from reviewer.checks.calibration import below_half, decide

    assert below_half(0, 0, 0.5) == pytest.approx(0.5, abs=1e-6)
    assert below_half(0, 3, 0.5) == pytest.approx(1 - 0.5 ** 4, abs=1e-6)  # Beta(1, 4)
    assert decide(1, 3, 0.5, prior_cut=True)  # one cut in three: not sure it is not cut
    assert not decide(0, 3, 0.5, prior_cut=True)
    assert decide(2, 2, 0.5, prior_cut=False) and not decide(1, 2, 0.5, prior_cut=False)


def test_an_unseen_check_follows_its_family():
    """PF405 ("及时") never fired; the office let five "有效" (PF401, same reason) stand."""
    learned = calibrate_from_decisions(rows("PF401", 5, False))
    assert not learned.checks["PF401"].check.cut
    pf405 = learned.checks["PF405"]
    assert pf405.family == ["PF401"] and not pf405.check.cut and pf405.check.rows == 0
    assert "PF402" not in learned.checks  # another reason: the default stands
    assert "follows its family PF401" in policy_toml(learned)


def test_a_workbench_builds_decisions_from_accepted_and_rejected_findings():
    from reviewer.checks.calibration import decision_from_finding

    form = make_form({"indicators": [
        {"level1": "产出指标", "level2": "质量指标", "name": "系统故障维护及时率", "target": "1", "actual": "100%", "weight": 10},
        {"level1": "产出指标", "level2": "质量指标", "name": "验收合格率", "target": "0.95", "actual": "98%", "weight": 10},
    ]})
    records = []
    for k in range(4):  # four forms' reviews: "1" accepted at the reviewer's own 9, "0.95" rejected
        for f in run_checks(form, select=["PF402"]).findings:
            one = f.facets["value_form"] == "bare_one"
            records.append(decision_from_finding(f"form{k}", f, 10, accepted=one, score=9 if one else None))
    assert records[0].cut and records[0].amount == 1 and not records[1].cut and records[1].row == 1
    policy = calibrate_from_decisions(records).policy()
    by_row = {f.indicator.index: f.suggested_score for f in run_checks(form, policy, select=["PF402"]).findings}
    assert by_row == {0: 9, 1: None}
