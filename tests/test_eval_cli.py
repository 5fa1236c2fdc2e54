"""`reviewer eval` / `reviewer calibrate` end to end on the toy forms (and the seeds once checks land)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import EXAMPLES
from test_eval_calibrate import office_forms
from test_eval_toy import toy_forms

from reviewer.cli import main
from reviewer.domain.model import Extraction

pytest.importorskip("sklearn")
pytest.importorskip("krippendorff")


@pytest.fixture
def toy_file(tmp_path):
    path = tmp_path / "toy.json"
    path.write_text(Extraction(forms=toy_forms()).model_dump_json(), encoding="utf-8")
    return path


def test_eval_json_has_metrics_baselines_disagreements_and_log(toy_file, tmp_path, capsys):
    runs = tmp_path / "runs"
    code = main(["eval", str(toy_file), "--pipeline", "cut_unquantified", "--format", "json", "--runs", str(runs), "--draws", "50"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("kappa", "flag_recall", "precision", "recall", "score_mae", "total_mae", "grade_agreement", "reason_accuracy"):
        assert key in out["metrics"]
    assert out["metrics"]["precision"] == pytest.approx(2 / 3)
    assert set(out["baselines"]) == {"cut_nothing", "cut_unquantified"}
    assert out["baselines"]["cut_nothing"]["metrics"]["recall"] == 0
    assert "not_quantified / group" in out["human_vs_human"]
    assert any("根据实际情况" in d["human_remark"] for d in out["disagreements"])
    logs = list(runs.glob("*.json"))
    assert len(logs) == 1 and out["log"] == str(logs[0])
    log = json.loads(logs[0].read_text(encoding="utf-8"))
    assert log["schema"] == "reviewer.eval-log/1"
    assert "revision" in log["git"] and "dirty" in log["git"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in log["prompts"].values())
    assert log["policy"] == {"path": None, "sha256": None}
    assert "ci95" in log["result"] and "per_check" in log["result"]
    assert log["config"]["pipeline"] == "cut_unquantified" and log["config"]["draws"] == 50
    assert len(log["samples"]["indicators"]) == 6 and set(log["samples"]["predictions"]) == {"A", "B"}


def test_eval_html_is_self_contained(toy_file, tmp_path):
    out = tmp_path / "report.html"
    code = main(["eval", str(toy_file), "--pipeline", "cut_unquantified", "--format", "html", "--out", str(out), "--no-log", "--draws", "20"])
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<table" in page and "human cuts" in page
    assert not re.search(r"(src|href)\s*=|https?://|@import", page)
    assert "提高服务水平" in page or "参与培训人员数量" in page


def test_eval_md_and_missing_inputs(toy_file, tmp_path, capsys):
    assert main(["eval", str(toy_file), "--pipeline", "cut_nothing", "--no-log", "--draws", "0"]) == 0
    md = capsys.readouterr().out
    assert "| Cohen's kappa, cut-or-not |" in md and "cut every unquantified" in md
    assert main(["eval", str(tmp_path / "nothing.txt"), "--no-log"]) == 2
    assert main(["eval", str(toy_file), "--policy", str(tmp_path / "no.toml"), "--no-log"]) == 2


def test_calibrate_writes_policy_and_reports_cv(tmp_path, capsys):
    forms = tmp_path / "office.json"
    forms.write_text(Extraction(forms=office_forms()).model_dump_json(), encoding="utf-8")
    policy = tmp_path / "policy.toml"
    code = main(["calibrate", str(forms), "--out", str(policy), "--cv", "3", "--split", "0.5", "--draws", "0", "--curve", "1"])
    assert code == 0
    text = policy.read_text(encoding="utf-8")
    assert '[checks.PF401]\ndeduct = "fixed"\namount = 1\np_cut = ' in text
    assert '[checks.PF301]\ndeduct = "none"' in text and "[[checks.PF402.when]]" in text
    assert "# learned from 6 rows on 6 forms, cut 6, median cut 1" in text
    report = capsys.readouterr().out
    assert "split 0.5" in report and "3-fold" in report and "Learning curve" in report
    assert "| PF402 | value_form=fraction |" in report or "| PF402 | target_form=fraction |" in report
    # the learned policy, given back to eval, removes the extra cuts
    assert main(["eval", str(forms), "--policy", str(policy), "--format", "json", "--no-log", "--draws", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["precision"] == pytest.approx(1.0) and out["metrics"]["score_mae"] == pytest.approx(0.0)
    assert main(["check", str(forms), "--policy", str(policy), "--blind", "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)["forms"][0]["findings"]
    pf401 = next(f for f in findings if f["check"] == "PF401")
    assert pf401["suggested_score"] == 9 and pf401["confidence"]["rows"] == 6 and pf401["confidence"]["p_cut"] > 0.8


def test_eval_runs_on_every_seed_file(tmp_path, capsys):
    """Once layouts and checks have landed: every seed file is read and every metric reported."""
    code = main(["eval", str(EXAMPLES), "--format", "json", "--runs", str(tmp_path), "--draws", "100"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dataset"]["files"] == 5
    assert out["errors"] == []
    for key in ("kappa", "flag_recall", "precision", "recall", "score_mae"):
        assert out["metrics"][key] is not None


def test_eval_writes_its_log_under_reviewer_home_not_the_working_folder(toy_file, tmp_path, monkeypatch, capsys):
    """Issue 9, item 19: `reviewer eval` run from any folder left eval/runs/ there."""
    elsewhere, home = tmp_path / "cwd", tmp_path / "home"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    assert main(["eval", str(toy_file), "--pipeline", "cut_nothing", "--format", "json", "--draws", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(elsewhere.iterdir()) == []
    [log] = (home / "eval" / "runs").glob("*.json")
    assert out["log"] == str(log)
    chosen = tmp_path / "chosen"
    assert main(["eval", str(toy_file), "--pipeline", "cut_nothing", "--format", "json", "--draws", "0",
                 "--log-dir", str(chosen)]) == 0
    assert json.loads(capsys.readouterr().out)["log"].startswith(str(chosen))
    assert list(elsewhere.iterdir()) == []


def test_the_bootstrap_calls_no_statistics_library(toy_file, monkeypatch, capsys):
    """The bootstrap sums per-form counts with numpy: scikit-learn and krippendorff are not
    called once per draw (they were, 1,000 times per pipeline: 24 s on the seeds)."""
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)
    monkeypatch.setitem(sys.modules, "krippendorff", None)
    assert main(["eval", str(toy_file), "--format", "json", "--draws", "200", "--no-log"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ci95"]["kappa"] is not None and out["metrics"]["kappa"] is not None


def test_calibrate_by_group_writes_one_policy_per_file(tmp_path, capsys):
    reviewed, self_scored = tmp_path / "reviewed.json", tmp_path / "self.json"
    reviewed.write_text(Extraction(forms=office_forms(4, path="reviewed.json")).model_dump_json(), encoding="utf-8")
    units = office_forms(4, path="self.json")
    for k, f in enumerate(units):
        f.id = f"S{k}"
        for row in f.indicators:
            row.score, row.deviation = row.weight, ""
    self_scored.write_text(Extraction(forms=units).model_dump_json(), encoding="utf-8")
    out = tmp_path / "office.toml"
    assert main(["calibrate", str(reviewed), str(self_scored), "--out", str(out), "--draws", "0", "--curve", "0"]) == 0
    assert "groups that disagree" in capsys.readouterr().err  # pooled: warned
    assert main(["calibrate", str(reviewed), str(self_scored), "--out", str(out), "--by-group", "--draws", "0",
                 "--curve", "0", "--format", "json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert set(docs) == {str(tmp_path / "office.reviewed.toml"), str(tmp_path / "office.self.toml")}
    assert '[checks.PF401]\ndeduct = "fixed"' in (tmp_path / "office.reviewed.toml").read_text(encoding="utf-8")
    assert '[checks.PF401]\ndeduct = "none"' in (tmp_path / "office.self.toml").read_text(encoding="utf-8")
    assert all(not doc["warnings"] or "disagree" not in " ".join(doc["warnings"]) for doc in docs.values())
    assert main(["calibrate", str(reviewed), "--out", str(tmp_path / "no" / "dir.toml"), "--draws", "0", "--curve", "0"]) == 2
    assert "cannot write" in capsys.readouterr().err
