"""Model-read forms: a language model's placement of cells, checked and made a raw record.

For a text the deterministic readers reject, or read with numbers written together
("202010100.00%10"), a language model may say which written value is which cell. This
module is the part of that which needs no model: the reply's schema (`ModelReading`), the
checks that make its values trustworthy, and the `RawForm` they become (then the one
`assemble`, as for every layout). The call itself lives above (reviewer.drafting.model_read).

What a model-read form guarantees:
- every value is a span of the source text (after the readers' clean-up; `RawCell.original`
  keeps the text as written). The cell holds the source's span, never the model's string;
  row cells are found near their row's name and no two cells claim the same characters,
  so a number written once cannot become two cells;
- the arithmetic holds: the 分值 add up to the 总分 (or 100), 得分 ≤ 分值, 执行率 = 全年执行数 ÷
  全年预算数 within rounding. A value that fails is dropped, with a warning naming the field
  and why; nothing is computed, rounded or guessed.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, Field

from reviewer.domain.model import Form
from reviewer.domain.vocabulary import vocabulary
from reviewer.extract import documents
from reviewer.extract.assemble import FUND_TOTAL, amount, assemble, number
from reviewer.extract.cleanup import CleanText, clean
from reviewer.extract.files import check_complete
from reviewer.extract.raw import (
    UNPLACED_CUES, Cells, RawCell, RawForm, RawFunding, RawFundingRow, RawGoal, RawIndicatorRow, RawTable, RawTotal,
    RawWarning,
)
from reviewer.extract.sources import DOCUMENT_SUFFIXES, SNIFFED_SUFFIXES, Document, ExtractFailure, decode_text

LAYOUT = "model-read"
# Reader warnings that say cells were located but could not be placed: what a model may place
# (numbers written together, a row's cells run together, a cell of two possible columns, a row
# with more cells than its header). Not: digits lost in OCR, a text cut off (no model has them).
# A text with none of these words holds no form (meeting notes, a letter): not worth a call.
FORM_WORDS = ("绩效", "指标", "自评", "预算", "资金")
MAX_TEXT_CHARS = 24_000  # a longer text is not sent (a file of many forms: the readers' reading stays)
# Row cells are looked for this far around their row's name (characters of the cleaned text).
ROW_BEFORE, ROW_AFTER = 120, 400
ROUNDING_POINTS = 0.5  # 执行率 vs 全年执行数 ÷ 全年预算数, percentage points, beyond the written precision
SUM_TOLERANCE = 0.01


# ---------------------------------------------------------------- the reply's schema

def written(cell: str) -> Any:
    """A cell of the reply: its description tells the model which cell of the form it is."""
    return Field(default="", description=f"{cell}：从原文逐字复制；没写或不确定留空")


class ModelIndicator(BaseModel):
    level1: str = written("一级指标（本行的，或合并单元格写在别处的那一处原文）")
    level2: str = written("二级指标")
    name: str = Field(description="三级指标 / 指标名称：从原文逐字复制")
    comparator: str = written("指标性质（≥ ＝ ≤），仅当表中单独成栏时")
    target: str = written("年度指标值（分栏时为其中的指标值）")
    unit: str = written("度量单位 / 计量单位，仅当表中单独成栏时")
    actual: str = written("实际完成值")
    weight: str = written("分值")
    score: str = written("得分")
    deviation: str = written("偏差原因分析及改进措施")


class ModelFunding(BaseModel):
    label: str = Field(description="资金总额那一行的标签，照抄原文，如“年度资金总额”")
    currency: str = written("写明金额单位的文字，如“项目资金(万元)”")
    initial_budget: str = written("年初预算数")
    annual_budget: str = written("全年预算数")
    executed: str = written("全年执行数")
    weight: str = written("分值")
    execution_rate: str = written("执行率")
    score: str = written("得分")


class ModelTotal(BaseModel):
    label: str = Field(description="“总分”或“合计”，照抄原文")
    weight: str = written("总分行的分值")
    score: str = written("总分行的得分")


class ModelForm(BaseModel):
    kind: Literal["self_evaluation", "department_overall"] = "self_evaluation"
    name: str = written("项目名称")
    code: str = written("项目编码")
    unit: str = written("实施单位 / 项目实施单位 / 资金使用单位")
    department: str = written("主管部门 / 一级预算单位")
    year: str = written("绩效自评年度，或标题中的年度")
    funding: ModelFunding | None = None
    goal_planned: str = written("预期目标")
    goal_actual: str = written("实际完成情况")
    indicators: list[ModelIndicator] = Field(default_factory=list, max_length=200)
    total: ModelTotal | None = None


class ModelReading(BaseModel):
    """The model's reply: the forms in the text, each value copied from it."""

    forms: list[ModelForm] = Field(default_factory=list, max_length=50)


