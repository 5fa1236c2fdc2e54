"""The layout zoo: the seeds' hand-checked forms rendered into every layout real forms come in.

Each expected form (tests/data/expected/*.json) is first laid out as one table the way the
national template (财预〔2020〕10号 附件 项目支出绩效自评表) draws it: merged cells and all
(项目资金 over its five rows, 一级指标 down its group, 年度总体目标 over two rows). A
*variant* changes that table as other provinces' forms do (split target columns, extra score
columns, other labels); a *carrier* then writes it out as a converter or an office program
would: text dumps that drop merged cells the way HTML-to-text tools do, and real .docx,
.xlsx, .xls, .html and ruled .pdf documents with real merged cells.

Nothing here is shaped for a parser: the text carriers follow the real dumps in
../shared/devcorpus/ (quoted beside each carrier), the documents are written through the
office libraries' own merge APIs.

`rendering(seed, variant, carrier, folder)` writes one file holding all forms of a seed and
returns its path and the fields each form carries (the subset of the expected JSON that
the rendering shows), for the zoo test to compare with what is read back.
"""

from __future__ import annotations

import codecs
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

EXPECTED = Path(__file__).resolve().parent.parent / "data" / "expected"

# Seed → indexes of its forms in the zoo (None: all).
SEEDS: dict[str, tuple[int, ...] | None] = {
    "000_227770587c716576": None,
    "001_61357c0ed07ba240.part-a": None,
    "002_cc20b351adbf8378": None,
    # OCR of a scan: forms #3 and #4 have level cells the OCR could not place (left empty
    # in the expectation, so no table can show them) and rows cut at page breaks; #1, #2 and
    # #5 have every indicator row legible.
    "003_8b0a55cfaf6a1b6b": (0, 1, 4),
    # 004 is a third-party evaluation report (narrative + a 决策/管理/产出/效益 rubric), not
    # a self-evaluation table: it has its own tests and no rendering in the zoo.
}

VARIANTS = ("national", "split-target", "review-score", "weighted-score", "synonyms")
TEXT_CARRIERS = ("tsv", "tsv-quoted", "pipe-rows", "pipe-cells", "pipe-cells-dropped", "cell-lines", "flattened", "aligned",
                 "aligned-centred", "word-text", "word-text-gbk")
DOCUMENT_CARRIERS = ("docx", "xlsx", "xls", "csv", "html", "pdf", "pdf-unruled")
CARRIERS = TEXT_CARRIERS + DOCUMENT_CARRIERS


def seed_forms(seed: str) -> list[dict]:
    forms = json.loads((EXPECTED / f"{seed}.json").read_text(encoding="utf-8"))
    keep = SEEDS[seed]
    return forms if keep is None else [forms[i] for i in keep]


# ---------------------------------------------------------------- the form as one table


@dataclass(frozen=True)
class Box:
    """One cell of the form's table and the grid area it covers."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    width: int
    boxes: list[Box] = field(default_factory=list)
    height: int = 0
    cursor: int = 0  # the next row to fill (a box merged down may reach past it)

    def put(self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
        self.boxes.append(Box(text, row, col, rowspan, colspan))
        self.height = max(self.height, row + rowspan)

    def row(self, *cells: tuple[int, str, int] | tuple[int, str, int, int]) -> int:
        """A new row of (col, text, colspan[, rowspan]) cells; returns its index."""
        r = self.cursor
        for col, text, colspan, *rowspan in cells:
            self.put(r, col, text, rowspan[0] if rowspan else 1, colspan)
        self.cursor += 1
        return r

    def complete(self) -> Table:
        """Fill every position no box covers with an empty box, as the template's blank cells."""
        taken = {(r, c) for b in self.boxes for r in range(b.row, b.row + b.rowspan)
                 for c in range(b.col, b.col + b.colspan)}  # fmt: skip
        for r in range(self.height):
            for c in range(self.width):
                if (r, c) not in taken:
                    self.boxes.append(Box("", r, c))
        self.boxes.sort(key=lambda b: (b.row, b.col))
        return self

    def rows(self) -> list[list[Box]]:
        """The boxes that start on each row, left to right (what an HTML <tr> holds)."""
        out: list[list[Box]] = [[] for _ in range(self.height)]
        for box in self.boxes:
            out[box.row].append(box)
        return out

    def matrix(self) -> list[list[Box | None]]:
        """Every grid position: the box that starts there, or None where a merge covers it."""
        out: list[list[Box | None]] = [[None] * self.width for _ in range(self.height)]
        for box in self.boxes:
            out[box.row][box.col] = box
        return out


@dataclass
class Sheet:
    """One form as a document shows it: title lines above its table."""

    title: list[str]
    table: Table
    carried: dict  # the expected fields this layout shows, JSON-contract shaped


# ---------------------------------------------------------------- numbers as a form writes them


def num(value: float | None) -> str:
    """A weight, score or rate: "10", "9.77"."""
    if value is None:
        return ""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def amount(value: float | None, unit: str) -> str:
    """An amount in yuan written in the form's unit: "406000.00" (元), "2.48" (万元)."""
    if value is None:
        return ""
    if unit == "万元":
        wan = Decimal(repr(value)) / 10000
        return format(wan.normalize(), "f")
    return f"{value:.2f}"


