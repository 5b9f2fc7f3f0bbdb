"""What a document provides and references, and the checks across documents made on them.

Facts are small plain dataclasses: cross-document checks run on facts alone, so a
10,000-model repository is checked without keeping 10,000 documents in memory, cached facts
load without importing pydantic, and only a failing file is read again to put a line number
on its problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
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


Summary = tuple[str, str, str, tuple[str, ...]]  # file, kind, name, provides
SINGLETONS = ("Lifecycle", "Teams", "Repository")  # one document of each kind at most
NAMED = ("Policy", "Waiver", "Model")  # a name used once per kind


@dataclass(frozen=True)
class Universe:
    """What the documents provide, all that a document's cross-checks depend on besides its
    own facts: built from summaries, so the warm `validate` checks one edited file without
    loading the facts of the 10,000 others."""

    first: dict[str, str]  # singleton kind -> the file of its first document
    counts: Counter[tuple[str, str]]  # (kind, name) of the named kinds -> documents using it
    stages: set[str]
    teams: set[str]
    models: set[str]
    rules: dict[str, set[str]]  # policy name -> its rule ids


def universe(summaries: Iterable[Summary]) -> Universe:
    """`summaries` in file order (the first Lifecycle is the one the others are told of)."""
    first: dict[str, str] = {}
    stages: set[str] = set()
    teams: set[str] = set()
    models: set[str] = set()
    rules: dict[str, set[str]] = {}
    named: list[tuple[str, str]] = []  # counted at the end, in one C loop
    for file, kind, name, provides in summaries:
        if kind == "Model":  # nearly every document: first, and alone
            named.append((kind, name))
            models.add(name)
            continue
        if kind in SINGLETONS:
            first.setdefault(kind, file)
        elif kind in NAMED:
            named.append((kind, name))
        if kind == "Lifecycle":
            stages.update(provides)
        elif kind == "Teams":
            teams.update(provides)
        elif kind == "Policy":
            rules[name] = set(provides)
    return Universe(first, Counter(named), stages, teams, models, rules)


def cross_check(
    all_facts: list[Facts], *, model_exists: Callable[[str], bool] | None = None
) -> dict[str, list[Issue]]:
    """Problems between documents, per file. `model_exists(name)` answers for models that were
    not loaded (validating a few files); by default only loaded models exist."""
    known = universe((f.file, f.kind, f.name, f.provides) for f in all_facts)
    issues: dict[str, list[Issue]] = {}
    for facts in all_facts:
        found = issues_of(facts, known, model_exists)
        if found:
            issues.setdefault(facts.file, []).extend(found)
    return issues


def issues_of(
    facts: Facts, known: Universe, model_exists: Callable[[str], bool] | None = None
) -> list[Issue]:
    """The problems between one document and the others (`known`)."""
    found: list[Issue] = []
    kind = facts.kind
    if kind in SINGLETONS and known.first.get(kind, facts.file) != facts.file:
        found.append((("kind",), f"a second {kind} document (first in {known.first[kind]})"))
    if kind in NAMED and known.counts[kind, facts.name] > 1:
        found.append((("metadata", "name"), f"{kind} name {facts.name!r} is used twice"))
    for ref in facts.refs:
        if not _exists(ref, known, model_exists):
            found.append((ref.path, _unknown(ref, known)))
    return found


def _exists(ref: Ref, known: Universe, model_exists: Callable[[str], bool] | None) -> bool:
    if ref.kind == "stage":
        return not known.stages or ref.target in known.stages
    if ref.kind == "team":
        return not known.teams or ref.target in known.teams
    if ref.kind == "model":
        return ref.target in known.models or bool(model_exists and model_exists(ref.target))
    if ref.kind == "policy":
        return ref.target in known.rules
    return ref.scope not in known.rules or ref.target in known.rules[ref.scope]


_WHERE = {"stage": "the Lifecycle", "team": "policies/teams.yaml", "model": "models/"}


def _unknown(ref: Ref, known: Universe) -> str:
    if ref.kind == "rule":
        return f"policy {ref.scope!r} has no rule {ref.target!r}"
    valid = {"stage": known.stages, "team": known.teams, "model": known.models}.get(
        ref.kind, known.rules
    )
    hint = did_you_mean(ref.target, valid)
    return f"unknown {ref.kind} {ref.target!r}, not in {_WHERE.get(ref.kind, 'the policies')}{hint}"
