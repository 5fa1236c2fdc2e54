"""summary.xlsx, streamed from the run state with openpyxl's write-only workbook.

Sheets: forms (one row per form), findings (every finding), comments (every drafted
comment), errors (every file or form that could not be read, and why). Each sheet has
a frozen header row, an auto filter and fixed column widths. Written by the streaming
writer in xlsx_stream (openpyxl's write-only mode is kept as an option: same cells).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from reviewer.batch.outputs.ooxml import normalise
from reviewer.batch.outputs.xlsx_stream import XlsxWriter
from reviewer.batch.state import RunState

# (header, width) per column
FORM_COLUMNS: Sequence[tuple[str, float]] = (
    ("序号", 7), ("文件", 36), ("表内序号", 8), ("单位", 30), ("项目", 34), ("项目编码", 24), ("年度", 7),
    ("主管部门", 24), ("年初预算数(元)", 15), ("全年预算数(元)", 15), ("全年执行数(元)", 15), ("执行率(%)", 10),
    ("预算执行得分", 10), ("自评总分", 10), ("建议总分", 10), ("建议等级", 9),
    ("错误", 7), ("警告", 7), ("扣分项", 8), ("问题总数", 9), ("审核意见条数", 11), ("其中模型生成", 11),
    ("意见文件", 40), ("状态", 9),
)  # fmt: skip
FINDING_COLUMNS: Sequence[tuple[str, float]] = (
    ("序号", 7), ("文件", 36), ("单位", 30), ("项目", 34), ("项目编码", 24), ("指标序号", 8), ("指标", 30),
    ("检查代码", 10), ("严重程度", 9), ("问题说明", 80), ("建议得分", 9),
)  # fmt: skip
COMMENT_COLUMNS: Sequence[tuple[str, float]] = (
    ("序号", 7), ("文件", 36), ("单位", 30), ("项目", 34), ("指标序号", 8), ("指标", 30), ("来源", 9),
    ("检查代码", 14), ("审核意见", 80), ("修改建议", 50), ("建议得分", 9),
)  # fmt: skip
ERROR_COLUMNS: Sequence[tuple[str, float]] = (("文件", 60), ("表内序号", 8), ("原因", 90))

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")


def _sheet(book: Workbook, title: str, columns: Sequence[tuple[str, float]]):
    ws = book.create_sheet(title)
    for i, (_, width) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    ws.append(header)
    return ws


def _finish(ws: Any, columns: Sequence[tuple[str, float]], rows: int) -> None:
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"


def _rows(ws: Any, rows: Iterable[Sequence[Any]]) -> int:
    n = 0
    append = ws.append
    for row in rows:
        append(row)
        n += 1
    return n


def _one(index: int | None) -> int | None:
    return None if index is None else index + 1


def sheets(state: RunState, opinion_suffix: str = ".md") -> list[tuple[str, Sequence[tuple[str, float]], Iterable]]:
    """(title, columns, rows) of each sheet, rows streamed from the state in discovery order."""
    forms = (
        (
            r["seq"] + 1, r["label"], r["form_index_entry"] + 1, r["unit"], r["project"], r["code"], r["year"],
            r["department"], r["initial_budget"], r["annual_budget"], r["executed"],
            None if r["execution_rate"] is None else round(r["execution_rate"], 2), r["budget_score"],
            r["declared_total"], r["suggested_total"], r["grade"],
            r["n_errors"], r["n_warnings"], r["n_cuts"], r["n_findings"], r["n_comments"], r["n_llm_comments"],
            f"opinions/{r['name']}{opinion_suffix}" if r["status"] != "error" else None, r["status"],
        )
        for r in state.iter_forms()
    )
    findings = (
        (seq + 1, label, unit, project, code, _one(ind), ind_name, check, severity, message, score)
        for (seq, label, _index, _name, unit, project, code, check, _n, severity, ind, ind_name, _field, message, score)
        in state.iter_findings()
    )
    comments = (
        (seq + 1, label, unit, project, _one(ind), ind_name, source, check, text, suggestion, score)
        for (seq, label, _index, _name, unit, project, _code, ind, ind_name, source, check, _category, _severity,
             text, suggestion, score)
        in state.iter_comments()
    )
    errors = ((label, _one(index), message) for label, index, message in state.iter_errors())
    return [
        ("forms", FORM_COLUMNS, forms),
        ("findings", FINDING_COLUMNS, findings),
        ("comments", COMMENT_COLUMNS, comments),
        ("errors", ERROR_COLUMNS, errors),
    ]  # fmt: skip


def write_summary(state: RunState, path: Path, opinion_suffix: str = ".md", writer: str = "stream") -> dict[str, int]:
    """Write summary.xlsx from the state; returns the row count of each sheet.

    writer="stream" (default) uses the streaming writer in xlsx_stream; "openpyxl" uses
    openpyxl's write-only workbook (same cells, about eight times slower).
    """
    tmp = path.with_name(path.name + ".part")
    counts: dict[str, int] = {}
    if writer == "stream":
        out = XlsxWriter(tmp)
        for title, columns, rows in sheets(state, opinion_suffix):
            counts[title] = out.sheet(title, columns, rows)
        out.close()
    else:
        book = Workbook(write_only=True)
        for title, columns, rows in sheets(state, opinion_suffix):
            ws = _sheet(book, title, columns)
            counts[title] = _rows(ws, rows)
            _finish(ws, columns, counts[title])
        book.save(tmp)
        normalise(tmp)
    tmp.replace(path)
    return counts
