"""Opinion file names: unit_project, recognisable and unique, assigned in discovery order.

A name is made from what the form says (its unit and project, cut to a length and cleaned
of what no file system allows); a form without them is named after its file and number.
Two forms that would share a name are told apart by their project code, then by a number.
Names are unique without regard to case (Windows and macOS folders ignore it).
"""

from __future__ import annotations

import re
from pathlib import Path

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def sanitise(text: str | None, limit: int) -> str:
    text = _UNSAFE.sub("", text or "")
    text = re.sub(r"\s+", "_", text.strip()).strip("._-")
    return text[:limit].rstrip("._-")


class Namer:
    """Unique, recognisable file names (unit_project), assigned in discovery order."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def assign(self, unit: str | None, project: str | None, code: str | None, label: str, index: int) -> str:
        base = "_".join(p for p in (sanitise(unit, 30), sanitise(project, 40)) if p)
        if not base:
            stem = sanitise(Path(label.split("!")[-1]).stem, 40) or "form"
            base = f"{stem}_{index + 1}"
        candidates = [base]
        if code:
            candidates.append(f"{base}_{sanitise(code, 24)}")
        for name in candidates:
            if name.casefold() not in self.taken:
                return self._take(name)
        n = 2
        while f"{candidates[-1]}-{n}".casefold() in self.taken:
            n += 1
        return self._take(f"{candidates[-1]}-{n}")

    def _take(self, name: str) -> str:
        self.taken.add(name.casefold())
        return name
