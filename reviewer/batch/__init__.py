"""`reviewer batch`: a year's forms in one resumable run, with summary.xlsx and a dashboard.

    from reviewer.batch import BatchOptions, run_batch
    result = run_batch(BatchOptions(inputs=["2024/"], out=Path("review-2024")))

One module per job; runner.py drives them:
- options: BatchOptions, BatchResult;
- reading: which forms of each document are reviewed (discovery is reviewer.extract.sources);
- naming: opinion file names; fingerprint: the config hash and result keys;
- work: the per-form review (checks, drafting) reduced to rows; jobs: what the parts hand each other;
- tasks: forms reviewed in the event loop; pool: worker processes; model: a review split around
  its model call; client: the run's model client; batch_api: the OpenAI Batch API mode;
- state: the run state (SQLite, schema migrations); lock: one run per folder; signals: Ctrl-C;
- outputs: opinion files, summary.xlsx, index.html (dashboard); manifest: run.json;
  progress: the progress line; cli: the command.

It may import reviewer.domain, extract, checks, drafting and the shared services (llm, store,
config, redaction, migrations, templates); evaluation and web are its siblings, and nothing
imports it but the CLI (its cli module is the batch command).
"""

from reviewer.batch.options import BatchOptions, BatchResult
from reviewer.batch.runner import BatchRunner, run_batch

__all__ = ["BatchOptions", "BatchResult", "BatchRunner", "run_batch"]
