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

This layout only locates the cells (`read` → `RawForm`, OCR boxes joined and stray marks
dropped); `assemble` makes the Form: amounts (in the 元/万元 the form writes), the
execution rate (the template writes a ratio, "0. 98"; the amounts decide, by assembly's one
rule), numbers, level names, the id. Level names, funding row labels and the 总分 row's
spellings are the vocabulary's (reviewer/domain/vocabulary/*.toml).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import compress, count

from reviewer.domain.model import Form
from reviewer.domain.vocabulary import Vocabulary, label_key, vocabulary
from reviewer.extract.assemble import assemble
from reviewer.extract.raw import (
    RawCell, RawForm, RawFunding, RawFundingRow, RawGoal, RawIndicatorRow, RawTable, RawTotal, RawWarning,
)

NAME = "ocr"

_CJK = re.compile(r"[\u3400-\u9fff]")
# RawCell((text, where, original)) without the named tuple's Python-level __new__ (rows make several).
_cell = partial(tuple.__new__, RawCell)
_DIGIT = re.compile(r"\d")
_SPLIT_DECIMAL = re.compile(r"(\d)\.\s+(\d)")
_SPLIT_DECIMAL_COUNT = re.compile(r"\d\. \d\d")
_FORM_HEADER = re.compile(r"项目名称[^\n]*项目金额")
_EDGE_STRAYS = " _·`|Ť"
_THOUSANDS_GROUP = re.compile(r"^\d{3}$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_SPACE = re.compile(r"\s+")
_CURRENCY = re.compile(r"[（(]\s*(?:万元|元)\s*[)）]")
# Fragments of header labels that survive the OCR's cuts, to find the table's header lines.
_INDICATOR_HEADER = ("三级指标", "一级指标", "年度指标值", "偏差原因")
PROJECT_AMOUNT = "项目金额"  # this template's header label for the project's amount


@dataclass(frozen=True, eq=False)  # hashed by identity: one per vocabulary, a cache key
class _Words:
    """What this layout recognises, from the vocabulary."""

    level1: tuple[str, ...]  # 产出指标 …
    level2_keys: tuple[tuple[str, str], ...]  # (text naming a level-2 even with 指标 cut off, its name)
    level2_parent: dict[str, str]
    level_labels: frozenset[str]  # whole level cells
    goal_label_pieces: frozenset[str]  # the 年度总体目标 label, or a piece of it cut by the OCR
    name: str  # 项目名称
    department: str  # 主管部门
    unit: str  # 实施单位
    total_labels: frozenset[str]  # 总分, 合计 …
    total_in_line: re.Pattern[str]  # any of them in a line, a quick test before looking at its cells


def _words() -> _Words:
    return _words_of(vocabulary())


@lru_cache(maxsize=2)  # keyed by the vocabulary: a reloaded vocabulary builds its own
def _words_of(vocab: Vocabulary) -> _Words:
    spellings2 = [s for s in vocab.written_level_spellings if vocab.level(s, 2) is not None]
    keys = {s.removesuffix("指标"): vocab.level(s, 2).name for s in spellings2 if len(s.removesuffix("指标")) >= 2}
    pieces = set()
    for label in vocab.sections.labels["goal"]:
        pieces |= {label[:k] for k in range(2, len(label) + 1)} | {label[k:] for k in range(len(label) - 1)}
    header = vocab.header.labels
    return _Words(
        level1=vocab.level1_names,
        # longest first: "经济成本" names 经济成本指标, not 成本指标
        level2_keys=tuple(sorted(keys.items(), key=lambda kv: -len(kv[0]))),
        level2_parent={name: vocab.level(name, 2).parent for name in vocab.level2_names if vocab.level(name, 2).parent},
        level_labels=frozenset(vocab.level1_names + vocab.level2_names),
        goal_label_pieces=frozenset(pieces),
        name=header["name"][0], department=header["department"][0], unit=header["unit"][0],
        total_labels=frozenset(label_key(t) for t in vocab.sections.labels["total"]),
        total_in_line=re.compile("|".join(r"\s*".join(map(re.escape, t)) for t in vocab.sections.labels["total"])),
    )


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
    """Whether an OCR box is a number ("9. 77": its decimals rejoined), and which; None
    otherwise. Finds the cells (anchors, funding values, 总分); assembly reads them."""
    t = rejoin_digits(cell.strip()).replace(",", "").replace("，", "").rstrip("%")
    return float(t) if _NUMBER.match(t) else None


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
    return list(map(str.strip, line.rstrip().split("\t")))


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
    if "\t" not in text:
        return False
    splits = _SPLIT_DECIMAL_COUNT.finditer(text)  # two are enough: not every one in the text
    return next(splits, None) is not None and next(splits, None) is not None


# --- parsing ---------------------------------------------------------------------------


def parse(text: str, path: str) -> list[Form]:
    return [assemble(raw) for raw in read(text, path)]


def read(text: str, path: str) -> Iterator[RawForm]:
    """The forms of an OCR text, as raw records (`assemble` makes them Forms): one from
    each 项目名称 line to the next, one at a time."""
    lines = text.splitlines()
    name = _words().name
    starts = [i for i, line in enumerate(lines) if name in line]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        yield _read_form(lines[start:end], start + 1, path, index)


def _read_form(lines: list[str], first_line: int, path: str, index: int) -> RawForm:
    raw = RawForm(path=path, index=index, layout=NAME)
    raw.header_notes.append(RawWarning("code", "this form layout has no 项目编码; id is the file and position"))
    raw.funding = RawFunding()
    _read_header(raw, split_cells(lines[0]), f"line {first_line}")
    _read_units(raw, lines, first_line)
    # The year is stated nowhere as the form's year (only inside targets and goal text).
    raw.header_notes.append(RawWarning("year", "no 绩效自评年度 on the form; year not read"))
    header_at = next((i for i, line in enumerate(lines) if any(h in line for h in _INDICATOR_HEADER)), None)
    top = lines[1:header_at] if header_at is not None else lines[1:]
    last_fund = _read_funding(raw.funding, top, first_line + 1)
    raw.goal = _read_goal(top[last_fund + 1 :] if last_fund is not None else [])
    if header_at is None:
        return raw  # assembly says no indicator table was found
    table_at = header_at + 1  # the header may wrap over a second line ("分" / "值")
    while table_at < len(lines) and any(h in lines[table_at] for h in _INDICATOR_HEADER):
        table_at += 1
    raw.indicators, raw.total = _read_indicators(lines[table_at:], first_line + table_at)
    return raw


def _cells_between(cells: list[str], start_label: str, end_label: str | None) -> list[str]:
    start = next((i for i, c in enumerate(cells) if start_label in c), None)
    if start is None:
        return []
    end = next((i for i, c in enumerate(cells) if end_label and end_label in c and i > start), len(cells))
    return cells[start + 1 : end]


def _text_field(notes: list[RawWarning], fieldname: str, cells: list[str]) -> str:
    """Join a header text cell split into several OCR boxes; drop fragments with no Chinese."""
    kept, dropped = [], []
    for cell in cells:
        cleaned = clean_cell(cell)
        if cleaned and has_cjk(cleaned):
            kept.append(cleaned)
        elif cell.strip():
            dropped.append(cell.strip())
    if dropped:
        notes.append(RawWarning(fieldname, f"OCR fragments dropped: {' '.join(repr(d) for d in dropped)}"))
    text, doubtful = join_fragments(kept)
    if doubtful:
        notes.append(RawWarning(fieldname, f"joined from OCR boxes {kept!r}; characters may be repeated at a cut"))
    return text


def _read_header(raw: RawForm, cells: list[str], where: str) -> None:
    notes, words = raw.header_notes, _words()
    name = _text_field(notes, "name", _cells_between(cells, words.name, PROJECT_AMOUNT))
    if name:
        raw.header["name"] = RawCell(name, where)
    else:
        notes.append(RawWarning("name", "项目名称 cell is empty or illegible"))
    tokens = [rejoin_digits(c) for c in _cells_between(cells, PROJECT_AMOUNT, None) if clean_cell(c)]
    if not tokens:
        notes.append(RawWarning("funding.project_amount", "项目金额 cell is empty"))
        return
    if len(tokens) == 1 and number(tokens[0]) is not None:
        raw.funding.summary["project_amount"] = RawCell(tokens[0], where)
        return
    head, *groups = tokens
    if number(head) is not None and len(head) <= 3 and groups and all(_THOUSANDS_GROUP.match(g) for g in groups):
        # "730 | 000": one amount whose thousands separator became a cell boundary.
        raw.funding.summary["project_amount"] = RawCell(head + "".join(groups), where)
        notes.append(RawWarning("funding.project_amount",
                                f"read from OCR boxes {tokens!r} as one amount in thousands groups"))
        return
    notes.append(RawWarning("funding.project_amount",
                            f"项目金额 is split into OCR boxes {tokens!r}; cannot tell which is the amount"))


def _read_units(raw: RawForm, lines: list[str], first_line: int) -> None:
    words, notes = _words(), raw.header_notes
    at = next((i for i, line in enumerate(lines) if words.department in line), None)
    if at is None:
        notes.append(RawWarning("department", "主管部门 line not found"))
        notes.append(RawWarning("unit", "实施单位 line not found"))
        return
    cells, where = split_cells(lines[at]), f"line {first_line + at}"
    department = _text_field(notes, "department", _cells_between(cells, words.department, words.unit))
    if department:
        raw.header["department"] = RawCell(department, where)
    else:
        notes.append(RawWarning("department", "主管部门 cell is empty or illegible"))
    unit = _text_field(notes, "unit", _cells_between(cells, words.unit, None))
    if unit:
        raw.header["unit"] = RawCell(unit, where)
    else:
        notes.append(RawWarning("unit", "实施单位 cell is empty"))


# --- funding ---------------------------------------------------------------------------


def _fund_row(cells: list[str]) -> tuple[str, list[str]] | None:
    """(the label as written, value cells) for a funding-table line, else None."""
    first_number = next((i for i, c in enumerate(cells) if number(c) is not None), None)
    if first_number is None:
        return None
    label = _SPACE.sub("", "".join(cells[:first_number]))
    if vocabulary().funding_rows.field(label) is None:
        return None
    return label, [c for c in cells[first_number:] if c]


_FUNDING_LINE = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")


def _read_funding(funding: RawFunding, lines: list[str], first_line: int) -> int | None:
    """The funding table's rows into `funding`; the index of its last line."""
    last = None
    # OCR'd Shenzhen scans write 执行率 as a ratio ("0.98") under a header without "%".
    funding.rate_convention = "ratio"
    for i, line in enumerate(lines):
        cells = split_cells(line)
        row = _fund_row(cells)
        if row is None:
            continue
        label, values = row
        where = f"line {first_line + i}"
        if funding.currency is None:
            funding.currency = next((RawCell(c, where) for c in cells if _CURRENCY.search(c)), None)
        read = 3
        if vocabulary().funding_rows.field(label) == "年度资金总额":
            if len(values) == 6 and all(number(v) is not None for v in values):
                read = 6
            else:
                funding.notes.append(RawWarning("funding", f"年度资金总额 row read as {values!r}; expected 6 numbers"))
        cells_read = {name: RawCell(clean_cell(v), where) for name, v in zip(_FUNDING_LINE[:read], values)}
        funding.rows.append(RawFundingRow(RawCell(label, where), cells_read))
        last = i
    if funding.currency is None:
        funding.currency = next((RawCell(m.group(0), f"line {first_line + i}") for i, line in enumerate(lines)
                                 if (m := _CURRENCY.search(line))), None)
    if not funding.rows:
        funding.notes.append(RawWarning("funding", "funding table not found"))
    return last


# --- goal ------------------------------------------------------------------------------


def _read_goal(lines: list[str]) -> RawGoal:
    """The goal cell pair. Extracted only when the two columns come out on one line and the
    header shows where the 实际完成情况 column starts; otherwise left empty with a warning."""
    goal = RawGoal()
    rows = [split_cells(line) for line in lines if line.strip()]
    header_at = next((i for i, cells in enumerate(rows) if _actual_column(cells) is not None), None)
    if header_at is None:
        goal.notes.append(RawWarning("goal", "预期目标/实际完成情况 header not found; goal not read"))
        return goal
    actual_at = _actual_column(rows[header_at])
    content = [cells for cells in rows[header_at + 1 :] if any(has_cjk(clean_cell(c)) for c in cells)]
    if len(content) != 1:
        goal.notes.append(RawWarning("goal", f"the planned and outcome columns are interleaved over {len(content)} "
                                             "OCR lines; goal not separable, left empty"))
        return goal
    cells = _without_label(content[0])
    actual = _goal_part(goal.notes, "goal.actual", cells[actual_at:])
    if not actual:
        # Nothing under the 实际完成情况 header: the columns drifted, so the planned side
        # may hold both texts.
        goal.notes.append(RawWarning("goal", "the outcome column is empty where its header stands; columns drifted, "
                                             "goal left empty"))
        return goal
    planned = _goal_part(goal.notes, "goal.planned", cells[:actual_at])
    goal.planned, goal.actual = [RawCell(planned)] if planned else [], [RawCell(actual)]
    return goal


def _without_label(cells: list[str]) -> list[str]:
    """The goal line without its leading 年度总体目标 label (or the pieces the OCR cut it into)."""
    pieces = _words().goal_label_pieces
    out = list(cells)
    for i, cell in enumerate(out):
        key = _SPACE.sub("", cell)
        if key and key not in pieces:
            break
        out[i] = ""
    return out


def _actual_column(cells: list[str]) -> int | None:
    for i, cell in enumerate(cells):
        joined = _SPACE.sub("", cell + (cells[i + 1] if i + 1 < len(cells) else ""))
        if cell and joined.startswith("实际"):
            return i
    return None


def _goal_part(notes: list[RawWarning], fieldname: str, cells: list[str]) -> str:
    fragments = [clean_cell(c) for c in cells]
    if any(c.strip() and not f for c, f in zip(cells, fragments)):
        notes.append(RawWarning(fieldname, "stray OCR marks dropped"))
    text, doubtful = join_fragments(fragments)
    if len(_CJK.findall(text)) < 2:
        notes.append(RawWarning(fieldname, f"not legible in the OCR (read {text!r}); left empty"))
        return ""
    if doubtful:
        notes.append(RawWarning(fieldname, "joined from OCR boxes; characters may be repeated at a cut"))
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
    cells: dict[str, str] = field(default_factory=dict)  # name, target, actual, weight, score, deviation
    level1: str = ""  # as assigned (_assign_levels)
    level2: str = ""
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


def _total_label(line: str, cells: list[str]) -> str | None:
    """The 总分 (合计 …) cell of a line, if it has one."""
    words = _words()
    if not words.total_in_line.search(line):
        return None
    return next((c for c in cells if c and label_key(c) in words.total_labels), None)


def _total_numbers(cells: list[str]) -> list[tuple[int, str]] | None:
    """(index, cell) of the numbers of a 总分 line, or of a line of bare numbers only (label lost)."""
    kept = [(i, clean_cell(c)) for i, c in enumerate(cells) if clean_cell(c)]
    labelled = _total_label("\t".join(c for _, c in kept), [c for _, c in kept]) is not None
    numbers = [(i, c) for i, c in kept if number(c) is not None]
    if labelled:
        return numbers
    if len(kept) == 2 and len(numbers) == 2:
        return numbers
    return None


def _read_indicators(lines: list[str], first_line: int) -> tuple[RawTable, RawTotal | None]:
    table = RawTable()
    rows: list[_Row] = []
    pending: list[_Line] = []
    broken = False  # a page break since the last anchor
    noise: list[str] = []
    total: list[tuple[int, str]] | None = None
    total_label, total_at = None, -1
    for n, line in enumerate(lines):
        cells = split_cells(line)
        if not line.strip():
            broken = broken or bool(rows)
            continue
        label = _total_label(line, cells)
        anchor = None if label else _anchor(cells)
        if anchor is None and rows and (label or not has_cjk(line)):
            found = _total_numbers(cells)
            if found is not None:
                total, total_at, total_label = found, n, label
                continue
        if anchor is not None:
            row = _Row(anchor=_Line(n, cells), name_at=anchor, lines=pending, after_break=broken, noise=noise)
            rows.append(row)
            pending, broken, noise = [], False, []
            continue
        kept = [c if _CJK.search(clean_cell(c)) and not looks_garbled(c) else "" for c in cells]  # has_cjk
        noise += [c for c, k in zip(cells, kept) if c and not k and not is_stray(c)]
        if any(kept):
            pending.append(_Line(n, kept))
    if total is not None and total_label is None and rows[-1].anchor.number > total_at:
        total = None  # two bare numbers inside the table, not its 总分 row
    if pending:
        table.notes.append(RawWarning("indicators", f"{len(pending)} OCR line(s) after the last indicator row not read"))
    for i, row in enumerate(rows):
        _build_row(row, rows[i - 1] if i else None)
    _assign_levels(rows)
    for i, row in enumerate(rows):
        where = f"line {first_line + row.anchor.number}"
        # Both level cells always: where the OCR does not tell a row's level it is left
        # empty, not carried down from the row above.
        cells = {"level1": _cell((row.level1, where, "")), "level2": _cell((row.level2, where, ""))}
        cells.update({k: _cell((v, where, "")) for k, v in row.cells.items() if v})
        raw_row = RawIndicatorRow(cells)
        raw_row.notes = _row_notes(row)
        if i + 1 < len(rows) and rows[i + 1].after_break:
            raw_row.notes.append(RawWarning("", "row precedes a page break of the scan: its wrapped text may "
                                                "continue into the next row"))
        table.rows.append(raw_row)
    return table, _read_total(rows, total, total_label, first_line + total_at)


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
    deviation = clean_cell(t[n + 5]) if len(t) > n + 5 else ""
    # Deviation text wrapped below its row belongs to the row above when that row has one.
    if deviation_before and previous is not None and previous.cells["deviation"]:
        previous.cells["deviation"] += _join(deviation_before)
    else:
        deviation = _join(deviation_before) + deviation
    row.cells = {
        "name": _join(columns.get(n, [])),
        "target": rejoin_digits(_join(columns.get(n + 1, []))),
        "actual": rejoin_digits(_join(columns.get(n + 2, []))),
        "weight": anchor[n + 3], "score": anchor[n + 4], "deviation": deviation,
    }
    words = _words()
    labels = ["".join(_SPACE.sub("", f) for f in columns.get(i, [])) for i in range(n)]
    for label in filter(None, labels):
        level2 = _level2(label)
        if level2:
            row.level2_written = level2
        elif any(name in label for name in words.level1):
            row.level1_written = next(name for name in words.level1 if name in label)


def _realigned(cells: list[str], name_at: int) -> list[str]:
    """A wrapped line whose level label sits at or right of the name column has drifted
    (an OCR box spanning two columns on another line): move its labels left of the name."""
    labels = list(compress(count(), map(partial(_is_level_label_of, _words()), cells)))  # _is_level_label
    if not labels or labels[-1] < name_at:
        return cells
    kept = [cells[i] for i in labels][-name_at:] if name_at > 0 else []
    return [""] * (name_at - len(kept)) + kept + cells[labels[-1] + 1 :]


def _is_level_label(cell: str) -> bool:
    return _is_level_label_of(_words(), cell)


@lru_cache(maxsize=8192)  # keyed by the vocabulary's words too: a reloaded vocabulary is asked afresh
def _is_level_label_of(words: _Words, cell: str) -> bool:
    return _SPACE.sub("", cell) in words.level_labels


def _join(fragments: list[str]) -> str:
    return "".join(fragments)


def _level2(label: str) -> str | None:
    return _level2_of(_words(), label)


@lru_cache(maxsize=4096)  # level labels repeat from row to row
def _level2_of(words: _Words, label: str) -> str | None:
    for key, name in words.level2_keys:
        if key in label:
            return name
    return None


def _assign_levels(rows: list[_Row]) -> None:
    """Level cells are merged over several rows and the OCR puts their text on one of
    them. A row takes a level only where that is certain: the label is on its own lines,
    or it lies between two rows labelled alike, or before the first / after the last label
    of its level-1 group. Rows between two different labels are left empty (warned)."""
    parent = _words().level2_parent
    level1_marks = [parent.get(r.level2_written) or r.level1_written for r in rows]
    level1 = _sandwich(level1_marks)
    for row, value in zip(rows, level1):
        row.level1 = value or ""
    for group in sorted({v for v in level1 if v}):
        members = [i for i, v in enumerate(level1) if v == group]
        marks = [rows[i].level2_written for i in members]
        for i, value in zip(members, _sandwich(marks)):
            rows[i].level2 = value or ""


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


def _row_notes(row: _Row) -> list[RawWarning]:
    notes: list[RawWarning] = []
    if not row.level1:
        notes.append(RawWarning(".level1", "merged level-1 cell: the row lies between two different labels in the OCR"))
    elif not row.level2 and row.level1 != "满意度指标":
        notes.append(RawWarning(".level2", "merged level-2 cell: the row lies between two different labels in the OCR"))
    for name, label in (("name", "三级指标"), ("target", "年度指标值"), ("actual", "实际完成值")):
        if not row.cells[name]:
            notes.append(RawWarning(f".{name}", f"{label} cell is empty in the OCR"))
    if row.after_break:
        notes.append(RawWarning("", "row follows a page break of the scan: its wrapped text may include the end of "
                                    "the previous row"))
    if row.noise:
        notes.append(RawWarning("", f"OCR noise dropped from its lines: {' '.join(repr(x) for x in row.noise)}"))
    return notes


def _read_total(rows: list[_Row], total: list[tuple[int, str]] | None, label: str | None,
                line: int) -> RawTotal | None:
    if total is None:
        return None  # assembly says no 总分 row was found
    where = f"line {line}"
    raw = RawTotal(label=RawCell(label, where) if label else None)
    if label is None:
        raw.notes.append(RawWarning("total", "总分 label missing; read from a line holding only two numbers after "
                                             "the last row"))
    if len(total) >= 2:
        raw.cells = {"weight": RawCell(total[-2][1], where), "score": RawCell(total[-1][1], where)}
        return raw
    if len(total) == 1 and rows:
        # One number: its column says whether it is the weight or the score.
        score_at = rows[-1].name_at + 4
        index, value = total[0]
        if index == score_at:
            raw.cells = {"score": RawCell(value, where)}
            raw.notes.append(RawWarning("total_weight", "总分 分值 cell is empty in the OCR"))
            return raw
        if index == score_at - 1:
            raw.cells = {"weight": RawCell(value, where)}
            raw.notes.append(RawWarning("total_score", "总分 得分 cell is empty in the OCR"))
            return raw
    raw.notes.append(RawWarning("total", f"总分 row read as {[v for _, v in total]!r}; cannot tell weight from score"))
    return raw
