"""`reviewer batch INPUT... --out DIR`: review every form in folders and zips, resumably."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewer.batch import BatchOptions, run_batch
from reviewer.batch.lock import FolderError
from reviewer.commands import command
from reviewer.config import ConfigError, add_llm_arguments, settings_from_args


def _batch_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="form files, folders or zips (.txt .tsv .csv .docx .xlsx .xls .html .mht .pdf .json .zip)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder; running again with it resumes")
    p.add_argument("--llm", action="store_true", help="draft comments with the configured language model")
    p.add_argument("--concurrency", type=int, default=4, metavar="N", help="model requests in flight (default 4)")
    p.add_argument("--policy", metavar="FILE", help="deduction policy TOML merged over the default")
    p.add_argument("--docx", action="store_true", help="also write each opinion as .docx")
    p.add_argument("--workers", type=int, metavar="N", help="processes for the work without a model (default: one per CPU)")
    p.add_argument("--prune", action="store_true",
                   help="remove the opinion files of forms not in this run (else they are kept and listed)")
    p.add_argument("--retry-failed", action="store_true",
                   help="ask the model again for forms whose call failed in an earlier run (else they are done)")
    p.add_argument("--batch-api", action="store_true", help="send the model requests through the OpenAI Batch API")
    p.add_argument("--poll-interval", type=float, default=30.0, metavar="SECONDS", help="Batch API status checks")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")  # fmt: skip
    add_llm_arguments(p)


@command("batch", _batch_args)
def run_batch_command(args: argparse.Namespace) -> int:
    """Review a year's submissions: summary.xlsx, index.html, one opinion per form; resumable."""
    if args.concurrency < 1:
        print("reviewer: --concurrency must be at least 1", file=sys.stderr)
        return 2
    if args.batch_api and not args.llm:
        print("reviewer: --batch-api needs --llm", file=sys.stderr)
        return 2
    if args.policy and not Path(args.policy).is_file():
        print(f"reviewer: policy file not found: {args.policy}", file=sys.stderr)
        return 2
    settings = None
    if args.llm:
        try:
            settings = settings_from_args(args)
        except ConfigError as exc:
            print(f"reviewer: {exc}", file=sys.stderr)
            return 2
        if not settings.configured:
            print("reviewer: --llm needs a model: --base-url and --model (or REVIEWER_BASE_URL/REVIEWER_MODEL)",
                  file=sys.stderr)  # fmt: skip
            return 2
    options = BatchOptions(
        inputs=args.inputs,
        out=Path(args.out),
        llm=args.llm,
        concurrency=args.concurrency,
        policy=Path(args.policy) if args.policy else None,
        docx=args.docx,
        batch_api=args.batch_api,
        retry_failed=args.retry_failed,
        prune=args.prune,
        workers=args.workers,
        poll_interval=args.poll_interval,
        progress=args.progress,
        settings=settings,
        command=["reviewer", *sys.argv[1:]] if sys.argv and "reviewer" in Path(sys.argv[0]).name else None,
    )
    try:
        result = run_batch(options)
    except FolderError as exc:
        print(f"reviewer: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an output file that could not be written (disk full, permissions)
        print(f"reviewer: {exc.filename or args.out}: cannot write ({exc.strerror or exc}); the forms reviewed "
              "so far are saved: run the same command again to continue", file=sys.stderr)
        return 2
    if result.status == "interrupted":
        print(
            f"reviewer: interrupted; {result.reviewed} forms reviewed and saved. "
            f"Run the same command again to continue.",
            file=sys.stderr,
        )
        return 130
    tokens = ""
    if args.llm:
        u = result.usage
        tokens = f", {u.calls} model calls ({u.cache_hits} cached), tokens {u.tokens_in} in / {u.tokens_out} out"
        counts = result.run.get("counts", {})
        if counts.get("model_read") or counts.get("model_read_failed"):
            n = counts["model_read"]
            tokens += f", {n} file{'s' * (n != 1)} read by the model"
            if counts.get("model_read_failed"):
                tokens += f" ({counts['model_read_failed']} whose model reading failed: the next run asks again)"
    print(
        f"reviewer: {result.forms} forms ({result.reviewed} reviewed, {result.reused} reused), "
        f"{result.findings} findings, {result.comments} comments, {result.errors} unreadable{tokens} → {args.out}",
        file=sys.stderr,
    )
    if result.model_failed:
        print(model_failure_line(result), file=sys.stderr)
    folder = Path(args.out) / "opinions"
    if result.other_opinions:
        print(f"reviewer: {folder} also holds the opinions of {len(result.other_opinions)} forms not in this run: "
              "kept, and listed in run.json (outputs.opinions_not_in_this_run); --prune removes them", file=sys.stderr)
    if result.pruned:
        print(f"reviewer: removed from {folder} the opinions of {result.pruned} forms not in this run (--prune)",
              file=sys.stderr)
    return 0 if result.forms or not result.errors else 2


def model_failure_line(result, shown: int = 3) -> str:
    """How many forms the model failed for and why (the most frequent reasons)."""
    reasons = "; ".join(f"{n} × {why or 'no reason given'}" for why, n in result.failure_reasons[:shown])
    more = len(result.failure_reasons) - shown
    if more > 0:
        reasons += f"; {more} other reasons (all listed in run.json)"
    return (f"reviewer: the model gave no usable reply for {result.model_failed} of {result.forms} forms, "
            f"which have template drafts: {reasons}. Run again with --retry-failed to ask again for them.")
