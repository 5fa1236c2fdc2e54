"""Layout 'ocr': an OCR of a scanned Shenzhen self-evaluation form, one table row per line.

The OCR gives each detected text box as a tab-separated cell, so a table row becomes a
line of cells, but columns drift between lines, wrapped cells spill over several lines
(above or below the line that carries the numbers), decimals are split ("0. 98"), stray
marks appear as cells ("_", "·", "Ť") and whole noise lines appear where the scan has
stamps or ruling. The form header is 项目名称 … 项目金额 (no 项目编码).

What anchors an indicator row is its 分值/得分 pair: the rightmost two numbers on a line,
optionally followed by the deviation text. Lines since the previous anchor are the row's
wrapped cells, matched to the anchor's columns by cell position. Everything joined or
inferred rather than read is flagged with a warning naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from reviewer.extract.layouts.common import FUND_LABELS, form_id, to_float
from reviewer.domain.model import Form, Funding, FundingRow, Goal, Indicator, Source

NAME = "ocr"

_CJK = re.compile(r"[\u3400-\u9fff]")
_DIGIT = re.compile(r"\d")
_SPLIT_DECIMAL = re.compile(r"(\d)\.\s+(\d)")
_SPLIT_DECIMAL_COUNT = re.compile(r"\d\. \d\d")
_FORM_HEADER = re.compile(r"项目名称[^\n]*项目金额")
_EDGE_STRAYS = " _·`|Ť"
_THOUSANDS_GROUP = re.compile(r"^\d{3}$")

LEVEL1_NAMES = ("产出指标", "效益指标", "满意度指标")
# Level-2 category → its level-1 parent, in the Shenzhen template's structure.
LEVEL2_PARENT = {
    "数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标", "成本指标": "产出指标",
    "经济效益指标": "效益指标", "社会效益指标": "效益指标", "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标", "服务对象满意度指标": "满意度指标", "其他满意度指标": "满意度指标",
}
# Text that identifies a level-2 label even when OCR lost its tail ("质量指", "经济效").
_LEVEL2_KEYS = [(name[:-2] if len(name) > 4 else name[:2], name) for name in LEVEL2_PARENT]
_INDICATOR_HEADER = ("三级指标", "一级指标", "年度指标值", "偏差原因")


# --- small-string cleanup -------------------------------------------------------------


def rejoin_digits(text: str) -> str:
    """Rejoin decimals the OCR split at the point: "0. 98" → "0.98", "109. 44 万" → "109.44 万"."""
    return _SPLIT_DECIMAL.sub(r"\1.\2", text)


@lru_cache(maxsize=8192)
def is_stray(cell: str) -> bool:
    """A mark with no letter of the form's text: "_", "·", "Ť", "-", "/", "<u> </u>"."""
    t = cell.strip()
    return bool(t) and not _CJK.search(t) and not _DIGIT.search(t)


@lru_cache(maxsize=8192)  # OCR cells repeat a lot; these are pure
def clean_cell(cell: str) -> str:
    """The cell without stray marks around it ("· 方局" → "方局"); "" for a stray cell."""
    t = cell.strip().strip(_EDGE_STRAYS).strip()
    return "" if is_stray(t) else t


_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=8192)
def looks_garbled(cell: str) -> bool:
    """OCR noise that still holds a Chinese character: Latin letters in the middle of a
    Chinese table ("及不 H-世 页"), or a run of one-character scraps ("上 目 1 1 1 元")."""
    tokens = cell.split()
    return bool(_LATIN.search(cell)) or (len(tokens) >= 4 and all(len(t) <= 1 for t in tokens))


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@lru_cache(maxsize=8192)
def number(cell: str) -> float | None:
    """A bare number as written, decimals rejoined ("9. 77" → 9.77); None otherwise."""
    return to_float(rejoin_digits(cell.strip()))