# The target split into 指标性质 | 指标值 | 度量单位 where it is a comparator, a number and a unit.
_SPLIT_TARGET = re.compile(r"^\s*(≥|≤|≧|≦|>=|<=|＞|＜|>|<|＝|=)?\s*(\d+(?:\.\d+)?)\s*([^\d\s][^\d]*)?$")


def split_target(target: str) -> dict:
    m = _SPLIT_TARGET.match(target)
    if not m:
        return {"comparator": "", "value": target, "unit": ""}
    return {"comparator": m.group(1) or "", "value": m.group(2), "unit": (m.group(3) or "").strip()}


# ---------------------------------------------------------------- variants


@dataclass(frozen=True)
class Column:
    """An indicator-table column: its header, and how a row's cell is written."""

    header: str
    write: object  # (indicator dict, form dict, index) -> str
    under: str = ""  # the spanning header above it, for two-row headers


def _field(name: str):
    return lambda ind, form, i: ind[name]


def _number(name: str):
    return lambda ind, form, i: num(ind[name])


def _part(name: str):
    return lambda ind, form, i: split_target(ind["target"])[name]


def review_score(ind: dict, i: int) -> float | None:
    """The zoo's reviewer re-scores every third row half a point lower (a common cut, DOMAIN §5)."""
    score = ind["score"]
    if score is None:
        return None
    return max(0.0, round(score - 0.5, 2)) if i % 3 == 1 and score >= 0.5 else score


def weight_share(ind: dict, form: dict) -> str:
    """权重占比: the row's weight as a share of the form's total weight."""
    if ind["weight"] is None:
        return ""
    share = Decimal(repr(ind["weight"])) * 100 / Decimal(repr(form["total_weight"] or 100.0))
    return f"{format(share.quantize(Decimal('0.01')).normalize(), 'f')}%"


def weighted(ind: dict, form: dict) -> str:
    """折算得分 = 得分 × 权重占比, to two decimals."""
    share = weight_share(ind, form)
    if ind["score"] is None or not share:
        return ""
    value = Decimal(repr(ind["score"])) * Decimal(share.rstrip("%")) / 100
    return format(value.quantize(Decimal("0.01")).normalize(), "f")


_LEVELS = [Column("一级指标", _field("level1")), Column("二级指标", _field("level2")), Column("三级指标", _field("name"))]
_TARGET = Column("年度\n指标值", _field("target"))
_ACTUAL = Column("实际\n完成值", _field("actual"))
_WEIGHT = Column("分值", _number("weight"))
_SCORE = Column("得分", _number("score"))
_DEVIATION = Column("偏差原因分析\n及改进措施", _field("deviation"))

INDICATOR_COLUMNS = {
    "national": [*_LEVELS, _TARGET, _ACTUAL, _WEIGHT, _SCORE, _DEVIATION],
    # Ministry-style split target under a two-row header: 年度指标值 spans the three.
    "split-target": [*_LEVELS, Column("指标性质", _part("comparator"), "年度指标值"),
                     Column("指标值", _part("value"), "年度指标值"), Column("度量单位", _part("unit"), "年度指标值"),
                     _ACTUAL, _WEIGHT, _SCORE, _DEVIATION],
    # The reviewer's re-score beside the unit's self-score.
    "review-score": [*_LEVELS, _TARGET, _ACTUAL, _WEIGHT, Column("自评分", _number("score")),
                     Column("复核分", lambda ind, form, i: num(review_score(ind, i))), _DEVIATION],
    # A weighted score: 权重占比 of the total and 折算得分 = 得分 × 权重占比.
    "weighted-score": [*_LEVELS, _TARGET, _ACTUAL, _WEIGHT, Column("权重占比", lambda ind, form, i: weight_share(ind, form)),
                       _SCORE, Column("折算得分", lambda ind, form, i: weighted(ind, form)), _DEVIATION],
}

# Label synonyms from other provinces (DOMAIN.md §2); form n takes the n-th of each list in turn.
SYNONYMS = {
    "预期目标": ("年初设定目标", "项目年度目标"),
    "年度\n指标值": ("指标值", "目标值", "年初指标值"),
    "实际\n完成值": ("完成值", "全年实际值", "年终完成值"),
    "分值": ("权重", "指标分值"),
    "得分": ("自评得分",),
    "偏差原因分析\n及改进措施": ("未完成原因分析", "扣分原因"),
    "实施单位": ("资金使用单位", "项目实施单位"),
    "总分": ("合计",),
}


def build_sheet(form: dict, variant: str, n: int) -> Sheet:
    """Form `form` (the n-th of its file) as the variant's table."""
    columns = INDICATOR_COLUMNS.get(variant, INDICATOR_COLUMNS["national"])
    label = (lambda text: SYNONYMS[text][n % len(SYNONYMS[text])] if text in SYNONYMS else text) \
        if variant == "synonyms" else (lambda text: text)  # fmt: skip
    width = 1 + len(columns)
    table = Table(width)
    _header_rows(table, form, label)
    _funding_rows(table, form)
    _goal_rows(table, form, label)
    _indicator_rows(table, form, columns, label)
    _total_row(table, form, columns, label, variant)
    title = ["项目支出绩效自评表"] + ([f"（{form['year']}年度）"] if form["year"] else [])
    return Sheet(title, table.complete(), carried(form, variant))


