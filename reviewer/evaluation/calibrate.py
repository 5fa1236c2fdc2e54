"""Calibration: learn an office's practice from forms it has reviewed.

For each check we look at every indicator where it fires (on the blinded form) and at
what the office did there: the share it cut (`cut_rate`) and by how much. A cut counts
for a check when the human's reason category is the check's, or when no firing check
has the human's reason (`attributed`). The check is
set to deduct when the office cut at least half of the time; the amount is the mode
with the smallest error on the training cuts among

- ``fixed``: the median points cut (e.g. 0.5 per unquantified target);
- ``percent``: the median share of the weight cut (proportional);
- ``default``: keep what the default policy suggests (only offered when it suggests a
  cut there); written as an empty ``[checks.CODE]`` table, so the default stays.

The result is a readable TOML policy (`policy_toml`) in the checks' own policy format
(reviewer/checks/policy.py): one ``[checks.CODE]`` table per check with
``deduct = "none" | "fixed" | "percent"`` and ``amount`` / ``percent``; checks not seen
firing, or whose default already fits best, keep the default. `apply_calibration` applies the same settings to a
pipeline's predictions without re-running the checks — that is how cross-validation
measures it: calibrate on some forms, apply on the others.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel
from typing_extensions import NotRequired, TypedDict

from reviewer.domain.blinding import blind
from reviewer.domain.model import Form
from reviewer.evaluation.harness import FormPrediction, indicator_scores
from reviewer.evaluation.metrics import Summary, _mean, _median, summarize
from reviewer.evaluation.scorers import Outcomes, score_all

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class CheckCalibration(BaseModel):
    deduct: bool
    mode: str = "fixed"  # fixed | percent | default (when deduct)
    amount: float | None = None  # fixed: points cut
    percent: float | None = None  # percent: share of the weight cut (0.05 = 5%)
    fired: int = 0
    cut: int = 0
    cut_rate: float = 0.0
    median_cut: float | None = None
    train_mae: float | None = None


Calibration = dict[str, CheckCalibration]


class Fold(TypedDict):
    fold: int
    train: int
    test: int
    checks: int


class CalibrationBlock(TypedDict):
    """A calibration measured honestly: on a split (train, test, calibration) or by k-fold
    cross-validation (k, seed, folds); the default policy beside it on the same forms."""

    default: Summary
    calibrated: Summary
    description: NotRequired[str]
    train: NotRequired[list[str]]
    test: NotRequired[list[str]]
    calibration: NotRequired[dict[str, dict]]
    k: NotRequired[int]
    seed: NotRequired[int]
    folds: NotRequired[list[Fold]]


def _round(x: float | None, n: int = 4) -> float | None:
    return None if x is None else round(x, n)


def attributed(o, code: str) -> bool:
    """Is this human cut evidence about `code`? Yes when the check's reason category is the
    human's; when no firing check has the human's reason, every firing check shares it.
    (A "comparator missing" finding beside an over-achievement cut is not why it was cut.)"""
    matching = [c for c in o.checks if o.reasons.get(c) == o.reason]
    return code in matching if matching else True


def calibrate(outcomes: Outcomes, min_fired: int = 1, threshold: float = 0.5) -> Calibration:
    """Learn deduct / amount per check code from scored default-policy outcomes."""
    by_code: dict[str, list] = {}
    for o in outcomes.indicators:
        for code in o.checks:
            by_code.setdefault(code, []).append(o)
    result: Calibration = {}
    for code, rows in sorted(by_code.items()):
        if len(rows) < min_fired:
            continue
        cuts = [o for o in rows if o.human_cut and attributed(o, code)]
        rate = len(cuts) / len(rows)
        deductions = [o.weight - o.human_score for o in cuts]
        cal = CheckCalibration(
            deduct=rate >= threshold,
            fired=len(rows),
            cut=len(cuts),
            cut_rate=round(rate, 4),
            median_cut=_round(_median(deductions)),
        )
        if cal.deduct and cuts:
            amount = _median(deductions)
            fraction = _median([(o.weight - o.human_score) / o.weight for o in cuts])
            assert amount is not None and fraction is not None
            candidates = {
                "fixed": _mean([abs(max(o.weight - amount, 0) - o.human_score) for o in cuts]),
                "percent": _mean([abs(o.weight * (1 - fraction) - o.human_score) for o in cuts]),
            }
            if all(code in o.suggested for o in cuts):
                candidates["default"] = _mean([abs(o.suggested[code] - o.human_score) for o in cuts])
            order = ["default", "fixed", "percent"]  # ties keep the default, then the simpler mode
            mode = min(candidates, key=lambda m: (round(candidates[m] or 0, 9), order.index(m)))
            cal.mode = mode
            cal.amount = _round(amount) if mode == "fixed" else None
            cal.percent = _round(fraction) if mode == "percent" else None
            cal.train_mae = _round(candidates[mode])
        result[code] = cal
    return result


def _new_score(cal: CheckCalibration, weight: float, suggested: float | None) -> float | None:
    if not cal.deduct:
        return None
    # rounded like the checks' engine does
    if cal.mode == "fixed" and cal.amount is not None:
        return round(max(weight - cal.amount, 0.0), 2)
    if cal.mode == "percent" and cal.percent is not None:
        return round(max(weight * (1 - cal.percent), 0.0), 2)
    return suggested


def apply_calibration(pred: FormPrediction, form: Form, calibration: Calibration) -> FormPrediction:
    """The prediction with every calibrated check's suggested score replaced; the total
    (when the pipeline gave one) moves by the change in indicator scores (scaled as the
    pipeline scaled its sum)."""
    findings = []
    for f in pred.findings:
        cal = calibration.get(f.check)
        if cal is None or f.indicator_index is None or not (0 <= f.indicator_index < len(form.indicators)):
            findings.append(f)
            continue
        weight = form.indicators[f.indicator_index].weight
        if weight is None:
            findings.append(f)
            continue
        findings.append(f.model_copy(update={"suggested_score": _new_score(cal, weight, f.suggested_score)}))
    new = pred.model_copy(update={"findings": findings})
    if pred.total is not None:
        before = sum(indicator_scores(form, pred).values())
        after = sum(indicator_scores(form, new).values())
        new.total = round(pred.total + (after - before) * pred.total_scale, 4)
    return new


# --- TOML ------------------------------------------------------------------------------


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return f"{v:g}" if isinstance(v, float) else str(v)
    return json.dumps(str(v), ensure_ascii=False)


def policy_toml(calibration: Calibration, sources: list[str] | None = None, forms: int | None = None) -> str:
    """The calibration in the checks' policy format (`reviewer check --policy FILE` reads it)."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [
        "# Policy learned by `reviewer calibrate` " + stamp,
        f"# from {forms if forms is not None else '?'} reviewed forms: " + ", ".join(sources or []),
        "# Per check: does this office cut when the check fires, and how much?",
        '# deduct = "none" (report only) | "fixed" (weight − amount) | "percent" (weight × (1 − percent))',
        "# A check listed without keys, or not listed, keeps the default policy.",
        "",
    ]
    for code, cal in calibration.items():
        lines.append(f"[checks.{code}]")
        if not cal.deduct:
            lines.append('deduct = "none"')
        elif cal.mode == "default":
            lines.append("# the default policy's deduction fits this office: kept")
        else:
            lines.append(f"deduct = {_toml_value(cal.mode)}")
        if cal.deduct and cal.amount is not None:
            lines.append(f"amount = {_toml_value(cal.amount)}")
        if cal.deduct and cal.percent is not None:
            lines.append(f"percent = {_toml_value(cal.percent)}")
        median = "n/a" if cal.median_cut is None else f"{cal.median_cut:g}"
        lines.append(f"# learned: fired {cal.fired}, cut {cal.cut} ({cal.cut_rate:.0%}), median cut {median}")
        lines.append("")
    return "\n".join(lines)


