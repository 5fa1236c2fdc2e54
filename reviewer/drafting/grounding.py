"""Grounding: a model comment may state only what the form and the findings support.

- every evidence quote maps to one cell of the form (NFKC, whitespace removed): its
  value as shown or as written, the value with its label as the prompt shows it
  ("年初预算数 65100" → funding.initial_budget), or a number in the form's formatting
  ("4,758,842.30元" → the cell holding 4758842.3); the cell's place is kept with the
  comment (`evidence_fields`);
- a quote of a mark (a hidden or an empty cell, or the bare "—" older prompts showed)
  is rejected with why: it quotes no content;
- in blind mode, a comment that speaks of the hidden cells as unfilled ("得分未填写")
  is rejected: they were hidden on purpose (`DroppedComment.hidden`); an opinion that
  does is replaced by the template opinion;
- every number in a comment's text and evidence, and in the opinion, occurs in the form
  or in the findings as rendered in the prompt (compared by value: "99.0" is "99");
- every indicator index exists, and an indicator comment names one;
- every related check code is a code of this form's findings.

A suggestion's numbers are exempt: proposing "≥90%" is its purpose.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from reviewer.checks import FormReport
from reviewer.domain.model import Form
from reviewer.drafting.comments import DroppedComment, ModelComment, ReviewReply
from reviewer.drafting.render import EMPTY, HIDDEN, ShownField, fmt_number, render_findings, render_form, shown_fields

_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A quote that is one number, as a form may format it: thousands separators, a unit.
_NUMBER_QUOTE = re.compile(r"^(\d+(?:\.\d+)?)(%|元|分)?$")
# What older prompts showed for a cell without content; never content itself.
LEGACY_MARKS = ("—", "－", "-", "（未填写）")
MIN_QUOTE_CHARS = 2
# Blind mode: the hidden cells spoken of as left unfilled.
_HIDDEN_WHAT = r"(?:(?<!建议)得分|总分|自评分|分数|偏差原因|改进措施)"
_UNFILLED = r"(?:未填|没有填|漏填|空白|为空|缺失|未作说明|未说明|均未|未打分|未评分)"
_HIDDEN_CLAIM = re.compile(
    rf"{_HIDDEN_WHAT}[^，,。；;！？]{{0,12}}?{_UNFILLED}|(?:未填写?|未填报|漏填|没有填写?)[^，,。；;！？]{{0,6}}?{_HIDDEN_WHAT}"
)


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def numbers_in(text: str) -> set[float]:
    return _numbers_in_normalised(unicodedata.normalize("NFKC", text or ""))


def _numbers_in_normalised(text: str) -> set[float]:
    text = _THOUSANDS.sub("", text)
    return {round(float(n), 6) for n in _NUMBER.findall(text)}


def _number_of(quote: str) -> tuple[float, str] | None:
    """(value, unit) when the normalised quote is one number, else None."""
    match = _NUMBER_QUOTE.match(_THOUSANDS.sub("", quote))
    return (round(float(match.group(1)), 6), match.group(2) or "") if match else None


@dataclass(frozen=True)
class Cell:
    """A shown field, normalised for matching quotes."""

    field: ShownField
    values: tuple[str, ...]  # the value as shown and as written
    labelled: tuple[str, ...]  # label and value as the prompt shows them ("年初预算数65100", "项目名称:…")
    label: str

    @classmethod
    def of(cls, field: ShownField) -> Cell:
        values = tuple(dict.fromkeys(v for v in (normalise(field.value), normalise(field.written)) if v))
        label = normalise(field.label)
        shown = values[0] if values and label else ""
        return cls(field, values, (label + shown, f"{label}:{shown}") if shown else (), label)

    def holds(self, q: str) -> bool:
        """The quote is within the value, or the label with the value, overlapping the value."""
        if any(q in v for v in self.values):
            return True
        return any(q in text for text in self.labelled) and q not in f"{self.label}:"


def marks_quoted(q: str, cells: list[Cell]) -> ShownField | None:
    """The cell whose mark the normalised quote quotes (longest label first), a stand-in
    for a bare mark, or None when the quote holds no mark."""
    for cell in sorted((c for c in cells if c.field.placeholder and c.label), key=lambda c: -len(c.label)):
        if any(cell.label + normalise(mark) in q for mark in (cell.field.value, *LEGACY_MARKS)):
            return cell.field
    if normalise(HIDDEN) in q:
        return ShownField("", "", HIDDEN)
    if normalise(EMPTY) in q or not q.strip("".join(LEGACY_MARKS)):
        return ShownField("", "", EMPTY)
    return None


@dataclass
class QuoteCheck:
    field: str | None  # the place of the cell the quote maps to
    errors: list[str]
    hidden: bool = False  # the quote is of a cell hidden on purpose


class Grounding:
    """What one form's comments may quote, number and refer to."""

    def __init__(
        self, form: Form, report: FormReport, *, form_text: str | None = None, findings_text: str | None = None
    ) -> None:
        """form_text and findings_text: render_form(form, hidden=report.blind) and
        render_findings(report, form), when the caller has them already (the prompt is
        built from the same texts)."""
        self.form = form
        self.blind = report.blind
        self.cells = [Cell.of(f) for f in shown_fields(form, hidden=report.blind)]
        self.content = [c for c in self.cells if not c.field.placeholder]
        self.fields = [v for c in self.content for v in c.values]  # every quotable value, normalised
        if form_text is None:
            form_text = render_form(form, hidden=report.blind)
        if findings_text is None:
            findings_text = render_findings(report, form)
        written = "\n".join(c.field.written for c in self.content if c.field.written)
        # the rendered texts are what the model was shown; the written cells cover quoting as written
        self.numbers = numbers_in(f"{form_text}\n{findings_text}\n{written}")
        self.findings = report.findings
        self.codes = {f.check for f in report.findings}
        self.indicator_count = len(form.indicators)

    def check_quote(self, quote: str) -> QuoteCheck:
        q = normalise(quote)
        if len(q) < MIN_QUOTE_CHARS:
            return QuoteCheck(None, [f"evidence “{quote}” is too short to be a quote"])
        marked = marks_quoted(q, self.cells)
        if marked is not None and marked.hidden:
            where = f" ({marked.label})" if marked.label else ""
            return QuoteCheck(marked.path or None, [
                f"evidence “{quote}” quotes a hidden cell{where}: scores, remarks and the total are hidden on purpose "
                "in blind review, not left unfilled; do not quote or comment on them"], hidden=True)
        if marked is not None:
            where = f" ({marked.label})" if marked.label else ""
            return QuoteCheck(marked.path or None, [
                f"evidence “{quote}” quotes the mark of an empty cell{where}, not content: quote what the form "
                "says, or say in text that the cell is empty"])
        for cell in self.content:
            if cell.holds(q):
                return QuoteCheck(cell.field.path, [])
        number = _number_of(q)
        if number is not None:
            for cell in self.content:
                shown = _number_of(cell.values[0]) if cell.values else None
                # the same value, with the cell's unit, or 元 / 分 on a cell the prompt shows without one
                if shown is not None and shown[0] == number[0] and (number[1] in ("", shown[1]) or not shown[1]):
                    return QuoteCheck(cell.field.path, [])
        return QuoteCheck(None, [f"evidence “{quote}” does not occur in the form (quote one cell verbatim)"])

    def quote_errors(self, quote: str) -> list[str]:
        return self.check_quote(quote).errors

    def evidence_fields(self, comment: ModelComment) -> list[str]:
        """The place in the form of each (accepted) quote of the comment."""
        return [self.check_quote(q).field or "" for q in comment.evidence]

    def hidden_claims(self, text: str, where: str = "text") -> list[str]:
        """Blind mode: errors for a text that speaks of hidden cells as unfilled."""
        if not self.blind:
            return []
        match = _HIDDEN_CLAIM.search(normalise(text))
        if not match:
            return []
        return [f"{where} says “{match.group(0)}”: scores, remarks and the total are hidden on purpose in blind review, "
                "not left unfilled; do not comment on them"]

    def number_errors(self, text: str, where: str) -> list[str]:
        unknown = sorted(n for n in numbers_in(text) if n not in self.numbers)
        if not unknown:
            return []
        shown = ", ".join(fmt_number(n) for n in unknown)
        return [f"{where} contains numbers not in the form or the findings: {shown}"]

    def check_comment(self, comment: ModelComment) -> tuple[list[str], bool]:
        """(errors, whether it was rejected for speaking of hidden content)."""
        errors: list[str] = []
        index = comment.indicator_index
        if comment.target == "indicator" and index is None:
            errors.append("target is indicator but indicator_index is missing")
        if index is not None and not 0 <= index < self.indicator_count:
            errors.append(f"indicator_index {index} does not exist (the form has indicators [0]..[{self.indicator_count - 1}])")
        if not comment.text.strip():
            errors.append("text is empty")
        quotes = [self.check_quote(q) for q in comment.evidence]
        claims = self.hidden_claims(comment.text)
        hidden = bool(claims) or any(q.hidden for q in quotes)
        errors += claims
        for check in quotes:
            errors += check.errors
        errors += self.number_errors(comment.text, "text")
        for quote in comment.evidence:
            errors += self.number_errors(quote, "evidence")
        for code in comment.check_codes:
            if code not in self.codes:
                errors.append(f"check code {code} is not among this form's findings")
        return errors, hidden

    def comment_errors(self, comment: ModelComment) -> list[str]:
        return self.check_comment(comment)[0]

    def opinion_errors(self, opinion: str) -> list[str]:
        if not opinion.strip():
            return ["opinion is empty"]
        return self.hidden_claims(opinion, "opinion") + self.number_errors(opinion, "opinion")

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
            errors, hidden = self.check_comment(comment)
            if errors:
                dropped.append(DroppedComment(comment=comment, errors=errors, hidden=hidden))
            else:
                kept.append(comment)
        return kept, dropped
