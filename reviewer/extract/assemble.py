"""`assemble(raw) -> Form`: every normalisation of an extracted form, done once.

Layouts locate cells (`raw.RawForm`); this turns them into the `Form` of the JSON contract:
- amounts: plain decimals (thousands separators allowed), × 10,000 where the funding
  table says 万元 (or the cell itself says 万/万元); nan, inf, exponents and absurd
  magnitudes are left empty with a warning;
- weights, scores and rates likewise: nan, inf, exponents and numbers of more than 15
  digits before the point are left empty with a warning (so no layout needs a pass after
  it: every number of an assembled form is one a form can hold);
- the execution rate in percent, by one rule (`execution_rate`);
- level names: points stripped, a known variant made canonical, merged cells carried down;
- weights, scores, the total row, the year from the field or the title;
- warnings naming the field and why, for everything missing or not readable.
Text is never rewritten: what a layout read is what the form says.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from pydantic import TypeAdapter

from reviewer.domain.model import Form, FundingRow, Indicator, Source
from reviewer.domain.values import MAX_INTEGER_DIGITS, comparator_symbol, is_unit, plain_decimal
from reviewer.domain.vocabulary import depends_on_vocabulary, label_key, strip_points, vocabulary
from reviewer.extract.raw import (
    Cells, RawCell, RawForm, RawFunding, RawGoal, RawTable, RawTotal, RawWarning,
)

FUND_TOTAL = "年度资金总额"
# A cell that says "nothing here": not a value, not worth a warning.
DASHES = frozenset(("—", "－", "-", "--", "——", "/", "／", "无", "–", "\\"))
# One project's funding is never a trillion yuan: a bigger amount is a misread cell.
MAX_AMOUNT = 1e12
RATE_TOLERANCE = 1.0  # percentage points between a written rate and executed ÷ budget

_AMOUNT = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(万元|万|元)?$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_SPACES = re.compile(r"\s+")
_YUAN, _WAN = Decimal(1), Decimal(10000)  # one object each: `amount` is cached by its scale
_CURRENCY = re.compile(r"万元|元")
_CODED_NAME = re.compile(r"^([0-9A-Z]{12,30})\s*[-－—_:：]\s*(\S.*)$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_WRITTEN = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")  # "2022年度": the year a title names
_FUNDING_NAMES = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数",
                  "weight": "分值", "execution_rate": "执行率", "score": "得分"}
_SCORE_NAMES = {"weight": "分值", "score": "得分", "review_score": "复核分", "weighted_score": "折算得分"}
_SCORE_FIELDS = tuple(_SCORE_NAMES)
_LEVELS = ("level1", "level2")
# A row with none of these is a category row (its rubric text, if any, describes the category).
_SUBSTANCE = frozenset(("name", "target", "actual", "weight", "score", "review_score", "weighted_score",
                        "deviation"))
_TEMPLATE_ROW = frozenset(("seq", "name", "remark"))  # the cells of an unfilled template row ("指标2")


def form_id(code: str | None, path: str, index: int) -> str:
    """The project code, else `<file stem>#<n>` with n counted from 1 (a zip member's own
    stem: `forms.zip!a.txt` → `a#1`)."""
    return code or f"{_stem(path)}#{index + 1}"


@lru_cache(maxsize=256)  # every form of a file asks
def _stem(path: str) -> str:
    return Path(path.rsplit("!", 1)[-1]).name.split(".")[0]


def assemble(raw: RawForm) -> Form:
    form = Form(id="", source=Source(path=raw.path, index=raw.index, layout=raw.layout), kind=raw.kind)
    for w in raw.warnings:
        form.warn(w.field, w.message)
    _header(form, raw)
    form.id = form_id(form.code, raw.path, raw.index)
    _funding(form, raw.funding)
    _goal(form, raw.goal)
    if raw.indicators is None:
        if raw.kind != "evaluation_report":
            _warn_once(form, "indicators", "no 年度绩效指标 table (一级指标 / 二级指标 / 三级指标) found")
    else:
        form.indicators = _rows(form, raw.indicators, "indicators")
    if raw.performance_targets is not None:
        form.performance_targets = _rows(form, raw.performance_targets, "performance_targets")
    _total(form, raw.total)
    form.problems = [c.text for c in raw.problems]
    _notes(form, raw.problems_notes)
    return form


def _warn_once(form: Form, field: str, message: str) -> None:
    """A generic warning, unless the layout already said why this field is missing."""
    if not any(w.field == field for w in form.warnings):
        form.warn(field, message)


def _notes(form: Form, notes: list[RawWarning], prefix: str = "") -> None:
    for note in notes:
        form.warn(prefix + note.field if prefix else note.field, note.message)


def _text(cell: RawCell | None) -> str:
    return cell.text.strip() if cell is not None else ""


# ---------------------------------------------------------------- header


def _header(form: Form, raw: RawForm) -> None:
    _notes(form, raw.header_notes)
    for name in ("name", "code", "unit", "department"):
        setattr(form, name, _text(raw.header.get(name)) or None)
        cell = raw.header.get(name)
        if cell is not None and cell.original and cell.original.strip() != cell.text.strip():
            form.warn(name, f"written '{cell.original.strip()}' (cleaned up at the source: {cell.where})")
    coded = _CODED_NAME.match(form.name or "") if form.code is None else None
    if coded:  # "51000021R000000019951-工资性支出": the code written in front of the name
        form.code, form.name = coded.group(1), coded.group(2).strip()
        form.warn("code", f"项目编码 read from the front of 项目名称 '{coded.group(0)}'")
    if form.name is None and form.kind == "self_evaluation":
        _warn_once(form, "name", "no 项目名称 found")
    if form.unit is None:
        _warn_once(form, "unit", "no 实施单位 found")
    if form.department is None and form.kind == "self_evaluation":
        _warn_once(form, "department", "no 主管部门 / 一级预算单位 found")
    form.year = _year(form, _text(raw.header.get("year")), raw.title)


def _year(form: Form, written: str, title: RawCell | None) -> int | None:
    title_year = None
    if title is not None:
        m = _YEAR_WRITTEN.search(title.text) or _YEAR.search(title.text)
        title_year = int(m.group(1)) if m else None
    field_year = None
    if written:
        m = _YEAR.search(written)
        if m:
            field_year = int(m.group(1))
        else:
            form.warn("year", f"绩效自评年度 '{written}' is not a year")
    if field_year and title_year and field_year != title_year:
        form.warn("year", f"绩效自评年度 {field_year} differs from the title's ({title_year}年度)")
    year = field_year or title_year
    if year is None:
        _warn_once(form, "year", "no 绩效自评年度 and no (YYYY年度) in the title")
    return year


# ---------------------------------------------------------------- funding


@lru_cache(maxsize=8192)
def amount(text: str, scale: Decimal) -> tuple[float | None, str | None]:
    """(yuan, problem): a plain decimal amount as written, in the table's unit unless the
    cell names its own (万/万元/元). Blank and dash cells are (None, None)."""
    t = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    if not t or t in DASHES:
        return None, None
    m = _AMOUNT.match(t)
    if m is None:
        return None, f"'{text.strip()}' is not an amount"
    own = m.group(2)
    unit = _YUAN if own == "元" else _WAN if own else scale
    try:
        value = float(Decimal(m.group(1).replace(",", "")) * unit)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None, f"'{text.strip()}' is not an amount"
    if abs(value) > MAX_AMOUNT:
        return None, f"'{text.strip()}' is not a plausible amount (more than {MAX_AMOUNT:.0e} yuan)"
    return value, None


@lru_cache(maxsize=8192)
def number(text: str) -> tuple[float | None, str | None]:
    """(value, problem) for a weight or score cell: "9.5", "20分"; "%" or words are not numbers."""
    t = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    if not t or t in DASHES:
        return None, None
    bare = t.removesuffix("分").replace(",", "")
    if "%" in t or not _NUMBER.match(bare):
        return None, f"'{text.strip()}' is not a number"
    if plain_decimal(bare) is None:
        return None, _too_long(text)
    return float(bare), None


def _too_long(text: str) -> str:
    """A number with more digits than any form holds: nothing a float could keep as written."""
    shown = text.strip() if len(text.strip()) <= 24 else text.strip()[:20] + "…"
    return f"'{shown}' has more than {MAX_INTEGER_DIGITS} digits before the point: not a number a form can hold"


def execution_rate(written: str, header_says_percent: bool, budget: float | None, executed: float | None,
                   convention: str = "") -> tuple[float | None, str | None]:
    """(执行率 in percent, warning). One rule for every layout:

    - written with "%": that percent;
    - a bare number is a percent, or a ratio (0.98 = 98%) when it is at most 1.5: the
      amounts (executed ÷ budget) decide which; when they agree with neither reading, or
      are missing, the template's convention decides (a ratio for OCR'd Shenzhen scans),
      else the number is kept as a percent, with a warning whenever the choice was not
      the amounts' and the number could be a ratio.
    """
    t = _SPACES.sub("", unicodedata.normalize("NFKC", written))
    if not t or t in DASHES:
        return None, None
    percent_written = t.endswith("%")
    bare = t.rstrip("%").replace(",", "")
    if not _NUMBER.match(bare):
        return None, f"执行率 '{written.strip()}' is not a number"
    if plain_decimal(bare) is None:
        return None, f"执行率 {_too_long(written)}"
    value = float(bare)
    if percent_written:
        return value, None
    ratio = float(Decimal(bare) * 100) if 0 <= value <= 1.5 else None
    if budget and executed is not None:
        actual = executed / budget * 100
        if abs(value - actual) < RATE_TOLERANCE:
            return value, None
        if ratio is not None and abs(ratio - actual) < RATE_TOLERANCE:
            note = None if convention == "ratio" else f"执行率 written as a ratio ({bare}); read as {ratio:g}%"
            return ratio, note
        if ratio is None:
            return value, None  # a percent that disagrees with the amounts: the checks judge it
        read = ratio if convention == "ratio" else value
        return read, (f"执行率 {bare} is neither 全年执行数 ÷ 全年预算数 ({actual:.2f}%) nor that as a ratio; "
                      f"read as {read:g}%")
    if ratio is None or value == 0:
        return value, None
    if convention == "ratio":
        return ratio, None
    said = "the header says %" if header_says_percent else "no % written"
    return value, f"执行率 {bare} may be a ratio ({said}); kept as {value:g}%"


def _funding(form: Form, raw: RawFunding | None) -> None:
    if raw is None:
        _warn_once(form, "funding", "no funding table (年初预算数 / 全年预算数 / 全年执行数) found")
        return
    _notes(form, raw.notes)
    funding = form.funding
    unit = _CURRENCY.search(raw.currency.text) if raw.currency is not None else None
    if unit:
        funding.currency_unit = unit.group(0)
    else:
        _warn_once(form, "funding.currency_unit", "no (元)/(万元) written by the funding table; amounts read as 元")
    scale = _WAN if funding.currency_unit == "万元" else _YUAN
    labels = vocabulary().funding_rows
    total_cells: Cells | None = None
    for row in raw.rows:
        label = labels.field(row.label.text)
        written = row.label.text.strip().removeprefix("其中").lstrip(":：").strip()
        amounts = {name: _amount(form, label or written, name, row.cells.get(name), scale)
                   for name in ("initial_budget", "annual_budget", "executed")}
        if label is None:
            if all(v is None for v in amounts.values()):
                continue  # a note or a heading inside the table, no amount of its own
            label = written
            if label_key(written) not in _other_rows():
                form.warn("funding", f"funding row '{written}' is none of the template's rows; kept under its label")
        funding.rows.append(FundingRow(label=label, **amounts))
        if label == FUND_TOTAL and total_cells is None:
            total_cells = row.cells
            funding.initial_budget, funding.annual_budget, funding.executed = (
                amounts["initial_budget"], amounts["annual_budget"], amounts["executed"])
    if total_cells is not None:
        for name, written in _FUNDING_NAMES.items():
            if name in raw.columns and not _text(total_cells.get(name)):
                form.warn(f"funding.{name}", f"{FUND_TOTAL} {written} cell is blank")
        _funding_line(form, raw, total_cells)
    elif raw.rows or not raw.summary:
        _warn_once(form, "funding", f"no {FUND_TOTAL} row found")
    _funding_summary(form, raw, scale)


@depends_on_vocabulary
@lru_cache(maxsize=1)
def _other_rows() -> frozenset[str]:
    """Funding rows of other templates the vocabulary knows (中央资金, 单位资金): no warning."""
    return frozenset(label_key(label) for label in vocabulary().funding_other_rows)


def _amount(form: Form, label: str, name: str, cell: RawCell | None, scale: Decimal) -> float | None:
    if cell is None:
        return None
    value, problem = amount(cell.text, scale)
    if problem:
        form.warn(f"funding.{name}", f"{label}: {problem}")
    return value


def _funding_line(form: Form, raw: RawFunding, cells: Cells) -> None:
    """分值 / 执行率 / 得分 of the 年度资金总额 row."""
    funding = form.funding
    for name in ("weight", "score"):
        cell = cells.get(name)
        if cell is not None:
            value, problem = number(cell.text)
            setattr(funding, name, value)
            if problem:
                form.warn(f"funding.{name}", problem)
    rate = cells.get("execution_rate")
    if rate is not None:
        _set_rate(form, raw, rate)


def _set_rate(form: Form, raw: RawFunding, cell: RawCell) -> None:
    funding = form.funding
    header = raw.columns.get("execution_rate")
    says_percent = header is not None and "%" in unicodedata.normalize("NFKC", header.text)
    budget = funding.annual_budget if funding.annual_budget is not None else funding.initial_budget
    funding.execution_rate, problem = execution_rate(
        cell.text, says_percent, budget, funding.executed, raw.rate_convention)
    if problem:
        form.warn("funding.execution_rate", problem)


def _funding_summary(form: Form, raw: RawFunding, scale: Decimal) -> None:
    """Values written outside the table fill what the 年度资金总额 row did not give."""
    funding = form.funding
    for name in ("initial_budget", "annual_budget", "executed", "project_amount"):
        cell = raw.summary.get(name)
        if cell is not None and getattr(funding, name) is None:
            setattr(funding, name, _amount(form, _FUNDING_NAMES.get(name, "项目金额"), name, cell, scale))
    for name in ("weight", "score"):
        cell = raw.summary.get(name)
        if cell is not None and getattr(funding, name) is None:
            value, problem = number(cell.text)
            setattr(funding, name, value)
            if problem:
                form.warn(f"funding.{name}", problem)
    rate = raw.summary.get("execution_rate")
    if rate is not None and funding.execution_rate is None:
        _set_rate(form, raw, rate)


# ---------------------------------------------------------------- goal


def _goal(form: Form, raw: RawGoal | None) -> None:
    if raw is None:
        _warn_once(form, "goal", "no 年度总体目标 (预期目标 / 实际完成情况) found")
        return
    _notes(form, raw.notes)
    form.goal.planned = "".join(c.text.strip() for c in raw.planned)
    form.goal.actual = "".join(c.text.strip() for c in raw.actual)
    if any(n.field == "goal" for n in raw.notes):
        return  # the layout said what is wrong with the goal as a whole (columns not separable …)
    if not form.goal.planned:
        _warn_once(form, "goal.planned", "预期目标 is empty")
    if not form.goal.actual:
        _warn_once(form, "goal.actual", "实际完成情况 is empty")


# ---------------------------------------------------------------- indicator rows


def _rows(form: Form, table: RawTable, part: str) -> list[Indicator]:
    """The table's rows as Indicators: merged level cells carried down, category-only rows
    and unfilled template rows dropped, a row holding only a deviation joined to the one above."""
    _notes(form, table.notes)
    vocab = vocabulary()
    blank = _blank_columns(table)
    for name in blank:
        form.warn(part, f"{_SCORE_NAMES[name]} is blank in every row of the table")
    split_target = "comparator" in table.columns or "unit" in table.columns
    rows: list[dict] = []  # the Indicators' fields, validated at once at the end (one call, not one per row)
    level1 = level2 = ""
    left_out = 0  # rows that are no indicator (a rubric with more of them than rows is a scramble)
    for raw_row in table.rows:
        cells = raw_row.cells
        cell1, cell2 = cells.get("level1"), cells.get("level2")
        written1 = cell1.text.strip() if cell1 is not None else ""
        written2 = cell2.text.strip() if cell2 is not None else ""
        if written1:
            name1 = strip_points(written1) if table.rubric else vocab.canonical_level(written1, 1)
            if name1 != level1:
                level1, level2 = name1, ""
        if written2:
            level2 = strip_points(written2) if table.rubric else vocab.canonical_level(written2, 2)
        # The row's cells as written, stripped; a blank cell is no cell.
        body = {k: t for k, c in cells.items() if k not in _LEVELS and (t := c.text.strip())}
        i = len(rows)
        if _fragment_name(body):
            form.warn(part, f"'{body['name']}' is a value or a piece of text, not an indicator's name: the row "
                            "is not read (its cells were not placed with confidence)")
            left_out += 1
            continue
        if _rubric_prose_row(body, table.rubric):
            beside = "beside it in a rubric" if table.rubric and not _SCORES.isdisjoint(body) else "no 分值 or 得分 beside it"
            form.warn(part, f"'{_short(body['name'])}' is a rubric's scoring rule or explanation, not an indicator ({beside}): "
                            "not read as a row")
            left_out += 1
            continue
        reason = _not_an_indicator(body, table.rubric)
        if reason is not None:
            form.warn(part, f"'{_short(body['name'], 40)}' {reason}: set aside, not read as an indicator row")
            left_out += 1
            continue
        category = _category_named(body)
        if category is not None:
            depth, name = category
            if depth == 1:
                level1, level2 = name, ""
            else:
                level2 = name
            form.warn(part, f"a row holding only '{body['name']}' in the 指标 column: read as the "
                            f"{'一级' if depth == 1 else '二级'}指标 of the rows below it")
            continue
        if body.keys().isdisjoint(_SUBSTANCE) or (
                body.keys() <= _TEMPLATE_ROW and vocab.placeholder.match(body.get("name", ""))):
            _notes(form, raw_row.notes, f"{part}[{max(i - 1, 0)}]" if rows else part)
            continue  # a row naming only a category, or a template row left unfilled
        if rows and len(body) == 1 and "deviation" in body:
            rows[-1]["deviation"] += body["deviation"]  # the cell continued on a new row
            _notes(form, raw_row.notes, f"{part}[{i - 1}]")
            continue
        if rows and not written1 and not written2 and "name" not in body and _fills_gaps(rows[-1], body):
            _continue_row(rows[-1], body)  # the row was split over two lines: its other cells
            filled = {f"{_SCORE_NAMES[n]} cell is blank" for n in body if n in _SCORE_NAMES}
            form.warnings = [w for w in form.warnings if not (w.field == f"{part}[{i - 1}]" and w.message in filled)]
            form.warn(f"{part}[{i - 1}]", "cells of a row without name read as the rest of this row: "
                                          + ", ".join(sorted(body)))
            _notes(form, raw_row.notes, f"{part}[{i - 1}]")
            continue
        if table.rubric and "name" not in body:
            form.warn(part, f"a rubric row with no 指标 name ({_cells_named(body)}): not read as a row (a rubric row "
                            "is an item's name with its 分值 and 得分; these cells were not placed with confidence)")
            left_out += 1
            continue
        where = f"{part}[{i}]"
        if raw_row.notes:
            _notes(form, raw_row.notes, where)
        row_level1 = "" if "level1" in cells and not written1 else level1
        row_level2 = "" if "level2" in cells and not written2 else level2
        if not row_level2 and "level2" in table.columns and "level2" not in cells:
            form.warn(where, "no 二级指标 for this row")
        rows.append(_indicator(form, where, table, body, row_level1, row_level2, split_target, blank))
    if table.rubric and rows and left_out > len(rows):
        form.warn(part, f"{left_out} of the rubric's {left_out + len(rows)} rows are no item (nameless, a piece of "
                        "a criterion or formula): its cells are scrambled, so none of its rows is read with "
                        "confidence (left out: " + ", ".join(f"'{_short(r['name'])}'" for r in rows) + ")")
        rows = []
    if table.truncated:
        form.warn(part, f"indicator table ends after row {len(rows)} with no 总分 row: the rest of the form "
                        "may be cut off")
    return _INDICATORS.validate_python(rows)


_SCORES = frozenset(("weight", "score", "review_score", "weighted_score"))
_ROW_VALUES = frozenset(("target", "actual", "weight", "score", "review_score", "weighted_score"))


def _rubric_prose_row(body: dict[str, str], rubric: bool = False) -> bool:
    """A row whose name is a rubric's prose (a scoring rule, an explanation): a cell of a row the
    reader cut apart (评分标准 run over lines), not an indicator. Outside a rubric only when it
    holds no 分值 / 得分; in a rubric never, whatever stands beside it: a rubric's prose is its
    criterion, and a number beside it (or the "(1分)" it ends with) is then no item's weight."""
    name = body.get("name", "")
    if not name or not vocabulary().rubric_prose.search(name):
        return False
    return rubric or _SCORES.isdisjoint(body)


