"""A second office's judgement: forms a reviewer re-scored (复核分) are labelled by the reviewer.

The data under eval/office2/ is hand-checked JSON (reviewer's contract), so these tests do
not depend on the readers. Only one real form with a 复核分 column was found, and its column
is empty (eval/office2/README.md); the label rule is therefore also proven on 001's real
review moved into the 复核分 column, which must give the same labels and the same figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.domain.blinding import blind
from reviewer.domain.model import Form
from reviewer.evaluation.dataset import dataset_from_forms, load_dataset
from reviewer.evaluation.evaluate import evaluate
from reviewer.evaluation.harness import checks_pipeline
from reviewer.extract import extract_paths

ROOT = Path(__file__).resolve().parent.parent
OFFICE2 = ROOT / "eval" / "office2"
SEED_001 = ROOT / "tests" / "data" / "expected" / "001_61357c0ed07ba240.part-a.json"


def as_review(form: Form) -> Form:
    """001's form with its reviewer's 得分 moved to the 复核分 column and the unit claiming
    full marks: the judgement is the same, only the column it is written in differs."""
    moved = form.model_copy(deep=True)
    for ind in moved.indicators:
        ind.review_score, ind.score = ind.score, ind.weight if ind.score is not None else None
    moved.review_total_score, moved.total_score = moved.total_score, moved.total_weight
    return moved


@pytest.fixture(scope="module")
def seed_forms() -> list[Form]:
    return extract_paths([SEED_001]).forms


def test_office2_forms_load_with_their_source():
    data = load_dataset([OFFICE2 / "forms"])
    assert data.samples and not data.errors
    for sample in data.samples:
        source = OFFICE2 / sample.path
        assert source.read_text(encoding="utf-8").startswith("SOURCE: http"), source
    # Guangshui's 复核分 column is printed but empty: no reviewer judged, the 自评分 stays the label
    guangshui = next(s for s in data.samples if "guangshui" in s.form_id)
    assert guangshui.labels_from == "score"
    assert data.review_scored().samples == []
    assert [s.human_score for s in guangshui.indicators] == [i.score for i in guangshui.form.indicators if i.score is not None]


def test_review_scores_become_the_human_labels(seed_forms):
    original = dataset_from_forms(seed_forms)
    moved = dataset_from_forms(as_review(f) for f in seed_forms)
    assert moved.summary()["review_scored_forms"] == len(seed_forms)
    assert moved.summary()["human_cuts"] == original.summary()["human_cuts"] > 0
    pairs = [(a, b, sample.form.indicators[b.index])
             for sample_a, sample in zip(original.samples, moved.samples, strict=True)
             for a, b in zip(sample_a.indicators, sample.indicators, strict=True)]
    assert len(pairs) == len(original.indicators)
    for a, b, ind in pairs:
        assert b.human_score == ind.review_score == a.human_score  # the reviewer's 复核分
        assert b.self_score == ind.score == ind.weight  # what the unit claimed
        assert (b.human_cut, b.human_deduction) == (a.human_cut, a.human_deduction)
        assert b.remark == ""  # a 偏差原因 is the unit's explanation, not the reviewer's remark
        # with no remark, the reason is known only where the values tell it, and then it is 001's
        assert b.reason_source in (None, "values") and b.reason in (None, a.reason)
    assert [f.human_total for f in moved.samples] == [f.human_total for f in original.samples]
    assert {f.labels_from for f in moved.samples} == {"review_score"}
    known = [b for b in moved.indicators if b.human_cut and b.reason is not None]
    assert 0 < len(known) < moved.summary()["human_cuts"]


def test_rows_the_reviewer_left_unscored_are_skipped(seed_forms):
    form = as_review(seed_forms[0])
    scored = [i for i in form.indicators if i.review_score is not None and (i.weight or 0) > 0]
    scored[0].review_score = None
    before = dataset_from_forms([as_review(seed_forms[0])]).samples[0]
    after = dataset_from_forms([form]).samples[0]
    assert len(after.indicators) == len(before.indicators) - 1
    assert after.skipped == before.skipped + 1


def test_blinding_hides_review_scores(seed_forms):
    form = as_review(seed_forms[0])
    assert any(i.review_score is not None for i in form.indicators) and form.review_total_score is not None
    hidden = blind(form)
    assert all(i.review_score is None and i.score is None for i in hidden.indicators + hidden.performance_targets)
    assert hidden.review_total_score is None and hidden.total_score is None
    assert form.review_total_score is not None  # the original is untouched


def test_agreement_is_computed_on_review_labels(seed_forms):
    forms = seed_forms[:8]
    original, _, _ = evaluate(dataset_from_forms(forms), checks_pipeline(), draws=50, baselines=False)
    moved, _, _ = evaluate(dataset_from_forms(as_review(f) for f in forms), checks_pipeline(), draws=50,
                           baselines=False)
    assert moved.dataset["review_scored_forms"] == len(forms)
    assert moved.confusion == original.confusion and sum(map(sum, moved.confusion)) > 0
    assert moved.metrics["kappa"] is not None
    assert moved.metrics["kappa"] == pytest.approx(original.metrics["kappa"])
    assert moved.metrics["total_mae"] == pytest.approx(original.metrics["total_mae"])
