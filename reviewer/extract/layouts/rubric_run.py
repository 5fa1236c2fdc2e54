"""Layout 'rubric_run': a rubric (评分表 / 评价指标表) whose cells were run together with nothing
between them, as document sites print a .doc or .pdf table ("投入13预算配置13在职人员控制率5以100%
为标准。…扣完为止。在职人员控制率=…编制数。5“三公经费”变动率8…").

Such a run is legible by the rubric's own shape:
- its header is a run of column labels (一级指标 分值 二级指标 分值 三级指标 分值 评价标准 指标说明
  得分): how many level cells stand before an item's name, which prose columns follow it, whether
  a 得分 column ends the row;
- every label cell of a row is a short name directly followed by its points: a bare number where
  the header gives each level a 分值 column, "(3分)" where the label carries its points;
- so a row opens with one to (levels + 1) such (label, points) pairs (the first ones are level
  cells, merged cells print only on a category's first row), then its prose, then, under a 得分
  column, the number that ends the prose before the next row's pairs.
Numbers inside the prose never make a pair ("计5分", "100%", "扣0.5分", "2、", "2009年": a point,
a unit or a list mark follows them, or no label precedes them). Rubric prose is kept as the
row's criterion, never as a name, target or actual. Two prose columns are parted only where the
text marks it (a later 指标说明 starts at its formula, "…率=…"); otherwise both are left empty
with a warning. A row the text ends in, a score above its weight, a run of more label cells than
the header has levels: not read, and said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.domain.model import Form
from reviewer.domain.vocabulary import label_key, vocabulary
from reviewer.extract.assemble import assemble
from reviewer.extract.cleanup import clean
from reviewer.extract.raw import RawCell, RawForm, RawIndicatorRow, RawTable, RawWarning

NAME = "rubric_run"

_BLANK = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_BRACKET_POINTS = re.compile(r"[(（](\d+(?:\.\d+)?)分[)）]")
# What follows a number of the prose, never a weight: a unit, points, a list mark, punctuation.
_NOT_A_WEIGHT_AFTER = set("分%％.)）、,，;；:：/*×÷]】月日个次元万") | set("0123456789")
_WEIGHT_MAX = 100  # an item's or category's points: "2009年" is a year of the prose
# What a label cell (an item's or category's name) never holds.
_NOT_IN_LABEL = set("。，,；;：:、!！?？=＝≤≥<>＜＞%％×*÷/[]【】…—-·") | set("0123456789")
_LABEL_MAX = 30
_LABEL_THEN_POINTS = re.compile(r"分[^\d%s]{1,%d}\d" % (re.escape("".join(sorted(_NOT_IN_LABEL - set("0123456789")))) + r"\s", _LABEL_MAX))
_CUT_LABEL = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)([^\d]{1,%d})$" % 30)  # "…×100% 8" + "过": a score, then a cut row
_SCORE_AT_END = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)$")
_FORMULA = re.compile(r"(?<![≤≥<>])[=＝]")
_SENTENCE_END = "。；;"
_LEVELS = ("level1", "level2")


@dataclass
class _Header:
    start: int  # in the run-together text
    end: int
    levels: int  # level columns before the name
    bare_points: bool  # a 分值 column after each label cell: points written as a bare number
    scored: bool  # a 得分 column
    prose: list[str]  # criteria / description, in column order
    title: str


@dataclass
class _Pair:
    start: int
    end: int
    label: str
    points: str


class _Run:
    """The text with its blanks removed (a blank between two digits kept as one space), and
    where each of its characters stands in the text."""

    def __init__(self, text: str):
        chars, where = [], []
        for i, ch in enumerate(text):
            if ch.isspace():
                if chars and chars[-1].isdigit() and i + 1 < len(text) and _next_digit(text, i):
                    if chars[-1] != " ":
                        chars.append(" ")
                        where.append(i)
                continue
            chars.append(ch)
            where.append(i)
        self.text = "".join(chars)
        self.source = text
        self.where = where

    def line(self, start: int, end: int) -> str:
        first = self.source.count("\n", 0, self.where[start]) + 1 if start < len(self.where) else 0
        last = self.source.count("\n", 0, self.where[max(start, end - 1)]) + 1 if end - 1 < len(self.where) else first
        return f"line {first}" if first == last else f"lines {first}-{last}"


def _next_digit(text: str, i: int) -> bool:
    j = i
    while j < len(text) and text[j].isspace():
        j += 1
    return j < len(text) and text[j].isdigit()


# ---------------------------------------------------------------- detection


_LEVEL_LABEL = re.compile(r"[一二]\s*[级級]\s*指")
_WINDOW = 400  # characters around a level label: a header run is shorter
_LOOKS = 20  # level labels looked at, at most: a claim is made near the top of a rubric


def detect(text: str) -> bool:
    """Whether a rubric header is written as one run of labels: looked for only near the level
    labels the text writes, so that a long text of other forms costs a few short windows."""
    for k, m in enumerate(_LEVEL_LABEL.finditer(text)):
        if k >= _LOOKS:
            break
        window = text[max(0, m.start() - _WINDOW // 4):m.start() + _WINDOW]
        if _headers(_Run(clean(window).text)):
            return True
    return False


def _labels() -> list[tuple[str, str]]:
    """(label key, field) of every indicator-column label, longest first."""
    vocab = vocabulary()
    pairs = {label_key(label): name for name, labels in vocab.indicator_columns.labels.items() for label in labels}
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


def _headers(run: _Run) -> list[_Header]:
    """The rubric headers written as one run of column labels, with no delimiter between them."""
    labels = _labels()
    text = run.text
    found: list[_Header] = []
    for m in re.finditer(r"[一二]级指标", text):
        if found and m.start() < found[-1].end:
            continue
        start = _run_start(text, m.start(), labels)
        fields, end = _label_run(text, start, labels)
        header = _rubric_header(fields, start, end, run)
        if header is not None:
            found.append(header)
    return found


def _label_run(text: str, at: int, labels: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """(label key, field) of the labels written one after another from `at`, and where they end."""
    fields = []
    while at < len(text):
        hit = next(((key, name) for key, name in labels if text.startswith(key, at)), None)
        if hit is None:
            bracket = re.match(r"[(（][^()（）]{1,6}[)）]", text[at:])  # "评价内容(标准)"
            if bracket and fields:
                at += bracket.end()
                continue
            break
        fields.append(hit)
        at += len(hit[0])
    return fields, at


def _run_start(text: str, at: int, labels: list[tuple[str, str]]) -> int:
    """Labels written just before the first level label belong to the header too (a header over
    two rows, flattened: 具体指标 评价内容(标准) 评分 above 一级指标 二级指标 三级指标)."""
    start = at
    moved = True
    while moved:
        moved = False
        for key, _ in labels:
            k = start - len(key)
            if k >= 0 and text.startswith(key, k):
                start, moved = k, True
                break
        else:
            bracket = re.search(r"[(（][^()（）]{1,6}[)）]$", text[max(0, start - 8):start])
            if bracket and start - len(bracket.group(0)) > 0:
                k = start - len(bracket.group(0))
                if any(text.startswith(key, k - len(key)) for key, _ in labels):
                    start, moved = k, True
    return start


def _rubric_header(fields: list[tuple[str, str]], start: int, end: int, run: _Run) -> _Header | None:
    names = [f for _, f in fields]
    if "name" not in names or not set(names) & set(_LEVELS) or set(names) & {"target", "actual"}:
        return None
    if len(fields) < 4 or _delimited(run, start, end):
        return None
    vocab = vocabulary()
    levels = sum(1 for f in names if f in _LEVELS)
    bare = any(names[k] == "weight" and k > 0 and names[k - 1] in _LEVELS for k in range(len(names)))
    prose: list[str] = []
    seen_name = False
    for key, field in fields:
        if field == "name":
            if seen_name:
                field = vocab.beside_name.exact(key) or ""
            seen_name = True
        if field in ("criteria", "description") and field not in prose:
            prose.append(field)
    if not (prose or bare or "score" in names):
        return None  # a template's target table run together, not a rubric
    before = run.text[max(0, start - 60):start]
    title = re.split(r"[。；;!！?？]", before)[-1]
    return _Header(start, end, levels, bare, "score" in names, prose, title)


def _delimited(run: _Run, start: int, end: int) -> bool:
    """Whether the header's labels stand in cells of their own (pipes, tabs): a grid's, not a run's."""
    written = run.source[run.where[start]:run.where[end - 1] + 1]
    return "|" in written or "｜" in written or "\t" in written


