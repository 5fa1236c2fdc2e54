"""Layout 'tabular': forms read from a grid of cells (`read_grid`), whatever made the grid.

A tab-separated table export (Beijing's seed 002, an .xlsx sheet), pipe rows from a web
page, a .docx table: each becomes a `Grid`, and this reader finds the form's parts in it by
the text of their label cells, never by fixed position. The labels are data
(reviewer/domain/vocabulary/labels.toml): 项目名称 … 实施单位 in the header, the funding
table's 年初预算数 … 得分, 预期目标 / 实际完成情况, the indicator table's 一级指标 … 偏差原因
with their synonyms (指标值 / 目标值, 完成值 / 全年实际值, 权重 / 指标分值, 自评得分, 复核分 …),
and the 总分 / 合计 row.

What forms do and how it is read:
- several forms in one text: a form starts at its 项目名称 row (a form without one, like a
  department-wide rubric, at its table); rows after a form's 总分 row open the next;
- a header over two rows (年度指标值 spanning 指标性质 | 指标值 | 度量单位, 得分 over
  自评分 | 复核分): the lower labels name the columns under the upper one;
- merged cells appear as empty fields (tab exports) or are dropped (pipe rows): a row is
  placed by position where the grid keeps positions and every cell fits its column,
  otherwise by what its cells hold (`placement`); 一级/二级指标 carry down (assembly);
- a cell wrapped inside its table cell gets a space inside a Chinese word ("北京市丰台区
  信访办 公室"); a space after a Chinese character is layout, not text;
- the year in a title only, 万元 written above the table, a funding weight given in a
  header ("得分(20分*执行率)"), forms with no weight or score columns, with no 项目编码.
What cannot be placed with confidence is left empty and said in a warning.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from reviewer.domain.model import Form
from reviewer.domain.vocabulary import depends_on_vocabulary, label_key, vocabulary
from reviewer.extract.assemble import FUND_TOTAL, assemble
from reviewer.extract.grid import Cell, Grid, category_points
from reviewer.extract.layouts.placement import (
    AMOUNT, DASH, IGNORED, NUMBER, PERCENT, PLACEHOLDER, TEXT, UNKNOWN, Column, GridCell, Placement, by_position, kind,
    misfit_note, place, unplaced_note,
)
from reviewer.extract.textgrid.quoted import has_quoted_break, quoted_fields
from reviewer.extract.textgrid.wordtext import rejoined_lines
from reviewer.extract.raw import (
    RawCell, RawForm, RawFunding, RawFundingRow, RawGoal, RawIndicatorRow, RawTable, RawTotal, RawWarning,
)

NAME = "tabular"
# Grids whose columns are true positions (merged cells kept as empty fields).
POSITIONAL = frozenset(("tabs", "csv", "docx", "xlsx", "xls", "html", "pdf", ""))

_CJK = r"\u2018-\u201d\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_LAYOUT_SPACE = re.compile(rf"(?<=[{_CJK}])\s+")
_CURRENCY = re.compile(r"[（(]\s*(万元|元)\s*[)）]|单位\s*[:：]\s*(万元|元)")
_YEAR_CELL = re.compile(r"^[（(]?\s*\d{4}\s*年度?\s*[)）]?$")
_TITLE_YEAR = re.compile(r"\d{4}\s*年")
_HEADER_POINTS = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分")
_BARE_POINTS = re.compile(r"^[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]$")  # "(20分)" on a line of its own
_NAME_POINTS = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")
_UNIT_LABEL = re.compile(r"单位\s*[:：]\s*$")  # "金额单位:" with its 万元 in the next cell
_LABELLED = re.compile(r"^\S{1,8}[:：]")  # "附件：…", "填报日期：…": a label of its own
_NEXT_LABEL = re.compile(r"\s+(?=\S{2,10}[:：])")
_TICK_BOX = re.compile(r"[□☐☑☒■√✓✔]")
_STATED_TOTAL = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*分?(?:\s|$)")  # "69 单位领导审签:", "99分"
_NOT_FILLED = re.compile(r"^[\s/／\\\-—－–一、.。…]*$")  # "/", "—": the form says the field is not filled
_OCR_SPLIT_NUMBER = re.compile(r"(?:^|\t)[ \u3000]*\d+\.[ \u3000]+\d+[ \u3000]*(?=\t|$)", re.M)  # "0. 98": OCR
# Sub-labels of a two-row header that refine the upper label they stand under.
_PARTS_OF = {
    "target": {"nature", "comparator", "target", "unit"},
    "score": {"score", "review_score", "weighted_score", "weight_share"},
    "weight": {"weight", "weight_share"},
}
_NEEDED = {"name": "三级指标", "target": "年度指标值", "actual": "实际完成值", "weight": "分值", "score": "得分"}


@lru_cache(maxsize=16384)
def tidy(text: str) -> str:
    """A cell's text without the spaces its wrapping left after Chinese characters."""
    return _LAYOUT_SPACE.sub("", text.replace("\r", "")).strip().replace("\n", " ")


# ---------------------------------------------------------------- text → grid, detection


_EMPTY = Cell("")


def tab_grid(text: str) -> Grid:
    """Tab-separated text: each line a row, each field a cell; a cell holding a line break is
    quoted where Excel copied the range (reviewer.extract.textgrid.quoted)."""
    if has_quoted_break(text):
        return _quoted_tab_grid(text)
    rejoined = rejoined_lines(text)  # rows Word's text export split at a cell's line breaks
    if rejoined is not None:
        return Grid(rows=[[Cell(c, f"line {n} col {k + 1}") if c else _EMPTY for k, (c, n) in enumerate(row)]
                          for row in rejoined], origin="tabs")
    return Grid(
        rows=[[Cell(c, f"line {n} col {k + 1}") if c else _EMPTY for k, c in enumerate(line.rstrip("\r").split("\t"))]
              for n, line in enumerate(text.split("\n"), start=1)],
        origin="tabs",
    )


def _quoted_tab_grid(text: str) -> Grid:
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return Grid(
        rows=[[Cell(f.text, f"line {bisect_right(line_starts, f.start)} col {k + 1}") if f.text else _EMPTY
               for k, f in enumerate(row)] for row in quoted_fields(text)],
        origin="tabs",
    )


def detect(text: str) -> bool:
    """Tab-separated rows holding 项目名称 and a funding or indicator header as whole cells."""
    if "\t" not in text or _OCR_SPLIT_NUMBER.search(text):
        return False
    named = tabled = False
    for line in text.split("\n"):
        if "\t" not in line:
            continue
        for cell in line.split("\t"):
            if not cell:
                continue
            label = _label(cell)
            named = named or label.header is not None and label.header[0] == "name"
            tabled = tabled or label.funding == "initial_budget" or label.indicator_exact in ("level1", "name")
        if named and tabled:
            return True
    return False


def parse(text: str, path: str) -> list[Form]:
    return [assemble(raw) for raw in read_grid(tab_grid(text), path)]


# ---------------------------------------------------------------- rows and sections


@dataclass(frozen=True, slots=True)
class _Label:
    """What a cell's text names, in each table's vocabulary (None: nothing)."""

    header: tuple[str, str] | None  # (field, inline value)
    funding: str | None
    goal: str | None
    indicator: str | None
    indicator_exact: str | None
    section: str | None


@dataclass
class _Row:
    index: int
    cells: list[GridCell]  # the non-empty cells, text tidied
    labels: list[_Label] = field(default_factory=list)  # what each cell names
    role: str | None = None  # what the row opens: name, indicators, funding, goal, total (or None)
    length: int = 0  # cells in the grid row, empty ones included
    grid: int = 0  # which grid of the sequence the row is in
    positional: bool = False  # its grid keeps true positions (merged cells as empty fields)
    illegible: list[GridCell] = field(default_factory=list)  # positions taken by what cannot be read
    aligned: bool = False  # its grid's rows were placed under their header by a reader (Grid.aligned)
    by_position: bool = False  # that reader placed it by position, every cell written (Cell.by_position)

    @property
    def placed_cells(self) -> list[GridCell]:
        """The cells to place: its text cells and the positions illegible text takes."""
        if not self.illegible:
            return self.cells
        return sorted(self.cells + self.illegible, key=lambda gc: gc.col)

    @property
    def first(self) -> str:
        return self.cells[0].cell.text if self.cells else ""

    @property
    def width(self) -> int:
        return self.cells[-1].col + 1 if self.cells else 0


