"""The checks' fast paths give what the plain code gives: findings built without pydantic's
look-ups, settings worked out once per policy, PF601's bigram count."""

from __future__ import annotations

import random

from reviewer.checks import load_policy, run_checks
from reviewer.checks.findings import Confidence, Finding, IndicatorRef, trusted
from reviewer.checks.goal import _bigrams, _shared

from check_helpers import make_form

FORM = {
    "year": 2022,
    "funding": {"initial_budget": 100000, "annual_budget": 100000, "executed": 90000, "weight": 10, "score": 9},
    "indicators": [
        {"level1": "产出指标", "level2": "数量指标", "name": "信息系统故障维护及时率", "target": "1", "actual": "0.9",
         "weight": 20, "score": 20},
        {"level1": "效益指标", "level2": "社会效益指标", "name": "提高政务服务水平", "target": "有效", "actual": "有效",
         "weight": 20, "score": 20},
    ],
}


def test_trusted_is_model_construct() -> None:
    values = {
        "check": "PF401", "name": "target-not-quantified", "category": "indicator-quality", "severity": "warning",
        "indicator": trusted(IndicatorRef, {"index": 3, "name": "x"}), "field": "indicators[3].target",
        "message": "m", "suggested_score": 9.5, "reason": "not_quantified", "facets": {"word": "有效"},
        "confidence": Confidence(p_cut=0.5, rows=4, contested=True, basis="default"),
    }
    fast, plain = trusted(Finding, dict(values)), Finding.model_construct(**values)
    assert fast == plain
    assert fast.model_fields_set == plain.model_fields_set
    assert fast.model_dump_json() == plain.model_dump_json()
    assert list(fast.__dict__) == list(plain.__dict__)  # the order the JSON is written in


def test_confidence_is_validated_once_and_copied_per_finding() -> None:
    # A `when` rule's p_cut is written as an int: the finding shows the float validation makes.
    policy = load_policy(overrides={"checks": {"PF402": {"when": [
        {"value_field": "target", "deduct": "fixed", "amount": 1, "p_cut": 1, "rows": 4}]}}})
    found = [f for f in run_checks(make_form(FORM), policy).findings if f.check == "PF402"]
    by_field = {f.field.rsplit(".", 1)[1]: f for f in found}
    target, actual = by_field["target"], by_field["actual"]
    assert target.confidence.p_cut == 1.0 and isinstance(target.confidence.p_cut, float)
    assert '"p_cut":1.0' in target.model_dump_json()
    assert target.confidence.basis == "learned where value_field=target"
    assert actual.confidence.basis != target.confidence.basis  # the check's own settings
    again = run_checks(make_form(FORM), policy).findings
    assert all(a.confidence is not b.confidence for a, b in zip(found, again) if a.confidence)  # never shared


def test_for_facets_applies_the_first_matching_rule() -> None:
    settings = load_policy(overrides={"checks": {"PF401": {"when": [
        {"deduct": "fixed"},  # no condition: never applies
        {"word": ["有效", "及时"], "section": "效益指标", "deduct": "percent", "percent": 0.5},
        {"word": "有效", "deduct": "fixed", "amount": 2},
    ]}}}).for_check("PF401")
    assert settings.for_facets({"word": "有效", "section": "效益指标"}).deduct == "percent"
    assert settings.for_facets({"word": "有效", "section": "产出指标"}).amount == 2
    assert settings.for_facets({"word": "良好"}) is settings
    applied = settings.for_facets({"word": "及时", "section": "效益指标"})
    assert applied.basis == "word=有效|及时, section=效益指标" and applied.when == [] and applied.p_cut is None


def test_shared_bigrams_is_the_set_intersection() -> None:
    rng = random.Random(7)
    for size in (0, 1, 2, 30, 255, 256, 257, 900):
        text = "".join(rng.choice("完成社会工作服务维护辖区稳定，") for _ in range(size))
        other = "".join(rng.choice("完成社会服务辖区人员培训") for _ in range(rng.randint(0, 80)))
        grams = _bigrams(other)
        assert _shared(grams, text) == len(grams & _bigrams(text))
        assert _bigrams(text) == set(map(str.__add__, text, text[1:]))
