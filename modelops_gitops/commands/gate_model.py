"""`gate test|champion|fairness MODEL VERSION`: run one model gate alone and report it.

The rule comes from `rule` (e.g. the one a policy holds) or the gate's defaults, with
`overrides` on top (`{"thresholds": {"roc_auc": {"min": 0.9}}}`; `parse_overrides` turns
`--set thresholds.roc_auc.min=0.9` pairs into that). Defaults: test checks the claimed
metrics; champion compares roc_auc (classifiers) or rmse (regressors); fairness uses the
model's first `sensitive_features` entry. The champion version is the caller's to name (the
version APPLIED in the stage comes from the ledger, not from `spec.stages`); without one the
champion gate passes as a first promotion.

Returns (output, exit code): 0 the gate passed, 1 it failed. Bad input raises InputError
(exit 2 at the CLI boundary), including a GateInputError from the gate itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, InputError
from modelops_gitops.gates.base import GateRequest, GateRule, Progress, no_progress
from modelops_gitops.gates.cache import ResultCache
from modelops_gitops.gates.result import GateResult
from modelops_gitops.gates.runner import VerifiedIO
from modelops_gitops.gates.runner import run_gate as run_named_gate
from modelops_gitops.kinds.model import Model, Version
from modelops_gitops.kinds.policy import ChampionRule, ExplainabilityRule, FairnessRule, TestRule
from modelops_gitops.suggest import did_you_mean

JSON_SCHEMA_VERSION = 1  # of the --format json document; docs/json-output.md lists them all

MODEL_GATES: dict[
    str, type[TestRule] | type[ChampionRule] | type[FairnessRule] | type[ExplainabilityRule]
] = {
    "test": TestRule,
    "champion": ChampionRule,
    "fairness": FairnessRule,
    "explainability": ExplainabilityRule,
}
Format = Literal["text", "json"]


def run_gate(
    repo_root: Path,
    model: Model,
    version: str,
    gate: str,
    *,
    champion: str | None = None,
    stage: str | None = None,
    rule: GateRule | None = None,
    overrides: Mapping[str, Any] | None = None,
    allow_unsafe: bool = False,
    trusted_types: Sequence[str] = (),
    cache_dir: Path | None = None,
    fmt: Format = "text",
    progress: Progress = no_progress,
) -> tuple[str, int]:
    """Run the `gate` on `model` at `version`; return the rendered result and the exit code."""
    request = GateRequest(
        root=repo_root,
        model=model,
        version=_version(model, version),
        rule=build_rule(gate, model, rule, overrides or {}),
        champion=_version(model, champion) if champion is not None else None,
        stage=stage,
        allow_unsafe=allow_unsafe,
        trusted_types=tuple(trusted_types),
    )
    io = VerifiedIO(repo_root, allow_unsafe=allow_unsafe, trusted=trusted_types, progress=progress)
    cache = ResultCache(cache_dir) if cache_dir is not None else None
    result = run_named_gate(gate, request, cache=cache, io=io)
    code = EXIT_OK if result.passed else EXIT_VIOLATION
    return render(result, model.metadata.name, version, fmt), code


def build_rule(
    gate: str, model: Model, rule: GateRule | None, overrides: Mapping[str, Any]
) -> GateRule:
    """The rule to run: `rule` or the gate's defaults for this model, with `overrides`."""
    kind = MODEL_GATES.get(gate)
    if kind is None:
        raise InputError(f"unknown model gate {gate!r} (known: {', '.join(MODEL_GATES)})")
    base = rule.model_dump(by_alias=True) if rule is not None else _defaults(gate, model)
    try:
        return kind.model_validate(_merge(base, overrides))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise InputError(f"gate {gate}: invalid configuration: {problems}") from exc


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """`["thresholds.roc_auc.min=0.9", "reproduce=false"]` -> nested overrides. Values are
    read as JSON (numbers, true/false, null, lists) and otherwise kept as strings."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--set {pair!r}: expected KEY=VALUE")
        try:
            value: Any = json.loads(text)
        except ValueError:
            value = text
        *parents, leaf = key.split(".")
        node = result
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise InputError(f"--set {pair!r}: {part} is already a value")
        node[leaf] = value
    return result


def render(result: GateResult, model: str, version: str, fmt: Format) -> str:
    if fmt == "json":
        body = {"schema_version": JSON_SCHEMA_VERSION, "model": model, "version": version}
        body["result"] = result.model_dump(mode="json")
        return json.dumps(body, indent=2, sort_keys=True) + "\n"
    lines = [f"{result.gate} {model} {version}: {result.status.upper()}: {result.summary}"]
    lines += [
        f"  [{'pass' if check.passed else 'FAIL'}] {check.name}: {check.message}"
        for check in result.checks
    ]
    if result.metrics:
        lines.append("  metrics: " + ", ".join(f"{k} {v:.4g}" for k, v in result.metrics.items()))
    lines += [f"  input {path} sha256 {digest}" for path, digest in sorted(result.inputs.items())]
    return "\n".join(lines) + "\n"


def _version(model: Model, version: str) -> Version:
    found = model.spec.version(version)
    if found is None:
        hint = did_you_mean(version, [v.version for v in model.spec.versions], close=False)
        raise InputError(f"model {model.metadata.name} has no version {version}{hint}")
    return found


def _defaults(gate: str, model: Model) -> dict[str, Any]:
    if gate == "champion":
        return {"type": gate, "metric": "rmse" if model.spec.task == "regression" else "roc_auc"}
    if gate == "explainability":  # without a rule: the top 3 are declared, non-sensitive ones
        spec = model.spec
        among = [f for f in spec.features if f not in spec.sensitive_features]
        return {"type": gate, "top": max(1, min(3, len(among))), "top_among": among}
    return {"type": gate}


def _merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