def _cells_named(body: dict[str, str]) -> str:
    return ", ".join(f"{_FIELD_NAMES.get(k, k)} '{_short(v, 16)}'" for k, v in body.items())


_FIELD_NAMES = {**_SCORE_NAMES, "criteria": "评分标准", "description": "指标说明", "target": "指标值", "actual": "完成值",
                "deviation": "偏差原因"}


# What an indicator's name never is: a number, a percent or points alone ("10", "100%", "15 分"),
# a unit alone, or a piece of a sentence: it starts with punctuation, or with the 分 of "1 分;"
# whose number was cut off ("分;缺一项扣"), it is a points note cut open ("(6"), or it ends
# with the colon of a grade whose points went elsewhere ("…是否明确。明确:"). (A value with
# its unit, "33000 元", names a row in OCR'd forms that lost the name: it stays.)
_VALUE_ALONE = re.compile(r"^[+-]?\d+(?:\.\d+)?\s*[分%％]?$")
_PIECE = re.compile(r"^(?:[;；,，。、:：)）\]】×-]|分\s*[;；,，。、)）]|[(（]\s*\d+(?:\.\d+)?\s*分?\s*$)|.*[:：]$")


def _fragment_name(body: dict[str, str]) -> bool:
    """A row whose name is a piece of a sentence, or a value alone with no 分值 / 得分 beside it
    (an OCR'd row that lost its name but kept its scores, "0 | 10 | 0", is still a row)."""
    text = body.get("name", "").strip()
    if not text:
        return False
    if _PIECE.match(text):
        return True
    return _SCORES.isdisjoint(body) and (_VALUE_ALONE.match(text) is not None or is_unit(text))


