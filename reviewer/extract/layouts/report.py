"""Layout 'report': a third-party performance evaluation report (绩效评价报告).

One report is one project, so one Form. It is read from three places:
- the narrative: project name, year, units, funding sentences (年初预算 … 万元, 实际支付 …,
  预算执行率 …%), the annual performance goal and the 存在的问题 section;
- 表1-2 绩效目标完成情况表 (一级/二级/三级指标, 年度指标值, 实际完成值; no scores)
  → `performance_targets`;
- the appendix 绩效指标体系评分表 (一级/二级/三级指标, 权重, 指标说明, 评分标准, 标杆值,
  实际完成值, 得分, 总分) → `indicators`, `total_weight`, `total_score`.

Tables are tab-separated (a Word/PDF table export). Their header repeats at every page
break, and a row cut by a page break continues on the next page as a row without its
weight/score ("盐田区群" … "众诉求智慧指挥系统运维月报数量"); `join_wrapped_rows` puts
such pieces back together.

This layout only locates what the report says (`read` → `RawForm`, each amount with the
unit it is written in); `assemble` makes the Form. Column, header-field and 总分 labels
are the vocabulary's. The scoring table is the evaluation's own rubric: its categories
(项目决策, 社会效益 …) are kept as written, not made the template's 社会效益指标.
Its 指标说明 and 评分标准 cells are read into `description` and `criteria`, each cell's
pieces joined across page breaks as the row's other cells are.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from reviewer.domain.model import Form
from reviewer.domain.vocabulary import vocabulary
from reviewer.extract.assemble import amount, assemble, number
from reviewer.extract.layouts.tabular import label_rank
from reviewer.extract.raw import (
    RawCell, RawForm, RawFunding, RawGoal, RawIndicatorRow, RawTable, RawTotal, RawWarning,
)

NAME = "report"

# ---------------------------------------------------------------- detection


_SCORING_WORDS = re.compile(r"评分表|评价指标体系|评价结论|综合得分")


def detect(text: str) -> bool:
    """An evaluation report: titled 绩效评价报告 near the top, with an evaluation's scoring vocabulary."""
    return "绩效评价报告" in text[:3000] and _SCORING_WORDS.search(text) is not None  # the cheap test first


# ---------------------------------------------------------------- tables

# The columns this layout reads; their header labels (and every other label a header may
# hold) are the vocabulary's indicator columns (reviewer/domain/vocabulary/labels.toml).
ROLES = ("level1", "level2", "name", "weight", "target", "actual", "score", "deviation", "description", "criteria")

_TAG = re.compile(r"</?[A-Za-z][^<>]*>")  # "<p>" remnants of an HTML conversion
_POINTS = re.compile(r"^(.*?)\s*[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")  # "项目决策 (20分)"
_PAGE_NUMBER = re.compile(r"^[\s\-—–第页/]*\d+[\s\-—–页/]*(?:共\s*\d+\s*页)?$")

_CJK = re.compile(r"[\u4e00-\u9fff]")

BREAK = None  # a repeated header (page break) in a table's item list


def clean_cell(cell: str) -> str:
    if "<" not in cell and "&" not in cell:  # no tag, no entity: most cells
        return cell.strip()
    return html.unescape(_TAG.sub("", cell)).strip()


def split_cells(line: str) -> list[str]:
    return [clean_cell(c) for c in line.split("\t")]


def _is_label(cell: str) -> bool:
    """A header label: an indicator column's, or a section's (评价指标 over its columns)."""
    vocab = vocabulary()
    return vocab.indicator_columns.exact(cell) is not None or vocab.sections.exact(cell) is not None


def is_header(cells: list[str]) -> bool:
    labels = [c for c in cells if c]
    return len(labels) >= 2 and all(map(_is_label, labels))


def split_points(label: str) -> tuple[str, float | None]:
    """"项目决策 (20分)" → ("项目决策", 20.0); a label without points is returned as is."""
    m = _POINTS.match(label)
    return (m.group(1).strip(), float(m.group(2))) if m else (label.strip(), None)


