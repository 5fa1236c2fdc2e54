"""Drafting review comments and the overall 审核意见: a language model when configured,
jinja2 templates otherwise (or when the model fails).

Owns the prompt and its hashing (`prompts`), the form as the prompt shows it (`render`),
grounding of a model's reply (`grounding`), when to re-ask (`reask`), the template drafts
and the opinion documents. Reads the checks' `FormReport` and `Finding`s as they
are. May import reviewer.domain, reviewer.extract, reviewer.checks and the support layer
(reviewer.llm, reviewer.store, reviewer.config …); never the evaluation, the batch or the CLI.
"""

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
