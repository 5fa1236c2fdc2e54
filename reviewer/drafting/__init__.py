"""Drafting review comments and the overall 审核意见: a language model when configured,
jinja2 templates otherwise (or when the model fails)."""

from reviewer.drafting.comments import DraftComment, DroppedComment, ModelComment, ReviewReply
from reviewer.drafting.drafter import (
    FormReview,
    ModelCall,
    eval_comments,
    review_form,
    review_form_async,
    review_forms_async,
)

__all__ = [
    "DraftComment",
    "DroppedComment",
    "FormReview",
    "ModelCall",
    "ModelComment",
    "ReviewReply",
    "eval_comments",
    "review_form",
    "review_form_async",
    "review_forms_async",
]
