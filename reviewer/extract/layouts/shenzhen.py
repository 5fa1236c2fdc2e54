"""Layout 'shenzhen': the Shenzhen 项目支出绩效自评表 as a PDF text dump.

The PDF's table comes out one visual line at a time: several cells on a line separated
by spaces, or one cell per line, long cells wrapped over several lines (and the wraps
of neighbouring cells interleaved). Template noise from the Word source ("(限40字以内)",
comment authors) sits between forms.

What anchors a table row is its "分值 得分" pair: the rightmost two bare numbers on a
line, optionally followed by the deviation text. The lines since the previous row's
deviation are the row's level/name/target/actual cells; they are split into cells by
the spaces on each line and, where a cell is alone on its line, by how values wrap.
Whatever is inferred rather than read is flagged with a warning on the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewer.extract.layouts.common import FUND_LABELS, FUND_TOTAL, form_id, squash, to_float
from reviewer.domain.model import Form, FundingRow, Goal, Indicator, Source

NAME = "shenzhen"

TITLE = "项目支出绩效自评表"
LEVEL1_NAMES = ("产出指标", "效益指标", "满意度指标")
LEVEL2_NAMES = (
    "数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
    "生态效益指标", "可持续影响指标", "服务对象满意度指标", "其他满意度指标",
)
# Longest first, so a level-2 name is never cut short by a shorter one.
_LEVEL_NAMES = sorted(LEVEL1_NAMES + LEVEL2_NAMES, key=len, reverse=True)
_LEVEL_CELL = re.compile("(?:" + "|".join(_LEVEL_NAMES) + r")(?=$|[ (（])")
# Proper prefixes of level names: a level cell wrapped over two lines ("服务对象满意度\n指标").
_LEVEL_PREFIXES = {n[:k]: n for n in _LEVEL_NAMES for k in range(3, len(n))}

_DETECT_CODE = re.compile(r"^\s*项目编码[：:]\s*\d{10,}\s+项目名称[：:]", re.M)
_DETECT_FUND = re.compile(r"^\s*(?:其中[：:]\s*)?年度资金总额 +[\d,.]+ +[\d,.]+", re.M)

# Template noise of the Word source: length hints, instructions, comment authors.
_NOISE = re.compile(
    r"^(?:[(（]?限\d+字以?内[)）]?"
    r"|导入模板无需填写"
    r"|\S*为必填项"
    r"|[A-Za-z][\w.-]* 用户"  # "Windows 用户": a Word comment author
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"  # page numbers
    r"|[a-z][a-z0-9_.]{2,}[:：]?"  # a comment author's login name, alone on its line
    r")$"
)
_CODE = re.compile(r"项目编码[：:]\s*(\d+)")
_IS_FORM_LINE = re.compile(r"项目编码|项目名称|年度资金总额")
_NAME = re.compile(r"项目名称[：:]\s*(.*?)\s*(?:绩效自评.*)?$")
# Lines that end a wrapped 项目名称: the year cell, the unit line, the funding table.
_HEADER_STOP = re.compile(r"^(?:绩效自评|年?度\s*[：:]|\d{4}$|实施单位|资金使用|项目资金)")
_YEAR = re.compile(r"绩效自评\s*年?\s*度\s*[：:]\s*(\d{4})")
_UNITS_LINE = re.compile(r"实施单位[：:]\s*(.*?)\s*(?:一级预算单位|主管部门)[：:]\s*(.*)$")
_FUND_ROW = re.compile(r"^(?:其中[：:]\s*)?(" + "|".join(FUND_LABELS) + r")\s+(.*)$")
_CURRENCY = re.compile(r"项目资金\s*[（(]\s*(万元|元)\s*[)）]")
_POINTS = re.compile(r"^[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*")
_BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_DASH = re.compile(r"^[—–\-_/]+$")
# A written value alone on its line: "100%", "≥90%", "7164000"
_NUMERIC_VALUE = re.compile(r"^[≥≤＞＜><=≧≦＝]?\d+(?:\.\d+)?%?$")
# A deviation paragraph opens with a short label: "偏差原因：", "改进措施：".
_LABEL = re.compile(r"^\S{2,8}[：:]")
_UNIT_WORDS = frozenset(
    "元 万元 亿元 个 人 人次 次 台 套 份 件 项 家 场 本 户 名 批 辆 张 册 条 篇 期 起 天 日 "
    "小时 分钟 周 月 年 个月 工作日 个工作日 % 平方米 米 公里 吨 间".split()
)


def detect(text: str) -> bool:
    # Either the header line "项目编码： <digits> 项目名称：" or a space-separated funding row;
    # one is enough, so that a truncated form is still recognised (and reported as truncated).
    return bool(_DETECT_CODE.search(text) or _DETECT_FUND.search(text))


def parse(text: str, path: str) -> list[Form]:
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if not _NOISE.match(ln)]
    return [_parse_form(chunk, path, i) for i, chunk in enumerate(_split_forms(lines))]


def _split_forms(lines: list[str]) -> list[list[str]]:
    """One chunk per form: from a title line (or, without titles, a 项目编码 line) to the next."""
    starts = [i for i, ln in enumerate(lines) if TITLE in ln]
    if not starts:
        starts = [i for i, ln in enumerate(lines) if _CODE.search(ln)]
    bounds = starts + [len(lines)]
    return [lines[a:b] for a, b in zip(bounds, bounds[1:]) if any(map(_IS_FORM_LINE.search, lines[a:b]))]


def _find(lines: list[str], pred, start: int = 0, stop: int | None = None) -> int | None:
    for i in range(start, len(lines) if stop is None else stop):
        if pred(lines[i]):
            return i
    return None


def _parse_form(lines: list[str], path: str, index: int) -> Form:
    code_at = _find(lines, lambda ln: bool(_CODE.search(ln))) or 0
    code_m = _CODE.search(lines[code_at])
    code = code_m.group(1) if code_m else None
    form = Form(id=form_id(code, path, index), source=Source(path=path, index=index, layout=NAME), code=code)
    if code is None:
        form.warn("code", "no 项目编码 found")

    goal_at = _find(lines, lambda ln: "预期目标" in ln)
    table_at = _find(lines, lambda ln: "一级指标" in ln)
    header_end = next((i for i in (goal_at, table_at) if i is not None), len(lines))
    name_at = _find(lines, lambda ln: "项目名称" in ln, code_at, header_end)
    _parse_header(form, lines[code_at:header_end], name_at - code_at if name_at is not None else None)
    _parse_funding(form, lines[code_at:header_end])

    if goal_at is not None:
        goal_end = _find(lines, lambda ln: "年度绩效指标" in ln or "一级指标" in ln, goal_at + 1) or len(lines)
        _parse_goal(form, lines[goal_at + 1 : goal_end])
    else:
        form.warn("goal", "no 年度总体目标 (预期目标 / 实际完成情况) found")

    if table_at is None:
        form.warn("indicators", "no 年度绩效指标 table found")
        return form
    body_at = _skip_table_header(lines, table_at)
    total_at = _find(lines, lambda ln: ln.startswith("总分"), body_at)
    _IndicatorTable(form).read(_drop_repeated_headers([ln for ln in lines[body_at:total_at] if ln]))
    if total_at is None:
        form.warn("total_score", "no 总分 row found")
    else:
        _parse_total(form, lines[total_at:])
    return form


# --- header -------------------------------------------------------------------------


def _parse_header(form: Form, lines: list[str], name_at: int | None) -> None:
    head = "\n".join(lines)
    name_m = _NAME.search(lines[name_at]) if name_at is not None else None
    if name_m and name_at is not None:
        parts = [name_m.group(1)]
        # The name wraps onto the lines before 绩效自评年度 / 实施单位.
        for ln in lines[name_at + 1 :]:
            if not ln:
                continue
            if _HEADER_STOP.match(ln):
                break
            parts.append(re.sub(r"\s*绩效自评.*$", "", ln))
            if "绩效自评" in ln:
                break
        form.name = "".join(parts).strip() or None
    if not form.name:
        form.warn("name", "no 项目名称 found")

    year_m = _YEAR.search(head)
    if year_m:
        form.year = int(year_m.group(1))
    else:
        form.warn("year", "no 绩效自评年度 found")

    units_m = next((m for m in map(_UNITS_LINE.search, lines) if m), None)
    if units_m:
        # Organisation names have no spaces; a space before "（本级）" is a PDF artefact.
        form.unit = re.sub(r"\s+", "", units_m.group(1)) or None
        form.department = re.sub(r"\s+", "", units_m.group(2)) or None
    if not form.unit:
        form.warn("unit", "no 实施单位 found")
    if not form.department:
        form.warn("department", "no 一级预算单位 found")


def _parse_funding(form: Form, lines: list[str]) -> None:
    funding = form.funding
    currency_m = next((m for m in map(_CURRENCY.search, lines) if m), None)
    funding.currency_unit = currency_m.group(1) if currency_m else "元"
    if not currency_m:
        form.warn("funding.currency_unit", "no 项目资金（元） label; amounts read as 元")
    scale = 10000.0 if funding.currency_unit == "万元" else 1.0

    def amount(token: str | None) -> float | None:
        value = to_float(token)
        return None if value is None else round(value * scale, 2)

    for ln in lines:
        m = _FUND_ROW.match(ln)
        if not m:
            continue
        label, tokens = m.group(1), m.group(2).split()
        if len(tokens) < 3:
            form.warn("funding", f"{label} row has {len(tokens)} cells, expected at least 3")
            continue
        row = FundingRow(label=label, initial_budget=amount(tokens[0]),
                         annual_budget=amount(tokens[1]), executed=amount(tokens[2]))
        funding.rows.append(row)
        if label != FUND_TOTAL:
            continue
        funding.initial_budget, funding.annual_budget, funding.executed = (
            row.initial_budget, row.annual_budget, row.executed)
        if len(tokens) != 6:
            form.warn("funding", f"{FUND_TOTAL} row has {len(tokens)} cells, expected 6; "
                      "分值/执行率/得分 not read")
            continue
        funding.weight, funding.score = to_float(tokens[3]), to_float(tokens[5])
        funding.execution_rate = _execution_rate(form, tokens[4])
    if funding.annual_budget is None:
        form.warn("funding", f"no {FUND_TOTAL} row found")


def _execution_rate(form: Form, token: str) -> float | None:
    """The column is headed 执行率（%）; a value like "0.98" is a ratio only if the amounts say so."""
    rate = to_float(token)
    funding = form.funding
    if rate is None or not (0 < rate <= 1) or "." not in token:
        return rate
    if funding.annual_budget and funding.executed is not None:
        if abs(funding.executed / funding.annual_budget - rate) < 0.01:
            form.warn("funding.execution_rate", f"执行率 written as a ratio ({token}); read as {rate * 100:g}%")
            return round(rate * 100, 4)
    form.warn("funding.execution_rate", f"执行率 {token} may be a ratio; kept as {token}%")
    return rate


# --- goal -----------------------------------------------------------------------------


# East Asian wide and full-width characters (CJK, full-width punctuation and forms).
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
                   r"\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")


def _width(text: str) -> int:
    """Display width: CJK characters count 2, the rest 1 (how the PDF wrapped the cell)."""
    return len(text) + len(_WIDE.findall(text))


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paras: list[list[str]] = [[]]
    for ln in lines:
        if ln:
            paras[-1].append(ln)
        elif paras[-1]:
            paras.append([])
    return [p for p in paras if p]


def _parse_goal(form: Form, lines: list[str]) -> None:
    """预期目标 and 实际完成情况 are two columns dumped one after the other."""
    paras = _paragraphs(lines)
    if not paras:
        form.warn("goal", "年度总体目标 is empty")
        return
    if len(paras) == 2:
        planned, actual = paras
    else:
        block = [ln for p in paras for ln in p]
        starts = [0] + [sum(map(len, paras[:k])) for k in range(1, len(paras))]
        split, how = _split_goal(block, starts, form.year)
        if split is None:
            form.goal = Goal(planned=squash("\n".join(block)))
            form.warn("goal", "could not tell 预期目标 from 实际完成情况; all text put in planned")
            return
        if isinstance(split, tuple):  # both columns on the first line
            head, tail = split
            planned, actual = [head], [tail] + block[1:]
        else:
            planned, actual = block[:split], block[split:]
        if how:
            form.warn("goal", f"预期目标 / 实际完成情况 split {how}; check the boundary")
    form.goal = Goal(planned=squash("\n".join(planned)), actual=squash("\n".join(actual)))


def _split_goal(block: list[str], para_starts: list[int], year: int | None):
    """Where the 实际完成情况 column starts: (index or (head, tail), how-it-was-guessed or "")."""
    if len(para_starts) == 1:
        # Both columns on one visual line: "planned text 2022年，actual text..."
        gaps = [m for m in re.finditer(r"(?<=\S) +(?=[^\s，。、；：,.;:)）])", block[0])]
        if len(gaps) == 1:
            g = gaps[0]
            tail = block[0][g.end():]
            # One line holding both cells, or an outcome opening with the year: confident.
            sure = len(block) == 1 or (year is not None and tail.startswith(f"{year}年"))
            return (block[0][: g.start()], tail), "" if sure else "at the space on the first line"
    if year is not None:
        # A self-evaluation's outcome opens with its year: "2022年，本局…"
        for i in range(1, len(block)):
            if block[i].startswith(f"{year}年"):
                return i, f"at the line opening with '{year}年'"
    if len(para_starts) > 1:
        return para_starts[-1], "at the last paragraph break"
    # The outcome column is narrower: its full lines share one width, unlike the planned text.
    widths = [_width(ln) for ln in block]
    for k in range(1, len(block) - 1):
        body = widths[k:-1]
        if max(body) - min(body) <= 2 and abs(widths[k - 1] - body[0]) > 2:
            return k, "by line width"
    return None, ""


# --- indicator table --------------------------------------------------------------------


def _skip_table_header(lines: list[str], table_at: int) -> int:
    """The header row "一级指标 … 偏差原因分析及改进措施" wraps over several lines."""
    seen = ""
    for i in range(table_at, min(table_at + 10, len(lines))):
        if i > table_at and _strip_levels(lines[i])[1]:
            return i
        seen += re.sub(r"\s+", "", lines[i])
        if "改进措施" in seen:
            return i + 1
    return table_at + 1


def _drop_repeated_headers(lines: list[str]) -> list[str]:
    """A table continued on a new PDF page repeats its header row; drop it."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if "一级指标" in lines[i] and "二级指标" in lines[i]:
            i = _skip_table_header(lines, i)
            continue
        out.append(lines[i])
        i += 1
    return out


