"""Broken inputs get one clear line naming the file, never a traceback; other files still processed."""

from __future__ import annotations

import json
import shutil

from conftest import EXAMPLES
from reviewer.cli import main

SEED_000 = EXAMPLES / "000_227770587c716576.txt"


def _run(capsys, *args: str) -> tuple[int, dict, str]:
    code = main(["extract", "--format", "json", *map(str, args)])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _one_form_text() -> str:
    text = SEED_000.read_text(encoding="utf-8")
    second = text.index("项目支出绩效自评表", 10)
    return text[:second]


def test_each_broken_file_gets_one_named_line_and_good_files_still_load(tmp_path, capsys):
    good = tmp_path / "good.txt"
    shutil.copy(SEED_000, good)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "noform.txt").write_text("会议纪要\n今天讨论了下一年度的工作安排。\n", encoding="utf-8")
    code, doc, err = _run(capsys, tmp_path)
    assert code == 0
    assert len(doc["forms"]) == 4
    messages = {e["path"].rsplit("/", 1)[-1]: e["message"] for e in doc["errors"]}
    # The no-form message goes on to say what was looked for (项目名称, the funding and indicator tables …).
    assert messages.pop("noform.txt").startswith(
        "no self-evaluation form or evaluation report found in this text: looked for a 项目名称 label")
    assert messages == {
        "binary.txt": "binary file, not text (contains NUL bytes)",
        "empty.txt": "empty file",
    }
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("reviewer: ") for line in lines)
    assert "Traceback" not in err


def test_gbk_encoded_form_is_read_with_a_warning(tmp_path, capsys):
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(_one_form_text().encode("gbk"))
    code, doc, _ = _run(capsys, gbk)
    assert code == 0
    (form,) = doc["forms"]
    assert form["code"] == "440304220091500300003"
    assert form["name"] == "信息化运维项目"
    assert any(w["field"] == "source" and "GB18030" in w["message"] for w in form["warnings"])


def test_truncated_form_is_an_error_that_names_the_file(tmp_path, capsys):
    text = _one_form_text()
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: text.index("资金使用情况")], encoding="utf-8")
    code, doc, err = _run(capsys, cut)
    assert code == 2
    assert doc["forms"] == []
    (error,) = doc["errors"]
    assert error["path"].endswith("cut.txt")
    assert "truncated" in error["message"]
    assert "cut.txt" in err


def test_missing_path_and_no_forms_exit_2(tmp_path, capsys):
    code, doc, err = _run(capsys, tmp_path / "nope.txt")
    assert code == 2
    assert doc["errors"][0]["message"] == "no such file or folder"


def test_corrupt_pdf_and_zip_are_reported(tmp_path, capsys):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp_path / "bad.zip").write_bytes(b"PK not really")
    code, doc, _ = _run(capsys, tmp_path)
    assert code == 2
    messages = sorted(e["message"] for e in doc["errors"])
    assert messages == ["not a readable PDF (PdfminerException)", "not a readable zip archive"] or (
        messages[1] == "not a readable zip archive" and messages[0].startswith("not a readable PDF")
    )


def test_zip_of_forms_is_read_and_sources_name_the_member(tmp_path, capsys):
    import zipfile

    archive = tmp_path / "year.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(SEED_000, "2023/000.txt")
        z.writestr("2023/empty.txt", b"")
    code, doc, _ = _run(capsys, archive)
    assert code == 0
    assert len(doc["forms"]) == 4
    assert doc["forms"][0]["source"]["path"] == f"{archive}!2023/000.txt"
    assert doc["errors"] == [{"path": f"{archive}!2023/empty.txt", "message": "empty file"}]
