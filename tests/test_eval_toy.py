"""A toy human-reviewed dataset with hand-computed answers, shared by the test_eval_* files.

Form A (unit U1), budget line 10/10, indicators (weight → human score):
  0 提高服务水平  有效 → 100%    30 → 29.5  "指标值设置不合理，建议修改为百分比"   cut, not_quantified
  1 工作完成率    100% → 100%   30 → 30                                       kept
  2 参与培训人员数量 300人 → 400人 20 → 19  "根据实际情况填写"                   cut, over_achieved (values)
  3 培训后评价及时性 及时 → 100%  10 → 10                                      kept
  declared total 98.5 (优)
Form B (unit U2), budget line 10/10:
  0 满意度        ≥90% → 95%    50 → 50                                       kept
  1 保障单位运行   有效保障 → 100% 40 → 39  "指标值设置不合理，建议修改为百分比"   cut, not_quantified
  declared total 89.9 (良; the written total, not the sum)

The fake tool (`toy_tool`):
  A0 X1 → 29.5 (agreed cut, exact)   A2 X2 flag only (missed cut)   A3 X1 → 9.5 (extra cut)
  B1 X1 → 39.5 (agreed cut, off by 0.5); no total given, so totals are recomputed:
  A: 10 + 29.5 + 30 + 20 + 9.5 = 99 (优), B: 10 + 50 + 39.5 = 99.5 (优).
"""

from __future__ import annotations

from reviewer.evaluation.dataset import dataset_from_forms
from reviewer.checks import Finding, IndicatorRef
from reviewer.evaluation.harness import FormPrediction
from reviewer.domain.model import Form, Funding, Indicator, Source

NQ = "偏差原因：指标值设置不合理\n改进措施：完善指标值设置，建议修改为百分比。"


def ind(name, target, actual, weight, score, deviation="", level1="产出指标", level2="数量指标"):
    return Indicator(level1=level1, level2=level2, name=name, target=target, actual=actual, weight=weight, score=score, deviation=deviation)


def form(fid, unit, indicators, total, path="toy.txt", index=0, budget=(100.0, 100.0)):
    return Form(
        id=fid,
        source=Source(path=path, index=index, layout="toy"),
        unit=unit,
        name=f"项目{fid}",
        funding=Funding(annual_budget=budget[0], executed=budget[1], weight=10, execution_rate=100, score=10),
        indicators=indicators,
        total_weight=100,
        total_score=total,
    )


def toy_forms() -> list[Form]:
    a = form(
        "A",
        "U1",
        [
            ind("提高服务水平", "有效", "100%", 30, 29.5, NQ, "效益指标", "社会效益指标"),
            ind("工作完成率", "100%", "100%", 30, 30),
            ind("参与培训人员数量", "300人", "400人", 20, 19, "偏差原因：根据实际情况填写"),
            ind("培训后评价及时性", "及时", "100%", 10, 10, level2="时效指标"),
        ],
        98.5,
        index=0,
    )
    b = form(
        "B",
        "U2",
        [
            ind("满意度", "≥90%", "95%", 50, 50, level1="满意度指标"),
            ind("保障单位运行", "有效保障", "100%", 40, 39, NQ, "效益指标", "社会效益指标"),
        ],
        89.9,
        index=1,
    )
    return [a, b]


def toy_dataset():
    return dataset_from_forms(toy_forms())


def _f(check, index, score, reason="not_quantified"):
    return Finding(check=check, name=check, indicator=IndicatorRef(index=index, name=""), suggested_score=score, reason=reason,
                   message=f"{check} on #{index}")


def toy_tool(form: Form) -> FormPrediction:
    """A fixed fake pipeline keyed on the form id (it never reads scores)."""
    findings = {
        "A": [_f("X1", 0, 29.5), _f("X2", 2, None, "over_achieved"), _f("X1", 3, 9.5)],
        "B": [_f("X1", 1, 39.5)],
    }[form.id]
    return FormPrediction(form_id=form.id, findings=findings)


def test_toy_dataset_labels():
    data = toy_dataset()
    inds = data.indicators
    assert [s.human_cut for s in inds] == [True, False, True, False, False, True]
    assert [s.reason for s in inds] == ["not_quantified", None, "over_achieved", None, None, "not_quantified"]
    assert [s.reason_source for s in inds if s.human_cut] == ["keyword", "values", "keyword"]
    assert [s.human_deduction for s in inds if s.human_cut] == [0.5, 1.0, 1.0]
    assert [f.human_grade for f in data.samples] == ["优", "良"]
    assert [f.group for f in data.samples] == ["U1", "U2"]
    assert data.summary()["human_cuts"] == 3