def join_fragments(fragments: list[str]) -> tuple[str, bool]:
    """Join the fragments of a wrapped cell (Chinese: no spaces between wraps).

    Also says whether a boundary looks doubtful: the OCR read the same characters on
    both sides of a cut ("老干" | "老干部"), so text may be repeated."""
    parts = [f for f in fragments if f]
    doubtful = any(
        any(a.endswith(b[:k]) for k in (1, 2, 3) if len(a) >= k and len(b) >= k and has_cjk(b[:k]))
        for a, b in zip(parts, parts[1:])
    )
    return "".join(parts), doubtful


def split_cells(line: str) -> list[str]:
    return [c.strip() for c in line.rstrip().split("\t")]


def trimmed(cells: list[str]) -> list[str]:
    """Cells without trailing empty or stray cells."""
    out = list(cells)
    while out and not clean_cell(out[-1]):
        out.pop()
    return out


# --- detection -------------------------------------------------------------------------


def detect(text: str) -> bool:
    """A 项目名称 … 项目金额 header, no 项目编码, and OCR traces (tab cells, split decimals)."""
    if "项目编码" in text or not _FORM_HEADER.search(text):
        return False
    return "\t" in text and len(_SPLIT_DECIMAL_COUNT.findall(text)) >= 2


# --- parsing ---------------------------------------------------------------------------


def parse(text: str, path: str) -> list[Form]:
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if "项目名称" in line]
    forms = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        forms.append(_parse_form(lines[start:end], path, index))
    return forms


def _parse_form(lines: list[str], path: str, index: int) -> Form:
    form = Form(id=form_id(None, path, index), source=Source(path=path, index=index, layout=NAME))
    form.warn("code", "this form layout has no 项目编码; id is the file and position")
    _read_header(form, split_cells(lines[0]))
    _read_units(form, lines)
    # The year is stated nowhere as the form's year (only inside targets and goal text).
    form.warn("year", "no 绩效自评年度 on the form; year not read")
    header_at = next((i for i, line in enumerate(lines) if any(h in line for h in _INDICATOR_HEADER)), None)
    top = lines[1:header_at] if header_at is not None else lines[1:]
    last_fund = _read_funding(form, top)
    _read_goal(form, top[last_fund + 1 :] if last_fund is not None else [])
    if header_at is None:
        form.warn("indicators", "indicator table header (一级指标/三级指标) not found")
        return form
    table_at = header_at + 1  # the header may wrap over a second line ("分" / "值")
    while table_at < len(lines) and any(h in lines[table_at] for h in _INDICATOR_HEADER):
        table_at += 1
    _read_indicators(form, lines[table_at:])
    return form


def _cells_between(cells: list[str], start_label: str, end_label: str | None) -> list[str]:
    start = next((i for i, c in enumerate(cells) if start_label in c), None)
    if start is None:
        return []
    end = next((i for i, c in enumerate(cells) if end_label and end_label in c and i > start), len(cells))
    return cells[start + 1 : end]


def _text_field(form: Form, fieldname: str, cells: list[str]) -> str | None:
    """Join a header text cell split into several OCR boxes; drop fragments with no Chinese."""
    kept, dropped = [], []
    for cell in cells:
        cleaned = clean_cell(cell)
        if cleaned and has_cjk(cleaned):
            kept.append(cleaned)
        elif cell.strip():
            dropped.append(cell.strip())
    if dropped:
        form.warn(fieldname, f"OCR fragments dropped: {' '.join(repr(d) for d in dropped)}")
    text, doubtful = join_fragments(kept)
    if doubtful:
        form.warn(fieldname, f"joined from OCR boxes {kept!r}; characters may be repeated at a cut")
    return text or None


