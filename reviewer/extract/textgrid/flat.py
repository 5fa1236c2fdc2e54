"""A table flattened into one line (xls/pdf conversions, document sites) → a stream of cells.

The text is cut at known labels: column labels only where they stand together as a header,
level names only under an indicator header, field labels not inside indicator rows, so the
same words inside a sentence stay text. Page markers of document sites ("2、" opening each
page) are removed and the pages joined. Between labels, table rows are cut at spaces where
spaces part the cells; where nothing does, a cell ends where a number meets words, before a
comparator and after a unit ("…标尺10≥266米≥266米10"). A run of numbers that cannot be
told apart ("310.2154.74") is one fused piece: no reader splits it. Nor is a 分值 written
against a numeric target under a header that puts 分值 first ("合格率20100%100%20"): fused,
both cells left empty. A target met is written twice, words or a value with its unit
("显著提升显著提升", "0起0起"): two cells. A template's "……" is a cell of its own. Under a
split target (指标值 | 度量单位) units are cells, except an actual's after the target's pair
("1 个 4 个"). In spaced text a space before a comma, a full stop or a closing mark (or
after an opening one) sits inside a cell ("宣传 ，确保"), and a goal's 预期目标 and 实际完成情况
are cut only at the one space that can part them. Rows are rebuilt by stream.py; a row whose cells a wrap or a number in its
name made too many is placed from its 得分 leftwards (anchor.py).

OCR and text-layer damage read by what cells are: a short category word ("成本", "时效",
"经济效益") that opens a row (after the last row's 得分 or a level-1 name) is its level cell,
while the table has not named that category; category names OCR scrambled before it
("益标效指意指斥满度打") are no cell; a template's dotted fill line parts a goal's two texts;
one-character values ("高高", "是是") and periods ("1年1年1年") written twice are cells; a
quantity whose unit a number run does not hold ("8550万粒") is one value; under a header with
分值 after the name one digit is a cell before a doubled value or at a word's end. Labels a
text layer printed out of order are put back where their row begins: a funding row's label
before its header or after the rows below it, a level cell printed inside the header. A label
a converter wrote with a space between every character ("绩 效 指 标") is one label; a funding
row's label glued to a field's value ("…县级配套资金") ends the value. Two field labels joined
by a slash take the two parts of a value written with one slash, in order.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from reviewer.extract.textgrid import align
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.source import Piece, Source

GOAL_SECTIONS = frozenset({"年度总体目标", "总体目标", "年度总体绩效目标"})


def header_mode(kinds: list[str]) -> str:
    """What a header heads: the funding table, the goal, the indicator table, another table."""
    found = set(kinds)
    if found & {"initial_budget", "annual_budget", "executed", "rate"}:
        return "funding"
    if found & {"planned", "achieved"}:
        return "goal"
    if found & {"level1", "level2", "name", "target", "actual", "nature", "comparator", "unit"}:
        return "indicators"
    return "table"


_PAGE_MARK = re.compile(r"^\s*(\d{1,3})\s*、")
_SPACED_EVERY = 25  # one space or more per this many characters: cells are parted by spaces
# A label's bracketed notes ("(A)", "(20分*执行率)"); a note of letters whose ")" OCR read as
# "1" or "l" ("执行率(B/A1得分") is one too.
_NOTES = r"(?:\s*(?:[（(][^（()）\n]{0,14}[)）]|[（(][A-Za-z/]{1,4}[1lI](?=[\u4e00-\u9fff])))*"


_SHORTEST_IN_TEXT_FIELD = 2  # characters; a longer header label is searched inside running text


@cue.depends_on_vocabulary
@lru_cache(maxsize=1)
def _label_patterns() -> tuple[re.Pattern, dict[str, str]]:
    """One regex for every label and in-text level name, longest first; and label → what it is."""
    c = cue.cues()
    kinds: dict[str, str] = {}
    for label in c.columns:
        kinds.setdefault(label, "column")
    for label in c.header_fields:
        # A header label of two characters (部门) is an ordinary word of prose (多部门数据共享):
        # a label only as a cell of its own, never found inside running text.
        if len(label) > _SHORTEST_IN_TEXT_FIELD:
            kinds[label] = "field"
    for label in c.funding:
        kinds[label] = "funding"
    for label in c.total:
        kinds[label] = "total"
    for label in c.sections:
        kinds[label] = "section"
    for label in c.levels_in_text:
        kinds.setdefault(cue.squash(label), "level")
    alternatives = []
    for label in sorted(kinds, key=len, reverse=True):
        # a converter may break a label anywhere ("年度 总体 目标", "绩 效 指 标"): one space between characters
        body = " ?".join(_char_class(ch) for ch in label)
        alternatives.append(body)
    pattern = re.compile(r"(?:其中[:：]?\s*)?(?:" + "|".join(alternatives) + ")" + _NOTES + r"\s*[:：]?")
    return pattern, kinds


def _char_class(ch: str) -> str:
    return {"(": "[(（]", ")": "[)）]", ":": "[:：]"}.get(ch, re.escape(ch))


class _Virtual:
    """The region's text with page markers removed and lines joined, mapped to source offsets."""

    def __init__(self, src: Source, first: int, last: int):
        chars: list[str] = []
        self.offsets: list[int] = []
        page = 1
        for n in range(first, last + 1):
            start, end = src.line_span(n)
            line = src.text[start:end]
            if not line.strip():
                continue
            m = _PAGE_MARK.match(line)
            joined = False
            if m and int(m.group(1)) == page:
                page += 1
                joined = page > 2  # a page of a document site: the text runs on from the last page
                start += m.end()
                line = src.text[start:end]
            if chars and not joined:
                chars.append(" ")
                self.offsets.append(start)
            chars.extend(line)
            self.offsets.extend(range(start, end))
        self.text = "".join(chars)
        self.src = src
        # Cells parted by spaces (an xls or pdf conversion) or by nothing at all (a document site).
        self.spaced = len(re.findall(r"\s+", self.text)) * _SPACED_EVERY >= len(self.text) and not _run_together(self.text)

    def piece(self, a: int, b: int, fused: bool = False, loose: bool = False) -> Piece:
        raw = self.text[a:b]
        left = len(raw) - len(raw.lstrip())
        right = len(raw.rstrip())
        if right <= left:
            off = self.offsets[a] if a < len(self.offsets) else (self.offsets[-1] if self.offsets else 0)
            return Piece("", off, off)
        a, b = a + left, a + right
        return Piece(self.text[a:b], self.offsets[a], self.offsets[b - 1] + 1, fused, loose)


