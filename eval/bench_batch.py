"""`reviewer batch` end to end on a synthetic year, and model-call concurrency on a loopback server.

    python eval/bench_batch.py [--forms 10000] [--llm-forms 1000] [--latency 0.5] [--stress-latency 0.05]
                               [--concurrency 16] [--resubmitted 0.25] [--skip-det] [--skip-llm] [--keep DIR]

1. No model: the seed forms in examples/ replicated and varied (project codes,
   district/bureau names, amounts) to about --forms forms, then `reviewer batch` in a
   child process: forms/s end to end (extraction, checks, template drafting, every
   opinion file, summary.xlsx, index.html, run.json) and the child's peak memory; then
   the same command again (everything reused).
2. Model: about --llm-forms forms against a loopback chat-completions server that
   answers after --latency seconds (default 0.5 s; real models take seconds), at
   --concurrency, with a share of the files (--resubmitted) sent twice: achieved concurrency
   (distinct prompts × latency ÷ wall time, of the review phase and of the whole run) as a
   fraction of the ideal, and the requests sent twice for one prompt. Then the same at
   --stress-latency (default 0.05 s; 0 skips it): a CPU-bound stress figure (the per-call
   CPU shows), reported, not a goal.

Goals: >= 500 forms/s and < 500 MB peak for 10,000 forms; >= 90% of ideal concurrency in the
review phase (distinct prompts x latency / concurrency against its wall time; the whole run's
figure, which adds importing the SDK, its first request and the outputs, is printed too).
A benchmark, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

def make_year(folder: Path, forms: int, seed: int = 2024) -> int:
    from reviewer.batch.synthetic import make_year as make

    return make(ROOT / "examples", folder, forms, seed)


def run_cli(args: list[str]) -> tuple[float, int]:
    """Run `reviewer ARGS` in a child process: (wall seconds, exit code)."""
    code = "import sys; from reviewer.cli import main; sys.exit(main())"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    return wall, proc.returncode


def bench_deterministic(n_forms: int, keep: Path | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        year = tmp / "year"
        start = time.perf_counter()
        made = make_year(year, n_forms)
        print(f"synthetic year: {made} forms in {sum(1 for _ in year.rglob('*.txt'))} files "
              f"(generated in {time.perf_counter() - start:.1f} s)")  # fmt: skip
        out = (keep or tmp) / "out"
        wall, rc = run_cli(["batch", str(year), "--out", str(out)])
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        run = json.loads((out / "run.json").read_text(encoding="utf-8"))
        forms = run["counts"]["forms"]
        t = run["timings"]
        print(f"no model, first run : {forms} forms in {wall:.2f} s wall = {forms / wall:.0f} forms/s "
              f"(in-process {t['total_s']:.2f} s = {forms / t['total_s']:.0f} forms/s; review {t['review_s']:.2f} s, "
              f"summary.xlsx {t['summary_xlsx_s']:.2f} s, index.html {t['index_html_s']:.2f} s); exit {rc}")  # fmt: skip
        print(f"peak memory (child max RSS): {peak_mb:.0f} MB; findings {run['counts']['findings']}, "
              f"comments {run['counts']['comments']}, errors {run['counts']['errors']}")  # fmt: skip
        wall2, rc2 = run_cli(["batch", str(year), "--out", str(out)])
        run2 = json.loads((out / "run.json").read_text(encoding="utf-8"))
        print(f"no model, second run: {run2['counts']['reused']} reused, {run2['counts']['reviewed']} reviewed "
              f"in {wall2:.2f} s wall; exit {rc2}")  # fmt: skip
        goal = "met" if forms / wall >= 500 and peak_mb < 500 else "NOT met"
        print(f"goal >= 500 forms/s and < 500 MB: {goal}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


SERVER = """
import json, sys, time
sys.path.insert(0, {tests!r})
from fake_openai import FakeOpenAI, Reply, json_reply
reply = json_reply({reply!r}, prompt_tokens=900, completion_tokens=120)
fake = FakeOpenAI()
# a listen backlog for every request in flight: the server's default of 5 drops connections
# under a burst, and the client's SYN retry (1 s) shows up as stalls that are the server's
fake._server.socket.listen(128)
fake.route("POST", "/v1/chat/completions", lambda _r: Reply(reply.status, reply.body, reply.headers, {latency!r}))
def stats(_r):
    prompts = [json.dumps(b["messages"], sort_keys=True) for b in fake.bodies()]
    return Reply(body={{"chat": len(prompts), "distinct": len(set(prompts)), "max_in_flight": fake.max_in_flight}})