def _read_header(form: Form, cells: list[str]) -> None:
    form.name = _text_field(form, "name", _cells_between(cells, "项目名称", "项目金额"))
    if form.name is None:
        form.warn("name", "项目名称 cell is empty or illegible")
    form.funding.currency_unit = "元"
    tokens = [rejoin_digits(c) for c in _cells_between(cells, "项目金额", None) if clean_cell(c)]
    if not tokens:
        form.warn("funding.project_amount", "项目金额 cell is empty")
        return
    if len(tokens) == 1 and number(tokens[0]) is not None:
        form.funding.project_amount = number(tokens[0])
        return
    head, *groups = tokens
    if number(head) is not None and len(head) <= 3 and groups and all(_THOUSANDS_GROUP.match(g) for g in groups):
        # "730 | 000": one amount whose thousands separator became a cell boundary.
        form.funding.project_amount = float(head + "".join(groups))
        form.warn("funding.project_amount", f"read from OCR boxes {tokens!r} as one amount in thousands groups")
        return
    form.warn("funding.project_amount", f"项目金额 is split into OCR boxes {tokens!r}; cannot tell which is the amount")


def _read_units(form: Form, lines: list[str]) -> None:
    line = next((line for line in lines if "主管部门" in line), None)
    if line is None:
        form.warn("department", "主管部门 line not found")
        form.warn("unit", "实施单位 line not found")
        return
    cells = split_cells(line)
    form.department = _text_field(form, "department", _cells_between(cells, "主管部门", "实施单位"))
    if form.department is None:
        form.warn("department", "主管部门 cell is empty or illegible")
    form.unit = _text_field(form, "unit", _cells_between(cells, "实施单位", None))
    if form.unit is None:
        form.warn("unit", "实施单位 cell is empty")


# --- funding ---------------------------------------------------------------------------

_FUND_KEYS = (("总额", FUND_LABELS[0]), ("拨款", FUND_LABELS[1]), ("结转", FUND_LABELS[2]), ("其他", FUND_LABELS[3]))


def _fund_row(cells: list[str]) -> tuple[str, list[str]] | None:
    """(canonical label, value cells) for a funding-table line, else None."""
    first_number = next((i for i, c in enumerate(cells) if number(c) is not None), None)
    if first_number is None:
        return None
    label = re.sub(r"\s+", "", "".join(cells[:first_number]))
    canonical = next((name for key, name in _FUND_KEYS if key in label), None)
    if canonical is None:
        return None
    values = [c for c in cells[first_number:] if c]
    return canonical, values


def _read_funding(form: Form, lines: list[str]) -> int | None:
    """Fill form.funding from the funding table; return the index of its last line."""
    funding, last = form.funding, None
    for i, line in enumerate(lines):
        row = _fund_row(split_cells(line))
        if row is None:
            continue
        label, values = row
        amounts = [number(v) for v in values[:3]]
        funding.rows.append(FundingRow(label=label, initial_budget=amounts[0] if amounts else None,
                                       annual_budget=amounts[1] if len(amounts) > 1 else None,
                                       executed=amounts[2] if len(amounts) > 2 else None))
        if label == FUND_LABELS[0]:
            _read_fund_total(form, values)
        last = i
    if not funding.rows:
        form.warn("funding", "funding table not found")
    return last


def _read_fund_total(form: Form, values: list[str]) -> None:
    funding = form.funding
    numbers = [number(v) for v in values]
    funding.initial_budget, funding.annual_budget, funding.executed = (numbers + [None] * 3)[:3]
    if len(values) != 6 or any(n is None for n in numbers):
        form.warn("funding", f"年度资金总额 row read as {values!r}; expected 6 numbers")
        return
    funding.weight, rate, funding.score = numbers[3], numbers[4], numbers[5]
    written = rejoin_digits(values[4])
    # Written as a ratio ("0.98") or as a percent ("98%", "98.00"); the contract wants percent.
    funding.execution_rate = rate if "%" in written or rate > 1.5 else round(rate * 100, 6)


# --- goal ------------------------------------------------------------------------------

_GOAL_LABELS = {"年度总体目标", "年度总体", "目标"}