def _rows(grids: list[Grid]) -> list[_Row]:
    """The rows of a sequence of grids, one after the other: a form may be split over several
    tables (a header table, the funding table, the indicator table)."""
    rows: list[_Row] = []
    for g, grid in enumerate(grids):
        positional = grid.origin in POSITIONAL
        for r, row in enumerate(grid.rows):
            cells, illegible = [], []
            for c, cell in enumerate(row):
                text = tidy(cell.text) if cell.text else ""
                if text:
                    original = tidy(cell.original) if cell.original else ""
                    where = cell.where or f"row {r + 1} col {c + 1}"
                    parts = None if original else _spaced_fields(cell.text)
                    if parts:
                        cells += [GridCell(c, RawCell(tidy(part), where)) for part in parts]
                        continue
                    cells.append(GridCell(c, RawCell(text, where, original)))
                elif cell.illegible:
                    illegible.append(GridCell(c, RawCell("", cell.where), True))
            labels = [_label(gc.cell.text) for gc in cells]
            rows.append(_Row(len(rows), cells, labels, _role(labels), len(row), g, positional, illegible,
                             grid.aligned, bool(row) and row[0].by_position))
    return rows


@depends_on_vocabulary
@lru_cache(maxsize=16384)
def _spaced_fields(text: str) -> tuple[str, ...] | None:
    """A header row's label and value cells that a converter joined with spaces into one cell
    ("项目名称 市级文物保护专项经费", "主管部门 裕安区文化和旅游局   实施单位 裕安区文化和旅游局",
    "单位名称: 施甸县农业农村局   填报日期: 2022年7月16日"): the cells, each label and the words
    up to the next label. None unless the cell opens with a header label written alone."""
    tokens = text.split()
    if len(tokens) < 2 or not _label_token(tokens[0]) or _CURRENCY.search(text) or _header_label(text):
        return None  # "实施单位 (盖章)" is one label
    parts: list[str] = []
    value: list[str] = []
    for token in tokens:
        if _label_token(token):
            if value:
                parts.append(" ".join(value))
                value = []
            parts.append(token)
        else:
            value.append(token)
    if value:
        parts.append(" ".join(value))
    return tuple(parts)


def _label_token(token: str) -> bool:
    """A header label standing alone (its value, if any, in the next cell)."""
    found = _header_label(token)
    return found is not None and not found[1]


def _same_positions(row: _Row, header: _Row) -> bool:
    """Whether a row's positions are its header's columns: both in one grid that keeps positions."""
    return row.positional and row.grid == header.grid


def _stands_in_columns(row: _Row, header: _Row) -> bool:
    """Whether a body row's cells stand in its header's columns: a row of a grid that keeps
    positions, or one the text reader laid under this header by position (every cell written,
    or the row's first cells before the text ends)."""
    return _same_positions(row, header) or row.by_position and row.grid == header.grid


def _role(labels: list[_Label]) -> str | None:
    """What a row opens, from what its cells name: a form (项目名称), the indicator table, the
    funding table, the goal table, the total row; None for any other row."""
    if not labels:
        return None
    indicator_fields = set()
    known = 0
    funding_fields = set()
    goal = False
    for lb in labels:
        if lb.header is not None and lb.header[0] == "name":
            return "name"
        if lb.indicator:
            known += 1
            indicator_fields.add(lb.indicator)
        funding_fields.add(lb.funding)
        goal = goal or lb.goal == "planned"
    if known >= 3 and indicator_fields & {"level1", "level2", "name"}:
        return "indicators"
    if "executed" in funding_fields and funding_fields & {"initial_budget", "annual_budget"}:
        return "funding"
    if goal:
        return "goal"
    return "total" if labels[0].section == "total" else None


@depends_on_vocabulary
@lru_cache(maxsize=16384)
def _label(text: str) -> _Label:
    vocab = vocabulary()
    return _Label(_header_label(text), vocab.funding_columns.field(text), vocab.goal_columns.field(text),
                  vocab.indicator_columns.field(text), vocab.indicator_columns.exact(text), vocab.sections.exact(text))


@depends_on_vocabulary
@lru_cache(maxsize=16384)
def _header_label(text: str) -> tuple[str, str] | None:
    """(field, value written after a colon in the same cell) when the cell is a header label;
    field "other" for a known label that is no form field."""
    vocab = vocabulary()
    key = label_key(text)
    field = vocab.header.exact(key)
    if field is None and key in vocab.header_other:
        field = "other"
    if field is not None:
        return field, ""
    if "/" in key:  # "单位名称/ 项目名称": one of them; 项目名称 opens a form
        fields = _compound_label(key)
        if fields and any(f != "other" for f in fields):
            return ("name" if "name" in fields else next(f for f in fields if f != "other")), ""
    colon = min((i for i in (text.find(":"), text.find("：")) if i >= 0), default=-1)
    if colon > 0:
        left = label_key(text[:colon])
        field = vocab.header.exact(left) or ("other" if left in vocab.header_other else None)
        if field is not None:
            return field, _NEXT_LABEL.split(text[colon + 1:].strip(), maxsplit=1)[0].strip()
    return None


def _compound_label(key: str) -> list[str] | None:
    """The field (or "other") each part of a label like "项目实施单位/项目负责人" names; None
    unless every part is a header label."""
    vocab = vocabulary()
    fields = [vocab.header.exact(part) or ("other" if part in vocab.header_other else None) for part in key.split("/")]
    return fields if all(fields) else None


def _labels(row: _Row) -> list[_Label]:
    return row.labels or [_label(gc.cell.text) for gc in row.cells]


def _section(row: _Row) -> str | None:
    return _label(row.first).section if row.cells else None


def _indicator_fields(row: _Row) -> list[str | None]:
    return [lb.indicator for lb in _labels(row)]


def _is_header_continuation(row: _Row) -> bool:
    """A second header row: every cell is exactly a column label."""
    return bool(row.cells) and all(lb.indicator_exact for lb in _labels(row))


def _a_note(row: _Row) -> bool:
    """A row opening with a label of no field that a form prints among its table's last rows
    ("其他需要说明事项 | 无", 评价结论 …): the form's note, no indicator."""
    return (_label(row.first).header or ("",))[0] == "other"


def _only_a_label(row: _Row) -> bool:
    return len(row.cells) == 1 and _section(row) is not None


def _opens(role: str):
    return lambda row: row.role == role


# ---------------------------------------------------------------- forms in a grid


def read_grid(grid: Grid, path: str) -> list[RawForm]:
    """The forms in a grid, as raw records (`assemble` makes them Forms). [] when nothing
    form-like is found: no 项目名称, no funding table, no indicator table."""
    return read_grids([grid], path)


def read_grids(grids: list[Grid], path: str) -> list[RawForm]:
    """The forms in a sequence of grids read as one sequence of rows (a document's tables and
    paragraphs in reading order, the tables of a text). Each form carries the notes of the
    grids its rows came from."""
    rows = _rows(grids)
    forms: list[RawForm] = []
    preamble = 0
    starts = _form_starts(rows)
    for n, (start, named) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(rows)
        # A form without 项目名称 opens at its table: the rows above (title, unit, goal) are its own.
        reader = _FormReader(rows, preamble, start if named else preamble, end, len(rows))
        raw = reader.read(path, len(forms))
        if raw is not None:
            used = sorted({row.grid for row in rows[preamble:end]})
            notes = dict.fromkeys(note for g in used for note in grids[g].notes)
            raw.warnings += [RawWarning("source", note) for note in notes]
            forms.append(raw)
        preamble = reader.total_at + 1 if reader.total_at is not None else end
    return forms


def _form_starts(rows: list[_Row]) -> list[tuple[int, bool]]:
    """(row, opened by a 项目名称 row) of each form: a 项目名称 row opens one; an indicator table
    (not a header repeated after a page break) with no 项目名称 row since the last table
    opens one too; a lone funding table makes a form when nothing else does."""
    starts: list[tuple[int, bool]] = []
    last_fields: list[str | None] | None = None
    waiting = False  # a 项目名称 row whose table has not come yet
    for row in rows:
        if row.role == "name":
            starts.append((row.index, True))
            waiting = True
        elif row.role == "indicators":
            fields = _indicator_fields(row)
            if not waiting and fields != last_fields:
                starts.append((row.index, False))
            waiting = False
            last_fields = fields
    if not starts:
        starts = [(r.index, False) for r in rows if r.role == "funding"][:1]
    return starts


