"""Comment agreement on small hand cases, and reason categories of remarks."""

from __future__ import annotations

import pytest
from test_eval_toy import toy_dataset

from reviewer.evaluation.comments import (
    Comment,
    bigram_jaccard,
    comment_agreement,
    derangement,
    difflib_ratio,
    human_comments,
    match_comments,
    shuffled_baseline,
)
from reviewer.checks import check_reason
from reviewer.domain.reasons import remark_reason


def test_similarities_hand_computed():
    assert bigram_jaccard("指标重复", "指标重复。") == 1.0  # punctuation ignored
    assert bigram_jaccard("abc", "bcd") == pytest.approx(1 / 3)  # {ab,bc} vs {bc,cd}
    # 实际完成值远超目标值 (9 bigrams) vs 完成值远超目标值目标设置偏低 (12): 7 shared, 14 in all
    assert bigram_jaccard("实际完成值远超目标值", "完成值远超目标值，目标设置偏低") == pytest.approx(0.5)
    assert bigram_jaccard("", "") == 0.0
    assert difflib_ratio("建议删除", "建议删除此指标") == pytest.approx(2 * 4 / 11)


HUMANS = [
    Comment(form_id="F1", place=0, indicator_name="提高服务水平", reason="not_quantified", text="指标值设置不合理，建议修改为百分比。"),
    Comment(form_id="F1", place=1, indicator_name="培训人数", reason="over_achieved", text="实际完成值远超目标值"),
    Comment(form_id="F2", place=0, indicator_name="办件量", reason="not_quantified", text="指标值设置不合理，建议修改为百分比。"),
    Comment(form_id="F2", place="problems", reason="other", text="绩效目标设置不恰当，指标名称冗长"),
]
DRAFTS = [
    Comment(form_id="F1", place=0, indicator_name="提高服务水平", reason="not_quantified", text="指标值设置不合理，建议修改为百分比"),
    Comment(form_id="F1", place=1, indicator_name="培训人数", reason="over_achieved", text="完成值远超目标值，目标设置偏低"),
    Comment(form_id="F2", place=0, indicator_name="办件量", reason="duplicate", text="指标值设置不合理，建议修改为百分比"),  # wrong reason
    Comment(form_id="F2", place="goal", reason="other", text="实际完成情况只写了资金支付"),  # no human remark there
]


def test_hit_rates_both_directions():
    r = match_comments(DRAFTS, HUMANS, threshold=0.3)
    assert sorted((m.draft, m.human) for m in r.matches) == [(0, 0), (1, 1)]
    assert r.draft_hit_rate == pytest.approx(2 / 4)
    assert r.human_hit_rate == pytest.approx(2 / 4)
    # a stricter threshold drops the paraphrase (Jaccard 0.5)
    strict = match_comments(DRAFTS, HUMANS, threshold=0.6)
    assert strict.draft_hit_rate == pytest.approx(1 / 4)


def test_shuffled_forms_baseline_scores_zero():
    # the same templated remark sits on F1#0 and F2#0; the indicator name keeps a moved
    # comment from hitting by position alone
    shuffled = shuffled_baseline(DRAFTS, HUMANS, seed=0, threshold=0.3)
    assert shuffled is not None
    assert shuffled.draft_hit_rate == 0 and shuffled.human_hit_rate == 0
    summary = comment_agreement(DRAFTS, HUMANS, threshold=0.3)
    assert summary["draft_hit_rate"] == 0.5 and summary["shuffled"]["draft_hit_rate"] == 0


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