def _read_goal(form: Form, lines: list[str]) -> None:
    """The goal cell pair. Extracted only when the two columns come out on one line and the
    header shows where the 实际完成情况 column starts; otherwise left empty with a warning."""
    rows = [split_cells(line) for line in lines if line.strip()]
    header_at = next((i for i, cells in enumerate(rows) if _actual_column(cells) is not None), None)
    if header_at is None:
        form.warn("goal", "预期目标/实际完成情况 header not found; goal not read")
        return
    actual_at = _actual_column(rows[header_at])
    content = [cells for cells in rows[header_at + 1 :] if any(has_cjk(clean_cell(c)) for c in cells)]
    if len(content) != 1:
        form.warn("goal", f"the planned and outcome columns are interleaved over {len(content)} OCR lines; "
                          "goal not separable, left empty")
        return
    cells = [c if re.sub(r"\s+", "", c) not in _GOAL_LABELS else "" for c in content[0]]
    actual = _goal_part(form, "goal.actual", cells[actual_at:])
    if not actual:
        # Nothing under the 实际完成情况 header: the columns drifted, so the planned side
        # may hold both texts.
        form.warn("goal", "the outcome column is empty where its header stands; columns drifted, goal left empty")
        return
    form.goal = Goal(planned=_goal_part(form, "goal.planned", cells[:actual_at]), actual=actual)


def _actual_column(cells: list[str]) -> int | None:
    for i, cell in enumerate(cells):
        joined = re.sub(r"\s+", "", cell + (cells[i + 1] if i + 1 < len(cells) else ""))
        if cell and joined.startswith("实际"):
            return i
    return None


def _goal_part(form: Form, fieldname: str, cells: list[str]) -> str:
    fragments = [clean_cell(c) for c in cells]
    if any(c.strip() and not f for c, f in zip(cells, fragments)):
        form.warn(fieldname, "stray OCR marks dropped")
    text, doubtful = join_fragments(fragments)
    if len(_CJK.findall(text)) < 2:
        form.warn(fieldname, f"not legible in the OCR (read {text!r}); left empty")
        return ""
    if doubtful:
        form.warn(fieldname, "joined from OCR boxes; characters may be repeated at a cut")
    return text


# --- indicators ------------------------------------------------------------------------


@dataclass
class _Line:
    number: int  # position in the table, for page-break bookkeeping
    cells: list[str]


@dataclass
class _Row:
    anchor: _Line
    name_at: int  # cell index of the name on the anchor line
    lines: list[_Line] = field(default_factory=list)  # wrapped lines before the anchor
    after_break: bool = False  # a page break falls among its lines
    noise: list[str] = field(default_factory=list)
    indicator: Indicator = field(default_factory=Indicator)
    level1_written: str = ""
    level2_written: str = ""


def _anchor(cells: list[str]) -> int | None:
    """The name's cell index when the line ends in weight, score [, deviation]."""
    t = trimmed(cells)
    if len(t) >= 5 and number(t[-1]) is not None and number(t[-2]) is not None:
        return len(t) - 5
    if len(t) >= 6 and has_cjk(t[-1]) and number(t[-2]) is not None and number(t[-3]) is not None:
        return len(t) - 6
    return None


def _total_numbers(cells: list[str]) -> list[tuple[int, float]] | None:
    """(index, number) of a 总分 line, or of a line of bare numbers only (label lost)."""
    kept = [(i, clean_cell(c)) for i, c in enumerate(cells) if clean_cell(c)]
    labelled = any("总分" in c for _, c in kept)
    numbers = [(i, number(c)) for i, c in kept if number(c) is not None]
    if labelled:
        return numbers
    if len(kept) == 2 and len(numbers) == 2:
        return numbers
    return None


