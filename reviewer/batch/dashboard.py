"""index.html: the overview a reviewer opens first — totals, grades, frequent findings,
units ranked by issues, the score distribution, and a link to every form's opinion.

One static page, reviewer/templates/dashboard.html.j2: charts are inline SVG
(partials/charts.svg.j2), laid out here, no JavaScript and no network. Everything is read
from the run state with aggregate queries, in a fixed order, and nothing time-dependent is
written, so the same inputs give the same page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reviewer import templates
from reviewer.batch.state import RunState
from reviewer.checks.registry import all_checks
from reviewer.domain.scoring import GRADES, grade

GRADE_COLOURS = {"优": "#2e7d32", "良": "#689f38", "中": "#f9a825", "差": "#c62828", "未评": "#9e9e9e"}
BAR = "#3b6ea8"
UNIT_BAR = "#a85b3b"
TOP_FINDINGS = 15
TOP_UNITS = 20
ROW = 24  # height of a horizontal bar's row


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


def hbar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float, str]], colour: str = BAR) -> dict[str, Any]:
    """Horizontal bars, (label, value, tooltip) each, laid out for partials/charts.svg.j2."""
    chart: dict[str, Any] = {"id": chart_id, "title": title, "bars": []}
    if not items:
        return chart
    label_w, width = min(260.0, max(_text_width(lab) for lab, _, _ in items) + 12), 720
    plot_w = width - label_w - 60
    top = max(v for _, v, _ in items) or 1
    chart.update(width=width, height=ROW * len(items) + 10, label_x=f"{label_w - 8:.0f}", bar_x=f"{label_w:.0f}",
                 bar_height=ROW - 8, colour=colour)  # fmt: skip
    for i, (label, value, tip) in enumerate(items):
        y = 5 + i * ROW
        w = max(1.0, plot_w * value / top)
        chart["bars"].append({"tip": tip, "label": _clip(label, label_w - 12), "y": y + 3, "text_y": y + 16,
                              "width": f"{w:.1f}", "value_x": f"{label_w + w + 6:.1f}", "value": _fmt(value, 0)})  # fmt: skip
    return chart


def vbar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float, str]]) -> dict[str, Any]:
    """Vertical bars, (label, value, colour or "") each, laid out for partials/charts.svg.j2."""
    chart: dict[str, Any] = {"id": chart_id, "title": title, "bars": []}
    if not items or not any(v for _, v, _ in items):
        return chart
    width, height, base, left = 460, 240, 200, 30
    slot = (width - left - 10) / len(items)
    top = max(v for _, v, _ in items) or 1
    chart.update(width=width, height=height, base=base, left=left, right=width - 5)
    for i, (label, value, colour) in enumerate(items):
        h = (base - 20) * value / top
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        chart["bars"].append({"label": label, "value": _fmt(value, 0), "colour": colour or BAR, "x": f"{x:.1f}",
                              "y": f"{base - h:.1f}", "width": f"{w:.1f}", "height": f"{h:.1f}",
                              "centre": f"{x + w / 2:.1f}", "value_y": f"{base - h - 4:.1f}", "label_y": base + 16})  # fmt: skip
    return chart


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
    declared = Counter(grade(total) for (total,) in q(f"SELECT r.declared_total {joined} WHERE r.declared_total IS NOT NULL"))
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


def _avg(value: float | None) -> Any:
    return None if value is None else round(value, 2)


def view(state: RunState, opinion_suffix: str = ".html") -> dict[str, Any]:
    """What dashboard.html.j2 shows: every figure formatted, every chart laid out."""
    d = collect(state)
    tiles = [(d["forms"], "自评表"), (d["files"], "文件"), (d["error_rows"], "无法读取（见 summary.xlsx errors 表）"),
             (d["findings"], "问题"), (d["severity"].get("error", 0), "错误"), (d["severity"].get("warning", 0), "警告"),
             (d["cut_forms"], "建议扣分的表"), (d["comments"], "审核意见"), (_avg(d["avg_declared"]), "平均自评分"),
             (_avg(d["avg_suggested"]), "平均建议分")]  # fmt: skip
    if d["budget"]:
        tiles.append((round((d["executed"] or 0) / d["budget"] * 100, 2), "总体预算执行率(%)"))
    findings = [(f"{code} {name}", float(n), f"{code} {name}: {n} 次，{forms} 张表。例：{example}")
                for code, name, n, forms, example in d["top_findings"]]  # fmt: skip
    units = [(unit, float(findings or 0), f"{unit}: {forms} 张表，{findings} 个问题，{errors} 个错误")
             for unit, forms, findings, errors, *_ in d["units"]]  # fmt: skip
    forms = [[_fmt(r["seq"] + 1), r["unit"], r["project"], r["code"], _fmt(r["declared_total"]),
              _fmt(r["suggested_total"]), r["grade"], _fmt(r["n_findings"]), {"href": opinion_href(r["name"], opinion_suffix), "text": r["name"]}]
             for r in state.iter_forms() if r["status"] != "error"]  # fmt: skip
    return {
        "summary": f"{_fmt(d['forms'])} 张自评表 · {_fmt(d['files'])} 个文件 · {_fmt(d['findings'])} 个问题",
        "tiles": [(_fmt(value), label) for value, label in tiles],
        "grade_chart": vbar_chart("grade-chart", "建议等级分布",
                                  [(g, float(n), GRADE_COLOURS.get(g, BAR)) for g, n in d["grades"]]),
        "declared_chart": vbar_chart("declared-grade-chart", "自评等级分布",
                                     [(g, float(n), GRADE_COLOURS[g]) for g, n in d["declared_grades"]]),
        "score_chart": vbar_chart("score-chart", "建议总分分布", [(b, float(n), "") for b, n in d["score_bins"]]),
        "findings_chart": hbar_chart("findings-chart", "最常见的问题", findings),
        "findings": [[code, name, _fmt(n), _fmt(forms), example] for code, name, n, forms, example in d["top_findings"]],
        "units_chart": hbar_chart("units-chart", "问题最多的单位", units, colour=UNIT_BAR),
        "units": [[unit, _fmt(forms), _fmt(findings), _fmt(errors), _fmt(cuts), _fmt(_avg(avg_d)), _fmt(_avg(avg_s))]
                  for unit, forms, findings, errors, cuts, avg_d, avg_s in d["units"]],
        "forms": forms,
    }  # fmt: skip


def render(state: RunState, title: str = "绩效自评表审核汇总", opinion_suffix: str = ".html") -> str:
    return templates.render("dashboard.html.j2", title=title, **view(state, opinion_suffix)) + "\n"


def write_dashboard(state: RunState, path: Path, **kwargs: Any) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(render(state, **kwargs), encoding="utf-8")
    tmp.replace(path)
