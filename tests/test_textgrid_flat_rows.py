"""Flattened tables (a form's cells on one line): rows cut from the token classes, and the
cells whose boundary is not written left empty with a note, never split by guess."""

from __future__ import annotations

from reviewer.extract.textgrid import text_grids

HEADER_WEIGHT_FIRST = "绩效指标一级指标二级指标三级指标分值年度指标值全年实际值得分未完成原因及拟采取的改进措施"
HEADER_NO_POINTS = "绩效指标一级指标二级指标三级指标年度指标值全年完成值未完成原因和改进措施"
OUTPUT_ROWS = "产出指标数量指标库存数量真实率100%100%质量指标县级储备粮管理制度严格执行率100%100%"


def rows_of(text: str) -> tuple[list[list[str]], list[str]]:
    grids = text_grids(text)
    return [[c.text for c in row] for g in grids for row in g.rows], [n for g in grids for n in g.notes]


def row_named(rows: list[list[str]], name: str) -> list[str]:
    found = [r for r in rows if name in r]
    assert found, f"no row named {name!r} in {rows}"
    return found[0]


def test_weight_fused_with_a_numeric_target_is_left_empty_with_a_note():
    # 分值 20 and 年度指标值 100% written together: where 分值 ends is not written
    rows, notes = rows_of("项目名称水标尺安装" + HEADER_WEIGHT_FIRST
                          + "产出指标(70分)数量指标安装坡面水标尺10≥266米≥266米10质量指标项目验收合格率20100%100%20"
                          "成本指标项目计划总投资1020万元20万元10总分100100")
    assert row_named(rows, "安装坡面水标尺")[-5:-1] == ["10", "≥266米", "≥266米", "10"]
    fused = row_named(rows, "项目验收合格率")
    assert fused[-5:-1] == ["", "", "100%", "20"]
    assert row_named(rows, "项目计划总投资")[-5:-1] == ["", "", "20万元", "10"]
    assert any("20100%" in n and "written together" in n for n in notes)
    assert not any(cell in ("20", "100%") for cell in fused[-5:-3])  # never a split guess


def test_a_text_target_after_the_weight_is_this_rows_not_the_next_ones():
    rows, _ = rows_of("项目名称衔接资金" + HEADER_WEIGHT_FIRST
                      + "效益指标(20分)社会效益指标群众生产生活条件改善状况10显著提升显著提升10"
                      "满意度指标(10分)服务对象满意度指标受益户满意度10≥95%≥95%10……总分100100")
    assert row_named(rows, "群众生产生活条件改善状况")[-5:-1] == ["10", "显著提升", "显著提升", "10"]
    assert row_named(rows, "受益户满意度")[-5:-1] == ["10", "≥95%", "≥95%", "10"]
    assert not any("显著提升" == r[3] for r in rows)  # no row named by the target


def test_a_value_with_its_unit_written_twice_is_the_target_and_the_actual():
    rows, _ = rows_of("专项资金名称储备粮" + HEADER_NO_POINTS
                      + "产出指标数量指标库存数量真实率100%100%质量指标县级储备粮管理制度严格执行率100%100%"
                      "满意度指标服务对象满意度指标"
                      "粮食安全事件发生数0起0起市民满意度调查95%100%说明无")
    assert row_named(rows, "粮食安全事件发生数")[-3:-1] == ["0起", "0起"]
    assert row_named(rows, "市民满意度调查")[-3:-1] == ["95%", "100%"]


def test_spaced_rows_whose_empty_cells_were_dropped_end_at_their_points_pair():
    header = ("绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 "
              "指标性质 指标值 度量单位 ")
    rows, _ = rows_of("项目名称 宣传经费 " + header + "满意度指标 服务对象满意度指标 工作人员满意率 满意度90%以上 完成指标 10 10 "
                      "群众满意度 满意度90%以上 完成指标 10 10 总分 100 100")
    assert row_named(rows, "工作人员满意率")[-3:-1] == ["10", "10"]
    assert row_named(rows, "群众满意度")[-3:-1] == ["10", "10"]


