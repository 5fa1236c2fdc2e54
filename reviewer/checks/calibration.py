"""Learn an office's practice from its decisions: per check, and per facet value where its
reviewers decide at a finer grain, whether it cuts and how much.

    from reviewer.checks.calibration import Decision, calibrate_from_decisions, decision_from_finding, policy_toml
    decisions = [decision_from_finding(form_id, finding, weight, accepted=True, score=9.0), …]
    learned = calibrate_from_decisions(decisions)      # Decision: form, check, facets, weight, cut, amount
    policy = load_policy(overrides=learned.overrides())
    Path("office.toml").write_text(policy_toml(learned))

A `Decision` is one finding and what a reviewer did with it: cut the row for that flaw
(and by how many points) or let it stand. The evaluation builds them from reviewed forms
(reviewer.evaluation.calibrate); a workbench builds them from accepted and rejected
suggestions. Nothing here reads forms.

The estimate, from the top down (backoff):

1. **Prior**: the base policy's view of the check: a flaw it cuts 0.8, one it only reports
   0.2, a contested one (reviewers disagree, DOMAIN §5) 0.5; moved by the office's
   decisions on the check's family (checks with the same reason category and standing:
   PF401 "有效" and PF405 "及时" are both an unquantified target), shrunk the same way.
2. **Check**: p(cut) = (cuts + m·prior) ÷ (forms + m), a Beta(m·prior, m·(1−prior)) prior
   of weight m = 2, so one cut in two is 0.5 of a contested check, never a rule. Evidence
   is counted by form (`evidence`): a form is one look by one reviewer and counts once,
   as the share of its rows cut, so two rows kept on one form do not outweigh the prior.
3. **Facet value**: the same shrinkage toward the check's p. One facet per check may split
   it (a depth-1 decision list): the one whose leaves predict the held-out forms' decisions
   best (leave one form out), and only when that beats the check alone.

A level's decision (cut or not) is the level above's unless its rows make the other side
sure: the Beta posterior puts more than SURE (0.8) of its mass beyond 0.5. One form in
three cutting a contested flaw the default cuts does not stop the cut (P 0.69 on even
odds); none in three does (0.94). How much is learned separately, from the cut rows: the median points cut (`fixed`), the median
share of the weight (`percent`), or the base policy's own rule (`rule`), whichever is
closest to the reviewers' scores; a facet value with 3 or more cuts of its own gets its
own amount when its median differs.

The result is written as policy data (`overrides`, `policy_toml`): per check `deduct`,
`amount`/`percent`, `p_cut` and `rows` (what findings show as their confidence), and a
`[[checks.CODE.when]]` table per value of the facet that splits the check, with comments
saying what was learned from how many rows. No opaque model: every rule is a line a
reviewer can read and edit.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from reviewer.checks.findings import Finding
from reviewer.checks.policy import CheckPolicy, Policy, build_policy, load_policy, merge
from reviewer.checks.registry import all_checks, check_reason

PRIOR_WEIGHT = 2.0  # m: the rows a prior is worth
SURE = 0.8  # the posterior probability a decision needs to overturn the level above's
PRIORS = {"cut": 0.8, "report": 0.2, "contested": 0.5}
MIN_OWN_AMOUNT = 3  # cut rows a facet value needs for an amount of its own


@dataclass(frozen=True)
class Decision:
    """One finding and what the reviewer did with it."""

    form: str  # the form's id: forms are the unit of cross-validation
    check: str  # the finding's check code
    weight: float  # the row's weight
    cut: bool  # the reviewer cut the row for this flaw
    amount: float = 0.0  # points cut (weight − the reviewer's score) when cut
    facets: dict[str, Any] = field(default_factory=dict)
    group: str = ""  # who decided (an office, a reviewer, a source file), for disagreement warnings
    row: int | None = None  # the finding's indicator row, for the caller's bookkeeping
    suggested: float | None = None  # the base policy's suggested score here (for keeping its rule)


def decision_from_finding(form: str, finding: Finding, weight: float, accepted: bool,
                          score: float | None = None, group: str = "") -> Decision:
    """A reviewer's verdict on one suggested finding as a Decision: `accepted` the cut (at the
    suggested score, or at `score` when the reviewer wrote their own) or rejected it (kept
    the row). What a workbench records when a reviewer accepts or rejects a suggestion."""
    final = score if score is not None else (finding.suggested_score if accepted else weight)
    final = weight if final is None else final
    cut = accepted and final < weight - 1e-9
    return Decision(form=form, check=finding.check, weight=weight, cut=cut,
                    amount=round(weight - final, 4) if cut else 0.0, facets=dict(finding.facets),
                    group=group, row=finding.indicator.index if finding.indicator else None,
                    suggested=finding.suggested_score)


@dataclass
class Leaf:
    """The decision learned for rows of one check with one facet value (or all of them)."""

    rows: int
    cuts: int
    forms: int
    p_cut: float
    prior: float
    cut: bool
    mode: str = "none"  # none | fixed | percent | rule
    amount: float | None = None
    percent: float | None = None
    median_cut: float | None = None
    mae: float | None = None  # of the chosen amount on the cut rows

    def settings(self) -> dict[str, Any]:
        """These decisions as policy keys."""
        out: dict[str, Any] = {"deduct": self.mode if self.cut else "none"}
        if self.cut and self.mode == "fixed":
            out["amount"] = self.amount
        if self.cut and self.mode == "percent":
            out["percent"] = self.percent
        out["p_cut"] = round(self.p_cut, 3)
        out["rows"] = self.rows
        return out

    def note(self) -> str:
        median = "" if self.median_cut is None else f", median cut {self.median_cut:g}"
        return (f"{self.rows} rows on {self.forms} forms, cut {self.cuts}{median}; "
                f"p(cut) {self.p_cut:.2f} after shrinking toward {self.prior:.2f}")


@dataclass
class LearnedCheck:
    code: str
    check: Leaf
    facet: str | None = None  # the facet that splits the check, if any
    leaves: dict[str, Leaf] = field(default_factory=dict)  # by facet value (as text)
    values: dict[str, Any] = field(default_factory=dict)  # facet value as written → its typed value
    family: list[str] = field(default_factory=list)  # never seen: learned from these checks' rows

    def rules(self) -> list[tuple[str, Leaf]]:
        """Its `when` rules: one per value of the facet that splits the check (each with its
        own p_cut and rows, which its findings show as their confidence)."""
        return list(self.leaves.items())

    def overrides(self) -> dict[str, Any]:
        table = self.check.settings()
        rules = [{self.facet: self.values[v], **leaf.settings()} for v, leaf in self.rules()]
        if rules:
            table["when"] = rules
        return table


@dataclass
class Learned:
    """A calibration: per check what was learned, and the warnings it raised."""

    checks: dict[str, LearnedCheck] = field(default_factory=dict)
    forms: int = 0
    rows: int = 0
    sources: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept_default: dict[str, str] = field(default_factory=dict)  # code → why the default was kept

    def overrides(self) -> dict[str, Any]:
        """The learned settings as a policy dict to merge over the base (load_policy(overrides=…))."""
        return {"checks": {code: c.overrides() for code, c in self.checks.items() if code not in self.kept_default}}

    def policy(self, base: Policy | None = None) -> Policy:
        return load_policy(overrides=self.overrides()) if base is None else _over(base, self.overrides())

    def keep_default(self, code: str, why: str) -> None:
        self.kept_default[code] = why
        self.warnings.append(f"{code}: {why}; the default policy is kept for it")


def _over(base: Policy, overrides: dict) -> Policy:
    return build_policy(merge(base.model_dump(exclude_none=True), overrides))


def _key(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def prior_of(settings: CheckPolicy) -> float:
    """What the base policy believes before any decision: cut, report, or contested."""
    if settings.contested:
        return PRIORS["contested"]
    return PRIORS["report"] if settings.deduct == "none" else PRIORS["cut"]


def _family(code: str, base: Policy) -> tuple[str, float, bool]:
    """Checks a reviewer judges alike: the same reason category (reviewer.domain.reasons) and
    the same standing in the base policy (PF401 "有效" and PF405 "及时" are both an
    unquantified target)."""
    settings = base.for_check(code)
    return check_reason(code), prior_of(settings), base.cuts(settings)


def family_prior(code: str, by_check: dict[str, list[Decision]], base: Policy) -> float:
    """The prior of a check: its family's decisions on the other checks, shrunk toward the
    base policy's prior (the base prior alone when the family has no other rows)."""
    mine = _family(code, base)
    others = [d for other, rows in by_check.items() if other != code and _family(other, base) == mine for d in rows]
    return shrunk(*evidence(others), mine[1]) if others else mine[1]


