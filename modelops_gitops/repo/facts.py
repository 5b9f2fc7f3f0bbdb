"""What a document provides and references, and the checks across documents made on them.

Facts are small plain dataclasses: cross-document checks run on facts alone, so a
10,000-model repository is checked without keeping 10,000 documents in memory, cached facts
load without importing pydantic, and only a failing file is read again to put a line number
on its problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from modelops_gitops.suggest import did_you_mean

Path = tuple[str | int, ...]
Issue = tuple[Path, str]


@dataclass(frozen=True)
class Ref:
    """`path` in the document names `target` of kind team, stage, model, policy or rule."""

    path: Path
    kind: str
    target: str
    scope: str = ""  # for a rule: the policy it must belong to


@dataclass(frozen=True)
class Facts:
    file: str
    kind: str
    name: str
    provides: tuple[str, ...] = ()  # stage names (Lifecycle), team names (Teams), rule ids (Policy)
    refs: tuple[Ref, ...] = field(default_factory=tuple)
    stages: tuple[tuple[str, str], ...] = ()  # a Model's desired spec.stages: (stage, version)


def cross_check(
    all_facts: list[Facts], *, model_exists: Callable[[str], bool] | None = None
) -> dict[str, list[Issue]]:
    """Problems between documents, per file. `model_exists(name)` answers for models that were
    not loaded (validating a few files); by default only loaded models exist."""
    by_kind: dict[str, list[Facts]] = {}
    for facts in all_facts:
        by_kind.setdefault(facts.kind, []).append(facts)
    issues: dict[str, list[Issue]] = {}

    def add(file: str, issue: Issue) -> None:
        issues.setdefault(file, []).append(issue)

    for kind in ("Lifecycle", "Teams", "Repository"):
        docs = by_kind.get(kind, [])
        for extra in docs[1:]:
            add(extra.file, (("kind",), f"a second {kind} document (first in {docs[0].file})"))
    for kind in ("Policy", "Waiver", "Model"):
        counts = Counter(f.name for f in by_kind.get(kind, []))
        for facts in by_kind.get(kind, []):
            if counts[facts.name] > 1:
                add(facts.file, (("metadata", "name"), f"{kind} name {facts.name!r} is used twice"))

    stages = {s for f in by_kind.get("Lifecycle", []) for s in f.provides}
    teams = {t for f in by_kind.get("Teams", []) for t in f.provides}
    models = {f.name for f in by_kind.get("Model", [])}
    rules = {f.name: set(f.provides) for f in by_kind.get("Policy", [])}
    has = {"Lifecycle": bool(stages), "Teams": bool(teams)}

    def exists(ref: Ref) -> bool:
        if ref.kind == "stage":
            return not has["Lifecycle"] or ref.target in stages
        if ref.kind == "team":
            return not has["Teams"] or ref.target in teams
        if ref.kind == "model":
            return ref.target in models or bool(model_exists and model_exists(ref.target))
        if ref.kind == "policy":
            return ref.target in rules
        return ref.scope not in rules or ref.target in rules[ref.scope]

    where = {"stage": "the Lifecycle", "team": "policies/teams.yaml", "model": "models/"}
    for facts in all_facts:
        for ref in facts.refs:
            if not exists(ref):
                place = where.get(ref.kind, "the policies")
                if ref.kind == "rule":
                    message = f"policy {ref.scope!r} has no rule {ref.target!r}"
                else:
                    valid = {"stage": stages, "team": teams, "model": models}.get(ref.kind, rules)
                    hint = did_you_mean(ref.target, valid)
                    message = f"unknown {ref.kind} {ref.target!r}, not in {place}{hint}"
                add(facts.file, (ref.path, message))
    return issues