def _header_rows(table: Table, form: dict, label) -> None:
    w = table.width
    table.row((0, "项目名称", 2), (2, form["name"] or "", w - 2))
    if form["code"]:
        table.row((0, "项目编码", 2), (2, form["code"], w - 2))
    table.row((0, "主管部门", 2), (2, form["department"] or "", 3), (5, label("实施单位"), 1), (6, form["unit"] or "", w - 6))


def _funding_rows(table: Table, form: dict) -> None:
    funding, w = form["funding"], table.width
    unit = funding["currency_unit"]
    rows = funding["rows"]
    table.row((0, f"项目资金\n（{unit}）", 2, 1 + len(rows)), (2, "", 1), (3, "年初\n预算数", 1), (4, "全年\n预算数", 1),
              (5, "全年\n执行数", 1), (6, "分值", 1), (7, "执行率", 1), (8, "得分", w - 8))  # fmt: skip
    for row in rows:
        total = row["label"] == "年度资金总额"
        written = "其中：当年财政拨款" if row["label"] == "当年财政拨款" else row["label"]
        rate = f"{num(funding['execution_rate'])}%" if funding["execution_rate"] is not None else ""
        table.row((2, written, 1), (3, amount(row["initial_budget"], unit), 1), (4, amount(row["annual_budget"], unit), 1),
                  (5, amount(row["executed"], unit), 1), (6, num(funding["weight"]) if total else "—", 1),
                  (7, rate if total else "—", 1), (8, num(funding["score"]) if total else "—", w - 8))  # fmt: skip


def _goal_rows(table: Table, form: dict, label) -> None:
    w = table.width
    table.row((0, "年度总体目标", 1, 2), (1, label("预期目标"), 4), (5, "实际完成情况", w - 5))
    table.row((1, form["goal"]["planned"], 4), (5, form["goal"]["actual"], w - 5))


def _indicator_rows(table: Table, form: dict, columns: list[Column], label) -> None:
    indicators = form["indicators"]
    two_rows = any(c.under for c in columns)
    top = table.cursor
    header_rows = 2 if two_rows else 1
    table.put(top, 0, "绩效指标", rowspan=header_rows + len(indicators))
    col = 1
    while col <= len(columns):
        column = columns[col - 1]
        if column.under:  # the spanning header and its parts below it
            parts = [c for c in columns if c.under == column.under]
            table.put(top, col, column.under, colspan=len(parts))
            for k, part in enumerate(parts):
                table.put(top + 1, col + k, part.header)
            col += len(parts)
            continue
        table.put(top, col, label(column.header), rowspan=header_rows)
        col += 1
    first = top + header_rows
    for i, ind in enumerate(indicators):
        r = first + i
        for c, column in enumerate(columns, start=1):
            if c in (1, 2):
                continue  # level cells are merged down over their group below
            table.put(r, c, column.write(ind, form, i))
    _merged_levels(table, indicators, first)
    table.cursor = first + len(indicators)


def _merged_levels(table: Table, indicators: list[dict], first: int) -> None:
    """一级指标 merged down over its group, 二级指标 over rows that repeat it."""
    for c, key in ((1, "level1"), (2, "level2")):
        i = 0
        while i < len(indicators):
            j = i + 1
            same_group = lambda a, b: a["level1"] == b["level1"] and (key == "level1" or a["level2"] == b["level2"])  # noqa: E731
            while j < len(indicators) and indicators[i][key] and same_group(indicators[i], indicators[j]):
                j += 1
            table.put(first + i, c, indicators[i][key], rowspan=j - i)
            i = j


def _total_row(table: Table, form: dict, columns: list[Column], label, variant: str) -> None:
    weight_col = 1 + columns.index(_WEIGHT)
    cells = [(0, label("总分"), weight_col), (weight_col, num(form["total_weight"]), 1)]
    values = {
        "national": [num(form["total_score"])],
        "split-target": [num(form["total_score"])],
        "synonyms": [num(form["total_score"])],
        "review-score": [num(form["total_score"]), num(review_total(form))],
        "weighted-score": ["100%", num(form["total_score"]), _weighted_total(form)],
    }[variant]
    for k, value in enumerate(values, start=1):
        cells.append((weight_col + k, value, 1))
    rest = weight_col + len(values) + 1
    cells.append((rest, "", table.width - rest))
    table.row(*cells)


def review_total(form: dict) -> float | None:
    if form["total_score"] is None:
        return None
    cuts = sum((ind["score"] or 0) - (review_score(ind, i) or 0) for i, ind in enumerate(form["indicators"]))
    return round(form["total_score"] - cuts, 2)


def _weighted_total(form: dict) -> str:
    parts = [weighted(ind, form) for ind in form["indicators"]]
    return format(sum((Decimal(p) for p in parts if p), Decimal(0)).normalize(), "f")


# ---------------------------------------------------------------- what a rendering carries


_INDICATOR_FIELDS = ("level1", "level2", "name", "target", "actual", "weight", "score", "deviation")


