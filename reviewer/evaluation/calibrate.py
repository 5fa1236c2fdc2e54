"""Calibration on reviewed forms, measured honestly.

The learning itself is reviewer.checks.calibration's (`calibrate_from_decisions`: per
check and facet value, with backoff and shrinkage). This module turns reviewed forms into
its `Decision`s and measures what it learns on forms it did not learn from:

- `decisions`: every finding of the default checks (blind) on a scored indicator, and
  what the human did there. A cut counts for a check when the human's reason category is
  the check's, or when no firing check has the human's reason (`attributed`); a row cut
  for another flaw says nothing about this one (a row scored 0 because the money was
  withdrawn was not "kept" for its word target) and is left out of the check's decisions.
- `learn`: a calibration from the decisions of some forms.
- `cross_validate`: k folds by form; each fold's policy learned on the other folds and the
  checks re-run under it on the fold's forms; outcomes pooled; per check, how many of its
  held-out findings the learned and the default decisions got right (`check_votes`).
- `guarded`: the calibration on all forms, keeping the default for every check whose
  learned rule lost in cross-validation (with a warning).
- `learning_curve`: kappa after calibrating on 1, 2, 3, 5, 8 … forms, several random
  draws each, judged on the other forms beside the default policy on the same forms.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict

from pydantic import BaseModel
from typing_extensions import NotRequired, TypedDict

from reviewer.checks.calibration import Decision, Learned, calibrate_from_decisions, decision_table, disagreeing_groups
from reviewer.checks.policy import Policy, load_policy
from reviewer.evaluation.harness import FormPrediction, checks_pipeline, run_pipeline
from reviewer.evaluation.metrics import Summary, summarize
from reviewer.evaluation.scorers import Outcomes, score_all

EPS = 1e-9


class Fold(TypedDict):
    fold: int
    train: int
    test: int
    checks: int


class CheckVote(TypedDict):
    """A check's held-out findings in cross-validation: how many each policy decided right."""

    findings: int
    learned_right: int
    default_right: int


class CurvePoint(TypedDict):
    forms: int  # calibrated on this many forms
    draws: int
    kappa_mean: float | None
    kappa_min: float | None
    kappa_max: float | None
    default_kappa_mean: float | None  # the default policy on the same test forms
    flag_recall_min: float | None


class CalibrationBlock(TypedDict):
    """A calibration measured honestly: on a split (train, test, calibration) or by k-fold
    cross-validation (k, seed, folds); the default policy beside it on the same forms."""

    default: Summary
    calibrated: Summary
    description: NotRequired[str]
    train: NotRequired[list[str]]
    test: NotRequired[list[str]]
    calibration: NotRequired[list[dict]]
    k: NotRequired[int]
    seed: NotRequired[int]
    folds: NotRequired[list[Fold]]
    checks: NotRequired[dict[str, CheckVote]]
    curve: NotRequired[list[CurvePoint]]
    warnings: NotRequired[list[str]]


class CalibrationRun(BaseModel):
    """What `reviewer calibrate` learned and how it fared (its JSON output)."""

    table: list[dict]
    warnings: list[str]
    kept_default: dict[str, str]
    evaluation: dict[str, CalibrationBlock]


def attributed(o, code: str) -> bool:
    """Is this human cut evidence about `code`? Yes when the check's reason category is the
    human's; when no firing check has the human's reason, every firing check shares it.
    (A "comparator missing" finding beside an over-achievement cut is not why it was cut.)"""
    matching = [c for c in o.checks if o.reasons.get(c) == o.reason]
    return code in matching if matching else True


def decisions(outcomes: Outcomes, predictions: dict[str, FormPrediction], ids=None) -> list[Decision]:
    """One Decision per (scored indicator, check firing on it) of the forms `ids` (all when None)."""
    wanted = None if ids is None else set(ids)
    groups = {f.form_id: f.file_group for f in outcomes.forms}
    out = []
    for o in outcomes.indicators:
        if wanted is not None and o.form_id not in wanted:
            continue
        seen: set[str] = set()
        for f in predictions[o.form_id].findings:
            if f.indicator_index != o.index or f.check in seen:
                continue
            seen.add(f.check)
            if o.human_cut and not attributed(o, f.check):
                continue  # cut for another flaw (money withdrawn …): what it does about this one is unknown
            cut = o.human_cut
            out.append(Decision(
                form=o.form_id, row=o.index, check=f.check, weight=o.weight, cut=cut,
                amount=round(o.weight - o.human_score, 4) if cut else 0.0, facets=dict(f.facets),
                group=groups.get(o.form_id, ""), suggested=o.suggested.get(f.check, o.weight),
            ))
    return out