_NUMBER_RUN = re.compile(r"(?<=(.))\d[\d.,]*%?(?=(.))")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")


def _run_together(text: str) -> bool:
    """Whether the text's cells run together though it has spaces: most numbers touch words on
    both sides ("到位率100%100%库存"), so its spaces are where a converter wrapped lines ("成 品粮")."""
    runs = list(_NUMBER_RUN.finditer(text))
    touching = sum(1 for m in runs if _CJK_CHAR.match(m.group(1)) or _CJK_CHAR.match(m.group(2)))
    return len(runs) >= 4 and touching * 2 > len(runs)


@cue.depends_on_vocabulary
@lru_cache(maxsize=4096)
def count_labels(text: str) -> tuple[int, int]:
    """(labels, header runs) in a line: how table-like a long line is."""
    pattern, kinds = _label_patterns()
    found = [(m, kinds.get(_label_of(m.group(0)), "column")) for m in pattern.finditer(text)]
    runs = len(_column_runs(text, found))
    return len(found), runs


def _label_of(matched: str) -> str:
    return cue.label_key(matched).removeprefix("其中:")


def _column_runs(text: str, found) -> list[list[int]]:
    """Indexes into `found` of runs of adjacent column labels that make a header (align.is_header,
    or two labels right after a section label: a header cut short)."""
    runs, current = [], []
    seen: set[str] = set()
    previous = ""
    for k, (m, kind) in enumerate(found):
        adjacent = current and not text[found[current[-1]][0].end() : m.start()].strip()
        if kind == "level" and adjacent and _header_goes_on(text, found, k):
            current.append(k)  # the first row's level cell printed inside the header (see flat_tokens)
            continue
        if kind == "column":
            column = category_column(cue.column_kind(m.group(0)) or "", previous if adjacent else "")
            previous = column
            if adjacent and not starts_header(column, seen):
                current.append(k)
                seen.add(column)
            else:
                runs.append(current)
                current, seen = [k], {column}
        else:
            runs.append(current)
            current, seen = [], set()
    runs.append(current)

    def labels(r: list[int]) -> list[str]:
        return [found[k][0].group(0) for k in r if found[k][1] == "column"]
    return [r for r in runs if len(labels(r)) >= 2 and (
        align.is_header(labels(r)) or _after_section(text, found, r[0])
        or align.is_amount_header(labels(r)))]


def _header_goes_on(text: str, found, k: int) -> bool:
    """A level name between two column labels, nothing else between them ("一级指标 二级指标
    数量指标 三级指标 年度目标指标值"): a PDF or xlsx text layer printed the first row's
    level cell before the rest of the header; the header goes on after it."""
    if k + 1 >= len(found) or found[k + 1][1] != "column":
        return False
    return not text[found[k][0].end() : found[k + 1][0].start()].strip()


def category_column(column: str, previous: str) -> str:
    """A 分值 label right after a level label in a header run heads that category's points
    (一级指标 | 分值 | 二级指标 | 分值 …, grid.category_points), not a second 分值 column."""
    return align.LEVEL_POINTS if column == "weight" and previous in cue.LEVELS else column


