"""Comment agreement: drafted review comments against the human remarks.

A comment sits on a *place*: an indicator (its 0-based index, and its name when known)
or a form part ("form", "goal", "funding", "total", "problems"). A drafted comment
*hits* a human remark when they are on the same form and place, have the same reason
category, and their texts are similar (character-bigram Jaccard by default, or
difflib's ratio) at or above the threshold. When both name the indicator, the names must
agree too, so a comment moved to another form cannot hit by position alone.

Hit rate both ways: drafted comments that hit some human remark (precision-like), and
human remarks hit by some drafted comment (recall-like). The shuffled-forms baseline
moves every form's drafts onto another form (a fixed-seed derangement) and scores again;
a matcher that reads the form scores near zero there.
"""

from __future__ import annotations

import difflib
import random
import re
from collections.abc import Callable

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from reviewer.domain.reasons import remark_reason
from reviewer.evaluation.dataset import Dataset

FORM_PARTS = ("form", "goal", "funding", "total", "problems")
_DROP = re.compile(r"[\s\W_]+", flags=re.UNICODE)


class Comment(BaseModel):
    form_id: str
    place: int | str = Field(description="indicator index (0-based) or a form part")
    indicator_name: str | None = None
    reason: str
    text: str


def _norm(text: str) -> str:
    return _DROP.sub("", text or "")


def bigrams(text: str) -> set[str]:
    t = _norm(text)
    if len(t) < 2:
        return {t} if t else set()
    return {t[i : i + 2] for i in range(len(t) - 1)}


def bigram_jaccard(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    if not x and not y:
        return 0.0
    return len(x & y) / len(x | y)


def difflib_ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b), autojunk=False).ratio()


SIMILARITIES: dict[str, Callable[[str, str], float]] = {"bigram": bigram_jaccard, "difflib": difflib_ratio}


def human_comments(dataset: Dataset) -> list[Comment]:
    """The human remarks as comments: every cut indicator's remark, every report problem."""
    out = []
    for form in dataset.samples:
        for s in form.indicators:
            if s.human_cut and s.remark:
                out.append(
                    Comment(form_id=s.form_id, place=s.index, indicator_name=s.name, reason=s.reason or "other", text=s.remark)
                )
        for problem in form.problems:
            out.append(Comment(form_id=form.form_id, place="problems", reason=remark_reason(problem)[0], text=problem))
    return out


class Match(BaseModel):
    draft: int
    human: int
    similarity: float


class CommentAgreement(BaseModel):
    drafts: int
    humans: int
    draft_hit_rate: float | None
    human_hit_rate: float | None
    matches: list[Match] = Field(default_factory=list)


def _same_place(d: Comment, h: Comment) -> bool:
    if d.form_id != h.form_id or d.place != h.place:
        return False
    if isinstance(d.place, int) and d.indicator_name and h.indicator_name:
        return _norm(d.indicator_name) == _norm(h.indicator_name)
    return True


def match_comments(
    drafts: list[Comment], humans: list[Comment], threshold: float = 0.15, similarity: str = "bigram"
) -> CommentAgreement:
    sim = SIMILARITIES[similarity]
    matches = []
    for i, d in enumerate(drafts):
        for j, h in enumerate(humans):
            if _same_place(d, h) and d.reason == h.reason:
                s = sim(d.text, h.text)
                if s >= threshold:
                    matches.append(Match(draft=i, human=j, similarity=round(s, 4)))
    hit_d = {m.draft for m in matches}
    hit_h = {m.human for m in matches}
    return CommentAgreement(
        drafts=len(drafts),
        humans=len(humans),
        draft_hit_rate=len(hit_d) / len(drafts) if drafts else None,
        human_hit_rate=len(hit_h) / len(humans) if humans else None,
        matches=matches,
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


def shuffled_baseline(
    drafts: list[Comment], humans: list[Comment], seed: int = 0, **kwargs
) -> CommentAgreement | None:
    """The drafts attached to the wrong forms; None when drafts cover fewer than two forms."""
    forms = sorted({d.form_id for d in drafts} | {h.form_id for h in humans})
    if len(forms) < 2:
        return None
    moved = derangement(forms, seed)
    shuffled = [d.model_copy(update={"form_id": moved[d.form_id]}) for d in drafts]
    return match_comments(shuffled, humans, **kwargs)


class HitRates(TypedDict):
    draft_hit_rate: float | None
    human_hit_rate: float | None


class CommentAgreementSummary(HitRates):
    """Hit rates both ways, beside the shuffled-forms baseline's."""

    shuffled: HitRates | None
    drafts: int
    humans: int


def comment_agreement(drafts: list[Comment], humans: list[Comment], seed: int = 0, **kwargs) -> CommentAgreementSummary:
    real = match_comments(drafts, humans, **kwargs)
    shuffled = shuffled_baseline(drafts, humans, seed=seed, **kwargs)
    return {
        "draft_hit_rate": real.draft_hit_rate,
        "human_hit_rate": real.human_hit_rate,
        "shuffled": None
        if shuffled is None
        else {"draft_hit_rate": shuffled.draft_hit_rate, "human_hit_rate": shuffled.human_hit_rate},
        "drafts": real.drafts,
        "humans": real.humans,
    }
