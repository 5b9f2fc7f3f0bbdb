"""Edge of the history walk: the branch's mainline from git, the ledger and model files at
its commits, signatures, and the per-commit cache (history_walk.py judges).

    history_breaks(root, head, cache) -> breaks of every commit on head's first-parent line
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.audit.history_walk import CLAIMED, Reads, breaks_of, walk
from modelops_gitops.audit.ledger import LEDGER_PATH
from modelops_gitops.audit.mainline_stages import MainlineStages
from modelops_gitops.audit.signers import SignerReads
from modelops_gitops.audit.verdict import Break
from modelops_gitops.audit.verify_source import VerifyCache


def history_breaks(root: Path, head: str, cache: VerifyCache) -> list[Break]:
    """Warm (every commit judged before): one `git rev-list`, nothing else read."""
    known = cache.history()
    shas = git.first_parent(root, head)
    if all(sha in known for sha in shas):
        return breaks_of({sha: known[sha] for sha in shas})
    commits = git.mainline(root, head)
    with git.BatchHistory(root) as history:
        reads, stages = _reads(root, history, head, commits)
        stages.prefetch(_claimed_pairs(commits, known, reads))
        judged = walk(commits, reads, known)
    cache.keep_history(judged)
    return breaks_of(judged)


def _reads(
    root: Path, history: git.BatchHistory, head: str, commits: Sequence[git.MainlineCommit]
) -> tuple[Reads, MainlineStages]:
    """Files through `history` (one `cat-file --batch` for the whole walk); model files by
    blob id, each version parsed once (MainlineStages)."""
    ledgers: dict[str, bytes | None] = {}
    stages = MainlineStages(history, head, commits)

    def ledger_at(sha: str) -> bytes | None:
        if sha not in ledgers:
            if len(ledgers) > 2:  # the walk asks for a commit, then its child: keep two
                del ledgers[next(iter(ledgers))]
            ledgers[sha] = history.show_file(sha, LEDGER_PATH) or None
        return ledgers[sha]

    return Reads(ledger_at, stages.stages_at, SignerReads(root).problem), stages


def _claimed_pairs(
    commits: Sequence[git.MainlineCommit], known: dict[str, list[Break]], reads: Reads
) -> Iterator[tuple[str, str]]:
    """The (commit, model) pairs the walk will ask about: for each entry the commits not
    judged yet appended (the lines of the branch's ledger after the one the last judged
    commit held), its merge commit and the mainline commit before it. Only a forecast: a
    line it cannot read is skipped, and the walk reads whatever it did not foresee."""
    first = next((i for i, c in enumerate(commits) if c.sha not in known), len(commits))
    if first == len(commits):
        return
    start = len(reads.ledger_at(commits[first - 1].sha) or b"") if first else 0
    before = {c.sha: commits[i - 1].sha for i, c in enumerate(commits) if i}
    for raw in (reads.ledger_at(commits[-1].sha) or b"")[start:].splitlines():
        try:
            entry = json.loads(raw)
            change, merge = entry["change"], entry["merge_commit"]
            kind, model = change["kind"], change["model"]
        except (ValueError, TypeError, KeyError):
            continue
        if not (isinstance(merge, str) and isinstance(model, str) and isinstance(kind, str)):
            continue
        if kind in (*CLAIMED, "stage.adopted"):
            yield merge, model
            if kind in CLAIMED and merge in before:
                yield before[merge], model