@dataclass
class Table:
    columns: dict[str, int]  # role → column index
    items: list[list[str] | None] = field(default_factory=list)  # rows and BREAKs, in order
    total: list[str] | None = None  # the 总分 row
    labels: dict[str, str] = field(default_factory=dict)  # role → its header label, as written

    def has(self, *roles: str) -> bool:
        return all(role in self.columns for role in roles)

    def cell(self, row: list[str], role: str) -> str:
        index = self.columns.get(role)
        return row[index] if index is not None and index < len(row) else ""


def header_columns(header_rows: list[list[str]]) -> dict[str, int]:
    """Column roles of a (possibly two-row) header: a column takes the first role any row gives it."""
    labels = vocabulary().indicator_columns
    columns: dict[str, int] = {}
    for cells in header_rows:
        for index, cell in enumerate(cells):
            role = labels.exact(cell) if cell else None
            if role in ROLES and role not in columns:
                columns[role] = index
    return columns


def _header_labels(header_rows: list[list[str]], columns: dict[str, int]) -> dict[str, str]:
    labels = vocabulary().indicator_columns
    found: dict[str, str] = {}
    for role, index in columns.items():
        found[role] = next(cells[index] for cells in header_rows
                           if index < len(cells) and cells[index] and labels.exact(cells[index]) == role)
    return found


def find_tables(text: str) -> list[Table]:
    """Every tab-separated indicator table (one whose header names 一级指标 and a 三级指标 column)."""
    lines = text.splitlines()
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        header, end = _header_group(lines, i)
        columns = header_columns(header)
        if header and "level1" in columns and "name" in columns:
            table = Table(columns, labels=_header_labels(header, columns))
            i = _read_body(lines, end, table)
            tables.append(table)
        else:
            i = max(end, i + 1)
    return tables


def _header_group(lines: list[str], start: int) -> tuple[list[list[str]], int]:
    """The consecutive header lines from `start` (blank lines between them skipped) and the index after."""
    group: list[list[str]] = []
    i = start
    while i < len(lines):
        if not lines[i].strip() and group:
            i += 1
            continue
        cells = split_cells(lines[i])
        if "\t" not in lines[i] or not is_header(cells):
            break
        group.append(cells)
        i += 1
    return group, (i if group else start)


def _read_body(lines: list[str], start: int, table: Table) -> int:
    """Fill `table` with rows from `start` until its 总分 row or the first line of prose."""
    i = start
    while i < len(lines):
        line = lines[i]
        if not line.strip() or ("\t" not in line and _PAGE_NUMBER.match(line)):
            i += 1
            continue
        if "\t" not in line:
            break
        cells = split_cells(line)
        if is_header(cells):
            _, i = _header_group(lines, i)
            table.items.append(BREAK)
            continue
        first = next((c for c in cells if c), "")
        if vocabulary().sections.exact(first) == "total":
            table.total = cells
            return i + 1
        table.items.append(cells)
        i += 1
    return i


@dataclass
class JoinedRows:
    rows: list[list[str]]
    guesses: list[str]  # pieces joined with no page break beside them to justify it