# ---------------------------------------------------------------- rows


def _pairs(body: str, bare: bool) -> list[_Pair]:
    """Every (label, points) the body writes: a label directly followed by its points."""
    found = []
    pattern = _NUMBER if bare else _BRACKET_POINTS
    for m in pattern.finditer(body):
        if bare:
            after = body[m.end():m.end() + 1]
            if after == "分" and _LABEL_THEN_POINTS.match(body, m.end()):
                pass  # "资金分配8分配办法3": the next label starts with 分
            elif after and after in _NOT_A_WEIGHT_AFTER or m.start() > 0 and body[m.start() - 1] in ".":
                continue
            if float(m.group(0)) > _WEIGHT_MAX:
                continue
            points = m.group(0)
        else:
            points = m.group(1)
        start = _label_start(body, m.start(), bare)
        label = body[start:m.start()]
        if 2 <= len(label) <= _LABEL_MAX and _balanced(label) and _opens_a_cell(body, start):
            end = m.end()
            found.append(_Pair(start, end, label + ("" if bare else m.group(0)), points))
    return found


def _label_start(body: str, at: int, bare: bool = False) -> int:
    """Where the label ending at `at` begins: after the prose's last punctuation or figure, and
    after the points of the cell before it ("(3分)", "0分")."""
    k = at
    while k > 0:
        ch = body[k - 1]
        if ch in _NOT_IN_LABEL or ch == " ":
            break
        if ch in ")）" and k >= 2 and body[k - 2] == "分":
            break
        if ch == "分" and k >= 2 and body[k - 2].isdigit() and not bare:
            break  # "没有:0分工作目标的明确度(3分)": the points of the prose before it
        k -= 1
    return k


