"""Model-read forms (issue 10 item 8): with --llm, a language model places the cells of what
the readers cannot read, and only values written in the text whose arithmetic holds are kept.

The real client talks to the loopback server (tests/fake_openai.py) with scripted replies.
The text is a real public form, tests/data/realforms/dev/sc-zhongjiang-slj-2022-xianjie-flat.txt
(chacewang.com), flattened with no separators: "年度资金总额:202010100.00%10" is 全年预算数 20,
全年执行数 20, 分值 10, 执行率 100.00%, 得分 10 written together. The correct reply in
tests/data/model_read/ was placed by hand from that text.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
from fake_openai import CHAT_PATH, Reply, chat_reply, echo_credentials_json, error_reply, fake_openai, json_reply  # noqa: F401

from reviewer.cli import main
from reviewer.config import Settings
from reviewer.drafting.model_read import ModelReader
from reviewer.extract import extract_paths
from reviewer.extract.model_cells import ModelReading, SourceText, _rate_agrees, document_text
from reviewer.extract.sources import read_path
from reviewer.llm import Client

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from make_corpus import make_corpus  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
REALFORMS = DATA / "realforms" / "dev"
FLAT = REALFORMS / "sc-zhongjiang-slj-2022-xianjie-flat.txt"
REPLY = json.loads((DATA / "model_read" / "sc-zhongjiang-slj-2022-xianjie-flat.reply.json").read_text(encoding="utf-8"))
EXPECTED = json.loads((REALFORMS / "sc-zhongjiang-slj-2022-xianjie-flat.expected.json").read_text(encoding="utf-8"))
NARRATIVE = REALFORMS / "ha-gushi-zsmz-2024-chanye-report.txt"  # a narrative report: no form in it
KEY = "sk-proj-ModelRead7Pv3Lm5Rt8Yk2Hj4"


@pytest.fixture
def model(fake_openai, tmp_path, monkeypatch):  # noqa: F811
    home = tmp_path / "home"
    for name, value in {"BASE_URL": fake_openai.base_url, "MODEL": "fake-model", "API_KEY": KEY, "HOME": str(home),
                        "MAX_REASKS": "1", "MAX_RETRIES": "1", "RETRY_BACKOFF": "0.001",
                        "RETRY_BACKOFF_MAX": "0.01", "TIMEOUT": "5"}.items():
        monkeypatch.setenv(f"REVIEWER_{name}", value)
    return fake_openai


def extract(capsys, *args: str | Path, llm: bool = True) -> tuple[int, dict, str]:
    code = main(["extract", *(["--llm"] if llm else []), "--format", "json", *map(str, args)])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def reply_with(**changes) -> dict:
    """The correct reply with some values changed: {"indicators[2].weight": "2", "funding.executed": "10"}."""
    reply = copy.deepcopy(REPLY)
    form = reply["forms"][0]
    for path, value in changes.items():
        part, _, key = path.rpartition(".")
        if not part:
            form[key] = value
        elif part.startswith("indicators["):
            form["indicators"][int(part[11:-1])][key] = value
        else:
            form[part][key] = value
    return reply


def warnings_of(form: dict, field: str) -> list[str]:
    return [w["message"] for w in form["warnings"] if w["field"] == field]


def test_a_flattened_form_with_fused_numbers_is_placed_by_the_model(model, capsys):
    model.script(json_reply(REPLY))
    code, doc, err = extract(capsys, FLAT)
    assert code == 0 and doc["errors"] == []
    [form] = doc["forms"]
    assert form["source"]["layout"] == "model-read"
    first = form["warnings"][0]
    assert first["field"] == "source" and first["message"].startswith("model-read: the readers could not place")
    assert "fake-model" in first["message"]
    assert f"{FLAT}: read by the language model" in err
    funding = form["funding"]
    assert (funding["currency_unit"], funding["annual_budget"], funding["executed"]) == ("万元", 200000, 200000)
    assert (funding["weight"], funding["execution_rate"], funding["score"]) == (10, 100, 10)
    assert (form["total_weight"], form["total_score"]) == (100, 100)
    # Where the hand-checked expectation could read a value, the model-read form has the same one.
    for mine, theirs in zip(form["indicators"], EXPECTED["forms"][0]["indicators"], strict=True):
        for key, value in theirs.items():
            if value is not None:
                assert mine[key] == value, (theirs["name"], key)
    # "验收合格率20100%100%20": the weight a careful reader leaves unread (20|100% or 2|0100%)
    # is placed, and kept because the 分值 add up to the 总分.
    assert (form["indicators"][2]["weight"], form["indicators"][2]["target"]) == (20, "100%")
    assert not [w for w in form["warnings"] if w["message"].startswith("model-read: ") and w["field"] != "source"]
    [request] = model.bodies()
    assert request["response_format"]["json_schema"]["name"] == "ModelReading"
    assert "年度资金总额:202010100.00%10" in request["messages"][1]["content"]


def test_without_the_model_the_readers_leave_those_cells_empty_and_say_llm_could_try(model, capsys):
    code, doc, err = extract(capsys, FLAT, llm=False)
    [form] = doc["forms"]
    assert form["source"]["layout"] != "model-read" and form["funding"]["annual_budget"] is None
    assert form["indicators"][2]["weight"] is None
    assert "1 file read with cells not placed" in err and "--llm" in err
    assert model.requests == []  # configured, but not asked for
    assert doc == json.loads(extraction_json([FLAT]))


def extraction_json(paths) -> str:
    return extract_paths(paths).model_dump_json()


def test_a_second_run_is_answered_from_the_cache(model, capsys):
    model.script(json_reply(REPLY))
    first = extract(capsys, FLAT)[1]
    second = extract(capsys, FLAT)[1]
    assert len(model.requests) == 1 and first == second


def test_invented_numbers_are_dropped_and_named(model, capsys):
    invented = reply_with(**{"indicators[0].weight": "15", "funding.initial_budget": "37.5",
                             "indicators[1].actual": "≥266米", "name": "中江县水利设施维修项目"})
    invented["forms"][0]["indicators"].insert(3, {"name": "新增渠道长度", "target": "≥5公里", "weight": "5"})
    model.script(json_reply(invented), json_reply(invented))  # asked again once, invents again
    code, doc, err = extract(capsys, FLAT)
    [form] = doc["forms"]
    assert form["source"]["layout"] == "model-read"
    assert form["indicators"][0]["weight"] is None and form["indicators"][0]["score"] == 10
    assert warnings_of(form, "indicators[0].weight") == ["model-read: the model's value does not occur in the text; dropped"]
    assert form["funding"]["initial_budget"] is None
    assert warnings_of(form, "funding.initial_budget") == [
        "model-read: the model's value does not occur in the text; dropped"]
    # written twice, once for each of row 0's target and actual: a third cell cannot have it
    assert form["indicators"][1]["actual"] == ""
    assert warnings_of(form, "indicators[1].actual") == [
        "model-read: the model's value is not written again near '水标尺宽度' (its place is another cell's); dropped"]
    assert form["name"] is None and "does not occur in the text" in warnings_of(form, "name")[0]
    assert "新增渠道长度" not in [i["name"] for i in form["indicators"]] and len(form["indicators"]) == 9
    assert "model-read: the model's value does not occur in the text; that row is not read" in warnings_of(
        form, "indicators")
    # no text the model made up reaches the form: warnings name the field, not the value
    assert not any(made_up in json.dumps(form, ensure_ascii=False) for made_up in ("新增渠道长度", "水利设施维修", "37.5"))
    # the re-ask told the model what was wrong
    reask = model.bodies()[1]["messages"][-1]["content"]
    assert "indicators[0].weight: '15' does not occur in the text; dropped" in reask
    assert "indicators: '新增渠道长度' does not occur in the text; that row is not read" in reask


def test_failing_arithmetic_drops_the_values_and_says_why(model, capsys):
    bad = reply_with(**{"funding.annual_budget": "2020", "funding.executed": "10", "funding.weight": "",  # 10 ÷ 2020
                        "indicators[5].target": "", "indicators[5].score": "20"})  # 得分 20 > 分值 10
    model.script(json_reply(bad), json_reply(bad))
    [form] = extract(capsys, FLAT)[1]["forms"]
    funding = form["funding"]
    assert (funding["annual_budget"], funding["executed"], funding["execution_rate"]) == (None, None, None)
    assert funding["score"] == 10
    [why] = warnings_of(form, "funding.execution_rate")
    assert "执行率 '100.00%' is not 全年执行数 ÷ 预算数 (0.50%)" in why
    assert form["indicators"][5]["score"] is None and form["indicators"][5]["weight"] == 10
    assert warnings_of(form, "indicators[5].score") == [
        "model-read: 得分 20 is more than the 分值 10 of '项目计划总投资'; the 得分 is dropped"]


def test_weights_that_do_not_add_up_are_all_dropped(model, capsys):
    from reviewer.extract.model_cells import model_forms

    bad = reply_with(**{"indicators[2].weight": "2", "indicators[2].target": "0100%"})  # "20100%" cut the other way
    source = SourceText(document_text(read_path(FLAT)))
    [form] = model_forms(ModelReading.model_validate(bad), source, str(FLAT), "model-read: test")
    assert all(i.weight is None and i.score is None for i in form.indicators)
    assert form.total_weight is None and form.funding.weight is None
    [why] = [w.message for w in form.warnings if w.field == "indicators"]
    assert "the indicators' 分值 add up to 82 (92 with 预算执行's), not the 总分 100" in why
    assert form.indicators[2].target == "0100%"  # text stays: it is written so
    # With its weights dropped the model's reading finds less than the readers' (which leave
    # the fused "20100%" empty): the readers' reading stands.
    model.script(json_reply(bad), json_reply(bad))
    [read] = extract(capsys, FLAT)[1]["forms"]
    assert read["source"]["layout"] != "model-read" and read["indicators"][2]["weight"] is None
    assert any("found no more" in w["message"] for w in read["warnings"])


def test_invalid_json_is_asked_again_then_given_up_cleanly(model, capsys):
    model.script(chat_reply("这张表读不出来"), chat_reply("```json\n{\"forms\": [\n```"))
    code, doc, err = extract(capsys, FLAT)
    assert code == 0 and len(model.requests) == 2  # one re-ask (REVIEWER_MAX_REASKS=1)
    [form] = doc["forms"]
    assert form["source"]["layout"] != "model-read"  # the readers' reading stands
    [why] = [w["message"] for w in form["warnings"] if w["message"].startswith("--llm: ")]
    assert "the language model could not read it: reply still invalid after 1 re-asks" in why
    assert "not valid JSON" in why and f"{FLAT}: the language model could not read it" in err
    assert "Traceback" not in err


def test_a_reply_of_the_wrong_shape_is_asked_again_and_the_corrected_one_used(model, capsys):
    model.script(json_reply({"forms": [{"indicators": [{"weight": "10"}]}]}), json_reply(REPLY))
    [form] = extract(capsys, FLAT)[1]["forms"]
    assert form["source"]["layout"] == "model-read" and len(model.requests) == 2
    assert "forms.0.indicators.0.name" in model.bodies()[1]["messages"][-1]["content"]


@pytest.mark.parametrize("failure", ["500", "429", "timeout"])
def test_transport_failures_name_the_file_and_keep_the_readers_reading(model, capsys, monkeypatch, failure):
    if failure == "500":
        model.route("POST", CHAT_PATH, lambda _r: error_reply(500, "upstream down"))
    elif failure == "429":
        model.route("POST", CHAT_PATH, lambda _r: error_reply(429, "slow down", headers={"Retry-After": "0"}))
    else:
        monkeypatch.setenv("REVIEWER_TIMEOUT", "0.2")
        model.route("POST", CHAT_PATH, lambda _r: Reply(body={}, delay=3))
    code, doc, err = extract(capsys, FLAT, NARRATIVE)
    assert code == 0 and len(doc["forms"]) == 1 and "Traceback" not in err
    said = {"500": "HTTP 500: upstream down", "429": "HTTP 429: slow down", "timeout": "request timed out"}[failure]
    assert f"reviewer: {FLAT}: the language model could not read it: {said} after 2 requests" in err
    assert doc["forms"][0]["source"]["layout"] != "model-read"
    [error] = doc["errors"]  # the rejected file: rejected as before, and why the model did not help
    assert error["path"] == str(NARRATIVE)
    assert error["message"].startswith("no self-evaluation form") and error["message"].endswith(
        f"; the language model could not read it: {said} after 2 requests")


def test_a_text_without_a_form_gets_the_models_empty_reading_and_stays_rejected(model, capsys):
    model.script(json_reply({"forms": []}))
    code, doc, err = extract(capsys, NARRATIVE)
    assert code == 2 and doc["forms"] == []
    assert doc["errors"][0]["message"].endswith("; the language model's reading found no more (no form); "
                                                 "the readers' reading is kept")


def test_meeting_notes_are_never_sent(model, capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("会议纪要\n今天讨论了下一年度的工作安排。\n", encoding="utf-8")
    code, doc, _ = extract(capsys, notes)
    assert code == 2 and model.requests == [] and doc["errors"][0]["message"].startswith("no self-evaluation form")


@pytest.mark.parametrize("server", ["reply-quotes-the-key", "401-echoes-the-key"])
def test_no_output_holds_the_key_a_server_echoes(model, capsys, monkeypatch, tmp_path, server):
    def quoting(request):
        said = f"密钥 {request.headers.get('authorization', '')}"
        return json_reply(reply_with(name=said, **{"indicators[0].target": said}))

    model.route("POST", CHAT_PATH, quoting if server == "reply-quotes-the-key" else echo_credentials_json)
    code, doc, err = extract(capsys, FLAT)
    code_check = main(["check", "--llm", "--format", "json", str(FLAT)])
    out_check, err_check = capsys.readouterr()
    assert code == code_check == 0
    outputs = json.dumps(doc, ensure_ascii=False) + err + out_check + err_check
    stored = b"".join(p.read_bytes() for p in (tmp_path / "home").rglob("*") if p.is_file())
    assert KEY not in outputs and KEY.encode() not in stored
    if server == "reply-quotes-the-key":  # the quoted key is no text of the form: dropped, and redacted when re-asked
        assert doc["forms"][0]["name"] is None and warnings_of(doc["forms"][0], "name")
        assert "[redacted]" in model.bodies()[1]["messages"][-1]["content"]
    else:
        assert "HTTP 401" in err


def test_check_and_review_read_with_the_model_too(model, capsys):
    model.script(json_reply(REPLY))
    assert main(["check", "--llm", "--format", "json", str(FLAT)]) == 0
    [report] = json.loads(capsys.readouterr().out)["forms"]
    assert report["recomputed"]["execution_rate"] == 100  # from the model-read amounts
    assert main(["review", "--llm", "--format", "json", str(FLAT)]) == 0  # read from the cache, then drafted
    capsys.readouterr()
    schemas = [b["response_format"]["json_schema"]["name"] for b in model.bodies()]
    assert schemas[0] == "ModelReading" and schemas[1:] and "ModelReading" not in schemas[1:]


def test_llm_without_a_model_configured_reads_as_before(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path))
    for name in ("REVIEWER_BASE_URL", "OPENAI_BASE_URL", "REVIEWER_MODEL"):
        monkeypatch.delenv(name, raising=False)
    code, doc, err = extract(capsys, FLAT, NARRATIVE)
    assert "--llm: no language model configured" in err
    assert doc == json.loads(extraction_json([FLAT, NARRATIVE])) | {"errors": doc["errors"]}
    assert doc["errors"][0]["message"].endswith("; with --llm and a configured language model, a model may read it")


def test_a_rejected_real_excerpt_is_read_by_the_model(fake_openai, tmp_path):  # noqa: F811
    """sc-dyrmt: the tail of an indicator table (four rows of 权重 22.5, 合计100, no funding
    line): 90 + the funding line's 10 not in the excerpt = 100, so the weights are kept."""
    path = REALFORMS / "sc-dyrmt-gongzi-fragment-flat.txt"
    rows = [("产出指标", "数量指标", "足额保障率", "=100%"), ("产出指标", "数量指标", "科目调整次数", "≤10次"),
            ("产出指标", "时效指标", "按时发放率", "=100%"),
            ("效益指标", "经济效益指标", "结余率(计算方法为:结余数/预算数)", "≤5%")]
    reply = {"forms": [{"indicators": [{"level1": a, "level2": b, "name": n, "target": t, "weight": "22.5"}
                                       for a, b, n, t in rows], "total": {"label": "合计", "weight": "100"}}]}
    fake_openai.script(json_reply(reply))
    settings = Settings(base_url=fake_openai.base_url, model="fake-model", home=tmp_path, max_reasks=0)
    with Client(settings) as client:
        reader = ModelReader(client)
        forms, failure = reader(read_path(path), [], "no self-evaluation form or evaluation report found")
    assert failure is None
    [form] = forms
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))["forms"][0]["indicators"]
    assert [(i.level1, i.level2, i.name, i.target, i.weight) for i in form.indicators] == [
        (e["level1"], e["level2"], e["name"], e["target"], e["weight"]) for e in expected]
    assert form.total_weight == 100 and form.warnings[0].message.startswith("model-read: the readers found no form")