def join_wrapped_rows(items: list[list[str] | None], name_col: int, anchor_cols: list[int],
                      group_cols: list[int]) -> JoinedRows:
    """Put rows cut by page breaks back together.

    A table row cut by a page break is exported as two rows: its top before the break and
    its bottom after it. A row "starts" an indicator when it has a name and an anchor cell
    (weight/score, or target/actual in a table without scores). Any other row is a piece:
    just before a page break, the top of the row after the break (a cell whose text began
    above the vertically centred name); just after a page break, the bottom of the row
    before it (the rest of a wrapped name, rubric or "(7分)"). Pieces of a merged group cell
    (一级/二级指标) go to the row that holds the group's label.
    """
    rows: list[list[str]] = []
    guesses: list[str] = []
    group_owner: dict[int, int] = {}  # group column → index of the row holding its current label
    pending: list[str] | None = None  # top piece waiting for the row after a page break
    for k, cells in enumerate(items):
        if cells is None:
            continue
        after_break = k > 0 and items[k - 1] is None
        before_break = k + 1 < len(items) and items[k + 1] is None
        has_name = bool(cells[name_col]) if name_col < len(cells) else False
        has_anchor = any(cells[c] for c in anchor_cols if c < len(cells))
        if (pending and after_break) or (has_anchor and (has_name or not after_break)):
            row = _concat(pending, cells) if pending else list(cells)
            pending = None
            rows.append(row)
            for col in group_cols:
                if col < len(row) and row[col]:
                    group_owner[col] = len(rows) - 1
        elif before_break and not after_break and not has_anchor:
            pending = _concat(pending, cells) if pending else list(cells)
        elif rows:
            if not after_break:
                guesses.append(f"a row with no weight/score (or target/actual) and no page break beside it "
                               f"({_preview(cells)}) was joined to the row above it")
            _append_piece(rows, cells, group_owner)
        else:
            pending = _concat(pending, cells) if pending else list(cells)
    if pending:
        guesses.append(f"a row piece at the end of the table ({_preview(pending)}) was joined to the last row")
        if rows:
            _append_piece(rows, pending, group_owner)
        else:
            rows.append(pending)
    return JoinedRows(rows, guesses)


def _concat(top: list[str], bottom: list[str]) -> list[str]:
    width = max(len(top), len(bottom))
    top, bottom = top + [""] * (width - len(top)), bottom + [""] * (width - len(bottom))
    return [a + b for a, b in zip(top, bottom)]


def _append_piece(rows: list[list[str]], piece: list[str], group_owner: dict[int, int]) -> None:
    for col, text in enumerate(piece):
        if not text:
            continue
        target = rows[group_owner.get(col, len(rows) - 1)]
        if col >= len(target):
            target.extend([""] * (col + 1 - len(target)))
        target[col] += text


def _preview(cells: list[str]) -> str:
    return " | ".join(c[:12] for c in cells if c)[:60]


def table_rows(table: Table, part: str, scored: bool) -> RawTable:
    """The table's rows as raw indicator rows (assembly carries the level labels down
    merged cells and strips their points), its page-break joins and group points noted."""
    anchors = ["weight", "score"] if scored else ["target", "actual"]
    roles = [r for r in ROLES if scored or r not in ("weight", "score")]
    joined = join_wrapped_rows(
        table.items,
        name_col=table.columns["name"],
        anchor_cols=[table.columns[r] for r in anchors if r in table.columns],
        group_cols=[table.columns[r] for r in ("level1", "level2") if r in table.columns],
    )
    raw = RawTable(columns={r: RawCell(table.labels.get(r, r)) for r in roles if r in table.columns},
                   rubric=scored)  # the scoring table is the evaluation's own rubric
    raw.notes += [RawWarning(part, guess) for guess in joined.guesses]
    for row in joined.rows:
        cells = {r: RawCell(text) for r in roles if (text := table.cell(row, r))}
        raw_row = RawIndicatorRow(cells)
        if "name" not in cells:
            raw_row.notes.append(RawWarning("", f"a row without a 三级指标 name ({_preview(row)})"))
        raw.rows.append(raw_row)
    if scored:
        raw.notes += [RawWarning(part, n) for n in _group_points_notes(table, joined.rows)]
    return raw


def _weight(text: str) -> float:
    return number(text)[0] or 0.0


def _group_points_notes(table: Table, rows: list[list[str]]) -> list[str]:
    """A group label's "(N分)" must equal the weights of its rows, else a row was lost or misjoined."""
    notes = []
    for role in ("level1", "level2"):
        groups: list[tuple[str, float | None, float]] = []
        for row in rows:
            if table.cell(row, role) or (role == "level2" and table.cell(row, "level1")) or not groups:
                label, points = split_points(table.cell(row, role))
                groups.append((label, points, 0.0))
            label, points, total = groups[-1]
            groups[-1] = (label, points, total + _weight(table.cell(row, "weight")))
        for label, points, total in groups:
            if points is not None and abs(points - total) > 1e-6:
                notes.append(f"{label} is labelled {points:g}分 but its rows' weights add up to "
                             f"{total:g}: a row may be lost, or the report's sum is off")
    return notes