def carried(form: dict, variant: str) -> dict:
    """The expected fields this variant's table shows: no id or source (they name the file),
    no warnings (they describe the seed's own text), no 项目金额 (not on this template)."""
    funding = {k: v for k, v in form["funding"].items() if k != "project_amount"}
    indicators = []
    for i, ind in enumerate(form["indicators"]):
        row = {k: ind[k] for k in _INDICATOR_FIELDS}
        if variant == "split-target":
            row["target_parts"] = split_target(ind["target"])
        if variant == "review-score":
            row["review_score"] = review_score(ind, i)
        if variant == "weighted-score":
            written = weighted(ind, form)
            row["weighted_score"] = float(written) if written else None
        indicators.append(row)
    out = {k: form[k] for k in ("kind", "code", "name", "year", "unit", "department", "total_weight", "total_score")}
    out.update(funding=funding, goal=dict(form["goal"]), indicators=indicators)
    if variant == "review-score":
        out["review_total_score"] = review_total(form)
    return out


# ---------------------------------------------------------------- what a rendering loses


# Text carriers that drop a row's empty cells and write at most how many were dropped (pipe
# rows pad the row's end with one "|" per dropped cell, wherever the cell stood).
DROPS_EMPTY_CELLS = frozenset({"pipe-rows", "pipe-cells-dropped", "flattened"})


def lost_fields(form: dict, carrier: str) -> dict[str, str]:
    """Fields this carrier's text genuinely loses for this form, {contract field: why}: a reader
    must leave them empty with a warning on that field, not guess.

    The goal's two parts are free text side by side (预期目标 | 实际完成情况). Where one is empty
    and the carrier drops empty cells without saying where, the one cell left could be either:
    no column position, no padding pattern and no kind of text tells them apart."""
    goal = form["goal"]
    if carrier in DROPS_EMPTY_CELLS and bool(goal["planned"].strip()) != bool(goal["actual"].strip()):
        return {"goal": "one of 预期目标 / 实际完成情况 is empty and empty cells are dropped: the text left "
                        "may be either part"}
    return {}


# Text carriers that part cells by single spaces, which also sit inside cells ("购置费 112 万").
SPACE_PARTED = frozenset({"flattened"})


def _text_cells(ind: dict, variant: str) -> list[tuple[str, str]]:
    """An indicator row's cells before its 分值 as the variant writes them, (field, text):
    三级指标 | 年度指标值 | 实际完成值, or the split target's 指标性质 | 指标值 | 度量单位."""
    if variant != "split-target":
        return [("name", ind["name"]), ("target", ind["target"]), ("actual", ind["actual"])]
    parts = split_target(ind["target"])
    return [("name", ind["name"]), ("target_parts.comparator", parts["comparator"]),
            ("target_parts.value", parts["value"]), ("target_parts.unit", parts["unit"]), ("actual", ind["actual"])]


def _fits_part(word: str, field: str) -> bool:
    """A word as a split target's 指标性质 (a comparator) or 度量单位 (a unit, "%")."""
    from reviewer.domain.values import comparator_symbol, is_unit

    if field.endswith("comparator"):
        return comparator_symbol(word) is not None
    return is_unit(word) or word == "%"


def _readings(words: list[str], fields: list[str]) -> list[list[tuple[int, int]]]:
    """Every cut of `words` into one cell per field, as (first word, end) spans. A cell holds
    one word or more, does not begin with a unit alone ("9 台") and does not end with a
    comparator ("高于"); a split target's 指标性质 holds one comparator or nothing, its 度量单位
    one unit or nothing, and its 指标值 neither ends with a unit alone nor begins with a
    comparator sign ("≥"; the unit and the sign have their columns)."""
    from reviewer.domain.values import comparator_symbol, is_unit

    out: list[list[tuple[int, int]]] = []

    def walk(w: int, k: int, acc: list[tuple[int, int]]) -> None:
        if k == len(fields):
            if w == len(words):
                out.append(acc)
            return
        f = fields[k]
        if f in ("target_parts.comparator", "target_parts.unit"):
            walk(w, k + 1, acc + [(w, w)])
            if w < len(words) and _fits_part(words[w], f):
                walk(w + 1, k + 1, acc + [(w, w + 1)])
            return
        for end in range(w + 1, len(words) + 1):
            cell = words[w:end]
            if is_unit(cell[0]) or comparator_symbol(cell[-1]) is not None:
                continue
            if f == "target_parts.value" and (_fits_part(cell[-1], "unit") or _fits_part(cell[0], "comparator")
                                              and not re.search(r"[\u4e00-\u9fff]", cell[0])):
                continue
            walk(end, k + 1, acc + [(w, end)])

    walk(0, 0, [])
    return out


