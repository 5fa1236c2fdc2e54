"""The deterministic check results, as drafting reads them.

Drafting depends on reviewer.checks only through `check_form` and `view_report`, so a
change in the checks' report shape is absorbed here. The report is read from its JSON
dump (field names as documented for FormReport), never by isinstance.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from reviewer.domain.model import Form


class FindingView(BaseModel):
    check: str
    name: str = ""
    category: str = ""  # arithmetic / structure / scoring / indicator-quality / deviation / goal-outcome
    severity: str = "warning"
    indicator_index: int | None = None  # 0-based into form.indicators
    indicator_name: str | None = None
    field: str = ""
    message: str = ""
    suggested_score: float | None = None


class ReportView(BaseModel):
    findings: list[FindingView] = Field(default_factory=list)
    execution_rate: float | None = None  # percent
    budget_score: float | None = None
    suggested_total: float | None = None
    grade: str | None = None
    provisional: bool = False  # the weights do not add up to 100: total and grade provisional
    basis: str = ""  # how the total was computed when not as the plain sum
    indicator_scores: list[float | None] = Field(default_factory=list)  # per row, after the cuts
    raw: dict[str, Any] = Field(default_factory=dict)  # the check output, for the JSON document
    error: str | None = None  # why no check ran, when none did


def _first(data: dict[str, Any], *names: str) -> Any:
    for name in names:
        if data.get(name) is not None:
            return data[name]
    return None


def view_report(report: Any) -> ReportView:
    """A ReportView of a checks FormReport (a pydantic model or its dict dump)."""
    if isinstance(report, ReportView):
        return report
    data = report.model_dump(mode="json") if hasattr(report, "model_dump") else dict(report)
    findings = []
    for f in data.get("findings") or []:
        indicator = f.get("indicator") or {}
        findings.append(
            FindingView(
                check=str(f.get("check") or f.get("code") or ""),
                name=f.get("name") or "",
                category=f.get("category") or "",
                severity=f.get("severity") or "warning",
                indicator_index=indicator.get("index"),
                indicator_name=indicator.get("name"),
                field=f.get("field") or "",
                message=f.get("message") or "",
                suggested_score=f.get("suggested_score"),
            )
        )
    recomputed = data.get("recomputed") or {}
    return ReportView(
        findings=findings,
        execution_rate=_first(recomputed, "execution_rate"),
        budget_score=_first(recomputed, "budget_score"),
        suggested_total=_first(recomputed, "suggested_total", "total"),
        grade=_first(recomputed, "grade"),
        provisional=bool(recomputed.get("provisional")),
        basis=recomputed.get("basis") or "",
        indicator_scores=list(recomputed.get("indicator_scores") or []),
        raw=data,
    )


def check_form(form: Form, *, policy: Any = None, blind: bool = False) -> ReportView:
    """Run the deterministic checks; a failure becomes an empty report with the reason."""
    try:
        from reviewer.checks import run_checks
    except ImportError as exc:
        return ReportView(error=f"checks unavailable: {exc}")
    return view_report(run_checks(form, policy=policy, blind=blind))
