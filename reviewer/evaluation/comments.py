"""Comment agreement: drafted review comments against the human remarks, by substance.

A comment sits on a *place*: an indicator (its 0-based index, and its name when known)
or a form part ("form", "goal", "funding", "total", "problems"). A drafted comment
*names the same flaw* as a human remark when

- they are on the same form and place (an indicator row, its names agreeing when both
  name it, so a comment moved to another form cannot hit by position alone; a human
  remark on a form part, e.g. a report's 存在的问题, is met by a draft on any form part);
- the remark's reason category (reviewer.domain.reasons) is among the flaws the draft
  names (a comment that merges several findings names several);
- for a cut, the draft does not point the other way (say the score should stand).

Wording plays no part in this primary measure: a model that says "年度指标值为“及时”，
不是日期或时限" names the same flaw as a reviewer who wrote "指标值设置不合理". Wording is
kept as a secondary figure, the *containment* of the remark's character bigrams in the
draft's text and suggestion (so a longer or merged comment is not punished for its length).

Hit rates both ways: human remarks whose flaw some drafted comment names (recall-like),
and drafted comments that name a human remark's flaw (precision-like). The human review
speaks through its remarks on cut rows (and a report's 存在的问题), so the precision side
judges only the drafts that claim a problem where such a remark could be: not notes
(severity info), and not drafts on form parts of a form with no form-part remarks (they
are counted as `unjudged`). Both ways per reason
category; with 95% bootstrap intervals (forms resampled) and the shuffled-forms baseline,
which moves every form's drafts onto another form (a fixed-seed derangement) and scores
again: a measure that reads the form scores near zero there.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from reviewer.domain.reasons import remark_reason
from reviewer.evaluation.dataset import Dataset

FORM_PARTS = ("form", "goal", "funding", "total", "problems")
Direction = Literal["cut", "keep"]
_DROP = re.compile(r"[\s\W_]+", flags=re.UNICODE)
BOOTSTRAP_DRAWS = 1000


class Comment(BaseModel):
    form_id: str
    place: int | str = Field(description="indicator index (0-based) or a form part")
    indicator_name: str | None = None
    reason: str
    reasons: list[str] = Field(default_factory=list, description="further flaws the comment names, besides reason")
    direction: Direction | None = Field(None, description="cut: a deduction; keep: the score should stand; None: not said")
    note: bool = Field(False, description="an informational note (severity info): it claims no problem to cut for")
    text: str
    suggestion: str = ""

    @property
    def flaws(self) -> set[str]:
        return {self.reason, *self.reasons}


def _norm(text: str) -> str:
    return _DROP.sub("", text or "")


def bigrams(text: str) -> set[str]:
    """Character bigrams within each clause (none across punctuation or spaces)."""
    grams: set[str] = set()
    for clause in _DROP.split(text or ""):
        if len(clause) == 1:
            grams.add(clause)
        grams.update(clause[i : i + 2] for i in range(len(clause) - 1))
    return grams


def containment(remark: str, draft: str) -> float:
    """Share of the remark's character bigrams found in the draft (0 for an empty remark)."""
    grams = bigrams(remark)
    return len(grams & bigrams(draft)) / len(grams) if grams else 0.0


def human_comments(dataset: Dataset) -> list[Comment]:
    """The human remarks as comments: every cut indicator's remark, every report problem."""
    out = []
    for form in dataset.samples:
        for s in form.indicators:
            if s.human_cut and s.remark:
                out.append(Comment(form_id=s.form_id, place=s.index, indicator_name=s.name,
                                   reason=s.reason or "other", direction="cut", text=s.remark))
        for problem in form.problems:
            out.append(Comment(form_id=form.form_id, place="problems", reason=remark_reason(problem)[0], text=problem))
    return out


def same_place(d: Comment, h: Comment) -> bool:
    if d.form_id != h.form_id:
        return False
    if isinstance(h.place, str):  # a remark on a form part: any draft on a form part
        return isinstance(d.place, str)
    if d.place != h.place:
        return False
    if d.indicator_name and h.indicator_name:
        return _norm(d.indicator_name) == _norm(h.indicator_name)
    return True


def same_flaw(d: Comment, h: Comment) -> bool:
    """The draft names the remark's flaw, on its place, not pointing the other way."""
    if not same_place(d, h) or h.reason not in d.flaws:
        return False
    return not (h.direction == "cut" and d.direction == "keep")


class Match(BaseModel):
    draft: int
    human: int
    containment: float  # of the remark's wording in the draft's text and suggestion


class CommentAgreement(BaseModel):
    drafts: int
    humans: int
    draft_hit_rate: float | None
    human_hit_rate: float | None
    wording: float | None = None  # mean over remarks of the best containment on their place
    matches: list[Match] = Field(default_factory=list)
    draft_hits: list[bool] = Field(default_factory=list)
    human_hits: list[bool] = Field(default_factory=list)


def _rate(hits: list[bool]) -> float | None:
    return sum(hits) / len(hits) if hits else None


def match_comments(drafts: list[Comment], humans: list[Comment]) -> CommentAgreement:
    matches = []
    wording = []
    for j, h in enumerate(humans):
        best = 0.0
        for i, d in enumerate(drafts):
            if not same_place(d, h):
                continue
            share = containment(h.text, f"{d.text}\n{d.suggestion}")
            best = max(best, share)
            if same_flaw(d, h):
                matches.append(Match(draft=i, human=j, containment=round(share, 4)))
        wording.append(best)
    hit_d = {m.draft for m in matches}
    hit_h = {m.human for m in matches}
    draft_hits = [i in hit_d for i in range(len(drafts))]
    human_hits = [j in hit_h for j in range(len(humans))]
    return CommentAgreement(
        drafts=len(drafts),
        humans=len(humans),
        draft_hit_rate=_rate(draft_hits),
        human_hit_rate=_rate(human_hits),
        wording=sum(wording) / len(wording) if wording else None,
        matches=matches,
        draft_hits=draft_hits,
        human_hits=human_hits,
    )


