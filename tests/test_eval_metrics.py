"""Metrics against hand-computed answers on the toy dataset (see test_eval_toy.py)."""

from __future__ import annotations

import pytest
from test_eval_toy import toy_dataset, toy_tool

from reviewer.evaluation import metrics
from reviewer.evaluation.baselines import human_vs_human
from reviewer.evaluation.harness import BASELINES, run_pipeline
from reviewer.evaluation.scorers import score_all

pytest.importorskip("sklearn")
pytest.importorskip("krippendorff")


@pytest.fixture
def outcomes():
    data = toy_dataset()
    return score_all(data.samples, run_pipeline(data, toy_tool))


def test_point_metrics_match_hand_computation(outcomes):
    m = metrics.compute(outcomes.indicators, outcomes.forms)
    # human [T,F,T,F,F,T], tool [T,F,F,T,F,T]: TP 2, FP 1, FN 1, TN 2
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    # p_o = 4/6, p_e = .5·.5 + .5·.5 = .5 -> (2/3 − 1/2) / (1/2) = 1/3
    assert m["kappa"] == pytest.approx(1 / 3)
    # Krippendorff nominal, 2 coders, 6 units: D_o = 4/12, D_e = 2·6·6/(12·11) -> 1 − 528/864 = 7/18
    assert m["alpha"] == pytest.approx(7 / 18)
    # every human cut (A0, A2, B1) has a finding; A2's is a flag without a cut
    assert m["flag_recall"] == pytest.approx(1.0)
    assert m["reason_accuracy"] == pytest.approx(1.0)
    # agreed cuts A0 (29.5 vs 29.5) and B1 (39.5 vs 39): (0 + 0.5) / 2
    assert m["score_mae"] == pytest.approx(0.25)
    # totals: A 99 vs 98.5, B 99.5 vs 89.9 -> (0.5 + 9.6) / 2; grades 优=优, 优≠良
    assert m["total_mae"] == pytest.approx(5.05)
    assert m["grade_agreement"] == pytest.approx(0.5)


def test_confusion_and_counts(outcomes):
    s = metrics.summarize(outcomes, draws=0)
    assert s["confusion"] == [[2, 1], [1, 2]]
    assert s["counts"]["human_cuts"] == 3
    assert s["counts"]["tool_cuts"] == 3
    assert s["counts"]["tool_flags"] == 4
    assert s["counts"]["agreed_cuts"] == 2


def test_per_check_hand_computed(outcomes):
    pc = metrics.per_check(outcomes)
    x1, x2 = pc["X1"], pc["X2"]
    assert (x1["fired"], x1["fired_on_human_cut"], x1["cuts"]) == (3, 2, 3)
    assert x1["flag_precision"] == pytest.approx(2 / 3)
    assert x1["cut_precision"] == pytest.approx(2 / 3)
    assert x1["recall_share"] == pytest.approx(2 / 3)
    assert x1["reason_agreement"] == pytest.approx(1.0)
    assert x1["score_mae"] == pytest.approx(0.25)
    assert x1["human_median_cut"] == pytest.approx(0.75)
    assert (x2["fired"], x2["fired_on_human_cut"], x2["cuts"]) == (1, 1, 0)
    assert x2["cut_precision"] is None and x2["recall_share"] == 0


def test_undefined_metrics_are_none():
    assert metrics.kappa([], []) is None
    assert metrics.kappa([False, False], [False, False]) is None
    assert metrics.alpha([True, True], [True, True]) is None
    p, r, f = metrics.prf([False, True], [False, False])
    assert p is None and r == 0 and f == 0


def test_cut_nothing_baseline(outcomes):
    data = toy_dataset()
    base = score_all(data.samples, run_pipeline(data, BASELINES["cut_nothing"]))
    m = metrics.compute(base.indicators, base.forms)
    assert m["flag_recall"] == 0 and m["recall"] == 0
    assert m["precision"] is None
    assert m["kappa"] == pytest.approx(0.0)  # one rater constant, the other not: chance agreement
    assert m["score_mae"] is None
    # totals 10 + 90 = 100 for both: |100 − 98.5| and |100 − 89.9|
    assert m["total_mae"] == pytest.approx((1.5 + 10.1) / 2)


