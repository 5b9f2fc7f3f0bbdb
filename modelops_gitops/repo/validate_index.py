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
from modelops_gitops.repo.validate_cache import Entry, Index, Located, ValidateCache


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
        self.keys = cache.keys(tree, documents, max_bytes)
        self.results: dict[str, FileResult] = {}

    def run(self) -> list[Problem]:
        old = self.cache.read_index(self.max_bytes)
        clean: set[str] = set()  # unchanged and without problems: nothing to read
        for file in self.documents:
            key, entry = self.keys[file], old.entries.get(file)
            if key is not None and entry is not None and entry[0] == key[2:] and not entry[4]:
                clean.add(file)
            elif (hit := self.cache.get(key)) is not None:
                self.results[file] = hit
        self._check([f for f in self.documents if f not in clean and f not in self.results])
        entries = {
            f: old.entries[f] if f in clean else self._entry(f, old.entries.get(f))
            for f in self.documents
        }
        unchanged = (
            old.cross is not None
            and list(old.entries) == self.documents
            and all(old.entries[f][1:4] == entries[f][1:4] for f in self.results)
        )
        if unchanged:
            assert old.cross is not None
            cross = self._cross_of_changed(old.cross, entries)
        else:
            cross = self._cross_of_all(clean)
        problems = [
            p for f in self.documents if f in self.results for p in self.results[f].problems
        ]
        kinds = {e[1] for e in entries.values() if e[1] is not None}
        broken = any(e[1] is None and f.startswith(f"{POLICIES_DIR}/") for f, e in entries.items())
        problems += missing_singletons(kinds, broken)
        problems += [Problem(*p) for found in cross.values() for p in found]
        if entries != old.entries or cross != old.cross:
            self.cache.write_index(self.max_bytes, Index(entries, cross))
        return problems

    def _entry(self, file: str, old: Entry | None) -> Entry:
        """`file`'s new entry. A racy file (no key) that still says what it said keeps its
        old entry: its signature no longer matches the file, so it is checked again next
        run all the same, and the index is not rewritten for it."""
        key, result = self.keys[file], self.results[file]
        facts = result.facts
        summary = (None, "", ()) if facts is None else (facts.kind, facts.name, facts.provides)
        entry = (None if key is None else tuple(key[2:]), *summary, bool(result.problems))
        if key is None and old is not None and old[1:] == entry[1:]:
            return old
        return entry

    def _check(self, files: list[str]) -> None:
        for result in check_files(self.tree, files, self.max_bytes, self.jobs):
            self.cache.put(self.keys[result.file], result)
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

    def _cross_of_all(self, clean: set[str]) -> dict[str, Located]:
        missing = []
        for file in sorted(clean):
            hit = self.cache.get(self.keys[file])
            if hit is None:
                missing.append(file)
            else:
                self.results[file] = hit
        self._check(missing)
        facts = [r.facts for f in self.documents if (r := self.results[f]).facts is not None]
        issues = cross_check(facts, model_exists=self.model_exists)
        return _plain(locate_issues(self.tree, issues, self.max_bytes))


def _plain(located: dict[str, list[Problem]]) -> dict[str, Located]:
    return {
        file: tuple((p.file, p.line, p.column, p.field, p.message) for p in found)
        for file, found in located.items()
    }