class _FormReader:
    def __init__(self, rows: list[_Row], preamble: int, start: int, end: int, grid_end: int):
        self.rows, self.preamble, self.start, self.end = rows, preamble, start, end
        self.grid_end = grid_end
        self.header: _Row | None = None  # the indicator table's (first) header row
        self.settle = _LoneNumbers()  # where the table's lone numbers go (分值 or 得分)
        self.total_at: int | None = None
        self.columns: list[Column] = []  # the indicator table's
        self.closed = True  # the table's categories are the template's closed list

    def find(self, test, start: int, stop: int | None = None) -> int | None:
        for i in range(start, self.end if stop is None else stop):
            if self.rows[i].cells and test(self.rows[i]):
                return i
        return None

    def read(self, path: str, index: int) -> RawForm | None:
        funding = self.find(_opens("funding"), self.start)
        table = self.find(_opens("indicators"), self.start)
        before_table = table if table is not None else self.end
        goal = self.find(_opens("goal"), self.start, before_table)
        goal_label = None if goal is not None else self.find(
            lambda r: _section(r) == "goal" and len(r.cells) > 1, self.start, before_table)
        self.total_at = self.find(_opens("total"), table if table is not None else self.start)
        named = self.rows[self.start].role == "name"
        sections = [i for i in (funding, goal, goal_label, table, self.total_at) if i is not None]
        header_end = min(sections, default=self.end)
        head = self.rows[self.preamble:header_end]
        header, header_notes = _header_fields(head, self.rows[header_end] if header_end < len(self.rows) else None)
        if funding is None and table is None and not (named and header):
            return None  # nothing form-like: no table, and at most a label with no value

        raw = RawForm(path=path, index=index, layout=NAME)
        raw.header = header
        raw.header_notes += header_notes
        raw.title, kind_ = _title(head)
        if kind_:
            raw.kind = kind_
        if funding is not None:
            stop = min([i for i in sections if i > funding] + [self.end])
            raw.funding = self.funding(funding, stop)
        if goal is not None:
            raw.goal = self.goal(goal, min([i for i in sections if i > goal] + [self.end]))
        elif goal_label is not None:
            raw.goal = _labelled_goal(self.rows[goal_label])
        if table is not None:
            raw.indicators = self.indicators(table)
            if not named and not self.closed and raw.kind == "self_evaluation" and kind_ is None:
                raw.kind = "department_overall"  # a rubric of no project: a department's (unit's) evaluation
        if self.total_at is not None:
            raw.total = self.total(self.rows[self.total_at])
        stated = header.pop("total_score", None)
        if stated is not None and _beyond_header(raw):  # a header alone stays one
            raw.total = _stated_total(stated, raw.total, raw.header_notes)
        return raw

    # ------------------------------------------------------------ funding

    def funding(self, at: int, stop: int) -> RawFunding:
        header = self.rows[at]
        labels = vocabulary().funding_columns
        body = [r for r in self.rows[at + 1:stop] if r.cells]
        pairs = _label_value_pairs(header)
        if pairs is not None:
            return self._paired_funding(at, pairs, body)
        columns = _columns(header, labels.field)
        if columns and _over_row_labels(columns[0], body):
            # "年度预算数(万元)" heads the row labels (总额, 其中:财政资金 …), not amounts.
            rest = [gc for gc in header.cells if gc.col > columns[0].start]
            columns = _columns(_Row(header.index, rest), labels.field)
        funding = RawFunding(columns={c.field: c.header for c in columns if not c.field.startswith(UNKNOWN)})
        funding.currency = _currency([header] + body) or _currency(self.rows[self.preamble:at])
        if "weight" not in funding.columns:
            stated = _stated_weight(header) or self._weight_above(at)
            if stated is not None:
                funding.summary["weight"] = stated
                funding.notes.append(RawWarning("funding.weight", f"no 分值 column; 分值 {stated.text} read from "
                                                                  f"the header ({stated.where})"))
        reported: set[str] = set()
        for k, row in enumerate(body):
            if _only_a_label(row):
                continue
            if _repeats_its_label(row):
                funding.notes.append(RawWarning("funding", f"{row.first}: written label value label value, under a "
                                                           "header that is not: its amounts are not read"))
                continue
            carried = _carried_amounts(row, body[k + 1:], columns)
            if carried is not None:
                funding.rows.append(carried)
                funding.notes.append(RawWarning("funding", f"{carried.label.text}: its amounts run on over the lines "
                                                           f"below it ({' | '.join(c.text for c in carried.cells.values())}); "
                                                           "read as 全年预算数, 全年执行数, 执行率, the rate being their quotient"))
                continue
            by_position = _stands_in_columns(row, header)
            placed = place(row.placed_cells, columns, True, by_position, lead="label",
                           as_wide=row.length == header.length, aligned=row.aligned and row.grid == header.grid)
            if not placed.before:
                continue
            if len(row.placed_cells) <= len(columns) and not by_position:
                _unproven_numbers(placed, columns)
            _placed_by_rate(placed, columns)
            label = RawCell("".join(c.text for c in placed.before), placed.before[0].where)
            cells = {}
            for name, cs in _known(placed, columns, funding.notes, "funding", reported).items():
                if len(cs) == 1:
                    cells[name] = cs[0]
                else:
                    funding.notes.append(RawWarning("funding", f"funding {label.text} {name}: several cells under "
                                                               f"one header ({' | '.join(c.text for c in cs)}); not read"))
            funding.notes += [RawWarning("funding", f"{label.text}: {unplaced_note(c, f, columns)}")
                              for c, f in placed.unplaced]
            funding.notes += [RawWarning(f"funding.{f}", f"{label.text}: {misfit_note(c, f, columns)}")
                              for c, f in placed.misfits if not f.startswith(UNKNOWN) and f not in IGNORED]
            funding.rows.append(RawFundingRow(label, cells))
        _only_source_filled(funding, body)
        return funding

    def _paired_funding(self, at: int, pairs: tuple[list[tuple[GridCell, GridCell]], list[GridCell]],
                        body: list[_Row]) -> RawFunding:
        """A funding table written label value label value: each column a label and its
        amount side by side ("预算数 6.84 | 到位数 6.84 | 执行数 6.84 | 100.00" under 预算安排情况 |
        资金到位情况 | 资金执行情况 | 预算执行进度(%)), its rows repeating their own label before
        each amount ("其中:财政资金 6.84 其中:财政资金 6.84 …"). The first row's amounts are the
        project's totals; a lone number after the pairs is read only where the row of column
        groups above names it (执行率), else it is left with a warning."""
        header = self.rows[at]
        field_of = vocabulary().funding_columns.field
        first, rest = pairs
        fields = [field_of(label.cell.text) for label, _ in first]
        funding = RawFunding(columns={f: label.cell for f, (label, _) in zip(fields, first) if f})
        funding.currency = _currency([header] + body) or _currency(self.rows[self.preamble:at])
        for f, (label, value) in zip(fields, first):
            if f in ("initial_budget", "annual_budget", "executed"):
                funding.summary[f] = value.cell
            elif f is None:
                funding.notes.append(RawWarning("funding", f"column '{label.cell.text}' ({value.cell.text}) is not "
                                                           "part of this layout; its cells are not read"))
        if rest:  # one number after the pairs: under the last of the column groups above, if any
            groups = self.rows[at - 1] if at > self.preamble else None
            named = groups.cells[-1].cell if groups is not None and len(groups.cells) > len(first) else None
            if named is not None and field_of(named.text) == "execution_rate" and "execution_rate" not in funding.columns:
                funding.columns["execution_rate"] = named
                funding.summary["execution_rate"] = rest[0].cell
            else:
                funding.notes.append(RawWarning("funding", f"'{rest[0].cell.text}' after the label-value pairs of "
                                                           f"{header.cells[0].cell.where} stands under no label; not read"))
        for row in body:
            cells = row.cells
            if len(cells) % 2 or not 2 <= len(cells) <= 2 * len(first):
                break  # the table ends where a row is no run of label-value pairs
            row_labels = {label_key(cells[k].cell.text) for k in range(0, len(cells), 2)}
            values = [cells[k + 1] for k in range(0, len(cells), 2)]
            if len(row_labels) != 1 or any(kind(v.cell.text) not in _FIGURES | {DASH} for v in values):
                break
            found = {f: v.cell for f, v in zip(fields, values) if f in ("initial_budget", "annual_budget", "executed")}
            funding.rows.append(RawFundingRow(cells[0].cell, found))
        if funding.rows and not any(vocabulary().funding_rows.field(r.label.text) for r in funding.rows):
            funding.notes.append(RawWarning("funding", "the totals are the first row's label-value pairs ("
                                                       f"{header.cells[0].cell.where}); no 年度资金总额 row of its own"))
        return funding

    def _weight_above(self, at: int) -> RawCell | None:
        """The funding weight written in the rows just above its header, the section's label
        and its points on lines of their own ("预算执行情况(万元)" / "(20分)")."""
        for i in range(at - 1, max(self.preamble, at - 3) - 1, -1):
            row = self.rows[i]
            if len(row.cells) != 1 or not (_section(row) == "funding" or _BARE_POINTS.match(row.first)):
                return None
            stated = _stated_weight(row)
            if stated is not None:
                return stated
        return None

    def _positional(self, row: _Row, header: _Row) -> bool:
        """Positions are trusted in a positional grid, or in a row as wide as its header."""
        return _same_positions(row, header) or row.width == header.width

    # ------------------------------------------------------------ goal

    def goal(self, at: int, stop: int) -> RawGoal:
        header = self.rows[at]
        columns = _goal_columns(header)
        goal = RawGoal()
        if not any(c.field == "actual" for c in columns):
            goal.notes.append(RawWarning("goal", "no 实际完成情况 header beside 预期目标; all text read as planned"))
        reported: set[str] = set()
        for row in self.rows[at + 1:stop]:
            if not row.cells or _only_a_label(row):
                continue
            if (_label(row.first).header or ("",))[0] == "other":
                break  # a label of no field ("2.项目实施内容及过程概述", 评价结论) opens what follows the goal
            if not self._positional(row, header) and len(row.cells) == len(columns):
                placed = Placement(cells={c.field: [gc.cell] for c, gc in zip(columns, row.cells)})
            elif not self._positional(row, header) and len(columns) > 1:
                restated = _restated_goal(row, columns)
                if restated is not None:
                    goal.planned.append(restated[0])
                    goal.actual.append(restated[1])
                    goal.notes.append(RawWarning("goal", f"{row.cells[0].cell.where}: 预期目标 and 实际完成情况 written "
                                                         f"as one text; parted where the achieved text restates the "
                                                         f"planned one's opening ('{restated[1].text[:12]}')"))
                    continue
                # Empty cells were dropped: one cell under 预期目标 / 实际完成情况 may be either.
                text = " ".join(gc.cell.text for gc in row.cells)
                goal.notes.append(RawWarning("goal", f"'{text[:30]}' stands alone under "
                                                     f"{' / '.join(c.header.text for c in columns)}: which one it "
                                                     "is cannot be told (empty cells were dropped); not read"))
                continue
            else:
                placed = by_position(row.cells, columns)  # cells left of 预期目标: the 年度总体目标 label
            fields = _known(placed, columns, goal.notes, "goal", reported)
            goal.planned += fields.get("planned", [])
            goal.actual += fields.get("actual", [])
        return goal

    # ------------------------------------------------------------ indicators

    def indicators(self, at: int) -> RawTable:
        header_rows = [self.rows[at]]
        i = at + 1
        while i < self.end and _is_header_continuation(self.rows[i]):
            header_rows.append(self.rows[i])
            i += 1
        self.header = header_rows[0]
        parts_in_place = _same_positions(header_rows[-1], header_rows[0]) or all(
            r.aligned and r.grid == header_rows[0].grid for r in header_rows)  # the reader placed the parts
        columns = self.columns = _merged_columns(header_rows, parts_in_place)
        table = RawTable(columns={c.field: c.header for c in columns if not c.field.startswith(UNKNOWN)},
                         rubric=_rubric_header(header_rows[0]))
        _missing_columns(table)
        stop = self.total_at if self.total_at is not None else self.end
        body = self._body(i, stop)
        closed = self.closed = _uses_closed_levels(body) and not _rubric_header(header_rows[0])
        reported: set[str] = set()
        length = max(r.length for r in header_rows)
        positional = [_stands_in_columns(row, self.header) for row in body]
        placements = [place(row.placed_cells, columns, closed, at, as_wide=row.length == length,
                            aligned=row.aligned and row.grid == self.header.grid)
                      for row, at in zip(body, positional)]
        settle = self.settle = _lone_number_rule(placements)
        if "description" not in table.columns and _unlabelled_descriptions(body, placements):
            table.notes.append(RawWarning("indicators", "every row has a text cell right after its name that no "
                                                        "header label stands over: read as the name's explanation "
                                                        "(指标解释), a column the header does not name"))
        for placed, at in zip(placements, positional):
            raw_row = RawIndicatorRow()
            for cell, candidates in placed.unplaced:
                field = settle.get(frozenset(candidates)) if kind(cell.text) == NUMBER else None
                if field is None:
                    raw_row.notes.append(RawWarning("", unplaced_note(cell, candidates, columns)))
                    continue
                placed.cells.setdefault(field, []).append(cell)
                others = " / ".join(table.columns[f].text for f in sorted(candidates) if f != field and f in table.columns)
                raw_row.notes.append(RawWarning("", f"cell '{cell.text}' read as {table.columns[field].text}: "
                                                    + settle.why.get(field, f"no row of this table fills {others}")))
            raw_row.notes += [RawWarning(f".{f}", misfit_note(c, f, columns))
                              for c, f in placed.misfits if not f.startswith(UNKNOWN) and f not in IGNORED]
            for name, cs in _known(placed, columns, table.notes, "indicators", reported).items():
                raw_row.cells[name] = RawCell("".join(c.text for c in cs), cs[0].where)
            if at and placed.moved and placed.shift != 0:
                raw_row.notes.insert(0, RawWarning("", _shift_note(placed.shift)))
            table.rows.append(raw_row)
        if not (self.header is not None and self.header.positional):
            _level1_written_below(table)
        table.truncated = self.total_at is None and self.end == self.grid_end and bool(table.rows)
        last = table.rows[-1].cells if table.rows else {}
        if table.truncated and last and not last.keys() - {"level1", "level2", "name"}:
            # The text ends inside this row: a category or the start of a name, no value yet.
            cut = table.rows.pop().cells
            text = (cut.get("name") or cut.get("level2") or cut.get("level1")).text
            if kind(text) != PLACEHOLDER:
                table.notes.append(RawWarning("indicators", f"the text ends inside the table: its last row "
                                                            f"('{text[:20]}') is cut off and not read"))
        if "weight" not in table.columns:
            _weights_from_names(table)
        return table

    def _body(self, start: int, stop: int) -> list[_Row]:
        """The table's rows: blank rows, section labels and repeated headers left out."""
        body = []
        i = start
        while i < stop:
            row = self.rows[i]
            i += 1
            if not row.cells or _only_a_label(row) or _a_note(row):
                continue
            if row.role == "indicators":
                while i < stop and _is_header_continuation(self.rows[i]):
                    i += 1
                continue
            body.append(row)
        return body

    # ------------------------------------------------------------ total

    def total(self, row: _Row) -> RawTotal:
        """总分 row: numbers under the score columns; else, in order, the weight total and the
        score total (and 复核分 where the table has one)."""
        total = RawTotal(label=row.cells[0].cell)
        numbers = [gc for gc in row.cells[1:] if kind(gc.cell.text) == NUMBER]
        scores = [c for c in self.columns if c.field in ("weight", "score", "review_score", "weighted_score")]
        positional = self.header is not None and _same_positions(row, self.header)
        under = by_position(numbers, self.columns).cells if positional else {}
        if len(numbers) > 1 and all(len(under.get(c.field, [])) <= 1 for c in self.columns) and \
                sum(len(under.get(c.field, [])) for c in scores) == len(numbers):
            total.cells = {c.field: under[c.field][0] for c in scores if c.field in under}
        elif len(numbers) > 1 and len(numbers) == len(scores):
            total.cells = {c.field: gc.cell for c, gc in zip(scores, numbers)}
        elif len(numbers) == 2:
            total.cells = {"weight": numbers[0].cell, "score": numbers[1].cell}
        elif len(numbers) == 1:
            # under its column; else, as the table's own rows settle a lone number (an unscored
            # table's 合计 is its weights' total), unless illegible text takes a column beside it
            field = next(iter(under), None) or (
                None if row.illegible else self.settle.get(frozenset(("weight", "score"))))
            if field in ("weight", "score"):
                total.cells[field] = numbers[0].cell
                missing = "total_score" if field == "weight" else "total_weight"
                total.notes.append(RawWarning(missing, "总分 row has only one number"))
            else:
                total.notes.append(RawWarning("total_score", f"总分 row has one number ({numbers[0].cell.text}) "
                                                             "under no 分值/得分 header; not read"))
        else:
            total.notes.append(RawWarning("total_score", f"总分 row has {len(numbers)} numbers, expected 2 "
                                                         "(分值, 得分); not read"))
        return total


