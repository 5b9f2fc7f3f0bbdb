"""The repository as documents: settings, models, lifecycle, teams, policies and waivers.

`load_state(tree)` reads every policy document and modelops.yaml, and either every model or
only the named ones (a plan reads just the models a PR touches). Any problem in what it reads
is an InputError carrying every problem with file:line:col, so a broken base or head is
reported exactly like `validate` would. Documents already parsed are taken from the clone's
private cache by content digest (sha256) (`repo/document_cache.py`): unchanged YAML is not parsed again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from modelops_gitops import collector
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import InputError
from modelops_gitops.kinds import Lifecycle, Model, Policy, Repository, Teams, Waiver
from modelops_gitops.kinds.limits import DEFAULT_MAX_BYTES
from modelops_gitops.kinds.settings import RepositorySpec
from modelops_gitops.problems import Problem
from modelops_gitops.repo.document_cache import DocumentCache
from modelops_gitops.repo.load import document_of, load_with_data, locate
from modelops_gitops.repo.tree import (
    MODELOPS_FILE,
    POLICIES_DIR,
    Tree,
    WorkTree,
    batch_reader,
    document_paths,
    special_problems,
)
from modelops_gitops.repo.tree import model_file as model_file  # where it always was
from modelops_gitops.repo.workspace import cache_dir

DEFAULT_SETTINGS = Repository.model_validate(
    {"apiVersion": "modelops-gitops/v1", "kind": "Repository", "metadata": {"name": "repository"}}
)


@dataclass(frozen=True)
class RepoState:
    label: str
    settings: Repository = DEFAULT_SETTINGS
    models: dict[str, Model] = field(default_factory=dict)
    lifecycle: Lifecycle | None = None
    teams: Teams | None = None
    policies: dict[str, Policy] = field(default_factory=dict)
    waivers: dict[str, Waiver] = field(default_factory=dict)
    files: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) -> file
    raw: dict[str, bytes] = field(default_factory=dict)  # file -> bytes, as read

    @property
    def spec(self) -> RepositorySpec:
        return self.settings.spec

    def file_of(self, kind: str, name: str) -> str:
        return self.files.get((kind, name), model_file(name) if kind == "Model" else "")

    def documents(self) -> list[tuple[str, BaseModel]]:
        """Every loaded document with its file, in file order."""
        tables: dict[str, dict[str, Any]] = {
            "Model": self.models,
            "Policy": self.policies,
            "Waiver": self.waivers,
        }
        singles: dict[str, BaseModel | None] = {
            "Lifecycle": self.lifecycle,
            "Teams": self.teams,
            "Repository": self.settings,
        }
        out: list[tuple[str, BaseModel]] = []
        for (kind, name), file in sorted(self.files.items(), key=lambda item: item[1]):
            doc = tables[kind].get(name) if kind in tables else singles.get(kind)
            if doc is not None:
                out.append((file, doc))
        return out

    def policy_set_sha256(self) -> str:
        """Hash of the governance in force: modelops.yaml and every policies/*.yaml, by path."""
        parts = [
            f"{path}\0{sha256_bytes(data)}\n"
            for path, data in sorted(self.raw.items())
            if path == MODELOPS_FILE or path.startswith(f"{POLICIES_DIR}/")
        ]
        return sha256_bytes("".join(parts).encode())


def governance_paths(paths: Iterable[str]) -> list[str]:
    governance = (p for p in paths if p == MODELOPS_FILE or p.startswith(f"{POLICIES_DIR}/"))
    return document_paths(governance)


def load_state(
    tree: Tree, *, models: Iterable[str] | None = None, listing: list[str] | None = None
) -> RepoState:
    """Load the documents of `tree`: all models, or only `models` (those that exist).
    `listing`: `tree.paths()` when the caller has it already (listing a 10,000-model work
    tree is a scan of 10,000 folders). The documents are kept, none cyclic: the collector
    is paused while they are built (`collector.paused`)."""
    with collector.paused():
        return _load_state(tree, models, listing)


def _load_state(tree: Tree, models: Iterable[str] | None, listing: list[str] | None) -> RepoState:
    all_paths = tree.paths() if listing is None else listing
    wanted = governance_paths(all_paths)
    if models is None:
        model_paths = [p for p in document_paths(all_paths) if p.startswith("models/")]
    else:  # a few named models of a large tree: look them up, do not scan every path
        listed = set(all_paths)
        candidates = (model_file(n) for n in models)
        candidates = (c for m in candidates for c in (m, m.removesuffix(".yaml") + ".yml"))
        model_paths = document_paths(c for c in candidates if c in listed)
    problems: list[Problem] = special_problems(tree, all_paths)
    docs: dict[str, object] = {}
    raw: dict[str, bytes] = {}
    max_bytes = DEFAULT_MAX_BYTES
    # the cache pays off when every model is read; a few files parse faster than it loads
    cache = DocumentCache(_cache_folder(tree) if models is None else None)
    paths = [*wanted, *model_paths]
    read = batch_reader(tree, paths)
    for path in paths:
        try:
            data = read(path)
        except InputError as exc:
            problems += exc.problems
            continue
        key = cache.key(path, data, max_bytes)
        kept = cache.get(key)
        doc = document_of(path, kept) if kept is not None else None
        if doc is None:
            doc, found, parsed = load_with_data(path, data, max_bytes=max_bytes)
            problems += found
            if doc is not None:
                cache.put(key, parsed)
        raw[path] = data
        if doc is not None:
            docs[path] = doc
            if isinstance(doc, Repository):
                max_bytes = doc.spec.max_file_bytes
    if problems:
        raise InputError([_labelled(p, tree.label) for p in problems])
    cache.save()
    return _assemble(tree.label, docs, raw)


def _cache_folder(tree: Tree) -> Path | None:
    """The private cache of the clone `tree` belongs to (a work tree or a commit of it)."""
    root = getattr(tree, "root", None) or getattr(tree, "repo", None)
    return cache_dir(root) if isinstance(root, Path) else None


def _labelled(problem: Problem, label: str) -> Problem:
    if label in ("", "WORKTREE"):
        return problem
    return Problem(
        problem.file, problem.line, problem.column, problem.field, f"{problem.message} (at {label})"
    )


def _assemble(label: str, docs: dict[str, object], raw: dict[str, bytes]) -> RepoState:
    state = RepoState(label=label, raw=raw)
    settings = DEFAULT_SETTINGS
    lifecycle = teams = None
    twice: list[Problem] = []
    for path, doc in sorted(docs.items()):
        if isinstance(doc, Repository):
            settings = doc
        elif isinstance(doc, Model):
            state.models[doc.metadata.name] = doc
        elif isinstance(doc, Lifecycle):
            lifecycle = doc
        elif isinstance(doc, Teams):
            teams = doc
        elif isinstance(doc, Policy):
            state.policies[doc.metadata.name] = doc
        elif isinstance(doc, Waiver):
            state.waivers[doc.metadata.name] = doc
        kind = type(doc).__name__
        key = (kind, doc.metadata.name)  # type: ignore[attr-defined]
        if key in state.files:  # the dicts above keep one of them: refuse, as validate does
            issue: list[tuple[tuple[str | int, ...], str]] = [
                (("metadata", "name"), f"{kind} name {key[1]!r} is used twice")
            ]
            twice += [
                p for f in (state.files[key], path) for p in locate(f, raw[f], issue, 1 << 30)
            ]
        state.files[key] = path
    if twice:
        raise InputError([_labelled(p, label) for p in twice])
    return RepoState(
        label=label,
        settings=settings,
        models=state.models,
        lifecycle=lifecycle,
        teams=teams,
        policies=state.policies,
        waivers=state.waivers,
        files=state.files,
        raw=raw,
    )


def load_repository(root: Path) -> RepoState:
    """The work tree at `root`, every document."""
    return load_state(WorkTree(root))