def test_a_split_targets_actual_with_a_space_before_its_unit_is_one_cell():
    header = ("绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 "
              "指标性质 指标值 度量单位 ")
    rows, _ = rows_of("项目名称 系统维护 " + header + "产出指标 数量指标 在用信息系统个数 1 个 4 个 15 14 "
                      "质量指标 信息系统故障率 ≤ 2 % 1% 15 15 总分 30 29")
    row = row_named(rows, "在用信息系统个数")
    assert "4 个" in row and row[-3:-1] == ["15", "14"]


def test_a_wrapped_cell_is_rejoined_where_the_rows_numbers_leave_one_text_column():
    rows, notes = rows_of("项目名称 服务贸易发展资金 三级指标 年初目标值 (A) 实际完成值 (B) 得分 "
                          "服务外包在岸(万美元) 20000 23333.56 10 支持服务贸易、服务外 包企业数量 3 3 10 "
                          "企业国际质量提升 获得目的国 (地区)受 众欢迎 受目的国受 众欢迎显著 10 "
                          "预算资金执行率 90% 100% 10")
    assert row_named(rows, "支持服务贸易、服务外 包企业数量")[-3:] == ["3", "3", "10"]
    assert row_named(rows, "预算资金执行率")[-3:] == ["90%", "100%", "10"]
    # three text columns, six words: where each cell ends is not written
    assert ["", "", "", "10"] in rows
    assert any("获得目的国" in n and "left empty" in n for n in notes)
    assert not any("获得目的国" in cell for r in rows for cell in r)


def test_a_space_before_a_comma_or_a_full_stop_is_inside_a_cell_and_one_space_parts_the_goal():
    planned = "完成网格管理人员培训工作及开展网格管理相关工作宣传 ，确保参与率达到 90%以上，保障工作顺利开展 。"
    actual = "2022年，本单位完成了培训工作 ，使用人员满意度均达 90%。"
    rows, _ = rows_of("项目名称 网格管理经费 主管部门 福田区政务服务数据管理局 年度总体目标 预期目标 实际完成情况 "
                      f"{planned} {actual} 绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 "
                      "偏差原因分析及改进措施 产出指标 数量指标 丰富办事事项，压缩办事材料 ≥90% 100% 10 10 "
                      "质量指标 培训参与率 ≥90% 95% 10 10 总分 20 20")
    goal = next(r for r in rows if planned in r)
    assert actual in goal and goal.index(actual) == goal.index(planned) + 1
    assert row_named(rows, "丰富办事事项，压缩办事材料")[-4:-1] == ["100%", "10", "10"]


def test_a_goal_with_spaces_of_its_own_and_no_single_boundary_is_one_cell():
    rows, notes = rows_of("项目名称 网格管理经费 主管部门 福田区政务服务数据管理局 年度总体目标 预期目标 实际完成情况 "
                          "完成培训 开展宣传 提高水平 本单位完成了培训 绩效指标 一级指标 二级指标 三级指标 年度指标值 "
                          "实际完成值 分值 得分 产出指标 数量指标 培训参与率 ≥90% 95% 10 10 总分 10 10")
    assert not any("开展宣传" == cell for r in rows for cell in r)  # never cut at a guessed space
    assert any("预期目标 ends is not known" in n for n in notes)


def test_a_row_after_a_reason_text_is_a_row_not_more_reason():
    rows, _ = rows_of("项目名称 政务服务经费 绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 "
                      "偏差原因分析及改进措施 指标性质 指标值 度量单位 效益指标 社会效益指标 提升职工业务水平 有效 100% 15 14.5 "
                      "偏差原因：指标值设置不合理改进措施：完善指标值设置。 保障单位日常运行工作的正常开展 有效 100% 15 14.5 "
                      "偏差原因：指标值设置不合理。 满意度指标 服务对象满意度指标 工作人员满意度 ≥ 90 % 90% 10 10 总分 40 39")
    assert row_named(rows, "保障单位日常运行工作的正常开展")[-3:-1] == ["15", "14.5"]
    assert not any("保障单位日常运行工作的正常开展" in cell and "偏差" in cell for r in rows for cell in r)


