"""A versioned JSON log per evaluation run, under a runs folder ($REVIEWER_HOME/eval/runs/
unless `reviewer eval --log-dir` says otherwise).

Each log holds: schema, time, git revision (and whether the tree was dirty), the config
(paths, pipeline, seed, draws), the policy file's sha256, prompt hashes (sha256 per file
under prompts/, empty while there are none), the dataset's files with their sha256, the
full result, and per-sample outputs (every indicator and form outcome, every finding).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from reviewer.evaluation.dataset import Dataset
from reviewer.evaluation.harness import FormPrediction
from reviewer.evaluation.scorers import Outcomes

LOG_SCHEMA = "reviewer.eval-log/1"
ROOT = Path(__file__).resolve().parents[2]


def git_revision(cwd: Path = ROOT) -> dict:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=cwd, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        return {"revision": rev, "dirty": bool(dirty)}
    except (OSError, subprocess.SubprocessError):
        return {"revision": None, "dirty": None}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prompt_hashes(folder: Path = ROOT / "prompts") -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def dataset_files(dataset: Dataset) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for s in dataset.samples:
        path = Path(s.path.split("!")[0])
        if str(path) not in out:
            out[str(path)] = sha256_file(path) if path.is_file() else None
    return out


def build_log(
    result: dict,
    dataset: Dataset,
    predictions: dict[str, FormPrediction],
    outcomes: Outcomes,
    config: dict,
    policy_path: str | None = None,
) -> dict:
    return {
        "schema": LOG_SCHEMA,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git": git_revision(),
        "config": config,
        "policy": {"path": policy_path, "sha256": sha256_file(Path(policy_path)) if policy_path else None},
        "prompts": prompt_hashes(),
        "dataset_files": dataset_files(dataset),
        "result": result,
        "samples": {
            "forms": [f.model_dump(mode="json") for f in outcomes.forms],
            "indicators": [o.model_dump(mode="json") for o in outcomes.indicators],
            "predictions": {k: v.model_dump(mode="json") for k, v in predictions.items()},
        },
    }


def write_log(log: dict, runs: str | Path) -> Path:
    folder = Path(runs)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    rev = (log.get("git") or {}).get("revision") or "norev"
    base = f"{stamp}-{rev[:8]}-{log['config'].get('pipeline', 'run')}"
    path = folder / f"{base}.json"
    n = 2
    while path.exists():
        path = folder / f"{base}-{n}.json"
        n += 1
    path.write_text(json.dumps(log, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
