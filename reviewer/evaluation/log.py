"""A versioned JSON log per evaluation run, under a runs folder ($REVIEWER_HOME/eval/runs/
unless `reviewer eval --log-dir` says otherwise).

`EvalLog` is its schema (after inspect_ai's EvalLog): the schema version, time, git
revision (and whether the tree was dirty), the run's config, the policy file's sha256, the
prompt templates' sha256 (reviewer.drafting.prompts.template_hashes, from the installed
package), the dataset's files with their sha256, the full result, and every sample's
outcome and prediction. `EvalLog.model_validate_json` reads a log back.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from reviewer.drafting.prompts import template_hashes
from reviewer.evaluation.dataset import Dataset
from reviewer.evaluation.evaluate import EvalResult
from reviewer.evaluation.harness import FormPrediction
from reviewer.evaluation.scorers import Outcomes, ScoredForm, ScoredIndicator

LOG_SCHEMA = "reviewer.eval-log/1"
SOURCE_TREE = Path(__file__).resolve().parents[2]  # the checkout, when run from one


class GitRevision(BaseModel):
    revision: str | None = None
    dirty: bool | None = None


class PolicyFile(BaseModel):
    path: str | None = None
    sha256: str | None = None


class RunConfig(BaseModel):
    """What was run: the command line's choices."""

    command: str = "eval"
    paths: list[str] = Field(default_factory=list)
    pipeline: str = "checks"
    policy: str | None = None
    draws: int = 1000
    seed: int = 0
    calibrate_split: float | None = None
    cv: int = 0
    drafts: str | None = None  # "template", "llm", or None when drafts were not measured


class LoggedSamples(BaseModel):
    forms: list[ScoredForm] = Field(default_factory=list)
    indicators: list[ScoredIndicator] = Field(default_factory=list)
    predictions: dict[str, FormPrediction] = Field(default_factory=dict)


class EvalLog(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(LOG_SCHEMA, alias="schema")
    created: str
    git: GitRevision
    config: RunConfig
    policy: PolicyFile
    prompts: dict[str, str]  # template file → sha256
    dataset_files: dict[str, str | None]  # source file → sha256 (None when it is not a file)
    result: EvalResult
    samples: LoggedSamples


def git_revision(cwd: Path | None = None) -> GitRevision:
    """The checkout's revision; empty when not run from one (an installed copy)."""
    cwd = SOURCE_TREE if cwd is None else cwd
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=cwd, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        return GitRevision(revision=rev, dirty=bool(dirty))
    except (OSError, subprocess.SubprocessError):
        return GitRevision()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dataset_files(dataset: Dataset) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for s in dataset.samples:
        path = Path(s.path.split("!")[0])
        if str(path) not in out:
            out[str(path)] = sha256_file(path) if path.is_file() else None
    return out


def build_log(
    result: EvalResult,
    dataset: Dataset,
    predictions: dict[str, FormPrediction],
    outcomes: Outcomes,
    config: RunConfig,
    policy_path: str | None = None,
) -> EvalLog:
    return EvalLog(
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        git=git_revision(),
        config=config,
        policy=PolicyFile(path=policy_path, sha256=sha256_file(Path(policy_path)) if policy_path else None),
        prompts=template_hashes(),
        dataset_files=dataset_files(dataset),
        result=result,
        samples=LoggedSamples(forms=outcomes.forms, indicators=outcomes.indicators, predictions=predictions),
    )


def write_log(log: EvalLog, runs: str | Path) -> Path:
    folder = Path(runs)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    rev = log.git.revision or "norev"
    base = f"{stamp}-{rev[:8]}-{log.config.pipeline}"
    path = folder / f"{base}.json"
    n = 2
    while path.exists():
        path = folder / f"{base}-{n}.json"
        n += 1
    path.write_text(log.model_dump_json(by_alias=True, indent=1), encoding="utf-8")
    return path
