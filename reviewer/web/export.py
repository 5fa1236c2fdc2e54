"""What the reviewer decided, exported: the opinions as .docx, the scores as .xlsx.

The .docx is written by the one Word writer (reviewer.drafting.opinion.to_docx, A4, headings,
the indicator table) from the review as decided: the decided comments (rejected ones left
out, own ones added), the edited opinion, the decided scores in the table and the total.
Then the few labels that would say "suggested" are changed to say what the figures are:
审定得分 where decided, and every suggestion not yet decided is marked 【未审核】 in its text
and its table cell. The .xlsx puts decided beside suggested scores, per form, per indicator
and per suggestion, with the verdict of each.
"""

from __future__ import annotations

import io
from typing import Any

from reviewer.drafting import opinion
from reviewer.drafting.comments import DraftComment
from reviewer.drafting.render import fmt_number
from reviewer.web.decided import VERDICT_LABELS, DecidedForm

UNREVIEWED = "【未审核】"
OWN = "【审核人员】"
MARKS = {"accepted": "【已采纳】", "edited": "【已修改】", None: UNREVIEWED}
DECIDED_HEADER = "审定得分"


def decided_review(d: DecidedForm):
    """The FormReview as decided, for the Word writer."""
    comments: list[DraftComment] = []
    for s in d.suggestions:
        if s.verdict == "rejected":
            continue
        score = s.score if s.verdict else s.comment.suggested_score
        comments.append(s.comment.model_copy(update={"text": MARKS[s.verdict] + s.text, "suggested_score": score}))
    for own in d.own:
        target = "indicator" if own.indicator_index is not None else "form"
        name = next((r.row.name for r in d.rows if r.row.index == own.indicator_index), None)
        comments.append(DraftComment(target=target, indicator_index=own.indicator_index, category="scoring",
                                     severity="warning", text=OWN + (own.text or ""), source="template",
                                     indicator_name=name, suggested_score=own.score))  # fmt: skip
    rows = [r.row.model_copy(update={"suggested_score": r.shown}) for r in d.rows]
    opinion_text = d.opinion if d.opinion_edited else UNREVIEWED + d.opinion
    return d.review.model_copy(update={"comments": comments, "indicators": rows, "suggested_total": d.total,
                                       "grade": d.grade, "opinion": opinion_text})  # fmt: skip


def to_docx(forms: list[DecidedForm]) -> bytes:
    """The decided opinions in one Word file (raises opinion.DocxUnavailable without python-docx)."""
    data = opinion.to_docx([decided_review(d) for d in forms])
    import docx  # python-docx: present, to_docx has just used it

    document = docx.Document(io.BytesIO(data))
    _relabel(document, forms)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _relabel(document: Any, forms: list[DecidedForm]) -> None:
    """Say what the figures are: decided (审定), or suggestions not yet reviewed."""
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            if "复核建议得分：" in run.text:
                run.text = run.text.replace("复核建议得分：", "审定得分：")
            if OWN in run.text and run.text.endswith(" [模板]"):
                run.text = run.text[: -len(" [模板]")] + " [审核人员]"
    for d in forms:
        if not d.total_decided:
            _mark_total(document, d)
    tables = [t for t in document.tables if t.rows and t.rows[0].cells[-1].text == opinion.INDICATOR_HEADERS[-1]]
    with_rows = [d for d in forms if d.rows]
    for table, d in zip(tables, with_rows):
        table.rows[0].cells[-1].text = DECIDED_HEADER
        for row, decided in zip(table.rows[1:], d.rows):
            if decided.unreviewed:
                row.cells[-1].text = f"{fmt_number(decided.shown)}{UNREVIEWED}"


def _mark_total(document: Any, d: DecidedForm) -> None:
    for paragraph in document.paragraphs:
        if paragraph.text.startswith(f"表号：{d.review.form_id}；") and UNREVIEWED not in paragraph.text:
            paragraph.add_run(f" {UNREVIEWED}尚有扣分建议未审核，总分含未审核的建议。")
            return


FORM_HEADERS = ("序号", "单位", "项目", "表号", "审核状态", "自评得分", "建议得分", "审定得分", "建议等级", "审定等级",
                "未审核建议数", "审核意见")  # fmt: skip
ROW_HEADERS = ("序号", "项目", "指标序号", "指标", "分值", "自评得分", "建议得分", "审定得分", "状态")
SUGGESTION_HEADERS = ("序号", "项目", "指标序号", "检查", "来源", "建议意见", "建议得分", "审定意见", "审定得分", "决定", "理由")


def to_xlsx(forms: list[tuple[int, str, str, DecidedForm]]) -> bytes:
    """(number, unit, review status label, decided form) → the workbook; every text written as
    text (a form's "=…" is never a formula)."""
    import openpyxl  # slow to import; only an export needs it

    book = openpyxl.Workbook(write_only=True)
    sheets = {name: book.create_sheet(name) for name in ("表", "指标", "意见")}
    for sheet, headers in zip(sheets.values(), (FORM_HEADERS, ROW_HEADERS, SUGGESTION_HEADERS)):
        sheet.append(headers)
    for number, unit, status, d in forms:
        r = d.review
        sheets["表"].append(_cells(sheets["表"], (
            number, unit, r.name, r.form_id, status, r.declared_total, r.suggested_total,
            d.total if d.total_decided else f"{fmt_number(d.total)}{UNREVIEWED}", r.grade,
            d.grade if d.total_decided else f"{d.grade or ''}{UNREVIEWED}", d.unreviewed,
            d.opinion if d.opinion_edited else UNREVIEWED + d.opinion)))  # fmt: skip
        for row in d.rows:
            i = row.row
            sheets["指标"].append(_cells(sheets["指标"], (
                number, r.name, i.index + 1, i.name, i.weight, i.score, i.suggested_score,
                row.decided if not row.unreviewed else None, "未审核" if row.unreviewed else "已审定")))  # fmt: skip
        for s in d.suggestions:
            c = s.comment
            sheets["意见"].append(_cells(sheets["意见"], (
                number, r.name, None if c.indicator_index is None else c.indicator_index + 1, s.codes,
                "模型" if c.source == "llm" else "模板", c.text, c.suggested_score,
                s.text if s.verdict in ("accepted", "edited") else None, s.score, VERDICT_LABELS[s.verdict],
                s.decision.reason if s.decision else None)))  # fmt: skip
        for own in d.own:
            sheets["意见"].append(_cells(sheets["意见"], (
                number, r.name, None if own.indicator_index is None else own.indicator_index + 1, "", "审核人员",
                None, None, own.text, own.score, VERDICT_LABELS["own"], own.reason)))  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cells(sheet: Any, values: tuple) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: "=HYPERLINK(…)" in a form is not run
        cells.append(cell)
    return cells
