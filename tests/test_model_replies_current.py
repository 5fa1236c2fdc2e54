"""The recorded replies to today's prompt (tests/data/model-replies-review-3/), replayed
through the whole drafting pipeline from a loopback server: the done-when of issue 13 on a
capable model's real output. tests/test_model_replies.py keeps the first recording (prompt
review-1), whose replies show what grounding must reject."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import replayed_figures

from reviewer.drafting.prompts import system_message
from reviewer.evaluation.replay import Recordings

RECORDINGS = Path(__file__).parent / "data" / "model-replies-review-3"
HIDDEN_AS_UNFILLED = re.compile(r"(得分|总分|偏差原因)[^。；，]{0,12}(未填|均未|未作说明|未说明)")


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    return replayed_figures(RECORDINGS, tmp_path_factory.mktemp("home"))


def test_every_form_is_answered_by_the_model(figures):
    assert figures["model"]["forms"] == 24 and figures["model"]["draft_source"] == "llm"
    assert figures["served"].get("miss", 0) == 0


def test_at_most_two_percent_of_the_model_comments_are_dropped(figures):
    m = figures["model"]["model"]
    assert m["written"] >= 150  # the recorded model's comments, not a handful
    assert m["drop_rate"] <= 0.02


def test_at_most_1_2_model_calls_per_form(figures):
    m = figures["model"]["model"]
    assert m["calls_per_form"] <= 1.2
    assert m["calls"] == figures["model"]["forms"] + m["reasks"]


def test_substance_agreement_at_least_the_template_drafts_both_ways(figures):
    template = figures["template"]["agreement"]
    for side in (figures["model"]["agreement"], figures["model"]["model_only"]):
        assert side["human_hit_rate"] >= template["human_hit_rate"]
        assert side["draft_hit_rate"] >= template["draft_hit_rate"]
        assert side["shuffled"]["human_hit_rate"] <= 0.05 and side["shuffled"]["draft_hit_rate"] <= 0.05


def test_no_comment_speaks_of_hidden_cells_as_unfilled():
    """The prompt says the hidden cells are hidden; the recorded model heeds it."""
    import json

    replies = [json.loads(c) for c in Recordings(RECORDINGS).by_message.values()]
    said = [c["text"] for r in replies for c in r["comments"]] + [r["opinion"] for r in replies]
    assert len(said) >= 150 and not [t for t in said if HIDDEN_AS_UNFILLED.search(t)]


def test_the_recording_answers_todays_system_message():
    """When the prompt changes, record the requests again (eval/model_drafts.py
    --record-requests) and have a model answer them; until then this fails."""
    assert Recordings(RECORDINGS).system == system_message().strip()