def lost_cells(form: dict, carrier: str, variant: str = "national") -> dict[str, str]:
    """Indicator cells a single-space flattening genuinely loses, {"indicators[i].field": why}.

    A row's cells before its 分值 are written one after another, parted by single spaces (its
    empty cells dropped). Where a cell holds a space of its own, the spaces between the cells
    are not the only places they could part: any other cut of the row's words (_readings) is
    another reading. A cell that some reading gives other words is lost; under a split target
    a lost part loses the target (年度指标值) with all its parts."""
    if carrier not in SPACE_PARTED:
        return {}
    out: dict[str, str] = {}
    for i, ind in enumerate(form["indicators"]):
        cells = _text_cells(ind, variant)
        words, truth = [], []
        for f, text in cells:
            truth.append((len(words), len(words) + len(text.split())))
            words += text.split()
        fields = [f for f, _ in cells]
        optional = ("target_parts.comparator", "target_parts.unit")
        # the written cells: an empty cell is dropped, so only optional columns may be empty
        if any(not text.strip() and f not in optional for f, text in cells):
            continue
        readings = _readings(words, fields)
        why = f"the row's words ('{' '.join(words)}') admit {len(readings)} cuts into its cells"
        differs = [f for k, f in enumerate(fields)
                   if any(r[k] != truth[k] and not (r[k][0] == r[k][1] and truth[k][0] == truth[k][1]) for r in readings)]
        if any(f.startswith("target_parts") for f in differs):
            differs = [f for f in differs if not f.startswith("target_parts")] + ["target", "target_parts"]
        out.update({f"indicators[{i}].{f}": why for f in differs})
    return out


def lost(seed: str, carrier: str, variant: str = "national") -> list[dict[str, str]]:
    """lost_fields and lost_cells for each zoo form of `seed`, in rendering order."""
    return [lost_fields(form, carrier) | lost_cells(form, carrier, variant) for form in seed_forms(seed)]


# ---------------------------------------------------------------- text carriers


def as_tsv(sheets: list[Sheet]) -> str:
    """A Word/Excel table copied as text (seed 002): one line per row, a tab between cells,
    merged positions as empty fields, a line break inside a cell as a space."""
    out = []
    for sheet in sheets:
        out += sheet.title
        for row in sheet.table.matrix():
            out.append("\t".join("" if b is None else b.text.replace("\n", " ") for b in row).rstrip("\t"))
        out.append("")
    return "\n".join(out)


def as_tsv_quoted(sheets: list[Sheet]) -> str:
    """A range copied from Excel and pasted as text (the clipboard's text, "Unicode text"): one
    line per row, a tab between cells, merged positions as empty fields, and a cell holding a
    line break (or a tab or a quote) between double quotes, its quotes doubled, so its row
    runs over several lines:
        "项目资金
        （万元）"		年度资金总额	…"""
    def field(box: Box | None) -> str:
        if box is None:
            return ""
        text = box.text
        return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in '\n\t"') else text
    out = []
    for sheet in sheets:
        out += sheet.title
        out += ["\t".join(field(box) for box in row) for row in sheet.table.matrix()]
        out.append("")
    return "\n".join(out)


def as_pipe_rows(sheets: list[Sheet]) -> str:
    """An HTML table through an HTML-to-text tool, as in devcorpus/hn-yueyanglou…-pipe.txt:
        產出指標 | 數量指標 | 業務工作支出安排金額 | 定量 | 28.8萬元 | % | … | 未達指標值酌情扣分 | |
        質量指標 | 業務工作支出到位率 | 定量 | 100 | % | … | 未達指標值酌情扣分 | ||
    Merged and empty cells are dropped, each dropped cell padded as one more "|" at the row's
    end, so rows are ragged; a line break inside a cell splits the row over lines."""
    out = []
    for sheet in sheets:
        out += sheet.title
        for row in sheet.table.rows():
            texts = [b.text for b in row if b.text.strip()]
            if texts:
                out.append(" | ".join(texts) + " | " + "|" * (sheet.table.width - len(texts)))
    return "\n".join(line.rstrip() for line in "\n".join(out).split("\n"))


def as_pipe_cells(sheets: list[Sheet]) -> str:
    """Each cell on its own line, closed by a pipe, an empty cell a pipe alone, merged cells
    printed once, as in realforms/dev/sc-qingshen…-pipecell.txt (and hn-yueyang-glj…-pipecell):
        数量指标 |
        发放(缴纳)覆盖率 |
        = |
        100 |
        % |
        |
        60 |
    Row boundaries are lost: nothing tells where a row ends. (Both real dumps of this kind write
    their empty cells; the ones that drop them print a row per line: as_pipe_rows.)"""
    out = []
    for sheet in sheets:
        out += sheet.title
        for row in sheet.table.rows():
            out += [f"{b.text} |" if b.text.strip() else "|" for b in row]
    return "\n".join(out)


def as_pipe_cells_dropped(sheets: list[Sheet]) -> str:
    """Each cell on its own line, closed by a pipe, merged and empty cells both dropped: how
    devcorpus/ah-shouxian…-pipe.txt prints some of its rows (an HTML-to-text tool that drops
    empty cells, breaking a row after each cell):
        序号 | 一级 指标 |
        二级 指标 |
        三级 指标 |
    The hardest of both text dumps: no row boundary, and a row's cells fewer than its columns."""
    out = []
    for sheet in sheets:
        out += sheet.title
        for row in sheet.table.rows():
            out += [f"{b.text} |" for b in row if b.text.strip()]
    return "\n".join(out)


def as_cell_lines(sheets: list[Sheet]) -> str:
    """The national template printed to text, as in devcorpus/hebei-langfang…-nuantong.txt:
    every cell a paragraph with a blank line between, a blank cell as a line holding one
    space, merged cells printed once; no delimiter and no row boundary."""
    out = []
    for sheet in sheets:
        out += sheet.title
        for row in sheet.table.rows():
            out += [b.text if b.text.strip() else " " for b in row]
    return "\n\n".join(out) + "\n"


