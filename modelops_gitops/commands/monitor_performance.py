"""`monitor`'s performance check: the version in the stage scored on its latest labelled
production snapshot and on its evaluation data, with the test gate's own scorer and metric
table (gates/scoring.py, gates/metrics.py) through one verified reader, then judged by every
`performance` rule of the policies that govern the stage (monitor/performance.py).

Bad input (a rule naming a metric the task has no use for, a rule with no labelled data to
judge, a snapshot whose sha256 does not match) raises; nothing is judged on unverified data.
"""

from __future__ import annotations

from pathlib import Path

from modelops_gitops.commands.gate_cli import policy_rules
from modelops_gitops.errors import InputError
from modelops_gitops.kinds import Model
from modelops_gitops.kinds.policy import ArtifactRule, PerformanceRule
from modelops_gitops.monitor.labelled import latest, snapshots
from modelops_gitops.monitor.performance import Performance, judge
from modelops_gitops.problems import Problem
from modelops_gitops.repo.state import RepoState, model_file


def performance_of(
    root: Path, state: RepoState, model: Model, version: str, stage: str
) -> Performance | None:
    """None when the model pins no labelled snapshot."""
    rules: list[tuple[str, PerformanceRule]] = policy_rules(state, "performance", model, stage)
    snapshot = latest(snapshots(root, model))
    name = model.metadata.name
    if snapshot is None:
        return None  # the caller notes it when a rule asks for labels
    pinned = model.spec.version(version)
    if pinned is None:
        raise InputError.at(model_file(name), f"{name} has no version {version!r}")
    _check_metrics(state, model, rules)

    # scikit-learn, pandas: only when there is something to score
    from modelops_gitops.gates.limits import Limits, limited
    from modelops_gitops.gates.metrics import METRICS, compute_all
    from modelops_gitops.gates.runner import VerifiedIO
    from modelops_gitops.gates.scoring import score_versions

    unsafe = any(
        isinstance(rule, ArtifactRule) and rule.allow_unsafe_formats
        for _, rule in policy_rules(state, "artifact", model, stage)
    )
    io = VerifiedIO(root, allow_unsafe=unsafe)
    trust = state.spec.trust
    with limited(Limits(trust.dataset_max_bytes, trust.dataset_max_rows)):
        (on_eval,), _ = score_versions(io, model.spec, [pinned], pinned.datasets.eval)
        (on_labels,), _ = score_versions(io, model.spec, [pinned], snapshot)
    evaluation, eval_undefined = compute_all(on_eval)
    production, prod_undefined = compute_all(on_labels)
    undefined = {
        **{m: f"on the evaluation data: {why}" for m, why in eval_undefined.items()},
        **{m: f"on the labelled snapshot: {why}" for m, why in prod_undefined.items()},
    }
    greater = {metric: METRICS[metric].greater_is_better for metric in METRICS}
    outcomes = tuple(
        judge(rule, policy, evaluation, production, undefined, greater) for policy, rule in rules
    )
    return Performance(
        snapshot=snapshot.path,
        sha256=snapshot.sha256,
        date=snapshot.date.isoformat() if snapshot.date else None,
        rows=len(on_labels),
        evaluation=evaluation,
        production=production,
        undefined=undefined,
        outcomes=outcomes,
    )


def _check_metrics(
    state: RepoState, model: Model, rules: list[tuple[str, PerformanceRule]]
) -> None:
    """Every metric a rule names must apply to the model's task (kinds lists the names)."""
    from modelops_gitops.gates.metrics import MetricUndefined, metric_for

    problems = []
    for policy, rule in rules:
        index = next(i for i, r in enumerate(state.policies[policy].spec.rules) if r is rule)
        for metric in rule.metrics:
            try:
                metric_for(metric, model.spec.task)
            except MetricUndefined as exc:
                problems.append(
                    Problem(
                        file=state.file_of("Policy", policy),
                        line=0,
                        column=0,
                        field=f"spec.rules[{index}].metrics",
                        message=f"{exc} (model {model.metadata.name})",
                    )
                )
    if problems:
        raise InputError(problems)