def choose_tables(tables: list[Table]) -> tuple[Table | None, Table | None]:
    """(scoring table, targets table): the largest table with weights and scores, and the
    first one with target and actual columns but no scores."""
    scoring = [t for t in tables if t.has("weight", "score")]
    targets = [t for t in tables if t.has("target", "actual") and not t.has("score")]
    best = max(scoring, key=lambda t: sum(1 for r in t.items if r is not None), default=None)
    return best, (targets[0] if targets else None)


# ---------------------------------------------------------------- narrative

_AMOUNT = r"(\d[\d,，]*(?:\.\d+)?)\s*(万元|元)"
_FILLER = r"(?:为|是|共|合计|共计|达|达到)?\s*"
FUNDING_PATTERNS = {
    "initial_budget": r"年初预算(?:数|金额|资金)?",
    "annual_budget": r"(?:调整后(?:的)?(?:全年)?预算(?:数|金额)?|全年预算(?:数|金额)?|指标金额(?:合计)?)",
    "executed": r"实际(?:支付|支出|使用|执行)(?:金额|资金|数)?",
}
_RATE = re.compile(r"预算执行率" + _FILLER + r"(\d+(?:\.\d+)?)\s*%")
_HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、](?!\d)|表\s*\d|附件|附表)")
_TOP_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|附件|附表)")
_ENUMERATOR = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+[、.．]|[（(]\d+[)）]|\d+[、.．](?!\d)|[①-⑳]|[一二三四五六七八九十]是)")
_CAUSE = re.compile(r"^\s*(?:主要|产生|问题)?原因(?:分析)?[：:]")
_SENTENCE_END = "。；;！!？?：:”\""


def prose_lines(text: str) -> list[str]:
    """The text's lines with table rows blanked out, so prose searches never read a cell."""
    return ["" if "\t" in line else line.strip() for line in text.splitlines()]


def paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated paragraphs, a paragraph cut by a page break (no sentence end,
    next one not a heading) joined back without a separator."""
    blocks: list[str] = []
    current: list[str] = []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("".join(current))
            current = []
    merged: list[str] = []
    for block in blocks:
        if merged and merged[-1][-1] not in _SENTENCE_END and not _HEADING.match(block):
            merged[-1] += block
        else:
            merged.append(block)
    return merged


def section(lines: list[str], heading: re.Pattern[str], stop: re.Pattern[str]) -> list[str] | None:
    """The prose lines after the first line matching `heading`, up to the next `stop` line or table."""
    for i, line in enumerate(lines):
        if heading.match(line):
            body: list[str] = []
            for later in lines[i + 1:]:
                if stop.match(later):
                    break
                body.append(later)
            return body
    return None


_DEFINITION = re.compile(r"([^\s，。、；：:“”《》（）()]{2,60})[（(]以下简称[“\"]?([^”\"）)]+)[”\"]?[)）]")
_DEFINED = re.compile(r"[（(]以下简称")
_DEFINITION_REACH = 60  # the defined name's longest spelling, as _DEFINITION allows


def aliases(prose: str) -> dict[str, str]:
    """Short names defined as "深圳市盐田区信访局（以下简称“区信访局”）" → {"区信访局": full name}.

    The matches of _DEFINITION in order, searched for only from just before each "（以下简称"
    (a definition's name, bracket-free, ends at its bracket): a long report is not tried at
    every character."""
    found: dict[str, str] = {}
    pos = 0
    while (cue := _DEFINED.search(prose, pos + 2)) is not None:
        m = _DEFINITION.search(prose, max(pos, cue.start() - _DEFINITION_REACH))
        if m is None:
            break
        full = re.split(r"委托|受|对|由", m.group(1))[-1]
        found.setdefault(m.group(2), full)
        pos = m.end()
    return found


def _labels(field: str) -> str:
    """A header field's labels (the vocabulary's), as a pattern, longest first."""
    return "|".join(map(re.escape, sorted(vocabulary().header.labels[field], key=len, reverse=True)))


def _labelled(prose: str, field: str, value: str = r"([^，。；\s]+)") -> str | None:
    """The value a labelled statement gives a header field ("项目实施单位为…"); of several,
    the one whose label labels.toml lists first, as in a form's header (tabular.label_rank).
    A label of under 3 characters inside a longer word (单位 in 评价单位) is that word's, as in
    labels.toml's rule for label cells."""
    found = [(label_rank(field, m.group(1)), m.start(), m.group(2))
             for m in re.finditer(rf"({_labels(field)})(?:为|是|：|:)\s*{value}", prose)
             if len(m.group(1)) >= 3 or not _CJK.match(prose[m.start() - 1:m.start()])]
    return min(found)[2].strip() if found else None


