"""Layout 'shenzhen' (placeholder until its parser lands)."""

from __future__ import annotations

from reviewer.model import Form

NAME = "shenzhen"


def detect(text: str) -> bool:
    return False


def parse(text: str, path: str) -> list[Form]:
    return []
