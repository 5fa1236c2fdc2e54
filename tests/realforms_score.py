"""Score what reviewer reads from real public forms against hand-checked expectations.

Each form text `<name>.txt` (first line `SOURCE: <url>`) sits beside `<name>.expected.json`:

    {"source": url, "province": ..., "shapes": [...], "script": ..., "notes": how it was checked,
     "forms": [{"kind", "name", "year", "unit", "department", "code",
                "funding": {"currency_unit", "initial_budget", ..., "rows": [{"label", ...}]},
                "goal": {"planned", "actual"},
                "indicators": [{"level1", "level2", "name", "target", "actual", "weight", "score",
                                "deviation", "target_parts", "nature", "review_score",
                                "weighted_score", "description", "criteria", "optional"}],
                "total_weight", "total_score", "review_total_score",
                "unreadable": ["funding.executed", "indicators[2].weight", ...]}]}

Forms are matched by name, else by the kind and year an expectation states, else in order.
Only the fields an expectation states are checked: a field left out is one the excerpt does not
show or the checker was unsure of. `null` / "" means the form leaves it empty. A field listed in
`unreadable` is written but cannot be read with confidence (fused digits): the reader must leave
it empty, and a value there counts as a guessed number. `optional` rows (a row whose status as an
indicator is a judgement call) are neither missing when absent nor spurious when read. `forms: []`
says there is no form to read (a narrative report): every form read from it is spurious.

Comparison is on what a reviewer would call the same text: NFKC, whitespace removed, comparator
spellings unified (≧ >= ═ ＝); level names also ignore a "(15分)" weight note and a trailing 指标;
indicator names ignore a template "指标1:" prefix, a leading ★ and a trailing "(5分)"; funding labels
ignore 其中: and treat 总额 and 年度财政资金总额 as 年度资金总额, 本年 as 当年财政拨款. Numbers compare to 1e-6. Read rows that are empty template placeholders ("指标2", "……") are ignored.

Command line: `python tests/realforms_score.py DIR [--details]` prints one line per file.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

EXPECTED_SUFFIX = ".expected.json"
HEADER_FIELDS = ("kind", "code", "name", "year", "unit", "department")
GOAL_FIELDS = ("planned", "actual")
TOTAL_FIELDS = ("total_weight", "total_score", "review_total_score")
FUNDING_FIELDS = (
    "currency_unit", "initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score",
    "project_amount",
)
FUNDING_ROW_FIELDS = ("initial_budget", "annual_budget", "executed")
ROW_TEXT = ("level1", "level2", "name", "target", "actual", "deviation", "nature", "description", "criteria")
ROW_NUMBERS = ("weight", "score", "review_score", "weighted_score")
PART_FIELDS = ("comparator", "value", "unit")

_COMPARATORS = (("≧", "≥"), ("≦", "≤"), (">=", "≥"), ("<=", "≤"), ("═", "="), ("＝", "="))
_WEIGHT_NOTE = re.compile(r"[(（]\s*(?:特性指标)?\s*\d+(?:\.\d+)?\s*分?\s*[)）]$")
_TEMPLATE_PREFIX = re.compile(r"^(?:指标\d+[:：]?|[★☆*＊]+)")
_PLACEHOLDER = re.compile(r"^(?:指标\d+[:：]?|…+|\.{3,}|—+)?$")


# --- normalisation -------------------------------------------------------------------------


def norm_text(value) -> str:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    text = re.sub(r"\s+", "", text)
    for spelling, canonical in _COMPARATORS:
        text = text.replace(spelling, canonical)
    return text


def norm_level(value) -> str:
    text = _WEIGHT_NOTE.sub("", norm_text(value))
    return text[:-2] if text.endswith("指标") and len(text) > 2 else text


def norm_name(value) -> str:
    text = norm_text(value)
    while True:
        stripped = _TEMPLATE_PREFIX.sub("", text)
        if stripped == text:
            break
        text = stripped
    return _WEIGHT_NOTE.sub("", text)


_LABEL_SYNONYMS = {"总额": "年度资金总额", "资金总额": "年度资金总额", "年度财政资金总额": "年度资金总额", "本年财政拨款": "当年财政拨款"}


def norm_label(value) -> str:
    label = re.sub(r"^其中[:：]?", "", norm_text(value)).rstrip(":：")
    return _LABEL_SYNONYMS.get(label, label)


_TEXT_NORMS = {"level1": norm_level, "level2": norm_level, "name": norm_name}


def same_number(expected, read) -> bool:
    if expected is None or read is None:
        return expected is None and read is None
    try:
        return abs(float(expected) - float(read)) <= 1e-6 * max(1.0, abs(float(expected)))
    except (TypeError, ValueError):
        return False


def same_text(field_name: str, expected, read) -> bool:
    norm = _TEXT_NORMS.get(field_name, norm_text)
    return norm(expected) == norm(read)


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == {}


# --- scores ---------------------------------------------------------------------------------


@dataclass
class FileScore:
    name: str
    forms_expected: int = 0
    forms_read: int = 0
    forms_matched: int = 0
    rows_expected: int = 0
    rows_exact: int = 0
    rows_different: int = 0
    rows_missing: int = 0
    rows_spurious: int = 0
    header_right: int = 0
    header_total: int = 0
    funding_right: int = 0
    funding_total: int = 0
    guessed: int = 0
    error: str = ""  # the extraction's error messages, or the traceback's last line
    crashed: bool = False
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Exact agreement with the expectation."""
        return (
            not self.crashed
            and self.forms_matched == self.forms_expected == self.forms_read
            and self.rows_exact == self.rows_expected
            and not (self.rows_different or self.rows_missing or self.rows_spurious or self.guessed)
            and self.header_right == self.header_total
            and self.funding_right == self.funding_total
        )

    def summary(self) -> str:
        lines = [f"{self.name}: {row_text(self)}"] + [f"  {d}" for d in self.details]
        return "\n".join(lines)