def _read_indicators(form: Form, lines: list[str]) -> None:
    rows: list[_Row] = []
    pending: list[_Line] = []
    broken = False  # a page break since the last anchor
    noise: list[str] = []
    total: list[tuple[int, float]] | None = None
    total_unlabelled, total_at = False, -1
    for n, line in enumerate(lines):
        cells = split_cells(line)
        if not line.strip():
            broken = broken or bool(rows)
            continue
        anchor = None if "总分" in line else _anchor(cells)
        if anchor is None and rows and ("总分" in line or not has_cjk(line)):
            found = _total_numbers(cells)
            if found is not None:
                total, total_at, total_unlabelled = found, n, "总分" not in line
                continue
        if anchor is not None:
            row = _Row(anchor=_Line(n, cells), name_at=anchor, lines=pending, after_break=broken, noise=noise)
            rows.append(row)
            pending, broken, noise = [], False, []
            continue
        kept = [c if has_cjk(clean_cell(c)) and not looks_garbled(c) else "" for c in cells]
        noise += [c for c, k in zip(cells, kept) if c and not k and not is_stray(c)]
        if any(kept):
            pending.append(_Line(n, kept))
    if total is not None and total_unlabelled and rows[-1].anchor.number > total_at:
        total = None  # two bare numbers inside the table, not its 总分 row
    if pending:
        form.warn("indicators", f"{len(pending)} OCR line(s) after the last indicator row not read")
    for i, row in enumerate(rows):
        _build_row(row, rows[i - 1] if i else None)
    _assign_levels(form, rows)
    for i, row in enumerate(rows):
        form.indicators.append(row.indicator)
        _warn_row(form, i, row)
        if i + 1 < len(rows) and rows[i + 1].after_break:
            form.warn(f"indicators[{i}]", "row precedes a page break of the scan: its wrapped text may "
                                          "continue into the next row")
    _read_total(form, rows, total, total_unlabelled)


def _build_row(row: _Row, previous: _Row | None) -> None:
    n = row.name_at
    columns: dict[int, list[str]] = {}
    deviation_before: list[str] = []
    for line in row.lines:
        for i, cell in enumerate(_realigned(line.cells, n)):
            text = clean_cell(cell)
            if not text:
                continue
            if i >= n + 5:
                deviation_before.append(text)
            elif i < n + 3:
                columns.setdefault(i, []).append(text)
    anchor = row.anchor.cells
    for i in range(min(n + 3, len(anchor))):
        text = clean_cell(anchor[i])
        if text:
            columns.setdefault(i, []).append(text)
    t = trimmed(anchor)
    ind = row.indicator
    ind.name = _join(columns.get(n, []))
    ind.target = rejoin_digits(_join(columns.get(n + 1, [])))
    ind.actual = rejoin_digits(_join(columns.get(n + 2, [])))
    ind.weight, ind.score = number(anchor[n + 3]), number(anchor[n + 4])
    deviation = clean_cell(t[n + 5]) if len(t) > n + 5 else ""
    # Deviation text wrapped below its row belongs to the row above when that row has one.
    if deviation_before and previous is not None and previous.indicator.deviation:
        previous.indicator.deviation += _join(deviation_before)
    else:
        deviation = _join(deviation_before) + deviation
    ind.deviation = deviation
    labels = ["".join(re.sub(r"\s+", "", f) for f in columns.get(i, [])) for i in range(n)]
    for label in labels:
        level2 = _level2(label)
        if level2:
            row.level2_written = level2
        elif any(name in label for name in LEVEL1_NAMES):
            row.level1_written = next(name for name in LEVEL1_NAMES if name in label)


def _realigned(cells: list[str], name_at: int) -> list[str]:
    """A wrapped line whose level label sits at or right of the name column has drifted
    (an OCR box spanning two columns on another line): move its labels left of the name."""
    labels = [i for i, c in enumerate(cells) if _is_level_label(c)]
    if not labels or labels[-1] < name_at:
        return cells
    kept = [cells[i] for i in labels][-name_at:] if name_at > 0 else []
    return [""] * (name_at - len(kept)) + kept + cells[labels[-1] + 1 :]


