"""Edge of the history walk: the branch's mainline from git, the ledger and model files at
its commits, signatures, and the per-commit cache (history_walk.py judges).

    history_breaks(root, head, cache) -> breaks of every commit on head's first-parent line
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.audit.history_walk import Reads, breaks_of, walk
from modelops_gitops.audit.ledger import LEDGER_PATH
from modelops_gitops.audit.signers import SignerReads
from modelops_gitops.audit.verify import Break
from modelops_gitops.audit.verify_source import VerifyCache
from modelops_gitops.repo.history import stages_at
from modelops_gitops.repo.state import model_file


def history_breaks(root: Path, head: str, cache: VerifyCache) -> list[Break]:
    """Warm (every commit judged before): one `git rev-list`, nothing else read."""
    known = cache.history()
    shas = git.first_parent(root, head)
    if all(sha in known for sha in shas):
        return breaks_of({sha: known[sha] for sha in shas})
    with git.BatchHistory(root) as history:
        judged = walk(git.mainline(root, head), _reads(root, history), known)
    cache.keep_history(judged)
    return breaks_of(judged)


def _reads(root: Path, history: git.History) -> Reads:
    """Files through `history` (one `cat-file --batch` for the whole walk: a cold walk of
    100,000 entries reads 200,000 model files)."""
    ledgers: dict[str, bytes | None] = {}
    stages: dict[tuple[str, str], Mapping[str, str]] = {}

    def ledger_at(sha: str) -> bytes | None:
        if sha not in ledgers:
            if len(ledgers) > 2:  # the walk asks for a commit, then its child: keep two
                del ledgers[next(iter(ledgers))]
            ledgers[sha] = history.show_file(sha, LEDGER_PATH) or None
        return ledgers[sha]

    def model_stages(sha: str, model: str) -> Mapping[str, str]:
        key = (sha, model)
        if key not in stages:
            stages[key] = stages_at(history, sha, model_file(model))
        return stages[key]

    return Reads(ledger_at, model_stages, SignerReads(root).problem)