def row_text(s: FileScore) -> str:
    return (
        f"forms {s.forms_read}/{s.forms_expected}  rows exp {s.rows_expected} exact {s.rows_exact} "
        f"diff {s.rows_different} miss {s.rows_missing} spur {s.rows_spurious}  "
        f"header {s.header_right}/{s.header_total}  funding {s.funding_right}/{s.funding_total}  "
        f"guessed {s.guessed}" + ("  CRASH" if s.crashed else "")
    )


class _Checker:
    def __init__(self, score: FileScore):
        self.s = score

    def note(self, where: str, expected, read) -> None:
        self.s.details.append(f"{where}: expected {expected!r}, read {read!r}")

    def field(self, group: str, where: str, name: str, expected, read) -> bool:
        numeric = isinstance(expected, (int, float)) and not isinstance(expected, bool) or name in ROW_NUMBERS
        right = same_number(expected, read) if numeric and name != "year" else (
            expected == read if name == "year" else same_text(name, expected, read)
        )
        if group:
            setattr(self.s, f"{group}_total", getattr(self.s, f"{group}_total") + 1)
            if right:
                setattr(self.s, f"{group}_right", getattr(self.s, f"{group}_right") + 1)
        if not right:
            self.note(where, expected, read)
        return right

    def guessed(self, where: str, read) -> bool:
        if is_empty(read):
            return False
        self.s.guessed += 1
        self.s.details.append(f"{where}: unreadable in the source, but read {read!r} (a guessed value)")
        return True


def _read_value(obj: dict, path: str):
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def _unreadable_rows(unreadable, prefix: str = "indicators") -> dict[int, set[str]]:
    """Which fields of which expected row (`<prefix>[i].<field>`) are unreadable."""
    rows: dict[int, set[str]] = {}
    for path in unreadable:
        m = re.fullmatch(re.escape(prefix) + r"\[(\d+)\]\.(\w+)", path)
        if m:
            rows.setdefault(int(m.group(1)), set()).add(m.group(2))
    return rows


def _is_placeholder(row: dict) -> bool:
    values_empty = all(is_empty(row.get(f)) for f in ("target", "actual", "weight", "score", "review_score"))
    return values_empty and bool(_PLACEHOLDER.match(norm_text(row.get("name"))))


def score_forms(name: str, expectation: dict, forms: list[dict], error: str = "") -> FileScore:
    """Compare read forms (JSON-contract dicts) with one file's expectation."""
    s = FileScore(name=name, forms_expected=len(expectation["forms"]), forms_read=len(forms), error=error)
    check = _Checker(s)
    unused = list(range(len(forms)))
    # Expectations that say which form they are (a name, a kind or a year) pick first, so that an
    # unnamed one does not take, by its place alone, the only form read (the other sheet's).
    exps = list(enumerate(expectation["forms"]))
    exps.sort(key=lambda ie: not any(ie[1].get(f) for f in ("name", "kind", "year")))
    for i, exp in exps:
        match = _pick_form(exp, forms, unused)
        if match is None:
            s.details.append(f"form {i + 1} ({exp.get('name') or exp.get('kind') or '?'}): not read")
            _count_unmatched_form(s, exp)
            continue
        unused.remove(match)
        s.forms_matched += 1
        _score_form(check, f"form {i + 1}", exp, forms[match])
    for j in unused:
        s.details.append(f"read form {j + 1} ({forms[j].get('name')!r}) is not in the expectation")
    return s