def test_cut_unquantified_baseline_cuts_word_targets():
    data = toy_dataset()
    base = score_all(data.samples, run_pipeline(data, BASELINES["cut_unquantified"]))
    cut = [(o.form_id, o.index, o.pred_score) for o in base.indicators if o.pred_cut]
    assert cut == [("A", 0, 29.5), ("A", 3, 9.5), ("B", 1, 39.5)]


def test_bootstrap_is_deterministic_and_bounded(outcomes):
    a = metrics.bootstrap(outcomes, draws=200, seed=7)
    b = metrics.bootstrap(outcomes, draws=200, seed=7)
    assert a == b
    lo, hi = a["score_mae"]
    assert 0 <= lo <= 0.25 <= hi <= 0.5
    # resampling two forms: A alone has precision 1/2, B alone 1, both 2/3
    assert a["precision"][0] == pytest.approx(0.5) and a["precision"][1] == pytest.approx(1.0)


def test_perfect_tool_has_degenerate_interval():
    data = toy_dataset()

    def oracle(form):
        from reviewer.checks import Finding, IndicatorRef
        from reviewer.evaluation.harness import FormPrediction

        truth = {s.index: s for s in data.by_id()[form.id].indicators}
        return FormPrediction(
            findings=[
                Finding(check="O", indicator=IndicatorRef(index=i, name=s.name), suggested_score=s.human_score,
                        reason=s.reason or "other")
                for i, s in truth.items()
                if s.human_cut
            ]
        )

    out = score_all(data.samples, run_pipeline(data, oracle))
    s = metrics.summarize(out, draws=100, seed=1)
    assert s["metrics"]["kappa"] == pytest.approx(1.0)
    assert s["ci95"]["precision"] == [1.0, 1.0]
    assert s["ci95"]["score_mae"] == [0.0, 0.0]


def test_human_vs_human_hand_computed(outcomes):
    r = human_vs_human(toy_dataset(), "not_quantified", key="group", outcomes=outcomes)
    # instances: A0 (U1, cut 0.5), A3 (U1, kept), B1 (U2, cut 1.0)
    assert r["instances"] == 3
    assert r["groups"]["U1"]["cut_rate"] == pytest.approx(0.5)
    assert r["groups"]["U2"]["median_cut"] == pytest.approx(1.0)
    # cross pairs (A0,B1) agree, (A3,B1) disagree
    assert r["cross_group"]["pairs"] == 2
    assert r["cross_group"]["agreement"] == pytest.approx(0.5)
    # p = 2/3, p_e = 5/9, kappa = (1/2 − 5/9) / (4/9) = −1/8
    assert r["cross_group"]["kappa"] == pytest.approx(-0.125)
    assert r["cross_group"]["amount_gap"] == pytest.approx(0.5)
    assert r["within_group"]["agreement"] == pytest.approx(0.0)
    # the tool cuts all three: agrees on 2 of 3
    assert r["tool"]["agreement"] == pytest.approx(2 / 3)
    assert r["tool"]["of_ceiling"] == pytest.approx(4 / 3)
    assert r["tool"]["kappa"] == pytest.approx(0.0)


def test_disagreements_listed_with_text(outcomes):
    rows = metrics.disagreements(outcomes)
    kinds = [(r["form_id"], r["index"], r["kind"]) for r in rows]
    assert ("A", 2, "missed_cut") in kinds and ("A", 3, "extra_cut") in kinds and ("B", 1, "amount") in kinds
    missed = next(r for r in rows if r["kind"] == "missed_cut")
    assert "根据实际情况" in missed["human_remark"]


def test_human_vs_human_within_one_file_ignores_other_files():
    from test_eval_toy import form, ind, toy_forms

    from reviewer.evaluation.dataset import dataset_from_forms

    other = form("C", "U3", [ind("提升水平", "有效", "100%", 10, 10)], 100, path="other.txt")
    data = dataset_from_forms(toy_forms() + [other])
    everywhere = human_vs_human(data, "not_quantified", key="group")
    inside = human_vs_human(data, "not_quantified", key="group", same="file_group")
    # everywhere: U1×U2 2 pairs (1 agree), U1×U3 2 pairs (A3 agrees), U2×U3 1 pair (disagree)
    assert everywhere["cross_group"]["pairs"] == 5
    assert everywhere["cross_group"]["agreement"] == pytest.approx(2 / 5)
    # inside toy.txt only U1×U2 count
    assert inside["cross_group"]["pairs"] == 2
    assert inside["cross_group"]["agreement"] == pytest.approx(0.5)
    assert set(inside["groups"]) == {"toy.txt / U1", "toy.txt / U2", "other.txt / U3"}