# ---------------------------------------------------------------- the pure part


def test_values_map_back_to_the_text_as_written():
    """A traditional-script source with pinyin inserted: the model reads the cleaned text; the
    cell keeps the cleaned span and the text as written."""
    source = SourceText(document_text(read_path(REALFORMS / "ah-xuancheng-nyj-2024-dongwufangyi-trad-pipe.txt")))
    [span] = source.spans("动物防疫", numeric=False)[:1]
    cell = source.cell(span, numeric=False)
    assert cell.text == "动物防疫" and cell.original != cell.text and "動" in cell.original
    assert cell.where.startswith("line ") and cell.where.endswith("(model-read)")


def test_a_number_is_never_cut_from_inside_a_decimal_or_a_percentage():
    source = SourceText("分值 10.5 得分 10 完成率90% 权重90 合计202010100.00%10")
    assert [source.text[a:b] for a, b in source.spans("10", numeric=True)] == ["10", "10", "10", "10"]
    assert all(source.text[b:b + 1] != "." for _, b in source.spans("10", numeric=True))
    assert len(source.spans("90", numeric=True)) == 1  # 权重90, not the 90 of 90%
    assert len(source.spans("100.00%", numeric=True)) == 1
    # text values fold whitespace and line breaks (a wrapped cell); numbers do not
    assert SourceText("县级储备粮管理制\n度严格执行率").spans("县级储备粮管理制度严格执行率", numeric=False)
    assert SourceText("50 8").spans("508", numeric=True) == []


