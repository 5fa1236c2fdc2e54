"""The pipeline under test never sees the human review: blinding proven."""

from __future__ import annotations

from conftest import EXAMPLES
from test_eval_toy import toy_forms

from reviewer.evaluation.dataset import dataset_from_forms
from reviewer.checks import Finding, IndicatorRef
from reviewer.domain.blinding import blind as blind_form
from reviewer.evaluation.harness import FormPrediction, run_pipeline


def peeking_pipeline(form):
    """A pipeline that would copy any human judgement it can see into its output."""
    findings = []
    for i, ind in enumerate(form.indicators):
        if ind.score is not None or ind.deviation:
            findings.append(Finding(check="PEEK", indicator=IndicatorRef(index=i, name=ind.name), suggested_score=ind.score,
                                    message=ind.deviation))
    leaked = [form.total_score, form.funding.score, "|".join(form.problems)]
    return FormPrediction(findings=findings, total=form.total_score, error=None if not any(leaked) else f"saw {leaked}")


def tampered(forms):
    """The same forms with every human score, remark and total changed."""
    out = []
    for f in forms:
        g = f.model_copy(deep=True)
        for ind in g.indicators:
            ind.score = 0.0
            ind.deviation = "审核意见：全部扣分"
        g.total_score = 1.0
        g.funding.score = 0.5
        g.problems = ["问题：全部不合格"]
        out.append(g)
    return out


def dump(preds):
    return {k: v.model_dump() for k, v in preds.items()}


def test_blind_form_removes_every_human_judgement():
    form = toy_forms()[0]
    form.problems = ["指标名称冗长"]
    blind = blind_form(form)
    assert all(i.score is None and i.deviation == "" for i in blind.indicators)
    assert blind.total_score is None and blind.funding.score is None and blind.problems == []
    # the form's content stays, the original is untouched
    assert [i.target for i in blind.indicators] == [i.target for i in form.indicators]
    assert form.indicators[0].score == 29.5 and form.problems


def test_peeking_pipeline_would_leak_without_blinding():
    """Negative control: fed the raw forms, the peeking pipeline's output does change."""
    forms = toy_forms()
    raw = [peeking_pipeline(f).model_dump() for f in forms]
    changed = [peeking_pipeline(f).model_dump() for f in tampered(forms)]
    assert raw != changed


def test_changing_human_scores_and_remarks_gives_same_predictions():
    forms = toy_forms()
    original = run_pipeline(dataset_from_forms(forms), peeking_pipeline)
    changed = run_pipeline(dataset_from_forms(tampered(forms)), peeking_pipeline)
    assert dump(original) == dump(changed)
    assert all(not p.findings and p.total is None and p.error is None for p in original.values())


def test_crashing_pipeline_becomes_an_error_not_a_crash():
    def broken(form):
        raise ValueError("boom")

    preds = run_pipeline(dataset_from_forms(toy_forms()), broken)
    assert all(p.error == "ValueError: boom" for p in preds.values())


def test_real_checks_are_blind_on_the_seeds():
    """Once reviewer.checks has landed: tampering with the human review of the seed forms
    does not move a single finding."""
    from reviewer.evaluation.dataset import load_dataset
    from reviewer.evaluation.harness import checks_pipeline

    data = load_dataset([EXAMPLES])
    forms = [s.form for s in data.samples]
    assert forms, "no seed form was read"
    pipeline = checks_pipeline()
    original = run_pipeline(dataset_from_forms(forms), pipeline)
    changed = run_pipeline(dataset_from_forms(tampered(forms)), pipeline)
    assert dump(original) == dump(changed)
    assert any(p.findings for p in original.values())
