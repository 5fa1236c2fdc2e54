"""What every command module shares: the command registry and the one-line error reports.

A command module (`reviewer/*_cli.py`, `reviewer/batch/cli.py`) registers its commands
with `@command`; `reviewer/cli.py` imports them all and builds the parser. Part of the CLI
layer: it may import anything below; nothing below imports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from reviewer.config import ConfigError, settings_from_args
from reviewer.domain.model import Extraction, Form
from reviewer.drafting.model_read import extract_with_model

Command = Callable[[argparse.Namespace], int]
Configure = Callable[[argparse.ArgumentParser], None]
COMMANDS: dict[str, tuple[Configure, Command]] = {}


def command(name: str, configure: Configure) -> Callable[[Command], Command]:
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


def read_forms(args: argparse.Namespace) -> Extraction | None:
    """The forms of args.paths; with --llm, what the readers cannot read goes to the configured
    model (reviewer.drafting.model_read). None (the reason printed) when the settings are bad."""
    settings = None
    if getattr(args, "llm", False):
        try:
            settings = settings_from_args(args)
        except (ConfigError, OSError, ValueError) as exc:
            print(f"reviewer: {exc}", file=sys.stderr)
            return None
        if not settings.configured:
            print("reviewer: --llm: no language model configured (REVIEWER_BASE_URL, REVIEWER_MODEL); "
                  "forms are read without it", file=sys.stderr)
    extraction, notes = extract_with_model(args.paths, settings)
    for note in notes:
        print(f"reviewer: {note}", file=sys.stderr)
    return extraction
