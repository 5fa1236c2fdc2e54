"""The workbench (`reviewer serve`) through its HTTP interface: list, decisions, exports, safety.

The run directory is a real batch over the example forms (examples/, public forms); the
browser-driven flow is in tests/test_web_browser.py. Every request goes through the real
Starlette app (TestClient), with its token, host and CSRF checks in place.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
from starlette.testclient import TestClient  # noqa: E402

from conftest import EXAMPLES  # noqa: E402
from reviewer.checks import load_policy, run_checks  # noqa: E402
from reviewer.cli import main  # noqa: E402
from reviewer.drafting.render import fmt_number  # noqa: E402
from reviewer.web.asgi import create_app  # noqa: E402
from reviewer.web.learning import decided_forms  # noqa: E402
from reviewer.web.pages import UPLOAD_LIMIT, Workbench, confidence_label  # noqa: E402
from reviewer.web.run import ListQuery  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from make_corpus import FORMULA, SCRIPT, make_corpus  # noqa: E402

BASE = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def made_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("web") / "run"
    assert main(["batch", str(EXAMPLES), "--out", str(out)]) == 0
    return out


@pytest.fixture
def run(made_run, tmp_path) -> Path:
    """A fresh copy of the run per test: decisions never leak between tests."""
    copy = tmp_path / "run"
    shutil.copytree(made_run, copy)
    return copy


def client(folder: Path, **kwargs) -> tuple[Workbench, TestClient]:
    bench = Workbench(folder)
    return bench, TestClient(create_app(bench, **kwargs), base_url=BASE)


def post(c: TestClient, bench: Workbench, url: str, body: dict):
    return c.post(url, json=body, headers={"X-CSRF-Token": bench.csrf})


def first_cut(bench: Workbench, seq: int = 0):
    loaded = bench.load(bench.key_of(seq), with_source=False)
    return [s for s in loaded.decided.suggestions if s.is_cut], loaded.decided


def test_the_list_filters_sorts_searches_and_pages(run):
    bench, c = client(run)
    page = c.get("/").text
    assert "共 39 张表符合条件" in page and "深圳市福田区信访局（本级）" in page
    cut = c.get("/?cut=1").text
    assert "信息化运维项目" in cut and "共 39 张表" not in cut
    searched = c.get("/", params={"q": "丰台"}).text
    assert "北京市丰台区信访办公室" in searched and "深圳市福田区信访局" not in searched
    by_cut = c.get("/?sort=cut&desc=1").text
    assert by_cut.index("信息化运维项目") < by_cut.index("离退休干部节日慰问金")  # 1 point cut before none
    rows = bench.run().forms(ListQuery(page=2), page_size=10)
    assert rows.total == 39 and rows.pages == 4 and [r.seq for r in rows.rows] == list(range(10, 20))
    assert c.get("/?sort=nonsense;DROP&page=x").status_code == 200  # unknown sort and page fall back


def test_decisions_are_saved_at_once_and_survive_a_restart(run):
    bench, c = client(run)
    cuts, before = first_cut(bench)
    accept, reject = cuts[0], cuts[1] if len(cuts) > 1 else None
    assert post(c, bench, "/api/decide", {"seq": 0, "item": accept.item, "verdict": "accepted"}).status_code == 200
    comment = before.suggestions[-1]
    assert post(c, bench, "/api/decide", {"seq": 0, "item": comment.item, "verdict": "edited", "text": "改写后的意见"}).status_code == 200
    assert post(c, bench, "/api/opinion", {"seq": 0, "text": "审核人员写的意见。"}).status_code == 200
    bench.store.close()
    bench, c = client(run)  # a new server on the same folder
    d = bench.load(bench.key_of(0), with_source=False).decided
    assert d.suggestions[accept.ord].verdict == "accepted" and d.suggestions[comment.ord].text == "改写后的意见"
    assert d.opinion == "审核人员写的意见。" and bench.store.status(bench.key_of(0)) == "in_progress"
    page = c.get("/form/0").text
    assert "改写后的意见" in page and "审核人员写的意见。" in page and "已采纳" in page
    assert reject is None or d.suggestions[reject.ord].verdict is None


def test_a_rejected_cut_gives_the_declared_score_back_and_an_edited_one_its_own(run):
    bench, c = client(run)
    cuts, d = first_cut(bench)
    cut = cuts[0]
    row = next(r for r in d.rows if r.row.index == cut.comment.indicator_index)
    for s in d.suggestions:  # decide every cut on the form: the total is then decided
        if s.is_cut and s.ord != cut.ord:
            post(c, bench, "/api/decide", {"seq": 0, "item": s.item, "verdict": "accepted"})
    reply = post(c, bench, "/api/decide", {"seq": 0, "item": cut.item, "verdict": "rejected", "reason": "单位已说明"}).json()
    assert reply["cells"][f"decided-{row.row.index + 1}"] == [fmt_number(row.row.score), False]
    rejected = bench.load(bench.key_of(0), with_source=False).decided
    assert next(r for r in rejected.rows if r.row.index == row.row.index).decided == row.row.score
    post(c, bench, "/api/decide", {"seq": 0, "item": cut.item, "verdict": "edited", "text": cut.comment.text, "score": "3"})
    edited = bench.load(bench.key_of(0), with_source=False).decided
    assert next(r for r in edited.rows if r.row.index == row.row.index).decided == 3
    expected = round(d.review.suggested_total + 3 - row.row.suggested_score, 2)
    assert edited.total == pytest.approx(expected)
    assert edited.total_decided and not edited.complete  # every cut decided, comments still open
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(c.get("/export.xlsx").content))
    assert list(book["表"].iter_rows(values_only=True))[1][7] == pytest.approx(expected)  # a decided total, unmarked


def test_own_cut_on_a_row_lowers_its_decided_score(run):
    bench, c = client(run)
    _, d = first_cut(bench)
    row = d.rows[-1]
    assert post(c, bench, "/api/own", {"seq": 0, "index": str(row.row.index), "text": "佐证材料不足", "score": "0"}).status_code == 200
    after = bench.load(bench.key_of(0), with_source=False).decided
    assert after.own[0].text == "佐证材料不足" and after.rows[-1].decided == (0 if not after.rows[-1].unreviewed else None)
    assert "佐证材料不足" in c.get("/form/0").text


def test_every_change_needs_the_csrf_token_and_a_same_origin(run):
    bench, c = client(run)
    body = {"seq": 0, "item": "comment:0", "verdict": "accepted"}
    assert c.post("/api/decide", json=body).status_code == 403
    assert c.post("/api/decide", json=body, headers={"X-CSRF-Token": "guess"}).status_code == 403
    cross = c.post("/api/decide", json=body, headers={"X-CSRF-Token": bench.csrf, "Origin": "http://evil.example"})
    assert cross.status_code == 403
    assert c.post("/api/decide", content="seq=0", headers={"X-CSRF-Token": bench.csrf,
                  "Content-Type": "application/x-www-form-urlencoded"}).status_code == 400  # fmt: skip
    assert c.post("/upload", files={"files": ("a.txt", b"x")}, data={"csrf": "guess"}).status_code == 403
    assert bench.store.decisions(bench.key_of(0)) == {}


def test_a_token_is_required_beyond_loopback_and_the_host_is_checked_on_it(run):
    bench, c = client(run, token="s3cret", loopback=False)
    assert c.get("/").status_code == 403 and c.get("/form/0").status_code == 403
    assert c.get("/?token=s3cret", follow_redirects=False).status_code == 303  # sets the cookie
    assert c.get("/form/0").status_code == 200  # the cookie now
    bench, local = client(run)
    assert local.get("/", headers={"Host": "evil.example:8765"}).status_code == 400  # DNS rebinding


def test_no_path_outside_the_run_is_served(run):
    _, c = client(run)
    assert c.get("/run/index.html").status_code == 200  # the batch's dashboard
    for path in ("/run/../state.sqlite", "/run/%2e%2e/%2e%2e/etc/passwd", "/run/state.sqlite", "/run//etc/passwd",
                 "/run/decisions.sqlite", "/static/../pages.py", "/form/99999", "/form/abc"):
        reply = c.get(path)
        assert reply.status_code in (400, 404), path
        assert "Traceback" not in reply.text and "root:" not in reply.text


def test_exports_hold_what_was_decided_and_mark_the_rest(run):
    docx = pytest.importorskip("docx")
    openpyxl = pytest.importorskip("openpyxl")
    bench, c = client(run)
    cuts, d = first_cut(bench)
    post(c, bench, "/api/decide", {"seq": 0, "item": cuts[0].item, "verdict": "edited", "text": "扣分改为2分", "score": "2"})
    post(c, bench, "/api/opinion", {"seq": 0, "text": "同意审核意见，扣分如下。"})
    document = docx.Document(io.BytesIO(c.get("/export.docx").content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "同意审核意见，扣分如下。" in text and "【已修改】扣分改为2分" in text and "【未审核】" in text
    assert "审定得分：" in text and "复核建议得分" not in text
    table = document.tables[0]
    assert table.rows[0].cells[-1].text == "审定得分"
    row = cuts[0].comment.indicator_index
    assert table.rows[row + 1].cells[-1].text == "2"
    assert document.sections[0].page_width.mm == pytest.approx(210, abs=0.5)
    book = openpyxl.load_workbook(io.BytesIO(c.get("/export.xlsx").content))
    forms = list(book["表"].iter_rows(values_only=True))
    assert forms[0][5:8] == ("自评得分", "建议得分", "审定得分") and len(forms) == 2  # only the reviewed form
    assert "未审核" in str(forms[1][7])  # other cuts still open: the total says so
    rows = [r for r in book["指标"].iter_rows(values_only=True) if r[2] == row + 1]
    assert rows[0][7] == 2 and rows[0][6] == cuts[0].comment.suggested_score
    everything = openpyxl.load_workbook(io.BytesIO(c.get("/export.xlsx?all=1").content))
    assert everything["表"].max_row == 40


def test_hostile_forms_show_as_text_and_export_as_text(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, bomb_size=1 << 16)
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("injection-shenzhen.txt", "injection-tabular.txt", "binary.txt", "broken.xlsx"):
        shutil.copy(corpus / "files" / name, inputs / name)
    shutil.copy(corpus / "files" / "injection-tabular.txt", inputs / "<script>x<\\script> ..\\..\\=1+1.txt")
    out = tmp_path / "run"
    main(["batch", str(inputs), "--out", str(out)])
    bench, c = client(out)
    listing = c.get("/").text
    assert "<script>x" not in listing
    assert "binary.txt" in listing and "broken.xlsx" in listing  # the unreadable files say why
    pages = [c.get(f"/form/{seq}") for seq in range(0, 14)]
    texts = [p.text for p in pages if p.status_code == 200]
    assert texts and not any(SCRIPT in t or "<img src=x" in t for t in texts)
    assert any("&lt;script&gt;alert(" in t for t in texts)
    assert any("&lt;script&gt;x&lt;\\script&gt; ..\\..\\=1+1.txt" in t for t in texts)  # the path-like name, as text
    assert not any("<script>x" in t for t in texts)
    assert all("Traceback" not in p.text for p in pages)
    bench.store.set_status(bench.key_of(0), "in_progress")
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(c.get("/export.xlsx?all=1").content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert any(isinstance(cell.value, str) and FORMULA.replace(" ", "")[:10] in cell.value.replace(" ", "") for cell in cells)


def test_uploads_stay_inside_the_run_and_are_limited(run, tmp_path):
    reviewed = []
    bench = Workbench(run, review_uploads=lambda folder: reviewed.append(folder) or "审核了")
    c = TestClient(create_app(bench), base_url=BASE)
    form = (EXAMPLES / "004_e84bdc6c9b3e6332.txt").read_bytes()
    files = [("files", ("../../outside.txt", form)), ("files", ("evil.exe", b"MZ")),
             ("files", ("big.txt", b"0" * (UPLOAD_LIMIT + 1)))]  # fmt: skip
    reply = c.post("/upload", files=files, data={"csrf": bench.csrf}, follow_redirects=False)
    assert reply.status_code == 303
    assert (run / "uploads" / "outside.txt").read_bytes() == form
    assert not (run.parent / "outside.txt").exists() and not (tmp_path.parent / "outside.txt").exists()
    assert sorted(p.name for p in (run / "uploads").iterdir()) == ["outside.txt"]
    assert reviewed == [run.resolve() / "uploads"]
    page = c.get("/").text
    assert "evil.exe：不支持的文件类型" in page and "big.txt：超过 20 MB" in page


def test_a_form_that_cannot_be_shown_says_why(run):
    import sqlite3

    db = sqlite3.connect(run / "state.sqlite")
    key = db.execute("SELECT key FROM entries WHERE seq = 1").fetchone()[0]
    db.execute("UPDATE results SET status = 'error', error = 'could not be reviewed: 表格损坏', opinion = NULL WHERE key = ?", (key,))
    db.commit()
    db.close()
    _, c = client(run)
    page = c.get("/form/1")
    assert "表格损坏" in page.text and "Traceback" not in page.text
    assert "无法审核：could not be reviewed: 表格损坏" in c.get("/").text


def test_calibration_from_decisions_reproduces_them(run, tmp_path):
    """Reject every cut of one check, accept the others as suggested: the policy learned from
    the decisions makes no cut for the rejected check and the accepted cuts as decided."""
    bench, c = client(run)
    rejected_check = "PF401"
    decided: list[tuple[str, int | None, str, float | None]] = []
    for seq in range(39):
        cuts, _ = first_cut(bench, seq)
        for s in cuts:
            verdict = "rejected" if rejected_check in s.comment.check_codes else "accepted"
            post(c, bench, "/api/decide", {"seq": seq, "item": s.item, "verdict": verdict})
            decided.append((bench.key_of(seq), s.comment.indicator_index, verdict, s.comment.suggested_score,
                            tuple(s.comment.check_codes)))  # fmt: skip
    assert any(v == "rejected" for _, _, v, _, _ in decided) and any(v == "accepted" for _, _, v, _, _ in decided)
    policy = tmp_path / "policy.toml"
    assert main(["calibrate", "--from-decisions", str(run), "--out", str(policy), "--cv", "0"]) == 0
    forms, problems = decided_forms(run)
    assert problems == [] and len(forms) == len({k for k, *_ in decided})  # the forms with decisions
    learned = load_policy(policy)
    by_key = {}
    for key in {k for k, *_ in decided}:
        loaded = bench.load(key)
        by_key[key] = run_checks(loaded.source, policy=learned)
    for key, row, verdict, score, codes in decided:
        findings = [f for f in by_key[key].findings if f.check in codes and f.indicator_index == row]
        assert findings, (key, row, codes)
        if verdict == "rejected":
            assert all(f.suggested_score is None for f in findings), (key, row, codes)
        else:
            assert any(f.suggested_score == pytest.approx(score) for f in findings), (key, row, codes, score)
    page = c.get("/checks").text
    assert rejected_check in page and "不采纳" in page


def test_each_reason_phrase_reads_back_as_its_reason():
    from reviewer.domain.reasons import keyword_reason
    from reviewer.web.learning import REASON_PHRASES, remark_for

    for reason, phrase in REASON_PHRASES.items():
        assert keyword_reason(phrase) == reason
        # a template text whose own words would read as another reason
        assert keyword_reason(remark_for(reason, "指标值设置不合理，且与其他指标重复")) == reason
    assert remark_for(None, "自己写的理由") == "自己写的理由"


def _wait_for(url: str, proc, seconds: float = 60) -> str:
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"reviewer serve ended: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return reply.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_reviewer_serve_reviews_the_forms_given_then_serves_them_and_reviews_uploads(tmp_path):
    """The real command in a child process: forms on the command line are reviewed into the
    run directory, the page lists them, and a file dropped on the page joins the same run."""
    import re
    import socket
    import subprocess
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "reviewer", "serve", str(EXAMPLES / "000_227770587c716576.txt"),
                             "--out", str(out), "--port", str(port)], stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/", proc)
        assert "共 4 张表符合条件" in page and (out / "state.sqlite").is_file()
        csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        boundary = "----reviewer-test"
        form = (EXAMPLES / "004_e84bdc6c9b3e6332.txt").read_bytes()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"report.txt\"\r\n"
                "Content-Type: text/plain\r\n\r\n").encode() + form + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
        request = urllib.request.Request(f"http://127.0.0.1:{port}/upload", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=120) as reply:
            listing = reply.read().decode("utf-8")
        assert "共 5 张表符合条件" in listing and "已上传 1 个文件；审核了 5 张表" in listing
        assert (out / "uploads" / "report.txt").read_bytes() == form
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_status_of_a_form_is_kept_and_counted(run):
    bench, c = client(run)
    assert post(c, bench, "/api/status", {"seq": 2, "status": "done"}).json()["status"] == ["done", "已完成"]
    assert post(c, bench, "/api/status", {"seq": 2, "status": "deleted"}).status_code == 400
    page = c.get("/?status=done").text
    assert "共 1 张表符合条件" in page and "其他一般管理事务" in page and "已完成 1" in page


def test_an_upload_is_not_reviewed_when_the_runs_own_inputs_are_gone(run):
    """A batch given only the uploads would forget the run's other forms: refused, and said."""
    import json

    from reviewer.serve_cli import _uploads_reviewer

    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    record["inputs"] = [str(run / "moved-away")]
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    (run / "uploads").mkdir()
    message = _uploads_reviewer(run)(run / "uploads")
    assert "moved-away 不在原处" in message
    bench, c = client(run)
    assert "共 39 张表符合条件" in c.get("/").text


def test_each_cut_says_how_sure_the_policy_is(run):
    """A cut's card carries its finding's confidence: 有争议 for the flaws the default policy
    marks contested, nothing for a comment without a cut."""
    bench, c = client(run)
    contested = {code for code, s in load_policy(None).checks.items() if s.contested}
    seen = set()
    for key in bench.run().keys():
        loaded = bench.load(key, with_source=False)
        for s in loaded.decided.suggestions:
            label = confidence_label(s.confidence)
            if not s.is_cut:
                assert s.confidence is None
                continue
            assert s.confidence is not None, s.comment.check_codes
            marked = label is not None and "有争议" in label["text"]
            assert marked == bool(contested & set(s.comment.check_codes)), (s.comment.check_codes, label)
            seen.add(marked)
    assert seen == {True, False}
    page = c.get("/form/0").text
    assert "surebadge" in page or not first_cut(bench)[0]
