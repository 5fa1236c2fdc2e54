"""The layout zoo: every seed form rendered into every layout (tests/zoo/render.py), read
back and compared field by field with its hand-checked expectation (tests/data/expected/).

One case per (seed, variant, carrier), holding all the seed's forms in one file as a unit
files them. A case compares only the fields its rendering carries (render.carried): no id
or source, no warnings, no 项目金额; split targets add target_parts, the score variants
their 复核分/折算得分. Free text is compared without white space: a dump may break a
cell's text anywhere and a reader may rejoin it; numbers are compared exactly.

A field the rendering genuinely loses (render.lost_fields: a goal with one part empty, in a
carrier that drops empty cells without saying where; render.lost_cells: an indicator's cells
whose words a single-space flattening lets be cut more than one way, "购置费 112 万 112万 …")
is compared as unreadable: the reader must leave it empty and warn on it (for a cell, a
warning quoting its words), as reviewer does for what cannot be read.

Every rendering is read as `reviewer extract` reads a file: text through the layouts and the
text-to-grid reader, documents' tables and paragraphs straight to the grid reader.
"""

from __future__ import annotations

import pytest
from conftest import contract_dump
from zoo.render import (CARRIERS, DOCUMENT_CARRIERS, SEEDS, TEXT_CARRIERS, VARIANTS, Sheet, Table, as_cell_lines,
                         as_pipe_cells, as_pipe_rows, lost, rendering)  # fmt: skip

from reviewer.extract import ExtractFailure, extract_file

# Renderings the readers cannot read yet, and why: (seed, variant, carrier), "*" for any.
# Strict: a rendering listed here that starts to pass fails the run, so narrow or delete
# its line when a reader learns to read it.
NOT_READ_YET: dict[tuple[str, str, str], str] = {}


# Every variant goes through every text carrier and the cheap documents; the merged
# two-row header of split targets also through every document; the national template
# through everything. Word and PDF are the slow carriers (1-2 s for seed 001's 24 forms),
# so the largest seed takes them once, in the national template.
CHEAP_DOCUMENTS = ("xlsx", "xls", "csv", "html")
SLOW_DOCUMENTS = ("docx", "pdf", "pdf-unruled")
LARGEST_SEED = "001_61357c0ed07ba240.part-a"


def _in_matrix(seed: str, variant: str, carrier: str) -> bool:
    if carrier in TEXT_CARRIERS + CHEAP_DOCUMENTS or variant == "national":
        return True
    return variant == "split-target" and carrier in SLOW_DOCUMENTS and seed != LARGEST_SEED


def _not_read_yet(seed: str, variant: str, carrier: str) -> str | None:
    for (s, v, c), reason in NOT_READ_YET.items():
        if s in ("*", seed[:3]) and v in ("*", variant) and c in ("*", carrier):
            return reason
    return None


def _cases():
    for seed in SEEDS:
        for variant, carrier in ((v, c) for v in VARIANTS for c in CARRIERS if _in_matrix(seed, v, c)):
            reason = _not_read_yet(seed, variant, carrier)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(seed, variant, carrier, marks=marks, id=f"{seed[:3]}-{variant}-{carrier}")


def read_back(path, carrier: str) -> list:
    """What reviewer reads from a rendering: the file through the one source reader, as
    `reviewer extract` reads it (documents' tables straight to the grid reader)."""
    return extract_file(path)


def differences(got: object, want: object, at: str) -> list[str]:
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{at}: read {got!r}, expected {want!r}"]
        return [d for key, value in want.items() for d in differences(got.get(key), value, f"{at}.{key}")]
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{at}: read {len(got) if isinstance(got, list) else got!r} items, expected {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want)) for d in differences(g, w, f"{at}[{i}]")]
    if isinstance(want, str):
        same = isinstance(got, str) and "".join(got.split()) == "".join(want.split())
    else:
        same = got == want
    return [] if same else [f"{at}: read {got!r}, expected {want!r}"]


def as_unreadable(want: dict, gone: dict[str, str]) -> dict:
    """The expectation with each lost field as unreadable: every text in it empty (a field
    or an indicator's cell, "indicators[3].name")."""
    out = {k: _blank(v) if k in gone else v for k, v in want.items()}
    cells = [_cell_path(f) for f in gone if f.startswith("indicators[")]
    if cells:
        out["indicators"] = [dict(row) for row in want["indicators"]]
        for i, name in cells:
            row = out["indicators"][i]
            *inner, last = name.split(".")
            for key in inner:
                row[key] = row = dict(row[key])
            row[last] = _blank(row[last])
    return out


def _cell_path(lost_field: str) -> tuple[int, str]:
    row, name = lost_field.removeprefix("indicators[").split("].", 1)
    return int(row), name


def _cell_text(want: dict, i: int, name: str) -> str:
    """The text a lost cell holds in the form (a split target's parts: its whole target)."""
    ind = want["indicators"][i]
    return ind["target"] if name.startswith("target_parts") else ind[name]


def _blank(value: object) -> object:
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    return "" if isinstance(value, str) else value


