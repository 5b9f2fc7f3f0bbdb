"""What `apply` makes sure of before it writes: no other apply runs in this clone (a lock),
and the ledger it extends is intact across history (it never appends to a broken chain).

    locked(root)          context manager: <git dir>/modelops-gitops/apply.lock, held with
                          flock for the whole run (released by the kernel if the process dies)
    check_ledger(root)    PolicyViolation (exit 1) naming the first break of HEAD's trail
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from modelops_gitops.audit.verify import STATE_KINDS
from modelops_gitops.audit.verify_run import run_verify
from modelops_gitops.errors import ConflictError, PolicyViolation
from modelops_gitops.repo.workspace import cache_dir

RECOVERY = "docs/auditors.md, section 'Recovering a broken ledger'"


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    folder = cache_dir(root)
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "apply.lock"
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConflictError(
                f"apply: another apply is running in this clone (it holds {path}); "
                "wait for it to finish, then run apply again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_ledger(root: Path) -> None:
    """The trail at HEAD (committed files and the branch's history) must be intact apart
    from what apply itself resolves (changes awaiting apply, drifted deploy files)."""
    verdict = run_verify(root, "HEAD")
    broken = [b for b in verdict.breaks if b.kind not in STATE_KINDS]
    if broken:
        raise PolicyViolation(
            f"apply: the audit trail is broken, and apply never appends to a broken chain: "
            f"{len(broken)} problem(s), first: {broken[0]}. Run `modelops-gitops audit "
            f"verify` for all of them, and recover as {RECOVERY} describes."
        )
