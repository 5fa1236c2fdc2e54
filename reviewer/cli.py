"""Command line: `reviewer extract|check|checks|...`. Each stage usable alone.

Exit codes: 0 when at least one form was read, 2 when none (or bad usage).

The top of the layers: it imports every command module (each registers its commands with
reviewer.commands.command) and builds the parser; nothing imports it but the entry points.
"""

from __future__ import annotations

import argparse
import sys

from reviewer import __version__
from reviewer import check_cli, eval_cli, extract_cli, llm_cli, review_cli, serve_cli  # noqa: F401 - they register commands
from reviewer.batch import cli as batch_cli  # noqa: F401 - registers `batch`
from reviewer.commands import COMMANDS
from reviewer.migrations import SchemaError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reviewer", description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"reviewer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (configure, run) in COMMANDS.items():
        p = sub.add_parser(name, allow_abbrev=False, help=(run.__doc__ or "").strip().splitlines()[0] if run.__doc__ else None)
        configure(p)
        p.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("reviewer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except SchemaError as exc:  # a database made by a newer reviewer (the reply cache, a run state)
        print(f"reviewer: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