# ---------------------------------------------------------------- the source text


class SourceText:
    """The text the model reads (the readers' clean-up done) and where its values occur.

    Text values are matched with NFKC and whitespace folded (a cell wrapped over lines is
    one value); numbers are matched as written (NFKC only), contiguous."""

    def __init__(self, raw: str):
        self.clean: CleanText = clean(raw)
        self.text = self.clean.text
        self._lines = [0] + [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]
        self._folded, self._folded_at = _fold(self.text, keep_space=False)
        self._exact, self._exact_at = _fold(self.text, keep_space=True)

    def spans(self, value: str, numeric: bool) -> list[tuple[int, int]]:
        """Every [start, end) of the cleaned text where `value` is written."""
        if numeric:
            needle, hay, at = _fold(value.strip(), keep_space=True)[0], self._exact, self._exact_at
        else:
            needle, hay, at = _fold(value, keep_space=False)[0], self._folded, self._folded_at
        if not needle:
            return []
        found, i = [], hay.find(needle)
        while i >= 0:
            span = (at[i], at[i + len(needle) - 1] + 1)
            if not numeric or self._whole_number(span, needle):
                found.append(span)
            i = hay.find(needle, i + 1)
        return found

    def _whole_number(self, span: tuple[int, int], needle: str) -> bool:
        """A number may be cut from digits written together ("2020" → 20, 20), never from
        inside a decimal ("10.5" is no 10) nor from a percentage (90 of "90%" is no 分值)."""
        before, after = self.text[max(0, span[0] - 2): span[0]], self.text[span[1]: span[1] + 2]
        if re.fullmatch(r"\d\.", before) or (needle[-1:].isdigit() and re.match(r"\.\d", after)):
            return False
        return "%" in needle or not after.startswith(("%", "％", "‰"))

    def cell(self, span: tuple[int, int], numeric: bool) -> RawCell:
        start, end = span
        text = self.text[start:end] if numeric else re.sub(r"\s*\n\s*", "", self.text[start:end]).strip()
        original = self.clean.original_span(start, end) if self.clean.changed else ""
        return RawCell(text, f"{self.where(start)} (model-read)", original if original != self.text[start:end] else "")

    def where(self, offset: int) -> str:
        return f"line {bisect_right(self._lines, offset)}"


def _fold(text: str, keep_space: bool) -> tuple[str, list[int]]:
    out: list[str] = []
    at: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if keep_space or not c.isspace():
                out.append(c)
                at.append(i)
    return "".join(out), at


def document_text(doc: Document) -> str | None:
    """The text of a document as a model reads it (a document's tables tab-separated), or
    None when it has none (a binary or unreadable file, a saved JSON form) or no word a form
    would hold (FORM_WORDS, in simplified or traditional script)."""
    if doc.error is not None or doc.data is None or doc.suffix == ".json":
        return None
    try:
        if doc.suffix in DOCUMENT_SUFFIXES or doc.suffix in SNIFFED_SUFFIXES:
            text = documents.read_document(doc.data, doc.suffix).to_tsv()
        else:
            text = decode_text(doc.data).text
    except ExtractFailure:
        return None
    return text if any(word in text for word in FORM_WORDS) or any(
        word in clean(text).text for word in FORM_WORDS) else None