def test_a_rows_pair_before_its_columns_is_placed_from_the_pair_and_the_reason_kept_whole():
    header = ("绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 "
              "指标性质 指标值 度量单位 ")
    rows, _ = rows_of("项目名称 社工服务经费 " + header + "产出指标 数量指标 社工人数 4 人 10 人 15 13 "
                      "偏差原因：新增社工人员 6 人；改进措施：合理变更年度指标值。 质量指标 服务达标率 100 % 100% 15 15 总分 30 28")
    row = row_named(rows, "社工人数")
    assert row[-3:] == ["15", "13", "偏差原因：新增社工人员 6 人；改进措施：合理变更年度指标值。"]
    assert "10 人" in row and "4" in row


# Spaced flattened text (an OCR'd form, seed 003's kind): single spaces part cells and also
# sit inside them. A row is cut where its words allow one reading only.
HEADER_SPACED = "绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 "


def test_spaced_cells_a_unit_after_a_number_stays_with_it_one_reading():
    # "台" alone cannot begin a cell: only "…共9 台 | 9 台 | 9 台" reads the row
    rows, notes = rows_of("项目名称 购置费 " + HEADER_SPACED + "产出指标 数量指标 购置办公用设备共9 台 9 台 9 台 20 20 "
                          "时效指标 及时 高于 95% 98% 10 10 总分 30 30")
    assert row_named(rows, "购置办公用设备共9 台")[-6:] == ["购置办公用设备共9 台", "9 台", "9 台", "20", "20", ""]
    # "高于" needs its value: it cannot end a cell, so "高于 95%" is the target
    assert row_named(rows, "及时")[-6:] == ["及时", "高于 95%", "98%", "10", "10", ""]
    assert not any("left empty" in n for n in notes)


def test_spaced_cells_that_admit_several_cuts_are_left_empty_with_a_note():
    # "购置费 112 万 | 112万 | 109.44 万" or "购置费 | 112 万 112万 | 109.44 万" or …: not written
    rows, notes = rows_of("项目名称 购置费 " + HEADER_SPACED + "产出指标 成本指标 购置费 112 万 112万 109.44 万 10 9.77 "
                          "按实际发生购置费支付 总分 10 9.77")
    row = row_named(rows, "成本指标")
    assert row[-6:] == ["", "", "", "10", "9.77", "按实际发生购置费支付"]  # the pair and reason are sure
    assert any("112 万 112万 109.44 万" in n and "三级指标 / 年度指标值 / 实际完成值" in n and "left empty" in n
               for n in notes)


def test_two_amount_labels_side_by_side_are_a_funding_header_not_a_fields_value():
    # A transfer-payment form (nm-linhe's kind): no 分值 / 得分 in its funding header
    rows, _ = rows_of("就业补助资金绩效目标自评表 (2022年度) 转移支付(项目)名称 就业补助资金 中央主管部门 人力资源社会保障部 "
                      "地方财政部门 某市某区财政局 全年预算数(A) 全年执行数(B) 7165.32 6992.95 "
                      "其中:中央财政资金 3144.00 3144.00 自治区财政资金 570.17 570.17 盟市财政资金 433.00 432.10 "
                      "年度资金总额 资金投入情况 (万元) 地方主管部 门 某区人社局")
    assert ["地方财政部门", "某市某区财政局"] == [c for c in row_named(rows, "地方财政部门") if c]
    # the header has no column for the rows' labels: it gets one, so the amounts stand under it
    assert row_named(rows, "全年预算数(A)")[:3] == ["", "全年预算数(A)", "全年执行数(B)"]
    assert row_named(rows, "盟市财政资金")[:3] == ["盟市财政资金", "433.00", "432.10"]
    assert ["地方主管部 门", "某区人社局"] == [c for c in row_named(rows, "地方主管部 门") if c]  # a label split by a space


def test_a_one_character_value_written_twice_is_the_target_and_the_actual():
    rows, _ = rows_of("专项资金名称储备粮" + HEADER_NO_POINTS + OUTPUT_ROWS
                      + "效益指标可持续影响指标粮食储备设备维护及安全性高高满意度指标服务对象满意度指标市民满意度调查95%100%说明无")
    assert row_named(rows, "粮食储备设备维护及安全性")[-3:-1] == ["高", "高"]


