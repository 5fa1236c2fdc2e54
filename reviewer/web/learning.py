"""Learning from decisions: the reviewed forms as human-reviewed forms, and agreement per check.

Calibration (`reviewer calibrate`) learns from forms whose 得分 column is a human's score:
below the weight is a cut, the 偏差原因 remark its reason (reviewer.evaluation.dataset).
`decided_forms` makes exactly such forms from the workbench: each reviewed form read
again from its file, every indicator's score replaced by the decided one (a row with an
undecided cut gets no score, so calibration skips it), the remark by the decided cut's
text, the total by the decided total. `reviewer calibrate --from-decisions RUN_DIR` feeds
them to the same calibration as forms from disk.

`agreement` counts, per check, the suggestions accepted as is, edited and rejected: the
figure the evaluation harness measures, on live work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewer.domain.model import Form
from reviewer.domain.reasons import keyword_reason
from reviewer.web.decided import DecidedForm, decide
from reviewer.web.decisions import DecisionStore
from reviewer.web.run import STATE_FILE, Run
from reviewer.web.source import read_source


@dataclass
class Loaded:
    key: str
    decided: DecidedForm | None
    source: Form | None
    problem: str | None


def load_form(run: Run, store: DecisionStore, key: str, with_source: bool = True) -> Loaded:
    """One form of the run with its decisions applied, and its source form when it can be read."""
    row = run.row(key)
    review = run.review(key) if row else None
    if row is None or review is None:
        problem = (row.error if row and row.error else None) or "这张表没有保存审核结果"
        return Loaded(key, None, None, problem)
    source, problem = (None, None)
    if with_source:
        found = read_source(row.label, _form_index(key), key, run.folder)
        source, problem = found.form, found.problem
    declared_budget = source.funding.score if source is not None else None
    return Loaded(key, decide(review, store.decisions(key), declared_budget), source, problem)


def _form_index(key: str) -> int:
    return int(key.split(":")[1])


# A phrase per reason category that the remark keyword table (reviewer.domain.reasons) reads
# back as that category: a decided cut's remark starts with it, so calibration attributes the
# cut to the reason of the check the reviewer accepted, whatever other words its text holds.
REASON_PHRASES = {
    "money_withdrawn": "资金已收回",
    "duplicate": "与其他指标重复",
    "rate_as_number": "不属于比率",
    "not_quantified": "未量化",
    "over_achieved": "超额完成",
    "under_achieved": "未完成",
}


def remark_for(reason: str | None, text: str) -> str:
    """A decided cut's text as a remark whose reason category reads back as `reason`."""
    phrase = REASON_PHRASES.get(reason or "")
    if phrase is None:
        return text
    combined = f"{phrase}：{text}"
    return combined if keyword_reason(combined) == reason else phrase


def _row_remark(decided: DecidedForm, index: int, score: float | None) -> str:
    """The remark of a decided row: the cut that set its score (accepted, edited or own), else
    its lowest decided cut (several accepted cuts combine into the row's score)."""
    own = [(d.score, d.text or "") for d in decided.own if d.indicator_index == index and d.score is not None]
    cuts = [(s.score, remark_for(s.comment.reason, s.text)) for s in decided.suggestions
            if s.comment.indicator_index == index and s.score is not None]  # fmt: skip
    exact = [text for cut, text in cuts + own if cut == score]
    if exact:
        return exact[0]
    return min(cuts + own)[1] if cuts + own else ""


def decided_form(form: Form, decided: DecidedForm) -> Form:
    """The form as the reviewer scored it."""
    indicators = list(form.indicators)
    for r in decided.rows:
        if r.row.index >= len(indicators):
            continue
        remark = _row_remark(decided, r.row.index, r.decided) if not r.unreviewed else ""
        update = {"score": None if r.unreviewed else r.decided}
        if remark:
            update["deviation"] = remark
        indicators[r.row.index] = indicators[r.row.index].model_copy(update=update)
    total = decided.total if decided.total_decided else None
    return form.model_copy(update={"indicators": indicators, "total_score": total})


def decided_forms(folder: Path) -> tuple[list[Form], list[str]]:
    """The run's reviewed forms as decided, and a message for each that could not be used."""
    if not (folder / STATE_FILE).is_file():
        return [], [f"not a batch run directory (no {STATE_FILE}): make one with `reviewer batch --out DIR`"]
    store = DecisionStore(folder)
    run = Run(folder, store.path)
    forms, problems = [], []
    try:
        for key in store.reviewed_keys():
            loaded = load_form(run, store, key)
            if loaded.decided is None or loaded.source is None:
                problems.append(f"{key}: {loaded.problem}")
                continue
            forms.append(decided_form(loaded.source, loaded.decided))
    finally:
        run.close()
        store.close()
    return forms, problems


@dataclass
class CheckAgreement:
    check: str
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    suggested: int = 0  # every suggestion of the check in the run

    @property
    def decided(self) -> int:
        return self.accepted + self.edited + self.rejected

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.decided if self.decided else None


def agreement(run: Run, store: DecisionStore) -> list[CheckAgreement]:
    """Per check code: suggestions accepted as is, edited, rejected, and in the run."""
    by_code: dict[str, CheckAgreement] = {}

    def of(code: str) -> CheckAgreement:
        return by_code.setdefault(code, CheckAgreement(code))

    for codes, n in run.suggestion_counts():
        for code in _codes(codes):
            of(code).suggested += n
    for _, codes, verdict in store.verdicts():
        for code in _codes(codes):
            if verdict in ("accepted", "edited", "rejected"):
                setattr(of(code), verdict, getattr(of(code), verdict) + 1)
    return sorted(by_code.values(), key=lambda a: (-a.decided, a.check))


def _codes(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()] or ["（无检查）"]