def load_calibration(path: str | Path) -> Calibration:
    """Read the per-check deduction settings of a policy file ([checks.CODE] with `deduct`)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    out: Calibration = {}
    for code, table in (data.get("checks") or {}).items():
        if isinstance(table, dict) and "deduct" in table:
            mode = str(table["deduct"])
            out[code] = CheckCalibration(
                deduct=mode != "none",
                mode=mode if mode != "none" else "fixed",
                amount=table.get("amount") if mode == "fixed" else None,
                percent=table.get("percent") if mode == "percent" else None,
            )
    return out


def file_hash(path: str | Path | None) -> str | None:
    if path is None:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- honest evaluation -------------------------------------------------------------------


def folds(ids: list[str], k: int, seed: int = 0) -> list[list[str]]:
    """k folds of form ids, shuffled with a fixed seed."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    k = max(2, min(k, len(order)))
    return [order[i::k] for i in range(k)]


def calibrated_outcomes(dataset, predictions: dict[str, FormPrediction], default: Outcomes, train: list[str], test: list[str]):
    """Calibrate on the train forms' outcomes, apply to the test forms, score them."""
    cal = calibrate(default.subset(train))
    samples = [s for s in dataset.samples if s.form_id in set(test)]
    moved = {s.form_id: apply_calibration(predictions[s.form_id], blind(s.form), cal) for s in samples}
    return cal, score_all(samples, moved)


def cross_validate(dataset, predictions: dict[str, FormPrediction], k: int = 5, seed: int = 0, draws: int = 1000) -> CalibrationBlock:
    """k-fold by form: pooled test outcomes of the calibrated policy vs the default on the same forms."""
    default = score_all(dataset.samples, predictions)
    ids = [s.form_id for s in dataset.samples]
    pooled = Outcomes()
    per_fold: list[Fold] = []
    for i, test in enumerate(folds(ids, k, seed)):
        train = [x for x in ids if x not in set(test)]
        cal, out = calibrated_outcomes(dataset, predictions, default, train, test)
        pooled.forms += out.forms
        pooled.indicators += out.indicators
        per_fold.append({"fold": i, "train": len(train), "test": len(test), "checks": len(cal)})
    return {
        "k": len(per_fold),
        "seed": seed,
        "folds": per_fold,
        "default": summarize(default, draws=draws, seed=seed),
        "calibrated": summarize(pooled, draws=draws, seed=seed),
    }


def split_evaluate(dataset, predictions: dict[str, FormPrediction], train: list[str], test: list[str], draws: int = 1000, seed: int = 0) -> CalibrationBlock:
    """One split: calibrate on train, measure calibrated and default policy on test."""
    default = score_all(dataset.samples, predictions)
    cal, out = calibrated_outcomes(dataset, predictions, default, train, test)
    return {
        "train": train,
        "test": test,
        "calibration": {c: v.model_dump() for c, v in cal.items()},
        "default": summarize(default.subset(test), draws=draws, seed=seed),
        "calibrated": summarize(out, draws=draws, seed=seed),
    }
