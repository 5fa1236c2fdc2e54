"""The deduction policy: defaults, overrides from a file, disabling, combining cuts."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.checks import PolicyError, load_policy, run_checks

from check_helpers import make_form

UNQUANTIFIED = make_form({"indicators": [
    {"level1": "效益指标", "level2": "社会效益指标", "name": "提高政务服务水平", "target": "有效", "actual": "100%", "weight": 10},
]})
DUPLICATE_AND_VAGUE = make_form({"indicators": [
    {"level1": "产出指标", "level2": "成本指标", "name": "预算成本执行率", "target": "不超预算", "actual": "99.71%", "weight": 3},
    {"level1": "产出指标", "level2": "成本指标", "name": "支出进度达标率", "target": "＞90%", "actual": "99.71%", "weight": 3},
]})


def _suggested(report, code):
    return [f.suggested_score for f in report.findings if f.check == code]


def test_default_policy_cuts_an_unquantified_target_half_a_point() -> None:
    report = run_checks(UNQUANTIFIED, blind=True)
    assert _suggested(report, "PF401") == [9.5]
    assert report.recomputed.indicator_scores == [9.5]


def test_a_policy_file_overrides_the_amount(tmp_path: Path) -> None:
    path = tmp_path / "region.toml"
    path.write_text('[checks.PF401]\namount = 1.0\n', encoding="utf-8")
    policy = load_policy(path)
    assert policy.name == "region"
    assert _suggested(run_checks(UNQUANTIFIED, policy, blind=True), "PF401") == [9.0]
    # merged, not replaced: the other checks keep their defaults
    assert policy.for_check("PF407").amount == 0.5 and policy.for_check("PF401").deduct == "fixed"


def test_a_policy_can_report_without_cutting_or_disable_a_check(tmp_path: Path) -> None:
    report_only = load_policy(overrides={"checks": {"PF401": {"deduct": "none"}}})
    report = run_checks(UNQUANTIFIED, report_only, blind=True)
    assert _suggested(report, "PF401") == [None]
    assert report.recomputed.indicator_scores == [10.0]
    disabled = load_policy(overrides={"checks": {"PF401": {"enabled": False}}})
    assert "PF401" not in run_checks(UNQUANTIFIED, disabled, blind=True).codes()


def test_a_percent_deduction_is_a_share_of_the_weight() -> None:
    policy = load_policy(overrides={"checks": {"PF401": {"deduct": "percent", "percent": 0.2}}})
    assert _suggested(run_checks(UNQUANTIFIED, policy, blind=True), "PF401") == [8.0]


def test_cuts_on_one_indicator_combine_by_the_lowest_or_by_the_sum() -> None:
    lowest = run_checks(DUPLICATE_AND_VAGUE, blind=True)
    assert {"PF401", "PF407"} <= lowest.codes()
    assert lowest.recomputed.indicator_scores == [2.5, 3.0]
    summed = run_checks(DUPLICATE_AND_VAGUE, load_policy(overrides={"combine": "sum"}), blind=True)
    assert summed.recomputed.indicator_scores == [2.0, 3.0]


def test_region_thresholds_are_policy_settings() -> None:
    form = make_form({"indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "培训人数", "target": "≥100人", "actual": "125人", "weight": 10}]})
    assert "PF305" in run_checks(form, blind=True).codes()  # 1.25 > 1.2
    guangxi = load_policy(overrides={"checks": {"PF305": {"threshold": 1.3}}})
    assert "PF305" not in run_checks(form, guangxi, blind=True).codes()


def test_the_execution_rate_cap_is_off_by_default_and_caps_the_total_when_on() -> None:
    form = make_form({"funding": {"annual_budget": 100, "executed": 65, "weight": 10, "score": 6.5},
                      "indicators": [{"level1": "产出指标", "name": "a", "target": "≥1个", "actual": "1个", "weight": 90, "score": 90}],
                      "total_score": 96.5})
    assert run_checks(form).recomputed.suggested_total == 96.5
    capped = run_checks(form, load_policy(overrides={"checks": {"PF307": {"enabled": True}}}))
    assert capped.recomputed.suggested_total == 79 and "PF307" in capped.codes()


def test_bad_policies_are_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="PF999"):
        load_policy(overrides={"checks": {"PF999": {"amount": 1}}})
    with pytest.raises(PolicyError, match="invalid policy"):
        load_policy(overrides={"combine": "average"})
    broken = tmp_path / "broken.toml"
    broken.write_text("[checks.PF401\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(broken)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")
