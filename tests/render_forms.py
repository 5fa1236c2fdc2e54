"""Render hand-checked expected forms (tests/data/expected/*.json) back into grids, in other
label synonyms and header shapes, for reading them again. Test helper, not a reader."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from reviewer.extract.grid import Cell, Grid

# The labels a form writes, by part; each variant names another province's wording.
NATIONAL = {
    "title": "项目支出绩效自评表", "name": "项目名称", "code": "项目编码", "year": "绩效自评年度",
    "department": "主管部门", "unit": "实施单位", "funding": "项目资金", "initial": "年初预算数",
    "annual": "全年预算数", "executed": "全年执行数", "fweight": "分值", "rate": "执行率", "fscore": "得分",
    "goal": "年度总体目标", "planned": "预期目标", "actual_goal": "实际完成情况", "section": "绩效指标",
    "level1": "一级指标", "level2": "二级指标", "iname": "三级指标", "target": "年度指标值",
    "actual": "实际完成值", "weight": "分值", "score": "得分", "review": "复核分",
    "deviation": "偏差原因分析及改进措施", "total": "总分", "comparator": "指标性质", "value": "指标值",
    "unit_of": "度量单位",
}
SYNONYMS = dict(
    NATIONAL, name="项目名称：", department="预算部门", unit="项目实施单位", initial="年初预算数(A)",
    annual="调整后预算数", executed="执行数(B)", rate="执行率(B/A)", planned="年初设定目标",
    actual_goal="全年实际完成情况", iname="指标名称", target="年初指标值", actual="全年实际值",
    weight="指标分值", score="自评得分", deviation="未完成原因分析", total="合计", review="复核得分",
    comparator="符号", unit_of="计量单位",
)
SYNONYMS_2 = dict(
    NATIONAL, unit="资金使用单位", department="一级预算单位", target="目标值", actual="年终完成值",
    weight="权重", score="自评分", deviation="扣分原因", planned="项目年度目标", unit_of="单位",
)
_SPLIT = re.compile(r"^(≥|≤|＞|＜|>=|<=|=|＝|>|<)?(\d+(?:\.\d+)?)(%|个|人|次|台|套|天|元|万元|件|项|人次|户|篇|场|期)?$")


@dataclass
class Shape:
    labels: dict = field(default_factory=lambda: NATIONAL)
    split_target: bool = False  # 年度指标值 over 指标性质 | 指标值 | 度量单位
    review: bool = False  # a 复核分 column beside 得分
    wan: bool = False  # amounts in 万元
    year_in_title: bool = False  # no 绩效自评年度 field: "（2023年度）" under the title
    ragged: bool = False  # pipe rows: merged level cells dropped, rows padded to the width
    lossy: bool = False  # ragged, and empty cells dropped too (a converter that skips empty cells)
    inline_code: bool = False  # "项目编码：4403…" in one cell


def review_of(score):
    return None if score is None else max(score - 0.5, 0)


def money(yuan, wan: bool) -> str:
    if yuan is None:
        return ""
    value = Decimal(str(yuan)) / (10000 if wan else 1)
    text = format(value.normalize(), "f")
    if not wan and value == value.to_integral():
        return f"{int(value):,}.00"  # with thousands separators, as Shenzhen writes
    return text


def number(x) -> str:
    return "" if x is None else f"{x:g}"


def split_target(target: str) -> tuple[str, str, str]:
    m = _SPLIT.match(target)
    return (m.group(1) or "", m.group(2), m.group(3) or "") if m else ("", target, "")


def render(form: dict, shape: Shape) -> Grid:
    L = shape.labels
    rows: list[list[str]] = [[L["title"]]]
    if shape.year_in_title:
        rows.append([f"（{form['year']}年度）"])
    code = [f"{L['code']}：{form['code']}"] if shape.inline_code and form["code"] else (
        [L["code"], form["code"]] if form["code"] else [])
    rows.append(code + [L["name"], form["name"] or ""])
    if not shape.year_in_title:
        rows.append([L["year"], str(form["year"])])
    rows.append([L["department"], form["department"] or "", None, L["unit"], form["unit"] or ""])
    f = form["funding"]
    unit = "万元" if shape.wan else "元"
    rows.append([f"{L['funding']}（{unit}）", None, L["initial"], L["annual"], L["executed"], L["fweight"],
                 L["rate"], L["fscore"]])
    for r in f["rows"]:
        label = "其中：" + r["label"] if r["label"] == "当年财政拨款" else r["label"]
        cells = [None, label, money(r["initial_budget"], shape.wan), money(r["annual_budget"], shape.wan),
                 money(r["executed"], shape.wan)]
        if r["label"] == "年度资金总额":
            rate = "" if f["execution_rate"] is None else f"{f['execution_rate']:g}%"
            cells += [number(f["weight"]), rate, number(f["score"])]
        else:
            cells += ["—", "", "—"]
        rows.append(cells)
    rows.append([L["goal"], L["planned"], None, None, L["actual_goal"]])
    rows.append([None, form["goal"]["planned"], None, None, form["goal"]["actual"]])
    rows += _indicator_rows(form, shape)
    return _grid(rows, shape)


def _indicator_rows(form: dict, shape: Shape) -> list[list[str]]:
    L = shape.labels
    scores = [L["weight"], L["score"]] + ([L["review"]] if shape.review else [])
    if shape.split_target:
        rows = [[L["section"], L["level1"], L["level2"], L["iname"], L["target"], None, None, L["actual"], *scores,
                 L["deviation"]],
                [None, None, None, None, L["comparator"], L["value"], L["unit_of"]]]
    else:
        rows = [[L["section"], L["level1"], L["level2"], L["iname"], L["target"], L["actual"], *scores,
                 L["deviation"]]]
    last1 = last2 = None
    for ind in form["indicators"]:
        level1 = ind["level1"] if ind["level1"] != last1 else None  # merged down over its rows
        level2 = ind["level2"] if ind["level2"] != last2 or level1 else None
        last1, last2 = ind["level1"], ind["level2"]
        target = list(split_target(ind["target"])) if shape.split_target else [ind["target"]]
        cells = [None, level1, level2, ind["name"], *target, ind["actual"], number(ind["weight"]), number(ind["score"])]
        if shape.review:
            cells.append(number(review_of(ind["score"])))
        rows.append(cells + [ind["deviation"]])
    total = [L["total"], None, None, None, *([None] * (3 if shape.split_target else 1)), None,
             number(form["total_weight"]), number(form["total_score"])]
    if shape.review:
        total.append(number(review_of(form["total_score"])))
    rows.append(total)
    return rows


def _grid(rows: list[list[str | None]], shape: Shape) -> Grid:
    """None marks a position covered by a merged cell: an empty field in a table export; in
    pipe rows from an HTML table it is dropped (the row shifts left) and the converter pads
    every row to the table's width."""
    if not shape.ragged and not shape.lossy:
        return Grid([[Cell(t or "", f"row {r + 1} col {c + 1}") for c, t in enumerate(row)]
                     for r, row in enumerate(rows)], origin="tabs")
    width = max(map(len, rows))
    out = []
    for r, row in enumerate(rows):
        cells = [t for t in row if t is not None and (t or not shape.lossy)]
        cells += [""] * (width - len(cells))
        out.append([Cell(t, f"row {r + 1} col {c + 1}") for c, t in enumerate(cells)])
    return Grid(out, origin="pipes")