@lru_cache(maxsize=8192)
def _is_level_label(cell: str) -> bool:
    text = re.sub(r"\s+", "", cell)
    return text in LEVEL1_NAMES or text in LEVEL2_PARENT


def _join(fragments: list[str]) -> str:
    return "".join(fragments)


def _level2(label: str) -> str | None:
    for key, name in _LEVEL2_KEYS:
        if key in label:
            return name
    return None


def _assign_levels(form: Form, rows: list[_Row]) -> None:
    """Level cells are merged over several rows and the OCR puts their text on one of
    them. A row takes a level only where that is certain: the label is on its own lines,
    or it lies between two rows labelled alike, or before the first / after the last label
    of its level-1 group. Rows between two different labels are left empty (warned)."""
    level1_marks = [LEVEL2_PARENT.get(r.level2_written) or r.level1_written for r in rows]
    level1 = _sandwich(level1_marks)
    for row, value in zip(rows, level1):
        row.indicator.level1 = value or ""
    for group in sorted({v for v in level1 if v}):
        members = [i for i, v in enumerate(level1) if v == group]
        marks = [rows[i].level2_written for i in members]
        for i, value in zip(members, _sandwich(marks)):
            rows[i].indicator.level2 = value or ""


def _sandwich(marks: list[str]) -> list[str | None]:
    """Spread labels to unlabelled neighbours where certain (see _assign_levels)."""
    labelled = [i for i, m in enumerate(marks) if m]
    out: list[str | None] = list(m or None for m in marks)
    if not labelled:
        return out
    for i in range(len(marks)):
        if out[i]:
            continue
        before = [j for j in labelled if j < i]
        after = [j for j in labelled if j > i]
        if not before:
            out[i] = marks[after[0]]
        elif not after:
            out[i] = marks[before[-1]]
        elif marks[before[-1]] == marks[after[0]]:
            out[i] = marks[before[-1]]
    return out


def _warn_row(form: Form, i: int, row: _Row) -> None:
    ind, where = row.indicator, f"indicators[{i}]"
    if not ind.level1:
        form.warn(f"{where}.level1", "merged level-1 cell: the row lies between two different labels in the OCR")
    elif not ind.level2 and ind.level1 != "满意度指标":
        form.warn(f"{where}.level2", "merged level-2 cell: the row lies between two different labels in the OCR")
    if not ind.name:
        form.warn(f"{where}.name", "三级指标 cell is empty in the OCR")
    if not ind.target:
        form.warn(f"{where}.target", "年度指标值 cell is empty in the OCR")
    if not ind.actual:
        form.warn(f"{where}.actual", "实际完成值 cell is empty in the OCR")
    if row.after_break:
        form.warn(where, "row follows a page break of the scan: its wrapped text may include the end of "
                         "the previous row")
    if row.noise:
        form.warn(where, f"OCR noise dropped from its lines: {' '.join(repr(x) for x in row.noise)}")


def _read_total(form: Form, rows: list[_Row], total: list[tuple[int, float]] | None, unlabelled: bool) -> None:
    if total is None:
        form.warn("total", "总分 row not found")
        return
    if unlabelled:
        form.warn("total", "总分 label missing; read from a line holding only two numbers after the last row")
    if len(total) >= 2:
        form.total_weight, form.total_score = total[-2][1], total[-1][1]
        return
    if len(total) == 1 and rows:
        # One number: its column says whether it is the weight or the score.
        score_at = rows[-1].name_at + 4
        index, value = total[0]
        if index == score_at:
            form.total_score = value
            form.warn("total_weight", "总分 分值 cell is empty in the OCR")
            return
        if index == score_at - 1:
            form.total_weight = value
            form.warn("total_score", "总分 得分 cell is empty in the OCR")
            return
    form.warn("total", f"总分 row read as {total!r}; cannot tell weight from score")