# The cells in which an indicator's own values stand; a row with none of them legible holds
# at most a name, and must earn its place by that name alone.
_VALUE_CELLS = frozenset(("target", "comparator", "unit", "actual", "weight", "score"))
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_NUMBERING = re.compile(r"^指标\d+[:：]?")  # the template's "指标2" before a name, colon or not
_SENTENCE = re.compile(r"[，,；;。：:]")


def _not_an_indicator(body: dict[str, str], rubric: bool) -> str | None:
    """Why a row with a name is not an indicator, or None. What an indicator has: a name that is
    neither a column header nor a category, and either a value in its own cells or a name that
    reads as an indicator's (no figures run into it, no sentence). A row that fails is OCR- or
    PDF-flattened text (several cells fused into the 指标 column, a rubric sentence, a header
    repeated on a new page) on which the checks would only comment and cut. In a rubric
    (评分表) a category with its points is a scored row, so it stays there."""
    name = body.get("name", "")
    if not name:
        return None
    vocab = vocabulary()
    if vocab.indicator_columns.exact(name) is not None:
        return "is a column header of the indicator table"
    if len(body) > 1 and all(text == name for text in body.values()) and vocab.funding_columns.exact(name):
        # "预算执行率 | 预算执行率": the template's budget-execution line inside the indicator table,
        # one merged label cell printed once per column it spans, unfilled. (A value repeated,
        # "不适用 | 不适用 | 不适用", is a row as written.)
        return "is a funding label repeated in every cell of its row (a merged cell), with no value of its own"
    if vocab.level(name, 1) is not None or vocab.level(name, 2) is not None:
        # 产出指标 (60 分) heads its rows; a 二级 name with points can be a scored row (经济效益 in
        # a department's table).
        if not rubric and vocab.level(name, 1) is not None and body.keys() <= {"name"} | _SCORES and len(body) > 1:
            return "is a 一级指标 with its points, not an indicator"
        return None
    if not _VALUE_CELLS.isdisjoint(body) or vocab.placeholder.match(name):
        return None  # a template's unfilled 指标2 is dropped as such below
    bare = _NUMBERING.sub("", name, count=1)
    if len(_FIGURE.findall(bare)) >= 2:  # one figure can be the name's ("2022年资金到位率")
        return "has figures run into its name and no target, actual, 分值 or 得分 in cells of its own"
    if len(_SENTENCE.findall(bare)) >= 2:  # one comma can join an indicator's two halves
        return "is a sentence with no target, actual, 分值 or 得分 in cells of its own"
    if _header_tail(bare):
        return "is the end of a column header broken over two lines"
    if _scrambled_level(bare):
        return "is a category name with its characters out of order (OCR of a vertical cell)"
    return None


