"""Template drafts, the `reviewer review` command and the md/html/docx opinions, no model."""

from __future__ import annotations

import io
import json
import statistics

import pytest

from reviewer import cli
from reviewer.drafting import review_form
from reviewer.checks import Finding, FormReport, IndicatorRef, Recomputed
from reviewer.checks import run_checks as check_form
from reviewer.drafting.opinion import to_docx, to_html, to_markdown
from reviewer.drafting.prompts import estimate_tokens, review_messages
from reviewer.drafting.templates import template_comment
from reviewer.extract import extract_paths
from reviewer.domain.model import Form, Indicator, Source

TYPICAL_FORM_TOKEN_BUDGET = 3000


@pytest.fixture
def no_model(monkeypatch, tmp_path):
    for name in ("REVIEWER_BASE_URL", "OPENAI_BASE_URL", "REVIEWER_MODEL", "REVIEWER_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def seed_forms():
    from conftest import EXAMPLES

    return extract_paths([EXAMPLES]).forms


def test_review_examples_without_a_model_gives_labelled_template_drafts(no_model, examples, capsys):
    assert cli.main(["review", str(examples), "--llm", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "no language model configured" in captured.err
    doc = json.loads(captured.out)
    assert "模板草稿" in doc["note"]
    assert len(doc["forms"]) == len(extract_paths([examples]).forms) == 39
    for form in doc["forms"]:
        assert form["draft_source"] == "template" and form["fallback_reason"] == "no language model configured"
        assert "模板草稿" in form["draft_label"]
        assert form["opinion"].startswith("经审核") and form["opinion_source"] == "template"
        assert form["grade"] == form["recomputed"]["grade"]  # the check output is part of the document
        # every finding became exactly one template comment
        assert [c["check_codes"] for c in form["comments"]] == [[f["check"]] for f in form["findings"]]
        assert all(c["source"] == "template" and c["text"] for c in form["comments"])
        if form["suggested_total"] is not None:
            assert f"{form['suggested_total']:g}" in form["opinion"]


def test_template_comment_reads_like_a_reviewer_and_states_the_cut():
    form = Form(
        id="x", source=Source(path="t", index=0),
        indicators=[Indicator(level1="效益指标", level2="社会效益指标", name="提高政务服务水平", target="有效", actual="100%", weight=10, score=10)],
    )
    finding = Finding(check="PF401", name="not-quantified", category="indicator-quality", severity="warning",
                      indicator=IndicatorRef(index=0, name="提高政务服务水平"), field="indicators[0].target",
                      message="“提高政务服务水平”的年度指标值“有效”未量化，无法衡量完成程度。", suggested_score=9.5)
    c = template_comment(finding, form)
    assert c.text == "“提高政务服务水平”的年度指标值“有效”未量化，无法衡量完成程度。建议扣0.5分。"
    assert c.suggestion.startswith("将年度指标值修改为") and "≥90%" in c.suggestion
    assert (c.target, c.category, c.reason, c.source) == ("indicator", "indicator_quality", "not_quantified", "template")


def test_opinion_groups_problems_by_form_part():
    form = Form(id="x", source=Source(path="t", index=0), name="测试项目", total_score=100,
                indicators=[Indicator(name="甲", target="有效", actual="有效", weight=10, score=10)])
    report = FormReport(id="x", recomputed=Recomputed(suggested_total=88.5, grade="良"), findings=[
        Finding(check="PF101", category="arithmetic", severity="error", field="funding.execution_rate",
                message="执行率填写为98%，按全年执行数计算应为97.71%。"),
        Finding(check="PF401", category="indicator-quality", severity="warning", indicator=IndicatorRef(index=0, name=""),
                field="indicators[0].target", message="“甲”的年度指标值“有效”未量化。", suggested_score=9.5),
    ])
    review = review_form(form, report=report)
    assert review.opinion.startswith("经审核，“测试项目”项目自评得分100分，复核建议得分88.5分，等级为良。")
    assert "一是资金方面，执行率填写为98%" in review.opinion and "二是指标方面，“甲”" in review.opinion
    md = to_markdown([review])
    assert md.index("### 资金") < md.index("### 指标") and "建议扣0.5分" in md


def test_html_is_self_contained_and_escapes_form_text(no_model):
    form = Form(id="x", source=Source(path="t", index=0), name="<script>alert(1)</script>项目")
    html = to_html([review_form(form, report=FormReport(id="x"))])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<link" not in html and "src=" not in html  # nothing fetched from elsewhere
    assert "模板草稿" in html


def test_md_html_docx_render_for_seed_forms(seed_forms):
    docx = pytest.importorskip("docx")
    reviews = [review_form(f) for f in seed_forms[:6]]
    md, html, data = to_markdown(reviews), to_html(reviews), to_docx(reviews)
    for r in reviews:
        assert r.name in md and r.opinion in md
    assert html.count("<section>") == 6
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert reviews[0].opinion in text and "模板草稿" in text


def test_cli_writes_docx_and_html_files(no_model, examples, tmp_path):
    pytest.importorskip("docx")
    path = str(examples / "000_227770587c716576.txt")
    assert cli.main(["review", path, "--format", "docx"]) == 2  # docx needs --out
    out = tmp_path / "r.docx"
    assert cli.main(["review", path, "--format", "docx", "--out", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"
    html = tmp_path / "r.html"
    assert cli.main(["review", path, "--blind", "--format", "html", "--out", str(html)]) == 0
    assert "信息化运维项目" in html.read_text(encoding="utf-8")


def test_blind_review_hides_the_forms_own_scores(no_model, seed_forms):
    form = seed_forms[0]
    assert form.total_score is not None
    review = review_form(form, blind=True)
    assert review.declared_total is None and "自评得分" not in review.opinion
    assert review.checks["blind"] is True


def test_prompt_size_per_seed_form_is_within_budget(seed_forms):
    sizes = sorted(
        sum(estimate_tokens(m["content"]) for m in review_messages(f, check_form(f))) for f in seed_forms
    )
    assert statistics.median(sizes) < TYPICAL_FORM_TOKEN_BUDGET
    assert sizes[-1] < 2 * TYPICAL_FORM_TOKEN_BUDGET  # the 27-indicator forms


def test_drafts_feed_the_comment_agreement_of_the_evaluation(seed_forms):
    from reviewer.drafting import eval_comments
    from reviewer.evaluation.comments import Comment, match_comments

    review = review_form(seed_forms[0])
    drafts = [Comment(**c) for c in eval_comments(review)]
    assert len(drafts) == len(review.comments)
    quantified = next(c for c in drafts if c.reason == "not_quantified")
    assert isinstance(quantified.place, int) and quantified.indicator_name == seed_forms[0].indicators[quantified.place].name
    human = quantified.model_copy(update={"text": "指标值设置不合理，建议修改为百分比", "direction": "cut"})
    assert match_comments([quantified], [human]).human_hit_rate == 1.0


def test_a_failing_check_leaves_the_form_with_drafts_and_the_reason(monkeypatch, seed_forms):
    import reviewer.checks

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(reviewer.checks, "run_checks", broken)
    review = review_form(seed_forms[0])
    assert review.checks_error == "checks failed: RuntimeError: boom"
    assert review.draft_source == "template" and review.opinion.startswith("经审核")