def evidence(rows: Iterable[Decision]) -> tuple[float, float]:
    """(cuts, rows) counted by form: each form is one reviewer's look, worth one observation,
    its share of rows cut (two rows kept on one form are one form that kept them, not two
    forms' evidence)."""
    by_form: dict[str, list[bool]] = defaultdict(list)
    for d in rows:
        by_form[d.form].append(d.cut)
    return sum(sum(v) / len(v) for v in by_form.values()), float(len(by_form))


def shrunk(cuts: float, rows: float, prior: float, m: float = PRIOR_WEIGHT) -> float:
    """The Beta posterior mean of p(cut): `rows` observations, `cuts` of them cuts, a prior worth m."""
    return (cuts + m * prior) / (rows + m)


def below_half(cuts: float, rows: float, prior: float, m: float = PRIOR_WEIGHT) -> float:
    """P(p(cut) < 0.5) under the Beta posterior (cuts + m·prior, rows − cuts + m·(1 − prior))."""
    a, b = cuts + m * prior, rows - cuts + m * (1 - prior)
    steps = 400  # Simpson's rule on [0, 0.5] of the Beta density; plenty for a decision at SURE
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)

    def density(x: float) -> float:
        if x <= 0:
            return 0.0 if a > 1 else (math.inf if a < 1 else math.exp(log_norm))
        return math.exp(log_norm + (a - 1) * math.log(x) + (b - 1) * math.log(1 - x))

    h = 0.5 / steps
    xs = [i * h for i in range(steps + 1)]
    xs[0] = min(h / 1000, 1e-9) if a < 1 else 0.0  # an integrable spike at 0
    total = density(xs[0]) + density(0.5) + sum((4 if i % 2 else 2) * density(xs[i]) for i in range(1, steps))
    return min(max(total * h / 3, 0.0), 1.0)


