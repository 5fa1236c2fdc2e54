"""`reviewer batch` without a model: every form in summary.xlsx, broken files on the errors
sheet, deterministic outputs, resume after a crash, a broken form does not stop the batch."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES, ROOT, interrupt_batch

from reviewer.batch import BatchOptions, run_batch
from reviewer.batch.runner import Namer
from reviewer.batch.synthetic import make_year
from reviewer.cli import main
from reviewer.extract import extract_paths



@pytest.fixture(scope="module")
def year(tmp_path_factory) -> tuple[Path, int]:
    """About 400 seed-derived forms in sub-folders, plus an empty and a binary file."""
    folder = tmp_path_factory.mktemp("year")
    n = make_year(EXAMPLES, folder / "forms", 400, seed=11, units=4)
    (folder / "forms" / "empty.txt").write_bytes(b"")
    (folder / "forms" / "scan.pdf.txt").write_bytes(bytes(range(256)) * 40)
    return folder / "forms", n


@pytest.fixture(scope="module")
def year_run(year, tmp_path_factory):
    folder, n = year
    out = tmp_path_factory.mktemp("out") / "review"
    code = main(["batch", str(folder), "--out", str(out), "--workers", "2"])
    return folder, n, out, code


def sheet_rows(path: Path, name: str) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    book.close()
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


def test_every_form_in_summary_and_broken_files_on_errors_sheet(year_run):
    folder, n, out, code = year_run
    assert code == 0
    expected = extract_paths([folder])
    assert len(expected.forms) == n >= 390
    forms = sheet_rows(out / "summary.xlsx", "forms")
    assert len(forms) == n
    assert {(r["文件"], r["表内序号"]) for r in forms} == {(f.source.path, f.source.index + 1) for f in expected.forms}
    assert [r["序号"] for r in forms] == list(range(1, n + 1))
    by_code = {f.code: f for f in expected.forms if f.code}
    for r in forms:
        if r["项目编码"]:
            assert r["项目"] == by_code[r["项目编码"]].name
            assert r["自评总分"] == by_code[r["项目编码"]].total_score
    errors = sheet_rows(out / "summary.xlsx", "errors")
    reasons = {Path(r["文件"]).name: r["原因"] for r in errors}
    assert set(reasons) == {"empty.txt", "scan.pdf.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["scan.pdf.txt"]


def test_findings_comments_and_opinions_match_the_forms_sheet(year_run):
    _folder, n, out, _code = year_run
    forms = sheet_rows(out / "summary.xlsx", "forms")
    findings = sheet_rows(out / "summary.xlsx", "findings")
    comments = sheet_rows(out / "summary.xlsx", "comments")
    assert sum(r["问题总数"] for r in forms) == len(findings) > n  # the seed forms have many flaws
    assert sum(r["审核意见条数"] for r in forms) == len(comments) > 0
    assert {r["来源"] for r in comments} == {"template"}
    per_form = {}
    for f in findings:
        per_form[f["序号"]] = per_form.get(f["序号"], 0) + 1
    assert all(per_form.get(r["序号"], 0) == r["问题总数"] for r in forms)
    names = [r["意见文件"] for r in forms]
    assert len(set(names)) == n
    for name in names:
        md = out / name
        assert md.is_file() and md.with_suffix(".html").is_file()
    first = forms[0]
    assert first["单位"] and first["单位"].replace("（", "").split("_")[0][:4] in Path(first["意见文件"]).name
    run = (out / "run.json").read_text(encoding="utf-8")
    assert f'"forms": {n}' in run and '"errors": 2' in run


def test_same_inputs_give_the_same_outputs_and_resume_redoes_nothing(tmp_path):
    inputs = [str(EXAMPLES)]
    first = run_batch(BatchOptions(inputs=inputs, out=tmp_path / "a"))
    second = run_batch(BatchOptions(inputs=inputs, out=tmp_path / "b"))
    again = run_batch(BatchOptions(inputs=inputs, out=tmp_path / "a"))
    assert first.reviewed == second.reviewed == first.forms == 39
    assert again.reviewed == 0 and again.reused == 39
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    book = openpyxl.load_workbook(tmp_path / "a" / "summary.xlsx")
    assert book.sheetnames == ["forms", "findings", "comments", "errors"]
    for title in book.sheetnames:
        ws = book[title]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{max(ws.max_row, 1)}"
        assert ws["A1"].font.b
        assert max(ws.column_dimensions[c].width for c in "ABC") >= 30


def tree(folder: Path) -> dict[str, str]:
    """Every output file's hash (the state database and run.json hold timings; left out)."""
    skip = {"state.sqlite", "state.sqlite-wal", "state.sqlite-shm", "run.json"}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def test_zip_inputs_and_a_broken_form_are_recorded_and_the_batch_goes_on(tmp_path, monkeypatch):
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(EXAMPLES / "000_227770587c716576.txt", "a/000.txt")
        z.writestr("a/broken.txt", b"\x00\x01binary")
        z.writestr("notes.md", b"ignored suffix")  # .docx is read since issue 10
    from reviewer.batch import work

    real = work.Engine.review

    async def flaky(self, form):
        if form.source.index == 1:
            raise RuntimeError("boom")
        return await real(self, form)

    monkeypatch.setattr(work.Engine, "review", flaky)
    result = run_batch(BatchOptions(inputs=[str(archive)], out=tmp_path / "out"))
    assert result.status == "complete" and result.forms == 3
    errors = sheet_rows(tmp_path / "out" / "summary.xlsx", "errors")
    assert {(r["文件"], r["表内序号"]) for r in errors} == {(f"{archive}!a/broken.txt", None), (f"{archive}!a/000.txt", 2)}
    assert any("boom" in r["原因"] for r in errors)
    monkeypatch.setattr(work.Engine, "review", real)
    fixed = run_batch(BatchOptions(inputs=[str(archive)], out=tmp_path / "out"))
    assert fixed.reviewed == 1 and fixed.reused == 3 and fixed.forms == 4  # only the failed form is redone


