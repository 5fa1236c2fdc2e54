"""Grounding rules and the prompt's shape, without a server."""

from __future__ import annotations

from reviewer.drafting import prompts
from reviewer.drafting.comments import ModelComment, ReviewReply
from reviewer.checks import Finding, FormReport, IndicatorRef
from reviewer.drafting.grounding import Grounding, normalise, numbers_in
from reviewer.domain.model import Form, Funding, Goal, Indicator, Source

FORM = Form(
    id="g", source=Source(path="t", index=0), name="信访宣传（2024）",
    funding=Funding(annual_budget=1898430, executed=1855000, weight=10),
    goal=Goal(planned="开展信访宣传（线上 线下）活动4场。", actual="已开展宣传活动6场。"),
    indicators=[Indicator(name="宣传活动场次", target="≥4场", actual="6场", weight=20, score=20)],
)
REPORT = FormReport(id="g", findings=[Finding(check="PF305", indicator=IndicatorRef(index=0, name="宣传活动场次"),
                                               message="实际6场超过目标4场的1.5倍。", suggested_score=19)])


def comment(**changes) -> ModelComment:
    base = {"target": "indicator", "indicator_index": 0, "category": "indicator_quality", "text": "目标值设置偏低。"}
    return ModelComment(**{**base, **changes})


def test_quotes_match_within_one_cell_after_nfkc_and_whitespace():
    g = Grounding(FORM, REPORT)
    assert g.comment_errors(comment(evidence=["信访宣传(线上线下)活动"])) == []  # full-width brackets, space
    assert g.comment_errors(comment(evidence=["活动4场。已开展"]))  # spans two cells
    assert g.comment_errors(comment(evidence=["场"]))  # too short to be a quote


def test_numbers_must_come_from_the_form_or_the_findings():
    g = Grounding(FORM, REPORT)
    assert g.comment_errors(comment(text="全年预算数1,898,430元，执行1855000元。")) == []
    assert g.comment_errors(comment(text="实际6场，超过目标1.5倍，建议扣1分。")) == []  # 1 = 20 - 19 from the findings
    [error] = g.comment_errors(comment(text="执行率为97.71%。"))
    assert "97.71" in error
    assert g.comment_errors(comment(text="偏低。", suggestion="改为≥6场，或≥95%。")) == []  # suggestions propose values


def test_indices_and_codes_must_exist():
    g = Grounding(FORM, REPORT)
    assert "indicator_index 3 does not exist" in g.comment_errors(comment(indicator_index=3))[0]
    assert "indicator_index is missing" in g.comment_errors(comment(indicator_index=None))[0]
    assert "PF999" in g.comment_errors(comment(check_codes=["PF999"]))[0]
    assert g.comment_errors(comment(target="goal", indicator_index=None, check_codes=["PF305"])) == []


def test_reply_errors_name_each_comment_for_the_reask():
    g = Grounding(FORM, REPORT)
    reply = ReviewReply(comments=[comment(), comment(indicator_index=5)], opinion="建议总分88分。")
    errors = g.reply_errors(reply)
    assert errors[0].startswith("opinion:") and "88" in errors[0]
    assert errors[1].startswith("comments[1]:")
    kept, dropped = g.split(reply)
    assert len(kept) == 1 and len(dropped) == 1


def test_numbers_in_reads_thousands_and_full_width_digits():
    assert numbers_in("１，２３４元和 97.71%") == {1234.0, 97.71}


def test_drafting_reads_the_checks_form_report():
    """Drafting reads the checks' FormReport itself (it read a view of the report's JSON dump,
    `view_report`, removed with the one Finding type); the JSON dump is the review's `checks`."""
    from reviewer.checks import run_checks
    from reviewer.drafting import review_form

    report, review = run_checks(FORM), review_form(FORM)
    assert [f.check for f in report.findings] and all(f.check.startswith("PF") for f in report.findings)
    assert review.findings == report.findings
    assert review.checks["id"] == "g" and "recomputed" in review.checks


