"""When to re-ask the model, and what to say: as little as the reply needs.

A reply is accepted as it is when its grounded comments cover every finding that its
failing comments were about (the failing ones are then dropped, and the findings no
comment covers get their template comment). Otherwise the model is re-asked once, with a
short message naming only the failing comments that carry an otherwise uncovered finding
and why each failed (and the opinion's errors, if any); the other comments are to be
repeated unchanged. An ungrounded opinion alone is not re-asked: the template opinion,
built from the kept comments, replaces it. A second reply is accepted with whatever of it is grounded: a
second re-ask resends the whole form again and rarely fixes what the first did not.

`ReaskPolicy` is the `validate` callback of reviewer.llm's re-ask loop, one per call: it
counts the re-asks it has asked for. (The client also validates a cached reply with it
before asking: a cached reply that needs a re-ask uses up that one re-ask, so the
model's next reply is accepted with what of it is grounded. A reply accepted at the cap
is cached, but fails that check on a later run, which asks again: as a reply still
invalid after the re-asks, never cached, always did.)
"""

from __future__ import annotations

from reviewer.checks import Finding
from reviewer.drafting.comments import ModelComment, ReviewReply
from reviewer.drafting.grounding import Grounding

MAX_REASKS = 1
KEEP_THE_REST = ("the other comments were accepted: repeat them unchanged, and correct or remove only the comments "
                 "named above")


def covered(finding: Finding, comments: list[ModelComment]) -> bool:
    """A comment cites the finding's code, on the same indicator when it has one."""
    return any(
        finding.check in c.check_codes and (finding.row is None or c.indicator_index == finding.row)
        for c in comments
    )


def _where(comment: ModelComment) -> str:
    place = f"indicator [{comment.indicator_index}]" if comment.indicator_index is not None else comment.target
    codes = f", {', '.join(comment.check_codes)}" if comment.check_codes else ""
    return f"{place}{codes}"


class ReaskPolicy:
    def __init__(self, grounding: Grounding, max_reasks: int = MAX_REASKS) -> None:
        self.grounding = grounding
        self.findings = grounding.findings
        self.max_reasks = max_reasks
        self.reasks = 0  # re-asks asked for so far in this call

    def __call__(self, reply: ReviewReply) -> list[str]:
        """The errors to re-ask with; [] to accept the reply (its failing comments are dropped)."""
        if self.reasks >= self.max_reasks:
            return []
        errors = self.errors(reply)
        self.reasks += bool(errors)
        return errors

    def errors(self, reply: ReviewReply) -> list[str]:
        kept, _dropped = self.grounding.split(reply)
        errors = []
        uncovered = [f for f in self.findings if not covered(f, kept)]
        for i, comment in enumerate(reply.comments):
            if comment in kept or not any(covered(f, [comment]) for f in uncovered):
                continue
            failed = self.grounding.comment_errors(comment)
            errors.append(f"comments[{i}] ({_where(comment)}): {'; '.join(failed)}")
        if not errors:  # an ungrounded opinion alone is no reason to resend the form: the template's replaces it
            return []
        errors += [f"opinion: {e}" for e in self.grounding.opinion_errors(reply.opinion)]
        return errors + [KEEP_THE_REST]