def as_flattened(sheets: list[Sheet]) -> str:
    """A whole form on one line with single spaces between cells, as document sites and
    xls/pdf-to-text conversions give it (devcorpus/bj-haidian…-wenku365.txt, a form on one line)."""
    lines = []
    for sheet in sheets:
        cells = [b.text.replace("\n", "") for row in sheet.table.rows() for b in row if b.text.strip()]
        lines.append(" ".join(sheet.title + cells))
    return "\n".join(lines) + "\n"


ALIGNED_WRAP = 14  # display columns a cell's text fills before it wraps: 7 CJK characters
_GAP = 2  # spaces between columns


def as_aligned(sheets: list[Sheet], centred: bool = False) -> str:
    """The form as `pdftotext -layout` prints a ruled table: each cell's text at its column's
    position, padded with spaces (a CJK character two columns wide), a long cell wrapped
    inside its column over several lines, a merged cell printed once over the columns it
    spans; top-aligned in its row (a Word table's default) or, `centred`, vertically centred
    (an Excel sheet's and many PDF forms'), its first lines above the line of the row's
    one-line cells and numbers:
        绩效指标      一级指标    二级指标        三级指标        年度指标值     实际完成值   分值  得分
                      产出指标    数量指标        满足宣传需求    购买宣传材料   完成指标     20    20
                                  时效指标        根据宣传安排完  规定时间内     完成指标     20    20
                                                  成购买
    Empty cells are blank space, so a cell's place is kept only by where it starts."""
    out = []
    for sheet in sheets:
        out += sheet.title
        widths = _column_widths(sheet.table)
        for row in sheet.table.rows():
            out += _aligned_row(row, widths, centred)
        out.append("")
    return "\n".join(out) + "\n"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths(table: Table) -> list[int]:
    widths = [1] * table.width
    for box in table.boxes:
        if box.colspan == 1:
            widths[box.col] = max(widths[box.col], min(_display_width(box.text.replace("\n", "")), ALIGNED_WRAP))
    return widths


