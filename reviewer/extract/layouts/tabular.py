"""Layout 'tabular': a form as tab-separated table rows (a Word/Excel table export, an .xlsx sheet).

Each line is a table row and each tab-separated field a cell; a merged cell appears as
empty fields. Nothing is read by fixed position: every part is located by the text of
its header cells (项目名称, 年初预算数, 预期目标, 一级指标 ... 得分, 总分), and a value
belongs to the header whose column span holds it. So the same code reads the Beijing
table dump (seed 002) and the Shenzhen Excel import template.

Found in exports and handled here:
- a cell wrapped inside the table cell comes out with a space inside a Chinese word
  ("北京市丰台区信访办 公室"); a space after a Chinese character is layout, not text;
- level-1/level-2 cells are merged down: an empty cell carries the value from above;
- a row whose merged cells collapsed into one field too few is shifted one column to the
  left; it is realigned on its 分值/得分 numbers and flagged with a warning.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal

from reviewer.extract.layouts.common import FUND_LABELS, FUND_TOTAL, form_id, to_float
from reviewer.domain.model import Form, FundingRow, Indicator, Source
from reviewer.domain.values import plain_decimal

NAME = "tabular"

Row = list[str]

# Header labels of the form's key/value cells → Form attribute.
_HEADER_FIELDS = {
    "项目名称": "name",
    "项目编码": "code",
    "主管部门": "department",
    "一级预算单位": "department",
    "实施单位": "unit",
    "绩效自评年度": "year",
    "自评年度": "year",
}
_HEADER_LABELS = tuple(_HEADER_FIELDS)
_FUNDING_COLUMNS = {  # matched by containment: "预算执行率" is 执行率
    "年初预算数": "initial_budget",
    "全年预算数": "annual_budget",
    "全年执行数": "executed",
    "分值": "weight",
    "执行率": "execution_rate",
    "得分": "score",
}
# Header cells are matched by the first label their squashed text contains.
# Some provinces split the target into 指标性质 (≥ ＝ ≤) | 指标值 | 度量单位.
_INDICATOR_COLUMNS = (
    ("一级指标", "level1"),
    ("二级指标", "level2"),
    ("三级指标", "name"),
    ("指标性质", "target_comparator"),
    ("指标值", "target"),
    ("度量单位", "target_unit"),
    ("计量单位", "target_unit"),
    ("实际完成值", "actual"),
    ("分值", "weight"),
    ("权重", "weight"),
    ("得分", "score"),
    ("偏差原因", "deviation"),
)
_TOTAL_LABELS = ("总分", "合计")

_CJK = r"\u2018-\u201d\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
# A cell wrapped inside its table cell gets a space at the wrap; a wrap after a Chinese
# character is layout (Chinese has no spaces), one after a digit ("1 个") may be written.
_LAYOUT_SPACE = re.compile(rf"(?<=[{_CJK}])\s+")
_KEY_NOISE = re.compile(r"[\s*＊:：]")
# "(2024年度)" under the title, or "2024年度项目支出绩效自评表" in it.
_TITLE_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]|(\d{4})\s*年度?[^\t]*自评表")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_CURRENCY = re.compile(r"[（(]\s*(万元|元)\s*[)）]|单位\s*[:：]\s*(万元|元)")
_LEVEL_POINTS = re.compile(r"\s*[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*$")
_OCR_SPLIT_NUMBER = re.compile(r"^\d+\.\s+\d+$")  # "0. 98": OCR output, not a table export
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_DASHES = {"—", "－", "-", "--", "——", "/", "／"}


# ---------------------------------------------------------------- text helpers


def tidy(cell: str) -> str:
    """A cell's text without the spaces its wrapping left after Chinese characters."""
    return _LAYOUT_SPACE.sub("", cell).strip()


def key(cell: str) -> str:
    """A cell squashed for label matching: no spaces, no required-field stars, no colons."""
    return _KEY_NOISE.sub("", cell)


