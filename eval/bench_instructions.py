"""Instructions per form for parse and parse + all checks, counted under valgrind.

    python eval/bench_instructions.py [--against REV] [--rounds 3] [--examples examples]

`eval/bench.py` times forms per second, which on this project's shared VM swings by a factor of
two or more from one day to the next (the same code gave 1,230 forms/s one day and 420 another).
The number of instructions a form costs does not depend on the machine's load or speed, so it
is the figure to compare code by: "is this code slower than that code?" has one answer.

For each tree (this checkout, and with `--against` a git revision checked out into a temporary
worktree) it runs the example forms through parse (and checks) under `valgrind --tool=cachegrind`
once for a warm-up round and once for the warm-up plus `--rounds` more, and divides the
difference by the forms read in the extra rounds: start-up, imports and cold caches cancel out.
Both trees read the same example files (this checkout's). PYTHONHASHSEED=0 keeps runs identical.

With `--against`, it also prints the ratio, and, given `--reference-rate F` (the forms/s REV
measured with `eval/bench.py` on some day), the forms/s this checkout would show on that day's
machine: F × (REV's instructions ÷ this checkout's), for code whose cost is its instructions.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def child(tree: str, examples: str, rounds: int, with_checks: bool) -> None:
    """The measured work: one warm-up round, then `rounds` more; prints the forms of one round."""
    sys.path.insert(0, tree)
    from reviewer.checks import run_checks
    from reviewer.extract import parse_text

    texts = [(str(p), p.read_text(encoding="utf-8")) for p in sorted(Path(examples).glob("*.txt"))]
    forms = 0
    for round_number in range(1 + rounds):
        for path, text in texts:
            for form in parse_text(text, path):
                forms += round_number == 0
                if with_checks:
                    run_checks(form)
    print(forms)


def counted(tree: Path, examples: Path, rounds: int, with_checks: bool) -> tuple[int, int]:
    """(instructions, forms per round) for one run under cachegrind."""
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, __file__, "--child", str(tree), str(examples), str(rounds),
        "checks" if with_checks else "parse",
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    refs = _REFS.search(done.stderr)
    if done.returncode != 0 or refs is None:
        sys.exit(f"bench_instructions: the run under valgrind failed in {tree}:\n{done.stderr[-2000:]}")
    return int(refs.group(1).replace(",", "")), int(done.stdout.split()[-1])


def per_form(tree: Path, examples: Path, rounds: int, with_checks: bool) -> float:
    base, forms = counted(tree, examples, 0, with_checks)
    more, _ = counted(tree, examples, rounds, with_checks)
    return (more - base) / (rounds * forms)


def measure(label: str, tree: Path, examples: Path, rounds: int) -> dict[str, float]:
    figures = {"parse": per_form(tree, examples, rounds, False)}
    figures["parse + all checks"] = per_form(tree, examples, rounds, True)
    for stage, instructions in figures.items():
        print(f"{label:<24} {stage:<20} {instructions / 1e6:6.2f} M instructions per form")
    return figures


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        tree, examples, rounds, mode = sys.argv[2:6]
        child(tree, examples, int(rounds), mode == "checks")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a git revision to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--examples", type=Path, default=ROOT / "examples")
    parser.add_argument("--reference-rate", type=float, help="forms/s REV showed with eval/bench.py")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("bench_instructions: valgrind is not installed (apt-get install valgrind)")
    examples = args.examples.resolve()
    here = measure("this checkout", ROOT, examples, args.rounds)
    if not args.against:
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), args.against],
                       check=True)
        try:
            there = measure(args.against, tree, examples, args.rounds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    for stage in here:
        ratio = here[stage] / there[stage]
        print(f"{stage:<20} this checkout costs {ratio:5.3f} × {args.against}")
    if args.reference_rate:
        estimate = args.reference_rate * there["parse + all checks"] / here["parse + all checks"]
        print(f"parse + all checks: {args.against} showed {args.reference_rate:,.0f} forms/s; "
              f"this checkout on that machine: about {estimate:,.0f} forms/s")


if __name__ == "__main__":
    main()
