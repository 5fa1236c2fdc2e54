"""`reviewer batch` without a model: every form in summary.xlsx, broken files on the errors
sheet, deterministic outputs, resume after a crash, a broken form does not stop the batch."""

from __future__ import annotations

import hashlib
import json
import re
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
    assert book.sheetnames == ["forms", "findings", "comments", "warnings", "errors"]
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


def opinion_tree(out: Path) -> dict[str, str]:
    return {k: v for k, v in tree(out).items() if k.startswith("opinions/")}


def test_a_rerun_rewrites_the_opinions_whose_inputs_changed_and_only_those(tmp_path):
    """Results of an earlier policy are reused when it is in effect again: their opinions must
    be written again (they held the other policy's text: summary.xlsx said 98, the opinion 99)."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / "000_227770587c716576.txt", src / "a.txt")
    shutil.copy(EXAMPLES / "002_cc20b351adbf8378.txt", src / "b.txt")
    policy = tmp_path / "strict.toml"
    policy.write_text("[checks.PF401]\ndeduct = \"fixed\"\namount = 2\n[checks.PF405]\ndeduct = \"fixed\"\namount = 2\n",
                      encoding="utf-8")  # fmt: skip
    out, clean = tmp_path / "out", tmp_path / "clean"
    strict = BatchOptions(inputs=[str(src)], out=out, policy=policy)
    run_batch(strict)
    default = run_batch(BatchOptions(inputs=[str(src)], out=out))
    assert default.reviewed == 9
    again = run_batch(strict)  # every result is reused, from the first run
    assert again.reviewed == 0 and again.reused == 9
    run_batch(BatchOptions(inputs=[str(src)], out=clean, policy=policy))
    forms = sheet_rows(out / "summary.xlsx", "forms")
    for row in forms:  # the opinion tells the unit the suggested total summary.xlsx shows
        page = (out / row["意见文件"]).with_suffix(".html").read_text(encoding="utf-8")
        assert float(re.search(r"复核建议得分：([\d.]+)", page)[1]) == row["建议总分"]
    assert opinion_tree(out) == opinion_tree(clean) != {}
    assert default.run["outputs"]["opinions_written"] == again.run["outputs"]["opinions_written"] == 9

    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "opinions").iterdir()}
    same = run_batch(strict)
    assert same.run["outputs"]["opinions_written"] == 0
    assert {p.name: p.stat().st_mtime_ns for p in (out / "opinions").iterdir()} == stamps
    (src / "b.txt").write_bytes((src / "b.txt").read_bytes() + "\n（重新提交）\n".encode())
    edited = run_batch(strict)  # one file's content changed: its five forms, and only they
    assert edited.reviewed == 5 and edited.run["outputs"]["opinions_written"] == 5
    changed = {n for n, t in stamps.items() if (out / "opinions" / n).stat().st_mtime_ns != t}
    assert len(changed) == 10 and all(n.endswith((".md", ".html")) for n in changed)


def test_a_rerun_on_fewer_inputs_keeps_the_other_opinions_and_says_so(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / "000_227770587c716576.txt", src / "a.txt")
    shutil.copy(EXAMPLES / "002_cc20b351adbf8378.txt", src / "b.txt")
    out = tmp_path / "out"
    assert main(["batch", str(src), "--out", str(out)]) == 0
    before = opinion_tree(out)
    assert len(before) == 18
    assert main(["batch", str(src / "a.txt"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"reviewer: {out / 'opinions'} also holds the opinions of 5 forms not in this run: kept" in err
    assert opinion_tree(out) == before  # nothing deleted
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    others = run["outputs"]["opinions_not_in_this_run"]
    assert len(others) == 5 and all((out / "opinions" / f"{n}.md").is_file() for n in others)
    assert len(sheet_rows(out / "summary.xlsx", "forms")) == 4  # the outputs are of this run's forms
    assert main(["batch", str(src / "a.txt"), "--out", str(out), "--prune"]) == 0
    assert "removed from" in capsys.readouterr().err
    assert set(opinion_tree(out)) == {k for k in before if Path(k).stem not in others}
    assert main(["batch", str(src / "a.txt"), "--out", str(out)]) == 0
    assert "not in this run" not in capsys.readouterr().err


def test_each_unreadable_file_gets_one_line_on_stderr_and_the_others_are_reviewed(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / "000_227770587c716576.txt", src / "good.txt")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (src / "gone.txt").symlink_to(src / "nowhere.txt")
    os.mkfifo(src / "pipe.txt")
    with zipfile.ZipFile(src / "in.zip", "w") as z:
        z.writestr("notes.txt", "会议纪要\n今天讨论了下一年度的工作安排。\n")
        z.writestr("scan.jpg", b"\xff\xd8\xff")
    # the lines `reviewer extract` prints for the same files: one reader, one message each
    expected = {f"reviewer: {e.path}: {e.message}" for e in extract_paths([src]).errors}
    assert len(expected) == 6
    for name, why in (("empty.txt", "empty file"), ("gone.txt", "broken symbolic link"), ("pipe.txt", "FIFO")):
        assert any(line.startswith(f"reviewer: {src / name}: ") and why in line for line in expected), name
    for run in ("first", "again"):  # a re-run reuses everything, and says the same
        assert main(["batch", str(src), "--out", str(tmp_path / "out")]) == 0, run
        lines = capsys.readouterr().err.splitlines()
        assert set(lines[:-1]) == expected and len(lines) == len(expected) + 1
        assert lines[-1].startswith("reviewer: 4 forms")
    errors = sheet_rows(tmp_path / "out" / "summary.xlsx", "errors")
    assert {f"reviewer: {r['文件']}: {r['原因']}" for r in errors} == expected


class GbkName(zipfile.ZipInfo):
    """A member name stored as a Chinese Windows zip tool stores it: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits


