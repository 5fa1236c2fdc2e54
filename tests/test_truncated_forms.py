"""A form whose reading finds only its header is not read (nothing to check), and the one line
that says so names what was found (项目名称, year, unit), so that a reviewer can find the form."""

from __future__ import annotations

from pathlib import Path

from reviewer.cli import main
from reviewer.extract import extract_paths

HEADER_ONLY = "项目支出绩效自评表\n(2023年度)\n项目名称\t乡村道路养护\n主管部门\t某县交通运输局\t实施单位\t某县公路养护中心\n"


def test_the_reason_names_the_header_found(tmp_path: Path) -> None:
    path = tmp_path / "header.txt"
    path.write_text(HEADER_ONLY, encoding="utf-8")
    extraction = extract_paths([path])
    assert extraction.forms == []
    (error,) = extraction.errors
    assert "only its header was found" in error.message
    assert "'乡村道路养护'" in error.message and "2023" in error.message and "'某县公路养护中心'" in error.message


def test_extract_prints_one_line_with_the_reason(tmp_path: Path, capsys) -> None:
    path = tmp_path / "header.txt"
    path.write_text(HEADER_ONLY.replace("\t实施单位\t某县公路养护中心", ""), encoding="utf-8")
    assert main(["extract", str(path)]) == 2
    err = capsys.readouterr().err
    [line] = [ln for ln in err.splitlines() if "truncated" in ln]
    assert "header.txt" in line and "'乡村道路养护'" in line and "主管部门 '某县交通运输局'" in line
