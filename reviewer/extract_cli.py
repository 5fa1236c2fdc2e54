"""`reviewer extract PATH...`: read forms from files, folders or zips."""

from __future__ import annotations

import argparse

from reviewer.commands import command, exit_code, print_errors, read_forms
from reviewer.config import add_llm_arguments
from reviewer.domain.model import Extraction


def _extract_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="form files, folders or zips (.txt .tsv .csv .docx .xlsx .xls .html .mht .pdf .json .zip)")
    p.add_argument("--format", choices=["json", "table"], default="table")
    p.add_argument("--llm", action="store_true",
                   help="send what the readers cannot read (numbers written together) to the configured language model")
    add_llm_arguments(p)


@command("extract", _extract_args)
def run_extract(args: argparse.Namespace) -> int:
    """Read forms and print them as JSON or a table."""
    extraction = read_forms(args)
    if extraction is None:
        return 2
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
