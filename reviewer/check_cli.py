"""`reviewer check PATH…` and `reviewer checks [explain CODE]`."""

from __future__ import annotations

import argparse
import json
import sys

from reviewer.checks.common import fmt
from reviewer.checks.engine import run_checks, selected_checks
from reviewer.checks.findings import Confidence, Finding, FormReport
from reviewer.checks.policy import PolicyError, load_policy
from reviewer.checks.registry import CATEGORIES, DOC_HEADINGS, FACETS_HEADING, ROW_FACETS, all_checks
from reviewer.commands import command, print_errors, print_form_error, read_forms
from reviewer.config import add_llm_arguments

_SEVERITY_MARK = {"error": "E", "warning": "W", "info": "I"}


def _codes(text: str | None) -> list[str] | None:
    return [c for c in text.split(",") if c.strip()] if text else None


def _check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="form files or folders")
    p.add_argument("--blind", action="store_true",
                   help="judge the forms as if unscored: declared scores, deviation notes and totals are ignored")
    p.add_argument("--policy", metavar="FILE", help="TOML policy merged over the default")
    p.add_argument("--select", metavar="CODES", help="only these checks: codes, prefixes (PF4), names or categories, comma-separated")
    p.add_argument("--ignore", metavar="CODES", help="skip these checks (same forms as --select)")
    p.add_argument("--format", choices=["json", "table", "md"], default="table")
    p.add_argument("--llm", action="store_true",
                   help="send what the readers cannot read (numbers written together) to the configured language model")
    add_llm_arguments(p)


@command("check", _check_args)
def run_check(args: argparse.Namespace) -> int:
    """Check forms against the scoring rules and report findings and suggested scores."""
    try:
        policy = load_policy(args.policy)
        select, ignore = _codes(args.select), _codes(args.ignore)
        selected_checks(policy, select, ignore)  # a bad code is bad usage, before any form
    except (PolicyError, ValueError) as exc:
        print(f"reviewer: {exc}", file=sys.stderr)
        return 2
    extraction = read_forms(args)
    if extraction is None:
        return 2
    print_errors(extraction)
    reports = []
    for form in extraction.forms:
        try:
            reports.append(run_checks(form, policy, args.blind, select, ignore))
        except Exception as exc:  # a check that breaks on one form must not lose the others
            print_form_error(form, f"checks failed: {type(exc).__name__}: {exc}")
    if args.format == "json":
        doc = {"forms": [r.model_dump(mode="json") for r in reports],
               "errors": [e.model_dump(mode="json") for e in extraction.errors]}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    elif args.format == "md":
        print(markdown(reports))
    else:
        print(table(reports))
    return 0 if reports else 2


def _total_line(r: FormReport) -> str:
    c = r.recomputed
    grade = f"{c.grade}，暂定" if c.grade and c.provisional else (c.grade or "—")
    parts = [f"执行率 {fmt(c.execution_rate)}%", f"预算得分 {fmt(c.budget_score)}",
             f"建议总分 {fmt(c.suggested_total)} ({grade})"]
    if c.declared_total is not None:
        parts.append(f"填报总分 {fmt(c.declared_total)}")
    return "  ".join(parts)


def _cut(f: Finding) -> str:
    """The suggested score, and how sure the policy is of it (what a reviewer triages by)."""
    if f.suggested_score is None:
        return ""
    return f" → {fmt(f.suggested_score)}" + (f" ({sureness(f.confidence)})" if f.confidence else "")


def sureness(c: Confidence) -> str:
    """"p 0.84 of 16 rows", "contested" or "" for a rule the default applies."""
    if c.p_cut is not None:
        return f"p {c.p_cut:.2f} of {c.rows} rows" + (", contested" if c.contested else "")
    return "contested" if c.contested else "rule"


