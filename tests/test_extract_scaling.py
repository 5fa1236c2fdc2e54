"""Extraction work grows linearly with the text: a long or hostile file (thousands of short
lines, a form followed by pages of labels) must not take minutes.

Work is counted, not timed: the number of calls into reviewer's own functions while a text is
read, for n and 4n repetitions of a pattern. Linear work gives a ratio of about 4, quadratic
work about 16. (Seconds are printed by eval/bench_textgrid.py --scaling.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reviewer.extract import ExtractFailure, parse_text

PACKAGE = str(Path(__file__).resolve().parent.parent / "reviewer")
DEVCORPUS = Path(__file__).resolve().parent / "data" / "devcorpus"

# Each was quadratic once: a label that is a prose column (说明) repeated, cell-per-line
# indicator rows under no header, short lines with blank lines between them, plain words.
PATTERNS = {
    "prose column label": "\n说明",
    "label and blank line": "\n说明\n",
    "indicator rows, no header": "\n产出指标\n数量指标\n培训人数\n100人\n100人\n10\n10\n无",
    "level name": "\n产出指标",
    "plain word": "\nx",
    "percent": "\n100%",
    "first-level label": "\n一级指标",
    "pipe rows": "\n|产出指标|数量指标|培训人数|100人|100人|10|10|无|",
}


def calls(text: str) -> int:
    """Python calls into reviewer's code while the text is parsed."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
            count += 1

    sys.setprofile(profile)
    try:
        parse_text(text, "scaling.txt")
    except ExtractFailure:
        pass
    finally:
        sys.setprofile(None)
    return count


def growth(make, n: int) -> float:
    calls(make(n))  # warm the caches (vocabulary, compiled patterns) first
    return calls(make(4 * n)) / calls(make(n))


@pytest.mark.parametrize("name", PATTERNS)
def test_work_grows_linearly_with_repeated_lines(name):
    pattern = PATTERNS[name]
    assert growth(lambda n: pattern * n, 150) < 5.5


def test_work_grows_linearly_after_a_real_form():
    form = sorted(DEVCORPUS.glob("*-pipe.txt"))[0].read_text("utf-8")  # read through its tables
    assert growth(lambda n: form + "\n说明" * n, 300) < 5.5