@depends_on_vocabulary
@lru_cache(maxsize=1)
def _column_label_keys() -> tuple[str, ...]:
    return tuple(label_key(label) for labels in vocabulary().indicator_columns.labels.values() for label in labels)


def _header_tail(text: str) -> bool:
    key = label_key(text)
    return len(key) >= 3 and any(label != key and label.endswith(key) for label in _column_label_keys())


@depends_on_vocabulary
@lru_cache(maxsize=1)
def _level_anagrams() -> dict[str, frozenset[str]]:
    """Each level spelling's characters in sorted order -> the spellings (as label keys) written with them."""
    found: dict[str, set[str]] = {}
    for spelling in vocabulary().written_level_spellings:
        key = label_key(spelling)
        found.setdefault("".join(sorted(key)), set()).add(key)
    return {letters: frozenset(keys) for letters, keys in found.items()}


def _scrambled_level(text: str) -> bool:
    key = label_key(text)
    return bool(_level_anagrams().get("".join(sorted(key)), frozenset()) - {key})


def _category_named(body: dict[str, str]) -> tuple[int, str] | None:
    """(depth, canonical name) when a row holds nothing but a category of the closed list in
    its 指标 column (产出指标 printed in the name column where the level cell was merged)."""
    if len(body) != 1 or "name" not in body:
        return None
    vocab = vocabulary()
    one, two = vocab.level(body["name"], 1), vocab.level(body["name"], 2)
    if one is not None and two is None:
        return 1, one.name
    if two is not None and one is None:
        return 2, two.name
    return None


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


