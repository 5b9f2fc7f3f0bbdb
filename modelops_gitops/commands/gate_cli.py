"""`gate test|champion|fairness|drift`: one gate alone, with progress on a terminal.

A model gate takes its settings from the first base policy rule of that type that governs
the model in the stage (default production), else the gate's defaults; `--set` overrides.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import typer

from modelops_gitops.commands.gate_drift import run_drift_command
from modelops_gitops.errors import InputError
from modelops_gitops.kinds.drift import DriftConfig
from modelops_gitops.progress import progress_reporter
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.repo.workspace import cache_dir
from modelops_gitops.suggest import did_you_mean

if TYPE_CHECKING:
    from modelops_gitops.kinds import Model
    from modelops_gitops.repo.state import RepoState

# The model gates, the policies and the repository's documents load only when a command
# names a model: `gate drift --reference A --current B` compares two files and needs none.


def _model(state: RepoState, name: str) -> Model:
    model = state.models.get(name)
    if model is None:
        hint = did_you_mean(name, state.models)
        raise InputError(f"unknown model {name!r}: no models/{name}/model.yaml{hint}")
    return model


def policy_rules(state: RepoState, kind: str, model: Model, stage: str) -> list[tuple[str, Any]]:
    """(policy name, rule) for every rule of type `kind` in the policies that govern promoting
    the model to `stage` (the selector plan uses), in policy-name then rule order."""
    from modelops_gitops.plan.policy import selects
    from modelops_gitops.plan.result import Change

    promotion = Change(kind="stage.promoted", model=model.metadata.name, stage=stage)
    return [
        (name, rule)
        for name, policy in sorted(state.policies.items())
        if selects(policy.spec.selector, promotion, {model.spec.risk_tier})
        for rule in policy.spec.rules
        if rule.type == kind
    ]


def policy_rule(state: RepoState, gate: str, model: Model, stage: str) -> Any | None:
    """The first rule of type `gate` in a policy that governs promoting the model to `stage`."""
    found = policy_rules(state, gate, model, stage)
    return found[0][1] if found else None


def model_drift_inputs(
    state: RepoState, model: Model, version: str, stage: str
) -> tuple[str, str, str, str, DriftConfig]:
    """What the drift gate compares for `version` of `model` in `stage`: its training data
    (reference) and the model's monitoring snapshot (current), with their pinned sha256s, and
    the settings plan would use: the governing policy's drift rule on the model's features."""
    from modelops_gitops.gates.drift.gate import drift_config
    from modelops_gitops.repo.state import model_file

    pinned = model.spec.version(version)
    current = model.spec.monitoring.current
    file = model_file(model.metadata.name)
    if pinned is None:
        hint = did_you_mean(version, [v.version for v in model.spec.versions], close=False)
        raise InputError.at(file, f"{model.metadata.name} has no version {version!r}{hint}")
    if current is None:
        raise InputError.at(
            file, "not set: the drift gate needs it", field="spec.monitoring.current"
        )
    rule = policy_rule(state, "drift", model, stage)
    settings = drift_config(rule if rule is not None else DriftConfig(), model.spec.features)
    train = pinned.datasets.train
    return train.path, train.sha256, current.path, current.sha256, settings


def model_gate(
    root: Path,
    gate: str,
    name: str,
    version: str,
    *,
    champion: str | None,
    stage: str | None,
    settings: list[str],
    fmt: str,
) -> int:
    from modelops_gitops.commands.gate_model import parse_overrides, run_gate
    from modelops_gitops.repo.state import load_state

    state = load_state(WorkTree(root), models=[name])
    model = _model(state, name)
    target = stage or "production"
    if gate == "champion" and champion is None:
        champion = model.spec.stages.get(target)
        if champion is None or champion == version:
            raise InputError(f"gate champion: no champion in {target}; give --champion VERSION")
    private = cache_dir(root)
    with progress_reporter() as progress:
        text, code = run_gate(
            root,
            model,
            version,
            gate,
            champion=champion,
            stage=target,
            rule=policy_rule(state, gate, model, target),
            overrides=parse_overrides(settings),
            cache_dir=private / "gates" if private else None,
            fmt=cast(Literal["text", "json"], fmt),
            progress=progress,
        )
    typer.echo(text, nl=not text.endswith("\n"))
    return code


def drift_gate(
    root: Path,
    name: str | None,
    version: str | None,
    *,
    reference: str | None,
    current: str | None,
    config: Path | None,
    engine: str,
    scheduler: str | None,
    fmt: str,
) -> int:
    ref_sha = cur_sha = None
    settings: DriftConfig | None = None
    if name is not None:
        if reference or current:
            raise InputError("gate drift: give MODEL VERSION or --reference/--current, not both")
        from modelops_gitops.repo.state import load_state

        state = load_state(WorkTree(root), models=[name])
        model = _model(state, name)
        pinned = model.spec.version(version or "")
        if pinned is None:
            hint = did_you_mean(
                version or "", [v.version for v in model.spec.versions], close=False
            )
            raise InputError(f"gate drift: {name} has no version {version!r}{hint}")
        inputs = model_drift_inputs(state, model, pinned.version, "production")
        reference, ref_sha, current, cur_sha, settings = inputs
    if reference is None or current is None:
        raise InputError("gate drift: give MODEL VERSION, or both --reference and --current")
    with progress_reporter() as progress:
        text, code = run_drift_command(
            _under(root, reference, name),
            _under(root, current, name),
            fmt=fmt,
            engine=engine,
            scheduler=scheduler,
            config_path=config,
            config=settings,
            reference_sha256=ref_sha,
            current_sha256=cur_sha,
            progress=progress,
        )
    typer.echo(text, nl=not text.endswith("\n"))
    return code


def _under(root: Path, location: str, model: str | None) -> str:
    """Pinned locations are repository-relative; files given on the command line are not."""
    if model is None or "://" in location:
        return location
    return str(root / location)
