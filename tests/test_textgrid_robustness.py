"""text_grids never raises: truncated, shuffled and mangled real texts, and odd inputs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import json

from conftest import EXAMPLES, EXPECTED
from textgrid_render import LAYOUTS, render
from reviewer.extract.grid import Grid
from reviewer.extract.textgrid import text_grids

DEVCORPUS = Path(__file__).resolve().parent / "data" / "devcorpus"
TEXTS = sorted(DEVCORPUS.glob("*.txt")) + sorted(EXAMPLES.glob("*.txt"))
UNSEEN = sorted((DEVCORPUS.parent / "unseen").glob("*.txt"))


def mangled(text: str, rng: random.Random) -> list[str]:
    lines = text.split("\n")
    shuffled = lines[:]
    rng.shuffle(shuffled)
    cut = rng.randrange(1, max(2, len(text)))
    chars = list(text[: 3000])
    rng.shuffle(chars)
    dropped = [ln for ln in lines if rng.random() > 0.3]
    return [
        text[:cut],  # cut anywhere, inside a cell, a row or a character run
        text[cut:],
        "\n".join(shuffled),  # rows out of order
        "".join(chars),  # characters out of order
        "\n".join(dropped),  # lines lost
        text.replace("\n", ""),  # everything on one line
        text.replace("\n", " "),
        text.replace("|", "\t"),
        text.replace(" ", "|"),
    ]


def check(grids: list[Grid]) -> None:
    for grid in grids:
        assert grid.rows and all(len(row) == grid.width for row in grid.rows)
        for row in grid.rows:
            for cell in row:
                if cell.covered_by is not None:
                    r, c = cell.covered_by
                    assert grid.cell(r, c) is not None
        grid.to_tsv()


@pytest.mark.parametrize("path", TEXTS + UNSEEN, ids=lambda p: p.name)
def test_mangled_real_texts_never_raise(path):
    rng = random.Random(path.name)
    text = path.read_text(encoding="utf-8")[:12000]
    for variant in mangled(text, rng):
        check(text_grids(variant))


@pytest.mark.parametrize("text", [
    "", "\n", " ", "\u00a0", "|", "||||", "| |\n|", "\t", "\t\t\n\t", "一级指标", "一级指标\n二级指标\n三级指标",
    "年度资金总额", "总分 100", "310.2154.741050%5" * 50, "1" * 5000, "9." * 3000 + "x", "一级指标二级指标三级指标分值得分数量指标名称" + "1234567890." * 400 + "x", "(" * 500,
    "项目名称" * 300, "| 一级指标 | 二级指标 | 三级指标 |\n" * 200, "產(chǎn)" * 400, "\r\n".join(["a\tb"] * 50),
    "一级指标 二级指标 三级指标 分值 得分 " + "产出指标 数量指标 " * 300,
])
def test_odd_inputs_never_raise(text):
    check(text_grids(text))



@pytest.mark.parametrize("layout", LAYOUTS)
def test_mangled_renderings_never_raise(layout):
    form = json.loads((EXPECTED / "002_cc20b351adbf8378.json").read_text("utf-8"))[0]
    rng = random.Random(layout)
    for variant in mangled(render(form, layout), rng):
        check(text_grids(variant))
