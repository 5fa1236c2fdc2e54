"""`reviewer check` and `reviewer checks` from the command line."""

from __future__ import annotations

import json

from reviewer.checks import all_checks
from reviewer.cli import main

from check_helpers import EXAMPLES


def test_check_json_has_the_documented_shape(capsys) -> None:
    assert main(["check", str(EXAMPLES / "002_cc20b351adbf8378.txt"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"forms", "errors"} and len(doc["forms"]) == 5
    form = doc["forms"][0]
    assert {"id", "code", "name", "findings", "recomputed"} <= set(form)
    assert {"execution_rate", "budget_score", "suggested_total", "grade"} <= set(form["recomputed"])
    finding = form["findings"][0]
    assert {"check", "name", "severity", "indicator", "field", "message", "suggested_score"} <= set(finding)


def test_check_select_blind_and_formats(capsys) -> None:
    path = str(EXAMPLES / "001_61357c0ed07ba240.part-a.txt")
    assert main(["check", path, "--blind", "--select", "PF401", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    codes = {f["check"] for form in doc["forms"] for f in form["findings"]}
    assert codes == {"PF401"} and all(form["blind"] for form in doc["forms"])
    assert main(["check", path, "--format", "md", "--ignore", "PF4,PF6"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("## ") and "| 检查 |" in md and "PF401" not in md
    assert main(["check", path]) == 0
    assert "# 24 forms:" in capsys.readouterr().out


def test_check_refuses_a_bad_policy_or_code(tmp_path, capsys) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text("[checks.PF999]\namount = 1\n", encoding="utf-8")
    assert main(["check", str(EXAMPLES), "--policy", str(bad)]) == 2
    assert "PF999" in capsys.readouterr().err
    assert main(["check", str(EXAMPLES), "--select", "PF9"]) == 2


def test_checks_lists_and_explains(capsys) -> None:
    assert main(["checks"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == len(all_checks()) and listing[0].startswith("PF101  execution-rate")
    assert main(["checks", "explain", "PF104"]) == 0
    text = capsys.readouterr().out
    for heading in ("What it checks:", "Why it matters:", "Example:", "How to fix:", "9.77"):
        assert heading in text
    assert main(["checks", "explain", "PF000"]) == 2


def test_facets_in_check_json_and_explain(capsys) -> None:
    path = str(EXAMPLES / "001_61357c0ed07ba240.part-a.txt")
    assert main(["check", path, "--blind", "--select", "PF401,PF405", "--format", "json"]) == 0
    findings = [f for form in json.loads(capsys.readouterr().out)["forms"] for f in form["findings"]]
    words = {f["facets"]["word"] for f in findings}
    assert {"有效", "及时"} <= words  # DOMAIN §5: the words 001's reviewer cut
    assert all(f["facets"]["target_form"] == "word" and f["facets"]["section"].endswith("指标") for f in findings)
    assert all(f["confidence"]["basis"] for f in findings if f["suggested_score"] is not None)
    assert main(["checks", "explain", "PF305"]) == 0
    text = capsys.readouterr().out
    assert "Facets" in text and "ratio_band:" in text and "target_form:" in text


def test_table_says_how_sure_each_cut_is(tmp_path, capsys) -> None:
    path = str(EXAMPLES / "001_61357c0ed07ba240.part-a.txt")
    assert main(["check", path, "--blind", "--select", "PF401,PF306"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("PF401" in line and line.endswith("(contested)") for line in lines)  # the default: reviewers disagree
    assert any("PF306" in line and line.endswith("→ 0 (rule)") for line in lines)  # money withdrawn: everyone's rule
    learned = tmp_path / "office.toml"
    learned.write_text("[checks.PF401]\ndeduct = \"fixed\"\namount = 1\np_cut = 0.9\nrows = 12\n", encoding="utf-8")
    assert main(["check", path, "--blind", "--select", "PF401", "--policy", str(learned)]) == 0
    assert "(p 0.90 of 12 rows, contested)" in capsys.readouterr().out
