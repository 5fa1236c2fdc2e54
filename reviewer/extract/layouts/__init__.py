"""Text layouts of forms. Each layout module has NAME, detect(text) and parse(text, path).

`detect` must be cheap and specific; LAYOUTS is tried in order and the first match wins,
so the most specific layouts come first.
"""

from __future__ import annotations

from types import ModuleType

from reviewer.extract.layouts import ocr, report, shenzhen, tabular

LAYOUTS: list[ModuleType] = [report, ocr, tabular, shenzhen]


def detect(text: str) -> ModuleType | None:
    for layout in LAYOUTS:
        if layout.detect(text):
            return layout
    return None
