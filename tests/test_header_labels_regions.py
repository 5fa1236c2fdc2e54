"""Header fields and funding sources of forms from provinces the seeds do not cover.

Each rule was found on a real form in tests/data/realforms/dev (named in the test) and is
tested here on small forms built for it, so a change that breaks the rule fails here even
where the real form still fails for other reasons (its flattened text).
"""

from __future__ import annotations

from reviewer.extract import parse_text
from reviewer.extract.layouts import tabular

from test_layout_tabular import small_form


def _form(header: list[str]):
    (form,) = tabular.parse(small_form(header=header), "x.txt")
    return form


def test_the_implementing_unit_outranks_the_office_filling_the_form_in():
    # unk-kunmingchi: 单位名称 (the 区商务局 that filled it in) comes first, 项目实施单位 later.
    header = ["项目自评表", "(2020年度)", "单位名称：区商务局|填报日期：2021年4月", "项目名称|测试项目|主管部门|区商务局",
              "项目实施单位|投资促进中心"]
    assert _form(header).unit == "投资促进中心"
    # Written the other way round, the implementing unit still holds.
    header = ["项目自评表", "(2020年度)", "项目实施单位|投资促进中心", "项目名称|测试项目|单位名称|区商务局"]
    assert _form(header).unit == "投资促进中心"


def test_a_field_marked_not_filled_is_left_empty():
    # nx-yuanzhou: 项目实施单位 | / (a slash, as forms write "not applicable").
    header = ["项目自评表", "(2022年度)", "项目名称|测试项目", "主管部门|某局|实施单位|/"]
    form = _form(header)
    assert form.unit in (None, "") and form.department == "某局"


def test_tick_box_options_after_a_unit_are_not_part_of_it():
    # unk-kunmingchi: "项目实施单位 投资促进中心 □ 3、一次性项目 □" (the PDF printed 项目类型's last option there).
    header = ["项目自评表", "(2020年度)", "项目名称|测试项目|主管部门|区商务局", "项目实施单位|投资促进中心 □ 3、一次性项目 □"]
    form = _form(header)
    assert form.unit == "投资促进中心"
    assert any("tick box" in w.message for w in form.warnings if w.field == "unit")


def test_a_tiered_department_label_is_a_department_and_the_finance_bureau_is_not():
    # nx-yuanzhou: 自治区主管部门 / 市县财政部门 / 市县主管部门 (Ningxia's special funds).
    header = ["项目绩效目标自评表", "(2022年度)", "项目名称|测试项目", "自治区主管部门|农业农村厅|市县财政部门|原州区财政局",
              "市县主管部门|原州区农业农村局|项目实施单位|原州区农技中心"]
    form = _form(header)
    assert form.department == "农业农村厅" and form.unit == "原州区农技中心"


def test_funding_sources_of_the_autonomous_regions_are_rows_of_their_own():
    # nm-linhe: 中央财政资金 / 自治区财政资金 / 盟市财政资金 / 旗县财政资金 (Inner Mongolia's tiers), in a
    # spreadsheet flattened with single spaces: the labels are what parts the rows.
    text = ("项目支出绩效自评表 (2023年度) 项目名称 测试项目 主管部门 某局 实施单位 某中心 项目资金(万元) 年初预算数 "
            "全年预算数 全年执行数 分值 执行率 得分 年度资金总额: 10 10 9 10 90% 9 其中:中央财政资金 4 4 4 - - "
            "自治区财政资金 3 3 3 - - 盟市财政资金 2 2 1 - - 旗县财政资金 1 1 1 - - 年度总体目标 预期目标 实际完成情况 "
            "完成任务 已完成 绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 "
            "产出指标(50分) 数量指标 完成数量 ≥5个 5个 50 50 满意度指标(10分) 满意度指标 满意度 ≥90% 95% 40 40 总分 100 99")
    (form,) = parse_text(text, "x.txt")
    rows = [(r.label, r.annual_budget, r.executed) for r in form.funding.rows]
    assert rows[1:] == [("中央财政资金", 40000.0, 40000.0), ("自治区财政资金", 30000.0, 30000.0),
                        ("盟市财政资金", 20000.0, 10000.0), ("旗县财政资金", 10000.0, 10000.0)]


def test_regions_vocabulary_is_merged_not_replacing():
    from reviewer.domain.vocabulary import vocabulary

    vocab = vocabulary()
    assert vocab.header.exact("主管部门") == "department" and vocab.header.exact("市县主管部门") == "department"
    assert "地方财政部门" in vocab.header_other


def test_a_compound_label_gives_each_part_its_own_part_of_the_value():
    # nx-yuanzhou: "项目实施单位/项目负责人 原州区农技中心/杨勃兴".
    header = ["项目绩效目标自评表", "(2022年度)", "项目名称|测试项目|主管部门|某局", "项目实施单位/项目负责人|原州区农技中心/杨勃兴"]
    assert _form(header).unit == "原州区农技中心"
    # A value in one part stays whole (the template's "单位名称/项目名称" means one or the other).
    header = ["项目支出绩效自评表", "(2022年度)", "单位名称/项目名称|测试项目", "主管部门|某局|实施单位|某中心"]
    form = _form(header)
    assert (form.name, form.unit) == ("测试项目", "某中心")
