"""The champion-challenger gate: the candidate must beat the version applied in the stage on
the SAME rows (the candidate's evaluation set), by the rule's minimum change. Its evidence
also shows the shift in permutation importance between the two (`importances`).

Minimum changes follow MLflow's `MetricThreshold` (greater_is_better comes from the metric
table: losses and errors are lower-is-better). With `improvement` = candidate - champion for a
greater-is-better metric and champion - candidate otherwise:

    min_absolute_change   improvement >= min_absolute_change
    min_relative_change   improvement / |champion| >= min_relative_change
                          (champion == 0: improvement >= 1e-10, as MLflow falls back)
    neither               improvement >= 0 (the candidate is at least as good)

A seeded paired bootstrap resamples rows with replacement (the same rows for both models),
recomputes the metric for both and takes the percentile interval of the improvement. With
`require_significant`, the interval's lower bound must be above zero. Resamples on which the
metric is undefined (e.g. one class only, for roc_auc) are skipped and counted.
"""

from __future__ import annotations

import contextlib

import numpy as np

from modelops_gitops.gates import importance, plots
from modelops_gitops.gates.base import GateIO, GateRequest, Progress, no_progress
from modelops_gitops.gates.metrics import (
    Metric,
    MetricUndefined,
    Scores,
    compute,
    compute_all,
    metric_for,
)
from modelops_gitops.gates.registry import GATES, champion_pins
from modelops_gitops.gates.result import Check, GateName, GateResult, JsonCell
from modelops_gitops.gates.scoring import model_features, score_versions
from modelops_gitops.kinds.policy import Bootstrap, ChampionRule

NAME: GateName = "champion"
VERSION = GATES[NAME].VERSION
pins = champion_pins  # declared in gates.registry, so a cache hit needs no import
_EPSILON = 1e-12  # float noise allowed when comparing an improvement with a minimum
_ZERO_BASELINE_CHANGE = 1e-10  # MLflow's fallback when the champion's value is 0


def run(request: GateRequest, io: GateIO) -> GateResult:
    rule = request.rule_as(ChampionRule)
    stage = f"stage {request.stage}" if request.stage else "the stage"
    if request.champion is None:
        return GateResult(
            gate="champion",
            status="pass",
            summary=f"no champion in {stage}: first promotion, nothing to compare against",
        )
    spec, candidate, champion = request.model.spec, request.version, request.champion
    try:
        metric_for(rule.metric, spec.task)
    except MetricUndefined as exc:
        return GateResult(gate="champion", status="error", summary=str(exc))
    (ours, theirs), frame = score_versions(io, spec, [candidate, champion], candidate.datasets.eval)
    names = (candidate.version, champion.version)
    result = compare(ours, theirs, rule, names=names, progress=io.progress)
    weights = [
        importance.permutation(
            model,
            frame,
            features=model_features(model, spec.features, artifact=version.artifact.path),
            target=spec.target,
            task=spec.task,
            artifact=version.artifact.path,
        )
        for version in (champion, candidate)
        for model in (io.model(version.artifact),)
    ]
    tables = result.tables | {"importances": importance.shift(*weights)}
    return result.model_copy(update={"tables": tables})


