"""The one source reader (reviewer/extract/sources.py): names, encodings, zips, odd files.

Each test reproduces a defect of issue 9 (items 8, 10-13 and the zip-member ids) on a real
seed form from examples/.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLES
from reviewer.cli import main
from reviewer.extract import extract_paths, iter_documents
from reviewer.extract import sources
from reviewer.extract.sources import ExtractFailure, decode_text

SEED_000 = EXAMPLES / "000_227770587c716576.txt"  # 4 forms, UTF-8
SEED_003 = EXAMPLES / "003_8b0a55cfaf6a1b6b.txt"  # 5 forms without 项目编码


def _extract_json(capsys, *paths) -> tuple[int, dict, str]:
    code = main(["extract", "--format", "json", *map(str, paths)])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


# --- item 8: file names that are not UTF-8 ------------------------------------------


def test_gbk_file_name_is_read_and_shown_decoded(tmp_path, capsys):
    name = os.fsencode(tmp_path) + b"/" + "中文表".encode("gbk") + b".txt"
    with open(name, "wb") as handle:
        handle.write(SEED_000.read_bytes())
    code, doc, err = _extract_json(capsys, tmp_path)
    assert code == 0 and "Traceback" not in err
    assert len(doc["forms"]) == 4
    assert {f["source"]["path"].rsplit("/", 1)[-1] for f in doc["forms"]} == {"中文表.txt"}


def test_undecodable_file_name_is_escaped_not_a_crash(tmp_path, capsys):
    name = os.fsencode(tmp_path) + b"/bad\xff\xfe.txt"
    with open(name, "wb") as handle:
        handle.write(SEED_000.read_bytes())
    code, doc, err = _extract_json(capsys, tmp_path)
    assert code == 0 and len(doc["forms"]) == 4
    path = doc["forms"][0]["source"]["path"]
    path.encode("utf-8")  # printable and storable
    assert "\\xff" in path or "\ufffd" in path or "\u30fd" not in path


def test_gbk_member_name_in_a_windows_zip(tmp_path):
    archive = tmp_path / "forms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ABCDEF.txt", SEED_000.read_bytes())
    # Windows zip tools store GBK names without the UTF-8 flag: put the GBK bytes in place.
    gbk = "信访表".encode("gbk")
    assert len(gbk) == len(b"ABCDEF")
    archive.write_bytes(archive.read_bytes().replace(b"ABCDEF", gbk))
    result = extract_paths([archive])
    assert not result.errors
    assert {f.source.path for f in result.forms} == {f"{archive}!信访表.txt"}


# --- item 10: truncated UTF-8, UTF-16 -----------------------------------------------


def test_utf8_cut_inside_a_character_keeps_the_complete_forms(tmp_path):
    data = SEED_000.read_bytes()
    last_form = data.rindex("项目支出绩效自评表".encode())
    cut = data.index("满意度".encode(), last_form) + 1  # inside the first character of 满意度
    truncated = tmp_path / "cut.txt"
    truncated.write_bytes(data[:cut])
    result = extract_paths([truncated])
    assert len(result.forms) == 4  # the first three whole, the last up to the cut
    note = [w.message for w in result.forms[0].warnings if w.field == "source"]
    assert note == [f"file ends inside a character at byte {cut - 1} of {cut}: the last 1 byte(s) are "
                    "dropped (the file may be truncated)"]


def test_utf16_with_bom_is_text_not_binary(tmp_path):
    for codec in ("utf-16", "utf-16-be"):
        path = tmp_path / f"{codec}.txt"
        bom = b"\xfe\xff" if codec == "utf-16-be" else b""
        path.write_bytes(bom + SEED_000.read_text(encoding="utf-8").encode(codec))
        result = extract_paths([path])
        assert not result.errors, result.errors
        assert [f.code for f in result.forms] == [f.code for f in extract_paths([SEED_000]).forms]


def test_damaged_byte_in_utf8_names_its_offset():
    data = SEED_000.read_bytes()
    at = data.index("信息化".encode())
    damaged = data[:at] + b"\xff" + data[at + 1 :]
    decoded = decode_text(damaged)
    assert decoded.encoding == "utf-8"
    assert f"at byte {at}" in decoded.notes[0]


def test_text_that_is_neither_utf8_nor_gbk_names_the_byte():
    with pytest.raises(ExtractFailure, match=r"offset \d+ for UTF-8"):
        decode_text(b"abc \x81\x20\x81\x20\x81\x20 def" * 4)


# --- item 11: zip bombs -------------------------------------------------------------


def test_zip_bomb_member_is_refused_with_its_sizes(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"0" * (24 * sources.MiB))
        zf.writestr("good.txt", SEED_000.read_bytes())
    docs = list(iter_documents([archive]))
    assert [d.label.rsplit("!", 1)[1] for d in docs] == ["big.txt", "good.txt"]
    assert docs[0].data is None and "zip bomb" in docs[0].error and "24 MB" in docs[0].error
    assert len(extract_paths([archive]).forms) == 4


def test_zip_member_whose_header_lies_is_not_read_past_its_declared_size(tmp_path):
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"0" * (2 * sources.MiB))
    with zipfile.ZipFile(archive) as zf:
        info = zf.infolist()[0]
        info.file_size = 10  # what a forged header says: zipfile stops there and the CRC fails
        with pytest.raises(zipfile.BadZipFile):
            sources._read_member(zf, info, budget=sources.MAX_DOCUMENT_BYTES)


def test_zip_inside_zip_and_doc_members_are_named(tmp_path):
    archive = tmp_path / "outer.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("inner.zip", b"PK")
        zf.writestr("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"))
    errors = {e.path.rsplit("!", 1)[1]: e.message for e in extract_paths([archive]).errors}
    assert errors["inner.zip"] == "a zip inside a zip is not read; unpack it first"
    assert "save it as .docx" in errors["old.doc"]  # a .doc is read by its bytes: this one is Word 97-2003


def test_zip_members_without_codes_get_distinct_ids(tmp_path):
    archive = tmp_path / "ex.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("a.txt", "b.txt"):
            zf.writestr(name, SEED_003.read_bytes())
    ids = [f.id for f in extract_paths([archive]).forms]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert ids[0] == "a#1" and ids[5] == "b#1"


# --- item 12: deeply nested JSON ----------------------------------------------------


def test_deeply_nested_json_is_a_clear_error(tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    code, doc, err = _extract_json(capsys, deep, SEED_000)
    assert code == 0 and len(doc["forms"]) == 4
    assert doc["errors"] == [{"path": str(deep), "message": "not a reviewer form document (JSON nested too deeply)"}]
    assert "Traceback" not in err and "RecursionError" not in err


# --- item 13: FIFOs, broken links, unreadable folders, odd formats ------------------


def test_fifo_is_reported_not_read(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    good = tmp_path / "good.txt"
    good.write_bytes(SEED_000.read_bytes())
    for paths in ([fifo, good], [tmp_path]):  # given by name, and found in a folder
        result = extract_paths(paths)
        assert len(result.forms) == 4
        assert [(Path(e.path).name, e.message) for e in result.errors] == [("pipe.txt", "a FIFO, not a file; not read")]


def test_broken_symlink_is_reported(tmp_path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    result = extract_paths([tmp_path])
    assert [e.message for e in result.errors] == [f"broken symbolic link (points to {tmp_path / 'nowhere.txt'})"]


def test_unreadable_folder_is_reported(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    (tmp_path / "good.txt").write_bytes(SEED_000.read_bytes())
    real_scandir = os.scandir

    def scandir(path="."):  # as root, chmod 000 does not lock a folder: refuse it here
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = extract_paths([tmp_path])
    assert len(result.forms) == 4
    assert [(e.path, e.message) for e in result.errors] == [(str(locked), "cannot read folder (Permission denied)")]


def test_known_unreadable_formats_in_a_folder_say_what_to_do(tmp_path):
    (tmp_path / "scan.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "form.wps").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "notes.md").write_text("not a form suffix: skipped silently")
    messages = {Path(e.path).name: e.message for e in extract_paths([tmp_path]).errors}
    assert set(messages) == {"scan.jpg", "form.wps"}
    assert "run OCR" in messages["scan.jpg"] and "WPS" in messages["form.wps"]


def test_oversized_file_is_refused_without_reading_it_all(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_DOCUMENT_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_bytes(SEED_000.read_bytes())
    (doc,) = iter_documents([big])
    assert doc.data is None and "larger than" in doc.error
