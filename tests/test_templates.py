"""One rendering path: every HTML page comes from reviewer/templates, on one base layout
with one CJK font stack, autoescaped; each page renders in headless Chromium; the batch's
config hash follows the templates an opinion is made from, and only those."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES

from reviewer import templates
from reviewer.batch import BatchOptions, fingerprint, run_batch
from reviewer.drafting.drafter import review_form
from reviewer.drafting.opinion import to_html, to_markdown
from reviewer.evaluation.report import render_html
from reviewer.extract import extract_paths

SHENZHEN = EXAMPLES / "000_227770587c716576.txt"
HOSTILE = '<script>alert("x")</script>&<b>'


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The opinion page, the dashboard and the evaluation report of the same seed file, with
    a hostile project name in the form."""
    folder = tmp_path_factory.mktemp("pages")
    src = folder / "in"
    src.mkdir()
    text = SHENZHEN.read_text(encoding="utf-8")
    name = extract_paths([SHENZHEN]).forms[0].name
    (src / "form.txt").write_text(text.replace(name, name + HOSTILE, 1), encoding="utf-8")
    run_batch(BatchOptions(inputs=[str(src)], out=folder / "out", progress=False))
    opinions = sorted((folder / "out" / "opinions").glob("*.html"))
    from reviewer.cli import main

    assert main(["eval", str(SHENZHEN), "--format", "html", "--out", str(folder / "eval.html"), "--no-log",
                 "--draws", "20"]) == 0  # fmt: skip
    hostile = next(p for p in opinions if "&lt;script&gt;" in p.read_text(encoding="utf-8"))
    return {"opinion": hostile, "dashboard": folder / "out" / "index.html", "report": folder / "eval.html"}


def _font_stack(page: str) -> str:
    return re.search(r"body\{font-family:([^;]+);", page).group(1)


def test_every_page_has_the_one_font_stack_from_the_base_layout(pages):
    base = (templates.TEMPLATES_DIR / "base.css").read_text(encoding="utf-8")
    stack = _font_stack(base)
    for kind, path in pages.items():
        page = path.read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>"), kind
        assert _font_stack(page) == stack, kind
        assert page.count("font-family:") == base.count("font-family:"), kind  # no page sets its own
    for source in templates.TEMPLATES_DIR.rglob("*.j2"):
        assert "font-family" not in source.read_text(encoding="utf-8"), source.name


def test_form_text_is_escaped_in_the_html_and_kept_as_written_in_the_markdown(pages):
    for kind in ("opinion", "dashboard"):
        page = pages[kind].read_text(encoding="utf-8")
        assert "<script>" not in page, kind
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;" in page, kind
    form = extract_paths([pages["opinion"].parents[2] / "in" / "form.txt"]).forms[0]
    assert HOSTILE in form.name
    review = review_form(form)
    assert HOSTILE in to_markdown([review]) and HOSTILE not in to_html([review])


def test_the_report_escapes_what_it_shows():
    result = {
        "pipeline": "<i>checks</i>", "dataset": {"forms": 1, "files": 1, "indicators": 1, "human_cuts": 0},
        "bootstrap": {"draws": 1, "seed": 0}, "metrics": {}, "ci95": {}, "counts": {}, "confusion": [[1, 0], [0, 0]],
        "errors": ["<b>a.txt</b>: cannot read"],
    }  # fmt: skip
    page = render_html(result, log_path="<log>")
    assert "<i>" not in page and "<b>a.txt" not in page and "<log>" not in page
    assert "&lt;i&gt;checks&lt;/i&gt;" in page and "<li>&lt;b&gt;a.txt&lt;/b&gt;: cannot read</li>" in page


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed")
@pytest.mark.parametrize("kind", ["opinion", "dashboard", "report"])
def test_each_page_renders_in_headless_chromium(pages, kind, tmp_path):
    pil = pytest.importorskip("PIL.Image")
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600"]  # fmt: skip
    url = pages[kind].as_uri()
    dom = subprocess.run([*args, "--dump-dom", url], capture_output=True, text=True, timeout=60)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<table" in dom.stdout and "<script" not in dom.stdout
    shot = tmp_path / "shot.png"
    done = subprocess.run([*args, f"--screenshot={shot}", url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    image = pil.open(shot).convert("L")
    dark = sum(image.histogram()[:100])
    assert dark > 5000  # text and table rules are painted, not a blank page


def test_the_config_hash_follows_the_opinion_templates_and_not_the_others(tmp_path, monkeypatch):
    copy = tmp_path / "templates"
    shutil.copytree(templates.TEMPLATES_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))

    def hash_with(edit: str | None) -> str:
        if edit:
            path = copy / edit
            path.write_text(path.read_text(encoding="utf-8") + "\n{# edited #}\n", encoding="utf-8")
        monkeypatch.setattr(templates, "TEMPLATES_DIR", copy)
        templates.environment.cache_clear()
        try:
            return fingerprint.templates_hash()
        finally:
            monkeypatch.undo()
            templates.environment.cache_clear()

    before = hash_with(None)
    assert hash_with("dashboard.html.j2") == before
    assert hash_with("eval_report.html.j2") == before
    assert hash_with("partials/charts.svg.j2") == before
    changed = hash_with("partials/indicators.html.j2")
    assert changed != before
    assert hash_with("base.css") != changed
    assert fingerprint.templates_hash() == fingerprint.templates_hash()
