"""Render an evaluation result as Markdown, or as one self-contained HTML page (no network)
from reviewer/templates/eval_report.html.j2; both from the same rows."""

from __future__ import annotations

from typing import Any

from reviewer import templates
from reviewer.evaluation.metrics import METRIC_NAMES

LABELS = {
    "flag_recall": "flag recall (human cuts with any finding)",
    "precision": "cut precision",
    "recall": "cut recall",
    "f1": "cut F1",
    "kappa": "Cohen's kappa, cut-or-not",
    "alpha": "Krippendorff's alpha, cut-or-not",
    "reason_accuracy": "reason accuracy (agreed cuts)",
    "score_mae": "score MAE on agreed cuts (points)",
    "total_mae": "form total MAE (points)",
    "grade_agreement": "grade agreement",
}


def fmt(x, digits: int = 2) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int,)) and not isinstance(x, bool):
        return str(x)
    return f"{x:.{digits}f}"


def fmt_ci(ci) -> str:
    return "–" if not ci else f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def metric_rows(result: dict) -> list[list[str]]:
    base = result.get("baselines", {})
    rows = []
    for m in METRIC_NAMES:
        rows.append(
            [
                LABELS[m],
                fmt(result["metrics"].get(m)),
                fmt_ci(result["ci95"].get(m)),
                fmt(base.get("cut_nothing", {}).get("metrics", {}).get(m)),
                fmt(base.get("cut_unquantified", {}).get("metrics", {}).get(m)),
            ]
        )
    return rows


METRIC_HEAD = ["metric", "tool", "95% CI", "cut nothing", "cut every unquantified"]
CEILING_HEAD = [
    "flaw / groups by",
    "instances",
    "groups",
    "human cut rate",
    "human–human agreement (cross-group)",
    "human–human kappa",
    "within-group agreement",
    "cut amount gap between groups",
    "cut amount gap within groups",
    "tool–human agreement",
    "tool kappa",
    "tool / ceiling",
]
CHECK_HEAD = ["check", "reason", "fired", "on human cuts", "flag precision", "cuts", "cut precision", "recall share", "reason agreement", "score MAE", "human median cut"]
DIS_HEAD = ["kind", "form", "indicator", "target → actual", "human", "human remark", "tool", "tool findings"]


def ceiling_rows(result: dict) -> list[list[str]]:
    rows = []
    for key, r in result.get("human_vs_human", {}).items():
        tool = r.get("tool") or {}
        rows.append(
            [
                key,
                str(r["instances"]),
                str(len(r["groups"])),
                fmt(r["human_cut_rate"]),
                fmt(r["cross_group"]["agreement"]),
                fmt(r["cross_group"]["kappa"]),
                fmt(r["within_group"]["agreement"]),
                fmt(r["cross_group"]["amount_gap"]),
                fmt(r["within_group"]["amount_gap"]),
                fmt(tool.get("agreement")),
                fmt(tool.get("kappa")),
                fmt(tool.get("of_ceiling")),
            ]
        )
    return rows


def check_rows(result: dict) -> list[list[str]]:
    rows = []
    for code, c in result.get("per_check", {}).items():
        rows.append(
            [
                code,
                c.get("reason") or "–",
                str(c["fired"]) + (f" (+{c['form_level']} form)" if c.get("form_level") else ""),
                str(c["fired_on_human_cut"]),
                fmt(c["flag_precision"]),
                str(c["cuts"]),
                fmt(c["cut_precision"]),
                fmt(c["recall_share"]),
                fmt(c["reason_agreement"]),
                fmt(c["score_mae"]),
                fmt(c["human_median_cut"]),
            ]
        )
    return rows


def dis_rows(result: dict) -> list[list[str]]:
    rows = []
    for d in result.get("disagreements", []):
        rows.append(
            [
                d["kind"],
                d["form_id"],
                f"#{d['index'] + 1} {d['indicator']}",
                f"{d['target']} → {d['actual']}",
                f"{d['weight']:g}→{d['human_score']:g} ({d['human_reason'] or 'kept'})",
                d["human_remark"],
                f"{d['tool_score']:g} ({d['tool_reason'] or '–'})",
                "; ".join(d["tool_findings"]),
            ]
        )
    return rows


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(s: str) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _confusion_md(m: list[list[int]]) -> str:
    return _md_table(
        ["", "tool keeps", "tool cuts"],
        [["human keeps", str(m[0][0]), str(m[0][1])], ["human cuts", str(m[1][0]), str(m[1][1])]],
    )


