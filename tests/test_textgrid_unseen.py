"""Real forms found with the search tool (tests/data/unseen, sources on their first line),
read by the text-to-grid reader and scored against cells checked by hand (expected.json).

None was used to build the reader before it was measured on it:
- round 1 (Sichuan pipes, Sichuan pipe cells one per line, Anhui flattened with spaces, a
  Sichuan fragment without its header): 89 of 118 checked cells placed (75%) as found;
- round 2 (a Sichuan form flattened with no separators at all, a Hubei PDF whose columns
  are interleaved): 7 of 55 (13%) as found, and 4 cells placed wrongly;
- round 3 (a Hunan PDF score sheet whose scores start the next line, a Hunan department
  report laid out one cell per paragraph): 0 of 11, measured and left as found.
Each measurement led to general changes (a 合计 row ends its table; a funding row's label
sits left of its amounts; an unknown label between known ones is still a header column; a
cut-off last row keeps its cells together; in text with no separators a cell ends before
a comparator and after a unit, and a row's numbers are read only when its cells fill its
columns one for one) and to label variants added to cues.toml. No cell is placed wrongly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from textgrid_score import score, wrong
from reviewer.extract.textgrid import text_grids

UNSEEN = Path(__file__).resolve().parent / "data" / "unseen"
EXPECTED = {k: v for k, v in json.loads((UNSEEN / "expected.json").read_text("utf-8")).items() if not k.startswith("_")}
# Files whose cells cannot all be placed, the least that must be, and why.
PARTLY = {
    # the excerpt starts inside the indicator table: no header says which column a cell is in
    "sc-dazhu-2023-flat-tail.txt": 0,
    # no separators at all: "202010100.00%" (20 | 20 | 10 | 100.00%), "20100%" (20 | 100%), "1020万元",
    # "显著提升显著提升" hold several cells each and are left empty, with notes
    "sc-zhongjiang-slj-2022-shuibiaochi-flat-nospace.txt": 30,
    # a PDF's text layer with two columns interleaved ("广水市交通运输局 广水市交通运输局"): for a table
    # extractor (pdfplumber), not for a reader of text
    "hb-guangshui-jtysj-2021-xiangcun-pdf-columns.txt": 0,
    # round 3, left as found: a PDF text layer whose rows break before their score ("相关性(5 分)\n5 明确性")
    # and whose labels are wrapped ("一级指 标"); a department report whose fields (联系人, 人员编制) are not
    # in cues.toml and hold no table
    "hn-wanglu-2017-bumen-defenbiao-pdf-lines.txt": 0,
    "hn-yueyang-cgj-2018-zhengti-report-cells.txt": 0,
}


def grids_of(name: str):
    return text_grids((UNSEEN / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_unseen_real_form_cells_are_placed_and_none_wrongly(name):
    grids = grids_of(name)
    placed, missed = score(grids, EXPECTED[name])
    assert wrong(grids, EXPECTED[name]) == []
    if name in PARTLY:
        assert placed >= PARTLY[name], missed
    else:
        assert missed == []


def test_a_table_without_its_header_is_said_not_guessed():
    [grid] = grids_of("sc-dazhu-2023-flat-tail.txt")
    assert any("no indicator header" in note for note in grid.notes)
    assert not any(c.text in ("22.5", "=100%") for row in grid.rows for c in row)


def test_cells_written_together_are_said():
    [grid] = grids_of("sc-zhongjiang-slj-2022-shuibiaochi-flat-nospace.txt")
    notes = " ".join(grid.notes)
    assert "'202010100.00%' is several numbers written together" in notes
    # 分值 written against a numeric 年度指标值: said, and both cells left empty
    assert "'20100%' is several numbers written together (分值 / 年度指标值)" in notes
    assert "'1020万元' is several numbers written together (分值 / 年度指标值)" in notes
    assert not any(c.text in ("202010100.00%", "2020", "20100%", "1020万元") for row in grid.rows for c in row)
