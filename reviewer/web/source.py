"""The form itself, read again from its file: for its goal and outcome, and for calibration.

The run state keeps the review, not the form. A run's entry names its file by the label the
batch gave it (the path as typed, `archive.zip!member` inside a zip) and a result key that
starts with the file's content hash (sha256, first 40 hex digits: reviewer/batch/
fingerprint.py `result_key`). The file is looked for where the label points, from the
working folder, the run folder and its parent, and used only when its content hashes
to the same key: never another version of the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from reviewer.domain.model import Form
from reviewer.extract import ExtractFailure, iter_documents, read_document


@dataclass
class SourceForm:
    form: Form | None
    problem: str | None  # why the form could not be read again (shown to the reviewer)


def _candidates(label: str, run_folder: Path) -> list[Path]:
    file = Path(label.split("!", 1)[0])
    if file.is_absolute():
        return [file]
    return [base / file for base in (Path.cwd(), run_folder, run_folder.parent)]


def read_source(label: str, form_index: int, key: str, run_folder: Path) -> SourceForm:
    digest = key.split(":", 1)[0]
    for path in _candidates(label, run_folder):
        if not path.is_file():
            continue
        for doc in iter_documents([path]):
            if "!" in label and doc.label.split("!", 1)[-1] != label.split("!", 1)[1]:
                continue
            if doc.data is None or hashlib.sha256(doc.data).hexdigest()[:40] != digest:
                continue
            try:
                forms = read_document(doc)
            except ExtractFailure as exc:
                return SourceForm(None, f"{label}：原表读不出（{exc}）")
            found = next((f for f in forms if f.source.index == form_index), None)
            if found is not None:
                return SourceForm(found, None)
            return SourceForm(None, f"{label}：原表中找不到第{form_index + 1}张表")
    return SourceForm(None, f"{label}：原表文件不在原处或已改动，目标与完成情况无法显示")