def _pick_form(exp: dict, forms: list[dict], unused: list[int]) -> int | None:
    if exp.get("name"):
        for j in unused:
            if norm_text(forms[j].get("name")) == norm_text(exp["name"]):
                return j
    elif exp.get("kind") or exp.get("year"):
        for j in unused:
            if all(forms[j].get(f) == exp[f] for f in ("kind", "year") if exp.get(f)):
                return j
    return unused[0] if unused else None


def _count_unmatched_form(s: FileScore, exp: dict) -> None:
    unreadable = set(exp.get("unreadable", []))
    s.header_total += sum(1 for f in HEADER_FIELDS + TOTAL_FIELDS if f in exp and f not in unreadable)
    s.header_total += sum(1 for f in GOAL_FIELDS if f in exp.get("goal", {}))
    funding = exp.get("funding", {})
    s.funding_total += sum(1 for f in FUNDING_FIELDS if f in funding and f"funding.{f}" not in unreadable)
    bad_rows = _unreadable_rows(unreadable, "funding.rows")
    s.funding_total += sum(
        1 for k, row in enumerate(funding.get("rows", [])) for f in FUNDING_ROW_FIELDS
        if f in row and f not in bad_rows.get(k, set())
    )
    rows = [r for r in exp.get("indicators", []) if not r.get("optional")]
    s.rows_expected += len(rows)
    s.rows_missing += len(rows)


def _score_form(check: _Checker, where: str, exp: dict, read: dict) -> None:
    unreadable = set(exp.get("unreadable", []))
    for f in HEADER_FIELDS + TOTAL_FIELDS:
        if f in exp:
            if f in unreadable:
                check.guessed(f"{where}.{f}", read.get(f))
            else:
                check.field("header", f"{where}.{f}", f, exp[f], read.get(f))
    for f in GOAL_FIELDS:
        if f in exp.get("goal", {}):
            check.field("header", f"{where}.goal.{f}", f, exp["goal"][f], (read.get("goal") or {}).get(f))
    _score_funding(check, where, exp.get("funding", {}), read.get("funding") or {}, unreadable)
    _score_rows(check, where, exp.get("indicators", []), read.get("indicators") or [], unreadable)


def _score_funding(check: _Checker, where: str, exp: dict, read: dict, unreadable: set[str]) -> None:
    for f in FUNDING_FIELDS:
        if f in exp:
            if f"funding.{f}" in unreadable:
                check.guessed(f"{where}.funding.{f}", read.get(f))
            else:
                check.field("funding", f"{where}.funding.{f}", f, exp[f], read.get(f))
    read_rows = list(read.get("rows") or [])
    bad_rows = _unreadable_rows(unreadable, "funding.rows")
    for k, row in enumerate(exp.get("rows", [])):
        found = next((r for r in read_rows if norm_label(r.get("label")) == norm_label(row["label"])), None)
        if found is not None:
            read_rows.remove(found)
        for f in FUNDING_ROW_FIELDS:
            if f not in row:
                continue
            got = None if found is None else found.get(f)
            if f in bad_rows.get(k, set()):
                check.guessed(f"{where}.funding.rows[{row['label']}].{f}", got)
            else:
                check.field("funding", f"{where}.funding.rows[{row['label']}].{f}", f, row[f], got)


def _score_rows(check: _Checker, where: str, expected: list[dict], read: list[dict], unreadable: set[str]) -> None:
    s = check.s
    bad = _unreadable_rows(unreadable)
    unused = [k for k, r in enumerate(read) if not _is_placeholder(r)]
    for i, row in enumerate(expected):
        k = next((k for k in unused if norm_name(read[k].get("name")) == norm_name(row.get("name"))), None)
        if row.get("optional"):
            if k is not None:
                unused.remove(k)
            continue
        s.rows_expected += 1
        label = f"{where}.indicators[{i}] {row.get('name')!r}"
        if k is None:
            s.rows_missing += 1
            s.details.append(f"{label}: not read")
            continue
        unused.remove(k)
        if _row_agrees(check, label, row, read[k], bad.get(i, set())):
            s.rows_exact += 1
        else:
            s.rows_different += 1
    for k in unused:
        s.rows_spurious += 1
        s.details.append(f"{where}: read row {read[k].get('name')!r} is not in the expectation")


