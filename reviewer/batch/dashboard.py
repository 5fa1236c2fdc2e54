"""index.html: the overview a reviewer opens first — totals, grades, frequent findings,
units ranked by issues, the score distribution, and a link to every form's opinion.

One static page: charts are inline SVG drawn here, no JavaScript and no network.
Everything is read from the run state with aggregate queries, in a fixed order, and
nothing time-dependent is written, so the same inputs give the same page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reviewer.batch.state import RunState
from reviewer.checks.registry import all_checks

GRADES = ("优", "良", "中", "差")
GRADE_COLOURS = {"优": "#2e7d32", "良": "#689f38", "中": "#f9a825", "差": "#c62828", "未评": "#9e9e9e"}
BAR = "#3b6ea8"
TOP_FINDINGS = 15
TOP_UNITS = 20

# Chinese fonts first, for every platform a reviewer uses (macOS, Windows, Linux), so that
# no text falls back to a font without CJK glyphs; the page and its SVG charts share it.
CJK_FONTS = ("'PingFang SC','Hiragino Sans GB','Microsoft YaHei','微软雅黑','Noto Sans CJK SC','Noto Sans SC',"
             "'Source Han Sans SC','Source Han Sans CN','WenQuanYi Micro Hei','SimHei',system-ui,sans-serif")
CSS = """
body{font-family:""" + CJK_FONTS + """;margin:0;color:#222;background:#f6f7f9}
header{background:#24405f;color:#fff;padding:1.2rem 2rem}header h1{margin:0;font-size:1.5rem}
header p{margin:.3rem 0 0;opacity:.85}
main{max-width:72rem;margin:0 auto;padding:1rem 2rem 3rem}
section{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:1rem 1.4rem;margin:1rem 0}
h2{font-size:1.15rem;margin:.2rem 0 .8rem}
.tiles{display:flex;flex-wrap:wrap;gap:.8rem}
.tile{flex:1 1 9rem;background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:.7rem 1rem}
.tile b{display:block;font-size:1.6rem}.tile span{color:#555;font-size:.9rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:0 1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f3f7;position:sticky;top:0}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-family:inherit}.muted{color:#777}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _text_width(text: str, size: float = 12) -> float:
    """Rough rendered width: CJK characters are about one em, others about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _clip(text: str, limit: float, size: float = 12) -> str:
    if _text_width(text, size) <= limit:
        return text
    out = ""
    for ch in text:
        if _text_width(out + ch + "…", size) > limit:
            break
        out += ch
    return out + "…"


def hbar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float, str]], colour: str = BAR) -> str:
    """Horizontal bars: (label, value, tooltip)."""
    if not items:
        return f'<p class="muted" id="{chart_id}">（无数据）</p>'
    row, label_w, width = 24, min(260.0, max(_text_width(lab) for lab, _, _ in items) + 12), 720
    plot_w = width - label_w - 60
    top = max(v for _, v, _ in items) or 1
    height = row * len(items) + 10
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" aria-label="{_e(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, (label, value, tip) in enumerate(items):
        y = 5 + i * row
        w = max(1.0, plot_w * value / top)
        parts.append(
            f'<g><title>{_e(tip)}</title>'
            f'<text x="{label_w - 8:.0f}" y="{y + 16}" font-size="12" text-anchor="end">{_e(_clip(label, label_w - 12))}</text>'
            f'<rect class="bar" x="{label_w:.0f}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="12">{_fmt(value, 0)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def vbar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float, str]], colours: Sequence[str] | None = None) -> str:
    """Vertical bars: (label, value, colour-or-empty)."""
    if not items or not any(v for _, v, _ in items):
        return f'<p class="muted" id="{chart_id}">（无数据）</p>'
    width, height, base, left = 460, 240, 200, 30
    slot = (width - left - 10) / len(items)
    top = max(v for _, v, _ in items) or 1
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" aria-label="{_e(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#999"/>',
    ]
    for i, (label, value, colour) in enumerate(items):
        h = (base - 20) * value / top
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        parts.append(
            f'<g><title>{_e(label)}: {_fmt(value, 0)}</title>'
            f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour or BAR}"/>'
            f'<text x="{x + w / 2:.1f}" y="{base - h - 4:.1f}" font-size="12" text-anchor="middle">{_fmt(value, 0)}</text>'
            f'<text x="{x + w / 2:.1f}" y="{base + 16}" font-size="12" text-anchor="middle">{_e(label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _tile(value: Any, label: str) -> str:
    return f'<div class="tile"><b>{_fmt(value)}</b><span>{_e(label)}</span></div>'


def opinion_href(name: str, suffix: str = ".html") -> str:
    return "opinions/" + quote(name + suffix)


def collect(state: RunState) -> dict[str, Any]:
    """The figures the page shows, from aggregate queries on this invocation's entries."""
    q, one = state.query, state.scalar
    joined = "FROM entries e JOIN results r ON r.key = e.key"
    d: dict[str, Any] = {}
    d["forms"] = one(f"SELECT COUNT(*) {joined} WHERE r.status != 'error'") or 0
    d["files"] = one("SELECT COUNT(DISTINCT label) FROM (SELECT label FROM entries UNION SELECT label FROM errors)") or 0
    d["error_files"] = one("SELECT COUNT(DISTINCT label) FROM errors WHERE form_index IS NULL") or 0
    d["error_rows"] = len(list(state.iter_errors()))
    sev = dict(q(f"SELECT f.severity, COUNT(*) {joined} JOIN findings f ON f.key = e.key GROUP BY f.severity"))
    d["severity"] = sev
    d["findings"] = sum(sev.values())
    d["comments"] = one(f"SELECT COALESCE(SUM(r.n_comments), 0) {joined}") or 0
    d["llm_comments"] = one(f"SELECT COALESCE(SUM(r.n_llm_comments), 0) {joined}") or 0
    d["cut_forms"] = one(
        f"SELECT COUNT(*) {joined} WHERE r.declared_total IS NOT NULL AND r.suggested_total IS NOT NULL "
        "AND r.suggested_total < r.declared_total - 0.005"
    ) or 0
    d["avg_declared"] = one(f"SELECT AVG(r.declared_total) {joined}")
    d["avg_suggested"] = one(f"SELECT AVG(r.suggested_total) {joined}")
    d["budget"] = one(f"SELECT SUM(r.annual_budget) {joined}")
    d["executed"] = one(f"SELECT SUM(r.executed) {joined}")
    grades = dict(q(f"SELECT COALESCE(r.grade, '未评'), COUNT(*) {joined} WHERE r.status != 'error' GROUP BY 1"))
    d["grades"] = [(g, grades.get(g, 0)) for g in (*GRADES, "未评") if g in GRADES or grades.get(g)]
    declared = dict(q(
        f"SELECT CASE WHEN r.declared_total >= 90 THEN '优' WHEN r.declared_total >= 80 THEN '良' "
        f"WHEN r.declared_total >= 60 THEN '中' ELSE '差' END, COUNT(*) {joined} "
        "WHERE r.declared_total IS NOT NULL GROUP BY 1"
    ))  # fmt: skip
    d["declared_grades"] = [(g, declared.get(g, 0)) for g in GRADES]
    titles = {code: c.title for code, c in all_checks().items()}
    d["top_findings"] = [
        (code, titles.get(code) or name, n, forms, example)
        for code, name, n, forms, example in q(
            f"SELECT f.check_id, f.name, COUNT(*), COUNT(DISTINCT e.seq), MIN(f.message) {joined} "
            "JOIN findings f ON f.key = e.key GROUP BY f.check_id, f.name ORDER BY 3 DESC, 1 LIMIT ?",
            (TOP_FINDINGS,),
        )
    ]
    d["units"] = q(
        f"SELECT COALESCE(r.unit, '（未写明单位）'), COUNT(*), SUM(r.n_findings), SUM(r.n_errors), SUM(r.n_cuts), "
        f"AVG(r.declared_total), AVG(r.suggested_total) {joined} WHERE r.status != 'error' "
        "GROUP BY 1 ORDER BY 3 DESC, 4 DESC, 1 LIMIT ?",
        (TOP_UNITS,),
    )
    bins = dict(q(
        f"SELECT MIN(CAST(r.suggested_total / 10 AS INTEGER), 9), COUNT(*) {joined} "
        "WHERE r.suggested_total IS NOT NULL GROUP BY 1"
    ))  # fmt: skip
    d["score_bins"] = [(f"{b * 10}–{b * 10 + 9 if b < 9 else 100}", bins.get(b, 0)) for b in range(10)]
    return d


def render(state: RunState, title: str = "绩效自评表审核汇总", opinion_suffix: str = ".html") -> str:
    d = collect(state)
    out: list[str] = [
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_e(title)}</title>\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(title)}</h1><p>{_fmt(d['forms'])} 张自评表 · {_fmt(d['files'])} 个文件 · "
        f"{_fmt(d['findings'])} 个问题</p></header>\n<main>\n"
    ]
    out.append('<section id="totals"><h2>总体情况</h2><div class="tiles">')
    out += [
        _tile(d["forms"], "自评表"),
        _tile(d["files"], "文件"),
        _tile(d["error_rows"], "无法读取（见 summary.xlsx errors 表）"),
        _tile(d["findings"], "问题"),
        _tile(d["severity"].get("error", 0), "错误"),
        _tile(d["severity"].get("warning", 0), "警告"),
        _tile(d["cut_forms"], "建议扣分的表"),
        _tile(d["comments"], "审核意见"),
        _tile(None if d["avg_declared"] is None else round(d["avg_declared"], 2), "平均自评分"),
        _tile(None if d["avg_suggested"] is None else round(d["avg_suggested"], 2), "平均建议分"),
    ]
    if d["budget"]:
        rate = (d["executed"] or 0) / d["budget"] * 100
        out.append(_tile(round(rate, 2), "总体预算执行率(%)"))
    out.append("</div></section>\n")

    grade_items = [(g, float(n), GRADE_COLOURS.get(g, BAR)) for g, n in d["grades"]]
    declared_items = [(g, float(n), GRADE_COLOURS[g]) for g, n in d["declared_grades"]]
    out.append('<div class="grid"><section id="grades"><h2>建议等级分布</h2>')
    out.append(vbar_chart("grade-chart", "建议等级分布", grade_items))
    out.append('</section><section id="declared-grades"><h2>自评等级分布（按自评总分）</h2>')
    out.append(vbar_chart("declared-grade-chart", "自评等级分布", declared_items))
    out.append("</section></div>\n")

    out.append('<section id="scores"><h2>建议总分分布</h2>')
    out.append(vbar_chart("score-chart", "建议总分分布", [(b, float(n), "") for b, n in d["score_bins"]]))
    out.append("</section>\n")

    out.append('<section id="findings"><h2>最常见的问题</h2>')
    out.append(
        hbar_chart(
            "findings-chart",
            "最常见的问题",
            [(f"{code} {name}", float(n), f"{code} {name}: {n} 次，{forms} 张表。例：{example}")
             for code, name, n, forms, example in d["top_findings"]],
        )
    )  # fmt: skip
    if d["top_findings"]:
        out.append('<table><tr><th>代码</th><th>检查</th><th class="n">次数</th><th class="n">涉及表数</th><th>示例</th></tr>')
        for code, name, n, forms, example in d["top_findings"]:
            out.append(
                f'<tr><td>{_e(code)}</td><td>{_e(name)}</td><td class="n">{_fmt(n)}</td>'
                f'<td class="n">{_fmt(forms)}</td><td>{_e(example)}</td></tr>'
            )
        out.append("</table>")
    out.append("</section>\n")

    out.append('<section id="units"><h2>问题最多的单位</h2>')
    out.append(
        hbar_chart(
            "units-chart",
            "问题最多的单位",
            [(unit, float(findings or 0), f"{unit}: {forms} 张表，{findings} 个问题，{errors} 个错误")
             for unit, forms, findings, errors, *_ in d["units"]],
            colour="#a85b3b",
        )
    )  # fmt: skip
    if d["units"]:
        out.append(
            '<table><tr><th>单位</th><th class="n">表数</th><th class="n">问题</th><th class="n">错误</th>'
            '<th class="n">扣分项</th><th class="n">平均自评分</th><th class="n">平均建议分</th></tr>'
        )
        for unit, forms, findings, errors, cuts, avg_d, avg_s in d["units"]:
            out.append(
                f'<tr><td>{_e(unit)}</td><td class="n">{_fmt(forms)}</td><td class="n">{_fmt(findings)}</td>'
                f'<td class="n">{_fmt(errors)}</td><td class="n">{_fmt(cuts)}</td>'
                f'<td class="n">{_fmt(None if avg_d is None else round(avg_d, 2))}</td>'
                f'<td class="n">{_fmt(None if avg_s is None else round(avg_s, 2))}</td></tr>'
            )
        out.append("</table>")
    out.append("</section>\n")

    out.append('<section id="forms"><h2>各表审核意见</h2>')
    out.append(
        '<table><tr><th class="n">#</th><th>单位</th><th>项目</th><th>项目编码</th><th class="n">自评分</th>'
        '<th class="n">建议分</th><th>等级</th><th class="n">问题</th><th>审核意见</th></tr>'
    )
    for r in state.iter_forms():
        if r["status"] == "error":
            continue
        out.append(
            f'<tr><td class="n">{r["seq"] + 1}</td><td>{_e(r["unit"])}</td><td>{_e(r["project"])}</td>'
            f'<td>{_e(r["code"])}</td><td class="n">{_fmt(r["declared_total"])}</td>'
            f'<td class="n">{_fmt(r["suggested_total"])}</td><td>{_e(r["grade"])}</td>'
            f'<td class="n">{_fmt(r["n_findings"])}</td>'
            f'<td><a href="{_e(opinion_href(r["name"], opinion_suffix))}">{_e(r["name"])}</a></td></tr>'
        )
    out.append("</table></section>\n")
    out.append(
        '<p class="muted">完整数据见 <a href="summary.xlsx">summary.xlsx</a>（forms / findings / comments / errors 四张表），'
        '运行信息见 <a href="run.json">run.json</a>。</p>\n</main>\n</body>\n</html>\n'
    )
    return "".join(out)


def write_dashboard(state: RunState, path: Path, **kwargs: Any) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(render(state, **kwargs), encoding="utf-8")
    tmp.replace(path)
