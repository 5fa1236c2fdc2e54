"""Documents → Grids (reviewer.extract.documents): each format's merged cells, text outside
the tables, formats told by their bytes, and a clear message for what cannot be read.

The whole-form round trips are in test_layout_zoo.py; here each reader is pinned on small
documents built with the office libraries, and on a real workbook exported from a budget
system (tests/data/documents/SOURCES.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.extract import ExtractFailure
from reviewer.extract.documents import (
    Contents,
    docx_grids,
    document_grids,
    html_blocks,
    html_grids,
    pdf_grids,
    read_document,
    xls_grids,
    xlsx_grids,
)
from reviewer.extract.grid import Grid

DATA = Path(__file__).resolve().parent / "data" / "documents"


def spans(grid: Grid) -> list[list[str]]:
    """Each position as text[rowspan x colspan], '^r,c' where a merge covers it."""
    out = []
    for row in grid.rows:
        line = []
        for cell in row:
            if cell.covered_by is not None:
                line.append(f"^{cell.covered_by[0]},{cell.covered_by[1]}")
            elif cell.rowspan > 1 or cell.colspan > 1:
                line.append(f"{cell.text}[{cell.rowspan}x{cell.colspan}]")
            else:
                line.append(cell.text)
        out.append(line)
    return out


# A small form head as the national template merges it (项目资金 over three rows).
MERGED = [
    ["项目名称[1x2]", "^0,0", "测试项目[1x3]", "^0,2", "^0,2"],
    ["项目资金\n（万元）[3x1]", "", "年初预算数", "全年预算数", "得分"],
    ["^1,0", "年度资金总额", "10", "97.50%", "9.75"],
    ["^1,0", "其他资金", "", "", "—"],
]


# ---------------------------------------------------------------- .docx


def _docx(path: Path, nested: bool = False) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("项目支出绩效自评表")
    document.add_paragraph("（2023年度）")
    table = document.add_table(rows=4, cols=5)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "项目名称"
    table.cell(0, 2).merge(table.cell(0, 4)).text = "测试项目"
    table.cell(1, 0).merge(table.cell(3, 0)).text = "项目资金\n（万元）"
    for c, text in enumerate(["", "年初预算数", "全年预算数", "得分"], start=1):
        table.cell(1, c).text = text
    for c, text in enumerate(["年度资金总额", "10", "97.50%", "9.75"], start=1):
        table.cell(2, c).text = text
    table.cell(3, 1).text, table.cell(3, 4).text = "其他资金", "—"
    if nested:
        inner = table.cell(3, 2).add_table(rows=1, cols=2)
        inner.cell(0, 0).text, inner.cell(0, 1).text = "附", "表"
    document.add_paragraph("填表人：张三")
    document.save(str(path))
    return path


def test_docx_merged_cells_come_from_grid_span_and_vmerge(tmp_path):
    (grid,) = docx_grids(_docx(tmp_path / "form.docx"))
    assert spans(grid) == MERGED
    assert (grid.origin, grid.name) == ("docx", "table 1")
    assert grid.cell(2, 3).where == "table 1 row 3 col 4"
    assert grid.resolved(3, 0) == "项目资金\n（万元）"


def test_docx_paragraphs_stay_in_reading_order_around_the_table(tmp_path):
    doc = read_document(_docx(tmp_path / "form.docx"))
    assert [b if isinstance(b, str) else "<table>" for b in doc.blocks] == [
        "项目支出绩效自评表", "（2023年度）", "<table>", "填表人：张三"]
    grids, text = document_grids(tmp_path / "form.docx")
    assert len(grids) == 1 and text == "项目支出绩效自评表\n（2023年度）\n填表人：张三"


def test_docx_nested_table_is_a_grid_of_its_own(tmp_path):
    outer, inner = docx_grids(_docx(tmp_path / "nested.docx", nested=True))
    assert spans(outer) == MERGED
    assert (inner.name, inner.texts()) == ("table 1.1", [["附", "表"]])


def test_docx_row_starting_after_the_first_grid_column(tmp_path):
    """w:gridBefore: Word lets a row start later; its cells keep their grid columns."""
    import docx
    from docx.oxml.ns import qn
    from docx.oxml import OxmlElement

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for c, text in enumerate(["一级指标", "二级指标", "三级指标"]):
        table.cell(0, c).text = text
    tr = table.rows[1]._tr
    tr.remove(tr.tc_lst[0])
    before = OxmlElement("w:gridBefore")
    before.set(qn("w:val"), "1")
    tr.get_or_add_trPr().append(before)
    table.rows[1].cells[0].text = "数量指标"
    table.rows[1].cells[1].text = "会议次数"
    document.save(str(tmp_path / "before.docx"))
    (grid,) = docx_grids(tmp_path / "before.docx")
    assert grid.texts() == [["一级指标", "二级指标", "三级指标"], ["", "数量指标", "会议次数"]]


def test_docx_text_inside_content_controls_is_read(tmp_path):
    """Filled templates wrap fields in content controls (w:sdt): a whole table, a row, or a
    run inside a cell's paragraph. Their text is the form's."""
    import docx
    from docx.oxml import OxmlElement

    def wrapped(element):
        sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        sdt.append(content)
        element.addprevious(sdt)
        content.append(element)
        return sdt

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(1, 0).text = "项目名称", "实施单位"
    table.cell(1, 1).text = "某区某中心"
    paragraph = table.cell(0, 1).paragraphs[0]
    run = paragraph.add_run("测试")
    paragraph.add_run("项目")
    wrapped(run._r)  # the first run inside an inline control
    wrapped(table._tbl.tr_lst[1])  # a row inside a control
    wrapped(table._tbl)  # the whole table inside a control
    document.save(str(tmp_path / "controls.docx"))
    (grid,) = docx_grids(tmp_path / "controls.docx")
    assert grid.texts() == [["项目名称", "测试项目"], ["实施单位", "某区某中心"]]


# ---------------------------------------------------------------- .xlsx


def _xlsx(path: Path) -> Path:
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "表1"
    ws["A1"], ws["C1"] = "项目名称", "测试项目"
    ws.merge_cells("A1:B1"), ws.merge_cells("C1:E1")
    ws["A2"] = "项目资金\n（万元）"
    ws.merge_cells("A2:A4")
    for col, text in zip("BCDE", ["", "年初预算数", "全年预算数", "得分"]):
        ws[f"{col}2"] = text or None
    ws["B3"], ws["C3"], ws["D3"], ws["E3"] = "年度资金总额", 10, 0.975, 9.75
    ws["D3"].number_format = "0.00%"
    ws["B4"], ws["E4"] = "其他资金", "—"
    ws["A7"] = None  # nothing below row 4: the used range must not run on
    second = book.create_sheet("表2")
    second["A1"], second["B1"], second["C1"] = "440304220091500300003", 1898430, 1234567.5
    second["B1"].number_format = "0.00"
    second["C1"].number_format = "#,##0.00"
    second["A2"], second["B2"] = datetime.datetime(2023, 12, 31), True
    book.save(path)
    return path


def test_xlsx_merged_ranges_are_read_in_read_only_mode(tmp_path):
    first, second = xlsx_grids(_xlsx(tmp_path / "book.xlsx"))
    assert spans(first) == MERGED
    assert (first.origin, first.name, first.cell(2, 3).where) == ("xlsx", "表1", "表1!D3")
    assert second.texts() == [["440304220091500300003", "1898430.00", "1,234,567.50"], ["2023-12-31", "TRUE", ""]]


def test_xlsx_without_merges_reads_the_same(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["一级指标", "分值", "得分"])
    book.active.append(["产出指标", 50, 49.5])
    book.save(tmp_path / "plain.xlsx")
    (grid,) = xlsx_grids(tmp_path / "plain.xlsx")
    assert spans(grid) == [["一级指标", "分值", "得分"], ["产出指标", "50", "49.5"]]


def test_broken_xlsx_is_named(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a zip at all")
    with pytest.raises(ExtractFailure, match=r"^not a readable \.xlsx workbook \(a damaged zip container\)"):
        read_document(bad)


# ---------------------------------------------------------------- .xls


def _xls(path: Path) -> Path:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("表1")
    ws.write_merge(0, 0, 0, 1, "项目名称")
    ws.write_merge(0, 0, 2, 4, "测试项目")
    ws.write_merge(1, 3, 0, 0, "项目资金\n（万元）")
    for c, text in enumerate(["年初预算数", "全年预算数", "得分"], start=2):
        ws.write(1, c, text)
    percent = xlwt.easyxf(num_format_str="0.00%")
    ws.write(2, 1, "年度资金总额"), ws.write(2, 2, 10), ws.write(2, 3, 0.975, percent), ws.write(2, 4, 9.75)
    ws.write(3, 1, "其他资金"), ws.write(3, 4, "—")
    book.save(str(path))
    return path


def test_xls_merged_cells_and_percent_format(tmp_path):
    (grid,) = xls_grids(_xls(tmp_path / "book.xls"))
    assert spans(grid) == MERGED
    assert (grid.origin, grid.cell(2, 3).where) == ("xls", "表1!D3")


def test_real_budget_system_export_xls():
    """北京大学's 2019 project documents as the budget system exported them (one sheet each)."""
    doc = read_document(DATA / "pku-2019-project-export.xls")
    assert doc.kind == "xls"
    names = [g.name for g in doc.grids]
    assert names[5:8] == ["项目支出绩效目标申报表", "项目支出绩效目标执行监控", "项目支出绩效自评表"]

    form = doc.grids[7]
    assert spans(form)[:6] == [
        ["项目支出绩效自评表[1x11]"] + ["^0,0"] * 10,
        ["(2019年度)[1x11]"] + ["^1,0"] * 10,
        [""] * 11,
        ["项目名称[1x2]", "^3,0", "2019年210青少年校园足球扶持资金[1x9]"] + ["^3,2"] * 8,
        ["主管部门[1x2]", "^4,0", "教育部[1x3]", "^4,2", "^4,2", "实施单位", "[1x5]"] + ["^4,6"] * 4,
        ["项目资金（万元）[1x2]", "^5,0", "项目名称[1x2]", "^5,2", "年初预算数", "全年预算数", "全年执行数", "分值",
         "执行率[1x2]", "^5,8", "得分"],
    ]

    monitor = doc.grids[6]
    assert [c.text for c in monitor.rows[7] if c.covered_by is None] == [
        "  年度资金总额：", "190.00", "0.00", "0.00%", "0.00"]  # as the sheet shows them: 0.00 and 0.00% formats
    # Overlapping merged ranges in the file (B12:Q19 and ranges inside it): the outer box is kept.
    goal = monitor.cell(11, 1)
    assert (goal.text, goal.rowspan, goal.colspan) == ("完成校园足球运动技术动画20集的设计制作与播出", 8, 16)
    assert monitor.cell(18, 16).covered_by == (11, 1)
    header, first = monitor.rows[19], monitor.rows[21]
    assert [c.text for c in header[1:8]] == ["一级指标", "二级指标", "三级指标", "年度指标值", "1-7月执行数", "全年预计执行数", "偏差原因分析"]
    assert [c.text for c in first[1:7]] == ["产出指标", "成本指标", "成本节约率", "≥0", "一般", "100%"]
    assert sum(1 for row in monitor.rows[21:] if row[1].text.endswith("指标")) == 14


