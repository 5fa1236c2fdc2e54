"""`reviewer eval` and `reviewer calibrate`: measure the tool against human-reviewed forms."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reviewer.checks.calibration import decision_table, policy_toml
from reviewer.checks.policy import load_policy
from reviewer.commands import command
from reviewer.config import ConfigError, add_llm_arguments, settings_from_args
from reviewer.evaluation import harness
from reviewer.evaluation.calibrate import (
    CalibrationBlock, CalibrationRun, cross_validate, guarded, learning_curve, split_evaluate,
)
from reviewer.evaluation.dataset import Dataset, dataset_from_forms, load_dataset
from reviewer.evaluation.drafts import DraftAgreement, draft_agreement
from reviewer.evaluation.evaluate import evaluate
from reviewer.evaluation.log import RunConfig, build_log, write_log
from reviewer.evaluation.metrics import MissingExtra
from reviewer.evaluation.report import calibration_md, decisions_md, markdown, render_html
from reviewer.llm import Client
from reviewer.web.learning import decided_forms

RUNS_FOLDER = Path("eval") / "runs"  # under REVIEWER_HOME, never the working folder


def _common(p: argparse.ArgumentParser, paths: str = "+") -> None:
    p.add_argument("paths", nargs=paths, metavar="PATH", help="human-reviewed forms: files or folders")
    p.add_argument("--draws", type=int, default=1000, help="bootstrap draws over forms (default 1000; 0 = no intervals)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap / fold seed (default 0)")


def _eval_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--policy", metavar="FILE", help="policy TOML for the checks (e.g. one written by `reviewer calibrate`)")
    p.add_argument("--format", choices=["json", "md", "html"], default="md")
    p.add_argument("--out", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument("--log-dir", "--runs", dest="log_dir", metavar="DIR",
                   help="folder for the JSON run log (default $REVIEWER_HOME/eval/runs)")
    p.add_argument("--no-log", action="store_true", help="do not write a run log")
    p.add_argument(
        "--pipeline",
        choices=["checks", "cut_nothing", "cut_unquantified"],
        default="checks",
        help="what is evaluated (default: the deterministic checks)",
    )
    p.add_argument("--top", type=int, default=20, help="how many disagreements to list (default 20)")
    p.add_argument("--calibrate-split", type=float, metavar="FRACTION", help="also report calibration measured on a split: the first FRACTION of each file's forms train, the rest test")
    p.add_argument("--cv", type=int, default=0, metavar="K", help="also report K-fold (by form) cross-validated calibration")
    p.add_argument("--curve", type=int, default=0, metavar="DRAWS",
                   help="with --cv: also the learning curve (calibrate on 1, 2, 3, 5, 8 … forms, DRAWS random draws each)")
    p.add_argument(
        "--drafts",
        action="store_true",
        help="also measure drafted comments against the human remarks (template drafts, or the model's with --llm)",
    )
    p.add_argument("--llm", action="store_true", help="with --drafts: draft with the configured language model")
    add_llm_arguments(p)


def _fail(message: str, code: int = 2) -> int:
    print(f"reviewer: {message}", file=sys.stderr)
    return code


def _load_policy(path: str):
    """The checks' policy from a TOML file (merged over the default)."""
    return load_policy(path)


def _read_dataset(paths: list[str]) -> Dataset | None:
    """The reviewed forms under the paths, each unreadable file said on stderr; None when no form was read."""
    dataset = load_dataset(paths)
    for err in dataset.errors:
        print(f"reviewer: {err}", file=sys.stderr)
    return dataset if dataset.samples else None


def _pipeline(name: str, policy_path: str | None):
    if name != "checks":
        return harness.BASELINES[name]
    try:
        policy = _load_policy(policy_path) if policy_path else None
    except ValueError as exc:  # PolicyError
        raise RuntimeError(str(exc)) from None
    return harness.checks_pipeline(policy)


