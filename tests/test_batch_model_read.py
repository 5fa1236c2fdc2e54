"""`reviewer batch --llm` reads with the model what the readers cannot (issue 10 item 8):
the same ModelReader and rules as `reviewer extract --llm` (tests/test_model_read.py), in the
event loop and through the worker pool, against the loopback server with scripted replies.

The folder: the real flattened form whose numbers are written together
(tests/data/realforms/dev/sc-zhongjiang-slj-2022-xianjie-flat.txt, chacewang.com; the
hand-placed reply in tests/data/model_read/) and two seed forms the readers read whole.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from conftest import EXAMPLES
from fake_openai import CHAT_PATH, error_reply, fake_openai, json_reply  # noqa: F401 - fixture

from reviewer.batch import BatchOptions, run_batch
from reviewer.cli import main
from reviewer.config import Settings
from reviewer.extract import extract_paths

DATA = Path(__file__).resolve().parent / "data"
FLAT = DATA / "realforms" / "dev" / "sc-zhongjiang-slj-2022-xianjie-flat.txt"
READING = json.loads((DATA / "model_read" / "sc-zhongjiang-slj-2022-xianjie-flat.reply.json").read_text(encoding="utf-8"))
DRAFT = {"comments": [], "opinion": "经审核，该项目自评表填报基本完整，请按所列问题修改完善。"}
GOOD = ("000_227770587c716576.txt", "002_cc20b351adbf8378.txt")
MODEL_READ = "model-read: "
GOOD_FORMS = len(extract_paths([EXAMPLES / name for name in GOOD]).forms)


def folder(tmp_path: Path, copies: int = 1) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for name in GOOD:
        (src / name).write_bytes((EXAMPLES / name).read_bytes())
    for n in range(copies):  # a copy of the form under each name is the same bytes: one reading
        (src / f"zz-flat-{n}.txt").write_bytes(FLAT.read_bytes())
    return src


class Model:
    """The server's answers by what is asked: the reading for ModelReading requests, the
    draft for the others; counts the reading requests."""

    def __init__(self, fake, reading=READING) -> None:
        self.fake = fake
        self.reading = reading
        fake.route("POST", CHAT_PATH, self.answer)

    def answer(self, request):
        if request.body["response_format"]["json_schema"]["name"] == "ModelReading":
            return self.reading(request) if callable(self.reading) else json_reply(self.reading)
        return json_reply(DRAFT)

    def readings(self) -> int:
        return sum(b["response_format"]["json_schema"]["name"] == "ModelReading" for b in self.fake.bodies())


def options(fake, src: Path, out: Path, home: Path, **kw) -> BatchOptions:
    settings = Settings(base_url=fake.base_url, model="fake-model", home=home, max_reasks=1, max_retries=1,
                        retry_backoff=0.001, retry_backoff_max=0.01, timeout=5)  # fmt: skip
    return BatchOptions(inputs=[str(src)], out=out, llm=True, settings=settings, progress=False, **kw)


def sheet(out: Path, name: str) -> list[dict]:
    book = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def flat_rows(out: Path) -> list[dict]:
    return [r for r in sheet(out, "forms") if "zz-flat" in r["文件"]]


def model_read_warnings(out: Path) -> list[str]:
    return [r["说明"] for r in sheet(out, "warnings") if "zz-flat" in r["文件"] and r["说明"].startswith(MODEL_READ)]


def run_json(out: Path) -> dict:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("workers", [1, 2], ids=["in-loop", "workers"])
def test_the_model_reads_the_fused_form_its_review_is_written_and_a_resume_asks_nothing(fake_openai, tmp_path, workers):
    model = Model(fake_openai)
    src, out = folder(tmp_path), tmp_path / "out"
    result = run_batch(options(fake_openai, src, out, tmp_path / "h1", workers=workers))
    assert result.status == "complete" and result.forms == GOOD_FORMS + 1 and result.errors == 0
    assert model.readings() == 1  # the good files are not sent
    [row] = flat_rows(out)
    assert row["状态"] == "ok"
    # the model's values, checked against the text: 全年预算数 20 万元 = 200,000 元, all executed
    assert (row["全年预算数(元)"], row["全年执行数(元)"], row["执行率"], row["自评总分"]) == (200000, 200000, 1, 100)
    notice = model_read_warnings(out)[0]
    assert "a language model (fake-model) placed the cells" in notice
    opinion = (out / row["意见文件"]).read_text(encoding="utf-8")
    assert DRAFT["opinion"] in opinion
    counts = run_json(out)["counts"]
    assert (counts["model_read"], counts["model_read_failed"]) == (1, 0)
    assert run_json(out)["tokens"]["calls"] == GOOD_FORMS + 2  # the reading and a draft per form, counted alike

    # a fresh REVIEWER_HOME (no reply cache): only the run state keeps the model from being asked again
    again = run_batch(options(fake_openai, src, out, tmp_path / "h2", workers=workers))
    assert again.status == "complete" and again.reused == GOOD_FORMS + 1 and again.reviewed == 0
    assert model.readings() == 1
    assert flat_rows(out) == [row] and run_json(out)["counts"]["model_read"] == 1


def test_the_same_bytes_under_two_names_are_read_once(fake_openai, tmp_path):
    model = Model(fake_openai)
    src, out = folder(tmp_path, copies=2), tmp_path / "out"
    result = run_batch(options(fake_openai, src, out, tmp_path / "h"))
    assert result.forms == GOOD_FORMS + 2 and model.readings() == 1  # the second is answered from the cache
    assert [r["自评总分"] for r in flat_rows(out)] == [100, 100]
    assert run_json(out)["counts"]["model_read"] == 2


def test_a_number_the_model_invents_is_dropped(fake_openai, tmp_path):
    invented = copy.deepcopy(READING)
    invented["forms"][0]["funding"]["initial_budget"] = "37.5"  # 年初预算数: not written anywhere in the text
    model = Model(fake_openai, invented)
    src, out = folder(tmp_path), tmp_path / "out"
    result = run_batch(options(fake_openai, src, out, tmp_path / "h"))
    assert result.status == "complete" and model.readings() == 2  # asked again once, invented again
    [row] = flat_rows(out)
    assert row["年初预算数(元)"] is None and row["全年预算数(元)"] == 200000
    warnings = [r for r in sheet(out, "warnings") if "zz-flat" in r["文件"]]
    assert {"字段": "funding.initial_budget", "说明": "model-read: the model's value does not occur in the text; dropped"} in [
        {k: r[k] for k in ("字段", "说明")} for r in warnings]
    assert "37.5" not in json.dumps(warnings, ensure_ascii=False)


@pytest.mark.parametrize("workers", [1, 2], ids=["in-loop", "workers"])
def test_a_failed_reading_leaves_the_readers_form_and_the_next_run_asks_again(fake_openai, tmp_path, workers):
    model = Model(fake_openai, lambda _r: error_reply(500, "upstream down"))
    src, out = folder(tmp_path), tmp_path / "out"
    first = run_batch(options(fake_openai, src, out, tmp_path / "h", workers=workers))
    assert first.status == "complete" and first.forms == GOOD_FORMS + 1 and first.errors == 0
    assert model.readings() == 2  # one retry of the 500 (max_retries 1)
    [row] = flat_rows(out)
    assert row["状态"] == "ok" and row["全年预算数(元)"] is None  # as the readers read it: the fused cells left empty
    why = [r["说明"] for r in sheet(out, "warnings") if "zz-flat" in r["文件"] and r["说明"].startswith("--llm: ")]
    assert why == ["--llm: the language model could not read it: HTTP 500: upstream down after 2 requests"]
    assert not model_read_warnings(out)
    assert run_json(out)["counts"]["model_read_failed"] == 1 and run_json(out)["counts"]["model_read"] == 0

    model.reading = READING  # the server is back: the file is read again, the good files are not
    second = run_batch(options(fake_openai, src, out, tmp_path / "h", workers=workers))
    assert second.status == "complete" and model.readings() == 3
    assert second.reviewed == 1 and second.reused == GOOD_FORMS
    [row] = flat_rows(out)
    assert row["全年预算数(元)"] == 200000 and model_read_warnings(out)
    assert run_json(out)["counts"]["model_read"] == 1 and run_json(out)["counts"]["model_read_failed"] == 0
    # a third run: the model's reading is final
    run_batch(options(fake_openai, src, out, tmp_path / "h", workers=workers))
    assert model.readings() == 3


def test_a_run_without_llm_shares_no_record_with_one_with_it(fake_openai, tmp_path):
    """The config hash holds the model settings: the records of a run without --llm (the
    readers' reading, template drafts) are not those a run with it finds, nor the reverse."""
    model = Model(fake_openai)
    src, out = folder(tmp_path), tmp_path / "out"
    plain = run_batch(BatchOptions(inputs=[str(src)], out=out, progress=False))
    assert plain.forms == GOOD_FORMS + 1 and flat_rows(out)[0]["全年预算数(元)"] is None and fake_openai.requests == []
    with_model = run_batch(options(fake_openai, src, out, tmp_path / "h"))
    assert with_model.reviewed == GOOD_FORMS + 1 and model.readings() == 1 and flat_rows(out)[0]["全年预算数(元)"] == 200000
    plain_again = run_batch(BatchOptions(inputs=[str(src)], out=out, progress=False))
    assert plain_again.reused == GOOD_FORMS + 1 and flat_rows(out)[0]["全年预算数(元)"] is None
    with sqlite3.connect(out / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(DISTINCT config_hash) FROM files").fetchone()[0] == 2


def test_the_command_says_how_many_files_the_model_read(fake_openai, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path / "h"))
    Model(fake_openai)
    src, out = folder(tmp_path), tmp_path / "out"
    code = main(["batch", str(src), "--out", str(out), "--llm", "--base-url", fake_openai.base_url,
                 "--model", "fake-model", "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert "zz-flat-0.txt: read by the language model (1 form: the readers could not place" in err
    summary = err.strip().splitlines()[-1]
    assert f"{GOOD_FORMS + 1} forms" in summary and ", 1 file read by the model" in summary


FRAGMENT = DATA / "realforms" / "dev" / "sc-dyrmt-gongzi-fragment-flat.txt"  # dyrmt.com: an indicator table's tail
FRAGMENT_READING = {"forms": [{"indicators": [
    {"level1": a, "level2": b, "name": n, "target": t, "weight": "22.5"} for a, b, n, t in (
        ("产出指标", "数量指标", "足额保障率", "=100%"), ("产出指标", "数量指标", "科目调整次数", "≤10次"),
        ("产出指标", "时效指标", "按时发放率", "=100%"),
        ("效益指标", "经济效益指标", "结余率(计算方法为:结余数/预算数)", "≤5%"))],
    "total": {"label": "合计", "weight": "100"}}]}  # fmt: skip


@pytest.mark.parametrize("workers", [1, 2], ids=["in-loop", "workers"])
def test_a_file_the_readers_reject_is_read_by_the_model_and_reviewed(fake_openai, tmp_path, workers):
    """Without the model the excerpt is on the errors sheet; with it, it is a form of the run."""
    model = Model(fake_openai, lambda r: json_reply(FRAGMENT_READING if "足额保障率" in r.body["messages"][1]["content"]
                                                     else READING))
    src, out = folder(tmp_path), tmp_path / "out"
    (src / "zz-fragment.txt").write_bytes(FRAGMENT.read_bytes())
    plain = run_batch(BatchOptions(inputs=[str(src)], out=tmp_path / "plain", progress=False, workers=workers))
    assert plain.errors == 1 and plain.forms == GOOD_FORMS + 1
    result = run_batch(options(fake_openai, src, out, tmp_path / "h", workers=workers))
    assert result.status == "complete" and result.errors == 0 and result.forms == GOOD_FORMS + 2
    assert model.readings() == 2
    [row] = [r for r in sheet(out, "forms") if r["文件"].endswith("zz-fragment.txt")]
    assert row["状态"] == "ok" and (out / row["意见文件"]).is_file()
    assert [r["说明"] for r in sheet(out, "warnings") if r["文件"].endswith("zz-fragment.txt")][0].startswith(
        "model-read: the readers found no form")
    assert run_json(out)["counts"]["model_read"] == 2


def test_the_command_says_a_failed_reading_is_asked_again(fake_openai, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path / "h"))
    for name, value in {"MAX_RETRIES": "0", "RETRY_BACKOFF": "0.001"}.items():
        monkeypatch.setenv(f"REVIEWER_{name}", value)
    Model(fake_openai, lambda _r: error_reply(500, "upstream down"))
    src, out = folder(tmp_path), tmp_path / "out"
    code = main(["batch", str(src), "--out", str(out), "--llm", "--base-url", fake_openai.base_url,
                 "--model", "fake-model", "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert "zz-flat-0.txt: the language model could not read it: HTTP 500: upstream down" in err
    summary = err.strip().splitlines()[-1]
    assert ", 0 files read by the model (1 whose model reading failed: the next run asks again)" in summary


def test_through_workers_the_files_for_the_model_are_read_at_once(fake_openai, tmp_path):
    """Two files for the model, handed back by their workers: the second is sent while the
    first's reply is awaited (each reply waits, up to 20 s, for the other request to come)."""
    import threading

    lock, both, in_flight = threading.Lock(), threading.Event(), [0, 0]  # now, most

    def reading(request):
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            if in_flight[0] == 2:
                both.set()
        both.wait(20)
        with lock:
            in_flight[0] -= 1
        return json_reply(FRAGMENT_READING if "足额保障率" in request.body["messages"][1]["content"] else READING)

    model = Model(fake_openai, reading)
    src, out = folder(tmp_path), tmp_path / "out"
    (src / "zz-fragment.txt").write_bytes(FRAGMENT.read_bytes())
    opts = options(fake_openai, src, out, tmp_path / "h", workers=2)
    opts.settings = opts.settings.model_copy(update={"timeout": 30})
    result = run_batch(opts)
    assert result.status == "complete" and result.errors == 0 and model.readings() == 2
    assert in_flight[1] == 2 and run_json(out)["counts"]["model_read"] == 2
