"""The workbench's pages and actions, free of the web framework: views in, HTML out.

`Workbench` holds one run directory, its decisions store and the page secrets; reviewer.web.asgi
routes requests to its methods. Every page is a jinja2 template (reviewer/templates/workbench_*,
autoescaped); the views hold strings and numbers ready to show, never markup from a form.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from reviewer.checks import all_checks
from reviewer.checks.findings import Confidence
from reviewer.checks.registry import SEVERITY_TITLES
from reviewer.drafting import opinion
from reviewer.drafting.render import fmt_number
from reviewer.templates import render
from reviewer.web import export
from reviewer.web.decided import VERDICT_LABELS, DecidedForm, Suggestion
from reviewer.web.decisions import Decision, DecisionStore
from reviewer.web.learning import Loaded, agreement, load_form
from reviewer.web.run import STATE_FILE, STATUS_LABELS, ListQuery, Run

UPLOAD_SUFFIXES = (".txt", ".xlsx", ".xls", ".docx", ".pdf", ".zip", ".csv", ".html", ".json")
UPLOAD_LIMIT = 20 << 20  # bytes per file
UPLOAD_FILES = 50  # files per upload
UPLOADS_DIR = "uploads"
TEXT_LIMIT = 20_000  # characters of a decision's text

COLUMNS = (("seq", "序号", True), ("unit", "单位", False), ("project", "项目", False), ("declared", "自评得分", True),
           ("suggested", "建议得分", True), ("cut", "差值", True), ("grade", "建议等级", False),
           ("findings", "问题数", True), ("status", "审核状态", False))  # fmt: skip
FUNDING_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "执行率", "预算执行得分（建议）")


class BadRequest(ValueError):
    """A request the page would never send (wrong field, unknown form): said in one line."""


@dataclass
class UploadedFile:
    filename: str
    data: bytes


def _safe_name(filename: str) -> str:
    """A file name that stays one name inside the uploads folder: the last path part, no
    control or separator characters, no leading dot; the suffix kept."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", name).strip(" .")
    return name[:120] or "upload"


