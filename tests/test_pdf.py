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