def project_name(prose: str, title: str) -> str | None:
    name = _labelled(prose, "name", r"“?([^，。；”\s]+)")
    if name:
        return name
    for pattern in (r"“([^“”]{2,60})”(?:项目)?(?:实施|开展|进行)了?(?:绩效)?评价",
                    r"评价项目(?:为|是)“?([^，。；”\s]+)"):
        m = re.search(pattern, prose)
        if m:
            return m.group(1).strip()
    name = re.sub(r"^\d{4}\s*年度?", "", title.strip().replace(" ", ""))
    name = re.sub(r"(?:项目)?(?:支出)?(?:绩效)?评价报告$", "", name)
    return name or None


def report_year(title: str, prose: str, notes: list[RawWarning]) -> RawCell | None:
    """The title's year, else the year most often written as "NNNN 年度" in the narrative."""
    m = re.search(r"(\d{4})\s*年", title)
    if m:
        return RawCell(m.group(1), "title")
    counts = Counter(int(y) for y in re.findall(r"(\d{4})\s*年度", prose)).most_common()
    if not counts:
        notes.append(RawWarning("year", "no year in the title and no \"NNNN 年度\" in the narrative"))
        return None
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        notes.append(RawWarning("year", f"the narrative names {counts[0][0]} and {counts[1][0]} as often; "
                                        "took the first"))
    return RawCell(str(counts[0][0]), "narrative")


def _named_unit(prose: str, field: str, verb_pattern: str, names: dict[str, str]) -> str | None:
    name = _labelled(prose, field)
    if name is None:
        m = re.search(verb_pattern, prose)
        if not m:
            return None
        name = m.group(1).strip()
    return names.get(name, name)


def unit_and_department(prose: str, raw: RawForm) -> None:
    """实施单位: stated, else whoever 申报 the budget; 主管部门: stated, else whose 部门预算 holds it."""
    names = aliases(prose)
    unit = _named_unit(prose, "unit",
                       r"(?:^|[，。；\n])([^\s，。；：:“”]{2,30}?)(?:申报|申请)了?(?:年初)?预算", names)
    department = _named_unit(prose, "department",
                             r"列入([^\s，。；\d]{2,30}?)\s*(?:\d{4}\s*年度?)?部门预算", names)
    if unit is None:
        raw.header_notes.append(RawWarning("unit", "the report names no 实施单位 and no unit applying for the budget"))
    else:
        raw.header["unit"] = RawCell(unit, "narrative")
    if department is None:
        raw.header_notes.append(RawWarning("department", "the report names no 主管部门 and no department budget "
                                                         "holding the project"))
    else:
        raw.header["department"] = RawCell(department, "narrative")