def learn(outcomes: Outcomes, predictions: dict[str, FormPrediction], ids=None, sources=None,
          base: Policy | None = None) -> Learned:
    """The calibration learned from the forms `ids` (all when None) of default-policy outcomes."""
    return calibrate_from_decisions(decisions(outcomes, predictions, ids), base=base, sources=sources)


def run_policy(dataset, policy: Policy, ids) -> tuple[dict[str, FormPrediction], Outcomes]:
    """The checks re-run under `policy` on the forms `ids`, blind, and scored against the human."""
    part = dataset.subset(ids)
    preds = run_pipeline(part, checks_pipeline(policy))
    return preds, score_all(part.samples, preds)


def _votes(rows: list[Decision], default: Policy, learned: Policy, votes: dict[str, CheckVote]) -> None:
    """Add each held-out finding's right decisions (learned vs default policy) to its check's votes."""
    for d in rows:
        v = votes.setdefault(d.check, {"findings": 0, "learned_right": 0, "default_right": 0})
        v["findings"] += 1
        v["default_right"] += cuts(default, d) == d.cut
        v["learned_right"] += cuts(learned, d) == d.cut


def cuts(policy: Policy, d: Decision) -> bool:
    """Does the policy cut where this decision's finding is (its check, its facets)?"""
    return policy.cuts(policy.for_check(d.check).for_facets(d.facets))