def _strip_levels(line: str) -> tuple[str, list[str]]:
    """Remove leading 一级/二级指标 cells and "(50分)": (rest of the line, level names found)."""
    found: list[str] = []
    while line:
        m = _POINTS.match(line)
        if m:
            found.append("")
            line = line[m.end():]
            continue
        m = _LEVEL_CELL.match(line)
        if m is None:
            break
        found.append(m.group(0))
        line = line[m.end():].lstrip()
    return line, found


def _merge_wrapped_levels(lines: list[str]) -> list[str]:
    """Join a level cell wrapped over two lines ("服务对象满意度指" + "标") into one line."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        full = _LEVEL_PREFIXES.get(ln)
        if full and i + 1 < len(lines):
            rest, nxt = full[len(ln):], lines[i + 1]
            if nxt == rest or nxt.startswith(rest + " "):
                out.append(ln + nxt)
                i += 2
                continue
        out.append(ln)
        i += 1
    return out


@dataclass
class _Anchor:
    pre: str  # the cells before 分值 on the anchor line
    weight: float
    score: float
    tail: str  # deviation text written on the same line


def _anchor(line: str) -> _Anchor | None:
    """A row's "分值 得分" pair: the rightmost two adjacent bare numbers on the line."""
    tokens = line.split()
    for j in range(len(tokens) - 1, 0, -1):
        if _BARE_NUMBER.match(tokens[j]) and _BARE_NUMBER.match(tokens[j - 1]):
            return _Anchor(" ".join(tokens[: j - 1]), float(tokens[j - 1]), float(tokens[j]),
                           " ".join(tokens[j + 1:]))
    return None


