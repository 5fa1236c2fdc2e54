"""Shared by the check tests: fixture loading and form building."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from reviewer.domain.model import Form

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_form(partial: dict, form_id: str = "fixture") -> Form:
    """A partial form dict (as written in the fixtures) validated into a Form."""
    data = copy.deepcopy(partial)
    data.pop("_expect", None)
    data.setdefault("id", form_id)
    data.setdefault("source", {"path": "fixture.json", "index": 0})
    return Form.model_validate(data)


def load_fixture(code: str) -> dict:
    return json.loads((FIXTURES / f"{code}.json").read_text(encoding="utf-8"))

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def cohen_kappa(pairs: list[tuple[bool, bool]]) -> float:
    """Cohen's kappa of two raters' yes/no decisions on the same items."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    p_a, p_b = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    expected = p_a * p_b + (1 - p_a) * (1 - p_b)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)
