"""Command line: `reviewer extract|check|checks|...`. Each stage usable alone.

Exit codes: 0 when at least one form was read, 2 when none (or bad usage).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from reviewer import __version__
from reviewer.extract import extract_paths
from reviewer.domain.model import Extraction, Form

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]] = {}


def command(name: str, configure: Callable[[argparse.ArgumentParser], None]):
    def register(run: Command) -> Command:
        COMMANDS[name] = (configure, run)
        return run

    return register


def print_errors(extraction: Extraction) -> None:
    for error in extraction.errors:
        print(f"reviewer: {error.path}: {error.message}", file=sys.stderr)


def print_form_error(form: Form, message: str) -> None:
    """One line for a form that was read but could not be processed; the others go on."""
    print(f"reviewer: {form.source.path}: form #{form.source.index + 1} ({form.id}): {message}", file=sys.stderr)


def exit_code(extraction: Extraction) -> int:
    return 0 if extraction.forms else 2


def _extract_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="form files or folders (.txt .tsv .xlsx .pdf .json .zip)")
    p.add_argument("--format", choices=["json", "table"], default="table")


@command("extract", _extract_args)
def run_extract(args: argparse.Namespace) -> int:
    extraction = extract_paths(args.paths)
    print_errors(extraction)
    if args.format == "json":
        print(extraction.model_dump_json(indent=2))
    else:
        print(extraction_table(extraction))
    return exit_code(extraction)


def extraction_table(extraction: Extraction) -> str:
    lines = ["id\tlayout\tyear\tindicators\ttotal\twarnings\tname"]
    for f in extraction.forms:
        total = "" if f.total_score is None else f"{f.total_score:g}"
        lines.append(
            f"{f.id}\t{f.source.layout}\t{f.year or ''}\t{len(f.indicators)}\t{total}\t{len(f.warnings)}\t{f.name or ''}"
        )
    lines.append(f"# {len(extraction.forms)} forms, {len(extraction.errors)} files with errors")
    return "\n".join(lines)


def _load_plugins() -> None:
    """Import the modules that register further commands (checks, eval, review, batch)."""
    import importlib

    for module in (
        "reviewer.checks.cli",
        "reviewer.eval_cli",
        "reviewer.review_cli",
        "reviewer.drafting.cli",
        "reviewer.batch.cli",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module and not module.startswith(str(exc.name)):
                raise


def build_parser() -> argparse.ArgumentParser:
    _load_plugins()
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


if __name__ == "__main__":
    # Plugins register on the imported module, not on this __main__ copy.
    from reviewer.cli import main as package_main

    sys.exit(package_main())