def needs_model(forms: list[Form], failure: str | None) -> str | None:
    """Why a document's reading is worth a model's, or None: rejected, only headers found,
    or cells located that the readers could not place (numbers written together)."""
    if failure is not None:
        return "the readers found no form"  # the file's own message says what they looked for
    if forms and all(check_complete(f) for f in forms):
        return "the readers found only a form header"
    fused = sum(1 for f in forms for w in f.warnings if any(cue in w.message for cue in UNPLACED_CUES))
    if fused:
        return f"the readers could not place the cells of {fused} places (numbers written together, rows run together)"
    return None


# ---------------------------------------------------------------- placing the reply

class Problem(NamedTuple):
    """A value dropped: told to the model on a re-ask with the value it gave, kept on the form
    as a warning without it (a value not in the text reaches no reviewer)."""

    field: str
    why: str
    value: str = ""  # the model's string, when it is not in the text (or not where it says)

    def for_model(self) -> str:
        return f"{self.field}: '{_short(self.value)}' {self.why}" if self.value else f"{self.field}: {self.why}"

    def for_form(self, prefix: str) -> RawWarning:
        """The warning, its field on the form itself (without the reply's forms[i]. prefix)."""
        said = f"the model's value {self.why}" if self.value else self.why
        return RawWarning(self.field.removeprefix(prefix), f"model-read: {said}")


@dataclass
class _Placer:
    source: SourceText
    problems: list[Problem] = field(default_factory=list)
    taken: list[tuple[int, int]] = field(default_factory=list)  # spans claimed by cells
    cursor: int = 0  # where the previous row's name was found: rows are looked for in order

    def anywhere(self, where: str, value: str, numeric: bool = False, claim: bool = True) -> RawCell | None:
        """A header field or goal text: its place nearest the form read so far. A level name
        claims nothing (one merged cell serves many rows); the others claim their characters."""
        if not value.strip():
            return None
        written = self.source.spans(value, numeric)
        spans = [s for s in written if not claim or not self._overlaps(s)]
        if not spans:
            said = "is written only where another cell was read" if written else "does not occur in the text"
            self.problems.append(Problem(where, f"{said}; not read", value))
            return None
        span = min(spans, key=lambda s: abs(s[0] - self.cursor))
        if claim:
            self.taken.append(span)
        return self.source.cell(span, numeric)

    def anchor(self, where: str, value: str) -> tuple[RawCell, tuple[int, int]] | None:
        """A row's label or name: its first place after the previous row's, else its first place."""
        if not value.strip():
            return None
        written = self.source.spans(value, False)
        spans = [s for s in written if not self._overlaps(s)]
        if not spans:
            said = "is written only where another row was read" if written else "does not occur in the text"
            self.problems.append(Problem(where, f"{said}; that row is not read", value))
            return None
        span = next((s for s in spans if s[0] >= self.cursor), spans[0])
        self.cursor = span[0]
        self.taken.append(span)
        return self.source.cell(span, False), span

    def near(self, where: str, value: str, anchor: tuple[int, int], numeric: bool, label: str) -> RawCell | None:
        """A row's cell: written near its anchor, in characters no other cell claims."""
        if not value.strip():
            return None
        lo, hi = anchor[0] - ROW_BEFORE, anchor[1] + ROW_AFTER
        written = self.source.spans(value, numeric)
        close = [s for s in written if lo <= s[0] <= hi]  # a long text cell may end beyond
        spans = [s for s in close if not self._overlaps(s)]
        if not spans:
            said = ("does not occur in the text" if not written
                    else f"is not written near '{_short(label)}'" if not close
                    else f"is not written again near '{_short(label)}' (its place is another cell's)")
            self.problems.append(Problem(where, f"{said}; dropped", value))
            return None
        span = min(spans, key=lambda s: (s[0] < anchor[0], abs(s[0] - anchor[1])))
        self.taken.append(span)
        return self.source.cell(span, numeric)

    def _overlaps(self, span: tuple[int, int]) -> bool:
        return any(span[0] < end and start < span[1] for start, end in self.taken)


