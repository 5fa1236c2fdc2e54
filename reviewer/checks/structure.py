"""Structure: weights, score ranges, missing cells and categories (DOMAIN §3 rules 1, 8)."""

from __future__ import annotations

from reviewer.checks.common import Context, fmt, level1_key, weight_total
from reviewer.checks.registry import check, hit
from reviewer.domain.model import Form


@check(
    "PF201", "weights-total", title="分值合计有误", category="structure", severity="error",
    message="分值合计为{total}（预算执行{budget}＋指标{indicators}），应为{should}。",
    suggestion="调整各项分值，使合计为100分。",
)
def weights_total(form: Form, ctx: Context):
    """What it checks: the budget weight plus all indicator weights against 100 (the
    policy's `total_weight`), and a 总分 row that declares another total.
    Why it matters: 财预〔2020〕10号: weights may be adjusted in special cases but the total
    must be 100 (DOMAIN rule 1); otherwise the score is not on the common scale.
    Example: 预算执行率 10 + indicators 20+20+20+20+10+10 = 110.
    How to fix: rebalance the indicator weights so everything adds up to 100.
    """
    total = weight_total(form, ctx.policy)
    if total is None:
        return
    indicators = sum(r.weight or 0.0 for r in form.indicators)
    budget = total - indicators
    expected = ctx.policy.total_weight
    if abs(total - expected) > ctx.tol or (form.total_weight is not None and abs(form.total_weight - expected) > ctx.tol):
        yield hit(field="total_weight", total=fmt(total), budget=fmt(budget or 0.0),
                  indicators=fmt(indicators), should=fmt(expected))


def _scheme(ctx: Context, sections: set[str]):
    for scheme in ctx.policy.sections:
        if all(level1_key(w) in sections for w in scheme.when):
            return scheme
    return None


@check(
    "PF202", "section-weights", title="各类指标分值不符", category="structure", severity="warning",
    message="{section}下各指标分值合计为{total}，应为{should}（{scheme}）。",
    suggestion="调整该类指标分值，使合计符合规定权重。",
)
def section_weights(form: Form, ctx: Context):
    """What it checks: each level-1 section's indicator weights against the section's
    weight (产出 50, 效益 30, 满意度 10); the schemes are policy data, so a region that
    lists 成本指标 at level 1 (Beijing) gets its own.
    Why it matters: 财预〔2020〕10号 sets the section weights (DOMAIN rule 1); moving weight
    from outcomes to easy outputs is a common way to raise a score.
    Example: 产出指标 rows weighted 15+15+15+15 = 60 under the 50/30/10 scheme.
    How to fix: move weight between sections until each matches its declared weight.
    """
    sums: dict[str, float] = {}
    for row in form.indicators:
        key = level1_key(row.level1)
        sums[key] = sums.get(key, 0.0) + (row.weight or 0.0)
    scheme = _scheme(ctx, set(sums))
    if scheme is None:
        return
    for section, expected in scheme.weights.items():
        key = level1_key(section)
        if key in sums and abs(sums[key] - expected) > ctx.tol:
            yield hit(field=f"indicators.{key}", section=key, total=fmt(sums[key]),
                      should=fmt(expected), scheme=scheme.name)


@check(
    "PF203", "score-out-of-range", title="得分超出分值范围", category="structure", severity="error", uses_scores=True,
    message="“{name}”得分{score}超出0至分值{weight}的范围。",
    suggestion="得分应在0至分值之间，请重新核定。",
)
def score_out_of_range(form: Form, ctx: Context):
    """What it checks: an indicator or budget score above its weight or below 0.
    Why it matters: DOMAIN rule 8: a score above the weight is an error; it inflates the total.
    Example: 分值 10, 得分 12.
    How to fix: a score lies between 0 and the weight.
    Facets: the row facets only (section, level2, target_form).
    """
    for i, row in enumerate(ctx.rows):
        if row.score is None or row.weight is None:
            continue
        if row.score > row.weight + ctx.tol or row.score < 0:
            yield hit(i, "score", expected=min(max(row.score, 0.0), row.weight))
    f = form.funding
    if f.score is not None and f.weight is not None and (f.score > f.weight + ctx.tol or f.score < 0):
        yield hit(field="funding.score", expected=min(max(f.score, 0.0), f.weight),
                  name="预算执行率", score=fmt(f.score), weight=fmt(f.weight))


