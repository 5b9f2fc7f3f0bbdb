"""Pure: a `performance` rule's verdict on one production version, from two metric tables
already computed with the test gate's scorer: the version on its evaluation data (what it
promised) and on its latest labelled production snapshot (what it delivers).

A metric degrades when it moves the wrong way: down for roc_auc, accuracy, f1, precision,
recall, r2; up for log_loss, rmse, mae. It breaches when the degradation exceeds the rule's
absolute bound, or its relative bound (degradation / |evaluation value|). A metric that is
undefined on either side (one class in the labels, no predict_proba) breaches too: the rule
asked for it and nothing shows it holds.

    judge(rule, "production-high-risk", evaluation, production, undefined, greater)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modelops_gitops.kinds.policy import PerformanceRule, rule_id


@dataclass(frozen=True)
class MetricCheck:
    metric: str
    evaluation: float | None
    production: float | None
    degradation: float | None  # > 0: worse in production, in the metric's units
    relative: float | None  # degradation / |evaluation|
    breached: bool
    message: str


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's verdict: `policy/rule-id`, its enforcement and what to do on a breach."""

    rule: str
    enforcement: str
    on_breach: str
    checks: tuple[MetricCheck, ...]

    @property
    def breached(self) -> bool:
        return any(check.breached for check in self.checks)

    @property
    def blocking(self) -> bool:
        return self.breached and self.enforcement == "block"


def degradation(evaluation: float, production: float, greater_is_better: bool) -> float:
    """How much worse production is than evaluation (negative: better)."""
    return evaluation - production if greater_is_better else production - evaluation


def relative(evaluation: float, worse: float) -> float | None:
    """`worse` as a share of the evaluation value; None when that value is 0."""
    return None if evaluation == 0 else worse / abs(evaluation)


def judge(
    rule: PerformanceRule,
    policy: str,
    evaluation: Mapping[str, float],
    production: Mapping[str, float],
    undefined: Mapping[str, str],
    greater_is_better: Mapping[str, bool],
) -> RuleOutcome:
    """The rule's checks, one per metric it names, in its order. `undefined` gives the reason
    a metric has no value in production (or on the evaluation data)."""
    checks = [
        _check(rule, name, evaluation, production, undefined, greater_is_better[name])
        for name in dict.fromkeys(rule.metrics)
    ]
    return RuleOutcome(f"{policy}/{rule_id(rule)}", rule.enforcement, rule.on_breach, tuple(checks))


def _check(
    rule: PerformanceRule,
    name: str,
    evaluation: Mapping[str, float],
    production: Mapping[str, float],
    undefined: Mapping[str, str],
    greater: bool,
) -> MetricCheck:
    before, after = evaluation.get(name), production.get(name)
    if before is None or after is None:
        why = undefined.get(name, "not computed")
        message = f"{name}: cannot be checked: {why}"
        return MetricCheck(name, before, after, None, None, True, message)
    worse = degradation(before, after, greater)
    share = relative(before, worse)
    limits = []
    breached = False
    if rule.max_absolute_degradation is not None:
        limits.append(f"{rule.max_absolute_degradation:g}")
        breached |= worse > rule.max_absolute_degradation
    if rule.max_relative_degradation is not None:
        limits.append(f"{rule.max_relative_degradation:.1%}")
        # from an evaluation value of 0, any worsening is an unbounded relative one
        breached |= worse > 0 if share is None else share > rule.max_relative_degradation
    verdict = "exceeds" if breached else "within"
    shown = "" if share is None else f" ({share:.1%})"
    message = (
        f"{name} {after:.4g} in production vs {before:.4g} on evaluation data: "
        f"degradation {worse:.4g}{shown} {verdict} the allowed {' / '.join(limits)}"
    )
    return MetricCheck(name, before, after, worse, share, breached, message)


@dataclass(frozen=True)
class Performance:
    """The version scored on its latest labelled snapshot, and every rule's verdict on it."""

    snapshot: str
    sha256: str
    date: str | None
    rows: int
    evaluation: dict[str, float]  # on the version's evaluation data
    production: dict[str, float]  # on the labelled snapshot
    undefined: dict[str, str]  # metric -> why it has no value (either side)
    outcomes: tuple[RuleOutcome, ...] = ()

    @property
    def breaches(self) -> list[str]:
        """`policy/rule: message` of every breached check (blocking or not)."""
        return [
            f"{outcome.rule}: {check.message}"
            for outcome in self.outcomes
            for check in outcome.checks
            if check.breached
        ]

    @property
    def blocking(self) -> bool:
        return any(outcome.blocking for outcome in self.outcomes)

    @property
    def propose_rollback(self) -> bool:
        return any(o.breached and o.on_breach == "propose_rollback" for o in self.outcomes)