def table(reports: list[FormReport]) -> str:
    lines: list[str] = []
    for r in reports:
        lines.append(f"{r.id}  {r.name or ''}  [{_total_line(r)}]")
        if r.recomputed.basis:
            lines.append(f"  ! {r.recomputed.basis}")
        for f in r.findings:
            where = f"#{f.indicator.index + 1}" if f.indicator else "-"  # people count from 1, as in opinions
            lines.append(f"  {_SEVERITY_MARK[f.severity]} {f.check} {f.name:<28} {where:<4} {f.message}{_cut(f)}")
    counts = {s: sum(f.severity == s for r in reports for f in r.findings) for s in _SEVERITY_MARK}
    lines.append(f"# {len(reports)} forms: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
    return "\n".join(lines)


def markdown(reports: list[FormReport]) -> str:
    lines: list[str] = []
    for r in reports:
        lines += [f"## {r.name or r.id}（{r.id}）", "", _total_line(r), ""]
        if r.recomputed.basis:
            lines += [f"> {r.recomputed.basis}", ""]
        if not r.findings:
            lines += ["未发现问题。", ""]
            continue
        lines += ["| 检查 | 级别 | 指标 | 意见 | 建议得分 |", "|---|---|---|---|---|"]
        for f in r.findings:
            name = f.indicator.name if f.indicator else "（全表）"
            score = "" if f.suggested_score is None else fmt(f.suggested_score)
            lines.append(f"| {f.check} {f.name} | {f.severity} | {name} | {f.message} | {score} |".replace("\n", " "))
        lines.append("")
    return "\n".join(lines)


def _checks_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=["list", "explain"], default="list")
    p.add_argument("code", nargs="?", help="the check to explain: its code (PF101) or name (execution-rate)")
    p.add_argument("--policy", metavar="FILE", help="show the settings of this policy")


def _check_code(token: str, checks: dict) -> str | None:
    """The code of the check named by its code (any case) or its kebab name."""
    token = token.strip()
    if token.upper() in checks:
        return token.upper()
    return next((c.code for c in checks.values() if c.name == token.lower()), None)


@command("checks", _checks_args)
def run_checks_cmd(args: argparse.Namespace) -> int:
    """List the checks, or explain one: `reviewer checks explain PF101`."""
    try:
        policy = load_policy(args.policy)
    except PolicyError as exc:
        print(f"reviewer: {exc}", file=sys.stderr)
        return 2
    checks = all_checks()
    if args.action == "list":
        for c in checks.values():
            settings = policy.for_check(c.code)
            state = "" if settings.enabled else "  (off)"
            cut = "" if settings.deduct == "none" else f"  [cut: {settings.deduct}{', contested' if settings.contested else ''}]"
            print(f"{c.code}  {c.name:<28} {c.category:<18} {c.severity:<8}{cut}{state}")
        return 0
    if not args.code:
        print("usage: reviewer checks explain CODE  (a code such as PF101 or a name such as execution-rate;"
              " `reviewer checks` lists them)", file=sys.stderr)
        return 2
    code = _check_code(args.code, checks)
    if code is None:
        print(f"reviewer: no check {args.code!r}; `reviewer checks` lists them", file=sys.stderr)
        return 2
    c, settings = checks[code], policy.for_check(code)
    print(f"{c.code} {c.name} — {c.category} ({CATEGORIES[c.category]}), default severity {c.severity}")
    print(f"Message: {c.message}")
    print(f"Policy ({policy.name}): {json.dumps(settings.model_dump(exclude={'basis', 'when'}), ensure_ascii=False)}")
    if c.uses_scores:
        print("Skipped with --blind: it judges the declared scores or notes.")
    for heading in DOC_HEADINGS:
        print(f"\n{heading}:\n  {c.doc.get(heading, '')}")
    if FACETS_HEADING in c.doc:  # what a calibrated policy's [[checks.CODE.when]] rules can name
        print(f"\n{FACETS_HEADING} (in `check --format json`, and conditions of [[checks.{c.code}.when]]):")
        own = c.facets
        for name, text in {**own, **(ROW_FACETS if "row facets" in c.doc[FACETS_HEADING] else {})}.items():
            print(f"  {name}: {text}")
    for rule in settings.when:
        print(f"  when {json.dumps(rule, ensure_ascii=False)}")
    return 0

