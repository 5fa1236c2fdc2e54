"""`reviewer batch --llm --batch-api` with a file the readers cannot place: the model reads
it live in the Batch API's recording pass (a reading is one request, not worth a batch), and
its drafts go through the Batch API with the others. Against the loopback /v1/files +
/v1/batches server (tests/fake_batch_api.py); the folder and the scripted reading are
tests/test_batch_model_read.py's (the real flattened form of chacewang.com)."""

from __future__ import annotations

from fake_batch_api import fake_batch_api  # noqa: F401 - fixture
from fake_openai import CHAT_PATH
from test_batch_model_read import GOOD_FORMS, Model, flat_rows, folder, model_read_warnings, options, run_json

from reviewer.batch import run_batch


def batched_drafts(fake) -> int:
    """How many request lines the run uploaded as Batch API input files."""
    return sum(data.count(b'"custom_id"') for data in fake.files.values() if b'"url"' in data)


def test_the_model_reads_live_and_every_draft_goes_through_the_batch_api(fake_batch_api, tmp_path):
    model = Model(fake_batch_api)
    src, out = folder(tmp_path), tmp_path / "out"
    result = run_batch(options(fake_batch_api, src, out, tmp_path / "h", batch_api=True, poll_interval=0.01))
    assert result.status == "complete" and result.forms == GOOD_FORMS + 1 and result.errors == 0
    live = fake_batch_api.bodies(CHAT_PATH)
    assert [b["response_format"]["json_schema"]["name"] for b in live] == ["ModelReading"]  # read once, live
    assert batched_drafts(fake_batch_api) == GOOD_FORMS + 1  # the model-read form's draft is batched too
    [row] = flat_rows(out)
    assert row["状态"] == "ok" and row["全年预算数(元)"] == 200000 and row["自评总分"] == 100
    assert model_read_warnings(out)
    counts = run_json(out)["counts"]
    assert (counts["model_read"], counts["model_read_failed"]) == (1, 0)
    assert run_json(out)["batch_api"]["batches"][0]["succeeded"] == GOOD_FORMS + 1

    again = run_batch(options(fake_batch_api, src, out, tmp_path / "h2", batch_api=True, poll_interval=0.01))
    assert again.status == "complete" and again.reviewed == 0 and again.reused == GOOD_FORMS + 1
    assert model.readings() == 1 and batched_drafts(fake_batch_api) == GOOD_FORMS + 1  # nothing asked again
