"""Real forms' contents through every carrier: the hand-checked real forms of other provinces
(tests/data/realforms/dev/) laid out in the national template and written by each of the zoo's
carriers (tests/zoo/render.py), then read back and compared field by field.

The layout zoo renders the seeds, which are Shenzhen's and Beijing's words: their indicator
names, targets ("≥95%", "1 个") and amounts. A reader tuned on those could fail on another
province's contents in a carrier it reads for the seeds: Yunnan's "≥200平方米", Anhui's
"按时完成", Hebei's long names, a blank 实际完成值. This test crosses the two: each real form
whose expectation holds a national-template table (a self-evaluation form with named indicator
rows carrying 分值 and 得分) goes through every text carrier and the cheap documents.

Only what the expectation states is rendered; a field it leaves out (not legible in the
source, or unsure) is rendered empty, and the comparison is with what the rendering carries.
What a carrier genuinely loses (render.lost: a flattening's ambiguous cuts, an empty goal part
in a carrier that drops empty cells) must be left empty with a warning, as in the zoo.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import contract_dump
from realforms_score import _COMPARATORS, _LABEL_SYNONYMS
from test_layout_zoo import CHEAP_DOCUMENTS, as_unreadable, differences, unwarned
from zoo.render import _TEXTS, _WRITERS, DROPS_EMPTY_CELLS, TEXT_CARRIERS, build_sheet, lost_cells, lost_fields

from reviewer.extract import ExtractFailure, extract_file

DEV = Path(__file__).resolve().parent / "data" / "realforms" / "dev"
TEXT_FIELDS = ("level1", "level2", "name", "target", "actual", "deviation")
AMOUNTS = ("initial_budget", "annual_budget", "executed")
CARRIERS = TEXT_CARRIERS + CHEAP_DOCUMENTS

# (form, variant, carrier) not read yet, and why; "*" for any variant or carrier. Strict: a pair listed here
# that starts to pass fails the run.
NOT_READ_YET: dict[tuple[str, str, str], str] = {
    ("ah-yuan-wlj-2022-wenwu-spaces#1", "*", "aligned-centred"): "centred rows: two wrapped cells read as rows of "
                                                                   "their own (11 rows for 9)",
    ("ah-yuan-wlj-2022-wenwu-spaces#1", "split-target", "flattened"): "long targets beside split target columns: 7 of 9 "
                                                                      "rows found",
    ("ah-yuan-wlj-2022-wenwu-spaces#1", "split-target", "pipe-cells-dropped"): "long targets beside split target "
                                                                               "columns, one cell a line with empty cells dropped: rows run together",
    ("hebei-langfang-shipin-2019-nuantong#1", "*", "flattened"): "rows whose 偏差原因 is '0' ('指标1安全率 100 100 10 10 0') "
                                                                 "admit several cuts and are left out whole, not only their unsure cells",
    **{("yn-linxiang-lcj-2023-shourongsuo-pipe#1", v, "flattened"): "the funding row's rate and score and one "
                                                                    "indicator row are not found in the flattened line"
       for v in ("national", "synonyms")},
}


def national_table(want: dict) -> bool:
    """Whether a real form's expectation holds a national-template indicator table."""
    rows = [r for r in want.get("indicators", []) if not r.get("optional")]
    # a table of targets: a rubric's rows (no 年度指标值) put in this template would lose their
    # level cells among the empty targets wherever a carrier drops empty cells
    scored = [r for r in rows if r.get("name") and r.get("target") and r.get("weight") is not None
              and r.get("score") is not None]
    return want.get("kind") == "self_evaluation" and len(rows) >= 3 and len(scored) == len(rows)


def _cents(amount: float | None) -> float | None:
    """An amount in yuan as the form writes it: 65.07万元 is 650700, not the 650699.9999999999
    that 65.07 × 10000 gives in floating point (which the renderer would print in full)."""
    return None if amount is None else round(amount, 2)


def zoo_form(want: dict) -> dict:
    """A real form's expectation in the seeds' expected-JSON shape, for the zoo's renderer.
    Funding labels are the ones the form wrote; what is read back is the canonical label
    (本年财政拨款 is 当年财政拨款), as the real-form scorer compares them."""
    funding = want.get("funding", {})
    rows = [{"label": r["label"], **{k: _cents(r.get(k)) for k in AMOUNTS}} for r in funding.get("rows", [])]
    indicators = [{**{k: r.get(k) or "" for k in TEXT_FIELDS}, "weight": r["weight"], "score": r["score"]}
                  for r in want["indicators"] if not r.get("optional")]
    goal = want.get("goal", {})
    return {
        "kind": "self_evaluation", "code": want.get("code"), "name": want.get("name"), "year": want.get("year"),
        "unit": want.get("unit"), "department": want.get("department"),
        "funding": {"currency_unit": funding.get("currency_unit") or "万元", "project_amount": None, "rows": rows,
                    **{k: _cents(funding.get(k)) if k in AMOUNTS else funding.get(k)
                       for k in AMOUNTS + ("weight", "execution_rate", "score")}},
        "goal": {"planned": goal.get("planned", ""), "actual": goal.get("actual", "")},
        "indicators": indicators,
        "total_weight": want.get("total_weight"), "total_score": want.get("total_score"),
    }  # fmt: skip


def canonical_labels(carried: dict) -> dict:
    rows = [{**r, "label": _LABEL_SYNONYMS.get(r["label"], r["label"])} for r in carried["funding"]["rows"]]
    return {**carried, "funding": {**carried["funding"], "rows": rows}}