def calibration_md(cal: dict | None) -> str:
    if not cal:
        return ""
    parts = ["## Calibration (cross-validated by form)", ""]
    for label, block in cal.items():
        d, c = block["default"]["metrics"], block["calibrated"]["metrics"]
        parts.append(f"### {label}")
        parts.append("")
        parts.append(block.get("description", ""))
        parts.append("")
        rows = [[LABELS[m], fmt(d.get(m)), fmt_ci(block["default"]["ci95"].get(m)), fmt(c.get(m)), fmt_ci(block["calibrated"]["ci95"].get(m))] for m in METRIC_NAMES]
        parts.append(_md_table(["metric", "default policy", "95% CI", "calibrated", "95% CI"], rows))
        parts.append("")
        for title, head, rows in _calibration_tables(block):
            parts += [title, "", _md_table(head, rows), ""]
        if block.get("calibration"):
            parts.append("Learned on the training forms: " + learned_summary(block["calibration"]))
            parts.append("")
        for warning in block.get("warnings", []):
            parts += [f"> warning: {warning}", ""]
    return "\n".join(parts)


VOTES_HEAD = ["check", "findings", "learned right", "default right"]
CURVE_HEAD = ["forms", "draws", "kappa mean", "min", "max", "default kappa", "min flag recall"]


