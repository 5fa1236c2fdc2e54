"""Shared test helpers: the bundled example forms and the JSON-contract view of a form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXPECTED = Path(__file__).resolve().parent / "data" / "expected"


def contract_dump(form) -> dict:
    """The form as `reviewer extract --format json` prints it, minus the parsed values
    (target_value/actual_value), which belong to value parsing and are tested there."""
    data = form.model_dump(mode="json")
    for row in data["indicators"] + data["performance_targets"]:
        row.pop("target_value", None)
        row.pop("actual_value", None)
    return data


def load_expected(name: str) -> list[dict]:
    return json.loads((EXPECTED / name).read_text(encoding="utf-8"))


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
