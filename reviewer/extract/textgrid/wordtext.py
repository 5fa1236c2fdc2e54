"""Tab rows that unquoted line breaks inside cells split, as Word writes a table as text.

Word's 另存为 纯文本 (Save As Plain Text) writes each cell's text followed by a tab and ends
each row with a line break; 表格转换成文本 (convert table to text, tabs) parts the cells by
tabs. Either way a cell of several paragraphs (or a manual line break) is written over
several lines with no quoting, so one row runs over lines whose tab counts are not the
header's:

    绩效指标	一级指标	二级指标	三级指标	年度
    指标值	实际
    完成值	分值	得分	…
    		时效指标	社会工作服务人-委托
    业务费发放及时率	100%	100%及时	10	10

The rows are rebuilt line by line: a line is the continuation of the row above when

- Save As (most lines end with a tab, the one after each row's last cell, and every line
  that does not is followed by one that can go on with its cell): the line above does not
  end with a tab, i.e. it ends inside a cell. That is exact.
- otherwise (no trailing tab): the two lines' tabs together are no more than the header's,
  at least one of them has a tab, no blank line parts them, and the line does not open a
  row: its first field is not empty (a merged cell continued from above, as Word writes
  it), not a row label, level name or column label (unless it completes the label the line
  above ends with: "年度" + "指标值"), and the line is no header.

The cell the break split is one cell again, its parts on lines of their own; nothing else
changes. Nothing is invented: a field is only ever joined with the one its line break cut.
The rebuilt rows are taken only where they leave fewer rows shorter than the widest line
and no fewer as wide as it (a fall-back to the lines as written otherwise), and the rule runs only
when a cheap test finds a header and a line with fewer tabs than it that could continue it.
"""

from __future__ import annotations

import re

from reviewer.extract.cleanup import CleanText
from reviewer.extract.textgrid import cues as cue
from reviewer.extract.textgrid.align import is_header
from reviewer.extract.textgrid.source import Piece, Source

__all__ = ["rejoined_lines", "rejoined_rows"]


def rejoined_rows(src: Source, rows: list[list[Piece]]) -> list[list[Piece]]:
    """`rows` (a tab block's non-blank lines, each its fields) with the rows unquoted in-cell
    line breaks split joined again; `rows` itself when none is found or joining helps no row."""
    if len(rows) < 3 or not _may_split([[p.text for p in r] for r in rows], max(len(r) for r in rows) - 1):
        return rows  # no line could go on with the one above: no split row (cheap test)
    headers = [k for k, r in enumerate(rows) if len(r) >= 3 and is_header([p.text for p in r])]
    if not headers:
        return rows
    trailing = _trailing_tabs(src, rows)
    tabs = max(len(r) for r in rows) - 1  # the widest line: a row no break split
    out: list[list[Piece]] = []
    joined = False
    for k, row in enumerate(rows):
        if out and _continues(src, out[-1], row, tabs, trailing):
            last = out[-1]
            out[-1] = last[:-1] + [src.piece(last[-1].start, row[0].end)] + row[1:]
            joined = True
        else:
            out.append(list(row))
    if not joined:
        return rows
    out = _spread_spanning_headers(src, out)
    if trailing:  # the tab after each row's last cell opens no cell
        out = [r[:-1] if len(r) > 1 and r[-1].empty and _ends_with_tab(src, r) else r for r in out]
        before = [r[:-1] if len(r) > 1 and r[-1].empty else r for r in rows]
    else:
        before = rows
    full = tabs + 1 - (1 if trailing else 0)
    if _full_rows(out, full) < _full_rows(before, full) or _short_rows(out, full) >= _short_rows(before, full):
        return rows  # no fewer rows cut short, or a row wider than the widest line: not split rows
    return out


def _spread_spanning_headers(src: Source, rows: list[list[Piece]]) -> list[list[Piece]]:
    """A two-row header whose upper label spans the labels below it ("年度指标值" over 指标性质 |
    指标值 | 度量单位): Word writes the merged cell once, so the upper row has fewer fields than
    the lower. The lower row holds the parts as a run of labels and an empty field under each
    cell merged down from above; the upper row is given an empty field after each spanning
    label for each part past the first, so its labels stand over their columns again. Only
    where the runs account for every missing field exactly."""
    out = list(rows)
    for k in range(len(out) - 1):
        upper, lower = out[k], out[k + 1]
        extra = len(lower) - len(upper)
        if extra <= 0 or not is_header([p.text for p in upper]) or not is_header([p.text for p in lower]):
            continue
        runs, a = [], 0
        while a < len(lower):
            b = a
            while b < len(lower) and not lower[b].empty:
                b += 1
            if b - a >= 2:
                runs.append((a, b))
            a = b + 1
        if sum(b - a - 1 for a, b in runs) != extra:
            continue
        spread, shift, at = [], 0, 0
        for a, b in runs:
            head = a - shift
            if head >= len(upper) or upper[head].empty:
                break
            spread += upper[at:head + 1] + [src.piece(upper[head].end, upper[head].end)] * (b - a - 1)
            at, shift = head + 1, shift + b - a - 1
        else:
            out[k] = spread + upper[at:]
    return out


