"""The catalogue itself: unique codes, documentation, a fixture per check."""

from __future__ import annotations

import re

from reviewer.checks import all_checks
from reviewer.checks.registry import CATEGORIES, DOC_HEADINGS, SEVERITIES, resolve

from check_helpers import FIXTURES


def test_codes_and_names_are_unique_and_well_formed() -> None:
    checks = all_checks()
    assert len(checks) >= 40
    names = [c.name for c in checks.values()]
    assert len(set(names)) == len(names)
    for code, c in checks.items():
        assert re.fullmatch(r"PF[1-6]\d\d", code) and c.code == code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.name), c.name
        assert c.category in CATEGORIES and c.severity in SEVERITIES


def test_every_check_has_a_short_unique_chinese_title() -> None:
    titles = [c.title for c in all_checks().values()]
    assert len(set(titles)) == len(titles)
    for code, c in all_checks().items():
        assert re.search(r"[\u4e00-\u9fff]", c.title) and len(c.title) <= 16, f"{code}: {c.title!r}"


def test_every_check_is_documented_under_the_fixed_headings() -> None:
    for code, c in all_checks().items():
        doc = c.doc
        missing = [h for h in DOC_HEADINGS if len(doc.get(h, "")) < 10]
        assert not missing, f"{code} lacks {missing}"
        assert re.search(r"财预|DOMAIN|local|本地", doc["Why it matters"]), f"{code} cites no source"
        assert re.search(r"[\u4e00-\u9fff]", c.message), f"{code} message is not Chinese"


def test_every_check_has_a_fixture_file_and_no_fixture_is_orphaned() -> None:
    codes = set(all_checks())
    files = {p.stem for p in FIXTURES.glob("PF*.json")}
    assert codes == files


def test_every_category_of_the_issue_has_checks() -> None:
    categories = {c.category for c in all_checks().values()}
    assert categories == set(CATEGORIES)


def test_resolve_accepts_codes_prefixes_names_and_categories() -> None:
    assert resolve(["PF101"]) == {"PF101"}
    assert resolve(["execution-rate"]) == {"PF101"}
    assert {c for c in resolve(["PF1"])} == {c for c in all_checks() if c.startswith("PF1")}
    assert resolve(["deviation"]) == {c.code for c in all_checks().values() if c.category == "deviation"}