def _merge_units(tokens: list[str]) -> list[str]:
    """"4 个" is one cell: a bare unit token belongs to the number before it."""
    out: list[str] = []
    for tok in tokens:
        if out and tok in _UNIT_WORDS and out[-1][-1:].isdigit():
            out[-1] += " " + tok
        else:
            out.append(tok)
    return out


def _wraps_into(prev: str, nxt: str) -> str | None:
    """Why `nxt` (on the next line) continues the value `prev`, or None."""
    if prev.count("（") > prev.count("）") or prev.count("(") > prev.count(")"):
        return "bracket"
    if nxt in _UNIT_WORDS and prev[-1:].isdigit():
        return "unit"
    if _NUMERIC_VALUE.match(prev) and len(nxt) <= 4 and not re.search(r"\d", nxt):
        return "stacked"  # "100%" over "有效": a narrow actual-value cell
    return None


@dataclass
class _Cells:
    name: str = ""
    target: str = ""
    actual: str = ""
    problems: list[str] = field(default_factory=list)
    name_lines: list[str] = field(default_factory=list)  # the name's wrapped lines, for widths


def _split_cells(lines: list[str]) -> _Cells:
    """Name, target and actual from the row's lines (spaces separate cells, lines may wrap)."""
    items: list[tuple[str, bool]] = []  # (segment, starts a new line)
    for k, ln in enumerate(lines):
        for m, seg in enumerate(_merge_units(ln.split())):
            items.append((seg, k > 0 and m == 0))
    cells = _Cells()
    if len(items) < 3:
        cells.problems.append(f"only {len(items)} of the 三级指标/年度指标值/实际完成值 cells found")
        values = [s for s, _ in items]
        cells.name, cells.target, cells.actual = ([""] * (3 - len(values)) + values)[-3:]
        return cells
    forced = [b for b in range(1, len(items)) if not items[b][1]]
    line_breaks = [b for b in range(1, len(items)) if items[b][1]]
    if len(forced) > 2:
        cells.problems.append("more cells than expected; the extra leading ones joined into the name")
        bounds = forced[-2:]
    else:
        chosen: list[int] = []
        skipped: list[tuple[int, str]] = []
        for b in reversed(line_breaks):
            if len(chosen) == 2 - len(forced):
                break
            why = _wraps_into(items[b - 1][0], items[b][0])
            if why:
                skipped.append((b, why))
            else:
                chosen.append(b)
        if len(chosen) < 2 - len(forced):
            cells.problems.append("could not tell the cells apart")
            chosen += [b for b, _ in skipped][: 2 - len(forced) - len(chosen)]
        else:
            guesses = []
            if not forced:
                guesses.append("name, target and actual each on their own lines")
            if any(why == "stacked" for _, why in skipped):
                guesses.append("a value wrapped over two lines joined (like '100%' + '有效')")
            if guesses:
                cells.problems.append("; ".join(guesses) + ": cell boundaries inferred, check this row")
        bounds = sorted(forced + chosen)

    def join(part: list[tuple[str, bool]]) -> str:
        return "".join(("" if newline or i == 0 else " ") + s for i, (s, newline) in enumerate(part))

    a, b = bounds
    cells.name, cells.target, cells.actual = join(items[:a]), join(items[a:b]), join(items[b:])
    cells.name_lines = _lines_of(items[:a])
    return cells