# ---------------------------------------------------------------- header fields, title


def _header_fields(rows: list[_Row], after: _Row | None) -> tuple[dict[str, RawCell], list[RawWarning]]:
    """Label cells and their values: the next cell right of the label (unless it is another
    label), the text after a colon in the label's cell, or the next row's lone cell; and notes
    on what was cut off a value."""
    values: dict[str, RawCell] = {}
    notes: list[RawWarning] = []
    ranks: dict[str, int] = {}
    for r, row in enumerate(rows):
        for i, gc in enumerate(row.cells):
            found = _header_label(gc.cell.text)
            if found is None or found[0] == "other":
                continue
            field, inline = found
            rank = label_rank(field, gc.cell.text)
            if field in values and rank >= ranks[field]:
                continue
            value = RawCell(inline, gc.cell.where) if inline else _value_after(row, i, rows[r + 1:] + [after])
            if value is not None:
                value = _own_part(gc.cell.text, field, value)
            if value is not None:
                value = _without_options(field, value, notes)
            if value is not None:
                value = _before_a_section(field, value, notes)
            if value is None or _NOT_FILLED.match(value.text) or field == "unit" and value.text in ("元", "万元"):
                continue
            values[field], ranks[field] = value, rank
    return values, notes


def _own_part(label: str, field: str, value: RawCell) -> RawCell | None:
    """Under a compound label ("项目实施单位/项目负责人") a value written in as many parts
    ("原州区农技中心/杨勃兴") gives each label its own part; written otherwise, it is the field's."""
    key = label_key(label)
    fields = _compound_label(key) if "/" in key else None
    if not fields:
        return value
    parts = re.split(r"[/／]", value.text)
    if len(parts) != len(fields):
        return value
    return value._replace(text=parts[fields.index(field)].strip())