def compare(
    candidate: Scores,
    champion: Scores,
    rule: ChampionRule,
    *,
    names: tuple[str, str] = ("candidate", "champion"),
    progress: Progress = no_progress,
) -> GateResult:
    """The verdict on two models' scores over the same rows."""
    try:
        metric = metric_for(rule.metric, candidate.task)
        ours, theirs = compute(metric, candidate), compute(metric, champion)
    except MetricUndefined as exc:
        return GateResult(gate="champion", status="error", summary=f"{rule.metric}: {exc}")
    gain = improvement(metric, ours, theirs)
    checks = change_checks(metric, gain, theirs, rule)
    samples = bootstrap(metric, candidate, champion, rule.bootstrap, progress)
    bounds = interval(samples, rule.bootstrap.confidence)
    shown = f"[{bounds[0]:+.4g}, {bounds[1]:+.4g}]" if bounds else "undefined"
    if rule.require_significant:
        checks.append(
            Check(
                name="bootstrap interval above 0",
                value=bounds[0] if bounds else None,
                op=">",
                threshold=0.0,
                passed=bounds is not None and bounds[0] > 0,
                message=f"{rule.bootstrap.confidence:.0%} interval of the improvement {shown}",
            )
        )
    failed = [c for c in checks if not c.passed]
    verdict = "does not beat" if failed else "beats"
    summary = (
        f"{names[0]} {verdict} {names[1]} on {metric.name}: {ours:.4g} vs {theirs:.4g} "
        f"(improvement {gain:+.4g}, {rule.bootstrap.confidence:.0%} CI {shown})"
    )
    metrics = {"candidate": ours, "champion": theirs, "improvement": gain}
    plot = {}
    if bounds:
        metrics |= {"ci_low": bounds[0], "ci_high": bounds[1]}
        lines = {"zero": 0.0, "ci low": bounds[0], "ci high": bounds[1]}
        title = f"Bootstrap improvement in {metric.name}"
        plot["bootstrap"] = plots.histogram(title, samples, lines, xlabel="improvement")
    used = {"samples": rule.bootstrap.samples, "used": len(samples), "seed": rule.bootstrap.seed}
    return GateResult(
        gate="champion",
        status="fail" if failed else "pass",
        summary=summary,
        checks=tuple(checks),
        metrics=metrics,
        tables={
            "comparison": _comparison(candidate, champion),
            "bootstrap": [used | {"confidence": rule.bootstrap.confidence}],
        },
        plots=plot,
    )


def improvement(metric: Metric, candidate: float, champion: float) -> float:
    """How much better the candidate is: positive means better, whatever the direction."""
    return candidate - champion if metric.greater_is_better else champion - candidate


def change_checks(metric: Metric, gain: float, champion: float, rule: ChampionRule) -> list[Check]:
    checks = []
    if rule.min_absolute_change is not None:
        minimum = rule.min_absolute_change
        checks.append(
            Check(
                name="absolute change",
                value=gain,
                op=">=",
                threshold=minimum,
                passed=gain >= minimum - _EPSILON,
                message=f"{metric.name} improved by {gain:+.4g}, needs {minimum:g}",
            )
        )
    if rule.min_relative_change is not None:
        minimum = rule.min_relative_change
        if champion == 0:
            relative, minimum = gain, _ZERO_BASELINE_CHANGE
            note = "champion is 0: the candidate must simply be better"
        else:
            relative = gain / abs(champion)
            note = f"needs {rule.min_relative_change:.2%}"
        checks.append(
            Check(
                name="relative change",
                value=relative,
                op=">=",
                threshold=minimum,
                passed=relative >= minimum - _EPSILON,
                message=f"{metric.name} improved by {relative:+.2%} of the "
                f"champion's value; {note}",
            )
        )
    if not checks:
        checks.append(
            Check(
                name="not worse",
                value=gain,
                op=">=",
                threshold=0.0,
                passed=gain >= -_EPSILON,
                message=f"{metric.name} changed by {gain:+.4g}",
            )
        )
    return checks


def bootstrap(
    metric: Metric,
    candidate: Scores,
    champion: Scores,
    config: Bootstrap,
    progress: Progress = no_progress,
) -> list[float]:
    """Improvements on `config.samples` paired resamples (seeded: the same seed, the same
    rows, the same list). Resamples where the metric is undefined are left out."""
    rng = np.random.default_rng(config.seed)
    rows = len(candidate)
    gains: list[float] = []
    for done in range(config.samples):
        picked = rng.integers(0, rows, size=rows)
        with contextlib.suppress(MetricUndefined):
            ours = compute(metric, candidate.take(picked))
            gains.append(improvement(metric, ours, compute(metric, champion.take(picked))))
        if done % 50 == 49 or done + 1 == config.samples:
            progress("champion: bootstrap", done + 1, config.samples)
    return gains


def interval(samples: list[float], confidence: float) -> tuple[float, float] | None:
    """The percentile interval (numpy's linear interpolation); None without samples."""
    if not samples:
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(np.asarray(samples), [tail, 100 - tail])
    return float(low), float(high)


def _comparison(candidate: Scores, champion: Scores) -> list[dict[str, JsonCell]]:
    ours, _ = compute_all(candidate)
    theirs, _ = compute_all(champion)
    return [
        {"metric": name, "candidate": ours.get(name), "champion": theirs.get(name)}
        for name in sorted(set(ours) | set(theirs))
    ]