def _lines_of(items: list[tuple[str, bool]]) -> list[str]:
    out: list[str] = []
    for seg, newline in items:
        if newline or not out:
            out.append(seg)
        else:
            out[-1] += " " + seg
    return out


class _IndicatorTable:
    """Reads the table body line by line; rows are closed by their 分值/得分 anchor."""

    def __init__(self, form: Form):
        self.form = form
        self.level1 = ""
        self.level2 = ""
        self.pending: list[str] = []  # cell lines of the next row
        self.deviation: list[str] = []  # the open deviation cell of the last row
        self.deviation_open = False
        self.deviation_width = 0
        self.last_full = False
        self.name_width = 0  # widest non-final name line seen: the name column's width

    def read(self, lines: list[str]) -> None:
        for ln in _merge_wrapped_levels(lines):
            rest, levels = _strip_levels(ln)
            if levels:
                self._close_deviation()
                if self.pending:
                    self._orphans("before a 一级/二级指标 cell")
                for name in levels:
                    if name in LEVEL1_NAMES:
                        self.level1, self.level2 = name, ""
                    elif name:
                        self.level2 = name
                if not rest:
                    continue
                ln = rest
            anchor = _anchor(ln)
            if anchor is not None:
                self._row(anchor)
                continue
            if levels:
                self.pending.append(ln)
                continue
            if self.deviation_open and not self.pending and self._take_deviation(ln):
                continue
            self.pending.append(ln)
        self._close_deviation()
        if self.pending:
            self._orphans("after the last row")

    def _row(self, anchor: _Anchor) -> None:
        self._close_deviation()
        lines = self.pending + ([anchor.pre] if anchor.pre else [])
        self.pending = []
        cells = _split_cells(lines)
        for ln in cells.name_lines[:-1]:
            self.name_width = max(self.name_width, _width(ln))
        row = Indicator(level1=self.level1, level2=self.level2, name=cells.name, target=cells.target,
                        actual=cells.actual, weight=anchor.weight, score=anchor.score)
        self.form.indicators.append(row)
        i = len(self.form.indicators) - 1
        for problem in cells.problems:
            self.form.warn(f"indicators[{i}]", problem)
        self.deviation = [anchor.tail] if anchor.tail else []
        # A deviation follows a cut score; a labelled one ("偏差原因：") may follow any row.
        self.deviation_open = True
        self.deviation_width = _width(anchor.tail) if anchor.tail else 0
        self.last_full = False if anchor.tail else anchor.score < anchor.weight

    def _take_deviation(self, ln: str) -> bool:
        """Whether `ln` continues the last row's deviation cell (and take it)."""
        width = _width(ln)
        labelled = bool(_LABEL.match(ln))
        if not (self.last_full or labelled):
            return False  # the cell ended with a short line or a full stop
        if self.deviation and not labelled and width > self.deviation_width + 2:
            # The deviation's last line and the next name's first line printed as one line.
            return self._split_merged_line(ln)
        self.deviation.append(ln)
        self.deviation_width = max(self.deviation_width, width)
        self.last_full = width >= self.deviation_width - 3 and not ln.endswith(("。", ".", "！", "；"))
        return True

    def _split_merged_line(self, ln: str) -> bool:
        i = len(self.form.indicators)
        if not self.name_width:
            self.form.warn(f"indicators[{i - 1}]", f"line {ln!r} may hold the end of this deviation and "
                           "the start of the next name; kept whole in the next row")
            self.deviation_open = False
            return False
        cut = next((k for k in range(1, len(ln)) if _width(ln[k:]) <= self.name_width + 1), len(ln))
        self.deviation.append(ln[:cut])
        self.pending.append(ln[cut:])
        self.deviation_open = False
        self.form.warn(f"indicators[{i - 1}]", f"deviation and the next row's name printed on one line "
                       f"({ln!r}); split by the name column's width")
        self.form.warn(f"indicators[{i}]", f"name starts with {ln[cut:]!r}, cut from the deviation line above")
        return True

    def _close_deviation(self) -> None:
        if self.deviation and self.form.indicators:
            row = self.form.indicators[-1]
            row.deviation = "".join(s.strip() for s in [row.deviation, *self.deviation])
        self.deviation = []
        self.deviation_open = False

    def _orphans(self, where: str) -> None:
        text = "".join(self.pending)
        self.pending = []
        if not self.form.indicators:
            self.form.warn("indicators", f"text {text!r} {where} belongs to no row; dropped")
            return
        i = len(self.form.indicators) - 1
        row = self.form.indicators[i]
        row.deviation += text
        self.form.warn(f"indicators[{i}]", f"text {text!r} {where} has no 分值/得分 of its own; "
                       "appended to this row's deviation")


def _parse_total(form: Form, lines: list[str]) -> None:
    """"总分 100 98.47 —", the numbers possibly on the following lines."""
    numbers: list[float] = []
    for ln in lines[:6]:
        for tok in ln.removeprefix("总分").split():
            if _BARE_NUMBER.match(tok):
                numbers.append(float(tok))
            elif not _DASH.match(tok):
                break
        if len(numbers) >= 2:
            break
    if len(numbers) >= 2:
        form.total_weight, form.total_score = numbers[0], numbers[1]
    else:
        form.warn("total_score", "总分 row has no 分值 and 得分")