class Workbench:
    """One run directory served: its forms, decisions and exports."""

    def __init__(self, folder: Path, review_uploads: Callable[[Path], str] | None = None) -> None:
        self.folder = folder.resolve()
        self.store = DecisionStore(self.folder)
        self.csrf = secrets.token_urlsafe(32)
        self.review_uploads = review_uploads  # (uploads folder) -> a message; given by `reviewer serve`
        self._lock = threading.Lock()
        self._run: Run | None = None
        self._stamp: tuple = ()
        self.upload_message = ""

    # --- the run, one read connection per thread -----------------------------------

    def run(self) -> Run:
        """The run as read now; read again when the batch has changed it (an upload reviewed)."""
        stamp = tuple(p.stat().st_mtime_ns if p.exists() else None
                      for p in (self.folder / STATE_FILE, self.folder / f"{STATE_FILE}-wal"))  # fmt: skip
        with self._lock:
            if self._run is None or self._stamp != stamp:
                self._run, self._stamp = Run(self.folder, self.store.path), stamp
            return self._run

    def key_of(self, seq: Any) -> str:
        run = self.run()
        try:
            number = int(seq)
        except (TypeError, ValueError):
            raise BadRequest("表序号应为整数") from None
        found = run.db.execute("SELECT key FROM entries WHERE seq = ?", (number,)).fetchone() if run.db else None
        if not found:
            raise BadRequest(f"没有第 {number + 1} 张表")
        return found[0]

    def seq_of(self, key: str | None) -> int | None:
        if key is None or self.run().db is None:
            return None
        found = self.run().db.execute("SELECT MIN(seq) FROM entries WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    def _base(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "run_name": self.folder.name}

    # --- the list ------------------------------------------------------------------

    def list_page(self, params: dict[str, str]) -> str:
        query = ListQuery.parse(params)
        run = self.run()
        found = run.forms(query)

        def link(**changes: Any) -> str:
            values = {"q": query.q, "grade": query.grade, "status": query.status, "sort": query.sort,
                      "desc": "1" if query.desc else "", "page": str(query.page), "cut": "1" if query.cut_only else ""}
            values.update({k: str(v) for k, v in changes.items()})
            return "/?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})  # fmt: skip

        rows = [{
            "seq": r.seq, "unit": r.unit, "project": r.project, "name": r.name, "error": r.error,
            "declared": fmt_number(r.declared), "suggested": fmt_number(r.suggested),
            "cut_text": fmt_number(round(r.declared - r.suggested, 2)) if r.declared is not None and r.suggested is not None else "—",
            "cut": r.declared is not None and r.suggested is not None and r.suggested < r.declared - 0.005,
            "grade": r.grade, "findings": r.findings, "review_status": r.review_status,
        } for r in found.rows]  # fmt: skip
        sort_links = {key: link(sort=key, desc="1" if query.sort == key and not query.desc else "", page=1)
                      for key, _, _ in COLUMNS}  # fmt: skip
        return render(
            "workbench_list.html.j2", **self._base(), rows=rows, query=query, total=found.total, pages=found.pages,
            counts=found.counts, status_labels=STATUS_LABELS, grades=run.grades(), errors=run.errors(),
            columns=COLUMNS, sort_links=sort_links, has_run=run.db is not None,
            prev_link=link(page=query.page - 1) if query.page > 1 else None,
            next_link=link(page=query.page + 1) if query.page < found.pages else None,
            upload_suffixes="、".join(s.lstrip(".") for s in UPLOAD_SUFFIXES), upload_limit_mb=UPLOAD_LIMIT >> 20,
            upload_accept=",".join(UPLOAD_SUFFIXES), upload_message=self._take_upload_message(),
        )  # fmt: skip

    def _take_upload_message(self) -> str:
        """The last upload's outcome, shown once (on the page the upload redirects to)."""
        message, self.upload_message = self.upload_message, ""
        return message

    # --- one form ------------------------------------------------------------------

    def load(self, key: str, with_source: bool = True) -> Loaded:
        return load_form(self.run(), self.store, key, with_source)

    def form_page(self, seq: Any) -> str:
        key = self.key_of(seq)
        loaded = self.load(key)
        row = self.run().row(key)
        assert row is not None
        if loaded.decided is None:
            return self.error_page(f"{row.label} 第{int(key.split(':')[1]) + 1}张表：{loaded.problem}")
        d = loaded.decided
        before, after = self.run().neighbours(key)
        funding = self.run().funding(key)
        cards = [self.card_view(s) for s in d.suggestions]
        by_part = {part: [c for c, s in zip(cards, d.suggestions) if s.comment.indicator_index is None
                          and s.comment.target == part] for part in ("funding", "goal")}  # fmt: skip
        rows = []
        for r in d.rows:
            i = r.row
            rows.append({
                "index": i.index, "number": i.index + 1, "name": i.name or "—", "target": i.target or "—",
                "actual": i.actual or "—", "weight": fmt_number(i.weight), "score": fmt_number(i.score),
                "suggested": fmt_number(i.suggested_score), "decided": self._decided_text(r),
                "unreviewed": r.unreviewed, "level": " / ".join(x for x in (i.level1, i.level2) if x),
                "cut": i.suggested_score is not None and i.score is not None and i.suggested_score < i.score - 0.005,
                "cards": [c for c, s in zip(cards, d.suggestions) if s.comment.indicator_index == i.index],
                "own": [self.own_view(o) for o in d.own if o.indicator_index == i.index],
            })  # fmt: skip
        placed = {c["id"] for part in by_part.values() for c in part} | {c["id"] for r in rows for c in r["cards"]}
        review = d.review
        codes = sorted({code for s in d.suggestions for code in s.comment.check_codes})
        view = {
            "seq": row.seq, "key": key, "project": row.project, "name": row.name, "unit": row.unit,
            "form_id": review.form_id, "label": row.label, "form_number": int(key.split(":")[1]) + 1,
            "label_draft": review.label, "review_status": row.review_status,
            "review_status_label": STATUS_LABELS[row.review_status], "problem": loaded.problem,
            "prev": self.seq_of(before), "next": self.seq_of(after),
            "funding_headers": FUNDING_HEADERS,
            "funding": [fmt_number(funding["initial_budget"]), fmt_number(funding["annual_budget"]),
                        fmt_number(funding["executed"]),
                        "—" if funding["execution_rate"] is None else f"{fmt_number(funding['execution_rate'])}%",
                        fmt_number(funding["budget_score"])],
            "goal": loaded.source.goal if loaded.source is not None else None,
            "cards_funding": by_part["funding"], "cards_goal": by_part["goal"],
            "cards_form": [c for c in cards if c["id"] not in placed],
            "own_form": [self.own_view(o) for o in d.own if o.indicator_index is None],
            "rows": rows, "scores": self.scores_view(d), "opinion": d.opinion, "opinion_edited": d.opinion_edited,
            "opinion_source": review.opinion_source, "docs": self.docs(codes),
        }  # fmt: skip
        return render("workbench_form.html.j2", **self._base(), f=view, preview=self.preview(d))

    @staticmethod
    def _decided_text(r: Any) -> str:
        return "未审核" if r.unreviewed else fmt_number(r.decided)

    def card_view(self, s: Suggestion) -> dict[str, Any]:
        c = s.comment
        decision = s.decision
        return {
            "id": f"card-{s.ord}", "item": s.item, "severity": c.severity,
            "severity_title": SEVERITY_TITLES.get(c.severity, c.severity), "codes": c.check_codes,
            "source": c.source, "is_cut": s.is_cut, "suggested": fmt_number(c.suggested_score),
            "verdict": s.verdict, "verdict_label": VERDICT_LABELS[s.verdict], "text": s.text,
            "edited": s.verdict == "edited" and s.text != c.text, "original": c.text, "suggestion": c.suggestion,
            "evidence": opinion.EVIDENCE_SEPARATOR.join(f"“{q}”" for q in c.evidence),
            "decided": fmt_number(s.score) if s.score is not None else "不扣分",
            "decided_input": "" if s.score is None and s.verdict == "edited" else fmt_number(
                s.score if s.score is not None else c.suggested_score).replace("—", ""),
            "reason": (decision.reason if decision else None) or "",
            "sure": confidence_label(s.confidence),
        }  # fmt: skip

    @staticmethod
    def own_view(o: Decision) -> dict[str, Any]:
        return {"id": f"own-{o.item.split(':')[1]}", "item": o.item, "text": o.text or "",
                "score": None if o.score is None else fmt_number(o.score)}  # fmt: skip

    @staticmethod
    def scores_view(d: DecidedForm) -> dict[str, Any]:
        r = d.review
        return {
            "declared": fmt_number(r.declared_total), "suggested": fmt_number(r.suggested_total),
            "suggested_grade": r.grade or "", "decided": fmt_number(d.total), "decided_grade": d.grade or "",
            "unreviewed": d.unreviewed, "suggestions": len(d.suggestions), "notes": d.notes,
            "total_decided": d.total_decided,
        }  # fmt: skip

    def preview(self, d: DecidedForm) -> str:
        return render("workbench_preview.html.j2", form=opinion.form_view(export.decided_review(d)),
                      unreviewed=d.unreviewed)  # fmt: skip

    @staticmethod
    def docs(codes: list[str]) -> list[dict[str, Any]]:
        checks = all_checks()
        return [{"code": code, "name": checks[code].name, "title": checks[code].title,
                 "sections": list(checks[code].doc.items())} for code in codes if code in checks]  # fmt: skip

    def check_page(self, code: str) -> str | None:
        docs = self.docs([code])
        if not docs:
            return None
        return render("workbench_check.html.j2", **self._base(), d=docs[0])

    # --- decisions -----------------------------------------------------------------

    def decide(self, body: dict[str, Any]) -> dict[str, Any]:
        key = self.key_of(body.get("seq"))
        item = str(body.get("item") or "")
        verdict = str(body.get("verdict") or "")
        loaded = self.load(key, with_source=False)
        if loaded.decided is None:
            raise BadRequest(loaded.problem or "这张表没有审核结果")
        known = {s.item: s for s in loaded.decided.suggestions}
        if verdict == "undo":
            if item not in known and not item.startswith("own:"):
                raise BadRequest(f"没有这条意见：{item}")
            self.store.remove(key, item)
            if item.startswith("own:"):
                return self._changed(key, [], reload=True)
        elif item in known:
            if verdict not in ("accepted", "rejected", "edited"):
                raise BadRequest(f"不认识的决定：{verdict}")
            s = known[item]
            text = _text(body.get("text")) if verdict == "edited" else None
            score = _score(body.get("score")) if verdict == "edited" and s.is_cut else None
            self.store.put(key, Decision(item, verdict, text or None, score, _text(body.get("reason")) or None,
                                         s.comment.indicator_index, ", ".join(s.comment.check_codes)))  # fmt: skip
        else:
            raise BadRequest(f"没有这条意见：{item}")
        return self._changed(key, [item])

    def add_own(self, body: dict[str, Any]) -> dict[str, Any]:
        key = self.key_of(body.get("seq"))
        text = _text(body.get("text"))
        if not text:
            raise BadRequest("意见内容不能为空")
        loaded = self.load(key, with_source=False)
        if loaded.decided is None:
            raise BadRequest(loaded.problem or "这张表没有审核结果")
        index_text = str(body.get("index") if body.get("index") is not None else "")
        index = int(index_text) if index_text.isdigit() else None
        if index is not None and index not in {r.row.index for r in loaded.decided.rows}:
            raise BadRequest(f"没有第 {index + 1} 项指标")
        score = _score(body.get("score")) if index is not None else None
        self.store.put(key, Decision(self.store.next_own(key), "own", text, score, None, index, None))
        return self._changed(key, [], reload=True)

    def save_opinion(self, body: dict[str, Any]) -> dict[str, Any]:
        key = self.key_of(body.get("seq"))
        text = _text(body.get("text"))
        if text:
            self.store.put(key, Decision("opinion", "opinion", text))
        else:
            self.store.remove(key, "opinion")
        return self._changed(key, [])

    def set_status(self, body: dict[str, Any]) -> dict[str, Any]:
        key = self.key_of(body.get("seq"))
        status = str(body.get("status") or "")
        if status not in ("in_progress", "done"):
            raise BadRequest(f"不认识的状态：{status}")
        self.store.set_status(key, status)
        return self._changed(key, [], reload=True)

    def _changed(self, key: str, items: list[str], reload: bool = False) -> dict[str, Any]:
        """What the page redraws after a change: the cards, the decided cells, totals, preview."""
        loaded = self.load(key, with_source=True)
        d = loaded.decided
        assert d is not None
        known = {s.item: s for s in d.suggestions}
        cards = {f"card-{known[i].ord}": render_card(self.card_view(known[i])) for i in items if i in known}
        status = self.store.status(key)
        return {
            "cards": cards,
            "cells": {f"decided-{r.row.index + 1}": [self._decided_text(r), r.unreviewed] for r in d.rows},
            "scores": render_scores(self.scores_view(d)),
            "preview": self.preview(d),
            "status": [status, STATUS_LABELS[status]],
            "reload": reload,
        }

    # --- learning, exports, uploads, errors ------------------------------------------

    def checks_page(self) -> str:
        rows = [{"check": a.check, "name": all_checks()[a.check].title if a.check in all_checks() else "",
                 "accepted": a.accepted, "edited": a.edited, "rejected": a.rejected, "decided": a.decided,
                 "suggested": a.suggested,
                 "share": "—" if a.accepted_share is None else f"{a.accepted_share:.0%}"}
                for a in agreement(self.run(), self.store)]  # fmt: skip
        return render("workbench_checks.html.j2", **self._base(), rows=rows)

    def export_forms(self, seq: Any = None, everything: bool = False) -> list[tuple[int, str, str, DecidedForm]]:
        """(number, unit, review status, decided form) for one form, the reviewed ones, or all."""
        run = self.run()
        if seq is not None:
            keys = [self.key_of(seq)]
        else:
            reviewed = set(self.store.reviewed_keys())
            keys = [k for k in run.keys() if everything or k in reviewed]
        out = []
        for key in keys:
            loaded = self.load(key)
            row = run.row(key)
            if loaded.decided is not None and row is not None:
                out.append((row.seq + 1, row.unit or "", STATUS_LABELS[row.review_status], loaded.decided))
        return out

    def export_docx(self, seq: Any = None, everything: bool = False) -> bytes:
        forms = self.export_forms(seq, everything)
        if not forms:
            raise BadRequest("还没有审核过的表可导出：先在表里作出决定，或导出全部（?all=1）")
        return export.to_docx([d for *_, d in forms])

    def export_xlsx(self, everything: bool = False) -> bytes:
        return export.to_xlsx(self.export_forms(None, everything))

    def save_uploads(self, files: list[UploadedFile]) -> str:
        """Write the files inside the run's uploads folder (never elsewhere), then review them."""
        if not files:
            raise BadRequest("没有收到文件")
        if len(files) > UPLOAD_FILES:
            raise BadRequest(f"一次最多上传 {UPLOAD_FILES} 个文件")
        folder = self.folder / UPLOADS_DIR
        folder.mkdir(exist_ok=True)
        saved, refused = [], []
        for f in files:
            name = _safe_name(f.filename)
            target = (folder / name).resolve()
            if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
                refused.append(f"{name}：不支持的文件类型")
            elif len(f.data) > UPLOAD_LIMIT:
                refused.append(f"{name}：超过 {UPLOAD_LIMIT >> 20} MB")
            elif target.parent != folder.resolve():
                refused.append(f"{name}：文件名不合规")
            else:
                target.write_bytes(f.data)
                saved.append(name)
        message = f"已上传 {len(saved)} 个文件" + (f"；未接收：{'；'.join(refused)}" if refused else "")
        if saved and self.review_uploads is not None:
            message += "；" + self.review_uploads(folder)
        self.upload_message = message
        return message

    def error_page(self, message: str) -> str:
        return render("workbench_error.html.j2", **self._base(), message=message)

    def run_file(self, relative: str) -> Path | None:
        """A file of the run directory (its dashboard, summary, opinions), or None: nothing
        outside the folder, nothing hidden, not the databases."""
        if not relative or "\x00" in relative:
            return None
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            return None
        parts = path.relative_to(self.folder).parts
        if any(p.startswith(".") for p in parts) or path.suffix in (".sqlite", ".sqlite-wal", ".sqlite-shm"):
            return None
        return path


def _text(value: Any) -> str:
    return str(value or "").strip()[:TEXT_LIMIT]


def _score(value: Any) -> float | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        score = float(text)
    except ValueError:
        raise BadRequest(f"得分应为数字：{text[:20]}") from None
    if not 0 <= score <= 100:
        raise BadRequest("得分应在 0 到 100 之间")
    return round(score, 4)


def confidence_label(sure: Confidence | None) -> dict[str, str] | None:
    """The badge that says how sure a cut is: contested (reviewers disagree on the flaw), a
    learned probability with its rows, or nothing for a rule reviewers agree on."""
    if sure is None:
        return None
    if sure.p_cut is not None and sure.rows:
        text = f"把握 {sure.p_cut:.0%}（{sure.rows} 行）"
        return {"text": text + ("·有争议" if sure.contested else ""), "cls": "sure" if sure.sure else "unsure"}
    if sure.contested:
        return {"text": "有争议", "cls": "unsure"}
    return None


def render_card(view: dict[str, Any]) -> str:
    return render("workbench_card.html.j2", s=view)


def render_scores(view: dict[str, Any]) -> str:
    return render("workbench_scores.html.j2", v=view)
