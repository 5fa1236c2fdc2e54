"""Comment agreement on small hand cases, and reason categories of remarks."""

from __future__ import annotations

import pytest
from test_eval_toy import toy_dataset

from reviewer.evaluation.comments import (
    Comment,
    bootstrap_rate,
    comment_agreement,
    containment,
    derangement,
    human_comments,
    match_comments,
    shuffled_baseline,
)
from reviewer.checks import check_reason
from reviewer.domain.reasons import keyword_reasons, remark_reason


def test_containment_does_not_punish_a_longer_comment():
    remark = "指标值设置不合理，建议修改为百分比。"
    assert containment(remark, remark) == 1.0
    longer = "年度指标值“及时”未量化，指标值设置不合理；另外目标与完成情况不对应。建议修改为百分比，如“按时完成率100%”。"
    assert containment(remark, longer) == 1.0  # every bigram of the remark is in it
    assert containment("abc", "bcd") == pytest.approx(1 / 2)  # {ab,bc}: bc found
    assert containment("", "anything") == 0.0


HUMANS = [
    Comment(form_id="F1", place=0, indicator_name="提高服务水平", reason="not_quantified", direction="cut", text="指标值设置不合理，建议修改为百分比。"),
    Comment(form_id="F1", place=1, indicator_name="培训人数", reason="over_achieved", direction="cut", text="实际完成值远超目标值"),
    Comment(form_id="F2", place=0, indicator_name="办件量", reason="not_quantified", direction="cut", text="指标值设置不合理，建议修改为百分比。"),
    Comment(form_id="F2", place=2, indicator_name="满意度", reason="rate_as_number", direction="cut", text="不属于比率，建议改成100%"),
]
DRAFTS = [
    # the same flaw in the model's own words: a hit although no phrase is shared
    Comment(form_id="F1", place=0, indicator_name="提高服务水平", reason="not_quantified", text="年度指标值“有效”无法衡量完成程度"),
    # a merged comment: its primary reason is another, but it names the remark's flaw too
    Comment(form_id="F1", place=1, indicator_name="培训人数", reason="other", reasons=["over_achieved"], text="目标值偏低且名称冗长"),
    Comment(form_id="F2", place=0, indicator_name="办件量", reason="duplicate", text="与其他指标重复"),  # another flaw
    Comment(form_id="F2", place=2, indicator_name="满意度", reason="rate_as_number", direction="keep", text="可不扣分"),  # the other way
    Comment(form_id="F2", place="goal", reason="other", text="实际完成情况只写了资金支付"),  # no remark can be there
    Comment(form_id="F1", place=3, indicator_name="支出", reason="other", note=True, text="提示"),  # a note
]


def test_substance_hits_both_directions_and_per_reason():
    r = match_comments(DRAFTS, HUMANS)
    assert sorted((m.draft, m.human) for m in r.matches) == [(0, 0), (1, 1)]
    assert r.human_hit_rate == pytest.approx(2 / 4)
    summary = comment_agreement(DRAFTS, HUMANS, draws=200)
    # judged: the four drafts on rows that claim a problem; the goal comment and the note are not
    assert summary["drafts"] == 4 and summary["unjudged"] == 2
    assert summary["draft_hit_rate"] == pytest.approx(2 / 4)
    assert summary["human_hit_rate"] == pytest.approx(2 / 4)
    assert summary["per_reason"]["not_quantified"]["humans"] == 2
    assert summary["per_reason"]["not_quantified"]["human_hit_rate"] == pytest.approx(1 / 2)
    assert summary["per_reason"]["rate_as_number"]["human_hit_rate"] == 0.0
    low, high = summary["ci95"]["human_hit_rate"]
    assert 0.0 <= low <= 0.5 <= high <= 1.0
    # the wording figure: the best containment on each remark's place, 0 where nothing was said
    assert 0 < summary["wording"] < 0.5


def test_shuffled_forms_baseline_scores_zero():
    # the same remark sits on F1#0 and F2#0; the indicator name keeps a moved comment
    # from hitting by position alone
    shuffled = shuffled_baseline(DRAFTS, HUMANS, seed=0)
    assert shuffled is not None
    assert shuffled.draft_hit_rate == 0 and shuffled.human_hit_rate == 0
    summary = comment_agreement(DRAFTS, HUMANS, draws=0)
    assert summary["shuffled"]["human_hit_rate"] == 0 and summary["ci95"]["human_hit_rate"] is None


def test_bootstrap_interval_resamples_forms():
    forms = ["A"] * 4 + ["B"] * 4
    assert bootstrap_rate(forms, [True] * 8, draws=100) == [1.0, 1.0]
    low, high = bootstrap_rate(forms, [True] * 4 + [False] * 4, draws=500)
    assert low == 0.0 and high == 1.0  # two forms: a draw can pick either one twice
    assert bootstrap_rate([], [], draws=100) is None


def test_keyword_reasons_of_a_merged_comment():
    text = "年度指标值“及时”未量化，且与其他指标重复，目标值设置偏低"
    assert keyword_reasons(text) == ["duplicate", "not_quantified", "over_achieved"]
    assert remark_reason(text)[0] == "duplicate"  # the first row still decides a remark


def test_derangement_has_no_fixed_point():
    for seed in range(20):
        m = derangement(["a", "b", "c", "d"], seed)
        assert sorted(m) == sorted(m.values()) == ["a", "b", "c", "d"]
        assert all(k != v for k, v in m.items())
    with pytest.raises(ValueError):
        derangement(["a"])


def test_human_comments_from_dataset():
    hc = human_comments(toy_dataset())
    assert [(c.form_id, c.place, c.reason) for c in hc] == [
        ("A", 0, "not_quantified"),
        ("A", 2, "over_achieved"),
        ("B", 1, "not_quantified"),
    ]


@pytest.mark.parametrize(
    "remark, target, actual, expected",
    [
        ("偏差愿意：指标值设置不合理\n改进措施：完善指标值设置，\n建议修改为百分比。", "有效", "100%", "not_quantified"),
        ("偏差愿意：指标值设置不合\n理，且与其他指标重复。\n改进措施：完善指标值设置，\n建议删除此指标。", "不超预算", "99.71%", "duplicate"),
        ("财政已收回。", "1人", "不适用（财政收回）", "money_withdrawn"),
        ("不属于比率，建议改成100%", "1", "1", "rate_as_number"),
        ("偏差原因：按实际情况填写\n改进措施：加强事中管理", "4个", "110个", "over_achieved"),
        ("偏差原因：根据实际情况发放", "17人", "44人", "over_achieved"),
        ("", "≥3000套", "2698套", "under_achieved"),
        ("偏差原因：新增来访接待窗口社工人员；改进措施：后期合理变更", "有效", "100%", "unit_explanation"),
        ("说明见附件", "有效", "100%", "other"),
    ],
)
def test_remark_reason_table(remark, target, actual, expected):
    assert remark_reason(remark, target, actual)[0] == expected


def test_check_reason_falls_back_on_name():
    assert check_reason("ZZ999", "target-not-quantified") == "not_quantified"
    assert check_reason("ZZ999", "duplicate indicator") == "duplicate"
    assert check_reason("ZZ999", "") == "other"
