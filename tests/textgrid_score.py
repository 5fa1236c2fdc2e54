"""Scoring grids against hand-checked cells (tests/data/unseen/expected.json): how many of a
real form's cells the text-to-grid reader placed under the right header."""

from __future__ import annotations

from reviewer.extract.grid import Grid


def _norm(text: str) -> str:
    return "".join(text.split()).replace("*", "").replace("（", "(").replace("）", ")").replace("：", ":")


def _header_above(grid: Grid, row: int, label: str) -> int | None:
    """Column of `label` in the nearest row at or above `row` that holds it."""
    for r in range(row, -1, -1):
        for c, cell in enumerate(grid.rows[r]):
            if _norm(cell.text) == _norm(label):
                return c
    return None


def placed(grid: Grid, key: str | None, label: str | None, text: str) -> bool:
    want = _norm(text)
    for r, row in enumerate(grid.rows):
        texts = [_norm(c.text) for c in row]
        if key is None:
            col = _header_above(grid, r - 1, label) if r else None
            if col is not None and col < len(texts) and texts[col] == want:
                return True
            continue
        if _norm(key) not in texts:
            continue
        at = texts.index(_norm(key))
        if label is None:
            rest = [t for t in texts[at + 1 :] if t]
            if rest and rest[0] == want:
                return True
            continue
        col = _header_above(grid, r - 1, label)
        if col is not None and col < len(texts) and texts[col] == want:
            return True
    return False


def score(grids: list[Grid], checks: list[list]) -> tuple[int, list[list]]:
    """(cells placed, the checks that failed)."""
    missed = [c for c in checks if not any(placed(g, *c) for g in grids)]
    return len(checks) - len(missed), missed


def wrong(grids: list[Grid], checks: list[list]) -> list[tuple[list, str]]:
    """Checks whose row and column were found holding another text: a cell placed wrongly."""
    out = []
    for check in checks:
        key, label, text = check
        if key is None or label is None or any(placed(g, *check) for g in grids):
            continue
        for grid in grids:
            for r, row in enumerate(grid.rows):
                texts = [_norm(c.text) for c in row]
                if _norm(key) not in texts:
                    continue
                col = _header_above(grid, r - 1, label)
                if col is not None and col < len(texts) and texts[col] and texts[col] != _norm(text):
                    out.append((check, row[col].text))
    return out
