"""Small command-line promises: `python -m reviewer`, `--version`, `checks explain`, numbering."""

from __future__ import annotations

import subprocess
import sys

import reviewer
from reviewer.cli import main

from conftest import EXAMPLES, ROOT


def test_python_dash_m_reviewer_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "reviewer", "--version"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"reviewer {reviewer.__version__}"
    done = subprocess.run([sys.executable, "-m", "reviewer", "checks"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("PF101")


def test_checks_explain_without_a_code_prints_usage(capsys) -> None:
    assert main(["checks", "explain"]) == 2
    err = capsys.readouterr().err
    assert "usage: reviewer checks explain" in err and "None" not in err


def test_checks_explain_accepts_a_kebab_name(capsys) -> None:
    assert main(["checks", "explain", "over-achievement"]) == 0
    assert capsys.readouterr().out.startswith("PF305 over-achievement")
    assert main(["checks", "explain", "pf305"]) == 0
    assert capsys.readouterr().out.startswith("PF305 over-achievement")
    assert main(["checks", "explain", "no-such-check"]) == 2


def test_check_table_numbers_indicators_from_one(capsys) -> None:
    # 000's first form: PF305 fires on its first indicator, 在用信息系统个数
    assert main(["check", str(EXAMPLES / "000_227770587c716576.txt"), "--select", "PF305"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(line for line in lines if "在用信息系统个数" in line)
    assert " #1 " in first and " #0 " not in first