def _row_agrees(check: _Checker, label: str, exp: dict, read: dict, unreadable: set[str]) -> bool:
    agrees = True
    for f in ROW_TEXT + ROW_NUMBERS:
        if f not in exp and f not in unreadable:
            continue
        if f in unreadable:
            agrees &= not check.guessed(f"{label}.{f}", read.get(f))
        else:
            agrees &= check.field("", f"{label}.{f}", f, exp[f], read.get(f))
    if "target_parts" in exp:
        want, got = exp["target_parts"], read.get("target_parts")
        if want is None or got is None:
            same = want is None and got is None
        else:
            same = all(norm_text(want.get(p)) == norm_text(got.get(p)) for p in PART_FIELDS)
        if not same:
            check.note(f"{label}.target_parts", want, got)
        agrees &= same
    return agrees


# --- files ----------------------------------------------------------------------------------


def expectation_path(text_path: Path) -> Path:
    return text_path.with_name(text_path.stem + EXPECTED_SUFFIX)


def load_expectation(text_path: Path) -> dict:
    return json.loads(expectation_path(text_path).read_text(encoding="utf-8"))


def form_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("*.txt") if expectation_path(p).exists())


def read_forms(text_path: Path) -> tuple[list[dict], str]:
    """What `reviewer extract` reads from one file: JSON-contract forms and its error messages."""
    from reviewer.extract import extract_paths

    extraction = extract_paths([text_path])
    forms = [f.model_dump(mode="json") for f in extraction.forms]
    return forms, "; ".join(e.message for e in extraction.errors)


def score_file(text_path: Path) -> FileScore:
    expectation = load_expectation(text_path)
    try:
        forms, error = read_forms(text_path)
    except Exception as exc:  # a traceback is itself a finding: the reader must never crash
        score = score_forms(text_path.stem, expectation, [], f"{type(exc).__name__}: {exc}")
        score.crashed = True
        return score
    return score_forms(text_path.stem, expectation, forms, error)


def score_folder(folder: Path) -> list[FileScore]:
    return [score_file(p) for p in form_files(folder)]


def table(scores: list[FileScore], details: bool = False) -> str:
    width = max([len(s.name) for s in scores] + [4])
    lines = [f"{'file':<{width}}  ok  {'forms':>7} {'rows':>4} {'exact':>5} {'diff':>4} {'miss':>4} "
             f"{'spur':>4} {'header':>7} {'funding':>7} {'guess':>5}"]
    for s in scores:
        lines.append(
            f"{s.name:<{width}}  {'✓' if s.ok else '✗'}  {s.forms_read:>3}/{s.forms_expected:<3} "
            f"{s.rows_expected:>4} {s.rows_exact:>5} {s.rows_different:>4} {s.rows_missing:>4} "
            f"{s.rows_spurious:>4} {s.header_right:>3}/{s.header_total:<3} {s.funding_right:>3}/{s.funding_total:<3} "
            f"{s.guessed:>5}" + ("  CRASH" if s.crashed else "")
        )
        if details:
            lines += [f"    {d}" for d in s.details]
            if s.error:
                lines.append(f"    extraction said: {s.error}")
    total = FileScore(name="total")
    for s in scores:
        for f in ("forms_expected", "forms_read", "rows_expected", "rows_exact", "rows_different", "rows_missing",
                  "rows_spurious", "header_right", "header_total", "funding_right", "funding_total", "guessed"):
            setattr(total, f, getattr(total, f) + getattr(s, f))
    exact = sum(s.ok for s in scores)
    lines.append(f"{'total':<{width}}  {exact:>2}/{len(scores)} files exact; " + row_text(total))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    details = "--details" in args
    folders = [a for a in args if a != "--details"]
    if len(folders) != 1 or not Path(folders[0]).is_dir():
        print("usage: python tests/realforms_score.py DIR [--details]", file=sys.stderr)
        return 2
    scores = score_folder(Path(folders[0]))
    if not scores:
        print(f"no <name>.txt with a <name>{EXPECTED_SUFFIX} in {folders[0]}", file=sys.stderr)
        return 2
    print(table(scores, details))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