def test_a_doubled_character_outside_the_value_list_stays_in_the_name():
    rows, _ = rows_of("专项资金名称储备粮" + HEADER_NO_POINTS + OUTPUT_ROWS
                      + "效益指标社会效益指标群众满意常常满意度指标服务对象满意度指标市民满意度调查95%100%说明无")
    assert any("群众满意常常" in r for r in rows)


def test_a_value_written_twice_across_a_page_marker_is_cut_on_the_joined_text():
    # a document site's page 2 opens with "2、"; the copies "高高" sit right after it
    rows, _ = rows_of("1、专项资金名称储备粮" + HEADER_NO_POINTS + OUTPUT_ROWS
                      + "时效指标县级储备粮贷款付息及时率100%100%效益指标可持续影响指标粮食储备设备维护及安全性\n"
                      "2、高高满意度指标服务对象满意度指标市民满意度调查95%100%说明无")
    assert row_named(rows, "粮食储备设备维护及安全性")[-3:-1] == ["高", "高"]


def test_a_dotted_fill_line_parts_the_goals_two_texts_and_is_neither():
    rows, _ = rows_of("项目名称 村级补助 项目资金 (万元) 年初预算数 全年预算数 全年执行数 分值 执行率 得分 "
                      "年度资金总额: 10 10 10 10 100% 10 年度总体目标 预期目标 实际完成情况 "
                      "本项目共申请预算资金10万元,其中 村级组织运转4万元。 .. .............. "
                      "本项目共完成预算资金10万元。 绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 "
                      "产出指标 数量指标 补助村数量 =8个 8 50 50 总分 100 100")
    goal = next(r for r in rows if any(c.startswith("本项目共申请") for c in r))
    texts = [c for c in goal if c.startswith("本项目")]
    assert texts == ["本项目共申请预算资金10万元,其中 村级组织运转4万元。", "本项目共完成预算资金10万元。"]
    assert not any("...." in c for r in rows for c in r)


HEADER_TARGET_ACTUAL_SCORE = "一级指标二级指标三级指标年初目标值(A)实际完成值(B)得分"


def test_a_short_category_word_opening_a_row_is_its_level_cell():
    # OCR'd Hubei form: "成本" / "时效" / "经济效益" written short, run into the row's name
    rows, _ = rows_of("项目名称东津院区建设补助" + HEADER_TARGET_ACTUAL_SCORE
                      + "产出指标数量指标成本控制不超过预算不超过预算10质量指标保证专款专用专款专用专款专用10"
                      "成本每年财政补助1000万元1000万元1000万元10时效1年1年1年10"
                      "效益指标经济效益医疗收入达到5亿元5亿元6.47亿元10总分100")
    assert row_named(rows, "每年财政补助1000万元")[-5:] == ["成本", "每年财政补助1000万元", "1000万元", "1000万元", "10"]
    assert row_named(rows, "医疗收入达到5亿元")[-5:-3] == ["经济效益", "医疗收入达到5亿元"]
    # a name that starts with a category word inside its group keeps it
    assert row_named(rows, "成本控制")[-4:] == ["成本控制", "不超过预算", "不超过预算", "10"]


def test_one_period_written_three_times_is_name_target_and_actual():
    rows, _ = rows_of("项目名称东津院区建设补助" + HEADER_TARGET_ACTUAL_SCORE
                      + "产出指标数量指标成本控制不超过预算不超过预算10质量指标保证专款专用专款专用专款专用10"
                      "时效指标1年1年1年10效益指标经济效益指标医疗收入5亿元6.47亿元10完成日期2021年12月2021年12月10总分100")
    assert row_named(rows, "1年")[-4:] == ["1年", "1年", "1年", "10"]
    assert not any("12月2021" in c for r in rows for c in r)


