"""The review as a reviewer's 审核意见: Markdown, self-contained HTML, or DOCX.

Markdown and HTML come from prompts/opinion.*.j2 (HTML autoescaped: form text is
never markup); DOCX is built with python-docx, imported only when asked for.
"""

from __future__ import annotations

import io
from typing import Any

from reviewer.drafting.comments import PARTS, DraftComment
from reviewer.drafting.drafter import FormReview, IndicatorRow
from reviewer.drafting.prompts import render_template
from reviewer.drafting.render import fmt_number

TEMPLATE_NOTE = "本文件的意见均为模板草稿，未使用语言模型；请审核人员核对后使用。"
MIXED_NOTE = "模型起草的意见已逐条核对原文引文和数字；标“模板”的为模板草稿。请审核人员核对后使用。"
EVIDENCE_SEPARATOR = "；"


class DocxUnavailable(RuntimeError):
    """python-docx is not installed."""


def _where(c: DraftComment) -> str:
    if c.indicator_index is None:
        return ""
    name = f"「{c.indicator_name}」" if c.indicator_name else ""
    return f"第{c.indicator_index + 1}项指标{name}"  # people count from 1; the model's prompt uses [0]-based


def _comment_view(c: DraftComment) -> dict[str, Any]:
    score = None if c.suggested_score is None else fmt_number(c.suggested_score)
    return {
        "where": _where(c),
        "text": c.text,
        "suggestion": c.suggestion,
        "score": None if score is None or f"得分{score}分" in c.text else score,  # template texts state it
        "codes": ", ".join(c.check_codes),
        "source": c.source,
        "severity": c.severity,
        "evidence": EVIDENCE_SEPARATOR.join(f"“{q}”" for q in c.evidence),
    }


INDICATOR_HEADERS = ("序号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分", "建议得分")


def _indicator_view(row: IndicatorRow) -> dict[str, Any]:
    cut = row.suggested_score is not None and row.score is not None and row.suggested_score < row.score - 0.005
    return {
        "number": row.index + 1,  # people count from 1, as the comments do
        "level1": row.level1, "level2": row.level2, "name": row.name or "—",
        "target": row.target or "—", "actual": row.actual or "—",
        "weight": fmt_number(row.weight), "score": fmt_number(row.score),
        "suggested": fmt_number(row.suggested_score), "cut": cut,
    }


def form_view(r: FormReview) -> dict[str, Any]:
    """What the opinion templates show of one form: comments grouped by form part."""
    parts = []
    for part in PARTS:
        in_part = [c for c in r.comments if c.part == part]
        in_part.sort(key=lambda c: -1 if c.indicator_index is None else c.indicator_index)  # stable: check order within a row
        comments = [_comment_view(c) for c in in_part]
        if comments:
            parts.append((part, comments))
    return {
        "form_id": r.form_id,
        "name": r.name,
        "declared": fmt_number(r.declared_total),
        "total": fmt_number(r.suggested_total),
        "grade": f"{r.grade}（暂定）" if r.grade and r.provisional else (r.grade or "—"),
        "basis": r.basis,
        "label": r.label,
        "draft_source": r.draft_source,
        "fallback_reason": r.fallback_reason,
        "checks_error": r.checks_error,
        "opinion": r.opinion,
        "opinion_source": r.opinion_source,
        "parts": parts,
        "indicators": [_indicator_view(row) for row in r.indicators],
        "indicator_headers": INDICATOR_HEADERS,
        # r.dropped (model comments that failed grounding) is never shown: the opinion is what
        # a unit receives; they stay in the JSON, the run state and the log for audit
    }


def source_note(reviews: list[FormReview]) -> str:
    return MIXED_NOTE if any(r.draft_source == "llm" for r in reviews) else TEMPLATE_NOTE


def _context(reviews: list[FormReview]) -> dict[str, Any]:
    return {"forms": [form_view(r) for r in reviews], "source_note": source_note(reviews)}


def to_markdown(reviews: list[FormReview]) -> str:
    text = render_template("opinion.md.j2", **_context(reviews))
    return "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"


def to_html(reviews: list[FormReview]) -> str:
    return render_template("opinion.html.j2", autoescape=True, **_context(reviews))


def to_docx(reviews: list[FormReview]) -> bytes:
    try:
        import docx  # python-docx, optional
    except ImportError as exc:
        raise DocxUnavailable("DOCX output needs python-docx: pip install 'reviewer[docx]'") from exc
    context = _context(reviews)
    document = docx.Document()
    _a4(document)
    document.add_heading("绩效自评表审核意见", level=0)
    document.add_paragraph(f"{len(reviews)} 张表。{context['source_note']}")
    for number, f in enumerate(context["forms"], 1):
        document.add_heading(f"{number}. {f['name'] or '（未读出项目名称）'}", level=1)
        meta = f"表号：{f['form_id']}；自评得分：{f['declared']}；复核建议得分：{f['total']}；等级：{f['grade']}；草稿：{f['label']}"
        if f["fallback_reason"]:
            meta += f"（原因：{f['fallback_reason']}）"
        document.add_paragraph(meta)
        if f["basis"]:
            document.add_paragraph(f"总分说明：{f['basis']}")
        if f["checks_error"]:
            document.add_paragraph(f"自动检查未运行：{f['checks_error']}")
        document.add_heading("审核意见", level=2)
        document.add_paragraph(f["opinion"])
        if f["indicators"]:
            document.add_heading("指标情况", level=2)
            _indicator_table(document, f)
        for part, comments in f["parts"]:
            document.add_heading(part, level=2)
            for c in comments:
                line = f"{c['where']} {c['text']}".strip()
                if c["suggestion"]:
                    line += f" 建议：{c['suggestion']}"
                if c["score"]:
                    line += f"（建议得分 {c['score']}）"
                if c["codes"]:
                    line += f" [{c['codes']}]"
                line += " [模型]" if c["source"] == "llm" else " [模板]"
                document.add_paragraph(line, style="List Bullet")
                if c["evidence"]:
                    document.add_paragraph(f"原文：{c['evidence']}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _a4(document: Any) -> None:
    """A4 portrait with 2.5 cm margins (Chinese official documents), body text in a CJK font."""
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(25)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)  # 五号
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


def _indicator_table(document: Any, f: dict[str, Any]) -> None:
    keys = ("number", "level1", "level2", "name", "target", "actual", "weight", "score", "suggested")
    table = document.add_table(rows=1, cols=len(keys))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, f["indicator_headers"]):
        cell.text = header
    for row in f["indicators"]:
        cells = table.add_row().cells
        for cell, key in zip(cells, keys):
            cell.text = str(row[key])
