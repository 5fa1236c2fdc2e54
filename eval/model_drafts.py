"""Model drafts from recorded replies: the figures of eval/RESULTS.md § Model drafts.

Replays the recorded replies of a capable model (tests/data/model-replies/, from
/work/shared/model-replies/) through the whole drafting pipeline, from a loopback
OpenAI-compatible server (reviewer.evaluation.replay), and prints beside the template
drafts: comments written, kept and dropped, calls per form, and comment agreement by
substance with the human remarks of 001 part-a, both ways, with the shuffled-forms baseline.

    .venv/bin/python eval/model_drafts.py [--recordings DIR] [--format md|json] [FORMS ...]
    .venv/bin/python eval/model_drafts.py --record-requests DIR [FORMS ...]

--record-requests writes the requests that drafting sends today (DIR/prompts/, the layout of a
recording) for a model to answer into DIR/replies/: how a new recording is made when the prompt
changes.

The default recording answers today's prompt (review-3); tests/data/model-replies (review-1)
and model-replies-review-2 answer earlier ones, which the server answers by form code. No
model is called.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FORMS = [ROOT / "examples" / "001_61357c0ed07ba240.part-a.txt"]
DEFAULT_RECORDINGS = ROOT / "tests" / "data" / "model-replies-review-3"  # today's prompt; see RESULTS §7a


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _ci(ci: list[float] | None) -> str:
    return "" if not ci else f" [{ci[0]:.2f}, {ci[1]:.2f}]"


def markdown(figures: dict) -> str:
    m = figures["model"]["model"]
    served = figures["served"]
    lines = [
        f"Model comments: {m['written']} written, {m['kept']} kept, {m['dropped']} dropped "
        f"({_f(m['drop_rate'])}); of the dropped, {m['rejected_hidden']} comment on content hidden on purpose; "
        f"drop rate without those {_f(m['mechanical_drop_rate'])}. Template comments filling uncovered findings: "
        f"{m['template_fill_ins']}. Model opinions replaced by the template opinion: {m['opinions_replaced']}.",
        f"Calls: {m['calls']} for {figures['model']['forms']} forms ({m['calls_per_form']:.2f} per form), "
        f"{m['reasks']} re-asks on {m['forms_reasked']} forms. Served by user message {served.get('message', 0)}, "
        f"by form code {served.get('code', 0)}, unanswered {served.get('miss', 0)}.",
        "",
        "| drafts | judged drafts | drafts naming a remark's flaw | remarks whose flaw a draft names | shuffled (drafts / remarks) | wording containment (shuffled) |",
        "|---|---|---|---|---|---|",
    ]
    rows = [("template", figures["template"]["agreement"]), ("model (+ template fill-ins)", figures["model"]["agreement"]),
            ("model, its own comments only", figures["model"]["model_only"])]
    for name, a in rows:
        sh = a["shuffled"] or {}
        lines.append(
            f"| {name} | {a['drafts']} (+{a['unjudged']} unjudged) | {_f(a['draft_hit_rate'])}{_ci(a['ci95']['draft_hit_rate'])} "
            f"| {_f(a['human_hit_rate'])}{_ci(a['ci95']['human_hit_rate'])} "
            f"| {_f(sh.get('draft_hit_rate'))} / {_f(sh.get('human_hit_rate'))} | {_f(a['wording'])} ({_f(a['shuffled_wording'])}) |"
        )
    lines += ["", "| reason | remarks | template: remarks hit | model (own): remarks hit | template: drafts hit (judged) | model (own): drafts hit (judged) |",
              "|---|---|---|---|---|---|"]
    t, mo = figures["template"]["agreement"]["per_reason"], figures["model"]["model_only"]["per_reason"]
    for reason in sorted(set(t) | set(mo)):
        a, b = t.get(reason, {}), mo.get(reason, {})
        lines.append(
            f"| {reason} | {a.get('humans') or b.get('humans') or 0} | {_f(a.get('human_hit_rate'))} | {_f(b.get('human_hit_rate'))} "
            f"| {_f(a.get('draft_hit_rate'))} ({a.get('drafts', 0)}) | {_f(b.get('draft_hit_rate'))} ({b.get('drafts', 0)}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("forms", nargs="*", default=[str(p) for p in DEFAULT_FORMS])
    parser.add_argument("--recordings", default=str(DEFAULT_RECORDINGS))
    parser.add_argument("--format", choices=["md", "json"], default="md")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--record-requests", metavar="DIR", help="write today's requests to DIR/prompts and stop")
    args = parser.parse_args(argv)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"  # the server is on loopback

    from reviewer.evaluation.dataset import load_dataset
    from reviewer.evaluation.replay import record_requests, replay_drafts

    dataset = load_dataset(args.forms)
    if args.record_requests:
        with tempfile.TemporaryDirectory() as home:
            written = record_requests(dataset, args.record_requests, home=home)
        print(f"{len(written)} requests written to {Path(args.record_requests) / 'prompts'}")
        return 0
    with tempfile.TemporaryDirectory() as home:
        figures = replay_drafts(dataset, args.recordings, home=home, seed=args.seed, draws=args.draws)
    print(json.dumps(figures, ensure_ascii=False, indent=2) if args.format == "json" else markdown(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