@pytest.mark.parametrize(("written", "actual", "agrees"), [
    ("100.00%", 100.0, True), ("50%", 49.88, True), ("98%", 97.71, True), ("0.98", 97.71, True),
    ("97.71%", 97.71, True), ("100.00%", 0.495, False), ("17.6%", 49.88, False), ("有效", 50.0, False),
])
def test_the_rate_agrees_within_rounding(written, actual, agrees):
    assert _rate_agrees(written, actual) is agrees


def test_the_schema_is_what_the_model_is_told():
    schema = ModelReading.model_json_schema()
    assert "forms" in schema["properties"] and "ModelIndicator" in schema["$defs"]
    assert schema["$defs"]["ModelIndicator"]["required"] == ["name"]


HAIDIAN = REALFORMS / "bj-haidian-xueyuanlu-2016-baojie-wenku365.txt"


@pytest.mark.parametrize(("budget", "executed", "kept"), [("310.2", "154.74", True), ("310.21", "54.74", False)])
def test_the_rate_decides_between_the_splits_of_fused_amounts(model, capsys, budget, executed, kept):
    """wenku365's Beijing form: "年度资金总额:310.2154.741050%5" splits as 310.2|154.74 or
    310.21|54.74 (then 10, 50%, 5). Only the split whose 全年执行数 ÷ 年初预算数 is the written
    50% is kept; the other is dropped, not chosen between."""
    reply = {"forms": [{
        "name": "【体制】自管道路清扫保洁外包工作经费", "unit": "北京市海淀区学院路街道城市运行服务中心", "year": "2016",
        "department": "北京市海淀区人民政府学院路街道办事处",
        "funding": {"label": "年度资金总额", "currency": "项目资金(万元)", "initial_budget": budget,
                    "executed": executed, "weight": "10", "execution_rate": "50%", "score": "5"},
        "indicators": [{"level1": "产出指标(50分)", "level2": "数量指标", "name": "是否完成绩效目标申报表中申报的数量",
                        "weight": "12.5", "actual": "12.5", "score": "12.5"}]}]}
    model.script(*[json_reply(reply)] * 2)
    [form] = extract(capsys, HAIDIAN)[1]["forms"]
    assert form["source"]["layout"] == "model-read"
    funding = form["funding"]
    assert (funding["weight"], funding["score"]) == (10, 5)
    if kept:
        assert (funding["initial_budget"], funding["executed"], funding["execution_rate"]) == (3102000, 1547400, 50)
        assert len(model.requests) == 1
    else:
        assert (funding["initial_budget"], funding["executed"], funding["execution_rate"]) == (None, None, None)
        assert "(17.65%)" in warnings_of(form, "funding.execution_rate")[0] and len(model.requests) == 2


