"""`validate`: every document file checked, every problem collected, one result.

The per-file work (read, parse, validate, reduce to facts) runs on all cores for large
repositories and is cached by the file's stat signature, so re-validating after editing one
model re-reads one file. Cross-document checks then run on the facts. A warm run over the
whole work tree goes further (validate_index.py): the cache's index says which documents
are unchanged and clean, and while no document's summary changed, only the edited ones are
cross-checked, against the others' summaries; the result is the same as a cold run's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from modelops_gitops import collector
from modelops_gitops.errors import InputError
from modelops_gitops.kinds.limits import DEFAULT_MAX_BYTES, MAX_FILE_LIMIT, MIN_FILE_LIMIT
from modelops_gitops.problems import Problem, sorted_problems
from modelops_gitops.repo.facts import Facts, Issue, cross_check
from modelops_gitops.repo.tree import (
    MODELOPS_FILE,
    POLICIES_DIR,
    Tree,
    batch_reader,
    document_paths,
    model_folder,
    special_problems,
)
from modelops_gitops.repo.validate_cache import ValidateCache
from modelops_gitops.repo.yaml_source import YamlProblem, parse

PARALLEL_FROM = 400  # files; below this a process pool costs more than it saves
CHUNK_FILES = 200  # files per task at most (about 0.15 s of work)


@dataclass(frozen=True)
class FileResult:
    file: str
    facts: Facts | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Report:
    files: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_file(file: str, raw: bytes, max_bytes: int) -> FileResult:
    """Read one file alone: parse, validate, the checks inside it; its facts when valid."""
    from modelops_gitops.repo.load import (  # pydantic: only when a file is read
        load_document,
        locate,
    )
    from modelops_gitops.repo.references import facts_of

    doc, problems = load_document(file, raw, max_bytes=max_bytes)
    if doc is None:
        return FileResult(file, None, tuple(problems))
    facts, issues = facts_of(file, doc)
    if issues:
        return FileResult(file, facts, tuple(locate(file, raw, issues, max_bytes)))
    return FileResult(file, facts, ())


def _check_chunk(args: tuple[str, list[str], int]) -> list[FileResult]:
    root, files, max_bytes = args
    from pathlib import Path

    from modelops_gitops.repo.tree import WorkTree

    return _check_many(WorkTree(Path(root)), files, max_bytes)


def _check_many(tree: Tree, files: list[str], max_bytes: int) -> list[FileResult]:
    """The per-file loop. It allocates millions of short-lived objects and keeps none of
    them, so the cyclic garbage collector only costs time here (~20%): it is paused."""
    with collector.paused():
        read = batch_reader(tree, files)
        return [_check_one(read, file, max_bytes) for file in files]


def _check_one(read: Callable[[str], bytes], file: str, max_bytes: int) -> FileResult:
    try:
        raw = read(file)
    except InputError as exc:
        return FileResult(file, None, tuple(exc.problems))
    return check_file(file, raw, max_bytes)


def check_files(tree: Tree, files: list[str], max_bytes: int, jobs: int) -> list[FileResult]:
    root = getattr(tree, "root", None)
    if root is None or jobs < 2 or len(files) < PARALLEL_FROM:
        return _check_many(tree, files, max_bytes)
    from concurrent.futures import ProcessPoolExecutor  # 30 ms of imports: only when used

    # Small chunks: the last ones keep both workers busy to the end (with 1,250-file chunks
    # one worker could idle for a second while the other finished its last chunk).
    size = min(-(-len(files) // (jobs * 4)), CHUNK_FILES)
    chunks = [(str(root), files[i : i + size], max_bytes) for i in range(0, len(files), size)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [result for chunk in pool.map(_check_chunk, chunks) for result in chunk]


def max_bytes_of(tree: Tree) -> int:
    """The limit from modelops.yaml when it states a valid one, else the default. Read from
    the parsed data (no pydantic on the warm path); the file itself is validated with the rest."""
    if not tree.exists(MODELOPS_FILE):
        return DEFAULT_MAX_BYTES
    try:
        data = parse(MODELOPS_FILE, tree.read(MODELOPS_FILE), max_bytes=DEFAULT_MAX_BYTES).data
    except (InputError, YamlProblem):
        return DEFAULT_MAX_BYTES
    spec = data.get("spec") if isinstance(data, dict) else None
    value = spec.get("max_file_bytes") if isinstance(spec, dict) else None
    if type(value) is int and MIN_FILE_LIMIT <= value <= MAX_FILE_LIMIT:
        return value
    return DEFAULT_MAX_BYTES


def validate_tree(
    tree: Tree,
    paths: Iterable[str] | None = None,
    *,
    cache: ValidateCache | None = None,
    jobs: int | None = None,
) -> Report:
    """Validate the whole tree, or `paths` plus the documents they reference. Naming a policy
    file or modelops.yaml validates everything: every model is checked against them."""
    all_paths = tree.paths()
    documents = document_paths(all_paths)
    context = [p for p in documents if p == MODELOPS_FILE or p.startswith(f"{POLICIES_DIR}/")]
    if paths is None:
        wanted = documents
    else:
        paths = list(paths)
        missing = [p for p in paths if p not in all_paths and not tree.exists(p)]
        if missing:
            return Report(0, [Problem(p, 0, 0, "", "no such file") for p in missing])
        named = set(document_paths(paths))
        wanted = documents if named & set(context) else sorted(named | set(context))
    max_bytes = max_bytes_of(tree)
    jobs = jobs or os.cpu_count() or 1
    model_exists = ModelFolders(documents)
    problems = special_problems(tree, all_paths)
    if paths is None and cache is not None and getattr(tree, "settled_keys", None) is not None:
        from modelops_gitops.repo.validate_index import WholeTree

        check = WholeTree(tree, documents, max_bytes, jobs, cache, model_exists)
        return Report(len(documents), sorted_problems(problems + check.run()))
    results = cached_check(tree, wanted, max_bytes, jobs, cache)
    facts = [r.facts for r in results if r.facts is not None]
    problems += [p for r in results for p in r.problems]
    problems += missing_singletons({f.kind for f in facts}, _broken_policy(results))
    issues = cross_check(facts, model_exists=model_exists)
    problems += [p for found in locate_issues(tree, issues, max_bytes).values() for p in found]
    return Report(len(wanted), sorted_problems(problems))


class ModelFolders:
    """`name in` the model folders of `documents`, the set built on the first question: a
    warm run whose references all resolve never builds it (10,000 models: 2 ms)."""

    def __init__(self, documents: list[str]) -> None:
        self._documents = documents
        self._names: set[str | None] | None = None

    def __call__(self, name: str) -> bool:
        if self._names is None:
            self._names = {model_folder(p) for p in self._documents}
        return name in self._names


def locate_issues(
    tree: Tree, issues: dict[str, list[Issue]], max_bytes: int
) -> dict[str, list[Problem]]:
    if not issues:
        return {}
    from modelops_gitops.repo.load import locate  # pydantic: only when there is a problem

    return {file: locate(file, tree.read(file), found, max_bytes) for file, found in issues.items()}


def _broken_policy(results: Iterable[FileResult]) -> bool:
    return any(r.facts is None and r.file.startswith(f"{POLICIES_DIR}/") for r in results)


def missing_singletons(kinds: set[str], broken_policy: bool) -> list[Problem]:
    if broken_policy:
        return []  # a broken policy file may be the one; its own problem says enough
    return [
        Problem(POLICIES_DIR, 0, 0, "", f"no kind: {kind} document found under {POLICIES_DIR}/")
        for kind in ("Lifecycle", "Teams")
        if kind not in kinds
    ]


def cached_check(
    tree: Tree, files: list[str], max_bytes: int, jobs: int, cache: ValidateCache | None
) -> list[FileResult]:
    if cache is None:
        return check_files(tree, files, max_bytes, jobs)
    keys = cache.keys(tree, files, max_bytes)
    hits = {f: cache.get(k) for f, k in keys.items()}
    todo = [f for f in files if hits.get(f) is None]
    fresh = {r.file: r for r in check_files(tree, todo, max_bytes, jobs)}
    for file, result in fresh.items():
        cache.put(keys[file], result)
    cache.save()
    return [fresh[f] if f in fresh else _hit(hits[f]) for f in files]


def _hit(result: FileResult | None) -> FileResult:
    assert result is not None
    return result