def _without_options(field: str, value: RawCell, notes: list[RawWarning]) -> RawCell:
    """A name, department or unit holds no tick box: from a box on ("投资促进中心 □ 3、一次性项目 □"),
    the text is another field's options that a flattened table printed after the value."""
    m = _TICK_BOX.search(value.text)
    if field == "year" or m is None:
        return value
    kept = value.text[:m.start()].strip()
    notes.append(RawWarning(field, f"{value.where}: {value.text[m.start():].strip()!r} after the value is a tick box "
                                   "and its options, another field's; not read as part of it"))
    return value._replace(text=kept)


def _before_a_section(field: str, value: RawCell, notes: list[RawWarning]) -> RawCell:
    """A value that runs on into the next table's labels ("稷山县医疗保障局项目资金年初预算数(万元)",
    a flattened form cut after its label): it ends where a section's label followed by a
    column label begins (项目资金 年初预算数); the rest is that table's."""
    cut = _section_start(value.text)
    if cut is None:
        return value
    notes.append(RawWarning(field, f"{value.where}: {value.text[cut:]!r} after the value is the next table's "
                                   "labels; not read as part of it"))
    return value._replace(text=value.text[:cut].strip())


@depends_on_vocabulary
@lru_cache(maxsize=4096)
def _section_start(text: str) -> int | None:
    vocab = vocabulary()
    sections = [s for labels in vocab.sections.labels.values() for s in labels]
    columns = [c for labels in vocab.funding_columns.labels.values() for c in labels]
    best = None
    for section in sections:
        at = text.find(section, 1)
        while at > 0:
            rest = re.sub(r"^\s*[（(][^)）]*[)）]", "", text[at + len(section):]).lstrip()
            if any(rest.startswith(c) for c in columns):
                best = at if best is None else min(best, at)
                break
            at = text.find(section, at + 1)
    return best


@depends_on_vocabulary
@lru_cache(maxsize=4096)
def label_rank(field: str, text: str) -> int:
    """Where a header label stands in its field's list in labels.toml: when a form writes two
    labels for one field (单位名称 of the office filling it in, 项目实施单位 of the one carrying
    the project out), the one listed first is the meaning the field has. A compound label
    (项目实施单位/项目负责人) ranks as its part naming the field."""
    labels = [label_key(label) for label in vocabulary().header.labels.get(field, [])]
    key = label_key(text)
    colon = min((i for i in (text.find(":"), text.find("：")) if i >= 0), default=-1)
    for k in (key, label_key(text[:colon]) if colon > 0 else None):
        if k in labels:
            return labels.index(k)
    parts = key.split("/") if "/" in key else []
    return min((labels.index(part) for part in parts if part in labels), default=len(labels))


def _value_after(row: _Row, i: int, below: list[_Row | None]) -> RawCell | None:
    if i + 1 < len(row.cells):
        cell = row.cells[i + 1].cell
        return None if _header_label(cell.text) else cell
    nxt = below[0] if below else None
    if nxt is not None and len(nxt.cells) == 1 and i == len(row.cells) - 1 and len(row.cells) == 1:
        cell = nxt.cells[0].cell
        if (_header_label(cell.text) is None and _section(nxt) is None and not _is_row_of_labels(nxt)
                and not _LABELLED.match(cell.text)):
            return cell
    return None


def _is_row_of_labels(row: _Row) -> bool:
    return row.role in ("indicators", "funding", "goal")


def _title(rows: list[_Row]) -> tuple[RawCell | None, str | None]:
    """The title (or subtitle) cell stating the form's year, and the kind its title says."""
    vocab = vocabulary()
    year_cell = None
    kind_ = None
    for row in rows:
        for gc in row.cells:
            text = gc.cell.text
            titled = vocab.is_title(text)
            kind_ = kind_ or (vocab.title_kind(text) if titled else None)
            if year_cell is None and (_YEAR_CELL.match(text) or titled and _TITLE_YEAR.search(text)):
                year_cell = gc.cell
    return year_cell, kind_


def _labelled_goal(row: _Row) -> RawGoal:
    """A goal written beside its 年度总体目标 label: the planned goal, then the outcome."""
    cells = [gc.cell for gc in row.cells[1:]]
    goal = RawGoal(planned=cells[:1], actual=cells[1:2])
    if len(cells) > 2:
        goal.actual += cells[2:]
        goal.notes.append(RawWarning("goal", f"{len(cells)} cells beside the 年度总体目标 label; the first read "
                                             "as planned, the rest as the outcome"))
    return goal


_GOAL_OPENING = 6  # characters the achieved text repeats of the planned one, at least


def _restated_goal(row: _Row, columns: list[Column]) -> tuple[RawCell, RawCell] | None:
    """One cell under 预期目标 | 实际完成情况 whose text is both, run together: the achieved text
    restating the planned one's opening ("提高医疗保障水平,推进因病致贫问题的根本性解决" +
    "提高医疗保障水平,推进了…基本性解决"). Parted there only where the opening (at least six
    characters, up to the first punctuation) is written exactly twice, the second time after
    the end of a text; else None and the cell is left as before."""
    if len(row.cells) != 1 or [c.field for c in columns[:2]] != ["planned", "actual"]:
        return None
    cell = row.cells[0].cell
    text = cell.text.strip()
    opening = re.split(r"[,，。;；、:：\s]", text, maxsplit=1)[0]
    if len(opening) < _GOAL_OPENING or text.count(opening) != 2:
        return None
    at = text.find(opening, len(opening))
    if at < 2 * _GOAL_OPENING or len(text) - at < len(opening) + 2:
        return None
    return RawCell(text[:at].strip(), cell.where), RawCell(text[at:].strip(), cell.where)