def decide(cuts: float, rows: float, prior: float, prior_cut: bool) -> bool:
    """Cut or not: the level above's decision (`prior_cut`) stands unless the rows make the
    other side sure (posterior probability of it above SURE). Two forms that kept a check
    the default cuts (prior 0.8) are not enough to stop cutting it (P 0.67); three are (0.81)."""
    if prior_cut:
        return below_half(cuts, rows, prior) <= SURE
    return 1 - below_half(cuts, rows, prior) > SURE


def _amount(leaf: Leaf, cut_rows: list[Decision], base: CheckPolicy) -> None:
    """Learn how much is cut (mode and size) from the cut rows; sets leaf.mode and sizes."""
    if not leaf.cut:
        return
    if not cut_rows:  # cut by the prior alone: the base policy's amount
        leaf.mode = base.deduct if base.deduct != "none" else "fixed"
        leaf.amount = base.amount if leaf.mode == "fixed" else None
        leaf.percent = base.percent if leaf.mode == "percent" else None
        if leaf.mode == "fixed" and not leaf.amount:
            leaf.amount = 0.5
        return
    amount = statistics.median(d.amount for d in cut_rows)
    share = statistics.median(d.amount / d.weight for d in cut_rows if d.weight)
    errors = {
        "fixed": statistics.fmean(abs(min(amount, d.weight) - d.amount) for d in cut_rows),
        "percent": statistics.fmean(abs(d.weight * share - d.amount) for d in cut_rows),
    }
    if base.deduct == "rule" and all(d.suggested is not None for d in cut_rows):
        errors["rule"] = statistics.fmean(abs((d.weight - d.suggested) - d.amount) for d in cut_rows)
    order = ["rule", "fixed", "percent"]  # ties keep the base's rule, then the simpler mode
    leaf.mode = min(errors, key=lambda m: (round(errors[m], 6), order.index(m)))
    leaf.mae = round(errors[leaf.mode], 4)
    leaf.amount = round(amount, 2) if leaf.mode == "fixed" else None
    leaf.percent = round(share, 4) if leaf.mode == "percent" else None


def _leaf(rows: list[Decision], prior: float, prior_cut: bool, base: CheckPolicy) -> Leaf:
    cuts = [d for d in rows if d.cut]
    k, n = evidence(rows)
    leaf = Leaf(rows=len(rows), cuts=len(cuts), forms=int(n), p_cut=shrunk(k, n, prior), prior=prior,
                cut=decide(k, n, prior, prior_cut),
                median_cut=round(statistics.median(d.amount for d in cuts), 2) if cuts else None)
    _amount(leaf, cuts, base)
    return leaf


