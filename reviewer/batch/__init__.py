"""`reviewer batch`: a year's forms in one resumable run, with summary.xlsx and a dashboard.

    from reviewer.batch import BatchOptions, run_batch
    result = run_batch(BatchOptions(inputs=["2024/"], out=Path("review-2024")))
"""

from reviewer.batch.options import BatchOptions, BatchResult
from reviewer.batch.runner import BatchRunner, run_batch

__all__ = ["BatchOptions", "BatchResult", "BatchRunner", "run_batch"]