def test_file_names_that_are_not_utf8_are_shown_decoded_and_do_not_stop_the_batch(tmp_path, capsys):
    """A GBK name from a Windows share or zip: file names go through JSON, SQLite and file
    names; the batch crashed on them (UnicodeEncodeError: surrogates not allowed)."""
    src = tmp_path / "in"
    src.mkdir()
    name = "福田区信访局2023.txt"
    on_disk = Path(os.fsdecode(os.fsencode(src) + b"/" + name.encode("gbk")))
    shutil.copy(EXAMPLES / "000_227770587c716576.txt", on_disk)
    with zipfile.ZipFile(src / "windows.zip", "w") as z:  # GBK member names, no UTF-8 flag
        z.writestr(GbkName(name), (EXAMPLES / "002_cc20b351adbf8378.txt").read_bytes())
        z.writestr(GbkName("损坏.txt"), b"")
    out = tmp_path / "out"
    for run in ("first", "again"):
        assert main(["batch", str(src), str(on_disk), "--out", str(out)]) == 0, run
        err = capsys.readouterr().err
        assert err.splitlines()[0] == f"reviewer: {src / 'windows.zip'}!损坏.txt: empty file" and "Traceback" not in err
    forms = sheet_rows(out / "summary.xlsx", "forms")
    assert len(forms) == 13
    assert {r["文件"] for r in forms} == {str(src / name), f"{src / 'windows.zip'}!{name}"}
    assert all((out / r["意见文件"]).is_file() for r in forms)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["inputs"] == [str(src), str(src / name)]


def test_a_line_said_during_the_run_clears_the_progress_bar_and_the_bar_comes_back():
    import io

    from reviewer.batch.progress import Progress

    shown = io.StringIO()
    p = Progress(10, stream=shown, enabled=True)
    p.files, p.forms = 5, 40
    p.update(force=True)
    bar = shown.getvalue()
    p.say("reviewer: a.txt: empty file")
    after = shown.getvalue()[len(bar):]
    assert after.startswith("\r" + " " * (len(bar) - 1) + "\rreviewer: a.txt: empty file\n\r[")
    quiet = io.StringIO()
    Progress(10, stream=quiet).say("reviewer: a.txt: empty file")
    assert quiet.getvalue() == "reviewer: a.txt: empty file\n"


def test_run_json_rates_say_what_they_count(tmp_path):
    first = run_batch(BatchOptions(inputs=[str(EXAMPLES)], out=tmp_path))
    again = run_batch(BatchOptions(inputs=[str(EXAMPLES)], out=tmp_path))
    for result, reviewed in ((first, 39), (again, 0)):
        run = json.loads((tmp_path / "run.json").read_text(encoding="utf-8")) if result is again else first.run
        t, counts = run["timings"], run["counts"]
        assert (counts["forms"], counts["reviewed"], counts["reused"]) == (39, reviewed, 39 - reviewed)
        assert "forms_per_s" not in t  # it counted only the reviewed forms, whatever its name said
        assert t["reviewed_per_s"] == pytest.approx(reviewed / t["total_s"], rel=0.02, abs=0.1)
        assert t["forms_in_outputs_per_s"] == pytest.approx(39 / t["total_s"], rel=0.02) and t["forms_in_outputs_per_s"] > 0


def test_the_recorded_command_line_keeps_no_credential_of_a_typed_base_url():
    from reviewer.batch.runner import public_command

    argv = ["reviewer", "batch", "in/", "--base-url", "https://u:pw@api.example.com/v1?key=SECRET1",
            "--base-url=https://api.example.com/v1?api-key=SECRET2", "--out", "out"]  # fmt: skip
    shown = " ".join(public_command(argv))
    assert "SECRET1" not in shown and "SECRET2" not in shown and "pw@" not in shown
    assert shown.startswith("reviewer batch in/ --base-url https://api.example.com/v1?key=") and shown.endswith("--out out")
    assert public_command(["reviewer", "batch", "a.txt"]) == ["reviewer", "batch", "a.txt"]