def derangement(items: list[str], seed: int = 0) -> dict[str, str]:
    """A fixed-seed permutation of the items with no fixed point (needs ≥ 2 items)."""
    if len(items) < 2:
        raise ValueError("a shuffled-forms baseline needs drafts on at least two forms")
    rng = random.Random(seed)
    order = sorted(items)
    rng.shuffle(order)
    # A cyclic shift of a random order has no fixed point.
    return {order[i]: order[(i + 1) % len(order)] for i in range(len(order))}


def shuffled_baseline(drafts: list[Comment], humans: list[Comment], seed: int = 0) -> CommentAgreement | None:
    """The drafts attached to the wrong forms; None when drafts cover fewer than two forms."""
    forms = sorted({d.form_id for d in drafts} | {h.form_id for h in humans})
    if len(forms) < 2:
        return None
    moved = derangement(forms, seed)
    shuffled = [d.model_copy(update={"form_id": moved[d.form_id]}) for d in drafts]
    return match_comments(shuffled, humans)


def bootstrap_rate(
    forms: list[str], hits: list[bool], draws: int = BOOTSTRAP_DRAWS, seed: int = 0, level: float = 0.95
) -> list[float] | None:
    """Percentile interval of a hit rate, resampling forms with replacement (forms[i] owns hits[i])."""
    if not hits or draws <= 0:
        return None
    per_form: dict[str, list[int]] = {}
    for form, hit in zip(forms, hits):
        n = per_form.setdefault(form, [0, 0])
        n[0] += hit
        n[1] += 1
    ids = sorted(per_form)
    rng = random.Random(seed)
    rates = []
    for _ in range(draws):
        picked = [per_form[rng.choice(ids)] for _ in ids]
        total = sum(n for _, n in picked)
        if total:
            rates.append(sum(h for h, _ in picked) / total)
    rates.sort()
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return [rates[int(lo * (len(rates) - 1))], rates[int(round(hi * (len(rates) - 1)))]] if rates else None


class HitRates(TypedDict):
    draft_hit_rate: float | None
    human_hit_rate: float | None


class ReasonFigures(TypedDict):
    humans: int
    human_hit_rate: float | None
    drafts: int
    draft_hit_rate: float | None


class CommentAgreementSummary(HitRates):
    """Substance hit rates both ways with intervals, beside the shuffled-forms baseline's;
    per reason category; the wording containment as a secondary figure."""

    ci95: dict[str, list[float] | None]
    shuffled: HitRates | None
    per_reason: dict[str, ReasonFigures]
    wording: float | None
    shuffled_wording: float | None
    drafts: int  # judged drafts (see judged_drafts)
    unjudged: int
    humans: int


def _by_reason(comments: list[Comment], hits: list[bool], reason_of: Callable[[Comment], str]) -> dict[str, tuple[int, float | None]]:
    groups: dict[str, list[bool]] = {}
    for c, hit in zip(comments, hits):
        groups.setdefault(reason_of(c), []).append(hit)
    return {reason: (len(g), _rate(g)) for reason, g in groups.items()}


def per_reason(drafts: list[Comment], humans: list[Comment], result: CommentAgreement) -> dict[str, ReasonFigures]:
    """Remarks by their reason; drafts by their primary reason."""
    h = _by_reason(humans, result.human_hits, lambda c: c.reason)
    d = _by_reason(drafts, result.draft_hits, lambda c: c.reason)
    out: dict[str, ReasonFigures] = {}
    for reason in sorted(set(h) | set(d)):
        nh, rh = h.get(reason, (0, None))
        nd, rd = d.get(reason, (0, None))
        out[reason] = {"humans": nh, "human_hit_rate": rh, "drafts": nd, "draft_hit_rate": rd}
    return out


def _rates(result: CommentAgreement | None) -> HitRates | None:
    if result is None:
        return None
    return {"draft_hit_rate": result.draft_hit_rate, "human_hit_rate": result.human_hit_rate}


def judged_drafts(drafts: list[Comment], humans: list[Comment]) -> list[Comment]:
    """The drafts the human review can confirm or not: problems on rows, or on form parts
    of forms whose review remarks on form parts."""
    part_forms = {h.form_id for h in humans if isinstance(h.place, str)}
    return [d for d in drafts if not d.note and (isinstance(d.place, int) or d.form_id in part_forms)]


def comment_agreement(
    drafts: list[Comment], humans: list[Comment], seed: int = 0, draws: int = BOOTSTRAP_DRAWS
) -> CommentAgreementSummary:
    judged = judged_drafts(drafts, humans)
    real = match_comments(judged, humans)
    shuffled = shuffled_baseline(judged, humans, seed=seed)
    return {
        "draft_hit_rate": real.draft_hit_rate,
        "human_hit_rate": real.human_hit_rate,
        "ci95": {
            "draft_hit_rate": bootstrap_rate(_forms(judged), real.draft_hits, draws, seed),
            "human_hit_rate": bootstrap_rate(_forms(humans), real.human_hits, draws, seed),
        },
        "shuffled": _rates(shuffled),
        "per_reason": per_reason(judged, humans, real),
        "wording": real.wording,
        "shuffled_wording": shuffled.wording if shuffled is not None else None,
        "drafts": real.drafts,
        "unjudged": len(drafts) - len(judged),
        "humans": real.humans,
    }


def _forms(comments: Iterable[Comment]) -> list[str]:
    return [c.form_id for c in comments]