# ---------------------------------------------------------------- .html


PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>不是数据</title><style>td {{ color: red }}</style><script>var x = "<td>总分</td>";</script></head>
<body><div class="title"><strong>项目支出绩效自评表</strong></div><p>（2023年度）</p>
<table border="1"><tbody>
<tr><td colspan="2">项目名称</td><td colspan="3">测试项目</td></tr>
<tr><td rowspan="3"><p>项目资金</p><p>（万元）</p></td><td>&nbsp;</td><td>年初预算数</td><td>全年预算数</td><td>得分</td></tr>
<tr><td>年度资金总额</td><td>10</td><td>97.50%</td><td>9.75</td></tr>
<tr><td>其他资金</td><td></td><td></td><td>—</td></tr>
</tbody></table>
<p>注：&lt;填表说明&gt; 金额单位
万元</p></body></html>"""


def test_html_rowspan_colspan_text_outside_and_noise_ignored(tmp_path):
    page = tmp_path / "form.htm"
    page.write_bytes(PAGE.encode("gb18030"))  # declared gb2312, as such pages are
    doc = read_document(page)
    assert doc.kind == "html"
    (grid,) = doc.grids
    assert spans(grid) == MERGED
    assert doc.text == "项目支出绩效自评表\n（2023年度）\n注：<填表说明> 金额单位 万元"


def test_html_spans_past_the_table_end_and_nested_tables():
    blocks = html_blocks(
        "<table><tr><td rowspan=5>一级</td><td>a<br>b</td></tr><tr><td>c<table><tr><td>内</td></tr></table>d</td></tr>"
        "<tr><td rowspan=0>到底</td><td>e</td></tr></table>"
    )
    outer, inner = blocks
    assert spans(outer) == [["一级[3x1]", "a\nb", ""], ["^0,0", "c\nd", ""], ["^0,0", "到底", "e"]]
    assert inner.texts() == [["内"]]


def test_html_caption_and_stray_table_text_are_paragraphs_before_the_table():
    blocks = html_blocks("<p>附件2</p><table><caption>项目支出绩效自评表</caption>\n<tr><td>项目名称</td></tr>"
                         "（2023年度）<tr><td>测试</td></tr></table><p>填报日期</p>")
    assert [b if isinstance(b, str) else b.texts() for b in blocks] == [
        "附件2", "项目支出绩效自评表", "（2023年度）", [["项目名称"], ["测试"]], "填报日期"]


def test_html_saved_as_xls_is_read_as_html(tmp_path):
    """Government systems export "xls" files that are HTML tables."""
    fake = tmp_path / "export.xls"
    fake.write_text("<table><tr><td>一级指标</td><td>分值</td></tr></table>", encoding="utf-8")
    assert [g.texts() for g in read_document(fake).grids] == [[["一级指标", "分值"]]]


def test_tab_separated_text_saved_as_xls_is_text(tmp_path):
    fake = tmp_path / "export.xls"
    fake.write_text("项目名称\t测试\n一级指标\t分值\n", encoding="utf-8")
    assert read_document(fake).blocks == ["项目名称\t测试\n一级指标\t分值\n"]


def test_word_web_archive_mht(tmp_path):
    import quopri

    body = quopri.encodestring(PAGE.replace("gb2312", "utf-8").encode("utf-8")).decode("ascii")
    mht = ("MIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"----=_NextPart\"\n\n"
           "------=_NextPart\nContent-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable\n\n"
           f"{body}\n------=_NextPart--\n")  # fmt: skip
    (tmp_path / "form.doc").write_text(mht, encoding="ascii")  # Word's "web page" saved under .doc
    (grid,) = read_document(tmp_path / "form.doc").grids
    assert spans(grid) == MERGED
    assert [g.texts() for g in html_grids(tmp_path / "form.doc")] == [grid.texts()]


# ---------------------------------------------------------------- .pdf


def _pdf(path: Path, rows: int = 4, title: bool = True) -> Path:
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("c", fontName="STSong-Light", fontSize=9, leading=11, wordWrap="CJK")
    data = [["项目名称", "", "测试项目", "", ""], ["项目资金\n（万元）", "", "年初预算数", "全年预算数", "得分"],
            ["", "年度资金总额", "10", "97.50%", "9.75"], ["", "其他资金", "", "", "—"]]  # fmt: skip
    data += [["", f"指标{n}", str(n), "", ""] for n in range(rows - 4)]
    cells = [[Paragraph(t.replace("\n", "<br/>"), style) for t in row] for row in data]
    commands = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("SPAN", (0, 0), (1, 0)), ("SPAN", (2, 0), (4, 0)),
                ("SPAN", (0, 1), (0, 3))]  # fmt: skip
    story = [Paragraph("项目支出绩效自评表", style), Paragraph("（2023年度）", style)] if title else []
    story.append(Table(cells, colWidths=[70, 90, 90, 90, 90], style=TableStyle(commands)))
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def test_pdf_ruled_table_with_merged_boxes_and_text_above(tmp_path):
    doc = read_document(_pdf(tmp_path / "form.pdf"))
    assert [b if isinstance(b, str) else "<table>" for b in doc.blocks] == ["项目支出绩效自评表", "（2023年度）", "<table>"]
    (grid,) = doc.grids
    assert spans(grid) == MERGED
    assert (grid.origin, grid.name, grid.cell(2, 3).where) == ("pdf", "page 1 table 1", "page 1 table 1 r3c4")


def test_pdf_table_continued_on_the_next_page_is_one_grid(tmp_path):
    path = _pdf(tmp_path / "long.pdf", rows=80)
    (grid,) = pdf_grids(path)
    assert len(grid.rows) == 80
    assert [grid.rows[r][1].text for r in (4, 79)] == ["指标0", "指标75"]


def test_pdf_without_text_layer_says_run_ocr(tmp_path):
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"))
    pdf.rect(50, 50, 400, 600)  # a drawing, no characters: what a scan without OCR gives
    pdf.showPage()
    pdf.save()
    with pytest.raises(ExtractFailure, match=r"^a PDF with no text layer \(a scan\?\): run OCR"):
        read_document(tmp_path / "scan.pdf")


# ---------------------------------------------------------------- what cannot be read


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("form.doc", OLE + "WordDocument".encode("utf-16-le"),
         "a .doc (Word 97-2003) file: save it as .docx or PDF (File → Save As) and read that file"),
        ("form.wps", OLE + "WordDocument".encode("utf-16-le"),
         "a .wps (WPS Writer) file: save it as .docx or PDF (File → Save As) and read that file"),
        ("misnamed.xls", OLE + "WordDocument".encode("utf-16-le"),
         "a .doc (Word 97-2003) file: save it as .docx or PDF (File → Save As) and read that file"),
        ("form.et", OLE + b"\x00" * 512, "a .et (WPS Spreadsheets) file: save it as .xlsx (File → Save As) and read that file"),
        ("form.rtf", b"{\\rtf1\\ansi ...}", "an .rtf (Rich Text) file: save it as .docx or PDF (File → Save As) and read that file"),
        ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64,
         "a scanned image (.jpg): run OCR on it and give reviewer the text, or ask the unit for the original document"),
        ("scan.pdf.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
         "a scanned image (.png): run OCR on it and give reviewer the text, or ask the unit for the original document"),
        ("page.tif", b"II*\x00" + b"\x00" * 64,
         "a scanned image (.tif): run OCR on it and give reviewer the text, or ask the unit for the original document"),
        ("other.docx", b"PK\x03\x04", "not a readable .docx document (a damaged zip container)"),
        ("empty.docx", b"", "empty file"),
    ],
)
def test_unreadable_formats_say_what_they_are_and_what_to_do(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ExtractFailure) as caught:
        read_document(path)
    assert str(caught.value) == message


def test_zip_that_is_not_an_office_document(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "pack.docx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ExtractFailure, match=r"^a zip archive that is not a Word \(\.docx\) or Excel \(\.xlsx\) document"):
        read_document(tmp_path / "pack.docx")


def test_document_to_tsv_keeps_paragraphs_between_tables(tmp_path):
    doc = Contents(["标题", Grid([]), "（2023年度）"], "docx")
    assert doc.to_tsv() == "标题\n\n\n（2023年度）"


@pytest.mark.parametrize("carrier", ["docx", "xlsx", "xls", "html", "pdf"])
def test_damaged_documents_are_a_message_never_a_traceback_or_noise(tmp_path, capfd, carrier):
    """Each format cut short and with bytes overwritten, 30 ways (seeded): read, or an
    ExtractFailure; nothing printed (xlrd and pdfminer write warnings of their own)."""
    import random
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from zoo.render import rendering

    for module in {"docx": ["docx"], "xls": ["xlwt", "xlrd"], "pdf": ["reportlab", "pdfplumber"]}.get(carrier, []):
        pytest.importorskip(module)
    path, _ = rendering("002_cc20b351adbf8378", "national", carrier, tmp_path)
    data = path.read_bytes()
    rng = random.Random(carrier)
    for k in range(30):
        damaged = bytearray(data[: rng.randrange(1, len(data))] if k % 2 else data)
        if not k % 2:
            for _ in range(20):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        target = tmp_path / f"damaged{k}{path.suffix}"
        target.write_bytes(bytes(damaged))
        try:
            read_document(target)
        except ExtractFailure as exc:
            assert str(exc) and "Traceback" not in str(exc)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