def test_category_names_scrambled_by_ocr_before_a_category_word_are_no_cell():
    # "益标效指意指斥满度打": 效益指标 and 满意度指标 read down their vertical cells, with noise
    rows, _ = rows_of("项目名称渔业补贴" + HEADER_TARGET_ACTUAL_SCORE
                      + "产出指标数量指标补贴渔船数6艘6艘20质量指标渔船补贴发放率100%100%10时效指标12月底之前完成100%100%10"
                      "益标效指意指斥满度打服务对象满意度退捕渔民抽样调查满意度90%95%40总分100")
    row = row_named(rows, "退捕渔民抽样调查满意度")
    assert "服务对象满意度" in row
    assert not any("益标效指" in c for r in rows for c in r)


def test_words_before_a_category_word_that_are_not_category_characters_stay():
    rows, _ = rows_of("项目名称渔业补贴" + HEADER_TARGET_ACTUAL_SCORE
                      + "产出指标数量指标补贴渔船数6艘6艘20质量指标渔船补贴发放率100%100%10时效指标12月底之前完成100%100%10"
                      "效益指标社会效益指标渔民收入保障服务对象满意度提升90%95%40总分100")
    assert any("渔民收入保障服务对象满意度提升" in c for r in rows for c in r)


def test_a_quantity_whose_unit_a_number_run_does_not_hold_is_one_value_cell():
    # "8550万粒": 分值 8 and 年度指标值 550万粒 written together (left empty), 全年实际值 550万粒
    rows, notes = rows_of("项目名称马铃薯种薯" + HEADER_WEIGHT_FIRST
                          + "产出指标(40分)数量指标免费发放原原种8550万粒550万粒8企业自行采购8200万粒200万粒8"
                          "质量指标种薯合格率10≥90%95%10总分100100")
    row = row_named(rows, "免费发放原原种")
    assert row[-5:-1] == ["", "", "550万粒", "8"]
    assert not any(c in ("粒", "550万") for c in row)
    assert row_named(rows, "企业自行采购")[-3:-1] == ["200万粒", "8"]


def test_a_funding_row_label_printed_before_its_header_heads_the_numbers_after_it():
    # a PDF text layer: the row label, then a field, then the header, then the row's numbers
    rows, _ = rows_of("项目名称 2020 年市级服务贸易发展资金 主管部门 区商务局 预算执行 情况(万元) (20 分) 年度财政 资金总额 "
                      "项目实施单位 投资促进中心 预算数 (A) 执行数(B) 执行率(B/A) 得分 (20 分*执行率) 285.84 285.84 100% 20 "
                      "三级指标 年初目标值 (A) 实际完成值 (B) 得分 服务外包在岸 20000 23333.56 10")
    funding = next(r for r in rows if r and r[0].replace(" ", "") == "年度财政资金总额")
    assert [c for c in funding[1:] if c] == ["285.84", "285.84", "100%", "20"]


def test_under_a_weight_first_header_one_digit_before_a_doubled_value_is_the_weight():
    rows, _ = rows_of("项目名称马铃薯种薯" + HEADER_WEIGHT_FIRST
                      + "产出指标(40分)数量指标免费发放原原种8550万粒550万粒8"
                      "成本指标种薯采购价格不高于市场价8是是8效益指标(40分)社会效益指标推广面积比例10≥80%85%10总分100100")
    assert row_named(rows, "种薯采购价格不高于市场价")[-5:-1] == ["8", "是", "是", "8"]


def test_a_digit_inside_a_name_or_after_a_template_number_stays_in_it():
    rows, _ = rows_of("项目名称马铃薯种薯" + HEADER_WEIGHT_FIRST
                      + "产出指标(40分)数量指标指标1免费发放原原种8550万粒550万粒8"
                      "成本指标建成3号仓库改造工程10≥1个1个10效益指标(40分)社会效益指标推广面积比例10≥80%85%10总分100100")
    assert any(r for r in rows if "指标1免费发放原原种" in r)
    assert any(r for r in rows if "建成3号仓库改造工程" in r)


