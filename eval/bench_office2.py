"""A second, real office: reviewer against a finance bureau's 复核分. Figures, not a test.

    python eval/bench_office2.py                  # the hand-checked forms in eval/office2/forms/
    python eval/bench_office2.py FOLDER ... --train 5 --splits 20

Reads forms in reviewer's JSON contract (hand-checked, so the figures do not depend on the
readers), keeps those a reviewer re-scored (`dataset.review_scored`: some row has a
`review_score`; the labels are then the reviewer's, see reviewer/evaluation/dataset.py),
and prints:
1. the data, and the unit's own 自评分 as a judge of the reviewer's cuts (how many of the
   reviewer's cuts the unit had already made itself);
2. the default policy's agreement, blind (kappa with its 95% interval over forms, the
   baselines beside it, and the per-check table as `reviewer eval` prints them);
3. calibrated leave-out: calibrate on --train random forms, judge the others, --splits times,
   beside the default policy on the same test forms (`calibrate.random_splits`, as
   eval/bench_calibration.py).
With fewer than MIN_FORMS re-scored forms it prints the counts and says so: a kappa over one
or two forms is not a measurement, and calibration needs forms left to judge.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.evaluation.calibrate import random_splits  # noqa: E402
from reviewer.evaluation.dataset import Dataset, load_dataset  # noqa: E402
from reviewer.evaluation.evaluate import evaluate  # noqa: E402
from reviewer.evaluation.harness import checks_pipeline, run_pipeline  # noqa: E402
from reviewer.evaluation.report import CHECK_HEAD, check_rows, fmt, fmt_ci, metric_rows  # noqa: E402

FORMS = ROOT / "eval" / "office2" / "forms"
MIN_FORMS = 4  # below this no figure is printed: the interval would span everything


def self_vs_review(data: Dataset) -> tuple[int, int, int]:
    """(reviewer cuts, of them cut by the unit too, rows the unit cut that the reviewer restored)."""
    rows = data.indicators
    cuts = [s for s in rows if s.human_cut]
    self_cut = [s for s in cuts if s.self_score is not None and s.self_score < s.weight - 1e-9]
    restored = [s for s in rows if not s.human_cut and s.self_score is not None and s.self_score < s.weight - 1e-9]
    return len(cuts), len(self_cut), len(restored)


def table(head: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", default=[str(FORMS)])
    ap.add_argument("--train", type=int, default=3, help="forms calibrated on per split (default 3)")
    ap.add_argument("--splits", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    everything = load_dataset(args.paths)
    data = everything.review_scored()
    cuts, self_cut, restored = self_vs_review(data)
    print(f"forms read: {len(everything.samples)} ({len(everything.errors)} errors); "
          f"re-scored by a reviewer: {len(data.samples)} forms, {len(data.indicators)} rows, {cuts} reviewer cuts")
    print(f"the unit's own 自评分 already cut {self_cut} of the reviewer's {cuts} cuts; "
          f"the reviewer restored {restored} rows the unit had cut")
    if len(data.samples) < MIN_FORMS:
        print(f"fewer than {MIN_FORMS} re-scored forms: no agreement figure is meaningful; none printed")
        return

    result, _, _ = evaluate(data, checks_pipeline(), name="checks, default policy")
    doc = result.model_dump(mode="json", by_alias=True)
    print()
    print(table(["metric", "tool", "95% CI", "cut nothing", "cut every unquantified"], metric_rows(doc)))
    print()
    print(table(CHECK_HEAD, check_rows(doc)))
    print(f"\nkappa {fmt(doc['metrics']['kappa'])} {fmt_ci(doc['ci95']['kappa'])}; confusion (human rows, tool columns) "
          f"{doc['confusion']}")

    if len(data.samples) - args.train < 1:
        return
    preds = run_pipeline(data, checks_pipeline())
    runs = random_splits(data, preds, args.train, args.splits, random.Random(args.seed))
    k = [r["kappa"] for r in runs if r["kappa"] is not None]
    d = [r["default_kappa"] for r in runs if r["default_kappa"] is not None]
    print(f"\ncalibrated on {args.train} random forms, judged on the other {len(data.samples) - args.train}, "
          f"{args.splits} splits:")
    if k and d:
        print(f"calibrated kappa mean {statistics.fmean(k):.2f} (min {min(k):.2f}, max {max(k):.2f}); "
              f"default policy on the same test forms {statistics.fmean(d):.2f} (min {min(d):.2f})")
    else:
        print("kappa undefined on every split (no cut, or every row cut, among the test forms)")


if __name__ == "__main__":
    main()
