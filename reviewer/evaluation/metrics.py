"""Metrics over scored samples, overall and per check, with bootstrap confidence intervals.

Definitions (an indicator is *cut* when its score is below its weight):

- flag_recall: human-cut indicators that have any finding / human-cut indicators.
- precision, recall, f1: on cut-or-not (positive = cut), tool against human.
- kappa: Cohen's kappa on cut-or-not. alpha: Krippendorff's alpha (nominal), same data.
- reason_accuracy: on agreed cuts (both cut) whose human reason is known, the tool's reason category
  equals the human's (a re-scored row with no remark and values that do not decide has none).
- score_mae: on agreed cuts, mean |tool score − human score|.
- total_mae: forms with a human total and a tool total, mean |tool − human|.
- grade_agreement: same forms, share with the same grade (优/良/中/差).

Confidence intervals: resample forms with replacement (fixed seed), recompute every
metric, take the 2.5 and 97.5 percentiles. A metric undefined in a draw (no agreed cut,
one class only) is left out of that draw.

Every metric is a ratio of sums over forms (counts of the cut-or-not table both kept / tool
cuts only / human cuts only / both cut, agreed cuts, score errors …), so the point estimate
and each bootstrap draw are computed from per-form sums with numpy: a draw is the same sums
weighted by how often it picks each form. Kappa, precision/recall/F1 and alpha are the
2×2-table formulas, the same values as scikit-learn's cohen_kappa_score and
precision_recall_fscore_support and krippendorff's nominal alpha (tests/test_eval_metrics.py
compares them on many tables). Needs numpy: `pip install 'reviewer[eval]'`.
"""

from __future__ import annotations

import math

from typing_extensions import TypedDict

from reviewer.evaluation.scorers import Outcomes, ScoredForm, ScoredIndicator

METRIC_NAMES = (
    "flag_recall",
    "precision",
    "recall",
    "f1",
    "kappa",
    "alpha",
    "reason_accuracy",
    "score_mae",
    "total_mae",
    "grade_agreement",
)


class MissingExtra(RuntimeError):
    pass


Interval = list[float]  # [low, high], the 95% bootstrap percentiles


class Summary(TypedDict):
    """One pipeline's figures: point estimates, intervals, counts, the cut-or-not table."""

    metrics: dict[str, float | None]
    ci95: dict[str, Interval | None]
    counts: dict[str, int]
    confusion: list[list[int]]


class CheckFigures(TypedDict):
    """How one check code fares against the human (see per_check)."""

    reason: str | None
    fired: int
    form_level: int
    fired_on_human_cut: int
    flag_precision: float | None
    cuts: int
    cut_precision: float | None
    recall_share: float | None
    reason_agreement: float | None
    score_mae: float | None
    human_median_cut: float | None


class Disagreement(TypedDict):
    """One indicator where the tool and the human disagree (see disagreements)."""

    kind: str  # missed_cut / extra_cut / amount / reason
    size: float
    form_id: str
    index: int
    indicator: str
    target: str
    actual: str
    weight: float
    human_score: float
    human_reason: str | None
    human_remark: str
    tool_score: float
    tool_reason: str | None
    tool_findings: list[str]
    explanation: str


def _numpy():
    try:
        import numpy
    except ImportError:
        raise MissingExtra("evaluation needs numpy: pip install 'reviewer[eval]'") from None
    return numpy