def funding(prose: str) -> RawFunding:
    """The funding sentences' amounts, each with the unit it is written in (assembly converts
    万元). The first mention is taken; other mentions that disagree are reported."""
    result = RawFunding()
    units: set[str] = set()
    for attr, label in FUNDING_PATTERNS.items():
        mentions = [RawCell(m.group(1) + m.group(2), "narrative") for m in re.finditer(label + _FILLER + _AMOUNT, prose)]
        values = [(cell, amount(cell.text, Decimal(1))[0]) for cell in mentions]
        values = [(cell, round(v, 2)) for cell, v in values if v is not None]
        if values:
            result.summary[attr] = values[0][0]
            units.update("万元" if c.text.endswith("万元") else "元" for c, _ in values)
            _note_disagreement(result.notes, f"funding.{attr}", [v for _, v in values])
    rates = _RATE.findall(prose)
    if rates:
        result.summary["execution_rate"] = RawCell(rates[0] + "%", "narrative")
        _note_disagreement(result.notes, "funding.execution_rate", [float(r) for r in rates])
    if units:
        result.currency = RawCell("万元" if "万元" in units else "元", "narrative")
        if len(units) > 1:
            result.notes.append(RawWarning("funding.currency_unit", "amounts are written both in 元 and in 万元"))
    for attr in FUNDING_PATTERNS:
        if attr not in result.summary:
            result.notes.append(RawWarning(f"funding.{attr}", f"no amount for {FUNDING_PATTERNS[attr]} in the narrative"))
    return result


def _note_disagreement(notes: list[RawWarning], field_name: str, values: list[float]) -> None:
    if len(set(values)) > 1:
        notes.append(RawWarning(field_name, f"the report gives different values {sorted(set(values))}; "
                                            f"took {values[0]:g}"))


def goal(lines: list[str]) -> RawGoal:
    """The annual goal section: prose before its table is the goal (less a "如下表" lead-in),
    prose after the table, before the next heading, is the achievement."""
    result = RawGoal()
    heading = re.compile(r"^\s*(?:\d+[.．、]|[（(][一二三四五六七八九十\d]+[)）])?\s*年度(?:绩效|总体)?目标")
    found = text_lines_until_heading(lines, heading)
    if found is None:
        result.notes.append(RawWarning("goal", "no 年度绩效目标 section in the report"))
        return result
    before, after = found
    planned_paragraphs = paragraphs(before)
    if planned_paragraphs:
        planned_paragraphs[-1] = re.sub(r"[^。！？]*(?:如下表|见下表|如下)[^。！？]*[：:]?$", "", planned_paragraphs[-1])
    planned = "\n".join(p for p in planned_paragraphs if p)
    actual = "\n".join(paragraphs(after))
    if planned:
        result.planned.append(RawCell(planned, "narrative"))
    else:
        result.notes.append(RawWarning("goal.planned", "the 年度绩效目标 section has no goal text"))
    if actual:
        result.actual.append(RawCell(actual, "narrative"))
    else:
        result.notes.append(RawWarning("goal.actual", "the report states the achievement only in its target table "
                                                      "(表1-2), not as text; see performance_targets"))
    return result


def text_lines_until_heading(lines: list[str], heading: re.Pattern[str]) -> tuple[list[str], list[str]] | None:
    """Prose lines of a section, split at its table caption (表 N): (before the table, after it)."""
    start = next((i for i, line in enumerate(lines) if heading.match(line)), None)
    if start is None:
        return None
    before: list[str] = []
    after: list[str] = []
    past_caption = False
    for line in lines[start + 1:]:
        if re.match(r"^\s*表\s*\d", line):
            past_caption = True
            continue
        if _HEADING.match(line):
            break
        (after if past_caption else before).append(line)
    return before, after


