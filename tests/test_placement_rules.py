"""Rules of placing a row's cells under its table's columns (reviewer/extract/layouts/placement.py),
each on a typed form built for it and checked through the whole reader."""

from __future__ import annotations

from pathlib import Path

from reviewer.extract import extract_paths

# One run with no separators, as sc-zhongjiang-slj-2022-xianjie-flat (chacewang.com) is written,
# typed with other numbers and a 年初预算数 column: '35351098.59%' fuses 年初预算数 | 全年预算数 |
# 全年执行数 | 分值 | 执行率, and the 9 after it is 得分.
FLAT_RUN = (
    "绩效目标自评表(2023年度)项目名称某县农田灌溉渠道修复项目项目负责人及电话张三13800000000主管部门某县农业农村局"
    "实施单位某县农业农村局资金情况(万元)年初预算数全年预算数(A)全年执行数(B)分值执行率(B/A)得分"
    "年度资金总额:35351098.59%9其中:本年财政拨款3535.535其他资金年度总体目标年初设定目标年度总体目标完成情况综述"
    "修复渠道5公里,保障灌溉。修复渠道5公里,灌溉正常。绩效指标一级指标二级指标三级指标分值年度指标值全年实际值得分"
    "未完成原因及拟采取的改进措施产出指标(50分)数量指标修复渠道长度30≥5公里5公里30质量指标验收合格率20≥95%100%20"
    "效益指标(30分)社会效益指标受益农户数30≥200户230户30满意度指标(10分)服务对象满意度指标农户满意度10≥90%95%10"
    "总分100100\n"
)


def test_the_number_after_a_run_ending_in_a_percentage_is_under_the_column_after_the_rate(tmp_path: Path) -> None:
    """A run of numbers written together that ends in a percentage ends at the 执行率 column (a
    percentage is a rate, never an amount): the reader puts it there, and the number after it is
    in the next column, 得分, not in an amount column the run's content cannot be placed by."""
    path = tmp_path / "flat.txt"
    path.write_text(FLAT_RUN, encoding="utf-8")
    [form] = extract_paths([path]).forms
    funding = form.funding
    assert funding.score == 9
    # what the run holds is not read: never a guessed number
    assert (funding.initial_budget, funding.annual_budget, funding.executed, funding.weight,
            funding.execution_rate) == (None, None, None, None, None)
    assert not [w for w in form.warnings if w.field == "funding" and "'9'" in w.message]