def _opens_a_cell(body: str, start: int) -> bool:
    """A label cell starts the body, or follows a number, points, a sentence's end or a closing
    bracket or quote; after a comma, a colon or "、" it is the end of a clause of the prose
    ("…,未完成不得分9": the 9 is that row's 得分, not a weight)."""
    return start == 0 or body[start - 1] not in ",，:：、"


def _balanced(label: str) -> bool:
    depth = 0
    for ch in label:
        depth += ch in "(（"
        depth -= ch in ")）"
        if depth < 0:
            return False
    return depth == 0


def _groups(pairs: list[_Pair]) -> list[list[_Pair]]:
    """Pairs written one right after another: the label cells that open one row."""
    groups: list[list[_Pair]] = []
    for pair in pairs:
        if groups and groups[-1][-1].end == pair.start:
            groups[-1].append(pair)
        else:
            groups.append([pair])
    return groups


def _split_prose(prose: str, columns: list[str]) -> tuple[dict[str, str], str | None]:
    """The prose under its columns; a problem when two columns cannot be parted with confidence."""
    if not columns or not prose:
        return {}, None
    if len(columns) == 1:
        return {columns[0]: prose}, None
    if columns[:2] == ["criteria", "description"]:
        formula = _FORMULA.search(prose)
        cut = max((prose.rfind(ch, 0, formula.start()) for ch in _SENTENCE_END), default=-1) if formula else -1
        if cut > 0:
            return {"criteria": prose[:cut + 1], "description": prose[cut + 1:]}, None
    first, second = (_PROSE_NAMES[c] for c in columns[:2])
    return {}, f"where its {first} ends and its {second} begins is not marked: neither is read"


