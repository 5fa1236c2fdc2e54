"""The per-form work of a batch: checks, drafted comments, the opinion, as plain rows.

`Engine.review(form)` is the one function the runner calls for each form. It calls
`reviewer.checks.run_checks` and `reviewer.drafting.review_form` when those modules are
installed, and reduces their pydantic results to a `FormOutcome`: the rows the run
state stores and the opinion texts written to the output folder. Nothing in an
outcome depends on where the file was found, so one result serves every copy of a file.
"""

from __future__ import annotations

import contextvars
import hashlib
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.model import Form

try:  # the deterministic checks; optional while they are being written
    from reviewer import checks as _checks
except ImportError:  # pragma: no cover - exercised only without reviewer.checks
    _checks = None  # type: ignore[assignment]

try:
    from reviewer import drafting as _drafting
    from reviewer.drafting import opinion as _opinion
except ImportError:  # pragma: no cover
    _drafting = None  # type: ignore[assignment]
    _opinion = None  # type: ignore[assignment]


# --- model usage per form ---------------------------------------------------------


@dataclass
class Usage:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_hits: int = 0
    failed: int = 0  # calls that ended without a usable reply (transport error, invalid)

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.tokens_in += other.tokens_in
        self.tokens_out += other.tokens_out
        self.cache_hits += other.cache_hits
        self.failed += other.failed


# The usage of the form being reviewed in this task; set by Engine.review, added to by
# the counting client (asyncio tasks each get their own copy of the context).
current_usage: contextvars.ContextVar[Usage | None] = contextvars.ContextVar("batch_form_usage", default=None)


def record_call(result: Any) -> None:
    """Count one complete_structured result into the current form's usage."""
    usage = current_usage.get()
    if usage is None:
        return
    usage.calls += 1
    usage.tokens_in += int(getattr(result, "tokens_in", 0) or 0)
    usage.tokens_out += int(getattr(result, "tokens_out", 0) or 0)
    usage.cache_hits += 1 if getattr(result, "cache_hit", False) else 0
    outcome = str(getattr(result, "outcome", "ok"))
    if not getattr(result, "ok", True) and outcome != "not_configured":
        usage.failed += 1


# --- what one form yields ---------------------------------------------------------


@dataclass
class FormOutcome:
    row: dict[str, Any]  # the results row (see reviewer.batch.state.RESULT_COLUMNS)
    findings: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    opinion_md: str = ""
    opinion_html: str = ""
    review_json: str | None = None  # the drafting module's FormReview, to render DOCX later

    @property
    def opinion(self) -> dict[str, Any]:
        return {"md": self.opinion_md, "html": self.opinion_html, "review": self.review_json}


def header_row(form: Form) -> dict[str, Any]:
    f = form.funding
    return {
        "unit": form.unit,
        "project": form.name,
        "code": form.code,
        "year": form.year,
        "department": form.department,
        "kind": form.kind,
        "layout": form.source.layout,
        "initial_budget": f.initial_budget,
        "annual_budget": f.annual_budget,
        "executed": f.executed,
        "declared_total": form.total_score,
    }


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def finding_row(f: Any) -> dict[str, Any]:
    indicator = _get(f, "indicator")
    return {
        "check_id": _get(f, "check"),
        "name": _get(f, "name"),
        "severity": _get(f, "severity"),
        "indicator_index": _get(indicator, "index"),
        "indicator_name": _get(indicator, "name"),
        "field": _get(f, "field"),
        "message": _get(f, "message"),
        "suggested_score": _get(f, "suggested_score"),
    }


def comment_row(c: Any) -> dict[str, Any]:
    codes = _get(c, "check_codes") or []
    return {
        "indicator_index": _get(c, "indicator_index"),
        "indicator_name": _get(c, "indicator_name"),
        "source": str(_get(c, "source", "") or ""),
        "check_id": ", ".join(map(str, codes)),
        "category": _get(c, "category"),
        "severity": _get(c, "severity"),
        "text": str(_get(c, "text") or ""),
        "suggestion": str(_get(c, "suggestion") or ""),
        "suggested_score": _get(c, "suggested_score"),
    }


# --- opinion rendering without the drafting module ---------------------------------