def problems(lines: list[str], notes: list[RawWarning]) -> list[RawCell]:
    """The 存在的问题 section, one entry per problem, as written.

    A problem starts at an enumerated paragraph (（一）, 1., ①, 一是 …) — or, where the
    section enumerates nothing, at each paragraph. Its "原因：" paragraph stays in the
    same entry (after a newline): the cause is part of the finding, not another problem.
    """
    heading = re.compile(r"^\s*[一二三四五六七八九十]+[、.．]\s*(?:存在的?(?:主要)?问题|主要问题|问题)")
    body = section(lines, heading, _TOP_HEADING)
    if body is None:
        notes.append(RawWarning("problems", "no 存在的问题 section in the report"))
        return []
    blocks = paragraphs(body)
    enumerated = any(_ENUMERATOR.match(b) for b in blocks)
    entries: list[list[str]] = []
    for block in blocks:
        starts = _ENUMERATOR.match(block) if enumerated else not _CAUSE.match(block)
        if starts or not entries:
            entries.append([block])
        else:
            entries[-1].append(block)
    if not entries:
        notes.append(RawWarning("problems", "the 存在的问题 section is empty"))
    return [RawCell("\n".join(entry), "narrative") for entry in entries]


def total(table: Table | None, prose: str) -> RawTotal:
    """The 总分 row's weight and score, the score checked against "综合得分为 N 分"."""
    result = RawTotal()
    if table is not None and table.total is not None:
        result.label = RawCell(next(c for c in table.total if c))
        for role in ("weight", "score"):
            text = table.cell(table.total, role)
            if number(text)[0] is not None:
                result.cells[role] = RawCell(text)
    stated = re.search(r"(?:综合得分|总得分|评价得分|最终得分|总分)" + _FILLER + r"(\d+(?:\.\d+)?)\s*分", prose)
    score = number(result.cells["score"].text)[0] if "score" in result.cells else None
    if stated and score is None:
        result.notes.append(RawWarning("total_score", "no 总分 row in the scoring table; taken from the narrative"))
        result.cells["score"] = RawCell(stated.group(1), "narrative")
    elif stated and score != float(stated.group(1)):
        result.notes.append(RawWarning("total_score", f"the 总分 row says {score:g} but the narrative says "
                                                      f"{float(stated.group(1)):g}"))
    if "weight" not in result.cells:
        result.notes.append(RawWarning("total_weight", "no 总分 row with a weight in the scoring table"))
    if "score" not in result.cells:
        result.notes.append(RawWarning("total_score", "no total score in the scoring table or the narrative"))
    return result


# ---------------------------------------------------------------- the form


def parse(text: str, path: str) -> list[Form]:
    return [assemble(read(text, path))]


def read(text: str, path: str) -> RawForm:
    """The report as a raw record (`assemble` makes it a Form): one report, one project."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = prose_lines(text)
    prose = "\n".join(lines)
    title = next((line for line in lines if line), "")
    raw = RawForm(path=path, index=0, layout=NAME, kind="evaluation_report")
    code = re.search(rf"(?:{_labels('code')})[：:]?\s*(\d{{10,25}})", prose)
    if code:
        raw.header["code"] = RawCell(code.group(1), "narrative")
    name = project_name(prose, title)
    if name is None:
        raw.header_notes.append(RawWarning("name", "no project name in the title or the narrative"))
    else:
        raw.header["name"] = RawCell(name, "narrative")
    year = report_year(title, prose, raw.header_notes)
    if year is not None:
        raw.header["year"] = year
    unit_and_department(prose, raw)
    raw.funding = funding(prose)
    raw.goal = goal(lines)
    scoring, targets = choose_tables(find_tables(text))
    # A table not found is said in its place; assembly asks no tables of a report.
    if scoring is not None:
        raw.indicators = table_rows(scoring, "indicators", scored=True)
    else:
        raw.indicators = RawTable(notes=[RawWarning("indicators", "no scoring table (一级/二级/三级指标 with 权重 "
                                                                  "and 得分) found")])
    if targets is not None:
        raw.performance_targets = table_rows(targets, "performance_targets", scored=False)
    else:
        raw.performance_targets = RawTable(notes=[RawWarning("performance_targets", "no target table (三级指标 with "
                                                                                    "指标值 and 实际完成值) found")])
    raw.total = total(scoring, prose)
    raw.problems = problems(lines, raw.problems_notes)
    return raw