def folds(ids: list[str], k: int, seed: int = 0) -> list[list[str]]:
    """k folds of form ids, shuffled with a fixed seed."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    k = max(2, min(k, len(order)))
    return [order[i::k] for i in range(k)]


def cross_validate(dataset, predictions: dict[str, FormPrediction], k: int = 5, seed: int = 0,
                   draws: int = 1000, base: Policy | None = None) -> CalibrationBlock:
    """k-fold by form: pooled test outcomes of the calibrated policy vs the default on the same forms."""
    default = score_all(dataset.samples, predictions)
    ids = [s.form_id for s in dataset.samples]
    pooled = Outcomes()
    per_fold: list[Fold] = []
    votes: dict[str, CheckVote] = {}
    for i, test in enumerate(folds(ids, k, seed)):
        train = [x for x in ids if x not in set(test)]
        learned = learn(default, predictions, train, base=base)
        policy = learned.policy(base)
        _, out = run_policy(dataset, policy, test)
        _votes(decisions(default, predictions, test), base or load_policy(), policy, votes)
        pooled.forms += out.forms
        pooled.indicators += out.indicators
        per_fold.append({"fold": i, "train": len(train), "test": len(test), "checks": len(learned.checks)})
    return {
        "k": len(per_fold),
        "seed": seed,
        "folds": per_fold,
        "checks": dict(sorted(votes.items())),
        "warnings": disagreeing_groups(decisions(default, predictions)),
        "default": summarize(default, draws=draws, seed=seed),
        "calibrated": summarize(pooled, draws=draws, seed=seed),
    }


def guarded(dataset, predictions: dict[str, FormPrediction], cv: CalibrationBlock | None, sources=None,
            base: Policy | None = None) -> Learned:
    """The calibration on every form, keeping the default policy (with a warning) for each
    check whose learned decisions were right less often than the default's on held-out forms,
    and warning when the calibrated policy's cross-validated kappa is below the default's."""
    outcomes = score_all(dataset.samples, predictions)
    learned = learn(outcomes, predictions, sources=sources, base=base)
    if cv is None:
        return learned
    for code, v in cv.get("checks", {}).items():
        if code in learned.checks and v["learned_right"] < v["default_right"]:
            learned.keep_default(code, f"the learned rule decided {v['learned_right']} of {v['findings']} held-out "
                                       f"findings right, the default {v['default_right']}")
    d, c = cv["default"]["metrics"].get("kappa"), cv["calibrated"]["metrics"].get("kappa")
    if d is not None and c is not None and c < d - EPS:
        learned.warnings.append(f"the calibrated policy's cross-validated kappa ({c:.2f}) is below the default "
                                f"policy's ({d:.2f}, in-sample on these forms)")
    return learned


def split_evaluate(dataset, predictions: dict[str, FormPrediction], train: list[str], test: list[str],
                   draws: int = 1000, seed: int = 0, base: Policy | None = None) -> CalibrationBlock:
    """One split: calibrate on train, measure calibrated and default policy on test."""
    default = score_all(dataset.samples, predictions)
    learned = learn(default, predictions, train, base=base)
    _, out = run_policy(dataset, learned.policy(base), test)
    return {
        "train": train,
        "test": test,
        "calibration": decision_table(learned),
        "warnings": learned.warnings,
        "default": summarize(default.subset(test), draws=draws, seed=seed),
        "calibrated": summarize(out, draws=draws, seed=seed),
    }


CURVE_SIZES = (1, 2, 3, 5, 8, 13, 21)


class SplitFigures(TypedDict):
    """One random split: the calibrated policy and the default on its test forms."""

    kappa: float | None
    flag_recall: float | None
    score_mae: float | None
    default_kappa: float | None
    warnings: int


def random_splits(dataset, predictions: dict[str, FormPrediction], n_train: int, draws: int,
                  rng: random.Random, base: Policy | None = None) -> list[SplitFigures]:
    """Calibrate on n_train random forms and judge the rest, `draws` times."""
    default = score_all(dataset.samples, predictions)
    ids = sorted(s.form_id for s in dataset.samples)
    out: list[SplitFigures] = []
    for _ in range(draws):
        train = rng.sample(ids, n_train)
        test = [x for x in ids if x not in set(train)]
        learned = learn(default, predictions, train, base=base)
        _, calibrated = run_policy(dataset, learned.policy(base), test)
        c = summarize(calibrated, draws=0)["metrics"]
        out.append({"kappa": c["kappa"], "flag_recall": c["flag_recall"], "score_mae": c["score_mae"],
                    "default_kappa": summarize(default.subset(test), draws=0)["metrics"]["kappa"],
                    "warnings": len(learned.warnings)})
    return out


def learning_curve(dataset, predictions: dict[str, FormPrediction], sizes=CURVE_SIZES, draws: int = 5,
                   seed: int = 0, base: Policy | None = None) -> list[CurvePoint]:
    """Kappa after calibrating on n random forms (n in sizes, fewer than the dataset has),
    judged on the others, `draws` random draws each; the default policy on the same forms."""
    rng = random.Random(seed)
    points: list[CurvePoint] = []
    for n in sizes:
        if n >= len(dataset.samples):
            break
        runs = random_splits(dataset, predictions, n, draws, rng, base)
        kappas = [r["kappa"] for r in runs]
        points.append({
            "forms": n, "draws": draws, "kappa_mean": _mean(kappas), "kappa_min": _least(kappas),
            "kappa_max": _most(kappas), "default_kappa_mean": _mean([r["default_kappa"] for r in runs]),
            "flag_recall_min": _least([r["flag_recall"] for r in runs]),
        })
    return points


def _known(xs):
    return [x for x in xs if x is not None]


def _mean(xs) -> float | None:
    xs = _known(xs)
    return round(statistics.fmean(xs), 4) if xs else None


def _least(xs) -> float | None:
    xs = _known(xs)
    return round(min(xs), 4) if xs else None


def _most(xs) -> float | None:
    xs = _known(xs)
    return round(max(xs), 4) if xs else None


def group_ids(dataset) -> dict[str, list[str]]:
    """Form ids by source file (the group a reviewer's practice is assumed constant in)."""
    out: dict[str, list[str]] = defaultdict(list)
    for s in dataset.samples:
        out[s.file_group].append(s.form_id)
    return dict(out)
