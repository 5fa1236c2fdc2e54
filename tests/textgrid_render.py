"""Render a hand-checked expected form (tests/data/expected/*.json) as the text that other
provinces' documents turn into: pipe rows from an HTML converter (merged cells dropped, rows
padded with "||", line breaks inside cells), Markdown pipes, pipe cells one per line, one
cell per line (the national template printed to text), runs of spaces, and the whole table
flattened into one line with single spaces or with none.

The form is first laid out as the national template's table: a cell covered by a merged cell
above it (一级指标 / 二级指标 carried down, 年度总体目标) is MERGED; each rendering then writes
what its kind of converter writes.
"""

from __future__ import annotations

from decimal import Decimal

MERGED = None
WIDTH = 8
LAYOUTS = ("pipes", "markdown", "pipes-per-line", "cells", "spaces", "flat", "flat-nospace")


def number(value: float | None, scale: int = 1) -> str:
    if value is None:
        return ""
    d = Decimal(repr(value)) / scale
    text = format(d.normalize(), "f")
    return text


def table(form: dict) -> list[list[str | None]]:
    """The form as rows of the national template, MERGED where a merged cell covers a position."""
    funding = form["funding"]
    scale = 10000 if funding["currency_unit"] == "万元" else 1
    rows: list[list[str | None]] = [["项目支出绩效自评表"], [f"（{form['year']}年度）"] if form.get("year") else []]
    rows.append(["项目名称", form.get("name") or ""])
    if form.get("code"):
        rows.append(["项目编码", form["code"]])
    rows.append(["主管部门", form.get("department") or "", "实施单位", form.get("unit") or ""])
    rows.append([f"项目资金（{funding['currency_unit']}）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    for k, row in enumerate(funding["rows"]):
        label = {"当年财政拨款": "其中：当年财政拨款"}.get(row["label"], row["label"])
        amounts = [number(row[f], scale) for f in ("initial_budget", "annual_budget", "executed")]
        if k == 0:
            rate = funding["execution_rate"]
            tail = [number(funding["weight"]), f"{number(rate)}%" if rate is not None else "", number(funding["score"])]
        else:
            tail = ["—", "—", "—"]
        rows.append([label] + amounts + tail)
    rows.append(["年度总体目标", "预期目标", "实际完成情况"])
    rows.append([MERGED, form["goal"]["planned"], form["goal"]["actual"]])
    rows.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
    level1 = level2 = None
    for ind in form["indicators"]:
        first1 = ind["level1"] != level1
        first2 = first1 or ind["level2"] != level2
        level1, level2 = ind["level1"], ind["level2"]
        rows.append([
            ind["level1"] if first1 else MERGED,
            ind["level2"] if first2 else MERGED,
            ind["name"], ind["target"], ind["actual"], number(ind["weight"]), number(ind["score"]), ind["deviation"],
        ])
    if form.get("total_weight") is not None or form.get("total_score") is not None:
        rows.append(["总分", "", "", "", "", number(form.get("total_weight")), number(form.get("total_score")), ""])
    return [r for r in rows if r]


def _wrap(cell: str) -> str:
    """A long cell broken over two lines, after a Chinese character, as a converter breaks it."""
    if len(cell) < 24:
        return cell
    at = len(cell) // 2
    while at < len(cell) - 1 and not ("\u4e00" <= cell[at - 1] <= "\u9fff"):
        at += 1
    return cell[:at] + "\n" + cell[at:]


def render(form: dict, layout: str) -> str:
    rows = table(form)
    if layout == "pipes":
        lines = []
        for row in rows:
            real = [_wrap(c) for c in row if c is not MERGED]
            pads = WIDTH - len(real)
            lines.append(" | ".join(real) + " |" + (" " + "|" * pads if pads > 0 else ""))
        return "\n".join(lines)
    if layout == "markdown":
        lines = []
        for k, row in enumerate(rows):
            cells = [("" if c is MERGED else c.replace("\n", " ")) for c in row] + [""] * (WIDTH - len(row))
            lines.append("| " + " | ".join(cells) + " |")
            if k == 0:
                lines.append("|" + "---|" * WIDTH)
        return "\n".join(lines)
    if layout == "pipes-per-line":
        lines = []
        for row in rows:
            real = [c for c in row if c is not MERGED]
            lines += [f"{c} |" for c in real] + [" |"] * (WIDTH - len(real))
        return "\n".join(lines)
    if layout == "cells":
        paragraphs = []
        for row in rows:
            for c in row:
                if c is MERGED:
                    continue
                if c in ("年初预算数", "全年预算数", "全年执行数", "年度指标值", "实际完成值"):
                    paragraphs += [c[:2], c[2:]]  # a label printed on two lines of its cell
                else:
                    paragraphs.append(_wrap(c) if c.strip() else " ")
        return "\n\n".join(paragraphs)
    if layout == "spaces":
        return "\n".join("   ".join(c for c in row if c) for row in rows)
    if layout in ("flat", "flat-nospace"):
        sep = " " if layout == "flat" else ""
        return sep.join(c for row in rows for c in row if c)
    raise ValueError(layout)
