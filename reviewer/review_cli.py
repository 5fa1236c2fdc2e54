"""`reviewer review PATH...`: findings, drafted comments and the overall 审核意见 per form.

Template drafts unless --llm is given and a model is configured; a model that fails
for a form leaves that form with template drafts and the reason, never a crash, and one
line on stderr says for how many forms and why.
Exit codes as for extract: 0 when a form was read, 2 when none or bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

from reviewer.checks import load_policy
from reviewer.commands import command, exit_code, print_errors, print_form_error
from reviewer.config import ConfigError, add_llm_arguments, settings_from_args
from reviewer.drafting.drafter import FormReview, review_forms_async
from reviewer.drafting.model_read import extract_with_model
from reviewer.drafting.opinion import DocxUnavailable, source_note, to_docx, to_html, to_markdown
from reviewer.domain.model import Extraction
from reviewer.llm import Client


def _review_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="form files or folders")
    p.add_argument("--llm", action="store_true", help="draft with the configured language model (else templates), "
                   "and send it what the readers cannot read (numbers written together)")
    p.add_argument("--blind", action="store_true", help="hide the form's own scores and remarks from checks and drafts")
    p.add_argument("--policy", metavar="FILE", help="scoring policy TOML (default: the built-in policy)")
    p.add_argument("--format", choices=["json", "md", "html", "docx"], default="md")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output (required for docx)")
    add_llm_arguments(p)


def review_document(extraction: Extraction, reviews: list[FormReview]) -> dict:
    """The JSON document: per form the check output plus the drafts."""
    forms = []
    for r in reviews:
        data = dict(r.checks)  # the check output for the form, as `reviewer check` gives it
        # the check output's own findings (indicator as {index, name}) stay as `reviewer check` writes them
        data.update(r.model_dump(mode="json", exclude={"checks", "findings"} if "findings" in data else {"checks"}))
        data["draft_label"] = r.label
        forms.append(data)
    return {
        "note": source_note(reviews),
        "forms": forms,
        "errors": [e.model_dump() for e in extraction.errors],
    }


def _load_policy(path: str | None):
    return None if path is None else load_policy(path)


async def _run(forms, *, settings, use_model: bool, policy, blind: bool) -> list[FormReview]:
    if not use_model:
        return await review_forms_async(forms, policy=policy, blind=blind, use_model=False)
    async with Client(settings) as client:
        return await review_forms_async(forms, client=client, policy=policy, blind=blind)


@command("review", _review_args)
def run_review(args: argparse.Namespace) -> int:
    """Draft review comments and the overall opinion for each form."""
    if args.format == "docx" and not args.out:
        print("reviewer: --format docx needs --out FILE", file=sys.stderr)
        return 2
    try:
        settings = settings_from_args(args)
        policy = _load_policy(args.policy)
    except (ConfigError, OSError, ValueError) as exc:
        print(f"reviewer: {exc}", file=sys.stderr)
        return 2
    if args.llm and not settings.configured:
        print("reviewer: no language model configured (REVIEWER_BASE_URL, REVIEWER_MODEL); writing template drafts",
              file=sys.stderr)
    extraction, notes = extract_with_model(args.paths, settings if args.llm else None)
    for note in notes:
        print(f"reviewer: {note}", file=sys.stderr)
    print_errors(extraction)
    reviews = asyncio.run(
        _run(extraction.forms, settings=settings, use_model=args.llm, policy=policy, blind=args.blind)
    )
    for form, review in zip(extraction.forms, reviews):
        if review.checks_error:
            print_form_error(form, review.checks_error)
    if args.llm and settings.configured:
        report_model_failures(reviews)
    try:
        output = render(extraction, reviews, args.format)
    except DocxUnavailable as exc:
        print(f"reviewer: {exc}", file=sys.stderr)
        return 2
    write(output, args.out)
    return exit_code(extraction)


REASON_WIDTH = 300


def report_model_failures(reviews: list[FormReview]) -> None:
    """One stderr line when the model failed for some forms: how many, and why (grouped)."""
    reasons = Counter(r.fallback_reason for r in reviews if r.draft_source == "template" and r.fallback_reason)
    if not reasons:
        return
    failed = sum(reasons.values())
    why = "; ".join(f"{_short(reason)} ({n} form{'s' if n > 1 else ''})" for reason, n in reasons.most_common())
    print(f"reviewer: the language model failed for {failed} of {len(reviews)} forms, which have template drafts: {why}",
          file=sys.stderr)


def _short(text: str) -> str:
    text = " ".join(text.split()).removeprefix("language model failed: ")
    return text if len(text) <= REASON_WIDTH else text[: REASON_WIDTH - 1] + "…"


def render(extraction: Extraction, reviews: list[FormReview], fmt: str) -> str | bytes:
    if fmt == "json":
        return json.dumps(review_document(extraction, reviews), ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return to_html(reviews)
    if fmt == "docx":
        return to_docx(reviews)
    return to_markdown(reviews)


def write(output: str | bytes, out: str | None) -> None:
    if out is None:
        sys.stdout.write(output if isinstance(output, str) else output.decode("utf-8"))
        return
    path = Path(out)
    if isinstance(output, bytes):
        path.write_bytes(output)
    else:
        path.write_text(output, encoding="utf-8")