def _currency(rows: list[_Row]) -> RawCell | None:
    for row in rows:
        for k, gc in enumerate(row.cells):
            if _CURRENCY.search(gc.cell.text):
                return gc.cell
            if _UNIT_LABEL.search(gc.cell.text) and k + 1 < len(row.cells) \
                    and row.cells[k + 1].cell.text.strip() in ("万元", "元"):
                # "金额单位: | 万元": the label and its value in cells of their own
                return RawCell(gc.cell.text + row.cells[k + 1].cell.text.strip(), gc.cell.where)
    return None


_AMOUNTS = ("initial_budget", "annual_budget", "executed")
_FIGURES = frozenset((NUMBER, AMOUNT, PERCENT))  # what a cell holding an amount or a rate is


def _repeats_its_label(row: _Row) -> bool:
    """"其中:财政资金 | 20.5 | 其中:财政资金 | 20.5 | …": a row of label-value pairs, one label."""
    cells = row.cells
    if len(cells) < 4 or len(cells) % 2:
        return False
    labels = {label_key(cells[k].cell.text) for k in range(0, len(cells), 2)}
    return len(labels) == 1 and kind(cells[0].cell.text) == TEXT and all(
        kind(cells[k].cell.text) in _FIGURES | {DASH} for k in range(1, len(cells), 2))


def _carried_amounts(row: _Row, below: list[_Row], columns: list[Column]) -> RawFundingRow | None:
    """A funding row whose amounts run on over lines of their own, no label before them
    ("自治区补助 | 300万元" / "259.45万元" / "86.5%", an OCR'd cell broken at each line): read
    only where, joined, it is a label and three values, budget, spent and a rate that is their
    quotient to its written precision, under a header with 全年预算数 and no 年初预算数 (the
    rate then says which is which). Anything else is left to the placement, as written."""
    if len(row.cells) != 2 or kind(row.first) in _FIGURES or kind(row.cells[1].cell.text) not in _FIGURES:
        return None
    fields = {c.field for c in columns}
    if "annual_budget" not in fields or "initial_budget" in fields:
        return None
    values = [row.cells[1].cell]
    for nxt in below:
        if not nxt.cells or any(kind(gc.cell.text) not in _FIGURES for gc in nxt.cells) or len(values) >= 3:
            break
        values += [gc.cell for gc in nxt.cells]
    if len(values) != 3:
        return None
    budget, spent, rate_cell = values
    rate = _percent_value(rate_cell.text)
    strip = lambda c: c._replace(text=re.sub(r"\s*万?元\s*$", "", c.text))  # noqa: E731
    if rate is None or not _quotient_is(strip(spent), strip(budget), rate):
        return None
    return RawFundingRow(row.cells[0].cell, {"annual_budget": budget, "executed": spent, "execution_rate": rate_cell})


def _only_source_filled(funding: RawFunding, body: list[_Row]) -> None:
    """Funding written only in its source rows (中央补助 | 自治区补助 300万元 … | 市县资金, the
    年度资金总额 row left blank or not printed): where one source row holds amounts and every
    other source row is written blank, the project's totals are that row's (the sum of the
    sources), said in a note. Any other amount in the table, or no blank source row beside
    it, and the totals stay empty."""
    if any(name in funding.summary for name in _AMOUNTS):
        return
    rows = vocabulary().funding_rows
    filled = [r for r in funding.rows if any(not r.cells[n].empty for n in _AMOUNTS if n in r.cells)]
    if len(filled) != 1 or rows.field(filled[0].label.text) == FUND_TOTAL:
        return
    if any(rows.field(r.label.text) == FUND_TOTAL and any(not c.empty for c in r.cells.values())
           for r in funding.rows):
        return
    others = _source_labels()
    blank = [row for row in body if row.cells and _only_a_label(row) and label_key(
        row.first.removeprefix("其中").lstrip(":：")) in others]
    blank += [r for r in funding.rows if r is not filled[0] and not any(not c.empty for c in r.cells.values())
              and label_key(r.label.text.removeprefix("其中").lstrip(":：")) in others]
    if not blank:
        return
    row = filled[0]
    for name, cell in row.cells.items():
        if name in _AMOUNTS + ("execution_rate",) and not cell.empty:
            funding.summary[name] = cell
    funding.notes.append(RawWarning("funding", f"no amount in a 年度资金总额 row: the amounts are written only in the "
                                               f"'{row.label.text}' row ({row.label.where}), the one source row filled "
                                               f"('{blank[0].label.text if isinstance(blank[0], RawFundingRow) else blank[0].first}' "
                                               "and the others blank): read as the project's totals"))


@depends_on_vocabulary
@lru_cache(maxsize=1)
def _source_labels() -> frozenset[str]:
    """The funding rows that name a source of the money (中央补助, 其他资金 …), the total excluded."""
    vocab = vocabulary()
    labels = [label for field, spellings in vocab.funding_rows.labels.items() if field != FUND_TOTAL
              for label in spellings] + list(vocab.funding_other_rows)
    return frozenset(label_key(label) for label in labels)


def _label_value_pairs(header: _Row) -> tuple[list[tuple[GridCell, GridCell]], list[GridCell]] | None:
    """The funding header's cells as label-value pairs ("预算数 | 6.84 | 到位数 | 6.84 | 执行数 |
    6.84 | 100.00"), with the numbers left after them; None unless every label is followed by a
    number and at least two labels name amount columns (a header row holds no amounts)."""
    cells = header.cells
    field_of = vocabulary().funding_columns.field
    pairs: list[tuple[GridCell, GridCell]] = []
    k = 0
    while k + 1 < len(cells) and kind(cells[k].cell.text) not in _FIGURES and kind(cells[k + 1].cell.text) in _FIGURES:
        pairs.append((cells[k], cells[k + 1]))
        k += 2
    rest = cells[k:]
    if any(kind(gc.cell.text) not in _FIGURES for gc in rest) or len(rest) > 1:
        return None
    amounts = [f for label, _ in pairs if (f := field_of(label.cell.text)) in ("initial_budget", "annual_budget", "executed")]
    if len(amounts) < 2 or len(set(amounts)) != len(amounts):
        return None
    return pairs, rest


def _over_row_labels(column: Column, body: list[_Row]) -> bool:
    """Whether a funding header's first column stands over the rows' labels (总额, 财政资金 …)."""
    rows = vocabulary().funding_rows
    starts = [r.cells[0].col for r in body if rows.field(r.cells[0].cell.text)]
    return bool(starts) and starts.count(column.start) > len(starts) / 2


def _beyond_header(raw: RawForm) -> bool:
    """Whether the form holds rows of its own after its header: indicators, funding or a goal's text."""
    goal = raw.goal.planned + raw.goal.actual if raw.goal else []
    return bool(raw.indicators and raw.indicators.rows or raw.funding and raw.funding.rows
                or any(c.text.strip() for c in goal))


def _stated_total(stated: RawCell, total: RawTotal | None, notes: list[RawWarning]) -> RawTotal | None:
    """The total score the header states (自评总分: 69): the form's when no 总分 row gives one;
    where a 总分 row gives another, the row's holds and the difference is noted."""
    m = _STATED_TOTAL.match(stated.text)
    if m is None:
        notes.append(RawWarning("total_score", f"{stated.where}: the header's 总分 '{stated.text[:20]}' is no "
                                               "number; not read"))
        return total
    written = total.cells.get("score") if total is not None else None
    if written is None:
        total = total or RawTotal()
        total.cells["score"] = RawCell(m.group(1), stated.where)
        total.notes.append(RawWarning("total_score", f"总分 read from the header ({stated.where})"))
    elif written.text.strip() != m.group(1):
        notes.append(RawWarning("total_score", f"the header states 总分 {m.group(1)} ({stated.where}), the 总分 row "
                                               f"{written.text.strip()}; the row's is read"))
    return total


_AMOUNT_ORDER = ("initial_budget", "annual_budget", "executed")