_ROW_TEXT = ("target", "actual", "deviation", "nature", "description", "criteria")
_INDICATORS = TypeAdapter(list[Indicator])


def _fills_gaps(row: dict, body: dict[str, str]) -> bool:
    """Whether every cell of a nameless row goes where the row above is blank."""
    for name in body:
        if name in _SCORE_NAMES:
            if row.get(name) is not None:
                return False
        elif name not in _ROW_TEXT or row.get(name):
            return False
    return True


def _continue_row(row: dict, body: dict[str, str]) -> None:
    for name, text in body.items():
        row[name] = number(text)[0] if name in _SCORE_NAMES else text


def _blank_columns(table: RawTable) -> tuple[str, ...]:
    """分值 / 得分 columns the table has but leaves blank in every row (an unscored template),
    in that order (a set's order would change the warnings' from run to run)."""
    names = [name for name in ("weight", "score") if name in table.columns]
    if not names:  # a table without these column headers (a PDF dump's) leaves none blank
        return ()
    rows = [r.cells for r in table.rows if not r.cells.keys().isdisjoint(_SUBSTANCE)]
    return tuple(name for name in names if len(rows) > 1 and not any(name in cells for cells in rows))


def _indicator(form: Form, where: str, table: RawTable, body: dict[str, str], level1: str, level2: str,
               split_target: bool, blank: tuple[str, ...]) -> dict:
    """An Indicator's fields (validated with the table's other rows)."""
    get = body.get
    nature, comparator = get("nature", ""), get("comparator", "")
    if nature and comparator_symbol(nature):  # 指标性质 holding ≥ ＝ ≤
        comparator, nature = comparator or nature, ""
    value, unit = get("target", ""), get("unit", "")
    parts = None
    if split_target or comparator:
        parts = {"comparator": comparator, "value": value, "unit": unit}
    fields: dict = {
        "level1": level1, "level2": level2, "name": get("name", ""),
        "target": comparator + value + unit, "target_parts": parts, "actual": get("actual", ""),
        "deviation": get("deviation", ""), "nature": nature,
        "description": get("description", ""), "criteria": get("criteria", ""),
    }
    for name in _SCORE_FIELDS:
        text = get(name)
        if text is None:
            if name in ("weight", "score") and name in table.columns and name not in blank:
                form.warn(where, f"{_SCORE_NAMES[name]} cell is blank")
            continue
        fields[name], problem = number(text)
        if problem:
            form.warn(where, f"{_SCORE_NAMES[name]} {problem}")
    return fields


# ---------------------------------------------------------------- total


def _total(form: Form, raw: RawTotal | None) -> None:
    if raw is None:
        if form.kind != "evaluation_report":
            _warn_once(form, "total_score", "no 总分 row found")
        return
    _notes(form, raw.notes)
    for name, attr in (("weight", "total_weight"), ("score", "total_score"), ("review_score", "review_total_score")):
        cell = raw.cells.get(name)
        if cell is not None:
            value, problem = number(cell.text)
            setattr(form, attr, value)
            if problem:
                form.warn(attr, f"总分 {_SCORE_NAMES[name]} {problem}")
