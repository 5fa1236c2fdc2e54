"""Reading rules proven on the real forms added by the newforms3 session (tests/data/realforms/dev:
ah-jinzhai-chagu-2023-bumen-zhengti-pipe, hb-ezhou-spj-2021-shiminzhongxin-pipecell,
jx-shangrao-sfj-2021-sifa-xlsflat, sc-daying-sfj-2023-anke-pipe-rows).

- A 部门整体支出绩效自评表 names the unit it evaluates under a bare 部门 label (部门 | 某中心):
  that is the form's unit, as 部门名称 is (vocabulary: labels.toml [header] unit, listed last so
  any other unit label written beside it holds). 主管部门 stays the department and 部门职责 stays
  no field.
"""

from __future__ import annotations

from reviewer.extract import parse_text

_DEPARTMENT_FORM = """部门整体支出绩效自评表 | |||||||||||||
(2023年度) | |||||||||||||
{header}
预算资金 (万元) |
年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 | |||||||
年度资金总额 | 100 | 100 | 90 | 10 | 90% | 9 |||||||
其中:当年财政拨款 | 100 | 100 | 90 | — | 90% | — | |||||||
年度总体目标 | 预期目标 | 实际完成情况 | |||||||||||
完成全年工作任务。 | 已完成。 | ||||||||||||
一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 | |||||
产出指标 | 数量指标 | 培训人次 | ≥100 | 120 | 90 | 90 | |||||||
"""


def _form(header: str):
    forms = parse_text(_DEPARTMENT_FORM.format(header=header), "typed.txt")
    assert len(forms) == 1
    return forms[0]


def test_a_bare_bumen_label_names_the_unit_of_a_department_form() -> None:
    form = _form("部门 | 某县城乡建设服务中心 | ||||||||||||")
    assert form.kind == "department_overall"
    assert form.unit == "某县城乡建设服务中心"
    assert form.department is None
    assert [i.name for i in form.indicators] == ["培训人次"]


def test_zhuguan_bumen_stays_the_department_beside_bumen() -> None:
    form = _form("部门 | 某县城乡建设服务中心 | 主管部门 | 某县住房和城乡建设局 | ||||||||||")
    assert form.unit == "某县城乡建设服务中心"
    assert form.department == "某县住房和城乡建设局"


def test_another_unit_label_holds_over_bumen() -> None:
    form = _form("实施单位 | 某县城乡建设服务中心 | 部门 | 某县住房和城乡建设局 | ||||||||||")
    assert form.unit == "某县城乡建设服务中心"


def test_bumen_zhize_is_no_unit() -> None:
    form = _form("部门职责 | 负责全县村庄建设 | ||||||||||||")
    assert form.unit in (None, "")


_FLAT_FORM = ("项目支出绩效自评表 (2022年度) 项目名称 智慧社会治理项目 主管部门 某区政务服务局 实施单位 某区大数据中心 "
              "项目资金 (万元) 年初预算数 全年预算数 全年执行数 分值 执行率 得分 年度资金总额: 10 10 10 10 100% 10 "
              "其中:本年财政拨款 10 10 10 上年结转资金 其他资金 年度总体目标 预期目标 实际完成情况 "
              "建立智慧社会治理机制,实现多部门数据共享。 实现了多部门数据共享,提高了工作效率。 "
              "绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 "
              "产出指标 数量指标 建成系统数量 ≥1个 1个 90 90")


def test_bumen_inside_running_text_is_no_label() -> None:
    """A two-character header label (部门) is searched for only as a cell: in flattened text the
    word inside a goal (多部门数据共享) stays the goal's."""
    [form] = parse_text(_FLAT_FORM, "flat.txt")
    assert "多部门数据共享" in form.goal.planned
    assert "多部门数据共享" in form.goal.actual
    assert form.unit == "某区大数据中心"
    assert form.department == "某区政务服务局"
