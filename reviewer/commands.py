"""What every command module shares: the command registry and the one-line error reports.

A command module (`reviewer/*_cli.py`, `reviewer/batch/cli.py`) registers its commands
with `@command`; `reviewer/cli.py` imports them all and builds the parser. Part of the CLI
layer: it may import anything below; nothing below imports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from reviewer.domain.model import Extraction, Form

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