def unwarned(form, gone: dict[str, str], want: dict, at: str) -> list[str]:
    """A lost field read without a warning on it. A lost indicator cell is warned on by the
    text reader's note on its row: a warning that quotes the cell's words and says it is
    left empty."""
    warned = {w.field.split(".")[0] for w in form.warnings}
    notes = ["".join(w.message.split()) for w in form.warnings if "left empty" in w.message]
    out = []
    for f, why in gone.items():
        if f.startswith("indicators["):
            i, name = _cell_path(f)
            if any("".join(_cell_text(want, i, name).split()) in n for n in notes):
                continue
        elif f in warned:
            continue
        out.append(f"{at}.{f}: lost in this rendering ({why}), but no warning names it")
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("zoo")


# What each document carrier is written with; a machine without it skips that carrier.
WRITERS = {"docx": ("docx",), "xls": ("xlwt", "xlrd"), "pdf": ("reportlab", "pdfplumber"),
           "pdf-unruled": ("reportlab", "pdfplumber")}


@pytest.mark.parametrize(("seed", "variant", "carrier"), list(_cases()))
def test_rendering_reads_back_as_expected(seed, variant, carrier, folder):
    for module in WRITERS.get(carrier, ()):
        pytest.importorskip(module, reason=f"the {carrier} rendering needs {module} (the test extra)")
    path, expected = rendering(seed, variant, carrier, folder)
    try:
        forms = read_back(path, carrier)
    except ExtractFailure as exc:
        pytest.fail(f"{path.name}: not read: {exc}")
    assert len(forms) == len(expected), f"{len(forms)} forms read, {len(expected)} rendered"
    problems = [d for n, (form, want, gone) in enumerate(zip(forms, expected, lost(seed, carrier, variant)), start=1)
                for d in differences(contract_dump(form), as_unreadable(want, gone), f"form {n}")
                + unwarned(form, gone, want, f"form {n}")]  # fmt: skip
    assert not problems, f"{len(problems)} fields differ:\n" + "\n".join(problems[:30])


# ---- the text carriers write what real converters write (devcorpus/, quoted in render.py)


def _small_table() -> list[Sheet]:
    table = Table(4)
    table.row((0, "一级指标", 1), (1, "二级指标", 1), (2, "三级指标", 1), (3, "备注", 1))
    table.row((0, "产出指标", 1, 2), (1, "数量指标", 1), (2, "业务工作支出安排金额", 1), (3, "", 1))
    table.row((1, "质量指标", 1), (2, "到位率", 1), (3, "", 1))
    return [Sheet(["整体绩效目标表"], table.complete(), {})]


def test_pipe_rows_drop_merged_and_empty_cells_and_pad_the_row_end():
    # As devcorpus/hn-yueyanglou…-pipe.txt: "質量指標 | 業務工作支出到位率 | … | ||"
    assert as_pipe_rows(_small_table()).splitlines() == [
        "整体绩效目标表",
        "一级指标 | 二级指标 | 三级指标 | 备注 |",
        "产出指标 | 数量指标 | 业务工作支出安排金额 | |",
        "质量指标 | 到位率 | ||",
    ]


def test_cell_lines_print_each_cell_once_with_a_space_for_a_blank():
    # As devcorpus/hebei-langfang…-nuantong.txt: cells between blank lines, " " for an empty cell.
    assert as_cell_lines(_small_table()).split("\n\n") == [
        "整体绩效目标表", "一级指标", "二级指标", "三级指标", "备注", "产出指标", "数量指标", "业务工作支出安排金额", " ",
        "质量指标", "到位率", " \n"]


def test_pipe_cells_print_a_cell_a_line_and_a_pipe_alone_for_a_blank():
    # As realforms/dev/sc-qingshen…-pipecell.txt: "% |", then "|" for the empty 完成值, "60 |".
    assert as_pipe_cells(_small_table()).splitlines() == [
        "整体绩效目标表", "一级指标 |", "二级指标 |", "三级指标 |", "备注 |", "产出指标 |", "数量指标 |", "业务工作支出安排金额 |",
        "|", "质量指标 |", "到位率 |", "|"]


# ---- what a single-space flattening genuinely loses (render.lost_cells)


def _form_with(*rows: tuple[str, str, str]) -> dict:
    return {"indicators": [{"name": n, "target": t, "actual": a} for n, t, a in rows]}


def test_flattening_loses_only_cells_whose_words_admit_another_cut():
    from zoo.render import lost_cells

    form = _form_with(("购置办公用设备共9 台", "9 台", "9 台"),  # "台" cannot begin a cell: one reading
                      ("及时", "高于 95%", "98%"),  # "高于" cannot end one: one reading
                      ("购置费 112 万", "112万", "109.44 万"),  # "购置费 | 112 万 112万 | …" reads too
                      ("满意度", "100%", "100%"))  # no space inside: nothing lost
    assert set(lost_cells(form, "flattened")) == {"indicators[2].name", "indicators[2].target", "indicators[2].actual"}
    assert lost_cells(form, "tsv") == {}  # tabs part cells: nothing is lost


def test_a_split_targets_parts_are_lost_together():
    from zoo.render import lost_cells

    form = _form_with(("及时", "≥95%", "98%"), ("提升", "高于 95%", "98%"))
    # ≥ | 95 | % has one reading; "高于 | 95%" against "高于 95%" does not say which
    assert set(lost_cells(form, "flattened", "split-target")) == {"indicators[1].target", "indicators[1].target_parts"}
