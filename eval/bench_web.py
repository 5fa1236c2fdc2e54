"""The workbench's form list at 10,000 forms: milliseconds per page, through the real app.

    python eval/bench_web.py [--forms 10000] [--repeat 20] [--keep DIR]

A synthetic year (reviewer.batch.synthetic: the seed forms in examples/ replicated and
varied) is reviewed by `reviewer batch` into a run directory, a share of its forms get
decisions, and then list pages are asked of the Starlette app (TestClient: routing, SQL,
the template, the response) for the first page, a deep page, every sort, a search, the
grade and status filters and the "only cuts" filter; one form page and the per-check
agreement page for comparison. Goal: < 300 ms per list page. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.batch.synthetic import make_year  # noqa: E402
from reviewer.web.asgi import create_app  # noqa: E402
from reviewer.web.decisions import Decision  # noqa: E402
from reviewer.web.pages import Workbench  # noqa: E402
from reviewer.web.run import SORTS, ListQuery  # noqa: E402

GOAL_MS = 300


def build(folder: Path, forms: int) -> Path:
    year, out = folder / "year", folder / "run"
    made = make_year(ROOT / "examples", year, forms)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "reviewer", "batch", str(year), "--out", str(out)], check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    print(f"run: {made} forms reviewed by the batch in {time.perf_counter() - started:.1f} s → {out}")
    return out


def decide_some(bench: Workbench, share: float = 0.1) -> int:
    """Decisions on every tenth form: in progress, some done, as a day's work leaves them."""
    keys = bench.run().keys()
    chosen = keys[:: max(1, int(1 / share))]
    for n, key in enumerate(chosen):
        bench.store.put(key, Decision("comment:0", "accepted" if n % 3 else "rejected"))
        if n % 2:
            bench.store.set_status(key, "done")
    return len(chosen)


def timed(client, url: str, repeat: int) -> tuple[float, float]:
    client.get(url)  # warm: the template compiled, the pages cached by SQLite
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        reply = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, (url, reply.status_code)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="keep the run directory here (reused when it holds one)")
    args = parser.parse_args()
    from starlette.testclient import TestClient

    temp = None
    if args.keep and (args.keep / "run" / "state.sqlite").is_file():
        out = args.keep / "run"
    else:
        base = args.keep or Path(temp := tempfile.mkdtemp(prefix="bench-web-"))
        base.mkdir(parents=True, exist_ok=True)
        out = build(base, args.forms)
    try:
        bench = Workbench(out)
        decided = decide_some(bench)
        client = TestClient(create_app(bench), base_url="http://127.0.0.1:8765")
        total = bench.run().forms(ListQuery()).total
        print(f"list of {total} forms, {decided} with decisions; median and worst of {args.repeat} requests:")
        urls = {
            "first page": "/",
            "page 100": "/?page=100",
            "last page": "/?page=100000",
            **{f"sort {key} desc": f"/?sort={key}&desc=1&page=50" for key in SORTS},
            "search 福田 (page 3)": "/?q=%E7%A6%8F%E7%94%B0&page=3",
            "search no match": "/?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E5%8D%95%E4%BD%8D",
            "grade 良": "/?grade=%E8%89%AF",
            "status done": "/?status=done",
            "status not started, sorted by cut": "/?status=not_started&sort=cut&desc=1",
            "only cuts, sorted by suggested": "/?cut=1&sort=suggested",
        }
        worst_median = 0.0
        for name, url in urls.items():
            median, worst = timed(client, url, args.repeat)
            worst_median = max(worst_median, median)
            print(f"  {name:<40} {median:7.1f} ms  (worst {worst:6.1f} ms)")
        for name, url in {"one form page": "/form/0", "agreement per check": "/checks"}.items():
            median, worst = timed(client, url, max(3, args.repeat // 4))
            print(f"  {name:<40} {median:7.1f} ms  (worst {worst:6.1f} ms)  [not a list page]")
        verdict = "met" if worst_median < GOAL_MS else "MISSED"
        print(f"slowest list page (median): {worst_median:.1f} ms; goal < {GOAL_MS} ms: {verdict}")
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
