"""Grounding: a model comment may state only what the form and the findings support.

- every evidence quote occurs within one field of the form (NFKC, whitespace removed);
- every number in a comment's text and evidence, and in the opinion, occurs in the form
  or in the findings as rendered in the prompt (compared by value: "99.0" is "99");
- every indicator index exists, and an indicator comment names one;
- every related check code is a code of this form's findings.

A suggestion's numbers are exempt: proposing "≥90%" is its purpose.
"""

from __future__ import annotations

import re
import unicodedata

from reviewer.drafting.comments import DroppedComment, ModelComment, ReviewReply
from reviewer.checks import FormReport
from reviewer.drafting.render import fmt_number, render_findings, render_form
from reviewer.domain.model import Form

_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MIN_QUOTE_CHARS = 2


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def numbers_in(text: str) -> set[float]:
    return _numbers_in_normalised(unicodedata.normalize("NFKC", text or ""))


def _numbers_in_normalised(text: str) -> set[float]:
    text = _THOUSANDS.sub("", text)
    return {round(float(n), 6) for n in _NUMBER.findall(text)}


def form_fields(form: Form) -> list[str]:
    """Every text the form shows, one entry per cell, as the model saw it and as written."""
    f = form.funding
    fields = [form.name, form.code, form.unit, form.department, str(form.year or ""), form.goal.planned, form.goal.actual]
    fields += [fmt_number(v) for v in (f.initial_budget, f.annual_budget, f.executed, f.weight, f.execution_rate, f.score)]
    for ind in form.indicators + form.performance_targets:
        fields += [ind.level1, ind.level2, ind.name, ind.target, ind.actual, ind.deviation]
        fields += [fmt_number(ind.weight), fmt_number(ind.score)]
    fields += form.problems
    fields += [fmt_number(form.total_weight), fmt_number(form.total_score)]
    return [t for t in fields if t]


class Grounding:
    """What one form's comments may quote, number and refer to."""

    def __init__(
        self, form: Form, report: FormReport, *, form_text: str | None = None, findings_text: str | None = None
    ) -> None:
        """form_text and findings_text: render_form(form) and render_findings(report, form),
        when the caller has them already (the prompt is built from the same texts)."""
        self.form = form
        fields = form_fields(form)
        joined = "\0".join(fields)
        if joined.count("\0") == len(fields) - 1:
            # all the fields NFKC-normalised at once: NUL is a starter that NFKC keeps and \s
            # does not match, so it keeps them apart (a field holding NUL takes the slow path)
            nfkc = unicodedata.normalize("NFKC", joined)
            self.fields = re.sub(r"\s+", "", nfkc).split("\0") if fields else []
        else:
            nfkc = unicodedata.normalize("NFKC", "\n".join(fields))
            self.fields = [normalise(t) for t in fields]
        # The rendered texts are what the model was shown; the raw fields cover quoting as written.
        if form_text is None:
            form_text = render_form(form)
        if findings_text is None:
            findings_text = render_findings(report, form)
        # one pass over all the texts (NFKC is idempotent; a line break never joins or splits a number)
        shown = unicodedata.normalize("NFKC", f"{form_text}\n{findings_text}")
        self.numbers = _numbers_in_normalised(f"{shown}\n{nfkc.replace(chr(0), chr(10))}")
        self.codes = {f.check for f in report.findings}
        self.indicator_count = len(form.indicators)

    def quote_errors(self, quote: str) -> list[str]:
        q = normalise(quote)
        if len(q) < MIN_QUOTE_CHARS:
            return [f"evidence “{quote}” is too short to be a quote"]
        if not any(q in field for field in self.fields):
            return [f"evidence “{quote}” does not occur in the form (quote one cell verbatim)"]
        return []

    def number_errors(self, text: str, where: str) -> list[str]:
        unknown = sorted(n for n in numbers_in(text) if n not in self.numbers)
        if not unknown:
            return []
        shown = ", ".join(fmt_number(n) for n in unknown)
        return [f"{where} contains numbers not in the form or the findings: {shown}"]

    def comment_errors(self, comment: ModelComment) -> list[str]:
        errors: list[str] = []
        index = comment.indicator_index
        if comment.target == "indicator" and index is None:
            errors.append("target is indicator but indicator_index is missing")
        if index is not None and not 0 <= index < self.indicator_count:
            errors.append(f"indicator_index {index} does not exist (the form has indicators [0]..[{self.indicator_count - 1}])")
        if not comment.text.strip():
            errors.append("text is empty")
        for quote in comment.evidence:
            errors += self.quote_errors(quote)
        errors += self.number_errors(comment.text, "text")
        for quote in comment.evidence:
            errors += self.number_errors(quote, "evidence")
        for code in comment.check_codes:
            if code not in self.codes:
                errors.append(f"check code {code} is not among this form's findings")
        return errors

    def opinion_errors(self, opinion: str) -> list[str]:
        if not opinion.strip():
            return ["opinion is empty"]
        return self.number_errors(opinion, "opinion")

    def reply_errors(self, reply: ReviewReply) -> list[str]:
        """All errors, each naming its comment, for the re-ask."""
        errors = [f"opinion: {e}" for e in self.opinion_errors(reply.opinion)]
        for i, comment in enumerate(reply.comments):
            errors += [f"comments[{i}]: {e}" for e in self.comment_errors(comment)]
        return errors

    def split(self, reply: ReviewReply) -> tuple[list[ModelComment], list[DroppedComment]]:
        """(grounded comments, dropped comments with their errors)."""
        kept, dropped = [], []
        for comment in reply.comments:
            errors = self.comment_errors(comment)
            if errors:
                dropped.append(DroppedComment(comment=comment, errors=errors))
            else:
                kept.append(comment)
        return kept, dropped