def _finite(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


# What one group of outcomes (a form, or all of them) adds to the sums the metrics divide.
SUMS = ("tn", "fp", "fn", "tp", "flagged_cuts", "reasoned", "reason_ok", "score_error", "totals", "total_error",
        "grade_ok")


def _sums(indicators: list[ScoredIndicator], forms: list[ScoredForm]) -> list[float]:
    tp = sum(1 for o in indicators if o.human_cut and o.pred_cut)
    fp = sum(1 for o in indicators if o.pred_cut and not o.human_cut)
    fn = sum(1 for o in indicators if o.human_cut and not o.pred_cut)
    agreed = [o for o in indicators if o.human_cut and o.pred_cut]
    totals = [f for f in forms if f.human_total is not None and f.pred_total is not None]
    return [
        len(indicators) - tp - fp - fn, fp, fn, tp,
        sum(1 for o in indicators if o.human_cut and o.pred_flag),
        sum(1 for o in agreed if o.reason is not None),  # a re-score with no remark has no known reason
        sum(1 for o in agreed if o.reason is not None and o.pred_reason == o.reason),
        sum(abs(o.pred_score - o.human_score) for o in agreed),
        len(totals),
        sum(abs(f.pred_total - f.human_total) for f in totals),  # type: ignore[operator]
        sum(1 for f in totals if f.pred_grade == f.human_grade),
    ]


def table_metrics(tn, fp, fn, tp) -> dict:
    """precision, recall, f1, kappa and alpha of 2×2 tables (arrays of counts, one entry per
    table); nan where a statistic is undefined."""
    np = _numpy()
    tn, fp, fn, tp = (np.asarray(x, dtype=float) for x in (tn, fp, fn, tp))
    n = tn + fp + fn + tp
    # Cohen's kappa = (p_o − p_e) ÷ (1 − p_e), both sides times n²
    chance = (tp + fp) * (tp + fn) + (tn + fn) * (tn + fp)
    # Krippendorff's alpha, nominal, two coders, nothing missing: coincidences o_00 = 2tn,
    # o_11 = 2tp, o_01 = o_10 = fp + fn over 2n values; α = 1 − (2n − 1)(fp + fn) ÷ (n_0 · n_1)
    n0, n1 = 2 * tn + fp + fn, 2 * tp + fp + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {
            "precision": tp / (tp + fp),
            "recall": tp / (tp + fn),
            # 2tp ÷ (2tp + fp + fn): 0 when nothing agreed (scikit-learn, zero_division=0)
            "f1": 2 * tp / (2 * tp + fp + fn),
            "kappa": (n * (tp + tn) - chance) / (n * n - chance),
            "alpha": 1 - (2 * n - 1) * (fp + fn) / (n0 * n1),
        }
    return {name: np.where(np.isfinite(v), v, np.nan) for name, v in out.items()}


def _metrics(sums) -> dict:
    """Every metric from rows of SUMS (one row per draw): arrays, nan where undefined."""
    np = _numpy()
    s = {name: sums[:, i] for i, name in enumerate(SUMS)}
    out = table_metrics(s["tn"], s["fp"], s["fn"], s["tp"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out.update(
            flag_recall=s["flagged_cuts"] / (s["fn"] + s["tp"]),
            reason_accuracy=s["reason_ok"] / s["reasoned"],
            score_mae=s["score_error"] / s["tp"],
            total_mae=s["total_error"] / s["totals"],
            grade_agreement=s["grade_ok"] / s["totals"],
        )
    return {name: np.where(np.isfinite(out[name]), out[name], np.nan) for name in METRIC_NAMES}


def _one(statistic: str, human: list[bool], tool: list[bool]) -> float | None:
    if not human:
        return None
    (tn, fp), (fn, tp) = confusion(human, tool)
    return _finite(table_metrics([tn], [fp], [fn], [tp])[statistic][0])


def kappa(human: list[bool], tool: list[bool]) -> float | None:
    """Cohen's kappa; None when undefined (empty, or both raters give one and the same class)."""
    return _one("kappa", human, tool)


def alpha(human: list[bool], tool: list[bool]) -> float | None:
    """Krippendorff's alpha, nominal; None when undefined (fewer than two values seen)."""
    return _one("alpha", human, tool)


def prf(human: list[bool], tool: list[bool]) -> tuple[float | None, float | None, float | None]:
    """(precision, recall, f1) with positive = cut; precision None when the tool cuts nothing,
    recall None when the human cuts nothing."""
    return _one("precision", human, tool), _one("recall", human, tool), _one("f1", human, tool)


def confusion(human: list[bool], tool: list[bool]) -> list[list[int]]:
    """[[both kept, tool cuts only], [human cuts only, both cut]] (rows human, columns tool)."""
    tp = sum(1 for h, t in zip(human, tool) if h and t)
    fp = sum(1 for h, t in zip(human, tool) if t and not h)
    fn = sum(1 for h, t in zip(human, tool) if h and not t)
    return [[len(human) - tp - fp - fn, fp], [fn, tp]]


def compute(indicators: list[ScoredIndicator], forms: list[ScoredForm]) -> dict[str, float | None]:
    np = _numpy()
    values = _metrics(np.array([_sums(indicators, forms)], dtype=float))
    return {name: _finite(values[name][0]) for name in METRIC_NAMES}


def counts(outcomes: Outcomes) -> dict[str, int]:
    inds = outcomes.indicators
    return {
        "forms": len(outcomes.forms),
        "indicators": len(inds),
        "human_cuts": sum(o.human_cut for o in inds),
        "tool_cuts": sum(o.pred_cut for o in inds),
        "tool_flags": sum(o.pred_flag for o in inds),
        "agreed_cuts": sum(o.human_cut and o.pred_cut for o in inds),
        "forms_with_totals": sum(f.human_total is not None and f.pred_total is not None for f in outcomes.forms),
        "pipeline_errors": sum(f.error is not None for f in outcomes.forms),
    }


def bootstrap(
    outcomes: Outcomes, draws: int = 1000, seed: int = 0, level: float = 0.95
) -> dict[str, tuple[float, float] | None]:
    """Percentile intervals from resampling forms with replacement: each draw's metrics are
    the per-form sums weighted by how many times the draw picked each form."""
    np = _numpy()
    groups = outcomes.by_form()
    ids = list(groups)
    if not ids or draws <= 0:
        return {name: None for name in METRIC_NAMES}
    per_form = np.array([_sums(rows, [form]) for form, rows in groups.values()], dtype=float)
    rng = np.random.default_rng(seed)
    picks = np.array([np.bincount(rng.integers(0, len(ids), size=len(ids)), minlength=len(ids)) for _ in range(draws)])
    values = _metrics(picks @ per_form)
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out: dict[str, tuple[float, float] | None] = {}
    for name in METRIC_NAMES:
        v = values[name][~np.isnan(values[name])]
        out[name] = (float(np.percentile(v, lo)), float(np.percentile(v, hi))) if v.size else None
    return out


def summarize(outcomes: Outcomes, draws: int = 1000, seed: int = 0) -> Summary:
    """Point estimates, intervals, counts and the confusion matrix for one pipeline."""
    point = compute(outcomes.indicators, outcomes.forms)
    ci = bootstrap(outcomes, draws=draws, seed=seed) if draws else {n: None for n in METRIC_NAMES}
    human = [o.human_cut for o in outcomes.indicators]
    tool = [o.pred_cut for o in outcomes.indicators]
    return {
        "metrics": point,
        "ci95": {k: (list(v) if v else None) for k, v in ci.items()},
        "counts": counts(outcomes),
        "confusion": confusion(human, tool),
    }


def per_check(outcomes: Outcomes) -> dict[str, CheckFigures]:
    """For every check code: how often it fires, on what, and how its cuts compare."""
    inds = outcomes.indicators
    total_cuts = sum(o.human_cut for o in inds)
    codes = sorted({c for o in inds for c in o.checks} | {c for f in outcomes.forms for c in f.form_findings})
    out: dict[str, CheckFigures] = {}
    for code in codes:
        fired = [o for o in inds if code in o.checks]
        cuts = [o for o in inds if code in o.cut_checks]
        on_cut = [o for o in fired if o.human_cut]
        reason = next((o.reasons[code] for o in fired if code in o.reasons), None)
        agreed = [o for o in cuts if o.human_cut]
        human_amounts = [o.weight - o.human_score for o in on_cut]
        out[code] = {
            "reason": reason,
            "fired": len(fired),
            "form_level": sum(code in f.form_findings for f in outcomes.forms),
            "fired_on_human_cut": len(on_cut),
            "flag_precision": len(on_cut) / len(fired) if fired else None,
            "cuts": len(cuts),
            "cut_precision": len(agreed) / len(cuts) if cuts else None,
            "recall_share": len(agreed) / total_cuts if total_cuts else None,
            "reason_agreement": _mean([float(o.reason == reason) for o in on_cut]),
            # only where this check's suggestion is the indicator's final score
            "score_mae": _mean(
                [
                    abs(o.suggested[code] - o.human_score)
                    for o in agreed
                    if code in o.suggested and abs(o.suggested[code] - o.pred_score) < 1e-9
                ]
            ),
            "human_median_cut": _median(human_amounts),
        }
    return out


def _median(xs: list[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def disagreements(outcomes: Outcomes, limit: int = 20) -> list[Disagreement]:
    """The largest disagreements: cut-or-not first (by weight), then score gaps on agreed cuts."""
    rows: list[Disagreement] = []
    for o in outcomes.indicators:
        if o.human_cut != o.pred_cut:
            size = o.weight - (o.human_score if o.human_cut else o.pred_score)
            kind = "missed_cut" if o.human_cut else "extra_cut"
        elif o.human_cut and abs(o.pred_score - o.human_score) > 1e-9:
            size = abs(o.pred_score - o.human_score)
            kind = "amount"
        elif o.human_cut and o.pred_reason != o.reason:
            size = 0.0
            kind = "reason"
        else:
            continue
        rows.append(
            {
                "kind": kind,
                "size": round(size, 4),
                "form_id": o.form_id,
                "index": o.index,
                "indicator": o.name,
                "target": o.target,
                "actual": o.actual,
                "weight": o.weight,
                "human_score": o.human_score,
                "human_reason": o.reason,
                "human_remark": o.remark,
                "tool_score": o.pred_score,
                "tool_reason": o.pred_reason,
                "tool_findings": o.messages,
                "explanation": o.explanation,
            }
        )
    order = {"missed_cut": 0, "extra_cut": 0, "amount": 1, "reason": 2}
    rows.sort(key=lambda r: (order[r["kind"]], -r["size"], r["form_id"], r["index"]))
    return rows[:limit]
