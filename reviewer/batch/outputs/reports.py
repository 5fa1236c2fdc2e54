"""The run's reports, built from the state when the review is done: summary.xlsx and index.html."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reviewer.batch.dashboard import write_dashboard
from reviewer.batch.outputs.summary_xlsx import write_summary
from reviewer.batch.state import RunState

SUMMARY_XLSX = "summary.xlsx"
INDEX_HTML = "index.html"


def write_reports(out: Path, state: RunState) -> tuple[dict[str, int], dict[str, float]]:
    """Both reports; returns (summary.xlsx's rows per sheet, seconds each took).

    index.html is mostly aggregate queries (SQLite runs them without the GIL): it is built
    in a thread, on its own connection, while summary.xlsx is written."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-dashboard") as side:
        dashboard = side.submit(_dashboard, out)
        t = time.monotonic()
        counts = write_summary(state, out / SUMMARY_XLSX)
        timings = {"summary_xlsx_s": round(time.monotonic() - t, 3), "index_html_s": dashboard.result()}
    return counts, timings


def _dashboard(out: Path) -> float:
    t = time.monotonic()
    state = RunState(out)
    try:
        write_dashboard(state, out / INDEX_HTML)
    finally:
        state.close()
    return round(time.monotonic() - t, 3)
