"""Drafted review comments: the model's structured reply and the comments a review shows.

`ReviewReply` is what the language model must return (its JSON schema is sent with the
request). `DraftComment` is a comment as shown to the reviewer, from the model or from
the templates (`source`); `DroppedComment` is a model comment that failed grounding,
kept in the output only as a record of what was dropped and why, never as a finding.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Target = Literal["goal", "indicator", "funding", "deviation", "form"]
Category = Literal["goal_outcome", "indicator_quality", "scoring", "deviation_reason", "funding"]
Severity = Literal["error", "warning", "info"]
DraftSource = Literal["llm", "template"]

# The form part each target belongs to, as a reviewer's 审核意见 groups them.
PART_OF_TARGET: dict[str, str] = {
    "funding": "资金",
    "goal": "目标",
    "indicator": "指标",
    "deviation": "偏差说明",
    "form": "总体",
}
PARTS = ("资金", "目标", "指标", "偏差说明", "总体")
CATEGORY_LABEL: dict[str, str] = {
    "goal_outcome": "目标与完成一致性",
    "indicator_quality": "指标质量",
    "scoring": "评分",
    "deviation_reason": "偏差原因",
    "funding": "资金",
}


class ModelComment(BaseModel):
    """One comment as the model writes it."""

    target: Target = Field(description="goal / indicator / funding / deviation / form")
    indicator_index: int | None = Field(None, description="the [n] of the indicator; required when target is indicator")
    category: Category
    severity: Severity = "warning"
    text: str = Field(description="the review comment, Chinese, ready for the reviewer")
    suggestion: str = Field("", description="what the unit should change, Chinese")
    evidence: list[str] = Field(default_factory=list, description="verbatim quotes from inside <form>")
    check_codes: list[str] = Field(default_factory=list, description="codes of the findings this comment rests on")


class ReviewReply(BaseModel):
    """The model's whole reply for one form."""

    comments: list[ModelComment] = Field(default_factory=list)
    opinion: str = Field(description="the overall 审核意见 paragraph, Chinese")


class DraftComment(ModelComment):
    """A comment in the review output."""

    source: DraftSource
    indicator_name: str | None = None
    # The reason category (reviewer.domain.reasons.REASONS) of the finding it rests on, where known.
    reason: str | None = None
    suggested_score: float | None = None  # from the deterministic finding, never from the model
    # where each evidence quote is in the form ("funding.initial_budget", "indicators[3].target")
    evidence_fields: list[str] = Field(default_factory=list)

    @property
    def part(self) -> str:
        return PART_OF_TARGET.get(self.target, "总体")


class DroppedComment(BaseModel):
    comment: ModelComment
    errors: list[str]
    # rejected for commenting on what the prompt hides on purpose (blind mode): a false
    # comment kept out, not a valid one lost
    hidden: bool = False
