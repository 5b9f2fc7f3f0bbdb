"""The desired state: `spec.stages` of every model (or of the named ones) in a tree.

Read through validate's per-file results and its cache: a warm `status` or `audit verify` of
10,000 models reads their stages from cached facts instead of parsing 10,000 YAML
documents. A model file that cannot be read as a Model is bad input (exit 2) naming its
file, line and field; problems inside a readable model (an unregistered version in a stage)
do not hide its desired stages.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from modelops_gitops.errors import InputError
from modelops_gitops.repo.facts import Facts
from modelops_gitops.repo.state import model_file
from modelops_gitops.repo.tree import Tree, document_paths, model_folder
from modelops_gitops.repo.validate import FileResult, cached_check, max_bytes_of
from modelops_gitops.repo.validate_cache import CACHE_DIR, ValidateCache
from modelops_gitops.repo.workspace import cache_dir

Desired = dict[str, dict[str, str]]  # model -> stage -> version


def model_paths(
    tree: Tree, models: Iterable[str] | None = None, *, listing: list[str] | None = None
) -> list[str]:
    """The model files of `tree`: all of them, or those of `models` that exist. `listing`:
    `tree.paths()` when the caller has it already."""
    if models is None:
        paths = tree.paths() if listing is None else listing
        return [p for p in document_paths(paths) if model_folder(p) is not None]
    found = []
    for name in models:
        path = model_file(name)
        for candidate in (path, path.removesuffix(".yaml") + ".yml"):
            if tree.exists(candidate):
                found.append(candidate)
    return document_paths(found)


def desired_stages(
    tree: Tree, root: Path | None, paths: list[str], *, use_cache: bool = True
) -> Desired:
    """model -> stage -> version for the model files `paths` of `tree`. `root` locates the
    cache (None: no cache); a git revision's files are cached by blob id."""
    private = cache_dir(root) if use_cache and root is not None else None
    cache = ValidateCache(private / CACHE_DIR) if private is not None else None
    max_bytes = max_bytes_of(tree)
    # Kept results are read for their stages alone; the others are checked (and kept).
    kept: dict[str, tuple[str, str, dict[str, str]]] = {}
    if cache is not None:
        keys = cache.keys(tree, paths, max_bytes)
        kept = {p: found for p in paths if (found := cache.stages_of(keys[p])) is not None}
    todo = [p for p in paths if p not in kept]
    results = cached_check(tree, todo, max_bytes, os.cpu_count() or 1, cache) if todo else []
    results = _refresh_stale(tree, results, max_bytes, cache)
    broken = [p for r in results if r.facts is None for p in r.problems]
    if broken:
        raise InputError(broken)
    for path, result in zip(todo, results, strict=True):
        facts = result.facts
        assert facts is not None
        kept[path] = (facts.kind, facts.name, dict(facts.stages))
    desired: Desired = {}
    for path in paths:
        kind, name, stages = kept[path]
        if kind == "Model":
            desired[name] = stages
    return desired


def _refresh_stale(
    tree: Tree, results: list[FileResult], max_bytes: int, cache: ValidateCache | None
) -> list[FileResult]:
    """Facts cached by a version of the tool before `Facts.stages` existed read as models
    with no stages: those files are checked again (and the cache updated)."""
    stale = [r.file for r in results if r.facts is not None and not _has_stages(r.facts)]
    if not stale:
        return results
    fresh = {r.file: r for r in cached_check(tree, stale, max_bytes, 1, None)}
    if cache is not None:
        keys = cache.keys(tree, stale, max_bytes)
        for file in stale:
            cache.put(keys[file], fresh[file])
        cache.save()
    return [fresh.get(r.file, r) for r in results]


def _has_stages(facts: Facts) -> bool:
    return facts.kind != "Model" or "stages" in vars(facts)