def _loo_score(rows: list[Decision], facet: str | None, prior: float, prior_cut: bool) -> tuple[int, float]:
    """(right decisions, −log loss) on each form's rows, learned from the other forms only."""
    by_form: dict[str, list[Decision]] = defaultdict(list)
    for d in rows:
        by_form[d.form].append(d)
    right, loglik = 0, 0.0
    for form, held_out in by_form.items():
        rest = [d for d in rows if d.form != form]
        k_c, n_c = evidence(rest)
        p_check, cut_check = shrunk(k_c, n_c, prior), decide(k_c, n_c, prior, prior_cut)
        leaves: dict[str, list[Decision]] = defaultdict(list)
        for d in rest:
            leaves[_key(d.facets.get(facet))].append(d)
        for d in held_out:
            if facet is None:
                p, cut = p_check, cut_check
            else:
                k, n = evidence(leaves.get(_key(d.facets.get(facet)), []))
                p, cut = shrunk(k, n, p_check), decide(k, n, p_check, cut_check)
            right += cut == d.cut
            loglik += math.log(max(p if d.cut else 1 - p, 1e-6))
    return right, loglik


def _best_facet(rows: list[Decision], prior: float, prior_cut: bool) -> str | None:
    """The facet whose leaves predict held-out forms better than the check alone; None if none does."""
    if len({d.form for d in rows}) < 2:
        return None
    names = sorted({k for d in rows for k in d.facets})
    best, best_score = None, _loo_score(rows, None, prior, prior_cut)
    for name in names:
        values = {_key(d.facets.get(name)) for d in rows}
        if len(values) < 2 or len(values) > max(2, len(rows) // 2):
            continue  # one value says nothing; one value per row is an identifier, not a grain
        score = _loo_score(rows, name, prior, prior_cut)
        if score[0] > best_score[0] or (best is not None and score > best_score):
            best, best_score = name, score  # a split must decide more held-out rows right
    return best


def calibrate_from_decisions(decisions: Iterable[Decision], base: Policy | None = None,
                             sources: list[str] | None = None) -> Learned:
    """Learn, per check code and facet value, whether the office cuts and how much, from
    (form, finding, cut/kept, amount) records. `base` is the policy the estimates back off
    to (the default policy when None). Checks never seen keep the base's settings."""
    base = base or load_policy()
    rows = list(decisions)
    by_check: dict[str, list[Decision]] = defaultdict(list)
    for d in rows:
        by_check[d.check].append(d)
    learned = Learned(forms=len({d.form for d in rows}), rows=len(rows), sources=list(sources or []))
    for code, mine in sorted(by_check.items()):
        settings = base.for_check(code)
        prior, prior_cut = family_prior(code, by_check, base), base.cuts(settings)
        check_leaf = _leaf(mine, prior, prior_cut, settings)
        result = LearnedCheck(code, check_leaf)
        facet = _best_facet(mine, prior, prior_cut)
        if facet is not None:
            result.facet = facet
            groups: dict[str, list[Decision]] = defaultdict(list)
            for d in mine:
                value = d.facets.get(facet)
                groups[_key(value)].append(d)
                result.values[_key(value)] = value
            for value, group in sorted(groups.items()):
                leaf = _leaf(group, check_leaf.p_cut, check_leaf.cut, settings)
                if leaf.cut and check_leaf.cut and leaf.cuts < MIN_OWN_AMOUNT:
                    leaf.mode, leaf.amount, leaf.percent = check_leaf.mode, check_leaf.amount, check_leaf.percent
                elif leaf.cut and not leaf.cuts:
                    _amount(leaf, [d for d in mine if d.cut], settings)
                result.leaves[value] = leaf
        learned.checks[code] = result
    _unseen_in_family(learned, by_check, base)
    learned.warnings += disagreeing_groups(rows)
    return learned


def _unseen_in_family(learned: Learned, by_check: dict[str, list[Decision]], base: Policy) -> None:
    """A check never seen firing follows its family when the family's decisions are sure to
    differ from the base's: an office that let "有效" stand five times lets "及时" stand too."""
    seen = {_family(code, base) for code in by_check}
    for code in all_checks():
        settings = base.for_check(code)
        if code in by_check or _family(code, base) not in seen or not settings.enabled:
            continue
        family = [other for other in by_check if _family(other, base) == _family(code, base)]
        others = [d for other in family for d in by_check[other]]
        (k, n), prior, base_cut = evidence(others), prior_of(settings), base.cuts(settings)
        if decide(k, n, prior, base_cut) == base_cut:
            continue
        leaf = Leaf(rows=0, cuts=0, forms=0, p_cut=shrunk(k, n, prior), prior=prior, cut=not base_cut)
        _amount(leaf, [d for d in others if d.cut], settings)
        learned.checks[code] = LearnedCheck(code, leaf, family=family)


def disagreeing_groups(decisions: list[Decision], min_rows: int = 3, gap: float = 0.5) -> list[str]:
    """Warnings for checks on which the decisions' groups (offices, files) disagree: one cuts
    most of its rows, another few (cut rates `gap` apart, each from `min_rows` rows or more).
    Calibrating on them together learns neither (a self-scoring unit that never cuts itself
    pooled with a reviewer who always cuts): calibrate each group on its own."""
    out = []
    by_check: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for d in decisions:
        by_check[d.check][d.group].append(d.cut)
    for code, groups in sorted(by_check.items()):
        rates = {g: (sum(v), len(v)) for g, v in groups.items() if len(v) >= min_rows}
        if len(rates) < 2:
            continue
        shares = {g: k / n for g, (k, n) in rates.items()}
        high, low = max(shares, key=shares.get), min(shares, key=shares.get)
        if shares[high] - shares[low] >= gap:
            out.append(f"{code}: the forms come from groups that disagree: {high or '?'} cut "
                       f"{rates[high][0]} of {rates[high][1]}, {low or '?'} cut {rates[low][0]} of "
                       f"{rates[low][1]}; calibrate each group on its own")
    return out


# --- the policy file ---------------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _table_lines(settings: dict[str, Any]) -> list[str]:
    return [f"{k} = {_toml(v)}" for k, v in settings.items()]


def policy_toml(learned: Learned) -> str:
    """The calibration as a policy file a reviewer can read and edit (`check --policy FILE`)."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [
        f"# Policy learned by `reviewer calibrate` {stamp}",
        f"# from {learned.forms} reviewed forms, {learned.rows} findings: " + ", ".join(learned.sources),
        "# Per check: does this office cut where the check fires, and how much? p_cut is the",
        f"# probability it cuts (Beta-shrunk toward the default policy, counted by form, prior worth {PRIOR_WEIGHT:g} forms),",
        "# rows how many findings it was learned from; findings show both as their confidence.",
        '# deduct = "none" (report only) | "fixed" (weight − amount) | "percent" (weight × (1 − percent))',
        '#        | "rule" (the check\'s own formula). A [[checks.CODE.when]] table applies its settings',
        "# to the findings whose facets match (`reviewer checks explain CODE` lists them); first match wins.",
        "# A check not listed keeps the default policy.",
        "",
    ]
    for warning in learned.warnings:
        lines.append(f"# WARNING {warning}")
    if learned.warnings:
        lines.append("")
    for code, c in learned.checks.items():
        if code in learned.kept_default:
            lines += [f"# [checks.{code}] kept as the default policy: {learned.kept_default[code]}",
                      f"# (learned: {c.check.note()})", ""]
            continue
        lines.append(f"[checks.{code}]")
        lines += _table_lines(c.check.settings())
        if c.family:
            lines.append(f"# never seen firing; follows its family {', '.join(c.family)} (same reason, same standing)")
        else:
            lines.append(f"# learned from {c.check.note()}")
        if c.facet is not None:
            lines.append(f"# decided by facet {c.facet}: " + "; ".join(
                f"{v}: {leaf.cuts}/{leaf.rows} cut" for v, leaf in c.leaves.items()))
        for value, leaf in c.rules():
            lines += ["", f"[[checks.{code}.when]]", f"{c.facet} = {_toml(c.values[value])}"]
            lines += _table_lines(leaf.settings())
            lines.append(f"# learned from {leaf.note()}")
        lines.append("")
    return "\n".join(lines)


def decision_table(learned: Learned) -> list[dict[str, Any]]:
    """One row per (check, facet value) learned: counts, p(cut), decision, amount."""
    out = []
    for code, c in learned.checks.items():
        items = [("(all)", c.check)] + [(f"{c.facet}={v}", leaf) for v, leaf in c.leaves.items()]
        for where, leaf in items:
            out.append({
                "check": code, "where": where, "rows": leaf.rows, "forms": leaf.forms, "cuts": leaf.cuts,
                "p_cut": round(leaf.p_cut, 3), "cut": leaf.cut, "mode": leaf.mode if leaf.cut else "none",
                "amount": leaf.amount, "percent": leaf.percent, "median_cut": leaf.median_cut,
                "kept_default": code in learned.kept_default,
            })
    return out
