"""What `audit verify` finds: each `Break` in the audit trail and the `Verdict` of a run.
Plain values with no heavy imports, so a warm run that reuses a kept verdict
(verdict_memo.py) prints it without loading the checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from modelops_gitops.audit.paths import LEDGER_PATH


@dataclass(frozen=True, order=True)
class Break:
    """One thing wrong with the audit trail. `line`/`seq` locate a ledger entry (0/None when
    the problem is not one entry's); `path` names a report or model file."""

    line: int
    kind: str  # see KINDS
    message: str
    seq: int | None = None
    path: str = ""
    commit: str = ""  # the branch commit a history check judged

    def __str__(self) -> str:
        where = f"{LEDGER_PATH}:{self.line}" if self.line else (self.path or LEDGER_PATH)
        seq = f" (seq {self.seq})" if self.seq is not None else ""
        return f"{where}{seq}: {self.kind}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "line": self.line or None,
            "seq": self.seq,
            "path": self.path or None,
            "commit": self.commit or None,
            "message": self.message,
        }


@dataclass(frozen=True)
class Verdict:
    label: str  # what was verified: "the work tree" or a commit
    commit: str  # the branch commit the history checks read
    entries: int
    reports: int
    breaks: list[Break]
    notes: tuple[str, ...] = ()
    # work-tree files outside models/ and deploy/ the verdict read (the artifacts of the
    # versions holding stages): a kept verdict is reused only while they are unchanged
    inputs: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return not self.breaks


def ordered(breaks: Iterable[Break]) -> list[Break]:
    """Ledger lines first, in order (the first broken entry first), then the rest."""
    return sorted(breaks, key=lambda b: (b.line == 0, b.line, b.path, b.kind, b.message))