def test_a_merged_funding_label_printed_after_its_rows_heads_the_numbers_after_the_header():
    rows, _ = rows_of("转移支付(项目)名称 就业补助资金 中央主管部门 人力资源社会保障部 全年预算数(A) 全年执行数(B) 7165.32 6992.95 "
                      "其中:中央财政资金 3144.00 3144.00 其他资金 1591.22 1551.84 年度资金总额 资金投入情况 (万元) "
                      "一级指标 二级指标 三级指标 年度指标值 全年实际值 数量指标 享受社会保险补贴人员数量 4443 4500")
    total = next(r for r in rows if r and r[0] == "年度资金总额")
    assert [c for c in total[1:] if c] == ["7165.32", "6992.95"]


def test_a_level_cell_printed_inside_the_header_opens_the_first_row():
    rows, _ = rows_of("转移支付(项目)名称 就业补助资金 中央主管部门 人力资源社会保障部 全年预算数(A) 全年执行数(B) 7165.32 6992.95 "
                      "年度资金总额 7165.32 6992.95 一级指标 二级指标 数量指标 三级指标 年度目标指标值 全年实际值 "
                      "享受社会保险补贴人员数量 4443 4500 总分")
    header = next(r for r in rows if "三级指标" in r)
    assert "数量指标" not in header and "年度目标指标值" in header
    assert row_named(rows, "享受社会保险补贴人员数量") == ["", "数量指标", "享受社会保险补贴人员数量", "4443", "4500"]


def test_a_lone_total_number_under_a_header_whose_only_points_column_is_score_is_the_total_score():
    rows, _ = rows_of("项目名称渔业补贴" + HEADER_TARGET_ACTUAL_SCORE
                      + "产出指标数量指标补贴渔船数6艘6艘20质量指标渔船补贴发放率100%100%10时效指标12月底之前完成100%100%10"
                      "满意度指标服务对象满意度指标退捕渔民满意度90%95%60总分100偏差大或目标未完成原因分析无")
    total = next(r for r in rows if r and r[0] == "总分")
    assert total[-1] == "100"


def test_a_lone_total_number_under_weight_and_score_columns_is_not_placed_under_either():
    rows, _ = rows_of("项目名称水标尺安装" + HEADER_WEIGHT_FIRST
                      + "产出指标(70分)数量指标安装坡面水标尺10≥266米≥266米10质量指标项目验收合格率10≥90%95%10"
                      "时效指标及时开工率10≥90%≥90%10效益指标(20分)社会效益指标受益人口数10≥1000人≥1000人10总分100")
    header = next(r for r in rows if "分值" in r)
    total = next(r for r in rows if r and r[0] == "总分")
    assert total[header.index("分值")] != "100" and total[header.index("得分")] != "100"


def test_a_label_note_whose_closing_bracket_ocr_read_as_1_still_ends_the_label():
    # "执行率(B/A1得分(20分*执行率)": the header keeps its 得分 column; the fused amounts are left empty
    rows, notes = rows_of("项目名称东津院区建设补助主管部门襄阳市卫生健康委项目实施单位襄阳市中心医院"
                          "预算执行情况 (万元) (20 分)预算数(A)执行数(B)执行率(B/A1得分(20分*执行率)"
                          "年度财政 资金总额10001000100%20一级指标二级指标三级指标年初目标值 (A)实际完成值 (B)得分"
                          "产出指标数量指标成本控制不超过预算不超过预算10")
    funding = next(r for r in rows if r and r[0].replace(" ", "") == "年度财政资金总额")
    assert funding[1:5] == ["", "", "", "20"]
    assert any("10001000100%" in n and "written together" in n for n in notes)


def test_a_goal_piece_ending_in_a_comma_goes_on_in_the_next_and_is_not_the_planned_text_alone():
    # "…设备," + "并添置…设备。已完成": the space is inside the planned text, and where it ends and
    # 实际完成情况 begins is not written, so neither is read as the other's half.
    rows, notes = rows_of("项目名称 演出设备更新专项经费 主管部门 新洲区楚剧团 年度 总体 目标 预期目标 实际完成情况 "
                          "更新剧团老化、损坏的音响、灯光、道具、服装等设备, 并添置一些新剧目所必需的演出设备。已完成 "
                          "绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 "
                          "产出指标 数量指标 演出人员满意度 100% 95% 10 9")
    assert not any(cell.startswith("并添置") for r in rows for cell in r)
    assert any("预期目标 ends is not known" in n for n in notes)