def starts_header(column: str, seen: set[str]) -> bool:
    """A label that begins another header: a column the run already has (the funding header's
    得分 then the indicator header's), 一级指标, or any label after 预期目标 / 实际完成情况."""
    repeated = column in seen and column not in ("text", "other", "", align.LEVEL_POINTS)  # several prose columns are common
    if repeated and column in align.SUB_LABELS and "target" in seen:
        repeated = False  # 年度指标值 over 指标性质 | 指标值 | 度量单位: one split target
    return repeated or column == "level1" or bool(seen & {"planned", "achieved"}) and column not in (
        "planned", "achieved")


def _after_section(text: str, found, k: int) -> bool:
    if k == 0 or found[k - 1][1] != "section":
        return False
    return not text[found[k - 1][0].end() : found[k][0].start()].strip()


def flat_tokens(src: Source, first: int, last: int) -> list[Piece]:
    """Cells of flattened text: labels cut it; numbers and text in table rows are split apart."""
    v = _Virtual(src, first, last)
    text = v.text
    pattern, kinds = _label_patterns()
    found = [(m, kinds.get(_label_of(m.group(0)), "column")) for m in pattern.finditer(text)]
    in_run = {k for run in _column_runs(text, found) for k in run}
    run_starts = {run[0] for run in _column_runs(text, found)}
    tokens: list[Piece] = []
    mode = "preamble"
    header: list[str] = []  # the column kinds of the header in force
    levels = _LevelsSeen()
    funding_headers: list[tuple[int, int]] = []  # [start, end) of each funding header's labels in tokens
    at = 0
    k = 0
    while k < len(found):
        m, kind = found[k]
        boundary = k in in_run or _is_boundary(text, found, k, kind, mode, run_starts, v.spaced)
        if not boundary:
            k += 1
            continue
        tokens += _content(v, at, m.start(), mode, header, levels)
        levels.label(m.group(0))
        if k in in_run:
            run = next(r for r in _column_runs(text, found) if k in r)
            labels = [v.piece(found[j][0].start(), found[j][0].end()) for j in run if found[j][1] == "column"]
            early = [v.piece(found[j][0].start(), found[j][0].end()) for j in run if found[j][1] != "column"]
            tokens += labels
            for p in early:
                levels.label(p.text)
            header = align.header_kinds([p.text for p in labels])
            mode = header_mode(header)
            if mode == "funding":
                funding_headers.append((len(tokens) - len(labels), len(tokens)))
            tokens += early  # a level cell printed inside the header opens the first row
            at = found[run[-1]][0].end()
            k = run[-1] + 1
            continue
        tokens.append(v.piece(m.start(), m.end()))
        if kind == "field":
            mode = "field"
        elif kind == "section" and _label_of(m.group(0)) in GOAL_SECTIONS:
            mode = "goal"
        elif kind == "funding":
            mode = "funding"
        elif kind == "total":
            mode = "total"  # the table ends: labels after it start rows again
        at = m.end()
        k += 1
    tokens += _content(v, at, len(text), mode, header, levels)
    for start, end in reversed(funding_headers):
        tokens = _row_label_after_header(tokens, start, end)
    return _paired_fields([t for t in tokens if not t.empty or t.fused], kinds)


def _paired_fields(tokens: list[Piece], kinds: dict[str, str]) -> list[Piece]:
    """Two field labels joined by a slash and one value with one slash ("项目实施单位/项目负责人
    原州区农技中心/杨勃兴"): the form pairs them, each part the value of its label, in order."""
    def field(p: Piece) -> bool:
        return kinds.get(_label_of(p.text)) == "field"
    out: list[Piece] = []
    k = 0
    while k < len(tokens):
        if (k + 3 < len(tokens) and field(tokens[k]) and tokens[k + 1].text in ("/", "／") and field(tokens[k + 2])
                and re.fullmatch(r"[^/／\s]+[/／][^/／\s]+", tokens[k + 3].text)):
            value = tokens[k + 3]
            cut = value.start + len(re.split(r"[/／]", value.text)[0])
            out += [tokens[k], Piece(value.text[: cut - value.start], value.start, cut), tokens[k + 2],
                    Piece(value.text[cut - value.start + 1 :], cut + 1, value.end)]
            k += 4
            continue
        out.append(tokens[k])
        k += 1
    return out


_LABEL_REACH = 6  # tokens before a header where its row's label may have been printed
_FOLLOWING_REACH = 24  # tokens after the first row where a merged label printed after the rows may be