def split_ids(dataset, fraction: float) -> tuple[list[str], list[str]]:
    """Per source file, the first `fraction` of its forms (by position) train, the rest test."""
    train, test = [], []
    by_file: dict[str, list] = {}
    for s in dataset.samples:
        by_file.setdefault(s.path, []).append(s)
    for forms in by_file.values():
        forms.sort(key=lambda s: s.index)
        cut = round(len(forms) * fraction)
        train += [s.form_id for s in forms[:cut]]
        test += [s.form_id for s in forms[cut:]]
    return train, test


def calibration_blocks(dataset, predictions, split: float | None, cv: int, draws: int, seed: int,
                       curve: int = 0) -> dict[str, CalibrationBlock]:
    blocks: dict[str, CalibrationBlock] = {}
    if split:
        train, test = split_ids(dataset, split)
        if train and test:
            b = split_evaluate(dataset, predictions, train, test, draws=draws, seed=seed)
            b["description"] = (
                f"Calibrated on the first {split:.0%} of each file's forms ({len(train)} forms), "
                f"measured on the other {len(test)}; the default policy on the same {len(test)} forms."
            )
            blocks[f"split {split:g}"] = b
    if cv and len(dataset.samples) >= 2:
        b = cross_validate(dataset, predictions, k=cv, seed=seed, draws=draws)
        b["description"] = (
            f"{b['k']}-fold cross-validation by form (seed {seed}): each fold calibrated on the other folds; "
            "test outcomes pooled; the default policy on all forms."
        )
        blocks[f"{b['k']}-fold"] = b
        if curve and len(dataset.samples) >= 3:
            b["curve"] = learning_curve(dataset, predictions, draws=curve, seed=seed)
    return blocks


def _draft_agreement(dataset, args: argparse.Namespace) -> DraftAgreement:
    if not args.llm:
        return draft_agreement(dataset, seed=args.seed, draws=args.draws)
    settings = settings_from_args(args)
    if not settings.configured:
        raise RuntimeError("--llm needs a model: set REVIEWER_BASE_URL and REVIEWER_MODEL (or --base-url/--model)")
    return draft_agreement(dataset, client=Client(settings), use_model=True, seed=args.seed, draws=args.draws)


@command("eval", _eval_args)
def run_eval(args: argparse.Namespace) -> int:
    """Measure agreement with human-reviewed forms: metrics, baselines, ceiling, log."""
    if args.policy and not Path(args.policy).is_file():
        return _fail(f"{args.policy}: no such policy file")
    dataset = _read_dataset(args.paths)
    if dataset is None:
        return _fail("no forms to evaluate")
    try:
        pipeline = _pipeline(args.pipeline, args.policy)
        result, predictions, outcomes = evaluate(dataset, pipeline, name=args.pipeline, draws=args.draws, seed=args.seed, top=args.top)
        if args.calibrate_split or args.cv:
            result.calibration = calibration_blocks(dataset, predictions, args.calibrate_split, args.cv, args.draws,
                                                    args.seed, args.curve)
        if args.drafts:
            result.draft_agreement = _draft_agreement(dataset, args)
    except (MissingExtra, RuntimeError, ConfigError) as exc:
        return _fail(str(exc))
    log_path = None
    if not args.no_log:
        try:
            log_dir = Path(args.log_dir) if args.log_dir else settings_from_args(args).home / RUNS_FOLDER
        except ConfigError as exc:
            return _fail(str(exc))
        config = RunConfig(
            command="eval", paths=args.paths, pipeline=args.pipeline, policy=args.policy, draws=args.draws,
            seed=args.seed, calibrate_split=args.calibrate_split, cv=args.cv,
            drafts="llm" if args.drafts and args.llm else ("template" if args.drafts else None),
        )
        log_path = str(write_log(build_log(result, dataset, predictions, outcomes, config, args.policy), log_dir))
        result.log = log_path
    document = result.as_json()  # the reports read the same document the JSON output prints
    if args.format == "json":
        text = json.dumps(document, ensure_ascii=False, indent=2)
    elif args.format == "html":
        text = render_html(document, log_path)
    else:
        text = markdown(document, log_path)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"reviewer: wrote {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


