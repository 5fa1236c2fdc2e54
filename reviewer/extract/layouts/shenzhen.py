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

This layout only locates the cells (`read` → `RawForm`); `assemble` makes the Form
(amounts, 万元, the execution rate, level names carried down, numbers, the id). The
labels it looks for (header fields, funding rows, level names, the 总分 row, the
template's instructions) are the vocabulary's (reviewer/domain/vocabulary/*.toml).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import compress, count, islice, repeat
from operator import contains

from reviewer.domain.model import Form
from reviewer.domain.values import is_unit  # cached there and cleared on a vocabulary reload
from reviewer.domain.vocabulary import Level, Vocabulary, vocabulary
from reviewer.extract.assemble import assemble
from reviewer.extract.raw import (
    RawCell, RawForm, RawFunding, RawFundingRow, RawGoal, RawIndicatorRow, RawTable, RawTotal, RawWarning,
)

NAME = "shenzhen"

# RawCell((text, where, original)) without the named tuple's Python-level __new__: the table's
# rows make a handful of cells each.
_cell = partial(tuple.__new__, RawCell)

TITLE = "项目支出绩效自评表"

_DETECT_CODE = re.compile(r"^\s*项目编码[：:]\s*\d{10,}\s+项目名称[：:]", re.M)
_DETECT_FUND = re.compile(r"^\s*(?:其中[：:]\s*)?年度资金总额 +[\d,.]+ +[\d,.]+", re.M)

# What a PDF dump adds between a form's lines: page numbers and the Word source's comment
# authors. (The template's own instructions, "(限40字以内)", are vocabulary.)
_DUMP_NOISE = re.compile(
    r"^(?:[A-Za-z][\w.-]* 用户"  # "Windows 用户": a Word comment author
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"  # page numbers
    r"|[a-z][a-z0-9_.]{2,}[:：]?"  # a comment author's login name, alone on its line
    r")$"
)
# Where the wrapped 项目名称 ends: the year cell (its label wraps: "绩效自评年\n度："), a bare
# year, or (below) another header label or the funding section.
_YEAR_LABEL_START = "绩效自评"
_YEAR_LABEL_TAIL = re.compile(r"^年?度\s*[：:]|^\d{4}$")
_POINTS = re.compile(r"^[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*")
_BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_DASH = re.compile(r"^[—–\-_/]+$")
# A written value alone on its line: "100%", "≥90%", "7164000"
_NUMERIC_VALUE = re.compile(r"^[≥≤＞＜><=≧≦＝]?\d+(?:\.\d+)?%?$")
# A deviation paragraph opens with a short label: "偏差原因：", "改进措施：".
_LABEL = re.compile(r"^\S{2,8}[：:]")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_YEAR_LABEL_REST = re.compile(rf"\s*{_YEAR_LABEL_START}.*$")


def _wrapped(label: str) -> str:
    """A label as a pattern that lets the dump wrap it anywhere ("绩效自评年\n度")."""
    return r"\s*".join(map(re.escape, label))


def _any(labels, wrapped: bool = False) -> str:
    spelled = sorted(set(labels), key=lambda s: (-len(s), s))  # longest first
    return "|".join(_wrapped(s) if wrapped else re.escape(s) for s in spelled)


@dataclass(frozen=True)
class _Words:
    """The patterns this layout finds the form's labels with, built from the vocabulary."""

    noise: re.Pattern[str]
    code: re.Pattern[str]
    name: re.Pattern[str]
    year: re.Pattern[str]
    units: re.Pattern[str]
    header_stop: re.Pattern[str]
    fund_row: re.Pattern[str]
    currency: re.Pattern[str]
    level_cell: re.Pattern[str]
    level_prefixes: dict[str, tuple[str, ...]]
    form_line: re.Pattern[str]
    totals: tuple[str, ...]  # what the 总分 row starts with: 总分, 合计 … (longest first)
    total_line: re.Pattern[str]  # a line starting with one of `totals`
    # The template's own spellings of the labels that open its parts.
    planned: str  # 预期目标
    indicators: str  # 年度绩效指标
    level1: str  # 一级指标
    level2: str  # 二级指标
    goal_end: re.Pattern[str]  # 年度绩效指标 or 一级指标: the goal's text ends
    level_starts: frozenset[str]  # first characters of level cells and of "(50分)"


def _words() -> _Words:
    return _words_of(vocabulary())


@lru_cache(maxsize=2)  # keyed by the vocabulary: a reloaded vocabulary builds its own
def _words_of(vocab: Vocabulary) -> _Words:
    header = vocab.header.labels
    unit, department = _any(header["unit"]), _any(header["department"])
    funding_section = vocab.sections.labels["funding"]
    # Level cells: every category's canonical spelling and the variants that say 指标; the
    # short variants ("数量", "产出") also open names and values, so they are not cells here.
    levels = list(vocab.level1_names + vocab.level2_names)
    levels += [v for v in vocab.written_level_spellings if v.endswith("指标") and len(v) > 3]
    level_names = sorted(set(levels), key=lambda s: (-len(s), s))  # a level-2 is never cut short
    prefixes: dict[str, list[str]] = {}
    for name in level_names:
        for k in range(3, len(name)):  # a level cell wrapped over two lines ("服务对象满意度\n指标")
            prefixes.setdefault(name[:k], []).append(name)
    return _Words(
        noise=re.compile(rf"^(?:{vocab.template_hints.pattern})$|{_DUMP_NOISE.pattern}"),
        code=re.compile(rf"(?:{_any(header['code'])})[：:]\s*(\d+)"),
        name=re.compile(rf"(?:{_any(header['name'])})[：:]\s*(.*?)\s*(?:{_YEAR_LABEL_START}.*)?$"),
        year=re.compile(rf"(?:{_any(header['year'], wrapped=True)}|{_wrapped(_YEAR_LABEL_START)}\s*度)"
                        r"\s*[：:]\s*(\d{4})"),
        units=re.compile(rf"(?:{unit})[：:]\s*(.*?)\s*(?:{department})[：:]\s*(.*)$"),
        header_stop=re.compile(rf"^(?:{_YEAR_LABEL_START}|{unit}|{department}|{_any(funding_section)})"),
        fund_row=re.compile(rf"^((?:其中[：:]\s*)?(?:{_any(l for ls in vocab.funding_rows.labels.values() for l in ls)}))"
                            r"\s+(.*)$"),
        currency=re.compile(rf"(?:{_any(funding_section)})\s*[（(]\s*(万元|元)\s*[)）]"),
        level_cell=re.compile("(?:" + "|".join(map(re.escape, level_names)) + r")(?=$|[ (（])"),
        level_prefixes={k: tuple(v) for k, v in prefixes.items()},
        form_line=re.compile(_any(header["code"] + header["name"] + vocab.funding_rows.labels["年度资金总额"])),
        totals=tuple(sorted(vocab.sections.labels["total"], key=len, reverse=True)),
        total_line=re.compile(_any(vocab.sections.labels["total"])),
        planned=vocab.goal_columns.labels["planned"][0],
        indicators=vocab.sections.labels["indicators"][0],
        level1=vocab.indicator_columns.labels["level1"][0],
        level2=vocab.indicator_columns.labels["level2"][0],
        goal_end=re.compile(_any([vocab.sections.labels["indicators"][0], vocab.indicator_columns.labels["level1"][0]])),
        level_starts=frozenset(name[0] for name in level_names) | {"(", "（"},
    )


def detect(text: str) -> bool:
    # Either the header line "项目编码： <digits> 项目名称：" or a space-separated funding row;
    # one is enough, so that a truncated form is still recognised (and reported as truncated).
    return bool(_DETECT_CODE.search(text) or _DETECT_FUND.search(text))


def parse(text: str, path: str) -> list[Form]:
    return [assemble(raw) for raw in read(text, path)]


class _Lines:
    """A dump's lines, stripped, and the number of each in the text. Two flat lists, not a
    tuple per line: dumps run to thousands of lines, and strings and ints are no work for
    the garbage collector."""

    __slots__ = ("texts", "numbers")

    def __init__(self, texts: list[str], numbers: list[int]):
        self.texts, self.numbers = texts, numbers

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> str:
        return self.texts[i]

    def part(self, start: int = 0, stop: int | None = None) -> _Lines:
        return _Lines(self.texts[start:stop], self.numbers[start:stop])

    def where(self, i: int) -> str:
        return f"line {self.numbers[i]}"

    def find(self, test, start: int = 0, stop: int | None = None) -> int | None:
        """The first line from `start` holding `test`: a substring, or a pattern's search/match."""
        start, stop, _ = slice(start, stop).indices(len(self.texts))
        lines = islice(self.texts, start, stop)
        # Every line is asked in turn by map (no bytecode per line), the first yes ends it.
        found = map(contains, lines, repeat(test)) if isinstance(test, str) else map(test, lines)
        return next(compress(count(start), found), None)


def read(text: str, path: str) -> Iterator[RawForm]:
    """The forms in a dump, as raw records (`assemble` makes them Forms), one at a time: a
    form's record is assembled and gone before the next is read."""
    noise = _words().noise.match
    stripped = list(map(str.strip, text.splitlines()))
    # A dump repeats its template's lines (and blank ones) in every form: each asked once.
    kept = {line: noise(line) is None for line in set(stripped)}
    keep = list(map(kept.__getitem__, stripped))
    numbers = list(compress(range(1, len(stripped) + 1), keep))
    texts = list(compress(stripped, keep))
    seen = _Seen()  # shared by the dump's forms, whose tables repeat many lines
    for i, chunk in enumerate(_split_forms(_Lines(texts, numbers))):
        yield _read_form(chunk, path, i, seen)


def _split_forms(lines: _Lines) -> list[_Lines]:
    """One chunk per form: from a title line (or, without titles, a 项目编码 line) to the next."""
    words = _words()
    starts = list(compress(count(), map(contains, lines.texts, repeat(TITLE))))
    if not starts:
        starts = list(compress(count(), map(words.code.search, lines.texts)))
    bounds = starts + [len(lines)]
    return [lines.part(a, b) for a, b in zip(bounds, bounds[1:])
            if any(map(words.form_line.search, lines.texts[a:b]))]


def _read_form(lines: _Lines, path: str, index: int, seen: _Seen | None = None) -> RawForm:
    words = _words()
    raw = RawForm(path=path, index=index, layout=NAME)
    code_at = lines.find(words.code.search)
    if code_at is None:
        raw.header_notes.append(RawWarning("code", "no 项目编码 found"))
        code_at = 0
    else:
        raw.header["code"] = RawCell(words.code.search(lines[code_at]).group(1), lines.where(code_at))

    goal_at = lines.find(words.planned)
    table_at = lines.find(words.level1)
    header_end = next((i for i in (goal_at, table_at) if i is not None), len(lines))
    _read_header(raw, lines.part(code_at, header_end))
    raw.funding = _read_funding(lines.part(code_at, header_end))

    if goal_at is not None:
        goal_end = lines.find(words.goal_end.search, goal_at + 1) or len(lines)
        raw.goal = _read_goal(lines.part(goal_at + 1, goal_end), _year_of(raw))

    if table_at is None:
        return raw
    body_at = _skip_table_header(lines.texts, table_at)
    total_at = lines.find(words.total_line.match, body_at)
    body = lines.part(body_at, total_at)
    body = _Lines(list(filter(None, body.texts)), list(compress(body.numbers, body.texts)))  # blank lines out
    raw.indicators = _IndicatorTable(seen or _Seen()).read(_drop_repeated_headers(body))
    if total_at is not None:
        raw.total = _read_total(lines.part(total_at))
    return raw


# --- header -------------------------------------------------------------------------


def _read_header(raw: RawForm, lines: _Lines) -> None:
    words = _words()
    name_at = lines.find(words.name.search)
    name_m = words.name.search(lines[name_at]) if name_at is not None else None
    if name_m and name_at is not None:
        parts = [name_m.group(1)]
        # The name wraps onto the lines before 绩效自评年度 / 实施单位.
        for ln in lines.texts[name_at + 1 :]:
            if not ln:
                continue
            if words.header_stop.match(ln) or _YEAR_LABEL_TAIL.match(ln):
                break
            parts.append(_YEAR_LABEL_REST.sub("", ln))
            if _YEAR_LABEL_START in ln:
                break
        name = "".join(parts).strip()
        if name:
            raw.header["name"] = RawCell(name, lines.where(name_at))
    if "name" not in raw.header:
        raw.header_notes.append(RawWarning("name", "no 项目名称 found"))

    year_m = words.year.search("\n".join(lines.texts))
    if year_m:
        raw.header["year"] = RawCell(year_m.group(1))
    else:
        raw.header_notes.append(RawWarning("year", "no 绩效自评年度 found"))

    units_at = lines.find(words.units.search)
    if units_at is not None:
        units_m = words.units.search(lines[units_at])
        # Organisation names have no spaces; a space before "（本级）" is a PDF artefact.
        for name, value in (("unit", units_m.group(1)), ("department", units_m.group(2))):
            value = _SPACES.sub("", value)
            if value:
                raw.header[name] = RawCell(value, lines.where(units_at))
    if "unit" not in raw.header:
        raw.header_notes.append(RawWarning("unit", "no 实施单位 found"))
    if "department" not in raw.header:
        raw.header_notes.append(RawWarning("department", "no 一级预算单位 found"))


def _year_of(raw: RawForm) -> int | None:
    cell = raw.header.get("year")
    return int(cell.text) if cell is not None else None


_FUNDING_LINE = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")


def _read_funding(lines: _Lines) -> RawFunding:
    words = _words()
    funding = RawFunding()
    currency_at = lines.find(words.currency.search)
    if currency_at is None:
        funding.notes.append(RawWarning("funding.currency_unit", "no 项目资金（元） label; amounts read as 元"))
    else:
        funding.currency = RawCell(words.currency.search(lines[currency_at]).group(0), lines.where(currency_at))
    labels = vocabulary().funding_rows
    for i, m in enumerate(map(words.fund_row.match, lines.texts)):
        if not m:
            continue
        label, tokens = m.group(1), m.group(2).split()
        if len(tokens) < 3:
            funding.notes.append(RawWarning("funding", f"{label} row has {len(tokens)} cells, expected at least 3"))
            continue
        where = lines.where(i)
        total = labels.field(label) == "年度资金总额"
        read = 6 if total and len(tokens) == 6 else 3
        if total and read != 6:
            funding.notes.append(RawWarning("funding", f"年度资金总额 row has {len(tokens)} cells, expected 6; "
                                                       "分值/执行率/得分 not read"))
        cells = {name: _cell((tok, where, "")) for name, tok in zip(_FUNDING_LINE[:read], tokens)}
        funding.rows.append(RawFundingRow(_cell((label, where, "")), cells))
    return funding


# --- goal -----------------------------------------------------------------------------


# East Asian wide and full-width characters (CJK, full-width punctuation and forms).
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
                   r"\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")


def _width(text: str) -> int:
    """Display width: CJK characters count 2, the rest 1 (how the PDF wrapped the cell)."""
    return 2 * len(text) - len(_WIDE.sub("", text))  # what is left once the wide ones are out counts 1


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paras: list[list[str]] = [[]]
    for ln in lines:
        if ln:
            paras[-1].append(ln)
        elif paras[-1]:
            paras.append([])
    return [p for p in paras if p]


def _squash(lines: list[str]) -> str:
    """Join a cell wrapped over several lines: Chinese text has no spaces between lines."""
    return "".join(ln.strip() for ln in lines)


def _read_goal(numbered: _Lines, year: int | None) -> RawGoal:
    """预期目标 and 实际完成情况 are two columns dumped one after the other."""
    goal = RawGoal()
    where = f"lines {numbered.numbers[0]}-{numbered.numbers[-1]}" if numbered else ""
    lines = numbered.texts
    paras = _paragraphs(lines)
    if not paras:
        goal.notes.append(RawWarning("goal", "年度总体目标 is empty"))
        return goal
    if len(paras) == 2:
        planned, actual = paras
    else:
        block = [ln for p in paras for ln in p]
        starts = [0] + [sum(map(len, paras[:k])) for k in range(1, len(paras))]
        split, how = _split_goal(block, starts, year)
        if split is None:
            goal.planned = [RawCell(_squash(block), where)]
            goal.notes.append(RawWarning("goal", "could not tell 预期目标 from 实际完成情况; all text put in planned"))
            return goal
        if isinstance(split, tuple):  # both columns on the first line
            head, tail = split
            planned, actual = [head], [tail] + block[1:]
        else:
            planned, actual = block[:split], block[split:]
        if how:
            goal.notes.append(RawWarning("goal", f"预期目标 / 实际完成情况 split {how}; check the boundary"))
    goal.planned = [RawCell(_squash(planned), where)]
    goal.actual = [RawCell(_squash(actual), where)]
    return goal


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
    words = _words()
    seen = ""
    for i in range(table_at, min(table_at + 10, len(lines))):
        if i > table_at and _strip_levels(lines[i], words)[1]:
            return i
        seen += _SPACES.sub("", lines[i])
        if "改进措施" in seen:
            return i + 1
    return table_at + 1


def _drop_repeated_headers(lines: _Lines) -> _Lines:
    """A table continued on a new PDF page repeats its header row; drop it."""
    texts = lines.texts
    level1, level2 = _words().level1, _words().level2
    if not any(map(contains, texts, repeat(level1))):
        return lines
    kept: list[int] = []
    i = 0
    while i < len(texts):
        if level1 in texts[i] and level2 in texts[i]:
            i = _skip_table_header(texts, i)
            continue
        kept.append(i)
        i += 1
    return _Lines([texts[i] for i in kept], [lines.numbers[i] for i in kept])


def _strip_levels(line: str, words: _Words) -> tuple[str, list[str]]:
    """Remove leading 一级/二级指标 cells and "(50分)": (rest of the line, level names found)."""
    if line[:1] not in words.level_starts:
        return line, []
    level_cell = words.level_cell
    found: list[str] = []
    while line:
        m = _POINTS.match(line)
        if m:
            found.append("")
            line = line[m.end():]
            continue
        m = level_cell.match(line)
        if m is None:
            break
        found.append(m.group(0))
        line = line[m.end():].lstrip()
    return line, found


def _merge_wrapped_levels(lines: _Lines) -> _Lines:
    """Join a level cell wrapped over two lines ("服务对象满意度指" + "标") into one line."""
    prefixes = _words().level_prefixes
    texts, numbers = lines.texts, lines.numbers
    if prefixes.keys().isdisjoint(texts):
        return lines
    out = _Lines([], [])
    i = 0
    while i < len(texts):
        ln = texts[i]
        if ln in prefixes and i + 1 < len(texts):
            nxt = texts[i + 1]
            rest = next((full[len(ln):] for full in prefixes[ln]
                         if nxt == full[len(ln):] or nxt.startswith(full[len(ln):] + " ")), None)
            if rest is not None:
                out.texts.append(ln + nxt)
                out.numbers.append(numbers[i])
                i += 2
                continue
        out.texts.append(ln)
        out.numbers.append(numbers[i])
        i += 1
    return out


@dataclass
class _Anchor:
    pre: str  # the cells before 分值 on the anchor line
    weight_text: str
    score_text: str
    tail: str  # deviation text written on the same line

    @property
    def weight(self) -> float:
        return float(self.weight_text)

    @property
    def score(self) -> float:
        return float(self.score_text)


def _anchor(line: str) -> _Anchor | None:
    """A row's "分值 得分" pair: the rightmost two adjacent bare numbers on the line."""
    tokens = line.split()
    for j in range(len(tokens) - 1, 0, -1):
        right, left = tokens[j], tokens[j - 1]
        if right[0].isdigit() and left[0].isdigit() and _BARE_NUMBER.match(right) and _BARE_NUMBER.match(left):
            return _Anchor(" ".join(tokens[: j - 1]), tokens[j - 1], tokens[j], " ".join(tokens[j + 1:]))
    return None


def _merge_units(tokens: list[str]) -> list[str]:
    """"4 个" is one cell: a bare unit token belongs to the number before it."""
    if len(tokens) < 2 or not any(map(is_unit, islice(tokens, 1, None))):
        return tokens  # the common case: no unit written apart from its number
    out: list[str] = []
    for tok in tokens:
        if out and out[-1][-1:].isdigit() and is_unit(tok):
            out[-1] += " " + tok
        else:
            out.append(tok)
    return out


def _wraps_into(prev: str, nxt: str) -> str | None:
    """Why `nxt` (on the next line) continues the value `prev`, or None."""
    if prev.count("（") > prev.count("）") or prev.count("(") > prev.count(")"):
        return "bracket"
    if is_unit(nxt) and prev[-1:].isdigit():
        return "unit"
    if _NUMERIC_VALUE.match(prev) and len(nxt) <= 4 and not _DIGIT.search(nxt):
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
    if len(lines) == 1:
        tokens = _merge_units(lines[0].split())
        if len(tokens) == 3:  # the common row: its three cells on one line, read, not guessed
            return _Cells(tokens[0], tokens[1], tokens[2], [], tokens[:1])
        per_line = [tokens]
    else:
        per_line = [_merge_units(ln.split()) for ln in lines]
    # (segment, starts a new line)
    items = [(seg, k > 0 and m == 0) for k, tokens in enumerate(per_line) for m, seg in enumerate(tokens)]
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

    a, b = bounds
    cells.name_lines = _lines_of(items[:a])
    # A cell is its wrapped lines joined without spaces (Chinese text has none between lines).
    cells.name = "".join(cells.name_lines)
    cells.target, cells.actual = "".join(_lines_of(items[a:b])), "".join(_lines_of(items[b:]))
    return cells


def _lines_of(items: list[tuple[str, bool]]) -> list[str]:
    """The segments on each line, joined by a space."""
    out: list[str] = []
    for seg, newline in items:
        if newline or not out:
            out.append(seg)
        else:
            out[-1] += " " + seg
    return out


def _categories(name: str) -> tuple[Level | None, Level | None]:
    """The level-1 and the level-2 category a level cell names (either may be None)."""
    return _categories_of(vocabulary(), name)


@lru_cache(maxsize=512)
def _categories_of(vocab: Vocabulary, name: str) -> tuple[Level | None, Level | None]:
    return vocab.level(name, 1), vocab.level(name, 2)


class _Seen:
    """What a dump's table lines were read as (`_strip_levels`, `_anchor`: each a function
    of the line alone), kept while the dump is read: its forms repeat the template's level
    lines and many rows."""

    __slots__ = ("levels", "anchors")

    def __init__(self):
        self.levels: dict[str, tuple[str, list[str]]] = {}
        self.anchors: dict[str, _Anchor | None] = {}


class _IndicatorTable:
    """Reads the table body line by line; rows are closed by their 分值/得分 anchor."""

    def __init__(self, seen: _Seen):
        self.seen = seen
        self.table = RawTable()
        self.rows = self.table.rows  # RawIndicatorRow, their deviations kept apart until the end
        self.deviations: list[str] = []
        self.level1 = ""
        self.level2 = ""
        self.levels_seen: set[str] = set()  # level cells written since the last row
        self.pending: list[str] = []  # cell lines of the next row
        self.pending_from: int | None = None  # line number of the first of them
        self.next_notes: list[RawWarning] = []  # notes on the next row, said before it is read
        self.deviation: list[str] = []  # the open deviation cell of the last row
        self.deviation_open = False
        self.deviation_width = 0
        self.last_full = False
        self.name_width = 0  # widest non-final name line seen: the name column's width

    def read(self, lines: _Lines) -> RawTable:
        words = _words()
        level_starts = words.level_starts
        seen_levels, seen_anchors = self.seen.levels, self.seen.anchors
        merged = _merge_wrapped_levels(lines)
        for n, ln in zip(merged.numbers, merged.texts):
            # Most lines cannot open with a level cell: not worth a call.
            if ln[:1] in level_starts:
                stripped = seen_levels.get(ln)
                if stripped is None:
                    stripped = seen_levels[ln] = _strip_levels(ln, words)
                rest, levels = stripped
            else:
                rest, levels = ln, None
            if levels:
                self._close_deviation()
                if self.pending:
                    self._orphans("before a 一级/二级指标 cell")
                for name in filter(None, levels):
                    self._level(name)
                if not rest:
                    continue
                ln = rest
            if ln in seen_anchors:
                anchor = seen_anchors[ln]
            else:
                anchor = seen_anchors[ln] = _anchor(ln)
            if anchor is not None:
                self._row(anchor, n)
                continue
            if levels:
                self._pend(ln, n)
                continue
            if self.deviation_open and not self.pending and self._take_deviation(ln, n):
                continue
            self._pend(ln, n)
        self._close_deviation()
        if self.pending:
            self._orphans("after the last row")
        if self.next_notes and self.rows:
            self.rows[-1].notes += self.next_notes
        for row, deviation in zip(self.rows, self.deviations):
            if deviation:
                row.cells["deviation"] = _cell((deviation, row.cells["weight"].where, ""))
        return self.table

    def _pend(self, ln: str, n: int) -> None:
        if not self.pending:
            self.pending_from = n
        self.pending.append(ln)

    def _level(self, name: str) -> None:
        """A level cell; which level it is, where a name is both (成本指标: under 产出指标 in
        older templates, a level-1 of its own since 2021), the categories around it say."""
        as1, as2 = _categories(name)
        if as2 is not None and as2.parent and as2.parent == self.level2 and _categories(self.level2)[0]:
            self.level1, self.level2 = self.level2, name  # 经济成本指标 under a 成本指标 read as level-2
            self.levels_seen |= {"level1", "level2"}
        elif as2 is not None and (as1 is None or as2.parent == self.level1):
            self.level2 = name
            self.levels_seen.add("level2")
        else:
            self.level1, self.level2 = name, ""
            self.levels_seen.add("level1")
            self.levels_seen.discard("level2")

    def _row(self, anchor: _Anchor, n: int) -> None:
        if self.deviation or self.deviation_open:
            self._close_deviation()
        lines = self.pending
        if lines:
            first = self.pending_from
            self.pending = []
        else:
            first = n
        if anchor.pre:
            lines = lines + [anchor.pre]
        split = _split_cells(lines)
        if len(split.name_lines) > 1:
            for ln in split.name_lines[:-1]:
                self.name_width = max(self.name_width, _width(ln))
        at = f"line {n}"
        where = at if first == n else f"lines {first}-{n}"
        cells = {"name": _cell((split.name, where, "")), "target": _cell((split.target, where, "")),
                 "actual": _cell((split.actual, where, "")), "weight": _cell((anchor.weight_text, at, "")),
                 "score": _cell((anchor.score_text, at, ""))}
        if self.levels_seen:
            for name in self.levels_seen:
                cells[name] = _cell((self.level1 if name == "level1" else self.level2, where, ""))
            self.levels_seen = set()
        notes = self.next_notes
        if split.problems:
            notes += [RawWarning("", problem) for problem in split.problems]
        self.next_notes = []
        self.rows.append(RawIndicatorRow(cells, notes))
        self.deviations.append("")
        self.deviation = [anchor.tail] if anchor.tail else []
        # A deviation follows a cut score; a labelled one ("偏差原因：") may follow any row.
        self.deviation_open = True
        self.deviation_width = -1  # the tail's width, measured when a line may continue it
        self.last_full = False if anchor.tail else float(anchor.score_text) < float(anchor.weight_text)

    def _take_deviation(self, ln: str, n: int) -> bool:
        """Whether `ln` continues the last row's deviation cell (and take it)."""
        width = _width(ln)
        labelled = bool(_LABEL.match(ln))
        if not (self.last_full or labelled):
            return False  # the cell ended with a short line or a full stop
        if self.deviation_width < 0:
            self.deviation_width = _width(self.deviation[0]) if self.deviation else 0
        if self.deviation and not labelled and width > self.deviation_width + 2:
            # The deviation's last line and the next name's first line printed as one line.
            return self._split_merged_line(ln, n)
        self.deviation.append(ln)
        self.deviation_width = max(self.deviation_width, width)
        self.last_full = width >= self.deviation_width - 3 and not ln.endswith(("。", ".", "！", "；"))
        return True

    def _split_merged_line(self, ln: str, n: int) -> bool:
        last = self.rows[-1]
        if not self.name_width:
            last.notes.append(RawWarning("", f"line {ln!r} may hold the end of this deviation and "
                                             "the start of the next name; kept whole in the next row"))
            self.deviation_open = False
            return False
        cut = next((k for k in range(1, len(ln)) if _width(ln[k:]) <= self.name_width + 1), len(ln))
        self.deviation.append(ln[:cut])
        self._pend(ln[cut:], n)
        self.deviation_open = False
        last.notes.append(RawWarning("", f"deviation and the next row's name printed on one line "
                                         f"({ln!r}); split by the name column's width"))
        self.next_notes.append(RawWarning("", f"name starts with {ln[cut:]!r}, cut from the deviation line above"))
        return True

    def _close_deviation(self) -> None:
        if self.deviation and self.rows:
            self.deviations[-1] = "".join(s.strip() for s in [self.deviations[-1], *self.deviation])
        self.deviation = []
        self.deviation_open = False

    def _orphans(self, where: str) -> None:
        text = "".join(self.pending)
        self.pending = []
        if not self.rows:
            self.table.notes.append(RawWarning("indicators", f"text {text!r} {where} belongs to no row; dropped"))
            return
        self.deviations[-1] += text
        self.rows[-1].notes.append(RawWarning("", f"text {text!r} {where} has no 分值/得分 of its own; "
                                        "appended to this row's deviation"))


def _read_total(lines: _Lines) -> RawTotal:
    """"总分 100 98.47 —", the numbers possibly on the following lines."""
    label = next(t for t in _words().totals if lines[0].startswith(t))
    total = RawTotal(label=RawCell(label, lines.where(0)))
    numbers: list[RawCell] = []
    for k, line in enumerate(lines.texts[:6]):
        for tok in (line[len(label):] if k == 0 else line).split():
            if _BARE_NUMBER.match(tok):
                numbers.append(RawCell(tok, lines.where(k)))
            elif not _DASH.match(tok):
                break
        if len(numbers) >= 2:
            break
    if len(numbers) >= 2:
        total.cells = {"weight": numbers[0], "score": numbers[1]}
    else:
        total.notes.append(RawWarning("total_score", "总分 row has no 分值 and 得分"))
    return total