def _is_plain_number(cell: str) -> bool:
    return bool(_PLAIN_NUMBER.match(cell.strip().replace(",", "")))


def _rows(text: str) -> list[Row]:
    return [line.rstrip("\r").split("\t") for line in text.split("\n")]


def _find_row(keys: list[set[str]], start: int, stop: int, test) -> int | None:
    """The first row in [start, stop) whose set of squashed cells passes `test`."""
    for i in range(start, stop):
        if keys[i] and test(keys[i]):
            return i
    return None


def _cell_keys(row: Row) -> set[str]:
    return {key(c) for c in row if c.strip()}


# ---------------------------------------------------------------- detection


def detect(text: str) -> bool:
    """Tab-separated rows holding 项目名称 and a funding or indicator header as whole cells."""
    if "\t" not in text:
        return False
    keys: set[str] = set()
    for line in text.split("\n"):
        if "\t" not in line:
            continue
        for cell in line.split("\t"):
            if _OCR_SPLIT_NUMBER.match(cell.strip()):
                return False
            keys.add(key(cell))
    return _is_name_row(keys) and (_has(keys, "年初预算数") or _has(keys, "一级指标"))


# ---------------------------------------------------------------- parsing


def parse(text: str, path: str) -> list[Form]:
    rows = _rows(text)
    keys = [_cell_keys(row) for row in rows]
    starts = [i for i, row_keys in enumerate(keys) if _is_name_row(row_keys)]
    forms = []
    preamble_start = 0
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(rows)
        form, total_at = _parse_form(rows, keys, preamble_start, start, end, path, index)
        forms.append(form)
        # Rows after this form's 总分 row (a title, a blank line) belong to the next form.
        preamble_start = total_at + 1 if total_at is not None else end
    return forms


def _is_name_row(row_keys: set[str]) -> bool:
    return any(k.startswith("项目名称") for k in row_keys)


def _has(row_keys: set[str], label: str) -> bool:
    return any(label in k for k in row_keys)


@dataclass
class _Sections:
    """Row indexes of the form's table headers (None where missing)."""

    funding: int | None
    goal: int | None
    indicators: int | None
    total: int | None


def _sections(keys: list[set[str]], start: int, end: int) -> _Sections:
    funding = _find_row(keys, start, end, lambda k: _has(k, "年初预算数") and _has(k, "全年执行数"))
    goal = _find_row(keys, start, end, lambda k: _has(k, "预期目标"))
    indicators = _find_row(keys, start, end, lambda k: _has(k, "一级指标") and _has(k, "三级指标"))
    after = indicators if indicators is not None else start
    total = _find_row(keys, after, end, lambda k: not k.isdisjoint(_TOTAL_LABELS))
    return _Sections(funding, goal, indicators, total)


def _parse_form(
    rows: list[Row], keys: list[set[str]], preamble_start: int, start: int, end: int, path: str, index: int
) -> tuple[Form, int | None]:
    at = _sections(keys, start, end)
    header_end = min(i for i in (at.funding, at.goal, at.indicators, end) if i is not None)
    form = Form(id="", source=Source(path=path, index=index, layout=NAME))
    _parse_header(form, rows[preamble_start:header_end])
    form.id = form_id(form.code, path, index)

    if at.funding is None:
        form.warn("funding", "no funding table (年初预算数 / 全年预算数 / 全年执行数) found")
    else:
        funding_end = min(i for i in (at.goal, at.indicators, end) if i is not None and i > at.funding)
        _parse_funding(form, rows[at.funding], rows[at.funding + 1 : funding_end], rows[preamble_start:at.funding])

    if at.goal is None:
        form.warn("goal", "no 年度总体目标 (预期目标 / 实际完成情况) found")
    else:
        goal_end = at.indicators if at.indicators is not None and at.indicators > at.goal else end
        _parse_goal(form, rows[at.goal], rows[at.goal + 1 : goal_end])

    if at.indicators is None:
        form.warn("indicators", "no 年度绩效指标 table (一级指标 / 二级指标 / 三级指标) found")
    else:
        table_end = at.total if at.total is not None else end
        _IndicatorReader(form, rows[at.indicators]).read(rows[at.indicators + 1 : table_end])

    if at.total is None:
        form.warn("total_score", "no 总分 row found")
    else:
        header = rows[at.indicators] if at.indicators is not None else []
        _parse_total(form, rows[at.total], header)
    return form, at.total


