"""The warm `validate` of the whole work tree, against the cache's index (validate_cache.py).

A document whose signature matches its index entry and that had no problem is not read at
all, not even its shard. When no document came, went or changed its summary (kind, name,
provides), what the documents provide is unchanged: the others' cross-document problems are
the index's, and only the changed documents are checked, against the others' summaries.
Otherwise every document's facts are loaded and all are checked, as without an index. The
answer is a cold run's either way (tests/test_validate_index.py holds them equal).
"""

from __future__ import annotations

from collections.abc import Callable

from modelops_gitops.problems import Problem
from modelops_gitops.repo.facts import cross_check, issues_of, universe
from modelops_gitops.repo.tree import POLICIES_DIR, Tree
from modelops_gitops.repo.validate import (
    FileResult,
    check_files,
    locate_issues,
    missing_singletons,
)
from modelops_gitops.repo.validate_cache import (
    Entry,
    Index,
    Key,
    Located,
    ValidateCache,
    key_of,
    signatures,
)


class WholeTree:
    """One whole-tree run: `run()` gives the problems of the documents and between them."""

    def __init__(
        self,
        tree: Tree,
        documents: list[str],
        max_bytes: int,
        jobs: int,
        cache: ValidateCache,
        model_exists: Callable[[str], bool],
    ) -> None:
        self.tree, self.documents, self.max_bytes, self.jobs = tree, documents, max_bytes, jobs
        self.cache, self.model_exists = cache, model_exists
        self.signatures = signatures(tree, documents)
        self.results: dict[str, FileResult] = {}

    def run(self) -> list[Problem]:
        old = self.cache.read_index(self.max_bytes)
        # Unchanged and without problems: nothing to read. One pass over every document;
        # all that follows only touches the others (after one edit, one or two).
        changed = [
            file
            for file, signature in self.signatures.items()
            if signature is None
            or (entry := old.entries.get(file)) is None
            or entry[0] != signature
            or entry[4]
        ]
        for file in changed:
            if (hit := self.cache.get(self._key(file))) is not None:
                self.results[file] = hit
        self._check([f for f in changed if f not in self.results])
        same_files = list(old.entries) == self.documents
        if same_files:
            entries = dict(old.entries)
            for file in changed:
                entries[file] = self._entry(file, old.entries[file])
        else:
            entries = {
                f: self._entry(f, old.entries.get(f)) if f in self.results else old.entries[f]
                for f in self.documents
            }
        unchanged = (
            old.cross is not None
            and same_files
            and all(old.entries[f][1:4] == entries[f][1:4] for f in self.results)
        )
        if unchanged:
            assert old.cross is not None
            cross = self._cross_of_changed(old.cross, entries)
        else:
            cross = self._cross_of_all()
        problems = [
            p for f in self.documents if f in self.results for p in self.results[f].problems
        ]
        problems += _missing_singletons(entries)
        problems += [Problem(*p) for found in cross.values() for p in found]
        rewritten = not same_files or any(entries[f] != old.entries[f] for f in changed)
        if rewritten or cross != old.cross:
            self.cache.write_index(self.max_bytes, Index(entries, cross))
        return problems

    def _key(self, file: str) -> Key | None:
        signature = self.signatures[file]
        return None if signature is None else key_of(file, self.max_bytes, signature)

    def _entry(self, file: str, old: Entry | None) -> Entry:
        """`file`'s new entry. A racy file (no key) that still says what it said keeps its
        old entry: its signature no longer matches the file, so it is checked again next
        run all the same, and the index is not rewritten for it."""
        signature, result = self.signatures[file], self.results[file]
        facts = result.facts
        summary = (None, "", ()) if facts is None else (facts.kind, facts.name, facts.provides)
        entry = (signature, *summary, bool(result.problems))
        if signature is None and old is not None and old[1:] == entry[1:]:
            return old
        return entry

    def _check(self, files: list[str]) -> None:
        for result in check_files(self.tree, files, self.max_bytes, self.jobs):
            self.cache.put(self._key(result.file), result)
            self.results[result.file] = result
        self.cache.save()

    def _cross_of_changed(
        self, old: dict[str, Located], entries: dict[str, Entry]
    ) -> dict[str, Located]:
        cross = {f: found for f, found in old.items() if f not in self.results}
        if not self.results:
            return cross
        known = universe((f, e[1], e[2], e[3]) for f, e in entries.items() if e[1] is not None)
        issues = {}
        for file, result in self.results.items():
            facts = result.facts
            if facts is not None and (found := issues_of(facts, known, self.model_exists)):
                issues[file] = found
        cross.update(_plain(locate_issues(self.tree, issues, self.max_bytes)))
        return cross

    def _cross_of_all(self) -> dict[str, Located]:
        missing = []
        for file in self.documents:
            if file in self.results:
                continue
            hit = self.cache.get(self._key(file))
            if hit is None:
                missing.append(file)
            else:
                self.results[file] = hit
        self._check(missing)
        facts = [r.facts for f in self.documents if (r := self.results[f]).facts is not None]
        issues = cross_check(facts, model_exists=self.model_exists)
        return _plain(locate_issues(self.tree, issues, self.max_bytes))


def _missing_singletons(entries: dict[str, Entry]) -> list[Problem]:
    """`missing_singletons` from the summaries; whether a policy is broken matters only
    when a singleton is missing, so it is looked for only then."""
    kinds = {entry[1] for entry in entries.values()}
    if "Lifecycle" in kinds and "Teams" in kinds:
        return []
    broken = any(e[1] is None and f.startswith(f"{POLICIES_DIR}/") for f, e in entries.items())
    return missing_singletons({k for k in kinds if k is not None}, broken)


def _plain(located: dict[str, list[Problem]]) -> dict[str, Located]:
    return {
        file: tuple((p.file, p.line, p.column, p.field, p.message) for p in found)
        for file, found in located.items()
    }