def _calibrate_args(p: argparse.ArgumentParser) -> None:
    _common(p, paths="*")
    p.add_argument("--from-decisions", metavar="RUN_DIR", help="learn from what reviewers decided in `reviewer serve` on this batch run directory")
    p.add_argument("--out", metavar="FILE", required=True, help="where to write the learned policy TOML")
    p.add_argument("--cv", type=int, default=5, metavar="K", help="K-fold cross-validation by form to report (default 5; 0 = none)")
    p.add_argument("--split", type=float, metavar="FRACTION", help="also report: calibrate on the first FRACTION of each file's forms, measure on the rest")
    p.add_argument("--curve", type=int, default=5, metavar="DRAWS",
                   help="learning curve: calibrate on 1, 2, 3, 5, 8 … forms, DRAWS random draws each (default 5; 0 = none)")
    p.add_argument("--by-group", action="store_true",
                   help="one policy per source file (FILE.<file>.toml), for forms from groups that decide differently")
    p.add_argument("--format", choices=["md", "json"], default="md", help="format of the evaluation printed on stdout")


@command("calibrate", _calibrate_args)
def run_calibrate(args: argparse.Namespace) -> int:
    """Learn an office's practice (per check and facet: cut or not, how much) into a policy TOML."""
    if not args.paths and not args.from_decisions:
        return _fail("give human-reviewed forms (PATH ...) or --from-decisions RUN_DIR")
    dataset = _read_dataset(args.paths) if args.paths else None
    if args.from_decisions:
        forms, problems = decided_forms(Path(args.from_decisions))
        for problem in problems:
            print(f"reviewer: {args.from_decisions}: {problem}", file=sys.stderr)
        decided = dataset_from_forms(forms)
        dataset = decided if dataset is None else Dataset(samples=[*dataset.samples, *decided.samples])
    if dataset is None or not dataset.samples:
        return _fail("no forms to calibrate on")
    try:
        predictions = harness.run_pipeline(dataset, _pipeline("checks", None))
        parts = by_group(dataset, Path(args.out)) if args.by_group else [(dataset, Path(args.out))]
        runs = {str(out): _calibrate_one(part, predictions, out, args) for part, out in parts}
    except (MissingExtra, RuntimeError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {exc.filename}: {exc.strerror}")
    if args.format == "json":
        docs = {out: run.model_dump(mode="json") for out, run in runs.items()}
        print(json.dumps(docs if args.by_group else next(iter(docs.values())), ensure_ascii=False, indent=2))
    else:
        for out, run in runs.items():
            heading = f"# {out}\n\n" if args.by_group else ""
            print(heading + decisions_md(run.table, run.warnings) + "\n" + calibration_md(run.evaluation))
    return 0


def by_group(dataset, out: Path) -> list[tuple[Dataset, Path]]:
    """One dataset per source file (the group a reviewer's practice holds in), each with its
    own policy file beside `out`: office.toml → office.<file stem>.toml."""
    ids: dict[str, list[str]] = {}
    for s in dataset.samples:
        ids.setdefault(s.file_group, []).append(s.form_id)
    return [(dataset.subset(group), out.with_name(f"{out.stem}.{Path(name).stem}{out.suffix or '.toml'}"))
            for name, group in sorted(ids.items())]


def _calibrate_one(dataset, predictions, out: Path, args: argparse.Namespace) -> CalibrationRun:
    """Calibrate on these forms, cross-validated; write the policy to `out`."""
    sources = sorted({Path(s.path).name for s in dataset.samples})
    mine = {s.form_id: predictions[s.form_id] for s in dataset.samples}
    blocks = calibration_blocks(dataset, mine, args.split, args.cv, args.draws, args.seed, args.curve)
    cv = next((b for b in blocks.values() if "k" in b), None)
    learned = guarded(dataset, mine, cv, sources=sources)
    out.write_text(policy_toml(learned), encoding="utf-8")
    for warning in learned.warnings:
        print(f"reviewer: warning: {warning}", file=sys.stderr)
    print(f"reviewer: wrote {out} ({len(learned.checks) - len(learned.kept_default)} checks learned "
          f"from {len(dataset.samples)} forms)", file=sys.stderr)
    return CalibrationRun(table=decision_table(learned), warnings=learned.warnings,
                          kept_default=learned.kept_default, evaluation=blocks)