# ---------------------------------------------------------------- header fields


def _parse_header(form: Form, rows: list[Row]) -> None:
    values: dict[str, str] = {}
    title_year = None
    for row in rows:
        for i, cell in enumerate(row):
            m = _TITLE_YEAR.search(cell)
            if m and title_year is None:
                title_year = int(m.group(1) or m.group(2))
            label, inline = _header_label(cell)
            if label is None:
                continue
            value = inline or _next_value(row, i)
            if value and _HEADER_FIELDS[label] not in values:
                values[_HEADER_FIELDS[label]] = value

    form.name = values.get("name")
    form.code = values.get("code")
    form.unit = values.get("unit")
    form.department = values.get("department")
    if form.name is None:
        form.warn("name", "no 项目名称 found")
    if form.unit is None:
        form.warn("unit", "no 实施单位 found")
    if form.department is None:
        form.warn("department", "no 主管部门 / 一级预算单位 found")
    _set_year(form, values.get("year"), title_year)


def _header_label(cell: str) -> tuple[str | None, str]:
    """(label, value written in the same cell after a colon) when the cell is a header label."""
    if not key(cell).startswith(_HEADER_LABELS):
        return None, ""
    text = tidy(cell).lstrip("*＊").strip()
    for label in _HEADER_FIELDS:
        if text.startswith(label):
            rest = text[len(label) :]
            if not rest or rest in "：:":
                return label, ""
            if rest[0] in "：:":
                return label, rest[1:].strip()
    return None, ""


def _next_value(row: Row, i: int) -> str:
    """The first non-empty cell right of a label, unless it is itself a label."""
    for cell in row[i + 1 :]:
        if cell.strip():
            return "" if _header_label(cell)[0] else tidy(cell)
    return ""


def _set_year(form: Form, written: str | None, title_year: int | None) -> None:
    field_year = None
    if written:
        m = _YEAR.search(written)
        if m:
            field_year = int(m.group(1))
        else:
            form.warn("year", f"绩效自评年度 '{written}' is not a year")
    if field_year and title_year and field_year != title_year:
        form.warn("year", f"绩效自评年度 {field_year} differs from the title's ({title_year}年度)")
    form.year = field_year or title_year
    if form.year is None:
        form.warn("year", "no 绩效自评年度 and no (YYYY年度) in the title")


# ---------------------------------------------------------------- column mapping


UNREAD = "?"  # field prefix of a header cell this layout does not know


def _header_columns(row: Row, match) -> dict[int, str]:
    """Column index → field for each header cell; `match(squashed text)` names the field.

    A header cell right of the first known one that names no field (or a field already
    taken) still bounds the span of its neighbour, as `UNREAD + its text`, so its cells
    are reported rather than glued onto the column beside it."""
    columns: dict[int, str] = {}
    for col, cell in enumerate(row):
        if not cell.strip():
            continue
        field = match(key(cell))
        if field and field not in columns.values():
            columns[col] = field
        elif columns:
            columns[col] = UNREAD + tidy(cell)
    return columns