_NUMERIC = frozenset(("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score", "code"))
_HEADER = ("name", "code", "unit", "department", "year")
_ROW_FIELDS = ("comparator", "target", "unit", "actual", "weight", "score", "deviation")
_FUNDING_FIELDS = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")


def place(reading: ModelReading, source: SourceText, path: str) -> list[tuple[RawForm, list[Problem]]]:
    """Each form of the reply as a raw record of source spans, and the values dropped."""
    placer = _Placer(source)
    out = []
    for index, model in enumerate(reading.forms):
        placer.problems = []
        raw = _place_form(placer, model, path, index, f"forms[{index}]." if len(reading.forms) > 1 else "")
        out.append((raw, placer.problems))
    return out


def _place_form(p: _Placer, m: ModelForm, path: str, index: int, prefix: str) -> RawForm:
    raw = RawForm(path=path, index=index, layout=LAYOUT, kind=m.kind)
    for name in _HEADER:
        cell = p.anywhere(prefix + name, getattr(m, name), numeric=name == "code")
        if cell is not None:
            raw.header[name] = cell
    if m.funding is not None:
        raw.funding = _place_funding(p, m.funding, prefix)
    planned = p.anywhere(prefix + "goal.planned", m.goal_planned)
    actual = p.anywhere(prefix + "goal.actual", m.goal_actual)
    if planned or actual:
        raw.goal = RawGoal(planned=[planned] if planned else [], actual=[actual] if actual else [])
    rows: list[RawIndicatorRow] = []
    for ind in m.indicators:  # warnings name the form's row: a row not found takes no index
        row = _place_row(p, ind, f"{prefix}indicators[{len(rows)}]", f"{prefix}indicators")
        if row is not None:
            rows.append(row)
    if rows:
        columns = {k: c for r in rows for k, c in r.cells.items()}
        raw.indicators = RawTable(columns=columns, rows=rows, rubric=m.kind == "department_overall")
    if m.total is not None and (found := p.anchor(prefix + "total", m.total.label)):
        label, span = found
        cells = {k: c for k in ("weight", "score")
                 if (c := p.near(f"{prefix}total.{k}", getattr(m.total, k), span, True, label.text))}
        raw.total = RawTotal(label=label, cells=cells)
    return raw


def _place_funding(p: _Placer, m: ModelFunding, prefix: str) -> RawFunding | None:
    found = p.anchor(prefix + "funding", m.label)
    if found is None:
        return None
    label, span = found
    cells: Cells = {}
    for name in _longest_first(m, _FUNDING_FIELDS):
        cell = p.near(f"{prefix}funding.{name}", getattr(m, name), span, True, label.text)
        if cell is not None:
            cells[name] = cell
    currency = p.anywhere(prefix + "funding.currency", m.currency)
    funding = RawFunding(columns={k: label for k in cells}, currency=currency)
    if vocabulary().funding_rows.field(label.text) == FUND_TOTAL:
        funding.rows.append(RawFundingRow(label=label, cells=cells))
    else:  # a label the vocabulary does not know as the total row: the values as the funding line's
        funding.summary = cells
    return funding


def _place_row(p: _Placer, m: ModelIndicator, where: str, table: str) -> RawIndicatorRow | None:
    found = p.anchor(table, m.name)
    if found is None:
        return None
    name, span = found
    cells: Cells = {"name": name}
    for level in ("level1", "level2"):
        cell = p.anywhere(f"{where}.{level}", getattr(m, level), claim=False)
        if cell is not None:
            cells[level] = cell
    for key in _longest_first(m, _ROW_FIELDS):
        cell = p.near(f"{where}.{key}", getattr(m, key), span, key in _NUMERIC, name.text)
        if cell is not None:
            cells[key] = cell
    return RawIndicatorRow(cells=cells)


