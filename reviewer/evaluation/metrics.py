"""Metrics over scored samples, overall and per check, with bootstrap confidence intervals.

Definitions (an indicator is *cut* when its score is below its weight):

- flag_recall: human-cut indicators that have any finding / human-cut indicators.
- precision, recall, f1: on cut-or-not (positive = cut), tool against human.
- kappa: Cohen's kappa on cut-or-not. alpha: Krippendorff's alpha (nominal), same data.
- reason_accuracy: on agreed cuts (both cut), the tool's reason category equals the human's.
- score_mae: on agreed cuts, mean |tool score − human score|.
- total_mae: forms with a human total and a tool total, mean |tool − human|.
- grade_agreement: same forms, share with the same grade (优/良/中/差).

Confidence intervals: resample forms with replacement (fixed seed), recompute every
metric, take the 2.5 and 97.5 percentiles. A metric undefined in a draw (no agreed cut,
one class only) is left out of that draw.

Statistics come from scikit-learn (cohen_kappa_score, precision_recall_fscore_support,
confusion_matrix) and krippendorff (alpha), imported lazily: `pip install 'reviewer[eval]'`.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict

from reviewer.evaluation.scorers import FormOutcome, IndicatorOutcome, Outcomes

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


def _sklearn():
    try:
        from sklearn import metrics
    except ImportError:
        raise MissingExtra(
            "evaluation needs scikit-learn and krippendorff: pip install 'reviewer[eval]'"
        ) from None
    return metrics


def _krippendorff():
    try:
        import krippendorff
    except ImportError:
        raise MissingExtra(
            "evaluation needs scikit-learn and krippendorff: pip install 'reviewer[eval]'"
        ) from None
    return krippendorff


def _finite(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def kappa(human: list[bool], tool: list[bool]) -> float | None:
    """Cohen's kappa; None when undefined (empty, or both raters give one and the same class)."""
    if not human:
        return None
    if len(set(human) | set(tool)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _finite(_sklearn().cohen_kappa_score(human, tool))


def alpha(human: list[bool], tool: list[bool]) -> float | None:
    """Krippendorff's alpha, nominal; None when undefined (fewer than two values seen)."""
    if not human or len(set(human) | set(tool)) < 2:
        return None
    data = [[float(h) for h in human], [float(t) for t in tool]]
    try:
        return _finite(_krippendorff().alpha(reliability_data=data, level_of_measurement="nominal"))
    except (ValueError, ZeroDivisionError):
        return None


def prf(human: list[bool], tool: list[bool]) -> tuple[float | None, float | None, float | None]:
    """(precision, recall, f1) with positive = cut; precision None when the tool cuts nothing,
    recall None when the human cuts nothing."""
    if not human:
        return None, None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, _ = _sklearn().precision_recall_fscore_support(
            human, tool, average="binary", pos_label=True, zero_division=0
        )
    p_def, r_def = any(tool), any(human)
    return (
        float(p) if p_def else None,
        float(r) if r_def else None,
        float(f) if (p_def or r_def) else None,
    )


def confusion(human: list[bool], tool: list[bool]) -> list[list[int]]:
    """[[both kept, tool cuts only], [human cuts only, both cut]] (rows human, columns tool)."""
    if not human:
        return [[0, 0], [0, 0]]
    m = _sklearn().confusion_matrix(human, tool, labels=[False, True])
    return [[int(v) for v in row] for row in m]


def compute(indicators: list[IndicatorOutcome], forms: list[FormOutcome]) -> dict[str, float | None]:
    human = [o.human_cut for o in indicators]
    tool = [o.pred_cut for o in indicators]
    cut = [o for o in indicators if o.human_cut]
    agreed = [o for o in indicators if o.human_cut and o.pred_cut]
    p, r, f = prf(human, tool)
    totals = [f for f in forms if f.human_total is not None and f.pred_total is not None]
    return {
        "flag_recall": (sum(o.pred_flag for o in cut) / len(cut)) if cut else None,
        "precision": p,
        "recall": r,
        "f1": f,
        "kappa": kappa(human, tool),
        "alpha": alpha(human, tool),
        "reason_accuracy": _mean([float(o.pred_reason == o.human_reason) for o in agreed]),
        "score_mae": _mean([abs(o.pred_score - o.human_score) for o in agreed]),
        "total_mae": _mean([abs(f.pred_total - f.human_total) for f in totals]),  # type: ignore[operator]
        "grade_agreement": _mean([float(f.pred_grade == f.human_grade) for f in totals]),
    }


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
    """Percentile intervals from resampling forms with replacement."""
    try:
        import numpy as np
    except ImportError:
        raise MissingExtra("evaluation needs scikit-learn and krippendorff: pip install 'reviewer[eval]'") from None

    groups = outcomes.by_form()
    ids = list(groups)
    if not ids or draws <= 0:
        return {name: None for name in METRIC_NAMES}
    rng = np.random.default_rng(seed)
    values: dict[str, list[float]] = defaultdict(list)
    for _ in range(draws):
        picked = rng.integers(0, len(ids), size=len(ids))
        forms, inds = [], []
        for k in picked:
            form, rows = groups[ids[k]]
            forms.append(form)
            inds.extend(rows)
        for name, value in compute(inds, forms).items():
            if value is not None:
                values[name].append(value)
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out: dict[str, tuple[float, float] | None] = {}
    for name in METRIC_NAMES:
        v = values.get(name)
        out[name] = (float(np.percentile(v, lo)), float(np.percentile(v, hi))) if v else None
    return out


def summarize(outcomes: Outcomes, draws: int = 1000, seed: int = 0) -> dict:
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


def per_check(outcomes: Outcomes) -> dict[str, dict]:
    """For every check code: how often it fires, on what, and how its cuts compare."""
    inds = outcomes.indicators
    total_cuts = sum(o.human_cut for o in inds)
    codes = sorted({c for o in inds for c in o.checks} | {c for f in outcomes.forms for c in f.form_findings})
    out: dict[str, dict] = {}
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
            "reason_agreement": _mean([float(o.human_reason == reason) for o in on_cut]),
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


def disagreements(outcomes: Outcomes, limit: int = 20) -> list[dict]:
    """The largest disagreements: cut-or-not first (by weight), then score gaps on agreed cuts."""
    rows = []
    for o in outcomes.indicators:
        if o.human_cut != o.pred_cut:
            size = o.weight - (o.human_score if o.human_cut else o.pred_score)
            kind = "missed_cut" if o.human_cut else "extra_cut"
        elif o.human_cut and abs(o.pred_score - o.human_score) > 1e-9:
            size = abs(o.pred_score - o.human_score)
            kind = "amount"
        elif o.human_cut and o.pred_reason != o.human_reason:
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
                "human_reason": o.human_reason,
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
