"""Blinding: a form as if nobody had scored it yet.

Every human judgement on a form is removed: the indicator scores (自评分, 复核分, 折算得分)
and deviation remarks, the budget line's score, the declared totals, and an evaluation
report's 存在的问题 (the review itself). What the form says about the project stays. The
checks judge a blind form with `run_checks(..., blind=True)`, drafting with `--blind`, and
the evaluation only ever shows its pipeline blind forms.
"""

from __future__ import annotations

from reviewer.domain.model import Form


def blind(form: Form) -> Form:
    """A copy of the form with every human judgement removed; the original is untouched
    and shares nothing mutable with the copy."""
    copy = form.model_copy(deep=True)
    for row in copy.indicators + copy.performance_targets:
        row.score = row.review_score = row.weighted_score = None
        row.deviation = ""
    copy.funding.score = None
    copy.total_score = copy.review_total_score = None
    copy.problems = []
    return copy