def test_killed_run_resumes_without_redoing_committed_forms(year, tmp_path):
    folder, n = year
    out = tmp_path / "out"
    code = "import sys; from reviewer.cli import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", code, "batch", str(folder), "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    committed = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(out / "state.sqlite", timeout=1) as db:
                committed = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        except sqlite3.Error:
            committed = 0
        if committed >= 60:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the batch finished before it could be killed"
    with sqlite3.connect(out / "state.sqlite") as db:
        committed = db.execute("SELECT COUNT(*) FROM results WHERE status = 'ok'").fetchone()[0]
    assert 60 <= committed < n
    result = run_batch(BatchOptions(inputs=[str(folder)], out=out))
    assert result.status == "complete"
    # nothing committed is redone (a form whose file is a copy of a reviewed one is reused too)
    assert result.forms == n and result.reviewed + result.reused == n
    assert result.reused >= committed and result.reviewed <= n - committed
    clean = tmp_path / "clean"
    run_batch(BatchOptions(inputs=[str(folder)], out=clean))
    assert tree(out) == tree(clean)
    assert not list((out / "opinions").glob(".*.tmp"))


def test_names_are_recognisable_sanitised_and_unique():
    namer = Namer()
    a = namer.assign("深圳市福田区信访局（本级）", "信息化/运维:项目", "4403", "x.txt", 0)
    b = namer.assign("深圳市福田区信访局（本级）", "信息化/运维:项目", "4404", "x.txt", 1)
    c = namer.assign("深圳市福田区信访局（本级）", "信息化/运维:项目", None, "x.txt", 2)
    d = namer.assign("深圳市福田区信访局（本级）", "信息化/运维:项目", None, "x.txt", 3)
    e = namer.assign(None, None, None, "dir/003_scan.txt", 4)
    assert a == "深圳市福田区信访局（本级）_信息化运维项目"
    assert b == a + "_4404"
    assert len({a, b, c, d, e}) == 5 and e == "003_scan_5"
    assert all("/" not in x and ":" not in x for x in (a, b, c, d, e))


def test_cli_rejects_bad_usage(tmp_path, capsys):
    assert main(["batch", str(EXAMPLES), "--out", str(tmp_path), "--batch-api"]) == 2
    assert main(["batch", str(EXAMPLES), "--out", str(tmp_path), "--concurrency", "0"]) == 2
    assert main(["batch", str(EXAMPLES), "--out", str(tmp_path), "--policy", str(tmp_path / "nope.toml")]) == 2


def test_docx_opinions_are_written_and_reproducible(tmp_path):
    pytest.importorskip("docx")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / "000_227770587c716576.txt", src)
    run_batch(BatchOptions(inputs=[str(src)], out=tmp_path / "a", docx=True))
    run_batch(BatchOptions(inputs=[str(src)], out=tmp_path / "b", docx=True))
    docs = sorted((tmp_path / "a" / "opinions").glob("*.docx"))
    assert len(docs) == 4
    import docx

    assert "审核意见" in "\n".join(p.text for p in docx.Document(str(docs[0])).paragraphs)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_progress_line_is_quiet_without_a_terminal_and_complete_with_one():
    import io

    from reviewer.batch.progress import Progress

    quiet = io.StringIO()
    p = Progress(10, stream=quiet)
    p.files, p.forms, p.findings = 5, 40, 300
    p.update(force=True)
    p.close()
    assert quiet.getvalue() == ""  # StringIO is not a terminal
    shown = io.StringIO()
    p = Progress(10, stream=shown, enabled=True, show_tokens=True)
    p.files, p.forms, p.findings, p.tokens_in, p.tokens_out = 5, 40, 300, 12_000, 900
    p.update(force=True)
    line = shown.getvalue()
    assert line.startswith("\r[##########..........] 5/10 files")
    assert "40 forms" in line and "300 findings" in line and "ETA" in line and "tokens 12k in / 900 out" in line


def test_ctrl_c_with_worker_processes_stops_cleanly_and_resumes(year, tmp_path):
    folder, n = year
    out = tmp_path / "out"
    returncode, stderr = interrupt_batch([str(folder), "--out", str(out), "--workers", "2"], out, after=40, poll=0.005)
    assert returncode == 130, stderr
    assert "Traceback" not in stderr  # the workers ignored Ctrl-C; the main process stopped them
    with sqlite3.connect(out / "state.sqlite") as db:
        committed = db.execute("SELECT COUNT(*) FROM results WHERE status = 'ok'").fetchone()[0]
    assert 40 <= committed < n
    result = run_batch(BatchOptions(inputs=[str(folder)], out=out, workers=2))
    assert result.status == "complete" and result.forms == n
    assert result.reused >= committed and result.reviewed + result.reused == n


def test_worker_processes_and_in_process_work_give_the_same_outputs(year_run, tmp_path):
    folder, _n, out, _code = year_run  # written by two worker processes
    run_batch(BatchOptions(inputs=[str(folder)], out=tmp_path / "inline", workers=1))
    assert tree(tmp_path / "inline") == tree(out)