def _placed_by_rate(placed: Placement, columns: list[Column]) -> None:
    """A funding row whose amounts could stand in more than one column (an empty cell was
    dropped: "年度资金总额 | 32.4 | 31.69 | 10 | 97.80% | 9" under 年初 | 全年预算 | 全年执行 | 分值 |
    执行率 | 得分): the row's own 执行率 says which two are 全年预算数 and 全年执行数, the pair of
    neighbours whose quotient it is (31.69 / 32.4 = 97.80%). The numbers between them and the
    rate then fill the columns between, one each, or stay unread."""
    rates = placed.cells.get("execution_rate") or []
    loose = [(cell, set(fields)) for cell, fields in placed.unplaced if kind(cell.text) == NUMBER]
    if len(rates) != 1 or len(loose) < 2 or len(loose) != len(placed.unplaced):
        return
    rate = _percent_value(rates[0].text)
    if rate is None:
        return
    order = [c.field for c in columns]
    for k in range(len(loose) - 1):
        (budget, b_fields), (spent, s_fields) = loose[k], loose[k + 1]
        if "annual_budget" not in b_fields or "executed" not in s_fields or not _quotient_is(spent, budget, rate):
            continue
        between = [c for c in order[order.index("executed") + 1:order.index("execution_rate")] if c not in placed.cells]
        after = loose[k + 2:]
        before = loose[:k]
        if len(after) != len(between) or len(before) > 1 or any(f not in fs for (_, fs), f in zip(after, between)):
            return
        if before and ("initial_budget" not in before[0][1] or "initial_budget" in placed.cells):
            return
        chosen = {"annual_budget": [budget], "executed": [spent]}
        chosen.update({f: [c] for (c, _), f in zip(after, between)})
        if before:
            chosen["initial_budget"] = [before[0][0]]
        placed.cells.update(chosen)
        placed.unplaced = []
        return


_MOVABLE = frozenset(("initial_budget", "annual_budget", "executed", "weight"))


def _unproven_numbers(placed: Placement, columns: list[Column]) -> None:
    """A funding row that lost a cell (fewer cells than columns, no true positions): its numbers
    under 年初 / 全年预算 / 全年执行 / 分值 are all numbers, so where one was placed is a preference
    of the aligner, not something the row shows ("年度资金总额 | 387664.62 | 10 | 100% | 10":
    387664.62 may be any of the three amounts). Each is set loose with the columns its order
    leaves it, between the cells that are sure (a rate, a dash, a word), for the row's 执行率 to
    settle (_placed_by_rate) or to stay unread."""
    order = [c.field for c in columns]
    at = {id(cell): order.index(name) for name, cs in placed.cells.items() for cell in cs}
    # A dash ("—" for no amount) stands wherever the aligner put it, as unsure as a number: only
    # the other cells bound a number's columns.
    cells = sorted((cell for cs in placed.cells.values() for cell in cs if kind(cell.text) != DASH),
                   key=lambda c: at[id(c)])
    # 分值 goes with 执行率 and 得分 on the total row: a row with neither (其中：财政拨款 …) has
    # only amounts, and as many numbers as amount columns fill them.
    sums = any(order[at[id(c)]] in ("execution_rate", "score") for c in cells)
    movable = _MOVABLE if sums else _MOVABLE - {"weight"}
    loose = {id(c) for c in cells if order[at[id(c)]] in movable and kind(c.text) == NUMBER}
    filled = sum(order[at[id(c)]] in movable for c in cells)
    if not loose or filled == len(movable.intersection(order)):
        return  # every amount and 分值 column holds a cell: none was lost among them
    runs: list[list[int]] = []  # runs of loose cells, by their index in the row
    for i, c in enumerate(cells):
        if id(c) in loose and runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        elif id(c) in loose:
            runs.append([i])
    for indexes in runs:
        run = [cells[i] for i in indexes]
        i = indexes[0]
        low = at[id(cells[i - 1])] + 1 if i > 0 else 0
        j = i + len(run)
        high = at[id(cells[j])] - 1 if j < len(cells) else len(order) - 1
        for k, cell in enumerate(run):
            fields = tuple(f for f in order[low + k:high - (len(run) - 1 - k) + 1] if f in movable)
            if len(fields) > 1:
                placed.cells[order[at[id(cell)]]].remove(cell)
                placed.unplaced.append((cell, fields))
    placed.cells = {name: cs for name, cs in placed.cells.items() if cs}


def _percent_value(text: str) -> float | None:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[%％]\s*", text)
    return float(m.group(1)) if m else None


def _quotient_is(spent: RawCell, budget: RawCell, rate: float) -> bool:
    """Whether spent / budget is the written rate, to the rate's written precision."""
    try:
        a, b = float(spent.text.replace(",", "")), float(budget.text.replace(",", ""))
    except ValueError:
        return False
    return b > 0 and abs(a / b * 100 - rate) <= 0.05 + 1e-9


def _stated_weight(header: _Row) -> RawCell | None:
    """A funding weight stated in a header cell: "得分(20分*执行率)", "预算执行情况(万元)(20分)"."""
    for gc in header.cells:
        m = _HEADER_POINTS.search(gc.cell.text)
        if m:
            return RawCell(m.group(1), gc.cell.where)
    return None


# ---------------------------------------------------------------- columns


def _goal_columns(header: _Row) -> list[Column]:
    """The goal header's columns. Cells up to the section's label are the section's, not
    columns, though the label may also read as one ("年度总体目标完成情况 | 预期目标 | 实际完成情况",
    "项目基本情况 | 1.项目年度目标完成情况 | 项目年度目标 | 年度目标完成情况"): the columns start
    after the last section label that still has 预期目标 and 实际完成情况 after it."""
    field_of = vocabulary().goal_columns.field
    columns = _columns(header, field_of)
    for k, gc in enumerate(header.cells[:-2]):
        if vocabulary().sections.field(gc.cell.text) != "goal":
            continue
        rest = _columns(_Row(header.index, header.cells[k + 1:]), field_of)
        if {"planned", "actual"} <= {c.field for c in rest}:
            columns = rest
    return columns


# A header row's first cell numbered as a part of the form ("四、年度绩效指标完成情况"): the
# part's title, written on the header's line, no column (though it holds 完成情况).
_SECTION_NUMBER = re.compile(r"^\s*[一二三四五六七八九十]+\s*、")


def _columns(header: _Row, field_of) -> list[Column]:
    """The header's columns from its first known label on. A label that names no field (or
    a field already taken) still bounds its neighbour's span, as UNKNOWN + its text."""
    columns: list[Column] = []
    taken: set[str] = set()
    fields = [None if k == 0 and _SECTION_NUMBER.match(gc.cell.text) else field_of(gc.cell.text)
              for k, gc in enumerate(header.cells)]
    points = category_points(fields)
    for k, gc in enumerate(header.cells):
        field = None if k in points else fields[k]  # a category's 分值: its own column, no indicator's
        if field == "name" and "name" in taken:  # a rubric's 具体指标 beside its 三级指标
            field = vocabulary().beside_name.exact(gc.cell.text) or field
        if field and field not in taken:
            taken.add(field)
            columns.append(Column(field, gc.col, gc.cell))
        elif columns and _section(_Row(0, [gc])) is None:
            columns.append(Column(UNKNOWN + gc.cell.text, gc.col, gc.cell))
    return columns


def _merged_columns(rows: list[_Row], positional: bool) -> list[Column]:
    """Columns of a header over one or more rows: a lower label names the column it stands
    in, refining the upper label whose span holds it (年度指标值 → 指标性质 | 指标值 | 度量单位)."""
    field_of = vocabulary().indicator_columns.field
    columns = _columns(rows[0], field_of)
    for lower in rows[1:]:
        subs = [Column(f, gc.col, gc.cell) for gc in lower.cells if (f := field_of(gc.cell.text))]
        if positional:
            columns = _refine_by_position(columns, subs)
        else:
            columns = _refine_by_parent(columns, subs)
    return columns


def _refine_by_position(columns: list[Column], subs: list[Column]) -> list[Column]:
    starts = sorted({c.start for c in columns} | {s.start for s in subs})
    by_start = {c.start: c for c in columns}
    for s in subs:
        by_start[s.start] = s
    refined, taken = [], set()
    for start in starts:
        column = by_start.get(start)
        if column is None:
            continue
        if column.field in taken:
            column = Column(UNKNOWN + column.header.text, column.start, column.header)
        taken.add(column.field)
        refined.append(column)
    return refined


def _refine_by_parent(columns: list[Column], subs: list[Column]) -> list[Column]:
    """Pipe rows lose positions: the lower labels replace the upper column they are parts of."""
    fields = {s.field for s in subs}
    for i, column in enumerate(columns):
        if fields <= _PARTS_OF.get(column.field, set()):
            merged = columns[:i] + subs + columns[i + 1:]
            return [Column(c.field, n, c.header) for n, c in enumerate(merged)]
    return columns