def fallback_markdown(form: Form, row: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    title = f"{form.unit or ''} {form.name or ''}".strip() or form.id
    lines = [f"# 审核意见：{title}", ""]
    if form.code:
        lines.append(f"- 项目编码：{form.code}")
    if form.year:
        lines.append(f"- 年度：{form.year}")
    lines.append(f"- 自评得分：{_num(row.get('declared_total'))}")
    lines.append(f"- 建议得分：{_num(row.get('suggested_total'))}（{row.get('grade') or '—'}）")
    lines.append("")
    if findings:
        lines.append("## 发现的问题")
        lines.append("")
        for i, f in enumerate(findings, 1):
            where = f"（{f['indicator_name']}）" if f.get("indicator_name") else ""
            lines.append(f"{i}. {f.get('message') or ''}{where}")
    else:
        lines.append("未发现问题。")
    return "\n".join(lines) + "\n"


def markdown_to_html(md: str, title: str) -> str:
    """A small, safe Markdown subset (headings, lists, paragraphs) as a standalone page."""
    body: list[str] = []
    in_list: str | None = None
    for line in md.splitlines():
        stripped = line.strip()
        kind = None
        if stripped.startswith(("- ", "* ")):
            kind, text = "ul", stripped[2:]
        elif stripped[:1].isdigit() and ". " in stripped[:6]:
            kind, text = "ol", stripped.split(". ", 1)[1]
        if in_list and kind != in_list:
            body.append(f"</{in_list}>")
            in_list = None
        if kind:
            if not in_list:
                body.append(f"<{kind}>")
                in_list = kind
            body.append(f"<li>{html.escape(text)}</li>")
        elif stripped.startswith("#"):
            level = min(len(stripped) - len(stripped.lstrip("#")), 6)
            body.append(f"<h{level}>{html.escape(stripped[level:].strip())}</h{level}>")
        elif stripped:
            body.append(f"<p>{html.escape(stripped)}</p>")
    if in_list:
        body.append(f"</{in_list}>")
    return page(title, "\n".join(body))


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
        "max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#222}"
        "h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem}</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- the engine ---------------------------------------------------------------------


class Engine:
    """Reviews forms: deterministic checks, then drafting (templates, or a model with a client)."""

    def __init__(self, policy_path: str | Path | None = None, client: Any = None, keep_review: bool = True) -> None:
        self.client = client
        self.keep_review = keep_review  # FormReview JSON in the outcome (to render DOCX later)
        self.policy_path = Path(policy_path) if policy_path else None
        self.policy = None
        if _checks is not None:
            self.policy = _checks.load_policy(self.policy_path) if self.policy_path else _checks.load_policy()

    def policy_fingerprint(self) -> str:
        """A hash of the policy in effect (the merged one when a file is given)."""
        if self.policy is not None and hasattr(self.policy, "model_dump_json"):
            blob = self.policy.model_dump_json().encode("utf-8")
        elif self.policy_path:
            blob = self.policy_path.read_bytes()
        else:
            blob = b"default"
        return hashlib.sha256(blob).hexdigest()

    async def review(self, form: Form) -> FormOutcome:
        """The per-form work; model usage is counted into `current_usage` by the client."""
        row = header_row(form)
        report = _checks.run_checks(form, policy=self.policy) if _checks is not None else None
        review = None
        if _drafting is not None:
            review = await _drafting.review_form_async(form, client=self.client, policy=self.policy, report=report)
        findings = [finding_row(f) for f in (_get(report, "findings") or [])]
        recomputed = _get(report, "recomputed")
        row.update(
            execution_rate=_get(recomputed, "execution_rate"),
            budget_score=_get(recomputed, "budget_score"),
            suggested_total=_get(recomputed, "suggested_total"),
            grade=_get(recomputed, "grade"),
        )
        comments: list[dict[str, Any]] = []
        if review is not None:
            comments = [comment_row(c) for c in review.comments]
            row["suggested_total"] = review.suggested_total
            row["grade"] = review.grade
        severities = [str(f.get("severity") or "").lower() for f in findings]
        row.update(
            n_errors=severities.count("error"),
            n_warnings=severities.count("warning"),
            n_cuts=sum(1 for f in findings if f.get("suggested_score") is not None),
            n_findings=len(findings),
            n_comments=len(comments),
            n_llm_comments=sum(1 for c in comments if c.get("source") == "llm"),
        )
        if review is not None and _opinion is not None:
            md = _opinion.to_markdown([review])
            page_html = _opinion.to_html([review])
            review_json = review.model_dump_json() if self.keep_review else None
        else:
            title = f"{form.unit or ''} {form.name or ''}".strip() or form.id
            md = fallback_markdown(form, row, findings)
            page_html = markdown_to_html(md, f"审核意见：{title}")
            review_json = None
        return FormOutcome(row, findings, comments, md, page_html, review_json)

    def write_docx(self, review_json: str | None, opinion_md: str, path: Path) -> bool:
        """Write the opinion as DOCX; False when python-docx is not installed."""
        if review_json and _drafting is not None and _opinion is not None:
            review = _drafting.FormReview.model_validate_json(review_json)
            try:
                path.write_bytes(_opinion.to_docx([review]))
            except _opinion.DocxUnavailable:
                return False
            return True
        return markdown_docx(opinion_md, path)


def markdown_docx(md: str, path: Path) -> bool:
    try:
        import docx  # python-docx, the docx extra
    except ImportError:
        return False
    document = docx.Document()
    for line in md.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            level = min(len(stripped) - len(stripped.lstrip("#")), 4)
            document.add_heading(stripped[level:].strip(), level=level)
        elif stripped.startswith(("- ", "* ")):
            document.add_paragraph(stripped[2:], style="List Bullet")
        elif stripped:
            document.add_paragraph(stripped)
    document.save(str(path))
    return True