def _assign(row: Row, columns: dict[int, str]) -> tuple[dict[str, list[str]], list[str]]:
    """Each non-empty cell to the header whose span (its column up to the next header) holds it.

    Returns (field → cells, cells left of the first header column)."""
    starts = sorted(columns)
    fields: dict[str, list[str]] = {}
    before: list[str] = []
    for col, cell in enumerate(row):
        if not cell.strip():
            continue
        at = bisect_right(starts, col)
        if at == 0:
            before.append(cell)
        else:
            fields.setdefault(columns[starts[at - 1]], []).append(cell)
    return fields, before


def _drop_unread(form: Form, table: str, fields: dict[str, list[str]], reported: set[str]) -> None:
    """Remove cells under unknown headers, warning once per column."""
    for name in [n for n in fields if n.startswith(UNREAD)]:
        del fields[name]
        if name not in reported:
            reported.add(name)
            form.warn(table, f"column '{name[len(UNREAD):]}' is not part of this layout; its cells are not read")


def _matcher(labels):
    """A header matcher: the field of the first label the squashed header text contains."""

    def match(text: str) -> str | None:
        for label, field in labels:
            if label in text:
                return field
        return None

    return match


# ---------------------------------------------------------------- funding


_funding_column = _matcher(_FUNDING_COLUMNS.items())


def _parse_funding(form: Form, header: Row, rows: list[Row], preamble: list[Row]) -> None:
    funding = form.funding
    # The unit is written by the table ("项目资金（万元）"), else above it ("单位：万元").
    written_unit = _currency(header + [c for r in rows for c in r]) or _currency([c for r in preamble for c in r])
    if written_unit:
        funding.currency_unit = written_unit
    else:
        form.warn("funding.currency_unit", "no (元)/(万元) written by the funding table; amounts read as 元")
    scale = Decimal(10000) if funding.currency_unit == "万元" else Decimal(1)
    columns = _header_columns(header, _funding_column)
    rate_in_percent = any("%" in c for c in header if _funding_column(key(c)) == "execution_rate")

    reported: set[str] = set()
    for row in rows:
        fields, before = _assign(row, columns)
        _drop_unread(form, "funding", fields, reported)
        label = _funding_label("".join(key(c) for c in before))
        if label is None:
            if fields:
                form.warn("funding", f"funding row without a known label skipped: {' | '.join(map(tidy, before))}")
            continue
        cells = {name: _single(form, f"funding {label} {name}", cs) for name, cs in fields.items()}
        funding.rows.append(
            FundingRow(
                label=label,
                initial_budget=_amount(form, label, "initial_budget", cells.get("initial_budget"), scale),
                annual_budget=_amount(form, label, "annual_budget", cells.get("annual_budget"), scale),
                executed=_amount(form, label, "executed", cells.get("executed"), scale),
            )
        )
        if label == FUND_TOTAL:
            _read_total_row(form, funding.rows[-1], cells, rate_in_percent)
    if not any(r.label == FUND_TOTAL for r in funding.rows):
        form.warn("funding", f"no {FUND_TOTAL} row found")


def _currency(cells: list[str]) -> str | None:
    for cell in cells:
        m = _CURRENCY.search(cell)
        if m:
            return m.group(1) or m.group(2)
    return None


def _funding_label(text: str) -> str | None:
    for label in FUND_LABELS:
        if label in text:
            return label
    return None


def _single(form: Form, what: str, cells: list[str]) -> str | None:
    if len(cells) == 1:
        return cells[0]
    form.warn("funding", f"{what}: several cells under one header ({' | '.join(cells)}); not read")
    return None


def _amount(form: Form, label: str, field: str, cell: str | None, scale: Decimal) -> float | None:
    if cell is None or cell.strip() in _DASHES:
        return None
    amount = plain_decimal(cell)  # not Decimal(): it takes nan, inf and 1e309
    if amount is None:
        form.warn(f"funding.{field}", f"{label}: '{cell.strip()}' is not an amount")
        return None
    return float(amount * scale)