def _calibration_tables(block: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of a calibration block's per-check votes and learning curve."""
    out = []
    if block.get("checks"):
        out.append(("Held-out findings decided right, per check (learned vs default):", VOTES_HEAD, [
            [code, str(v["findings"]), str(v["learned_right"]), str(v["default_right"])]
            for code, v in block["checks"].items()]))
    if block.get("curve"):
        out.append(("Learning curve: calibrated on n random forms, judged on the others (default policy on the same forms):",
                    CURVE_HEAD, [[str(p["forms"]), str(p["draws"]), fmt(p["kappa_mean"]), fmt(p["kappa_min"]),
                                  fmt(p["kappa_max"]), fmt(p["default_kappa_mean"]), fmt(p["flag_recall_min"])]
                                 for p in block["curve"]]))
    return out


def learned_summary(table: list[dict]) -> str:
    """One phrase per check: PF401 fixed 0.5 (cut 16/19) …"""
    out = []
    for row in table:
        if row["where"] != "(all)":
            continue
        out.append(f"{row['check']} {_learned_what(row)} (cut {row['cuts']}/{row['rows']})")
    return "; ".join(out) + "."


def _learned_what(row: dict) -> str:
    if not row["cut"]:
        return "no cut"
    if row["mode"] == "fixed":
        return f"fixed {row['amount']:g}"
    if row["mode"] == "percent":
        return f"percent {row['percent']:g}"
    return row["mode"]


def decisions_md(table: list[dict], warnings: list[str]) -> str:
    """The learned decisions per (check, facet value), with counts and p(cut)."""
    parts = ["## Learned decisions (per check and facet value)", ""]
    parts.append(_md_table(["check", "where", "rows", "forms", "cuts", "p(cut)", "decision", "kept default"], [
        [r["check"], r["where"], str(r["rows"]), str(r["forms"]), str(r["cuts"]), fmt(r["p_cut"]), _learned_what(r),
         "yes" if r["kept_default"] else ""] for r in table]))
    parts.append("")
    parts += [f"> warning: {w}" for w in warnings]
    return "\n".join(parts) + "\n"



DRAFT_HEAD = ["", "drafts hitting a remark", "remarks hit by a draft"]


def draft_rows(block: dict) -> list[list[str]]:
    """Drafted comments (template or model) against the human remarks, with the shuffled baseline."""
    ca = block["agreement"]
    sh = ca.get("shuffled") or {}
    ci = ca.get("ci95") or {}
    return [
        [f"{block['draft_source']} drafts, same flaw on the same place",
         f"{fmt(ca['draft_hit_rate'])} {fmt_ci(ci.get('draft_hit_rate'))}", f"{fmt(ca['human_hit_rate'])} {fmt_ci(ci.get('human_hit_rate'))}"],
        ["shuffled forms (baseline)", fmt(sh.get("draft_hit_rate")), fmt(sh.get("human_hit_rate"))],
        ["wording: remark's bigrams contained (secondary)", "", f"{fmt(ca.get('wording'))} (shuffled {fmt(ca.get('shuffled_wording'))})"],
    ]  # fmt: skip


def draft_note(block: dict) -> str:
    tokens = block.get("prompt_tokens_estimate") or {}
    ca = block["agreement"]
    unjudged = f" (+{ca['unjudged']} notes and form-part comments no remark can confirm)" if ca.get("unjudged") else ""
    note = f"{block['forms']} forms, {ca['drafts']} drafted comments judged{unjudged}, {ca['humans']} human remarks"
    if tokens:
        note += f"; estimated prompt tokens per form: median {tokens['median']}, max {tokens['max']}"
    if block.get("tokens"):
        t = block["tokens"]
        note += f"; endpoint-reported tokens per form: {t['prompt_tokens_per_form']:.0f} in, {t['completion_tokens_per_form']:.0f} out"
    return note + "."

def markdown(result: dict, log_path: str | None = None) -> str:
    ds = result["dataset"]
    parts = [
        f"# reviewer eval — {result['pipeline']}",
        "",
        f"{ds['forms']} forms from {ds['files']} files, {ds['indicators']} scored indicators, "
        f"{ds['human_cuts']} cut by the human; bootstrap {result['bootstrap']['draws']} draws over forms, "
        f"seed {result['bootstrap']['seed']}." + (f" Log: `{log_path}`." if log_path else ""),
        "",
        "## Agreement with the human review",
        "",
        _md_table(METRIC_HEAD, metric_rows(result)),
        "",
        "Counts: " + ", ".join(f"{k} {v}" for k, v in result["counts"].items()),
        "",
        _confusion_md(result["confusion"]),
        "",
        "## Human vs human (the ceiling)",
        "",
        "Pairs of instances of the same content flaw judged in different groups: how often both were cut or both kept.",
        "",
        _md_table(CEILING_HEAD, ceiling_rows(result)),
        "",
        "## Per check",
        "",
        _md_table(CHECK_HEAD, check_rows(result)),
        "",
    ]
    ca = result.get("comment_agreement")
    if ca:
        sh = ca.get("shuffled") or {}
        parts += [
            "## Comment agreement (finding messages vs human remarks)",
            "",
            _md_table(
                ["", "drafts hitting a remark", "remarks hit by a draft"],
                [
                    ["real forms", fmt(ca["draft_hit_rate"]), fmt(ca["human_hit_rate"])],
                    ["shuffled forms (baseline)", fmt(sh.get("draft_hit_rate")), fmt(sh.get("human_hit_rate"))],
                ],
            ),
            "",
        ]
    if result.get("draft_agreement"):
        block = result["draft_agreement"]
        parts += ["## Drafted comments vs human remarks", "", draft_note(block), "", _md_table(DRAFT_HEAD, draft_rows(block)), ""]
    if result.get("calibration"):
        parts += [calibration_md(result["calibration"]), ""]
    parts += ["## Largest disagreements", "", _md_table(DIS_HEAD, dis_rows(result)), ""]
    if result.get("errors"):
        parts += ["## Errors", ""] + [f"- {e}" for e in result["errors"]] + [""]
    return "\n".join(parts)


# --- HTML ------------------------------------------------------------------------------


def _cells(rows: list[list[str]], numeric_from: int = 1) -> list[list[dict[str, Any]]]:
    """Rows for partials/tables.html.j2: figures (from column `numeric_from` on) right-aligned."""
    return [[{"text": c, "numeric": i >= numeric_from and _looks_numeric(c)} for i, c in enumerate(row)] for row in rows]


def _looks_numeric(s: str) -> bool:
    return bool(s) and (s[0].isdigit() or s[0] in "-–[")


def _calibration_view(cal: dict | None) -> list[dict[str, Any]]:
    out = []
    for label, block in (cal or {}).items():
        d, c = block["default"], block["calibrated"]
        rows = [[LABELS[m], fmt(d["metrics"].get(m)), fmt_ci(d["ci95"].get(m)), fmt(c["metrics"].get(m)), fmt_ci(c["ci95"].get(m))]
                for m in METRIC_NAMES]  # fmt: skip
        learned = learned_summary(block["calibration"]) if block.get("calibration") else ""
        tables = [{"title": title, "head": head, "rows": _cells(table)} for title, head, table in _calibration_tables(block)]
        out.append({"label": label, "description": block.get("description", ""), "rows": _cells(rows), "learned": learned,
                    "tables": tables, "warnings": block.get("warnings", [])})  # fmt: skip
    return out


def render_html(result: dict, log_path: str | None = None) -> str:
    """The report as one self-contained page: reviewer/templates/eval_report.html.j2."""
    ca = result.get("comment_agreement")
    sh = (ca or {}).get("shuffled") or {}
    block = result.get("draft_agreement")
    return templates.render(
        "eval_report.html.j2",
        pipeline=result["pipeline"],
        dataset=result["dataset"],
        bootstrap=result["bootstrap"],
        log_path=log_path,
        metric_head=METRIC_HEAD,
        metrics=_cells(metric_rows(result)),
        confusion=result["confusion"],
        counts=", ".join(f"{k} {v}" for k, v in result["counts"].items()),
        ceiling_head=CEILING_HEAD,
        ceiling=_cells(ceiling_rows(result)),
        check_head=CHECK_HEAD,
        checks=_cells(check_rows(result)),
        comment_agreement=_cells([
            ["real forms", fmt(ca["draft_hit_rate"]), fmt(ca["human_hit_rate"])],
            ["shuffled forms", fmt(sh.get("draft_hit_rate")), fmt(sh.get("human_hit_rate"))],
        ]) if ca else None,
        draft_head=DRAFT_HEAD,
        drafts={"note": draft_note(block), "rows": _cells(draft_rows(block))} if block else None,
        calibration=_calibration_view(result.get("calibration")),
        dis_head=DIS_HEAD,
        disagreements=_cells(dis_rows(result), numeric_from=99),
        errors=result.get("errors") or [],
    )  # fmt: skip
