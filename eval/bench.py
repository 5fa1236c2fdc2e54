"""Extraction (and checks) throughput on the seed corpus repeated to about N forms.

    python eval/bench.py [--forms 5000] [--examples examples] [--no-checks | --checks-only] [--cold]

Prints forms/second for: parsing text already in memory, reading + parsing files, and
parsing + all checks; `--checks-only` parses once and times only run_checks over the parsed
forms (extraction out of the picture). Runs on one core (no parallelism). A benchmark, not a test.

The corpus is a few files repeated, so from the second round on every cell is found in the
readers' per-cell caches (lru_cache on a cell's text: amounts, values, units, level names).
A real batch shares many cells (its template's words, "100%", "≥90%") but not all (names).
`--cold` also times parse + all checks with those caches emptied before every file, as if
no file shared a cell with another: the pessimistic end of a real batch.
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.extract import extract_paths, parse_text  # noqa: E402


def corpus(examples: Path) -> list[tuple[str, str]]:
    return [(str(p), p.read_text(encoding="utf-8")) for p in sorted(examples.glob("*.txt"))]


def timed(label: str, forms: int, seconds: float, cpu: float | None = None) -> None:
    # CPU time beside the wall clock: on a shared machine the wall clock also counts the
    # time other processes had the core, CPU time much less so.
    line = f"{label:<34} {forms:>6} forms in {seconds:6.2f} s = {forms / seconds:8.0f} forms/s"
    print(line + (f"  (CPU {cpu:6.2f} s = {forms / cpu:5.0f} forms/s)" if cpu else ""))


def bench_parse(texts: list[tuple[str, str]], target: int) -> tuple[int, float, float]:
    per_round = sum(len(parse_text(text, path)) for path, text in texts)
    rounds = max(1, round(target / per_round))
    start, cpu = time.perf_counter(), time.process_time()
    done = sum(len(parse_text(text, path)) for _ in range(rounds) for path, text in texts)
    return done, time.perf_counter() - start, time.process_time() - cpu


def bench_files(texts: list[tuple[str, str]], target: int) -> tuple[int, float, float]:
    per_round = sum(len(parse_text(text, path)) for path, text in texts)
    rounds = max(1, round(target / per_round))
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for path, text in texts:
                (Path(tmp) / f"{r:05d}_{Path(path).name}").write_text(text, encoding="utf-8")
        start, cpu = time.perf_counter(), time.process_time()
        extraction = extract_paths([tmp])
        return len(extraction.forms), time.perf_counter() - start, time.process_time() - cpu


def bench_checks(texts: list[tuple[str, str]], target: int) -> tuple[int, float, float] | None:
    try:
        from reviewer.checks import run_checks
    except ImportError:
        return None
    per_round = sum(len(parse_text(text, path)) for path, text in texts)
    rounds = max(1, round(target / per_round))
    start, cpu = time.perf_counter(), time.process_time()
    done = 0
    for _ in range(rounds):
        for path, text in texts:
            for form in parse_text(text, path):
                run_checks(form)
                done += 1
    return done, time.perf_counter() - start, time.process_time() - cpu


def cell_caches() -> list:
    """The per-cell caches of reviewer's modules: lru_caches of 256 entries or more (the small
    ones hold the vocabulary, the policy and patterns built from them, which a batch builds once)."""
    return [obj for name, module in list(sys.modules.items()) if name.startswith("reviewer")
            for obj in vars(module).values()
            if isinstance(obj, functools._lru_cache_wrapper) and (obj.cache_parameters()["maxsize"] or 1 << 30) >= 256]


def bench_checks_cold(texts: list[tuple[str, str]], target: int) -> tuple[int, float, float]:
    """parse + all checks, the per-cell caches emptied before every file (not timed)."""
    from reviewer.checks import run_checks

    caches = list({id(c): c for c in cell_caches()}.values())
    per_round = sum(len(parse_text(text, path)) for path, text in texts)
    rounds = max(1, round(target / per_round))
    done, seconds, cpu = 0, 0.0, 0.0
    for _ in range(rounds):
        for path, text in texts:
            for cache in caches:
                cache.cache_clear()
            start, cpu_start = time.perf_counter(), time.process_time()
            for form in parse_text(text, path):
                run_checks(form)
                done += 1
            seconds += time.perf_counter() - start
            cpu += time.process_time() - cpu_start
    return done, seconds, cpu


def parsed_forms(texts: list[tuple[str, str]], target: int) -> list:
    """The corpus parsed once, repeated to about `target` forms (the same objects reused)."""
    forms = [form for path, text in texts for form in parse_text(text, path)]
    return forms * max(1, round(target / len(forms)))


def bench_checks_only(forms: list) -> tuple[int, float, float]:
    from reviewer.checks import run_checks

    start, cpu = time.perf_counter(), time.process_time()
    for form in forms:
        run_checks(form)
    return len(forms), time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=5000)
    parser.add_argument("--examples", type=Path, default=ROOT / "examples")
    parser.add_argument("--no-checks", action="store_true")
    parser.add_argument("--checks-only", action="store_true", help="time run_checks on forms parsed once")
    parser.add_argument("--cold", action="store_true", help="also time parse + all checks with the per-cell caches "
                                                            "emptied before every file")
    args = parser.parse_args()
    texts = corpus(args.examples)
    if args.checks_only:
        forms = parsed_forms(texts, args.forms)
        count, seconds, cpu = bench_checks_only(forms)
        timed("all checks (forms parsed once)", count, seconds, cpu)
        print(f"checks cost {seconds / count * 1000:.3f} ms per form")
        return
    parsed = bench_parse(texts, args.forms)
    timed("parse (text in memory)", *parsed)
    timed("read files + parse", *bench_files(texts, args.forms))
    if not args.no_checks:
        result = bench_checks(texts, args.forms)
        if result:
            timed("parse + all checks", *result)
            # The two lines above, per form in CPU time: where a form's time goes.
            parse_ms, all_ms = parsed[2] / parsed[0] * 1000, result[2] / result[0] * 1000
            print(f"CPU per form: parse {parse_ms:.3f} ms, checks {all_ms - parse_ms:.3f} ms (the difference)")
        if args.cold:
            timed("parse + all checks, cold caches", *bench_checks_cold(texts, args.forms))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