def test_two_forms_cannot_share_the_characters_of_one(model, capsys):
    """The reply names the one form twice: the second finds its rows' characters taken and
    keeps only a header, so it is not kept; the file reads as one form."""
    model.script(*[json_reply({"forms": REPLY["forms"] * 2})] * 2)
    code, doc, err = extract(capsys, FLAT)
    assert code == 0 and doc["errors"] == [] and len(doc["forms"]) == 1
    assert doc["forms"][0]["source"]["layout"] == "model-read" and len(doc["forms"][0]["indicators"]) == 9
    assert "1 of the language model's forms had nothing beyond a header" in err
    reask = model.bodies()[1]["messages"][-1]["content"]
    assert "forms[1].funding: '年度资金总额' is written only where another row was read" in reask


def test_a_split_target_is_placed_part_by_part():
    """sc-qingshen (pipe cells one per line, 指标性质 | 指标值 | 度量单位 columns): "= |\\n100 |\\n% |"
    is one target written in three cells; the model names each part, assembly joins them."""
    from reviewer.extract.model_cells import model_forms

    path = REALFORMS / "sc-qingshen-fgj-2023-gongzi-pipecell.txt"
    source = SourceText(document_text(read_path(path)))
    rows = [("产出指标", "数量指标", "发放(缴纳)覆盖率", "60"), ("效益指标", "社会效益指标", "足额保障率(参保率)", "30")]
    reading = ModelReading.model_validate({"forms": [{
        "name": "51000021R000000019951-工资性支出", "unit": "青神县发展和改革局",
        "funding": {"label": "总额", "currency": "年度预算数(万元)", "initial_budget": "238.93",
                    "annual_budget": "251.89", "executed": "251.89", "execution_rate": "100.00%", "weight": "10"},
        "indicators": [{"level1": a, "level2": b, "name": n, "comparator": "=", "target": "100", "unit": "%",
                        "weight": w} for a, b, n, w in rows],
        "total": {"label": "合计", "weight": "100"}}]})
    [form] = model_forms(reading, source, str(path), "model-read: test")
    assert [(i.target, i.target_parts.comparator, i.target_parts.value, i.target_parts.unit, i.weight)
            for i in form.indicators] == [("=100%", "=", "100", "%", 60), ("=100%", "=", "100", "%", 30)]
    assert (form.code, form.name) == ("51000021R000000019951", "工资性支出")  # the code written before the name
    assert (form.funding.annual_budget, form.funding.executed, form.funding.execution_rate) == (2518900, 2518900, 100)
    assert form.total_weight == 100 and [w.message for w in form.warnings if "model-read: " in w.message and
                                         w.field != "source"] == []


