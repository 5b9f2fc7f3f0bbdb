"""Checks that need more than one field: inside a document, and across documents.

Each validated document is reduced to `Facts` (facts.py): what it provides and what it
references, with key paths. The checks inside one document run here; the checks across
documents run on facts alone (`facts.cross_check`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from modelops_gitops.repo.facts import Facts, Issue, Ref
from modelops_gitops.repo.yaml_source import Path
from modelops_gitops.suggest import did_you_mean

if TYPE_CHECKING:
    from modelops_gitops.kinds import Lifecycle, Model, Policy


def facts_of(file: str, doc: Any) -> tuple[Facts, list[Issue]]:
    """The facts of one valid document, and the problems found inside it alone. Dispatched on
    the document's `kind`, so checking a model builds no other kind's pydantic models."""
    kind = doc.kind
    if kind == "Model":
        return _model(file, doc)
    if kind == "Policy":
        return _policy(file, doc)
    if kind == "Waiver":
        spec = doc.spec
        refs = (
            Ref(("spec", "model"), "model", spec.model),
            Ref(("spec", "policy"), "policy", spec.policy),
            Ref(("spec", "rule"), "rule", spec.rule, scope=spec.policy),
        )
        return Facts(file, "Waiver", doc.metadata.name, refs=refs), []
    if kind == "Lifecycle":
        return _lifecycle(file, doc)
    if kind == "Teams":
        names = [t.name for t in doc.spec.teams]
        issues = _duplicates(names, lambda i: ("spec", "teams", i, "name"), "team")
        return Facts(file, "Teams", doc.metadata.name, provides=tuple(names)), issues
    assert kind == "Repository", kind
    return Facts(file, "Repository", doc.metadata.name), []


def _duplicates(values: list[str], path_of: Callable[[int], Path], what: str) -> list[Issue]:
    seen: set[str] = set()
    issues: list[Issue] = []
    for index, value in enumerate(values):
        if value in seen:
            issues.append((path_of(index), f"{what} {value!r} is defined twice"))
        seen.add(value)
    return issues


def _model(file: str, doc: Model) -> tuple[Facts, list[Issue]]:
    spec = doc.spec
    versions = [v.version for v in spec.versions]
    issues = _duplicates(versions, lambda i: ("spec", "versions", i, "version"), "version")
    deprecated = {v.version for v in spec.versions if v.deprecated}
    refs = [Ref(("spec", "owner"), "team", spec.owner)]
    for stage, version in spec.stages.items():
        refs.append(Ref(("spec", "stages", stage), "stage", stage))
        if version not in versions:
            hint = did_you_mean(version, versions, close=False)
            issues.append((("spec", "stages", stage), f"version {version} is not registered{hint}"))
        elif version in deprecated:
            issues.append((("spec", "stages", stage), f"version {version} is deprecated"))
    stages = tuple(spec.stages.items())
    return Facts(file, "Model", doc.metadata.name, refs=tuple(refs), stages=stages), issues


def _policy(file: str, doc: Policy) -> tuple[Facts, list[Issue]]:
    from modelops_gitops.kinds.policy import (
        ApprovalsRule,
        FreezeRule,
        PreviousStageRule,
        RequireRule,
        rule_id,
    )

    spec = doc.spec
    refs = [
        Ref(("spec", "selector", "stages", i), "stage", s)
        for i, s in enumerate(spec.selector.stages)
    ]
    ids = [rule_id(rule) for rule in spec.rules]
    issues = _duplicates(ids, lambda i: ("spec", "rules", i, "id"), "rule id")
    for index, rule in enumerate(spec.rules):
        at: Path = ("spec", "rules", index)
        if isinstance(rule, ApprovalsRule):
            refs += [Ref((*at, "teams", j), "team", t) for j, t in enumerate(rule.teams)]
        elif isinstance(rule, PreviousStageRule):
            refs.append(Ref((*at, "stage"), "stage", rule.stage))
        elif isinstance(rule, FreezeRule):
            if rule.override_team:
                refs.append(Ref((*at, "override_team"), "team", rule.override_team))
            issues += _zone((*at, "timezone"), rule.timezone)
            issues += [
                ((*at, "windows", j, "end"), "the window ends before it starts")
                for j, w in enumerate(rule.windows)
                if _naive(w.end) <= _naive(w.start)
            ]
        elif isinstance(rule, RequireRule):
            from jsonschema import Draft202012Validator  # 0.1 s: only for a require rule
            from jsonschema.exceptions import SchemaError

            try:
                Draft202012Validator.check_schema(rule.schema_)
            except SchemaError as exc:
                issues.append(((*at, "schema"), f"not a valid JSON Schema: {exc.message}"))
    facts = Facts(file, "Policy", doc.metadata.name, provides=tuple(ids), refs=tuple(refs))
    return facts, issues


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _zone(path: Path, zone: str | None) -> list[Issue]:
    if zone is None:
        return []
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return [(path, f"unknown time zone {zone!r}")]
    return []


def _lifecycle(file: str, doc: Lifecycle) -> tuple[Facts, list[Issue]]:
    spec = doc.spec
    names = spec.stage_names()
    issues = _duplicates(names, lambda i: ("spec", "stages", i, "name"), "stage")
    for i, stage in enumerate(spec.stages):
        if stage.requires is not None and stage.requires not in names:
            hint = did_you_mean(stage.requires, names)
            issues.append(
                (("spec", "stages", i, "requires"), f"unknown stage {stage.requires!r}{hint}")
            )
        if stage.min_soak is not None and stage.requires is None:
            issues.append((("spec", "stages", i, "min_soak"), "min_soak needs `requires`"))
    for i, move in enumerate(spec.transitions):
        for key, value in (("from", move.from_), ("to", move.to)):
            if value != "none" and value not in names:
                hint = did_you_mean(value, names)
                issues.append((("spec", "transitions", i, key), f"unknown stage {value!r}{hint}"))
    return Facts(file, "Lifecycle", doc.metadata.name, provides=tuple(names)), issues