def _read_total_row(form: Form, row: FundingRow, cells: dict[str, str | None], rate_in_percent: bool) -> None:
    funding = form.funding
    funding.initial_budget, funding.annual_budget, funding.executed = (
        row.initial_budget, row.annual_budget, row.executed)
    names = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数",
             "weight": "分值", "execution_rate": "执行率", "score": "得分"}
    for field, written in names.items():
        if not (cells.get(field) or "").strip():
            form.warn(f"funding.{field}", f"{FUND_TOTAL} {written} cell is blank")
    funding.weight = _number(form, "funding.weight", cells.get("weight"))
    funding.score = _number(form, "funding.score", cells.get("score"))
    funding.execution_rate = _execution_rate(form, cells.get("execution_rate"), rate_in_percent)


def _number(form: Form, field: str, cell: str | None) -> float | None:
    if cell is None or not cell.strip():
        return None
    value = to_float(cell)
    if value is None or "%" in cell:
        form.warn(field, f"'{cell.strip()}' is not a number")
        return None
    return value


def _execution_rate(form: Form, cell: str | None, header_in_percent: bool) -> float | None:
    """In percent. "100%" is a percent; a bare "0.98" is a ratio only if the amounts say so."""
    if cell is None or not cell.strip():
        return None
    rate = to_float(cell)
    if rate is None:
        form.warn("funding.execution_rate", f"执行率 '{cell.strip()}' is not a number")
        return None
    if "%" in cell or not 0 < rate <= 1:
        return rate
    budget, executed = form.funding.annual_budget, form.funding.executed
    if budget and executed is not None and abs(executed / budget - rate) < 0.01:
        percent = float(Decimal(cell.strip()) * 100)
        form.warn("funding.execution_rate", f"执行率 written as a ratio ({cell.strip()}); read as {percent:g}%")
        return percent
    unit = "the header says %" if header_in_percent else "no % written"
    form.warn("funding.execution_rate", f"执行率 {cell.strip()} may be a ratio ({unit}); kept as {rate:g}%")
    return rate


# ---------------------------------------------------------------- goal


def _parse_goal(form: Form, header: Row, rows: list[Row]) -> None:
    columns = _header_columns(header, _matcher((("预期目标", "planned"), ("实际完成", "actual"))))
    if "actual" not in columns.values():
        form.warn("goal", "no 实际完成情况 header beside 预期目标; all text read as planned")
    planned, actual = [], []
    reported: set[str] = set()
    for row in rows:
        fields, _ = _assign(row, columns)  # cells left of 预期目标: the 年度总体目标 label
        _drop_unread(form, "goal", fields, reported)
        planned += fields.get("planned", [])
        actual += fields.get("actual", [])
    form.goal.planned = "".join(map(tidy, planned))
    form.goal.actual = "".join(map(tidy, actual))
    if not form.goal.planned:
        form.warn("goal.planned", "预期目标 is empty")
    if not form.goal.actual:
        form.warn("goal.actual", "实际完成情况 is empty")


# ---------------------------------------------------------------- indicators


_indicator_column = _matcher(_INDICATOR_COLUMNS)


