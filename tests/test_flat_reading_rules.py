"""Flattened tables. An xlsx dump whose single spaces part cells (sx-jishan): a label a converter wrote
with a space between every character is one label, and a funding row's label glued to the
words of a header field's value is the end of that value, not a row."""

from __future__ import annotations

from reviewer.extract.cleanup import clean
from reviewer.extract.textgrid.flat import flat_tokens
from reviewer.extract.textgrid.source import Source

HEADER = ("项目支出绩效自评表 (2020年度) 项目名称 建档立卡个人缴费县级配套资金 主管部门 某县医疗保障局 "
          "项目资金 (万元) 年初预算数 全年预算数 全年执行数 分值 执行率 得分 年度资金总额 65.66 65.66 65.07 10 99% 9 ")
ROWS = ("一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 产出指标 数量指标 全县参合人数 8755人 8676人 15 13 "
        "绩 效 指 标 质量指标 资金纳入率 100% 100% 15 15 总分 100 94")


def _tokens(text: str) -> list[str]:
    src = Source(clean(text))
    return [p.text for p in flat_tokens(src, 0, src.line_count - 1)]


def test_a_label_written_with_a_space_between_its_characters_is_one_label():
    tokens = _tokens(HEADER + ROWS)
    assert "绩 效 指 标" in tokens
    assert not {"绩", "效", "指", "标"} & set(tokens)


def test_a_funding_label_glued_to_a_fields_value_ends_the_value():
    tokens = _tokens(HEADER + ROWS)
    at = tokens.index("项目名称")
    assert tokens[at + 1] == "建档立卡个人缴费县级配套资金"
    assert "配套资金" not in tokens


def test_a_funding_label_standing_alone_still_opens_its_row():
    tokens = _tokens(HEADER.replace("年度资金总额", "配套资金") + ROWS)
    assert "配套资金" in tokens


RUN_TOGETHER = ("项目支出绩效自评表项目名称马铃薯种薯项目资金情况(万元)全年预算数(A)300全年执行数(B)259.45执行率86.5%"
                "绩效指标一级指标二级指标三级指标分值年度指标值全年实际值得分未完成原因及改进措施产出指标(40分)数量指标"
                "指标1种薯亩均收入较鲜薯亩均收入8工5%工5%8指标3采购数量88585吨8585吨8总分10099")


def test_a_value_written_twice_with_nothing_between_is_two_cells():
    """OCR'd text with no separators (nx-yuanzhou): a target met, its comparator read as '工',
    is the same value twice: the target and the actual."""
    tokens = _tokens(RUN_TOGETHER)
    at = tokens.index("工5%")
    assert tokens[at - 1 : at + 3] == ["8", "工5%", "工5%", "8"]


def test_digits_that_repeat_are_not_split_by_guess():
    """'88585吨' may be 8 | 8585吨 or one number: it stays one fused piece, never two copies."""
    src = Source(clean(RUN_TOGETHER))
    pieces = flat_tokens(src, 0, src.line_count - 1)
    assert any(p.fused and p.text == "88585吨" for p in pieces)
    assert "8585" not in [p.text for p in pieces]


SPACED_PDF = ("2020 年市级某专项资金项目自评表 单位名称:区商务局 项目名称 2020 年市级某专项资金 主管部门 区商务局 "
              "预算执行 情况(万元) (20 分) 年度财政 资金总额 预算数 (A) 执行数(B) 执行率(B/A) 得分 285.84 285.84 100% 20 "
              "三级指标 年初目标值 (A) 实际完成值 (B) 得分 服务外包在岸(万美元) 20000 23333.56 10 "
              "资金拨付及时性 98%以上 100% 10 社会效益 指标 企业把握政治导向和文 化方向情况 企业把握正 确政治导向 和文化方向 "
              "情况的评价 可持续影 响指标 推动企业走出去方面发 挥的作用 是否利于企 业走出去 二级指标 数量指标 产出指标 (60 分) "
              "效益指标 (40 分) 总分 企业较好把 握正确政治 导向和文化 方向情况的 评价 20 100")


def test_a_spaced_row_with_no_number_before_the_next_label_is_not_cut_by_counting():
    """A PDF text layer (unk-kunmingchi) printed two rows' actuals and 得分 after the table's
    level names: their words before the next label hold no number, so where each cell ends is
    not written. No cell is read (no name cut short, no overflow read as a row), with a note."""
    from reviewer.extract import parse_text

    (form,) = parse_text(SPACED_PDF, "kunmingchi-like.txt")
    rows = [(r.name, r.target, r.actual, r.score) for r in form.indicators]
    assert rows == [("服务外包在岸(万美元)", "20000", "23333.56", 10), ("资金拨付及时性", "98%以上", "100%", 10)]
    notes = [w.message for w in form.warnings if "hold no number for its 得分" in w.message]
    assert len(notes) == 2 and "企业把握政治导向和文 化方向情况" in notes[0] and "是否利于企 业走出去'" in notes[1]


def test_two_labels_joined_by_a_slash_take_the_two_parts_of_their_value():
    """'项目实施单位/项目负责人 原州区农技中心/杨勃兴' (nx-yuanzhou, OCR with no separators):
    the form pairs the labels and the parts of the value, in order."""
    tokens = _tokens(RUN_TOGETHER.replace("项目资金情况", "项目实施单位/项目负责人原州区农技中心/杨勃兴主管部门农业农村厅资金情况"))
    at = tokens.index("项目实施单位")
    assert tokens[at : at + 4] == ["项目实施单位", "原州区农技中心", "项目负责人", "杨勃兴"]


def test_a_value_with_no_slash_after_joined_labels_is_left_as_written():
    tokens = _tokens(RUN_TOGETHER.replace("项目资金情况", "项目实施单位/项目负责人原州区农技中心主管部门农业农村厅资金情况"))
    at = tokens.index("项目实施单位")
    assert tokens[at : at + 4] == ["项目实施单位", "/", "项目负责人", "原州区农技中心"]