@check(
    "PF204", "score-missing", title="有分值未填得分", category="structure", severity="error", uses_scores=True,
    message="“{name}”有分值{weight}但未填写得分。",
    suggestion="补填得分。",
)
def score_missing(form: Form, ctx: Context):
    """What it checks: a weighted indicator, or the budget line, with a blank 得分.
    Why it matters: the total cannot be verified and the reviewer cannot tell a zero from
    an omission (财预〔2020〕10号 scoring table).
    Example: 年度资金总额 row: 分值 10, 得分 blank.
    How to fix: fill in the score (0 if nothing was achieved).
    Facets: the row facets only (section, level2, target_form).
    """
    for i, row in enumerate(ctx.rows):
        if row.weight and row.score is None and not ctx.not_applicable(i):
            yield hit(i, "score")
    f = form.funding
    if f.weight and f.score is None and (f.annual_budget is not None or f.executed is not None):
        yield hit(field="funding.score", name="预算执行率", weight=fmt(f.weight))


@check(
    "PF205", "not-applicable-weighted", title="不适用指标仍有分值", category="structure", severity="warning",
    message="“{name}”标为不适用，却仍有分值{weight}。",
    suggestion="不适用的指标分值应为0，或补充适用的指标。",
)
def not_applicable_weighted(form: Form, ctx: Context):
    """What it checks: a 不适用 row that still carries weight.
    Why it matters: 不适用 rows are kept with weight 0 (DOMAIN §1); weight on them is weight
    taken from the indicators that are really measured.
    Example: 生态效益指标 | 不适用 | 不适用 | 分值 5.
    How to fix: set the weight to 0 and give it to a measured indicator.
    Facets: the row facets only (section, level2, target_form).
    """
    for i, row in enumerate(ctx.rows):
        if ctx.not_applicable(i) and row.weight and row.weight > 0:
            yield hit(i, "weight")


@check(
    "PF206", "category-missing", title="缺少指标类别", category="structure", severity="warning",
    message="缺少{section}：绩效指标应包括产出、效益和满意度指标。",
    suggestion="补充缺少的一级指标。",
)
def category_missing(form: Form, ctx: Context):
    """What it checks: a required level-1 category (policy `required`: 产出指标, 效益指标,
    满意度指标) with no measured, weighted indicator.
    Why it matters: 财预〔2020〕10号 requires output, effect and satisfaction indicators; a
    form with outputs only cannot show what the money achieved.
    Example: every 效益指标 row 不适用.
    How to fix: add at least one measurable indicator in the missing category.
    """
    present = {level1_key(row.level1) for _, row, _, _ in ctx.live()}
    for section in ctx.get("required", ["产出指标", "效益指标", "满意度指标"]):
        key = level1_key(section)
        if not any(key[:2] in p for p in present):
            yield hit(field="indicators", section=key)


@check(
    "PF207", "value-missing", title="指标内容未填写", category="structure", severity="warning",
    message="“{name}”未填写{what}。",
    suggestion="补填缺失的指标值或完成值。",
)
def value_missing(form: Form, ctx: Context):
    """What it checks: a measured indicator with an empty 年度指标值 or 实际完成值.
    Why it matters: without a target nothing was promised, without an actual nothing can be
    scored (财预〔2020〕10号); the score is then unsupported.
    Example: 服务对象满意度 | ≥90% | (blank).
    How to fix: write the target and the measured actual value.
    Facets: value_field: target or actual, the cell left empty.
    Also the row facets (section, level2, target_form).
    """
    for i, _, target, actual in ctx.live():
        if target.kind == "empty":
            yield hit(i, "target", what="年度指标值", facets={"value_field": "target"})
        if actual.kind == "empty":
            yield hit(i, "actual", what="实际完成值", facets={"value_field": "actual"})
