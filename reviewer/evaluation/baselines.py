"""Baselines beside every figure, and a human-vs-human ceiling.

Pipelines "cut_nothing" and "cut_unquantified" (harness.BASELINES) are scored exactly
like the tool. The human-vs-human estimate needs the same flaw judged by different
reviewer groups: a *flaw instance* is an indicator whose own content shows a flaw
(dataset.content_flaws: a word target, a 率 written as a bare number, a target far
exceeded or missed); a *group* is the implementing unit (or the source file). For
every pair of instances of one flaw from two different groups we ask whether both
were cut or both kept:

    P_o = agreeing cross-group pairs / cross-group pairs
    P_e = p² + (1−p)², p = pooled cut rate        kappa_hh = (P_o − P_e) / (1 − P_e)

and, for pairs where both were cut, the mean |deduction_i − deduction_j| (how much two
groups differ on the amount). The same is computed for pairs inside one group (how
consistent one group is with itself). The tool is put beside it: on the same instances,
the share where its cut-or-not equals the human's (comparable to P_o), its kappa, and
its score error on agreed cuts. Instances the human zeroed because the money was
withdrawn are left out: that cut is no judgement on the flaw.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from typing_extensions import NotRequired, TypedDict

from reviewer.evaluation.dataset import Dataset
from reviewer.evaluation.metrics import _mean, _median, kappa
from reviewer.evaluation.scorers import Outcomes

FLAWS = ("not_quantified", "rate_as_number", "over_achieved", "under_achieved")


Groups = dict[tuple[str, str], list[tuple[bool, float]]]


class PairAgreement(TypedDict):
    pairs: int
    agreement: float | None
    amount_gap: float | None


class CrossGroupAgreement(PairAgreement):
    kappa: float | None


class GroupFigures(TypedDict):
    instances: int
    cut_rate: float
    median_cut: float | None


class ToolOnInstances(TypedDict):
    instances: int
    agreement: float | None
    kappa: float | None
    cut_rate: float | None
    score_mae: float | None
    of_ceiling: NotRequired[float | None]


class HumanVsHuman(TypedDict):
    """How consistently reviewer groups judge one flaw, and the tool on the same instances."""

    flaw: str
    group_by: str
    instances: int
    groups: dict[str, GroupFigures]
    human_cut_rate: float | None
    cross_group: CrossGroupAgreement
    within_group: PairAgreement
    tool: NotRequired[ToolOnInstances]


def _pairs_agreement(groups: Groups, cross: bool) -> PairAgreement:
    """Pairs of instances across groups (same outer key, different group) or inside one group."""
    agree = pairs = 0
    amount_gaps: list[float] = []
    keys = sorted(groups)
    if cross:
        for a, b in combinations(keys, 2):
            if a[0] != b[0]:
                continue
            xs, ys = groups[a], groups[b]
            cx, cy = sum(c for c, _ in xs), sum(c for c, _ in ys)
            agree += cx * cy + (len(xs) - cx) * (len(ys) - cy)
            pairs += len(xs) * len(ys)
            amount_gaps += [abs(dx - dy) for cx_, dx in xs if cx_ for cy_, dy in ys if cy_]
    else:
        for k in keys:
            xs = groups[k]
            c = sum(cut for cut, _ in xs)
            n = len(xs)
            agree += c * (c - 1) // 2 + (n - c) * (n - c - 1) // 2
            pairs += n * (n - 1) // 2
            cut_amounts = [d for cut, d in xs if cut]
            amount_gaps += [abs(a - b) for a, b in combinations(cut_amounts, 2)]
    return {
        "pairs": pairs,
        "agreement": agree / pairs if pairs else None,
        "amount_gap": _mean(amount_gaps),
    }


def human_vs_human(
    dataset: Dataset, flaw: str, key: str = "group", outcomes: Outcomes | None = None, same: str | None = None
) -> HumanVsHuman:
    """How consistently different reviewer groups (and one group with itself) judge one flaw.

    key: the form attribute naming the group ("group" = implementing unit, "file_group").
    same: when given, only pairs of groups that share this attribute are compared (e.g.
    same="file_group": different units inside one file, i.e. one reviewing office).
    """
    groups: Groups = defaultdict(list)
    members: set[tuple[str, int]] = set()
    for form in dataset.samples:
        g = (getattr(form, same) if same else "", getattr(form, key))
        for s in form.indicators:
            # a form whose money was withdrawn is zeroed whatever its flaws: not a judgement on them
            if flaw in s.flaws and s.reason != "money_withdrawn":
                groups[g].append((s.human_cut, s.human_deduction))
                members.add((s.form_id, s.index))
    n = sum(len(v) for v in groups.values())
    cuts = sum(c for v in groups.values() for c, _ in v)
    p = cuts / n if n else None
    cross = _pairs_agreement(groups, cross=True)
    within = _pairs_agreement(groups, cross=False)
    p_e = (p * p + (1 - p) * (1 - p)) if p is not None else None
    hh_kappa = None
    if cross["agreement"] is not None and p_e is not None and p_e < 1:
        hh_kappa = (cross["agreement"] - p_e) / (1 - p_e)
    result: HumanVsHuman = {
        "flaw": flaw,
        "group_by": key if not same else f"{key} within {same}",
        "instances": n,
        "groups": {
            (f"{g[0]} / {g[1]}" if same else g[1]): {
                "instances": len(v),
                "cut_rate": sum(c for c, _ in v) / len(v),
                "median_cut": _median([d for c, d in v if c]),
            }
            for g, v in sorted(groups.items())
        },
        "human_cut_rate": p,
        "cross_group": {**cross, "kappa": hh_kappa},
        "within_group": within,
    }
    if outcomes is not None:
        rows = [o for o in outcomes.indicators if (o.form_id, o.index) in members]
        agreed = [o for o in rows if o.human_cut and o.pred_cut]
        result["tool"] = {
            "instances": len(rows),
            "agreement": _mean([float(o.human_cut == o.pred_cut) for o in rows]),
            "kappa": kappa([o.human_cut for o in rows], [o.pred_cut for o in rows]),
            "cut_rate": _mean([float(o.pred_cut) for o in rows]),
            "score_mae": _mean([abs(o.pred_score - o.human_score) for o in agreed]),
        }
        ceiling = result["cross_group"]["agreement"]
        tool_agreement = result["tool"]["agreement"]
        result["tool"]["of_ceiling"] = (
            tool_agreement / ceiling if ceiling and tool_agreement is not None else None
        )
    return result


GROUPINGS: tuple[tuple[str, str | None], ...] = (("group", "file_group"), ("group", None), ("file_group", None))


def ceiling(dataset: Dataset, outcomes: Outcomes | None = None, groupings=GROUPINGS) -> dict[str, HumanVsHuman]:
    """human_vs_human for every flaw and grouping that has at least one cross-group pair.

    Groupings: units inside one file (one reviewing office, different units), units
    anywhere, and files (different offices or years).
    """
    out: dict[str, HumanVsHuman] = {}
    for key, same in groupings:
        for flaw in FLAWS:
            r = human_vs_human(dataset, flaw, key=key, outcomes=outcomes, same=same)
            if r["cross_group"]["pairs"]:
                out[f"{flaw} / {r['group_by']}"] = r
    return out