def _row_label_after_header(tokens: list[Piece], start: int, end: int) -> list[Piece]:
    """A PDF text layer may print a funding row's label before the header ("年度财政资金总额
    项目实施单位 … 预算数(A) 执行数(B) … 285.84 285.84 100% 20"): numbers right after the
    header with no label of their own, and a row label shortly before it (or after the rows
    that follow, a merged cell's label) with no numbers after it, are one row; the label is
    moved to where the row begins."""
    if end >= len(tokens) or not _value_like(tokens[end]):
        return tokens
    for k in range(start - 1, max(start - 1 - _LABEL_REACH, -1), -1):
        if cue.row_label(tokens[k].text) == "funding":
            if k + 1 < len(tokens) and _value_like(tokens[k + 1]):
                return tokens  # it has numbers of its own
            return tokens[:k] + tokens[k + 1 : end] + [tokens[k]] + tokens[end:]
    # or after the rows below it: a merged cell's label printed after them ("… 其他资金 1591.22
    # 1551.84 年度资金总额 资金投入情况"), the numbers right after the header being its row's
    after = end
    while after < len(tokens) and _value_like(tokens[after]):
        after += 1
    if after >= len(tokens) or cue.row_label(tokens[after].text) != "funding":
        return tokens  # the numbers are not a row cut short by the next row's label
    for k in range(after + 1, min(after + 1 + _FOLLOWING_REACH, len(tokens))):
        if cue.row_label(tokens[k].text) == "funding" and not (k + 1 < len(tokens) and _value_like(tokens[k + 1])):
            return tokens[:end] + [tokens[k]] + tokens[end:k] + tokens[k + 1 :]
        if cue.column_kind(tokens[k].text) or cue.row_label(tokens[k].text) in ("section", "total"):
            break
    return tokens


def _value_like(piece: Piece) -> bool:
    return piece.fused or cue.is_number(piece.text) or cue.is_percent(piece.text)


def _is_boundary(text: str, found, k: int, kind: str, mode: str, run_starts: set[int], spaced: bool = False) -> bool:
    m = found[k][0]
    if spaced and _letter_spaced(m.group(0)):
        return True  # "绩 效 指 标": a converter parted every character; no cell's words are written so
    if spaced and kind == "funding" and mode == "field" and m.start() > 0 and _CJK.match(text[m.start() - 1]):
        return False  # "项目名称 …县级配套资金": a row label glued to a field's words ends its value, opens no row
    if kind == "field":  # under an indicator header, a field label is words of a cell ("…改进措施：…")
        return mode != "indicators"
    if kind == "funding":  # inside a goal or an indicator row, 本年 / 财政资金 are words of a cell
        return mode not in ("goal", "indicators")
    if kind == "total":
        return mode in ("funding", "indicators")
    if kind == "level":
        return mode == "indicators"
    if kind == "section":
        label = _label_of(m.group(0))
        if len(label) >= 5 or "(" in cue.squash(m.group(0)):
            return True
        return k + 1 in run_starts and not text[m.end() : found[k + 1][0].start()].strip()
    return False


def _letter_spaced(matched: str) -> bool:
    """A label of three characters or more written with a space between every two ("绩 效 指 标")."""
    chars = re.sub(r"[\s:：]+$", "", matched).split(" ")
    return len(chars) >= 3 and all(len(c) == 1 for c in chars)


_WRAPPED_WORD = r"\S+(?:\s(?=[\u3400-\u9fff])(?<=[\u3400-\u9fff\s])\S+)*"
_UNIT_END = r"(?:%|％|万元|万|元)"
# Numbers written one after another, parted only by a unit or percent sign: "10万10万100%20".
# (Written without nested repetition: a long digit run must not backtrack.)
_NUMRUN = re.compile(rf"\d[\d.,]*(?:{_UNIT_END}\d[\d.,]*)*{_UNIT_END}?")
_CHUNK = re.compile(r"\d[\d.,]*(?:%|％|万元|万|元)?")
_CJK = re.compile(r"[\u3400-\u9fff]")
_PUNCT = "。，,;；:：、）)"


def _content(v: _Virtual, a: int, b: int, mode: str, header: list[str] | tuple = (),
             levels: "_LevelsSeen | None" = None) -> list[Piece]:
    """The text between two labels as cells: one cell, or in table rows split at spaces and,
    where nothing parts the cells, where a number meets text."""
    units = "unit" in header  # the header has a unit column (度量单位): units are cells of their own
    if a >= b:
        return []
    if mode == "goal":  # planned and achieved, when one space parts them and no other can
        fill = _fill_line(v.text, a, b)
        if fill is not None:  # a template's dotted fill line parts them, and is neither
            return [v.piece(a, fill[0]), v.piece(fill[1], b)]
        cut = _goal_cut(v.text, a, b) if v.spaced else _single_gap(v.text, a, b)
        if cut is not None:
            return [v.piece(a, cut), v.piece(cut, b)]
        return [v.piece(a, b)]
    if mode not in ("funding", "indicators", "total"):
        return [v.piece(a, b)]
    pieces: list[Piece] = []
    words = r"\S+" if v.spaced else _WRAPPED_WORD  # text run together: a space between characters is a wrap
    for x, y in (_spaced_words(v.text, a, b) if v.spaced else
                 ((a + m.start(), a + m.end()) for m in re.finditer(words, v.text[a:b]))):
        if v.spaced:
            pieces.append(_spaced_piece(v, x, y))
            continue
        for x, y, what in _row_start_levels(v.text, x, y, a, levels if mode == "indicators" else None):
            if what != "text":
                pieces += [v.piece(x, y)] if what == "level" else []
                continue
            for x, y in _cell_breaks(v.text, x, y):
                for p in _split_numbers(v, x, y, mode == "indicators" and _weight_before_value(header)):
                    pieces += _repeated_cells(v, p) if mode == "indicators" else [p]
    if mode == "indicators" and not v.spaced:
        if _weight_before_value(header):
            pieces = _weight_fused_with_value(pieces)
        pieces = _doubled_values_loose(pieces)
    if not v.spaced:
        return pieces
    return _join_actual_units(pieces) if units else join_units(pieces)