class _IndicatorReader:
    """Reads indicator rows under their header; merged level cells carry down."""

    def __init__(self, form: Form, header: Row):
        self.form = form
        self.columns = _header_columns(header, _indicator_column)
        self.col_of = {field: col for col, field in self.columns.items()}
        self.level1 = ""
        self.level2 = ""
        self.reported: set[str] = set()
        for needed in ("name", "target", "actual", "weight", "score"):
            if needed not in self.col_of:
                form.warn("indicators", f"indicator header has no {needed} column")

    def read(self, rows: list[Row]) -> None:
        for row in rows:
            row = self._realigned(row)
            fields, _ = _assign(row, self.columns)  # cells left of 一级指标: the section label
            _drop_unread(self.form, "indicators", fields, self.reported)
            cells = {name: "".join(map(tidy, cs)) for name, cs in fields.items()}
            self._row(cells)

    def _realigned(self, row: Row) -> Row:
        """A row shifted one column left (a merged cell lost its field) moved back into place.

        Recognised by: no level-1 cell, 分值/得分 numbers one column left of their headers
        with the 得分 column itself blank, and a level-2 cell that is not a category (…指标)."""
        weight_col, score_col = self.col_of.get("weight"), self.col_of.get("score")
        level1_col, level2_col = self.col_of.get("level1"), self.col_of.get("level2")
        if None in (weight_col, score_col, level1_col, level2_col) or score_col != weight_col + 1:
            return row

        def cell(col: int) -> str:
            return row[col].strip() if 0 <= col < len(row) else ""

        shifted = (
            not cell(level1_col)
            and not cell(score_col)
            and _is_plain_number(cell(weight_col - 1))
            and _is_plain_number(cell(weight_col))
            and cell(level2_col)
            and not tidy(cell(level2_col)).endswith("标")
        )
        if not shifted:
            return row
        self.form.warn(
            f"indicators[{len(self.form.indicators)}]",
            "row is shifted one column left in the source (a merged cell lost its field); "
            "realigned on its 分值/得分 numbers",
        )
        return [""] + row

    def _row(self, cells: dict[str, str]) -> None:
        level1 = _LEVEL_POINTS.sub("", cells.get("level1", ""))
        level2 = cells.get("level2", "")
        if level1 and level1 != self.level1:
            self.level1, self.level2 = level1, ""
        if level2:
            self.level2 = level2
        body = {k: v for k, v in cells.items() if k not in ("level1", "level2")}
        if not body:
            return  # a row naming only a category
        if set(body) == {"deviation"} and self.form.indicators:
            self.form.indicators[-1].deviation += body["deviation"]  # the cell continued on a new row
            return
        i = len(self.form.indicators)
        if not self.level2:
            self.form.warn(f"indicators[{i}]", "no 二级指标 for this row")
        indicator = Indicator(
            level1=self.level1,
            level2=self.level2,
            name=body.get("name", ""),
            target=body.get("target_comparator", "") + body.get("target", "") + body.get("target_unit", ""),
            actual=body.get("actual", ""),
            weight=self._number(i, "分值", body.get("weight")),
            score=self._number(i, "得分", body.get("score")),
            deviation=body.get("deviation", ""),
        )
        self.form.indicators.append(indicator)

    def _number(self, i: int, written: str, cell: str | None) -> float | None:
        field = f"indicators[{i}]"
        if not cell:
            self.form.warn(field, f"{written} cell is blank")
            return None
        value = to_float(cell.removesuffix("分"))  # "20分"
        if value is None or "%" in cell:
            self.form.warn(field, f"{written} '{cell}' is not a number")
            return None
        return value


# ---------------------------------------------------------------- total


def _parse_total(form: Form, row: Row, indicator_header: Row) -> None:
    """总分 row: its numbers are the weight total and the score total, in that order."""
    label_at = next(i for i, c in enumerate(row) if key(c) in _TOTAL_LABELS)
    numbers = [(col, c.strip()) for col, c in enumerate(row) if col > label_at and _is_plain_number(c)]
    if len(numbers) == 2:
        form.total_weight, form.total_score = (to_float(c) for _, c in numbers)
        return
    if len(numbers) == 1:
        col, cell = numbers[0]
        header_field = _indicator_column(key(indicator_header[col])) if col < len(indicator_header) else None
        if header_field == "weight":
            form.total_weight = to_float(cell)
        elif header_field == "score":
            form.total_score = to_float(cell)
        else:
            form.warn("total_score", f"总分 row has one number ({cell}) under no 分值/得分 header; not read")
            return
        missing = "total_score" if header_field == "weight" else "total_weight"
        form.warn(missing, "总分 row has only one number")
        return
    form.warn("total_score", f"总分 row has {len(numbers)} numbers, expected 2 (分值, 得分); not read")
