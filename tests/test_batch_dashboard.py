"""index.html: totals, grade distribution, frequent findings, units, inline SVG charts,
links to every opinion; rendered in headless Chromium when it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from reviewer.batch import BatchOptions, run_batch

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dash") / "out"
    run_batch(BatchOptions(inputs=[str(EXAMPLES)], out=out))
    return out


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.svgs: list[str] = []
        self.bars: dict[str, int] = {}
        self.scripts = 0
        self.external: list[str] = []
        self._svg: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.links.append(a["href"])
        if tag == "svg":
            self._svg = a.get("id")
            self.svgs.append(self._svg)
        if tag == "rect" and a.get("class") == "bar" and self._svg:
            self.bars[self._svg] = self.bars.get(self._svg, 0) + 1
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(a[key])

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg = None


def test_dashboard_has_charts_and_links_to_every_opinion(out):
    html = (out / "index.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    assert {"grade-chart", "declared-grade-chart", "score-chart", "findings-chart", "units-chart"} <= set(page.svgs)
    import openpyxl

    book = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    grades = [row[15] for row in book["forms"].iter_rows(min_row=2, values_only=True)]
    book.close()
    assert page.bars["grade-chart"] == 4 + (None in grades)  # 优 良 中 差, and 未评 when a form has no total
    for grade in ("优", "良", "中", "差"):
        assert f"<title>{grade}: {grades.count(grade)}</title>" in html
    assert page.bars["findings-chart"] == 15 and page.bars["units-chart"] >= 4
    assert page.scripts == 0 and page.external == []
    opinions = [unquote(link) for link in page.links if link.startswith("opinions/")]
    assert len(opinions) == 39 and all((out / link).is_file() for link in opinions)
    assert "summary.xlsx" in page.links and "run.json" in page.links
    assert "深圳市福田区政务服务数据管理局（本级）" in html  # the unit with most forms is ranked
    total_forms = re.search(r"<b>(\d+)</b><span>自评表</span>", html)
    assert total_forms and total_forms.group(1) == "39"


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed")
def test_dashboard_renders_in_headless_chromium_with_the_charts(out, tmp_path):
    pil = pytest.importorskip("PIL.Image")
    shot = tmp_path / "shot.png"
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2400"]  # fmt: skip
    url = (out / "index.html").as_uri()
    dom = subprocess.run([*args, "--dump-dom", url], capture_output=True, text=True, timeout=60)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") >= 5 and 'id="findings-chart"' in dom.stdout
    done = subprocess.run([*args, f"--screenshot={shot}", url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    image = pil.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    counts = {rgb: n for n, rgb in colours}
    # the grade bars (优 green, 差 red) and the findings bars (blue) are painted
    assert counts.get((0x2E, 0x7D, 0x32), 0) > 200
    assert counts.get((0xC6, 0x28, 0x28), 0) > 200
    assert counts.get((0x3B, 0x6E, 0xA8), 0) > 1000


def test_dashboard_names_checks_in_chinese_and_asks_for_chinese_fonts_first(out):
    from reviewer.checks.registry import all_checks

    html = (out / "index.html").read_text(encoding="utf-8")
    checks = all_checks()
    assert "PF401 指标值未量化" in html  # chart label and table row: code and Chinese title
    assert not [c.name for c in checks.values() if c.name in html]  # no kebab names left
    family = re.search(r"body\{font-family:([^;]+);", html)[1].split(",")
    names = [f.strip("'\"") for f in family]
    for font in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei"):
        assert font in names and names.index(font) < names.index("system-ui"), font
    assert names[-1] == "sans-serif"
