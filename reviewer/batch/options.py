"""What a batch is asked to do (BatchOptions) and what it did (BatchResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.batch.state import RunState
from reviewer.batch.work import Usage


@dataclass
class BatchOptions:
    inputs: list[str]
    out: Path
    llm: bool = False
    concurrency: int = 4
    policy: Path | None = None
    docx: bool = False
    batch_api: bool = False
    retry_failed: bool = False  # ask the model again for forms whose call failed in an earlier run
    prune: bool = False  # remove the opinion files of forms not in this run (else kept and listed)
    poll_interval: float = 30.0  # seconds between Batch API status checks
    progress: bool | None = None  # None: draw when stderr is a terminal
    workers: int | None = None  # processes for the deterministic work; None: one per CPU for 16+ files
    settings: Any = None  # reviewer.config.Settings, for --llm
    command: list[str] | None = None  # argv, recorded in run.json


@dataclass
class BatchResult:
    status: str  # "complete" or "interrupted"
    forms: int = 0  # forms in this run's outputs
    reviewed: int = 0  # forms reviewed by this invocation
    reused: int = 0  # forms whose committed result was reused
    errors: int = 0  # rows on the errors sheet
    findings: int = 0
    comments: int = 0
    model_failed: int = 0  # forms in the outputs whose model call failed (template drafts)
    failure_reasons: list[tuple[str, int]] = field(default_factory=list)  # (why, forms), most frequent first
    other_opinions: list[str] = field(default_factory=list)  # opinions kept of forms not in this run
    pruned: int = 0  # opinions of forms not in this run removed (--prune)
    usage: Usage = field(default_factory=Usage)
    run: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, state: RunState, status: str, *, reviewed: int, reused: int, usage: Usage) -> BatchResult:
        """The result of this invocation's entries in `state`."""
        joined = "FROM entries e JOIN results r ON r.key = e.key"
        reasons = state.query(
            f"SELECT COALESCE(r.error, ''), COUNT(*) {joined} WHERE r.status = 'degraded' GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        return cls(
            status=status,
            forms=state.scalar(f"SELECT COUNT(*) {joined} WHERE r.status != 'error'") or 0,
            reviewed=reviewed,
            reused=reused,
            errors=len(list(state.iter_errors())),
            findings=state.scalar("SELECT COUNT(*) FROM entries e JOIN findings f ON f.key = e.key") or 0,
            comments=state.scalar("SELECT COUNT(*) FROM entries e JOIN comments c ON c.key = e.key") or 0,
            model_failed=sum(n for _, n in reasons),
            failure_reasons=[(why, n) for why, n in reasons],
            usage=usage,
        )