def test_missing_eval_extra_says_how_to_install(monkeypatch, outcomes):
    import sys

    monkeypatch.setitem(sys.modules, "numpy", None)  # the metrics are numpy sums, not scikit-learn calls
    with pytest.raises(metrics.MissingExtra, match=r"reviewer\[eval\]"):
        metrics.compute(outcomes.indicators, outcomes.forms)


# --- the 2×2 statistics are the libraries' values (issue 9, item 19) -----------------------

def _tables():
    """Hand-picked edge cases and random cut-or-not pairs of several sizes and base rates."""
    import random

    rng = random.Random(7)
    cases = [([True], [True]), ([True], [False]), ([False, True], [False, False]), ([True, True], [False, True]),
             ([True, False, True, False, False, True], [True, False, False, True, False, True]),
             ([False] * 9 + [True], [False] * 10), ([True] * 5, [True, False, True, True, True])]
    for n in (3, 10, 40, 375):
        for rate in (0.05, 0.3, 0.5, 0.9):
            human = [rng.random() < rate for _ in range(n)]
            tool = [h if rng.random() < 0.7 else rng.random() < rate for h in human]
            cases.append((human, tool))
    return cases


@pytest.mark.parametrize(("human", "tool"), _tables())
def test_kappa_prf_and_alpha_equal_scikit_learn_and_krippendorff(human, tool):
    import warnings

    import krippendorff
    from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected_kappa = cohen_kappa_score(human, tool)
        p, r, f, _ = precision_recall_fscore_support(human, tool, average="binary", pos_label=True, zero_division=0)
    got = metrics.kappa(human, tool)
    if len(set(human) | set(tool)) < 2:
        assert got is None
    else:
        assert got == pytest.approx(float(expected_kappa), abs=1e-12)
    precision, recall, f1 = metrics.prf(human, tool)
    assert precision == (pytest.approx(p, abs=1e-12) if any(tool) else None)
    assert recall == (pytest.approx(r, abs=1e-12) if any(human) else None)
    assert f1 == (pytest.approx(f, abs=1e-12) if any(tool) or any(human) else None)
    assert metrics.confusion(human, tool) == confusion_matrix(human, tool, labels=[False, True]).tolist()
    if len(set(human) | set(tool)) < 2:
        assert metrics.alpha(human, tool) is None
    else:
        data = [[float(h) for h in human], [float(t) for t in tool]]
        expected_alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert metrics.alpha(human, tool) == pytest.approx(expected_alpha, abs=1e-12)


def test_the_bootstrap_is_the_resampling_loop_it_replaces():
    """The intervals of the per-form-sum bootstrap equal recomputing every metric on each
    resampled list of outcomes (the former algorithm), with the same draws."""
    import numpy as np

    from reviewer.evaluation.dataset import load_dataset
    from reviewer.evaluation.harness import checks_pipeline

    from conftest import EXAMPLES

    data = load_dataset([EXAMPLES])
    outcomes = score_all(data.samples, run_pipeline(data, checks_pipeline()))
    draws, seed = 60, 3
    fast = metrics.bootstrap(outcomes, draws=draws, seed=seed)
    groups = outcomes.by_form()
    ids = list(groups)
    rng = np.random.default_rng(seed)
    values: dict[str, list[float]] = {}
    for _ in range(draws):
        forms, inds = [], []
        for k in rng.integers(0, len(ids), size=len(ids)):
            form, rows = groups[ids[k]]
            forms.append(form)
            inds.extend(rows)
        for name, value in metrics.compute(inds, forms).items():
            if value is not None:
                values.setdefault(name, []).append(value)
    for name in metrics.METRIC_NAMES:
        slow = (float(np.percentile(values[name], 2.5)), float(np.percentile(values[name], 97.5)))
        assert fast[name] == pytest.approx(slow, abs=1e-9), name
