"""`reviewer eval --drafts`: drafted comments measured against the human remarks of 001 part-a."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES

from fake_openai import fake_openai  # noqa: F401 - fixture
from reviewer.cli import main

pytest.importorskip("sklearn")
pytest.importorskip("krippendorff")

SEED_001 = EXAMPLES / "001_61357c0ed07ba240.part-a.txt"


def test_template_drafts_hit_human_remarks_and_shuffled_forms_do_not(capsys, monkeypatch):
    monkeypatch.delenv("REVIEWER_BASE_URL", raising=False)
    code = main(["eval", str(SEED_001), "--drafts", "--no-log", "--draws", "0", "--format", "json"])
    assert code == 0
    block = json.loads(capsys.readouterr().out)["draft_agreement"]
    assert block["draft_source"] == "template"
    assert block["forms"] == 24
    agreement = block["agreement"]
    assert agreement["humans"] == 52  # every cut row of 001 carries a remark
    assert agreement["human_hit_rate"] > 0.2
    assert agreement["shuffled"]["human_hit_rate"] < 0.05
    assert block["prompt_tokens_estimate"]["median"] < 3000


def test_model_drafts_need_a_configured_endpoint(capsys, monkeypatch, tmp_path):
    for var in ("REVIEWER_BASE_URL", "OPENAI_BASE_URL", "REVIEWER_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path))
    code = main(["eval", str(SEED_001), "--drafts", "--llm", "--no-log", "--draws", "0"])
    assert code == 2
    assert "REVIEWER_BASE_URL" in capsys.readouterr().err


def test_model_drafts_are_measured_with_endpoint_tokens(fake_openai, capsys, monkeypatch, tmp_path):
    from fake_openai import json_reply

    reply = {"comments": [], "opinion": "经审核，该项目指标设置需进一步完善。"}
    fake_openai.route("POST", "/v1/chat/completions", lambda _request: json_reply(reply, prompt_tokens=2400, completion_tokens=200))
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path))
    monkeypatch.setenv("REVIEWER_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("REVIEWER_MODEL", "fake-model")
    code = main(["eval", str(SEED_001), "--drafts", "--llm", "--no-log", "--draws", "0", "--format", "json"])
    assert code == 0
    block = json.loads(capsys.readouterr().out)["draft_agreement"]
    assert block["draft_source"] == "llm"
    assert len(fake_openai.bodies()) == 24  # one request per form
    assert block["tokens"] == {
        "calls": 24, "prompt_tokens_per_form": 2400, "completion_tokens_per_form": 200, "cache_hits": 0,
    }
    # findings the model left uncovered still get template comments, so agreement stays measurable
    assert block["agreement"]["human_hit_rate"] > 0.2
