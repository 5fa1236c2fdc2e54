"""Layouts of forms, and the one entry point for grids.

A text goes to the first specific layout that claims it (each layout module has NAME,
detect(text) and parse(text, path); `detect` must be cheap and specific, the most
specific first): an evaluation report, an OCR'd Shenzhen scan, a tab-separated table
export, a Shenzhen PDF dump. Any other text is read through the grids it holds, and so is
every document table: `forms_from_grids` is what a source of grids (.xlsx sheets, .docx
or .html tables, a text cut into rows) calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from reviewer.domain.model import Form
from reviewer.extract.assemble import assemble
from reviewer.extract.grid import Grid
from reviewer.extract import textgrid
from reviewer.extract.layouts import ocr, report, rubric_run, shenzhen, tabular

# rubric_run last: it claims only a rubric header run together with no delimiter.
LAYOUTS: list[ModuleType] = [report, ocr, tabular, shenzhen, rubric_run]

# What a text that yields no form is told.
NOT_FOUND = (
    "no self-evaluation form or evaluation report found in this text: looked for a 项目名称 label, a funding "
    "table (年初预算数 / 全年预算数 / 全年执行数), an indicator table (一级指标 / 二级指标 / 三级指标 or 指标名称, "
    "with 指标值 / 分值 / 得分) and a 绩效评价报告's scoring table, as table cells; none was found"
)


def detect(text: str) -> ModuleType | None:
    for layout in LAYOUTS:
        if layout.detect(text):
            return layout
    return None


def text_grids(text: str) -> list[Grid]:
    """The tables a text holds, as grids, whatever delimits their cells (tabs, pipes, runs of
    spaces, one cell per line, a table flattened into one line): `textgrid.text_grids`, with
    the text cleaned up at the source (traditional script, inserted pinyin, comparators)."""
    return textgrid.text_grids(text)


def forms_from_grids(grids: Iterable[Grid], path: str) -> list[Form]:
    """The forms in a sequence of grids (a workbook's sheets, a document's tables and
    paragraphs, the tables of a text), read as one sequence of rows and numbered in order.
    A grid whose origin keeps true positions (tabs, docx, xlsx, xls, html, pdf) is read by
    position, the others (pipes, spaces, cells per line, flattened) by what their cells hold."""
    raws = tabular.read_grids(list(grids), path)
    for index, raw in enumerate(raws):
        raw.index = index
    return [assemble(raw) for raw in raws]


def read_text(text: str, path: str) -> tuple[str | None, list[Form]]:
    """(the layout that claimed the text, or None; its forms)."""
    layout = detect(text)
    if layout is None:
        return None, forms_from_grids(text_grids(text), path)
    forms = layout.parse(text, path)
    if forms and all(f.name or f.code for f in forms):
        return layout.NAME, forms
    # A weak claim (a form with neither 项目名称 nor 项目编码: the text is not quite this
    # layout): the grid reader reads it too, and the reading that finds more of the form wins.
    grid_forms = forms_from_grids(text_grids(text), path)
    if _found(grid_forms) > _found(forms):
        return None, grid_forms
    return layout.NAME, forms


def _found(forms: list[Form]) -> tuple[int, int, int, int]:
    """How much of its forms a reading found: named forms first, then funding tables, then
    rows, then the header's other fields (主管部门, 实施单位, year)."""
    return (sum(bool(f.name or f.code) for f in forms), sum(f.funding.annual_budget is not None for f in forms),
            sum(len(f.indicators) for f in forms),
            sum(bool(f.department) + bool(f.unit) + (f.year is not None) for f in forms))
