"""run.json: what a run was (command, options, versions, hashes) and what it did (counts,
model failures, timings, tokens, outputs). Written atomically at the end of every run,
interrupted ones included; it holds no secret (a typed --base-url is shown without its
credentials) and is the only output with times in it."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import reviewer
from reviewer.batch.fingerprint import PACKAGE_DIR, llm_fingerprint, prompt_versions, source_hash
from reviewer.batch.options import BatchOptions, BatchResult
from reviewer.batch.state import RunState
from reviewer.batch.work import Usage
from reviewer.extract.sources import display_path
from reviewer.redaction import public_url

RUN_JSON = "run.json"


def public_command(argv: list[str] | None) -> list[str] | None:
    """The command line as run.json records it: printable, and a --base-url without the
    credentials a URL can carry (user:password@, key=… in the query)."""
    if not argv:
        return None
    shown = [display_path(a) for a in argv]
    if not any(a == "--base-url" or a.startswith("--base-url=") for a in shown):
        return shown
    out: list[str] = []
    for before, arg in zip([None, *shown], shown):
        if before == "--base-url":
            arg = public_url(arg)
        elif arg.startswith("--base-url="):
            arg = "--base-url=" + public_url(arg.split("=", 1)[1])
        out.append(arg)
    return out


def versions() -> dict[str, str]:
    found = {"reviewer": getattr(reviewer, "__version__", "0"), "python": platform.python_version()}
    for module in ("openpyxl", "pydantic", "openai", "docx"):
        mod = sys.modules.get(module)
        if mod is not None and hasattr(mod, "__version__"):
            found[module] = mod.__version__
    return found


def tokens(usage: Usage, state: RunState) -> dict[str, Any]:
    in_state = state.query(
        "SELECT COALESCE(SUM(r.tokens_in),0), COALESCE(SUM(r.tokens_out),0), COALESCE(SUM(r.calls),0) "
        "FROM entries e JOIN results r ON r.key = e.key")[0]  # fmt: skip
    return {"calls": usage.calls, "cache_hits": usage.cache_hits, "failed_calls": usage.failed,
            "tokens_in": usage.tokens_in, "tokens_out": usage.tokens_out,
            "total_in_state": dict(zip(("tokens_in", "tokens_out", "calls"), in_state))}  # fmt: skip


def model_read_files(state: RunState) -> int:
    """Files in this run's outputs whose forms a language model read (--llm), reused ones included."""
    return state.scalar("SELECT COUNT(DISTINCT e.label) FROM entries e JOIN results r ON r.key = e.key "
                        "WHERE r.layout = 'model-read'") or 0  # fmt: skip


def manifest(options: BatchOptions, result: BatchResult, *, config: dict[str, Any], config_hash: str, settings: Any,
             files: int, seconds: float, timings: dict[str, float], state: RunState,
             batch_api: dict[str, Any] | None, outputs: dict[str, Any], model_read_failed: int = 0) -> dict[str, Any]:  # fmt: skip
    drafting_dir = PACKAGE_DIR / "drafting"
    policy = str(options.policy) if options.policy else None
    return {
        "status": result.status,
        "command": public_command(options.command),
        "inputs": [display_path(p) for p in options.inputs],
        "options": {"llm": options.llm, "concurrency": options.concurrency, "policy": policy, "docx": options.docx,
                    "batch_api": options.batch_api, "retry_failed": options.retry_failed, "prune": options.prune},
        "versions": versions(),
        "config_hash": config_hash,
        "code_hash": config["code"],
        "policy": {"path": policy, "hash": config["policy"]},
        "prompts": {"templates_hash": config["templates"],
                    "drafting_code_hash": source_hash(PACKAGE_DIR, "drafting") if drafting_dir.exists() else None,
                    "versions": prompt_versions()},
        "model": llm_fingerprint(settings) if options.llm else None,
        "counts": {"files": files, "forms": result.forms, "reviewed": result.reviewed, "reused": result.reused,
                   "errors": result.errors, "findings": result.findings, "comments": result.comments,
                   "model_failed": result.model_failed,
                   # files read by the model; files whose model reading failed (asked again next run)
                   "model_read": model_read_files(state) if options.llm else 0, "model_read_failed": model_read_failed},
        "model_failures": [{"reason": why, "forms": n} for why, n in result.failure_reasons],
        # reviewed_per_s: forms reviewed (not reused) by this run per second of this run;
        # forms_in_outputs_per_s: every form in the outputs (reviewed + reused), same seconds
        "timings": {"total_s": round(seconds, 3), **timings,
                    "reviewed_per_s": round(result.reviewed / seconds, 1) if seconds > 0 else None,
                    "forms_in_outputs_per_s": round(result.forms / seconds, 1) if seconds > 0 else None},
        "tokens": tokens(result.usage, state),
        "batch_api": batch_api,
        "outputs": outputs,
    }  # fmt: skip


def write_manifest(out: Path, run: dict[str, Any]) -> None:
    tmp = out / (RUN_JSON + ".part")
    tmp.write_text(json.dumps(run, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / RUN_JSON)