def _longest_first(model: BaseModel, names: tuple[str, ...]) -> list[str]:
    """A part's fields, the longest value placed first: "100.00%" takes its characters before
    a "10" could be cut from them."""
    return sorted(names, key=lambda name: -len(getattr(model, name).strip()))


def _short(text: str, width: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- arithmetic


def check_arithmetic(raw: RawForm, prefix: str = "") -> list[Problem]:
    """Drop the values whose arithmetic fails (in place) and say which and why."""
    problems: list[Problem] = []
    funding_cells = _funding_cells(raw)
    if funding_cells is not None:
        problems += _check_rate(raw, funding_cells, prefix)
        problems += _check_score(funding_cells, f"{prefix}funding", "预算执行")
    problems += _check_weights(raw, funding_cells, prefix)
    rows = raw.indicators.rows if raw.indicators is not None else []
    for i, row in enumerate(rows):
        problems += _check_score(row.cells, f"{prefix}indicators[{i}]", row.cells["name"].text)
    return problems


def _funding_cells(raw: RawForm) -> Cells | None:
    if raw.funding is None:
        return None
    return raw.funding.rows[0].cells if raw.funding.rows else raw.funding.summary


def _value(cells: Cells, name: str) -> float | None:
    cell = cells.get(name)
    return number(cell.text)[0] if cell is not None else None


def _check_score(cells: Cells, where: str, label: str) -> list[Problem]:
    weight, score = _value(cells, "weight"), _value(cells, "score")
    if weight is None or score is None or score <= weight + SUM_TOLERANCE:
        return []
    cells.pop("score")
    return [Problem(f"{where}.score", f"得分 {score:g} is more than the 分值 {weight:g} of '{_short(label)}'; "
                                      "the 得分 is dropped")]


def _check_rate(raw: RawForm, cells: Cells, prefix: str) -> list[Problem]:
    """执行率 = 全年执行数 ÷ 全年预算数 within the written precision. ÷ 年初预算数 is accepted too:
    a form that divides by it is wrong, but its numbers are placed right (the checks judge it)."""
    budgets = [name for name in ("annual_budget", "initial_budget") if name in cells]
    if not budgets or not {"execution_rate", "executed"} <= cells.keys():
        return []
    assert raw.funding is not None
    scale = Decimal(10000) if raw.funding.currency and "万" in raw.funding.currency.text else Decimal(1)
    executed, _ = amount(cells["executed"].text, scale)
    rates = [executed / budget * 100 for name in budgets
             if executed is not None and (budget := amount(cells[name].text, scale)[0])]
    written = cells["execution_rate"].text
    if not rates or any(_rate_agrees(written, rate) for rate in rates):
        return []
    for name in (*budgets, "executed", "execution_rate"):
        cells.pop(name)
    return [Problem(f"{prefix}funding.execution_rate",
                    f"执行率 '{written.strip()}' is not 全年执行数 ÷ 预算数 ({rates[0]:.2f}%) within rounding: the "
                    "model's placement of these numbers is not trusted; 预算数, 全年执行数 and 执行率 are dropped")]


def _rate_agrees(written: str, actual: float) -> bool:
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", written))
    bare = t.rstrip("%")
    if not re.fullmatch(r"\d+(?:\.\d+)?", bare):
        return False
    places = len(bare.split(".")[1]) if "." in bare else 0
    readings = [(float(bare), 0.5 * 10 ** -places)]
    if not t.endswith("%") and float(bare) <= 1.5:  # 0.98: a ratio
        readings.append((float(bare) * 100, 50 * 10 ** -places))
    return any(abs(value - actual) <= max(half_unit, ROUNDING_POINTS) for value, half_unit in readings)


def _check_weights(raw: RawForm, funding: Cells | None, prefix: str) -> list[Problem]:
    """The 分值 add up to the 总分's (else 100): the indicators' alone or with the funding
    line's, as templates count the 总分 either way; with no funding 分值 read (an excerpt),
    the indicators' may be 10 or 20 short of it (the 10/90 and 20/80 templates)."""
    rows = [r.cells for r in raw.indicators.rows] if raw.indicators is not None else []
    weights = [_value(cells, "weight") for cells in rows]
    if len(weights) < 2 or None in weights:
        return []  # no weights, or some not read: nothing to add up
    funding_weight = _value(funding, "weight") if funding is not None else None
    total = _value(raw.total.cells, "weight") if raw.total is not None else None
    added = sum(w for w in weights if w is not None)
    sums = [added] + ([added + funding_weight] if funding_weight is not None else [])
    whole = total if total is not None else 100.0
    expected = [whole] if funding_weight is not None else [whole, whole - 10, whole - 20]
    if any(abs(s - e) <= SUM_TOLERANCE for s in sums for e in expected):
        return []
    for cells in rows + ([funding] if funding is not None else []):
        cells.pop("weight", None)
        cells.pop("score", None)
    if raw.total is not None:
        raw.total.cells.pop("weight", None)
    with_funding = f" ({added + funding_weight:g} with 预算执行's)" if funding_weight is not None else ""
    said = f"the 总分 {total:g}" if total is not None else "100"
    return [Problem(f"{prefix}indicators", f"the indicators' 分值 add up to {added:g}{with_funding}, not {said}: the "
                                           "model's placement of 分值 and 得分 is not trusted; they are dropped")]


# ---------------------------------------------------------------- the whole reading


def _checked(reading: ModelReading, source: SourceText, path: str) -> list[tuple[RawForm, list[Problem], str]]:
    """Each form of the reply placed and its arithmetic checked: (raw, problems, field prefix)."""
    out = []
    for raw, problems in place(reading, source, path):
        prefix = f"forms[{raw.index}]." if len(reading.forms) > 1 else ""
        out.append((raw, problems + check_arithmetic(raw, prefix), prefix))
    return out


def reply_problems(reading: ModelReading, source: SourceText, path: str = "") -> list[str]:
    """What is wrong with a reply, one line each (told to the model when it is asked again)."""
    return [p.for_model() for _, problems, _ in _checked(reading, source, path) for p in problems]


def model_forms(reading: ModelReading, source: SourceText, path: str, notice: str) -> list[Form]:
    """The reply's forms, assembled from their source spans; each says first that it is
    model-read (`notice`), then what clean-up did to the text, then every value dropped and why."""
    cleaned = [RawWarning("source", f"source text: {change}; cells keep the text as written in `original`")
               for change in source.clean.changes]
    forms = []
    for raw, problems, prefix in _checked(reading, source, path):
        _columns_of_cells(raw)
        raw.warnings = [RawWarning("source", notice), *cleaned, *(p.for_form(prefix) for p in problems)]
        forms.append(assemble(raw))
    return forms


def _columns_of_cells(raw: RawForm) -> None:
    """The columns a model-read form has are the cells it kept: a dropped value was warned
    about already, not a blank cell."""
    if raw.funding is not None:
        cells = _funding_cells(raw) or {}
        raw.funding.columns = {k: v for k, v in raw.funding.columns.items() if k in cells}
    if raw.indicators is not None:
        kept = {k for r in raw.indicators.rows for k in r.cells}
        raw.indicators.columns = {k: v for k, v in raw.indicators.columns.items() if k in kept}


def filled(forms: Iterable[Form]) -> int:
    """How much a reading found: rows, and every number and text field read."""
    n = 0
    for f in forms:
        n += sum(v is not None for v in (f.name, f.code, f.unit, f.year, f.total_weight, f.total_score))
        n += sum(v is not None for v in (f.funding.annual_budget, f.funding.initial_budget, f.funding.executed,
                                         f.funding.weight, f.funding.execution_rate, f.funding.score))
        n += bool(f.goal.planned) + bool(f.goal.actual)
        for ind in f.indicators:
            n += 1 + bool(ind.target) + bool(ind.actual) + (ind.weight is not None) + (ind.score is not None)
    return n