# A space next to these sits inside a cell: no cell begins with a comma or a closing mark, none
# ends with an opening one ("宣传 ，确保", "顺利开展 。", "（ 含"). "%" is not here: under a
# split target it is a 度量单位 cell of its own.
GLUED_AFTER_SPACE = frozenset("，。、；：？！）」』”’》,;:?!)")
GLUED_BEFORE_SPACE = frozenset("（「『“‘《(")
_SENTENCE_END = frozenset("。！？!?；;")


def _spaced_words(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The words of spaced text between a and b, a word that a space parts from punctuation
    of its own cell joined back to it."""
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"\S+", text[a:b]):
        x, y = a + m.start(), a + m.end()
        if spans and (text[x] in GLUED_AFTER_SPACE or text[spans[-1][1] - 1] in GLUED_BEFORE_SPACE):
            spans[-1] = (spans[-1][0], y)
        else:
            spans.append((x, y))
    return spans


class _LevelsSeen:
    """The level-2 categories a flattened indicator table has named so far, and whether the
    last label was a level-1 name (its row's level-2 cell comes next)."""

    def __init__(self):
        self.seen: set[str] = set()
        self.after_level1 = False

    def label(self, text: str) -> None:
        found = cue.level(text)
        self.after_level1 = found == "level1"
        if found in ("level2", "level12"):
            self.seen.add(cue.vocabulary().canonical_level(cue.squash(text), 2))


@cue.depends_on_vocabulary
@lru_cache(maxsize=1)
def _short_level2() -> tuple[str, ...]:
    """Level-2 spellings too short to search for in running text ("成本", "时效", "经济效益"),
    longest first."""
    c = cue.cues()
    return tuple(sorted(c.level2 - set(c.levels_in_text), key=lambda t: (-len(t), t)))


@cue.depends_on_vocabulary
@lru_cache(maxsize=1)
def _level_initials() -> frozenset[str]:
    return frozenset(w[0] for w in _short_level2())


def _row_start_levels(text: str, x: int, y: int, region_start: int, levels: "_LevelsSeen | None"):
    """The word [x, y) as spans (start, end, "text" / "level" / "noise"): a short level-2
    spelling that opens a row is a level cell of its own ("…专款专用10成本每年财政补助…":
    after the last row's 得分, right after a level-1 name, or after category names that OCR
    scrambled, which are noise). Only a category the table has not named yet: a
    name that starts with a category word ("成本控制") inside a group is the name's."""
    if levels is None:
        return [(x, y, "text")]
    out, at, k = [], x, x
    since = x  # where the text after the last number begins
    while k < y:
        after_number = k > x and (text[k - 1].isdigit() or text[k - 1] in "%％")
        if after_number:
            since = k
        word = next((w for w in _short_level2() if text.startswith(w, k)), None) if text[k] in _level_initials() else None
        if word and not ((k == region_start and levels.after_level1) or after_number
                         or k > since and _level_noise(text[since:k])):
            word = None  # a category word inside a name or a sentence
        canonical = cue.vocabulary().canonical_level(word, 2) if word else ""
        if word and k + len(word) < y and not text.startswith("指标", k + len(word)) and canonical not in levels.seen:
            noise = since if at <= since < k and _level_noise(text[since:k]) else k
            if noise > at:
                out.append((at, noise, "text"))
            if k > noise:  # category names scrambled by OCR before it are no cell (the source keeps them)
                out.append((noise, k, "noise"))
            out.append((k, k + len(word), "level"))
            levels.seen.add(canonical)
            at = k = k + len(word)
            continue
        k += 1
    if at < y:
        out.append((at, y, "text"))
    return out


@cue.depends_on_vocabulary
@lru_cache(maxsize=1)
def _level_characters() -> frozenset[str]:
    c = cue.cues()
    return frozenset("".join(c.level1 | c.level2))


def _level_noise(text: str) -> bool:
    """Text made of the characters of category names out of order, with a stray character or
    two ("益标效指意指斥满度打": 效益指标 and 满意度指标 read down a vertical cell by OCR):
    not words of the row; a category word after it opens the row."""
    t = re.sub(r"\s+", "", text)
    if len(t) < 4:
        return False
    known = sum(ch in _level_characters() for ch in t)
    return known * 4 >= len(t) * 3 and not any(t.startswith(w) or w in t for w in cue.cues().levels_in_text)


# A template's fill line, dots or underscores written where a text was to go (".. ......").
_FILL_RUN = re.compile(r"[.．_…·]{6,}")
_FILL_CHUNK_BEFORE = re.compile(r"[.．_…·]{2,}\s+$")


def _fill_line(text: str, a: int, b: int) -> tuple[int, int] | None:
    """The one fill line between two texts of a goal (dots or underscores written where a text
    was to go, ".. ......"), or None (none, several, or at an end: a text's own "……" stays)."""
    found = list(_FILL_RUN.finditer(text, a, b))
    if len(found) != 1:
        return None
    x, y = found[0].span()
    while (m := _FILL_CHUNK_BEFORE.search(text, max(a, x - 40), x)) is not None and m.end() == x:
        x = m.start()  # short chunks of the same line before it (".. ......")
    return (x, y) if text[a:x].strip() and text[y:b].strip() else None


def _goal_cut(text: str, a: int, b: int) -> int | None:
    """Where 预期目标 ends and 实际完成情况 begins in a goal written 'planned actual': the one
    space after a sentence's end, or else the one space that no punctuation glues into a
    cell; None when there is no such single space (the texts have spaces of their own)."""
    words = _spaced_words(text, a, b)
    gaps = [(words[k][1], words[k + 1][0]) for k in range(len(words) - 1)]
    after_sentence = [end for end, start in gaps if text[end - 1] in _SENTENCE_END]
    if len(after_sentence) == 1:
        return after_sentence[0]
    if not after_sentence and len(gaps) == 1:
        return gaps[0][0]
    return None


def _single_gap(text: str, a: int, b: int) -> int | None:
    """In text run together, a goal's two texts only where one space is all there is."""
    words = list(re.finditer(r"\S+", text[a:b]))
    return a + words[0].end() if len(words) == 2 else None


def _join_actual_units(pieces: list[Piece]) -> list[Piece]:
    """Under a split target (指标值 | 度量单位) the unit after the target's value is a cell of its
    own; a number and unit right after that pair ("1 个 4 个") are the 实际完成值 "4 个", one
    cell the space sat inside."""
    out: list[Piece] = []
    for p in pieces:
        if (len(out) >= 3 and cue.is_unit(p.text) and p.text != "%" and cue.is_number(out[-1].text)
                and cue.is_unit(out[-2].text) and cue.is_number(out[-3].text)):
            prev = out[-1]
            out[-1] = Piece(prev.text + " " + p.text, prev.start, p.end)
            continue
        out.append(p)
    return out


def _doubled_values_loose(pieces: list[Piece]) -> list[Piece]:
    """A value with a number written twice, touching ("0起0起"): two cells cut from text with no
    separators, like the numbers split off a name (so the row's end can be found after them)."""
    out = list(pieces)
    for k in range(len(out) - 1):
        p, q = out[k], out[k + 1]
        if p.text == q.text and p.end == q.start and cue.has_digit(p.text) and not p.fused and len(p.text) <= 12:
            out[k] = Piece(p.text, p.start, p.end, loose=True)
            out[k + 1] = Piece(q.text, q.start, q.end, loose=True)
    return out


def _weight_before_value(header) -> bool:
    """分值 written just before 年度指标值 (…三级指标 | 分值 | 年度指标值 …)."""
    kinds = list(header)
    return "weight" in kinds and kinds.index("weight") + 1 < len(kinds) and kinds[kinds.index("weight") + 1] in (
        "target", "actual")


def _weight_fused_with_value(pieces: list[Piece]) -> list[Piece]:
    """With no separators and 分值 before 年度指标值, the number after a row's name is its 分值
    only where the target after it starts with something else (a comparator, words:
    "标尺10≥266米", "状况10显著提升"). Where the next cell is another number touching it
    ("验收合格率20100%100%20", "总投资1020万元20万元10") the target was a number too and the
    two are written together: where 分值 ends is not written, so the piece is fused (both
    cells left empty, with a note), never split by guess."""
    out = list(pieces)
    for k in range(1, len(out) - 1):
        p, before, after = out[k], out[k - 1], out[k + 1]
        if not p.loose or p.fused or not after.loose or after.start != p.end or not after.text[:1].isdigit():
            continue
        if before.loose or cue.has_digit(before.text[-1:]) or before.end != p.start:
            continue  # only the first number after a name: the 分值 slot
        out[k] = Piece(p.text, p.start, p.end, fused=True, loose=True)
    return out


# Words ending in the same value written twice: "成本控制不超过预算不超过预算", "显著提升显著提升".
_TWICE = re.compile(r"^(.*?)([^\d\s]{2,12})\2$")


# A whole piece that is one value written twice ("工5%工5%": a target met, its comparator OCR'd):
# the value holds a digit and a sign or a word (digits alone, "8585", are one number or fused).
_VALUE_TWICE = re.compile(r"^(?=\S*\d)(?=\S*[^\d.,\s])(\S{2,12})\1$")
_CHAR_TWICE = re.compile(r"^((?:.*[\u3400-\u9fff]{2})?)([\u3400-\u9fff])\2$")


def _once_char_twice(text: str) -> re.Match | None:
    """A one-character value written twice, after a name ("…维护及安全性高高") or alone ("是是"):
    only the vocabulary's one-character values ("高", "是"), since a name may end in a doubled word."""
    m = _CHAR_TWICE.match(text)
    return m if m and m.group(2) in cue.vocabulary().values.one_character_values else None


def _repeated_cells(v: _Virtual, piece: Piece) -> list[Piece]:
    """In text with no separators, a target met is written twice (年度指标值 = 实际完成值): a
    piece ending in the same words twice is those two cells, after what comes before them."""
    if piece.fused or piece.loose or "\n" in piece.text:
        return [piece]
    m = _TWICE.match(piece.text) or _once_char_twice(piece.text)
    if m is None and _VALUE_TWICE.match(piece.text):
        m = re.match(r"^()(.+)\2$", piece.text)
    at = _virtual_index(v, piece)
    if m is None or at is None:
        return [piece]
    # (cut on the joined text: a page marker between the copies is not in it)
    head, w = len(m.group(1)), len(m.group(2))
    first = [v.piece(at, at + head)] if head else []
    return first + [v.piece(at + head, at + head + w), v.piece(at + head + w, at + len(piece.text))]


def _virtual_index(v: _Virtual, piece: Piece) -> int | None:
    """Where a piece cut from the joined text begins in it (None when it is not there as is)."""
    at = bisect.bisect_left(v.offsets, piece.start)
    while at < len(v.text) and v.text[at].isspace():
        at += 1
    return at if v.text.startswith(piece.text, at) else None


def _spaced_piece(v: _Virtual, a: int, b: int) -> Piece:
    word = v.text[a:b]
    fused = any(c.count(".") > 1 for c in _CHUNK.findall(word)) and bool(_NUMRUN.fullmatch(word))
    return v.piece(a, b, fused=fused)


def join_units(pieces: list[Piece]) -> list[Piece]:
    """"1 个": a number and its unit parted by the space that the cell held."""
    out: list[Piece] = []
    for p in pieces:
        if out and cue.is_unit(p.text) and p.text != "%" and re.search(r"\d$", out[-1].text) and cue.looks_quantity(out[-1].text):
            prev = out[-1]
            out[-1] = Piece(prev.text + " " + p.text, prev.start, p.end)
            continue
        out.append(p)
    return out


# Where one cell ends and the next begins in text with no separators: before a comparator that
# starts a value ("…标尺10≥266米"), and after a unit that ends one when a number follows
# ("≥266米10", "100%20"); dates ("2021年12月") are one value.
_COMPARATOR_START = re.compile(r"(?<=[\d\u3400-\u9fff%％)）])(?=[≥≤≧≦＞＜>＝=]\d)")
@cue.depends_on_vocabulary
@lru_cache(maxsize=1)
def _unit_then_number() -> re.Pattern:
    """After a unit's last character, where a number follows: the vocabulary's units, not time
    units (a date "2021年12月" is one value)."""
    values = cue.vocabulary().values
    time_chars = set("".join(values.time_units))
    ends = sorted({u[-1] for u in values.units + values.unit_cells if u and not u[-1].isascii()} - time_chars)
    return re.compile(r"(?<=[%％" + "".join(map(re.escape, ends)) + r"])(?=\d)")


# A template's placeholder ("……", "..."): a cell of its own, whatever it touches.
_ELLIPSIS = re.compile(r"…+|\.{3,}")


def _cell_breaks(text: str, a: int, b: int) -> list[tuple[int, int]]:
    cuts = ({m.start() for m in _COMPARATOR_START.finditer(text, a, b)}
            | {m.start() for m in _unit_then_number().finditer(text, a, b)})
    for m in _ELLIPSIS.finditer(text, a, b):
        cuts |= {m.start(), m.end()}
    cuts |= _doubled_quantities(text, a, b, cuts)
    cuts |= _repeated_periods(text, a, b)
    bounds = [a] + sorted(c for c in cuts if a < c < b) + [b]
    return list(zip(bounds, bounds[1:]))


@cue.depends_on_vocabulary
@lru_cache(maxsize=1)
def _period_run() -> re.Pattern:
    """The same period written two or three times running ("1年1年1年"): a time unit is no cell
    boundary on its own (a date "2021年12月" is one value), but copies of one period are cells."""
    units = sorted(cue.vocabulary().values.time_units, key=len, reverse=True)
    return re.compile(r"(?<![\d.])(\d+(?:\.\d+)?(?:" + "|".join(map(re.escape, units)) + r"))(?:\1){1,2}")


def _repeated_periods(text: str, a: int, b: int) -> set[int]:
    found: set[int] = set()
    for m in _period_run().finditer(text, a, b):
        w = len(m.group(1))
        found |= set(range(m.start(), m.end() + 1, w))
    return found


_COMPARATOR_CHARS = "≥≤≧≦＞＜>＝="


def _doubled_quantities(text: str, a: int, b: int, cuts: set[int]) -> set[int]:
    """A target met is written twice (年度指标值 = 实际完成值): where a cut after a unit
    ("发生数0起|0起") has the same value with its unit on both sides, the first copy is a cell
    of its own too, not the end of the name before it."""
    found: set[int] = set()
    for c in cuts:
        for unit_len in (1, 2, 3):
            n0 = c - unit_len
            if n0 <= a or any(ch.isdigit() for ch in text[n0:c]):
                break
            while n0 > a and (text[n0 - 1].isdigit() or text[n0 - 1] == "."):
                n0 -= 1
            if n0 == c - unit_len:
                continue  # no number before the unit
            if n0 > a and text[n0 - 1] in _COMPARATOR_CHARS:
                n0 -= 1
            q = text[n0:c]
            if n0 > a and text.startswith(q, c) and c + len(q) <= b:
                found.add(n0)
                if c + len(q) < b and not text[c + len(q)].isdigit():
                    found.add(c + len(q))  # and the second copy ends before the next name
                break
    return found


def _split_numbers(v: _Virtual, a: int, b: int, weight_first: bool = False) -> list[Piece]:
    word = v.text[a:b]
    out: list[Piece] = []
    at = 0
    for m in _NUMRUN.finditer(word):
        run = m.group(0)
        before, after = word[at : m.start()], word[m.end() :]
        fused = any(c.count(".") > 1 for c in _CHUNK.findall(run))
        standalone = m.start() == 0 and m.end() == len(word)
        if _quantity_ends_word(before, run, after):
            # the word's last cell is a quantity with its unit ("原原种8550万粒", cut before "550万粒")
            if m.start() > at:
                out.append(v.piece(a + at, a + m.start()))
            out.append(v.piece(a + m.start(), b, loose=True))
            return out
        if not standalone and not fused and not _splits(_squashed(before), after, run, at == m.start(), weight_first):
            continue
        if m.start() > at:
            out.append(v.piece(a + at, a + m.start()))
        for c in _CHUNK.finditer(run):
            chunk = c.group(0)
            out.append(v.piece(a + m.start() + c.start(), a + m.start() + c.end(), fused=_fused_chunk(chunk),
                               loose=True))
        at = m.end()
    if at < len(word):
        out.append(v.piece(a + at, b))
    return out


def _quantity_ends_word(before: str, run: str, after: str) -> bool:
    """A number and a unit of the vocabulary that end a word, alone or after words of a name:
    the unit is outside the money units a number run holds ("8550万粒", "3000公斤")."""
    return (bool(after) and cue.is_unit(after) and not any(c.count(".") > 1 for c in _CHUNK.findall(run))
            and len(_CHUNK.findall(run)) == 1 and (not before.strip() or len(_CJK.findall(_squashed(before)[-2:])) == 2))


_PERCENT_RUN = re.compile(r"^(\d{6,})[%％]$")


def _fused_chunk(chunk: str) -> bool:
    """Numbers written together that no reader can split: two decimal points ("310.2154.74"),
    or a percent of six digits or more with no point ("10001000100%": 预算数, 执行数 and 执行率
    run together; no rate or share is written so)."""
    return chunk.count(".") > 1 or bool(_PERCENT_RUN.match(chunk))


def _squashed(text: str) -> str:
    """Text without the spaces a converter's wrapping left in it."""
    return re.sub(r"\s+", "", text)


# A value written twice (target met, 年度指标值 = 全年实际值) opening the rest of a word: "是是8", "工5%工5%8".
_TWICE_AHEAD = re.compile(r"^(\S{1,12}?)\1")
# Words a single digit inside a name follows: a template's numbering ("指标1免费发放…"), an ordinal.
_NUMBERING_BEFORE = ("指标", "第", "目标", "其中")


def _splits(before: str, after: str, run: str, at_start: bool, weight_first: bool = False) -> bool:
    """Whether a number between text is a cell of its own: long enough, text on its sides
    that is words (not a unit or "以上" after it). Under a header that puts 分值 right after
    the name, one digit is a cell too where a value written twice follows it ("…不高于市场价8
    是是8": 分值 8, then target and actual) or where it ends the word (the row's 得分), except
    after a template's numbering ("指标1")."""
    single = len(run) < 2 and "." not in run and "%" not in run and not (at_start and not before)
    if single and not (weight_first and (len(before) >= 4 and _TWICE_AHEAD.match(after) or not after)
                       and not before.endswith(_NUMBERING_BEFORE)):
        return False  # "指标1工程": a digit inside a name
    ok_before = at_start and not before or len(_CJK.findall(before[-2:])) == 2 or (before and before[-1] in _PUNCT)
    if not after:
        return bool(ok_before) and bool(before)
    if after.startswith(cue.cues().qualifiers) or any(after.startswith(u) for u in cue.cues().units if u):
        return False
    return bool(ok_before) and (len(_CJK.findall(after[:2])) == 2 or weight_first and bool(_TWICE_AHEAD.match(after)))