def same_comparators(form: dict) -> dict:
    """Targets with comparator spellings unified (≧ ═ ＝ >=), as the real-form scorer compares them:
    the reader unifies them at the source and keeps the spelling written in `original`."""
    def unified(text: str) -> str:
        for spelling, symbol in _COMPARATORS:
            text = text.replace(spelling, symbol)
        return text
    rows = [{**r, "target": unified(r["target"])} for r in form["indicators"]]
    for r in rows:
        if r.get("target_parts"):
            r["target_parts"] = {k: unified(v) if isinstance(v, str) else v for k, v in r["target_parts"].items()}
    return {**form, "indicators": rows}


def funding_lost(form: dict, carrier: str) -> list[tuple[str, ...]]:
    """Funding numbers a carrier that drops empty cells genuinely loses: in a row with a blank
    amount, which column each of its numbers stood in is no longer written ("年度资金总额 |
    387664.62 | 10 | 100% | 10" under 年初 | 全年预算 | 全年执行 | 分值 | 执行率 | 得分). The
    reader may still place them by what it can prove (the row's 执行率 is the quotient of two
    neighbours); it must never place one in the wrong column. Paths into the contract's funding."""
    if carrier not in DROPS_EMPTY_CELLS:
        return []
    out: list[tuple[str, ...]] = []
    for i, row in enumerate(form["funding"]["rows"]):
        if all(row[k] is not None for k in AMOUNTS):
            continue
        out += [("rows", str(i), k) for k in AMOUNTS]
        if row["label"] == "年度资金总额":
            out += [(k,) for k in AMOUNTS + ("weight",)]
    return out


def settle_lost_funding(got: dict, want: dict, lost: list[tuple[str, ...]], at: str) -> list[str]:
    """Each lost funding number read right or left empty counts as read; a number read into the
    wrong column stays a difference. One left empty needs a warning on the funding."""
    problems = []
    for path in lost:
        g, w = got["funding"], want["funding"]
        for key in path[:-1]:
            g, w = (g[int(key)], w[int(key)]) if key.isdigit() else (g[key], w[key])
        if g[path[-1]] is None and w[path[-1]] is not None:
            if not any(x["field"].startswith("funding") for x in got["warnings"]):
                problems.append(f"{at}.funding.{'.'.join(path)}: left empty without a warning")
            g[path[-1]] = w[path[-1]]
        elif g[path[-1]] == w[path[-1]]:
            continue
    return problems


def real_forms() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(DEV.glob("*.expected.json")):
        forms = json.loads(path.read_text(encoding="utf-8"))["forms"]
        name = path.name.removesuffix(".expected.json")
        out += [(f"{name}#{n}", zoo_form(f)) for n, f in enumerate(forms, start=1) if national_table(f)]
    return out


REAL_FORMS = real_forms()


# The national template goes through every carrier; the other provinces' variants (split
# target columns, 复核分, other labels) through the text carriers, where placement by what a
# cell is matters most.
OTHER_VARIANTS = ("split-target", "review-score", "synonyms")


def _cases():
    matrix = [("national", c) for c in CARRIERS] + [(v, c) for v in OTHER_VARIANTS for c in TEXT_CARRIERS]
    for form_id, form in REAL_FORMS:
        for variant, carrier in matrix:
            reason = next((NOT_READ_YET[k] for k in ((form_id, variant, carrier), (form_id, "*", carrier),
                                                      (form_id, "*", "*")) if k in NOT_READ_YET), None)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(form_id, form, variant, carrier, marks=marks, id=f"{form_id}-{variant}-{carrier}")


def write(form: dict, carrier: str, folder: Path, variant: str = "national") -> Path:
    sheet = build_sheet(form, variant, 0)
    stem = folder / carrier
    if carrier in _TEXTS:
        path = stem.with_suffix(".txt" if carrier in TEXT_CARRIERS else ".html")
        path.write_text(_TEXTS[carrier]([sheet]), encoding="utf-8")
    else:
        path = stem.with_suffix(f".{carrier}")
        _WRITERS[carrier]([sheet], path)
    return path


def test_the_real_forms_hold_national_tables_from_several_provinces():
    provinces = {form_id.split("-")[0] for form_id, _ in REAL_FORMS}
    assert len(REAL_FORMS) >= 6 and len(provinces) >= 4, (len(REAL_FORMS), provinces)


@pytest.mark.parametrize(("form_id", "form", "variant", "carrier"), list(_cases()))
def test_real_form_contents_read_back_in_every_carrier(form_id, form, variant, carrier, tmp_path):
    if carrier == "xls":
        pytest.importorskip("xlwt", reason="the xls rendering needs xlwt (the test extra)")
    path = write(form, carrier, tmp_path, variant)
    try:
        forms = extract_file(path)
    except ExtractFailure as exc:
        pytest.fail(f"{form_id} as {carrier}: not read: {exc}")
    assert len(forms) == 1, f"{len(forms)} forms read, 1 rendered"
    want = canonical_labels(build_sheet(form, variant, 0).carried)
    gone = lost_fields(form, carrier) | lost_cells(form, carrier, variant)
    got = same_comparators(contract_dump(forms[0]))
    problems = settle_lost_funding(got, want, funding_lost(form, carrier), form_id)
    problems += differences(got, same_comparators(as_unreadable(want, gone)), form_id) + unwarned(
        forms[0], gone, want, form_id)
    assert not problems, f"{len(problems)} fields differ:\n" + "\n".join(problems[:30])