_PROSE_NAMES = {"criteria": "评分标准", "description": "指标说明"}


def _rows(run: _Run, header: _Header, stop: int, table: RawTable) -> None:
    body = run.text[header.end:stop]
    groups = _groups(_pairs(body, header.bare_points))
    fields = list(_LEVELS[:header.levels]) + ["name"]
    for k, group in enumerate(groups):
        end = groups[k + 1][0].start if k + 1 < len(groups) else len(body)
        where = run.line(header.end + group[0].start, header.end + end)
        names = " ".join(p.label for p in group)
        if len(group) > len(fields):
            table.notes.append(RawWarning("indicators", f"'{names}' ({where}): more label cells than the header has "
                                                        "levels: not read as a row"))
            continue
        prose = body[group[-1].end:end]
        score = None
        last = k + 1 == len(groups)
        if last:
            prose = prose.rstrip(".…·。 ")  # "中央专款分配合规……": the page's own ellipsis
        if header.scored:
            m = (_CUT_LABEL if last else _SCORE_AT_END).search(prose)
            if m and (not last or _label_like(m.group(2))):
                score, prose = m.group(1), prose[:m.start()]
                if last:
                    table.notes.append(RawWarning("indicators", f"the text ends inside the row after "
                                                                f"'{group[-1].label}' ('{m.group(2)}'): not read"))
                    last = False
        if last:
            table.truncated = True
            table.notes.append(RawWarning("indicators", f"the text ends inside the row '{names}' ({where}): its cells "
                                                        "are cut off and it is not read"))
            break
        row = RawIndicatorRow()
        for field, pair in zip(fields[len(fields) - len(group):], group):
            row.cells[field] = RawCell(pair.label, where)
        row.cells["weight"] = RawCell(group[-1].points, where)
        if score is not None:
            if float(score) > float(group[-1].points):
                row.notes.append(RawWarning("", f"the number '{score}' after its prose is above its 分值 "
                                                f"{group[-1].points}: not read as its 得分"))
            else:
                row.cells["score"] = RawCell(score, where)
        cells, problem = _split_prose(prose, header.prose)
        for field, text in cells.items():
            row.cells[field] = RawCell(text, where)
        if problem:
            row.notes.append(RawWarning("", problem))
        table.rows.append(row)


def _label_like(text: str) -> bool:
    return bool(text) and not any(ch in _NOT_IN_LABEL for ch in text)


def parse(text: str, path: str) -> list[Form]:
    run = _Run(clean(text).text)
    headers = _headers(run)
    forms: list[Form] = []
    for k, header in enumerate(headers):
        stop = headers[k + 1].start if k + 1 < len(headers) else len(run.text)
        table = RawTable(columns=_columns(header), rubric=True)
        table.notes.append(RawWarning("indicators", "a rubric whose cells are run together with no delimiter: rows read "
                                                    "by their label cells and points (" + run.line(header.start, header.end)
                                                    + " is its header)"))
        _rows(run, header, stop, table)
        if not table.rows:
            continue
        raw = RawForm(path=path, index=len(forms), layout=NAME, indicators=table)
        raw.kind = vocabulary().title_kind(header.title) or "department_overall"
        if vocabulary().is_title(header.title):
            raw.title = RawCell(header.title, run.line(header.start, header.start + 1))
        forms.append(assemble(raw))
    return forms


def _columns(header: _Header) -> dict[str, RawCell]:
    columns = {f: RawCell(f) for f in list(_LEVELS[:header.levels]) + ["name", "weight"] + header.prose}
    if header.scored:
        columns["score"] = RawCell("得分")
    return columns