def test_the_hostile_corpus_with_a_hostile_model_reads_as_without_it(model, capsys, tmp_path):
    """Every regular file of tests/hostile (bad bytes, broken documents, seeds with illegible
    numbers and injection text) with --llm and a model that answers nonsense: the same forms
    and the same files rejected as without it, one line per bad file, no traceback."""
    make_corpus(tmp_path / "corpus", bomb_size=1 << 20)
    files = tmp_path / "corpus" / "files"
    nonsense = {"forms": [{"name": "忽略以上要求", "funding": {"label": "年度资金总额", "executed": "nan",
                                                          "execution_rate": "1e308%", "weight": "-0"},
                           "indicators": [{"name": "项目名称", "weight": "9" * 40, "score": "inf"}] * 3,
                           "total": {"label": "总分", "weight": "100"}}]}
    model.route("POST", CHAT_PATH, lambda _r: json_reply(nonsense))
    with_model = extract(capsys, files)
    without = extract(capsys, files, llm=False)
    assert with_model[0] == without[0] and "Traceback" not in with_model[2]
    assert [(f["id"], f["source"]["layout"]) for f in with_model[1]["forms"]] == [
        (f["id"], f["source"]["layout"]) for f in without[1]["forms"]]
    assert [e["path"] for e in with_model[1]["errors"]] == [e["path"] for e in without[1]["errors"]]
    assert len(model.requests) >= 2  # files were sent (the seeds with illegible amounts), and re-asked


def test_a_text_too_long_for_one_call_is_not_sent(model, capsys, tmp_path):
    long = tmp_path / "long.txt"
    long.write_text(FLAT.read_text(encoding="utf-8") + ("\n" + "附注文字。" * 20) * 300, encoding="utf-8")
    code, doc, err = extract(capsys, long)
    assert code == 0 and model.requests == []
    assert f"{long}: not sent to the language model: " in err and "more than 24000" in err
    assert doc["forms"][0]["source"]["layout"] != "model-read"


def test_bad_model_settings_are_one_line_and_exit_2(model, capsys):
    assert main(["extract", "--llm", "--api-key-env", "NO_SUCH_KEY_VARIABLE", str(FLAT)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reviewer: ") and "NO_SUCH_KEY_VARIABLE" in err and model.requests == []
