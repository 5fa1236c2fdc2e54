"""PDF input: pdfplumber's text feeds the same layout parsers as a text dump."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, contract_dump
from reviewer.extract import extract_file

pytest.importorskip("pdfplumber")
reportlab = pytest.importorskip("reportlab")


def _write_pdf(path, lines: list[str], lines_per_page: int = 55) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # built-in CJK font, no font file needed
    pdf = canvas.Canvas(str(path))
    for start in range(0, len(lines), lines_per_page):
        pdf.setFont("STSong-Light", 9)
        for i, line in enumerate(lines[start : start + lines_per_page]):
            pdf.drawString(30, 810 - 14 * i, line)
        pdf.showPage()
    pdf.save()


def test_pdf_of_a_shenzhen_form_extracts_like_its_text_dump(tmp_path):
    source = EXAMPLES / "000_227770587c716576.txt"
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    pdf = tmp_path / "forms.pdf"
    _write_pdf(pdf, lines)
    from_pdf = extract_file(pdf)
    from_text = extract_file(source)
    assert len(from_pdf) == len(from_text) == 4
    for a, b in zip(from_pdf, from_text):
        a_dump, b_dump = contract_dump(a), contract_dump(b)
        for key in ("source", "goal", "warnings"):
            a_dump.pop(key), b_dump.pop(key)
        assert a_dump == b_dump


def test_pdf_without_text_layer_is_reported(tmp_path):
    from reviewer.extract import ExtractFailure

    pdf = tmp_path / "scan.pdf"
    _write_pdf(pdf, [])
    with pytest.raises(ExtractFailure, match="no text layer"):
        extract_file(pdf)


# ---- a table without ruling lines, read from its words' coordinates (documents/pdf_words.py)


def _write_unruled(path, rows: list[list[str]], spans: list[tuple] = (), prose: list[str] = (),
                   valign: str = "MIDDLE") -> None:
    """A reportlab table with no GRID lines (a border-less form, or a scan's text layer),
    cells vertically centred (or `valign`), "\\n" a line break inside a cell."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=8, leading=10, wordWrap="CJK")
    story = [Paragraph(line, style) for line in prose]
    if rows:
        data = [[Paragraph(text.replace("\n", "<br/>"), style) for text in row] for row in rows]
        commands = [("VALIGN", (0, 0), (-1, -1), valign)] + [("SPAN", a, b) for a, b in spans]
        story.append(Table(data, colWidths=[60, 60, 90, 60, 60, 40, 40], style=TableStyle(commands)))
    SimpleDocTemplate(str(path)).build(story)


_HEADER = ["一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分"]


def test_an_unruled_table_is_read_from_its_words(tmp_path):
    from reviewer.extract.documents import pdf_grids

    pdf = tmp_path / "unruled.pdf"
    _write_unruled(pdf, [_HEADER,
                         ["产出指标", "数量指标", "培训人次", "≥100人次", "120人次", "20", "20"],
                         ["", "质量指标", "培训合格率达到\n规定标准", "≥95%", "98%", "20", "19"],
                         ["", "时效指标", "按期完成", "12月底前", "12月底前", "10", "10"]],
                   spans=[((0, 1), (0, 3))])  # 产出指标 merged down its group, centred over it
    [grid] = pdf_grids(pdf)
    texts = grid.texts()
    assert texts[0] == ["一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分"]
    assert texts[1] == ["产出指标", "数量指标", "培训人次", "≥100人次", "120人次", "20", "20"]
    assert grid.cell(2, 0).covered_by == (1, 0) and grid.cell(3, 0).covered_by == (1, 0)
    assert texts[2][2] == "培训合格率达到\n规定标准"  # a wrapped cell's lines, in reading order
    assert grid.cell(1, 3).where == "page 1 words table 1 r2c4"
    assert grid.notes == []


def test_a_top_aligned_unruled_table_keeps_a_merged_label_in_its_first_row(tmp_path):
    from reviewer.extract.documents import pdf_grids

    pdf = tmp_path / "top.pdf"
    _write_unruled(pdf, [_HEADER,
                         ["产出指标", "数量指标", "培训人次", "≥100人次", "120人次", "20", "20"],
                         ["", "质量指标", "培训合格率达到\n规定标准", "≥95%", "98%", "20", "19"]],
                   spans=[((0, 1), (0, 2))], valign="TOP")
    [grid] = pdf_grids(pdf)
    assert grid.texts()[1:] == [["产出指标", "数量指标", "培训人次", "≥100人次", "120人次", "20", "20"],
                                ["", "质量指标", "培训合格率达到\n规定标准", "≥95%", "98%", "20", "19"]]


def test_a_word_that_starts_at_no_column_is_left_out_with_a_note(tmp_path):
    from reviewer.extract.documents.pdf_words import word_tables

    def word(text, x0, top):
        return {"text": text, "x0": x0, "x1": x0 + 8 * len(text), "top": top, "bottom": top + 8}

    labels = ["一级指标", "二级指标", "三级指标", "分值", "得分"]
    starts = [30, 100, 170, 260, 300]
    words = [word(t, x, 100) for t, x in zip(labels, starts)]
    words += [word(t, x, 120) for t, x in zip(["产出指标", "数量指标", "培训人次", "20", "20"], starts)]
    words += [word(t, x, 140) for t, x in zip(["产出指标", "质量指标", "合格率", "20", "19"], starts)]
    words.append(word("9", 230, 140))  # between 三级指标 and 分值: no column starts there
    [table] = word_tables(words, 1)
    assert table.grid.texts()[2] == ["产出指标", "质量指标", "合格率", "20", "19"]
    assert table.grid.notes == ["page 1 words table 1: '9' starts at no column of the table; left out"]


def test_a_page_of_prose_stays_text(tmp_path):
    from reviewer.extract.documents import read_document

    pdf = tmp_path / "report.pdf"
    lines = ["一、项目基本情况", "本项目由区财政局组织实施，年度预算资金100万元，全年执行95万元。",
             "二、绩效目标完成情况", "项目完成培训120人次，合格率98%，按期完成全部任务。"] * 6
    _write_unruled(pdf, [], prose=lines)
    doc = read_document(pdf)
    assert doc.grids == [] and "二、绩效目标完成情况" in doc.text


def test_an_unruled_form_reads_like_the_ruled_one(tmp_path):
    from zoo.render import rendering

    from reviewer.extract.documents import pdf_grids

    seed = "000_227770587c716576"
    ruled, _ = rendering(seed, "national", "pdf", tmp_path)
    unruled, _ = rendering(seed, "national", "pdf-unruled", tmp_path)
    assert [contract_dump(f) | {"source": "", "warnings": []} for f in extract_file(unruled)] == \
        [contract_dump(f) | {"source": "", "warnings": []} for f in extract_file(ruled)]
    assert all(g.name.startswith("page ") and "words table" in g.name for g in pdf_grids(unruled))