class _LoneNumbers(dict):
    """{frozenset({weight, score}): the one of them a lone number belongs to}, from the rows
    placed with confidence: a column the table always fills, beside one it always leaves blank;
    and {frozenset({target, score}): target} in a table of one value a row (see below)."""

    def __init__(self):
        super().__init__()
        self.why: dict[str, str] = {}


def _lone_number_rule(placements: list[Placement]) -> _LoneNumbers:
    """Where a lone number belongs when a row alone cannot say (分值 or 得分): to the column the
    table's confidently placed rows fill while leaving the other blank; failing those, in a
    table where no row holds two numbers, to 分值 (an unscored form: the template prints the
    weights, the 得分 column waits for the evaluation)."""
    filled = {name: sum(1 for p in placements if p.cells.get(name)) for name in ("weight", "score")}
    rule = _LoneNumbers()
    pair = frozenset(("weight", "score"))
    if filled["weight"] and not filled["score"]:
        rule[pair] = "weight"
    elif filled["score"] and not filled["weight"]:
        rule[pair] = "score"
    elif not filled["weight"] and not filled["score"] and all(_numbers(p) <= 1 for p in placements):
        rule[pair] = "weight"
    _lone_values_are_targets(placements, rule)
    return rule


def _lone_values_are_targets(placements: list[Placement], rule: _LoneNumbers) -> None:
    """A table whose rows each hold one number and nothing else of value ("标准化圈舍面积 5000",
    the project not started), some of them no score at all (5000, 2023.12: above 100 points):
    its numbers are the rows' targets, the first value column, the others being blank."""
    lone = [(c, frozenset(fields)) for p in placements for c, fields in p.unplaced
            if kind(c.text) == NUMBER and "target" in fields and set(fields) - {"target"} <= _POINTS]
    if len(lone) < 3 or any(_values(p) for p in placements) or not any(_above_points(c.text) for c, _ in lone):
        return
    for _, fields in lone:
        rule[fields] = "target"
    rule.why["target"] = "every row of the table holds one number, and some are above 100 points (no score)"


_POINTS = frozenset(("weight", "score", "review_score", "weighted_score"))
_POINTS_MAX = 100.0


def _above_points(text: str) -> bool:
    try:
        return float(text.replace(",", "")) > _POINTS_MAX
    except ValueError:
        return False


def _values(placement: Placement) -> int:
    """How many value cells (target, actual, points) a row has placed with confidence."""
    return sum(len(cs) for f, cs in placement.cells.items() if f in _POINTS or f in ("target", "actual"))


def _numbers(placement: Placement) -> int:
    cells = [c for cs in placement.cells.values() for c in cs] + [c for c, _ in placement.unplaced]
    return sum(1 for c in cells if kind(c.text) == NUMBER)


def _unlabelled_descriptions(body: list[_Row], placements: list[Placement]) -> bool:
    """Whether every named row holds one text cell right after its name that fits no column
    (the Hebei template's explanation of the indicator, "享受补贴政策人数占…的比例", in a column
    its header leaves unnamed); if so the cells are moved to `description` in the placements.
    Any row of cells without one, or with another cell no column takes, and nothing is moved."""
    found: list[tuple[Placement, RawCell]] = []
    for row, placed in zip(body, placements):
        names = placed.cells.get("name")
        if not names or len(row.cells) <= 2 and not placed.unplaced:
            continue  # no name, or a row of a label alone (a template row, a merged cell printed twice)
        loose = [(cell, fields) for cell, fields in placed.unplaced if not fields]
        if len(loose) != 1 or len(placed.unplaced) != 1 or kind(loose[0][0].text) != TEXT:
            return False
        texts = [gc.cell for gc in row.cells]
        at = next((k for k, c in enumerate(texts) if c is names[-1]), None)
        if at is None or at + 1 >= len(texts) or texts[at + 1] is not loose[0][0]:
            return False
        found.append((placed, loose[0][0]))
    if len(found) < 2:
        return False
    for placed, cell in found:
        placed.cells["description"] = [cell]
        placed.unplaced = []
    return True


def _weights_from_names(table: RawTable) -> None:
    """A rubric without a 分值 column that writes each item's points after its name
    ("相关性(5分)"): those points are its weight, as written."""
    found = False
    for row in table.rows:
        name = row.cells.get("name")
        m = _NAME_POINTS.search(name.text) if name is not None else None
        if m:
            row.cells["weight"] = RawCell(m.group(1), name.where)
            found = True
    if found:
        table.columns["weight"] = RawCell("(N分)")
        table.notes.append(RawWarning("indicators", "no 分值 column: weights read from the points written after "
                                                    "the 三级指标 names (\"相关性(5分)\")"))


def _level1_written_below(table: RawTable) -> None:
    """A merged 一级指标 cell a text dump prints at its middle row, not its first: the table's
    first rows have no 一级指标 and the first one written below is theirs when it is the usual
    category of their 二级指标 (数量指标 → 产出指标). Grids with true positions put it on top."""
    vocab = vocabulary()
    first = next((k for k, row in enumerate(table.rows) if not row.cells.get("level1", RawCell("")).empty), None)
    if not first:
        return
    cell = table.rows[first].cells["level1"]
    category = vocab.canonical_level(cell.text, 1)
    leading = table.rows[:first]
    parents = [vocab.level(r.cells["level2"].text, 2) for r in leading if "level2" in r.cells]
    if not parents or any(p is None or p.parent != category for p in parents):
        return
    for row in leading:
        row.cells["level1"] = cell
    table.notes.append(RawWarning("indicators", f"一级指标 '{cell.text}' of the first {first} rows read from the merged "
                                                f"cell written below them ({cell.where})"))


def _uses_closed_levels(body: list[_Row]) -> bool:
    """Whether the table's categories are the template's (产出指标 …), not a rubric's
    point-labelled groups (决策 (20分) …): placing level cells is strict only then."""
    kinds = [kind(gc.cell.text) for r in body for gc in r.cells]
    named = sum(k in ("level1", "level2", "level1or2") for k in kinds)
    return named > 0 and named >= kinds.count("points")


def _rubric_header(header: _Row) -> bool:
    """A rubric's header: a 分值 column for each category, or a scoring-rule or explanation
    column (评分标准, 指标解释) and no target (a target table explains its indicators too).
    Its categories are its own (决策 / 过程 beside 产出 / 效益), so its level cells are placed
    as a rubric's even where some are in the closed list."""
    field_of = vocabulary().indicator_columns.field
    fields = [field_of(gc.cell.text) for gc in header.cells]
    scored = bool({"criteria", "description"} & set(fields)) and "target" not in fields
    return scored or bool(category_points(fields))


def _missing_columns(table: RawTable) -> None:
    labels = vocabulary().indicator_columns.labels
    have = table.columns.keys()
    if not have & {"weight", "score", "review_score"}:
        table.notes.append(RawWarning("indicators", "no 分值 / 得分 columns (a target table, or a transfer-payment "
                                                    "form without scores): weights and scores not read"))
    for needed, written in _NEEDED.items():
        if needed in have or needed in ("weight", "score") and not have & {"weight", "score", "review_score"}:
            continue
        looked = " / ".join(labels.get(needed, [])[:5])
        table.notes.append(RawWarning("indicators", f"{written} column not found in the indicator header "
                                                    f"(looked for {looked} …)"))


def _known(placed: Placement, columns: list[Column], notes: list[RawWarning], table: str,
           reported: set[str]) -> dict[str, list]:
    """The placed cells of known, read columns; a column this reader does not know is
    reported once, and its cells are not read."""
    fields = {}
    for name, cells in placed.cells.items():
        if name.startswith(UNKNOWN):
            if name not in reported:
                reported.add(name)
                notes.append(RawWarning(table, f"column '{name[len(UNKNOWN):]}' is not part of this layout; "
                                               "its cells are not read"))
        elif name not in IGNORED:
            fields[name] = cells
    return fields


def _shift_note(shift: int | None) -> str:
    if shift is None or shift < 0:
        return "cells placed by what they hold, not by their position (merged cells lost their fields)"
    how = "one column" if shift == 1 else f"{shift} columns"
    return f"row is shifted {how} left in the source (a merged cell lost its field); realigned on its 分值/得分 numbers"
