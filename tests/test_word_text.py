"""Tab text as Word writes a table (另存为 纯文本 / 表格转换成文本): cells after tabs, a cell's
paragraphs over several lines, unquoted (reviewer.extract.textgrid.wordtext). Every seed form
in this shape is the layout zoo's `word-text` / `word-text-gbk` carrier; these are the rules."""

from __future__ import annotations

import codecs

from zoo.render import Sheet, Table, as_word_text

from reviewer.extract import extract_file
from reviewer.extract.textgrid.wordtext import rejoined_lines

def rows(text: str) -> list[list[str]] | None:
    got = rejoined_lines(text)
    return None if got is None else [[c for c, _ in row] for row in got]


def test_save_as_plain_text_rows_split_inside_cells_are_one_row_again():
    # Save As: every cell followed by a tab, so a line not ending with one ends inside a cell.
    lines = ["绩效指标\t一级指标\t二级指标\t三级指标\t年度", "指标值\t实际", "完成值\t分值\t得分\t偏差原因分析",
             "及改进措施\t",
             "\t产出指标\t数量指标\t社会工作服务人-委托", "业务费发放及时率\t100%\t100%及时\t10\t10\t\t",
             "\t\t质量指标\t达标率\t100%\t100%\t15\t15\t偏差原因：新增6人，", "改进措施：合理变更。\t",
             "总分\t100\t98\t"]
    assert rows("\n".join(lines)) == [
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分", "偏差原因分析\n及改进措施"],
        ["", "产出指标", "数量指标", "社会工作服务人-委托\n业务费发放及时率", "100%", "100%及时", "10", "10", ""],
        ["", "", "质量指标", "达标率", "100%", "100%", "15", "15", "偏差原因：新增6人，\n改进措施：合理变更。"],
        ["总分", "100", "98"]]


def test_table_converted_to_text_rows_are_rebuilt_by_the_header_width_and_row_starts():
    # No trailing tab: a line goes on with the row above while their tabs fit the widest line
    # and it opens no row (an empty first field, a row label, a level name); a label goes on
    # only with the label it completes ("全年" + "执行数").
    lines = ["项目名称\t某项目", "项目资金", "（万元）\t\t年初", "预算数\t全年", "执行数\t分值\t得分",
             "\t年度资金总额\t4\t4\t10\t10\t\t\t",
             "绩效指标\t一级指标\t二级指标\t三级指标\t年度\t分值\t得分\t\t",
             "\t产出指标\t数量指标\t购买宣传", "材料\t1\t20\t20\t\t", "总分\t100\t100"]
    assert rows("\n".join(lines)) == [
        ["项目名称", "某项目"], ["项目资金\n（万元）", "", "年初\n预算数", "全年\n执行数", "分值", "得分"],
        ["", "年度资金总额", "4", "4", "10", "10", "", "", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度", "分值", "得分", "", ""],
        ["", "产出指标", "数量指标", "购买宣传\n材料", "1", "20", "20", "", ""], ["总分", "100", "100"]]


def test_a_spanning_header_written_once_stands_over_its_parts_again():
    lines = ["三级指标\t年度指标值\t实际", "完成值\t分值\t", "\t指标性质\t指标值\t度量单位\t\t\t",
             "数量\t≥\t5\t台\t5台\t20\t"]
    assert rows("\n".join(lines)) == [["三级指标", "年度指标值", "", "", "实际\n完成值", "分值"],
                                      ["", "指标性质", "指标值", "度量单位", "", ""], ["数量", "≥", "5", "台", "5台", "20"]]


def test_ordinary_tab_text_is_left_as_written():
    tsv = "\n".join(["项目名称\t\t某项目", "绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t分值\t得分",
                     "\t产出指标\t数量指标\t采购\t5台\t20\t20", "\t\t质量指标\t合格率\t100%\t30\t30", "总分\t\t\t\t\t100\t100"])
    assert rows(tsv) is None
    # a title over the table and a labelled cell below it are no row's continuation
    assert rows("金额单位：万元\n项目名称：测试项目\t\n" + tsv) is None


def _small_table() -> list[Sheet]:
    table = Table(4)
    table.row((0, "项目名称", 1), (1, "某项目", 3))
    table.row((0, "一级指标", 1), (1, "二级指标", 1), (2, "三级指标", 1), (3, "偏差原因分析\n及改进措施", 1))
    table.row((0, "产出指标", 1, 2), (1, "数量指标", 1), (2, "业务工作支出安排金额", 1), (3, "", 1))
    table.row((1, "质量指标", 1), (2, "到位率", 1), (3, "", 1))
    return [Sheet(["项目支出绩效自评表"], table.complete(), {})]


def test_the_word_text_carrier_writes_merged_cells_as_word_does():
    # A horizontal merge written once, a vertical one as an empty cell below its first row,
    # a cell's paragraphs over lines; Save As ends every cell with a tab, lines with CRLF.
    assert as_word_text(_small_table()).split("\r\n") == [
        "项目支出绩效自评表", "项目名称\t某项目\t", "一级指标\t二级指标\t三级指标\t偏差原因分析", "及改进措施\t",
        "产出指标\t数量指标\t业务工作支出安排金额\t\t", "\t质量指标\t到位率\t\t", "", ""]
    assert as_word_text(_small_table(), trailing_tab=False).split("\r\n")[1] == "项目名称\t某项目"


def test_word_unicode_text_utf16_with_bom_reads_as_the_utf8_one(tmp_path):
    from zoo.render import rendering

    utf8, _ = rendering("002_cc20b351adbf8378", "national", "word-text", tmp_path)
    text = utf8.read_bytes().decode("utf-8-sig")
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    def seen(forms):
        return [(f.name, f.funding.annual_budget, [(i.name, i.score) for i in f.indicators]) for f in forms]
    assert seen(extract_file(utf16)) == seen(extract_file(utf8))
