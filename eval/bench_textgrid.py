"""Text → grids throughput on every text layout: the seed forms rendered into pipes, Markdown,
pipe cells per line, cells per line, runs of spaces and flattened text, and the real excerpts.

    python eval/bench_textgrid.py [--repeat 20] [--scaling]

Prints texts/second and kB/second per layout, clean-up included. One core. A benchmark, not a test.
With --scaling, also the seconds reviewer.extract takes on a text of n short lines ("\n说明"
repeated, alone and after a real form) for n = 1000, 4000, 16000: linear work grows 4× a step.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from reviewer.extract import ExtractFailure, parse_text  # noqa: E402
from reviewer.extract.textgrid import text_grids  # noqa: E402
from textgrid_render import LAYOUTS, render  # noqa: E402


def corpora() -> dict[str, list[str]]:
    forms = []
    for path in sorted((ROOT / "tests" / "data" / "expected").glob("00[0-3]_*.json")):
        forms += json.loads(path.read_text("utf-8"))
    texts = {layout: [render(f, layout) for f in forms] for layout in LAYOUTS}
    data = ROOT / "tests" / "data"
    texts["real excerpts"] = [p.read_text("utf-8") for p in sorted(data.glob("devcorpus/*.txt"))
                              + sorted(data.glob("unseen/*.txt"))]
    return texts


def scaling() -> None:
    form = sorted((ROOT / "tests" / "data" / "devcorpus").glob("*-pipe.txt"))[0].read_text("utf-8")
    for name, head in (("short lines", ""), ("form + lines", form)):
        for n in (1000, 4000, 16000):
            start = time.perf_counter()
            try:
                parse_text(head + "\n说明" * n, "scaling.txt")
            except ExtractFailure:
                pass
            print(f"{name:<16} n = {n:>6}: {time.perf_counter() - start:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--scaling", action="store_true", help="also seconds for n short lines")
    args = parser.parse_args()
    if args.scaling:
        scaling()
    for name, texts in corpora().items():
        size = sum(len(t.encode("utf-8")) for t in texts) * args.repeat
        start = time.perf_counter()
        for _ in range(args.repeat):
            for text in texts:
                text_grids(text)
        seconds = time.perf_counter() - start
        count = len(texts) * args.repeat
        print(f"{name:<16} {count:>6} texts in {seconds:6.2f} s = {count / seconds:7.0f} texts/s, "
              f"{size / 1024 / seconds:7.0f} kB/s")


if __name__ == "__main__":
    main()
