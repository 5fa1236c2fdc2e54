"""Layout 'report' (placeholder until its parser lands)."""

from __future__ import annotations

from reviewer.model import Form

NAME = "report"


def detect(text: str) -> bool:
    return False


def parse(text: str, path: str) -> list[Form]:
    return []