def test_prompt_version_follows_the_template_source(monkeypatch, tmp_path):
    before = prompts.prompt_version()
    assert before.startswith(prompts.PROMPT_VERSION + "+")
    for name in prompts.REVIEW_TEMPLATES:
        (tmp_path / name).write_text((prompts.PROMPTS_DIR / name).read_text(encoding="utf-8") + "\n改", encoding="utf-8")
    monkeypatch.setattr(prompts, "PROMPTS_DIR", tmp_path)
    prompts.templates_hash.cache_clear()
    try:
        assert prompts.prompt_version() != before
    finally:
        monkeypatch.undo()
        prompts.templates_hash.cache_clear()
    assert prompts.prompt_version() == before


def test_prompt_has_rules_in_system_and_data_in_user():
    system, user = (m["content"] for m in prompts.review_messages(FORM, REPORT))
    assert "<form>" in system  # the few-shot example
    assert "[0] 〔空〕/〔空〕 | 宣传活动场次 | ≥4场 | 6场 | 20 | 20" in user
    assert "PF305 warning 指标[0]: 实际6场超过目标4场的1.5倍。（建议得分 19，扣 1 分）" in user
    assert "信访宣传" not in system


def test_grounding_is_the_same_with_the_prompt_texts_given():
    from reviewer.drafting.render import render_findings, render_form

    given = Grounding(FORM, REPORT, form_text=render_form(FORM), findings_text=render_findings(REPORT, FORM))
    built = Grounding(FORM, REPORT)
    assert given.fields == built.fields
    assert given.numbers == built.numbers == numbers_in(render_form(FORM)) | numbers_in(render_findings(REPORT, FORM))
    odd = FORM.model_copy(update={"name": "信访\x00宣传 1,234"})
    g = Grounding(odd, REPORT)
    assert 1234 in g.numbers and g.check_quote("宣传 1,234").field == "name"


BLIND_FORM = FORM.model_copy(update={"funding": Funding(initial_budget=65100, annual_budget=3328, executed=3328,
                                                        execution_rate=100, weight=10)})
BLIND_REPORT = REPORT.model_copy(update={"blind": True})


def test_a_label_with_its_value_maps_back_to_the_cell():
    g = Grounding(BLIND_FORM, BLIND_REPORT)
    assert g.check_quote("年初预算数 65100").field == "funding.initial_budget"
    assert g.check_quote("执行率(表内) 100%").field == "funding.execution_rate"
    assert g.check_quote("100%").field == "funding.execution_rate"  # the value as the prompt shows it
    assert g.check_quote("3,328元").field == "funding.annual_budget"  # a number in the form's formatting
    assert g.check_quote("≥4场").field == "indicators[0].target"
    assert g.check_quote("项目名称: 信访宣传（2024）").field == "name"  # with the colon the prompt shows
    assert g.check_quote("100分").errors  # 100 is a rate on this form, not points
    # a label alone is no quote of the value, and a label with another value is invented
    assert g.check_quote("年初预算数").errors
    assert g.check_quote("年初预算数 65000").errors
    assert g.check_quote("全年预算数 65100").errors


def test_an_invented_quote_and_an_invented_number_are_rejected():
    g = Grounding(BLIND_FORM, BLIND_REPORT)
    [error] = g.comment_errors(comment(evidence=["宣传活动如期开展"]))
    assert "does not occur in the form" in error
    [error] = g.comment_errors(comment(text="年初预算数65100元，执行率仅83.7%。"))
    assert "83.7" in error


def test_a_placeholder_quote_is_rejected_saying_why():
    g = Grounding(BLIND_FORM, BLIND_REPORT)
    for quote in ("自评得分 〔隐藏〕", "自评得分 —", "得分 〔隐藏〕"):  # as shown now, and as older prompts showed it
        check = g.check_quote(quote)
        assert check.hidden and "hidden on purpose" in check.errors[0], quote
    assert g.check_quote("自评得分 —").field == "total_score"
    empty = g.check_quote("项目编码: 〔空〕")
    assert not empty.hidden and "empty cell" in empty.errors[0]


