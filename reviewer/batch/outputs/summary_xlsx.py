"""summary.xlsx, streamed from the run state by the streaming writer in xlsx_stream.

Sheets: forms (one row per form), findings (every finding), comments (every drafted
comment), warnings (everything extraction could not read with confidence, per form),
errors (every file or form that could not be read, and why). Each sheet has a frozen
header row, an auto filter and fixed column widths; amounts show thousands separators
and two decimals, rates are percentages, project codes are text, severities and check
titles are Chinese, and each form's opinion file is a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from reviewer.batch.outputs.xlsx_stream import XlsxWriter
from reviewer.batch.state import RunState
from reviewer.checks.registry import SEVERITY_TITLES, all_checks

# (header, width[, format]) per column; formats: see xlsx_stream.FORMATS
FORM_COLUMNS: Sequence[tuple] = (
    ("序号", 7), ("文件", 36), ("表内序号", 8), ("单位", 30), ("项目", 34), ("项目编码", 24, "text"), ("年度", 7),
    ("主管部门", 24), ("年初预算数(元)", 16, "amount"), ("全年预算数(元)", 16, "amount"),
    ("全年执行数(元)", 16, "amount"), ("执行率", 10, "percent"),
    ("预算执行得分", 10), ("自评总分", 10), ("建议总分", 10), ("建议等级", 9),
    ("错误", 7), ("警告", 7), ("扣分项", 8), ("问题总数", 9), ("审核意见条数", 11), ("其中模型生成", 11),
    ("意见文件", 40, "link"), ("状态", 9),
)  # fmt: skip
FINDING_COLUMNS: Sequence[tuple] = (
    ("序号", 7), ("文件", 36), ("单位", 30), ("项目", 34), ("项目编码", 24, "text"), ("指标序号", 8), ("指标", 30),
    ("检查代码", 10), ("检查", 24), ("严重程度", 9), ("问题说明", 80), ("建议得分", 9),
    ("扣分把握", 9, "percent"), ("依据行数", 9), ("有争议", 7),
)  # fmt: skip
COMMENT_COLUMNS: Sequence[tuple] = (
    ("序号", 7), ("文件", 36), ("单位", 30), ("项目", 34), ("指标序号", 8), ("指标", 30), ("来源", 9),
    ("检查代码", 14), ("审核意见", 80), ("修改建议", 50), ("建议得分", 9),
)  # fmt: skip
WARNING_COLUMNS: Sequence[tuple] = (
    ("序号", 7), ("文件", 36), ("表内序号", 8), ("项目", 34), ("字段", 28), ("说明", 90),
)  # fmt: skip
ERROR_COLUMNS: Sequence[tuple] = (("文件", 60), ("表内序号", 8), ("原因", 90))


def _one(index: int | None) -> int | None:
    return None if index is None else index + 1


def _confidence(score: float | None, p_cut: float | None, rows: int | None, contested: int | None) -> tuple:
    """扣分把握 (the learned probability that the office cuts such a row), its rows, and 有争议
    (reviewers are known to disagree on the flaw): for a suggested cut only."""
    if score is None:
        return None, None, None
    return p_cut, rows or None, "是" if contested else None


def _fraction(percent: float | None) -> float | None:
    """A rate in percent (98.5) as the fraction a percentage cell holds (0.985)."""
    return None if percent is None else round(percent / 100, 6)


def sheets(state: RunState, opinion_suffix: str = ".md") -> list[tuple[str, Sequence[tuple], Iterable]]:
    """(title, columns, rows) of each sheet, rows streamed from the state in discovery order."""
    titles = {code: c.title for code, c in all_checks().items()}
    forms = (
        (
            r["seq"] + 1, r["label"], r["form_index_entry"] + 1, r["unit"], r["project"], r["code"], r["year"],
            r["department"], r["initial_budget"], r["annual_budget"], r["executed"], _fraction(r["execution_rate"]),
            r["budget_score"], r["declared_total"], r["suggested_total"], r["grade"],
            r["n_errors"], r["n_warnings"], r["n_cuts"], r["n_findings"], r["n_comments"], r["n_llm_comments"],
            f"opinions/{r['name']}{opinion_suffix}" if r["status"] != "error" else None, r["status"],
        )
        for r in state.iter_forms()
    )
    findings = (
        (seq + 1, label, unit, project, code, _one(ind), ind_name, check, titles.get(check, name),
         SEVERITY_TITLES.get(severity, severity), message, score, *_confidence(score, p_cut, rows, contested))
        for (seq, label, _index, _name, unit, project, code, check, name, severity, ind, ind_name, _field, message, score,
             p_cut, rows, contested)
        in state.iter_findings()
    )  # fmt: skip
    comments = (
        (seq + 1, label, unit, project, _one(ind), ind_name, source, check, text, suggestion, score)
        for (seq, label, _index, _name, unit, project, _code, ind, ind_name, source, check, _category, _severity,
             text, suggestion, score)
        in state.iter_comments()
    )
    warnings = (
        (seq + 1, label, index + 1, project, field, message)
        for seq, label, index, project, field, message in state.iter_warnings()
    )
    errors = ((label, _one(index), message) for label, index, message in state.iter_errors())
    return [
        ("forms", FORM_COLUMNS, forms),
        ("findings", FINDING_COLUMNS, findings),
        ("comments", COMMENT_COLUMNS, comments),
        ("warnings", WARNING_COLUMNS, warnings),
        ("errors", ERROR_COLUMNS, errors),
    ]  # fmt: skip


def write_summary(state: RunState, path: Path, opinion_suffix: str = ".md") -> dict[str, int]:
    """Write summary.xlsx from the state; returns the row count of each sheet."""
    tmp = path.with_name(path.name + ".part")
    counts: dict[str, int] = {}
    out = XlsxWriter(tmp)
    for title, columns, rows in sheets(state, opinion_suffix):
        counts[title] = out.sheet(title, columns, rows)
    out.close()
    tmp.replace(path)
    return counts