def _trailing_tabs(src: Source, rows: list[list[Piece]]) -> bool:
    """Save As Plain Text: most lines with a tab end with one (the tab after each row's last
    cell), and each that does not is followed by the rest of its cell (a line whose first
    field is text, not a row's label). Lines without a tab (a title, a middle paragraph) tell
    nothing."""
    tabbed = [k for k, r in enumerate(rows) if len(r) > 1]
    open_ = [k for k in tabbed if not _ends_with_tab(src, rows[k])]
    if len(open_) * 3 > len(tabbed) * 2:
        return False
    return all(k + 1 < len(rows) and _goes_on(src, rows[k], rows[k + 1]) and _completes(rows[k], rows[k + 1])
               for k in open_)


def _completes(above: list[Piece], line: list[Piece]) -> bool:
    """The line's first field opens no row: it is no label or level name, or it is the end
    of the label the line above ends with ("年度" + "指标值")."""
    first = line[0].text.strip()
    if not _opens_row(first):
        return True
    joint = above[-1].text.split("\n")[-1].strip() + first
    return bool(above[-1].text.strip()) and (cue.is_label(joint) or cue.level(joint) is not None)


def _goes_on(src: Source, above: list[Piece], line: list[Piece]) -> bool:
    """`line` may go on with the cell `above` ends in: no blank line between, its first field
    text that is not a row's label ("项目名称")."""
    first = line[0].text.strip()
    return bool(first) and not _row_label(first) and not _blank_between(src, above[-1], line[0])


_LABELLED = re.compile(r"^(\S{2,10}?)\s*[:：]")  # "项目名称：测试项目": a label and its value in one cell


def _row_label(text: str) -> bool:
    """A row's label, alone or with its value after a colon ("项目名称：测试项目")."""
    if cue.row_label(text):
        return True
    m = _LABELLED.match(text)
    return bool(m) and cue.row_label(m.group(1)) is not None


def _may_split(lines: list[list[str]], widest: int) -> bool:
    """The cheap test: some line's first field is text that opens no row ("项目名称", a level
    name), and it has a tab or follows one, no more than the widest line's together: the only
    lines either rule can join. An ordinary tab export starts its rows with a label or with
    the empty field of a merged cell, so it pays for no more than this."""
    if widest < 3:
        return False
    for above, line in zip(lines, lines[1:]):
        tabs = len(above) + len(line) - 2
        first = line[0].strip()
        if not first or not 0 < tabs <= widest or not "".join(above).strip() or _row_label(first):
            continue
        if not _opens_row(first) or above[-1].strip() and cue.is_label(above[-1].strip() + first):
            return True
    return False


def _ends_with_tab(src: Source, row: list[Piece]) -> bool:
    line = src.line(src.line_of(row[-1].start))
    return line.endswith("\t")


def _continues(src: Source, above: list[Piece], line: list[Piece], tabs: int, trailing: bool) -> bool:
    """Whether `line` goes on with the cell `above` ends in (see the module's docstring)."""
    if len(above) + len(line) == 2:
        return False  # two lines without a tab: a title and its year, not a split row
    if trailing:
        return not _ends_with_tab(src, above) and _goes_on(src, above, line)
    if len(above) + len(line) - 2 > tabs or _blank_between(src, above[-1], line[0]):
        return False
    first = line[0].text.strip()
    if not first or _row_label(first):
        return False
    if _opens_row(first):  # a label goes on only with the label it completes ("年度" + "指标值")
        return _completes(above, line)
    return not (len(line) >= 3 and is_header([p.text for p in line]))


def _opens_row(text: str) -> bool:
    return cue.is_label(text) or cue.level(text) is not None


def _blank_between(src: Source, a: Piece, b: Piece) -> bool:
    return src.text.count("\n", a.end, b.start) > 1


def _full_rows(rows: list[list[Piece]], width: int) -> int:
    return sum(1 for r in rows if len(r) == width)


def _short_rows(rows: list[list[Piece]], width: int) -> int:
    return sum(1 for r in rows if len(r) < width)


def rejoined_lines(text: str) -> list[list[tuple[str, int]]] | None:
    """The tab rows of a whole text (each its fields as (text, 1-based line)) with split rows
    joined, for readers that split a text's lines themselves (layouts.tabular); None when no
    row is split, so the caller reads the lines as written."""
    lines = [line.split("\t") for line in text.split("\n")]  # a blank line parts rows: kept
    if not _may_split(lines, max((len(f) - 1 for f in lines), default=0)):
        return None  # no line could go on with the one above: no split row (cheap test)
    src = Source(CleanText(text=text, original=text))
    rows = []
    for n in range(src.line_count):
        start, end = src.line_span(n)
        if not src.text[start:end].strip():
            continue
        cells, at = [], start
        while (tab := src.text.find("\t", at, end)) >= 0:
            cells.append(src.piece(at, tab))
            at = tab + 1
        cells.append(src.piece(at, end))
        rows.append(cells)
    out = rejoined_rows(src, rows)
    if out is rows:
        return None
    return [[(p.text, src.line_of(p.start) + 1) for p in row] for row in out]