def test_a_reply_commenting_on_hidden_scores_is_rejected():
    g = Grounding(BLIND_FORM, BLIND_REPORT)
    false = comment(target="form", indicator_index=None, category="scoring",
                    text="预算执行得分、各项绩效指标得分及自评总分均未填写，自评表填报不完整。")
    kept, dropped = g.split(ReviewReply(comments=[false, comment()], opinion="经审核，建议修改。"))
    assert kept == [comment()]
    assert dropped[0].hidden and "hidden on purpose" in dropped[0].errors[0]
    remark = comment(text="目标值设置偏低，偏差原因栏也未作说明。")  # the remarks are hidden too
    assert g.check_comment(remark)[1]
    assert g.comment_errors(comment(text="建议得分19分，实际完成情况未说明产出。")) == []  # a finding's score is no claim
    assert "hidden on purpose" in g.opinion_errors("经审核，该项目预算执行得分及各项得分未填写。")[0]
    for said in ("本表未填报自评得分。", "总分栏为空。", "各指标得分栏空白", "未填写偏差原因分析及改进措施。"):
        assert g.hidden_claims(said), said
    for fine in ("实际完成值未填写。", "建议得分0分，资金未支出。", "目标值设置偏低，完成值远超目标。"):
        assert not g.hidden_claims(fine), fine
    # with the scores shown (not blind) the same words are a matter for the checks, not for grounding
    assert Grounding(BLIND_FORM, REPORT).comment_errors(false) == []


def test_the_blind_prompt_says_scores_are_hidden_and_marks_them():
    from reviewer.drafting.render import HIDDEN

    system, user = (m["content"] for m in prompts.review_messages(BLIND_FORM, BLIND_REPORT))
    assert "有意隐藏" in system and "不得评论" in system and "可摘录" in system
    assert "本表为盲审" in user
    assert f"| 自评得分 {HIDDEN}" in user
    assert f"| 20 | {HIDDEN} | {HIDDEN}" in user  # score and remark of [0]
    assert "—" not in user.split("<form>")[1].split("</form>")[0]
    _, shown = (m["content"] for m in prompts.review_messages(FORM, REPORT))
    assert "本表为盲审" not in shown and HIDDEN not in shown


def _real_forms():
    from pathlib import Path

    from conftest import EXAMPLES
    from reviewer.extract import extract_paths

    devcorpus = Path(__file__).parent / "data" / "devcorpus"
    return extract_paths([EXAMPLES, devcorpus]).forms


def test_every_cell_the_prompt_shows_is_quotable_and_maps_back_on_real_forms():
    """On the seeds and the other provinces' forms, blind and not: each cell of the rendered
    form, alone or with its label, is accepted and maps to a cell holding that value; a
    mark (hidden or empty) with its label never is."""
    from reviewer.checks import run_checks
    from reviewer.domain.blinding import blind
    from reviewer.drafting.render import MARKS, render_form, shown_fields

    forms = _real_forms()
    assert len(forms) > 40
    checked = 0
    for form in forms:
        for hidden in (False, True):
            shown = blind(form) if hidden else form
            g = Grounding(shown, run_checks(shown, blind=hidden))
            by_path = {f.path: f for f in shown_fields(shown, hidden)}
            for field in by_path.values():
                if field.placeholder:
                    if field.label:
                        assert g.check_quote(f"{field.label} {field.value}").errors, (form.id, field)
                    continue
                if len(normalise(field.value)) < 2 or len(field.value) > 40:
                    continue
                for quote in (field.value, f"{field.label} {field.value}" if field.label else field.value):
                    check = g.check_quote(quote)
                    assert not check.errors and check.field, (form.id, quote, check.errors)
                    assert normalise(field.value) in normalise(by_path[check.field].value) or \
                        normalise(by_path[check.field].value) in normalise(field.value), (form.id, quote, check.field)
                    checked += 1
            for line in render_form(shown, hidden).splitlines():
                if not line.startswith("["):
                    continue
                for cell in line.split(" | ")[1:]:
                    if cell not in MARKS and 2 <= len(normalise(cell)) <= 40:
                        assert g.check_quote(cell).errors == [], (form.id, cell)
    assert checked > 2000


def test_quotes_spanning_two_cells_are_rejected_on_real_forms():
    from reviewer.checks import run_checks
    from reviewer.domain.blinding import blind
    from reviewer.drafting.render import render_form

    for form in _real_forms()[:20]:
        shown = blind(form)
        g = Grounding(shown, run_checks(shown, blind=True))
        for line in render_form(shown, True).splitlines():
            if line.startswith("[") and " | " in line:
                name, target = line.split(" | ")[1:3]
                if "〔" not in name + target:
                    joined = normalise(name + target)
                    # accepted only where the form itself writes them together (in a text)
                    assert g.check_quote(f"{name}{target}").errors or any(joined in f for f in g.fields)
