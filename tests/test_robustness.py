"""Layouts reviewer has not met (pipe-delimited cells, tables flattened onto one line, cut or
shuffled text): it reads what it can, says clearly what it could not, and never crashes."""

from __future__ import annotations

import random

import pytest
from conftest import EXAMPLES

from reviewer.checks import run_checks
from reviewer.extract import ExtractFailure, check_complete, parse_text

SEEDS = sorted(EXAMPLES.glob("*.txt"))


def _variants(text: str, rng: random.Random) -> dict[str, str]:
    lines = text.splitlines()
    cut = rng.randrange(len(text))
    shuffled = lines[:]
    rng.shuffle(shuffled)
    return {
        "pipe-delimited": text.replace("\t", " | "),
        "flattened": " ".join(line.strip() for line in lines if line.strip()),
        "truncated": text[:cut],
        "shuffled lines": "\n".join(shuffled),
        "every other line": "\n".join(lines[::2]),
        "numbers blanked": "".join("—" if ch.isdigit() and rng.random() < 0.3 else ch for ch in text),
    }


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_mangled_forms_never_crash_extraction_or_checks(seed):
    rng = random.Random(seed.name)
    text = seed.read_text(encoding="utf-8")
    for _ in range(3):
        for variant, mangled in _variants(text, rng).items():
            try:
                forms = parse_text(mangled, f"{seed.name} ({variant})")
            except ExtractFailure as failure:
                assert str(failure), variant  # a clear message, never an empty one
                continue
            for form in forms:
                if check_complete(form) is None:
                    run_checks(form)
                    run_checks(form, blind=True)