fake.route("GET", "/stats", stats)
fake.start()
print(fake.base_url, flush=True)
sys.stdin.read()
"""
OPINION = {"comments": [], "opinion": "经审核，该项目自评表填报基本完整，请按所列问题修改完善。"}


def resubmit(folder: Path, share: float) -> int:
    """Copy a share of the files next to themselves (a unit that sent the same file twice):
    identical forms, discovered one after the other, so their identical prompts are in flight
    together. Returns the number of copies."""
    files = sorted(folder.rglob("*.txt"))
    step = round(1 / share) if share > 0 else 0
    copies = files[::step] if step else []
    for path in copies:
        shutil.copyfile(path, path.with_suffix(".resubmitted.txt"))
    return len(copies)


def bench_model(n_forms: int, latency: float, concurrency: int, stress: bool = False, resubmitted: float = 0.25) -> None:
    """The loopback server runs in its own process, as a real endpoint would."""
    import os
    import urllib.request

    from reviewer.batch import BatchOptions, run_batch
    from reviewer.config import Settings

    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    code = SERVER.format(tests=str(ROOT / "tests"), reply=OPINION, latency=latency)
    server = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    base_url = server.stdout.readline().strip()
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-llm-"))
    try:
        made = make_year(tmp / "year", n_forms, seed=7)
        copies = resubmit(tmp / "year", resubmitted)
        settings = Settings(base_url=base_url, model="fake-model", home=tmp / "home", max_retries=2)
        options = BatchOptions(inputs=[str(tmp / "year")], out=tmp / "out", llm=True, concurrency=concurrency,
                               settings=settings, progress=False)  # fmt: skip
        start = time.perf_counter()
        result = run_batch(options)
        wall = time.perf_counter() - start
        stats = json.loads(urllib.request.urlopen(base_url.rsplit("/v1", 1)[0] + "/stats").read())
        calls, distinct = stats["chat"], stats["distinct"]
        review_s = result.run["timings"]["review_s"]
        # the work that had to be done is one request per distinct prompt: a request sent
        # twice for the same prompt is waste, not concurrency
        ideal = distinct * latency / concurrency
        achieved = distinct * latency / review_s
        end_to_end = distinct * latency / wall
        label = "model (CPU-bound stress)" if stress else "model"
        print(f"{label}: {made} forms (+ {copies} files sent twice: {result.forms} forms), {distinct} distinct prompts, {calls} requests sent "
              f"({calls - distinct} duplicates) at {latency * 1000:.0f} ms, concurrency {concurrency}: "
              f"review phase {review_s:.2f} s (ideal {ideal:.2f} s), total {wall:.2f} s")  # fmt: skip
        print(f"achieved concurrency {achieved:.1f} of {concurrency} = {achieved / concurrency:.0%} of ideal "
              f"(end to end {end_to_end / concurrency:.0%}); server saw at most {stats['max_in_flight']} in flight; "
              f"tokens {result.usage.tokens_in} in / {result.usage.tokens_out} out")  # fmt: skip
        if stress:
            print(f"stress figure at {latency * 1000:.0f} ms (no goal): {achieved / concurrency:.0%} of ideal")
        else:
            met = "met" if achieved / concurrency >= 0.9 else "NOT met"
            print(f"goal >= 90% of ideal at {latency * 1000:.0f} ms (review phase): {met}")
    finally:
        server.stdin.close()
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=10_000)
    parser.add_argument("--llm-forms", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--stress-latency", type=float, default=0.05, help="a second, CPU-bound run; 0 skips it")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--resubmitted", type=float, default=0.25, help="share of the model run's files sent twice")
    parser.add_argument("--skip-det", action="store_true")
    parser.add_argument("--skip-llm", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the no-model outputs here")
    args = parser.parse_args()
    if not args.skip_det:
        bench_deterministic(args.forms, args.keep)
    if not args.skip_llm:
        bench_model(args.llm_forms, args.latency, args.concurrency, resubmitted=args.resubmitted)
        if args.stress_latency > 0:
            bench_model(args.llm_forms, args.stress_latency, args.concurrency, stress=True, resubmitted=args.resubmitted)


if __name__ == "__main__":
    main()
