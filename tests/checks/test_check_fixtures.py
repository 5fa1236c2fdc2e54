"""Every check fires on each of its fixture's "fail" cases and on none of its "pass" cases."""

from __future__ import annotations

import pytest

from reviewer.checks import all_checks, load_policy, run_checks
from reviewer.checks.registry import ROW_FACETS

from check_helpers import FIXTURES, load_fixture, make_form

CASES = [
    (code, kind, n)
    for code in sorted(p.stem for p in FIXTURES.glob("PF*.json"))
    for kind in ("fail", "pass")
    for n in range(len(load_fixture(code)[kind]))
]


@pytest.mark.parametrize(("code", "kind", "n"), CASES, ids=[f"{c}-{k}{n}" for c, k, n in CASES])
def test_check_fixture(code: str, kind: str, n: int) -> None:
    fixture = load_fixture(code)
    case = fixture[kind][n]
    policy = load_policy(overrides=fixture.get("policy"))
    report = run_checks(make_form(case), policy, select=[code])
    fired = [f for f in report.findings if f.check == code]
    if kind == "pass":
        assert not fired, [f.message for f in fired]
        return
    assert fired, f"{code} did not fire on fail case {n}"
    assert all(f.message and "{" not in f.message for f in fired), [f.message for f in fired]
    expect = case.get("_expect", {})
    if "index" in expect:
        assert [f.indicator.index for f in fired] == [expect["index"]]
    documented = set(all_checks()[code].facets) | (set(ROW_FACETS) if fired[0].indicator else set())
    for f in fired:  # every facet a finding carries is one its check documents
        assert set(f.facets) <= documented, (sorted(set(f.facets) - documented), code)
    if "facets" in expect:
        assert {k: fired[0].facets.get(k) for k in expect["facets"]} == expect["facets"]
    if expect.get("suggested_score", ...) is None:  # flagged, but the finding changes no score
        assert fired[0].suggested_score is None
    elif "suggested_score" in expect:
        assert fired[0].suggested_score == pytest.approx(expect["suggested_score"], abs=0.005)


def test_every_check_has_pass_and_fail_cases() -> None:
    for code in all_checks():
        fixture = load_fixture(code)
        assert fixture["fail"] and fixture["pass"], code


def test_every_check_that_cuts_rows_documents_its_facets() -> None:
    """A check whose findings sit on indicator rows (where a policy can cut) has a Facets
    section; its own facet names, when it has any, parse from it."""
    import inspect
    for code, c in all_checks().items():
        source = inspect.getsource(c.run)
        if "yield hit(i" in source or "yield hit(group" in source or "yield hit(index" in source:
            assert "Facets" in c.doc, f"{code} documents no facets"
        if "facets={" in source.replace("facets=_shortfall", 'facets={'):
            assert c.facets, f"{code} sets facets its docstring does not name"
