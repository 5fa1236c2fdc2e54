"""`reviewer logs`: the language-model call log (reviewer.llm, reviewer.store) and its token totals."""

from __future__ import annotations

import argparse
import json
import sys

from reviewer.commands import command
from reviewer.config import ConfigError, load_settings
from reviewer.store import DB_FILE_NAME, CallRecord, CallTotals, Store

ERROR_COLUMN_WIDTH = 60


def _logs_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=20, metavar="N", help="show the latest N calls (default 20)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--config", metavar="PATH", help="config file (default $REVIEWER_HOME/config.toml)")


@command("logs", _logs_args)
def run_logs(args: argparse.Namespace) -> int:
    """Show recent language-model calls and token totals."""
    try:
        settings = load_settings(config_path=args.config)
    except ConfigError as exc:
        print(f"reviewer: {exc}", file=sys.stderr)
        return 2
    if not (settings.home / DB_FILE_NAME).exists():
        calls, totals = [], CallTotals()
    else:
        with Store(settings.home) as store:
            calls, totals = store.recent_calls(max(args.limit, 0)), store.totals()
    if args.format == "json":
        print(json.dumps({"calls": [c.model_dump() for c in calls], "totals": totals.model_dump()}, indent=2))
    else:
        print(calls_table(calls, totals))
    return 0


def calls_table(calls: list[CallRecord], totals: CallTotals) -> str:
    lines = ["time\toutcome\tmodel\ttokens_in\ttokens_out\tlatency_s\tattempts\treasks\tprompt\terror"]
    for c in calls:
        error = c.error if len(c.error) <= ERROR_COLUMN_WIDTH else c.error[: ERROR_COLUMN_WIDTH - 1] + "…"
        lines.append(
            f"{c.time}\t{c.outcome}\t{c.model}\t{c.tokens_in}\t{c.tokens_out}\t{c.latency_s:.2f}"
            f"\t{c.attempts}\t{c.reasks}\t{c.prompt_hash[:12]}\t{error}"
        )
    outcomes = ", ".join(f"{name} {count}" for name, count in sorted(totals.outcomes.items())) or "none"
    lines.append(
        f"# {len(calls)} shown of {totals.calls} calls; "
        f"tokens in {totals.tokens_in}, out {totals.tokens_out}; {outcomes}"
    )
    return "\n".join(lines)