def _wrapped(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for ch in text.replace("\n", ""):
        if line and _display_width(line + ch) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    return lines + [line] if line.strip() else lines


def _aligned_row(row: list[Box], widths: list[int], centred: bool) -> list[str]:
    cells = []
    for box in row:
        span = sum(widths[box.col:box.col + box.colspan]) + _GAP * (box.colspan - 1)
        cells.append((sum(widths[:box.col]) + _GAP * box.col, _wrapped(box.text, span) if box.text.strip() else []))
    height = max([len(lines) for _, lines in cells] + [1])
    printed = []
    for k in range(height):
        line = ""
        for start, lines in cells:
            j = k - ((height - len(lines)) // 2 if centred else 0)
            if 0 <= j < len(lines):
                line += " " * max(start - _display_width(line), _GAP if line else 0) + lines[j]
        if line.strip():
            printed.append(line.rstrip())
    return printed


# In-cell paragraphs as people type them into a Word form's cells: a goal or a deviation note
# of several sentences a paragraph per sentence, "偏差原因：… 改进措施：…" as two, and a
# middling text (an indicator's name, a target) pasted from last year's PDF with the PDF's
# line wrap kept as a manual line break.
_WORD_SENTENCE = re.compile(r"(?<=[。；;])(?=\S)|(?<=[，,])(?=改进措施)")
WORD_PASTED_WRAP = 10  # characters per line of the pasted PDF text


def word_paragraphs(text: str) -> list[str]:
    """The paragraphs (and manual line breaks) a Word cell holding `text` has."""
    out: list[str] = []
    for line in text.split("\n"):
        parts = [p for p in _WORD_SENTENCE.split(line) if p] or [line]
        for part in parts:
            if len(parts) == 1 and WORD_PASTED_WRAP + 4 < len(part) <= 24 and not re.search(r"\d", part):
                out += [part[k:k + WORD_PASTED_WRAP] for k in range(0, len(part), WORD_PASTED_WRAP)]
            else:
                out.append(part)
    return out


def as_word_text(sheets: list[Sheet], trailing_tab: bool = True) -> str:
    """The form saved from Word as plain text (另存为 纯文本), or its table converted to text
    with tabs (表格转换成文本): each cell's text followed by a tab (`trailing_tab`: Save As,
    whose end-of-cell marks all become tabs and end-of-row marks line breaks) or the cells
    parted by tabs (convert-to-text), a row ending with CRLF; a cell of several paragraphs
    (or a manual line break) written over several lines, unquoted, so one row runs over
    lines whose tab counts are not the header's:
        绩效指标	一级指标	二级指标	三级指标	年度\r\n指标值	实际\r\n完成值	分值	…
    A horizontally merged cell is written once (its row has fewer tabs), a vertically
    merged one in its first row only (the rows below have an empty cell there)."""
    lines = []
    for sheet in sheets:
        lines += sheet.title
        t = sheet.table
        cover: dict[tuple[int, int], Box] = {}
        for b in t.boxes:
            for r in range(b.row, b.row + b.rowspan):
                for c in range(b.col, b.col + b.colspan):
                    cover[(r, c)] = b
        for r in range(t.height):
            cells = []
            for c in range(t.width):
                b = cover[(r, c)]
                if b.col != c:
                    continue  # inside a horizontal merge: written once
                cells.append("\r\n".join(word_paragraphs(b.text)) if b.row == r else "")
            lines.append("".join(cell + "\t" for cell in cells) if trailing_tab else "\t".join(cells))
        lines.append("")
    return "\r\n".join(lines) + "\r\n"


# ---------------------------------------------------------------- document carriers


def write_docx(sheets: list[Sheet], path: Path) -> None:
    """A Word document: title paragraphs, then the form's table with real merged cells
    (python-docx's merge sets gridSpan and vMerge), a page break between forms."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    for n, sheet in enumerate(sheets):
        if n:
            document.add_page_break()
        for line in sheet.title:
            document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
        t = sheet.table
        table = document.add_table(rows=t.height, cols=t.width)
        table.style = "Table Grid"
        # Cells looked up once before merging (table.cell() re-walks the whole table per call).
        cells = [row.cells for row in table.rows]
        for box in t.boxes:
            cell = cells[box.row][box.col]
            if box.rowspan > 1 or box.colspan > 1:
                cell = cell.merge(cells[box.row + box.rowspan - 1][box.col + box.colspan - 1])
            cell.text = box.text  # "\n" becomes a line break in the cell
    document.save(str(path))


def write_xlsx(sheets: list[Sheet], path: Path) -> None:
    """An Excel workbook, one form per sheet (the import templates' shape): title rows merged
    across, the table's merged cells merged, numbers stored as numbers, rates as percents."""
    import openpyxl
    from openpyxl.styles import Alignment

    book = openpyxl.Workbook()
    book.remove(book.active)
    for n, sheet in enumerate(sheets, start=1):
        ws = book.create_sheet(f"表{n}")
        t = sheet.table
        for r, line in enumerate(sheet.title, start=1):
            ws.cell(r, 1, line)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=t.width)
        top = len(sheet.title) + 1
        for box in t.boxes:
            value, number_format = spreadsheet_value(box.text)
            cell = ws.cell(top + box.row, 1 + box.col, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text typed as '=8个 (openpyxl would store a formula)
            if number_format:
                cell.number_format = number_format
            if "\n" in box.text:
                cell.alignment = Alignment(wrap_text=True)
            if box.rowspan > 1 or box.colspan > 1:
                ws.merge_cells(start_row=top + box.row, start_column=1 + box.col,
                               end_row=top + box.row + box.rowspan - 1, end_column=box.col + box.colspan)  # fmt: skip
    book.save(path)


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_PERCENT = re.compile(r"^-?\d+(?:\.\d+)?%$")


def spreadsheet_value(text: str) -> tuple[object, str]:
    """(value, number format) as a person types it into a sheet: numbers become numbers
    ("406000.00" shown with two decimals), "97.71%" a percent-formatted ratio, long digit
    strings such as 项目编码 stay text (a number would lose digits)."""
    if _PERCENT.match(text):
        decimals = len(text[:-1].split(".", 1)[1]) if "." in text else 0
        return float(Decimal(text[:-1]) / 100), "0." + "0" * decimals + "%" if decimals else "0%"
    if _NUMBER.match(text) and len(text) < 15:
        decimals = len(text.split(".", 1)[1]) if "." in text else 0
        return float(text), ("0." + "0" * decimals) if decimals else ""
    return text, ""


def write_xls(sheets: list[Sheet], path: Path) -> None:
    """An Excel 97-2003 workbook through xlwt: the same sheets, merged with write_merge."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, object] = {}

    def style(number_format: str):
        if number_format not in styles:
            styles[number_format] = xlwt.easyxf("alignment: wrap on", num_format_str=number_format or "General")
        return styles[number_format]

    for n, sheet in enumerate(sheets, start=1):
        ws = book.add_sheet(f"表{n}")
        t = sheet.table
        for r, line in enumerate(sheet.title):
            ws.write_merge(r, r, 0, t.width - 1, line)
        top = len(sheet.title)
        for box in t.boxes:
            value, number_format = spreadsheet_value(box.text)
            r, c = top + box.row, box.col
            if box.rowspan > 1 or box.colspan > 1:
                ws.write_merge(r, r + box.rowspan - 1, c, c + box.colspan - 1, value, style(number_format))
            elif box.text:
                ws.write(r, c, value, style(number_format))
    book.save(str(path))


def write_csv(sheets: list[Sheet], path: Path) -> None:
    """A sheet saved as CSV by Excel on a Chinese Windows (另存为 CSV): GB18030 text, one line
    per sheet row, a merged range's value in its first position and its other positions
    empty, fields holding commas, quotes or line breaks quoted; the forms one under another."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for sheet in sheets:
        for line in sheet.title:
            writer.writerow([line])
        for row in sheet.table.matrix():
            writer.writerow(["" if box is None else box.text for box in row])
        writer.writerow([])
    path.write_bytes(buffer.getvalue().encode("gb18030"))


def as_html(sheets: list[Sheet]) -> str:
    """A government page publishing the forms: a <table> per form with rowspan/colspan,
    cells as the site's editor writes them (<p> per line, &nbsp; for a blank), a script
    and a style sheet in the page that are not data."""
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8"><title>项目支出绩效自评表</title>',
           "<style>td { border: 1px solid #000; } .t { text-align: center }</style>",
           "<script>var total = '总分 100';</script></head><body>"]  # fmt: skip
    for sheet in sheets:
        out += [f'<p class="t"><strong>{html.escape(line)}</strong></p>' for line in sheet.title]
        out.append('<table border="1" cellspacing="0" style="border-collapse:collapse">\n<tbody>')
        for row in sheet.table.rows():
            cells = []
            for b in row:
                spans = (f' rowspan="{b.rowspan}"' if b.rowspan > 1 else "") + (f' colspan="{b.colspan}"' if b.colspan > 1 else "")
                body = "".join(f"<p>{html.escape(line)}</p>" for line in b.text.split("\n")) if b.text else "&nbsp;"
                cells.append(f"<td{spans}>{body}</td>")
            out.append("<tr>\n  " + "\n  ".join(cells) + "\n</tr>")
        out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out)


def write_pdf(sheets: list[Sheet], path: Path, ruled: bool = True) -> None:
    """A PDF with a real ruled table per form (reportlab's Table, GRID lines, SPAN for the
    merged cells), in reportlab's built-in CJK font STSong-Light; a form per page or more.
    Not `ruled`: the same table without its GRID lines, as a form drawn without borders or a
    scan's OCR text layer shows it (the lines are in the image): cells vertically centred,
    long cells wrapped, nothing but the words' positions to tell the cells apart."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table as PdfTable, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    cell_style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=6.5, leading=8, wordWrap="CJK")
    title_style = ParagraphStyle("title", fontName="STSong-Light", fontSize=12, leading=16, alignment=1)
    story = []
    for n, sheet in enumerate(sheets):
        if n:
            story.append(PageBreak())
        story += [Paragraph(html.escape(line), title_style) for line in sheet.title]
        t = sheet.table
        data = [["" for _ in range(t.width)] for _ in range(t.height)]
        commands = [("GRID", (0, 0), (-1, -1), 0.5, "black")] if ruled else []
        commands.append(("VALIGN", (0, 0), (-1, -1), "MIDDLE"))
        for box in t.boxes:
            data[box.row][box.col] = Paragraph(html.escape(box.text).replace("\n", "<br/>"), cell_style)
            if box.rowspan > 1 or box.colspan > 1:
                commands.append(("SPAN", (box.col, box.row), (box.col + box.colspan - 1, box.row + box.rowspan - 1)))
        usable = A4[0] - 56
        widths = _pdf_widths(t.width, usable)
        story.append(PdfTable(data, colWidths=widths, style=TableStyle(commands)))
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=28, rightMargin=28, topMargin=28, bottomMargin=28).build(story)


def _pdf_widths(width: int, usable: float) -> list[float]:
    # 绩效指标 label, level-1, level-2, the indicator name wider, the deviation widest.
    weights = [0.8, 1.0, 1.2, 1.8] + [1.0] * (width - 5) + [2.2]
    scale = usable / sum(weights)
    return [w * scale for w in weights]


_WRITERS = {
    "docx": write_docx,
    "xlsx": write_xlsx,
    "xls": write_xls,
    "csv": write_csv,
    "pdf": write_pdf,
    "pdf-unruled": lambda sheets, path: write_pdf(sheets, path, ruled=False),
}
_TEXTS = {
    "tsv": as_tsv,
    "tsv-quoted": as_tsv_quoted,
    "pipe-rows": as_pipe_rows,
    "pipe-cells": as_pipe_cells,
    "pipe-cells-dropped": as_pipe_cells_dropped,
    "cell-lines": as_cell_lines,
    "flattened": as_flattened,
    "aligned": as_aligned,
    "aligned-centred": lambda sheets: as_aligned(sheets, centred=True),
    "word-text": as_word_text,  # rendering() writes it with a BOM, the -gbk one in GB18030
    "word-text-gbk": lambda sheets: as_word_text(sheets, trailing_tab=False),
    "html": as_html,
}


def sheets(seed: str, variant: str) -> list[Sheet]:
    return [build_sheet(form, variant, n) for n, form in enumerate(seed_forms(seed))]


def rendering(seed: str, variant: str, carrier: str, folder: Path) -> tuple[Path, list[dict]]:
    """Write all zoo forms of `seed` in `variant` through `carrier` into `folder`.
    Returns the file and, per form, the fields it carries."""
    forms = sheets(seed, variant)
    path = folder / (f"{seed}.{variant}.{carrier}.txt" if carrier in TEXT_CARRIERS else f"{seed}.{variant}.{carrier}")
    if carrier == "pdf-unruled":
        path = folder / f"{seed}.{variant}.unruled.pdf"
    if carrier == "word-text":  # Word's "Unicode (UTF-8)" encoding writes a BOM
        path.write_bytes(codecs.BOM_UTF8 + as_word_text(forms).encode("utf-8"))
    elif carrier == "word-text-gbk":  # Word's default 简体中文 (GB2312) encoding, table converted to text
        path.write_bytes(as_word_text(forms, trailing_tab=False).encode("gb18030"))
    elif carrier in _TEXTS:
        path.write_text(_TEXTS[carrier](forms), encoding="utf-8")
    else:
        _WRITERS[carrier](forms, path)
    return path, [s.carried for s in forms]
