"""Which ledger entries a failed `audit verify` leaves unverified, for the pages that show
them (the dashboard): the first broken entry and every later one.

    trail_breaks(verdict)                  -> the breaks that make the trail untrustworthy
    unverified(root, verdict, ledger)      -> Unverified(first line, the trail breaks)

The kinds `apply` resolves or reports (STATE_KINDS: a merge awaiting apply, unapproved
drift, a drifted deploy file, a changed artifact) say the state differs, not that the
record is false: the pages already show them as such. Every other break does:

    a ledger line (edited, relinked, a report changed, ...)   that line
    a commit of the history walk (cut, rewritten, unsigned,   the first line of the ledger
      laundered, a false claim)                               that differs from the ledger
                                                              of the commit's parent: what
                                                              that commit and later ones wrote
    a kept checkpoint not extended, an unreadable ledger      line 1
    anything else (an unnamed report file)                    no line: the banner says it
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.audit.ledger import LEDGER_PATH
from modelops_gitops.audit.verdict import Break, Verdict
from modelops_gitops.audit.verify import STATE_KINDS

_WHOLE = frozenset({"checkpoint", "unreadable", "ledger-deleted"})


@dataclass(frozen=True)
class Unverified:
    first_line: int | None  # entries on this ledger line and later are unverified
    breaks: tuple[Break, ...]  # the trail breaks, in verify's order

    @property
    def broken(self) -> bool:
        return bool(self.breaks)

    def covers(self, line: int) -> bool:
        return self.first_line is not None and line >= self.first_line


def trail_breaks(verdict: Verdict) -> list[Break]:
    return [b for b in verdict.breaks if b.kind not in STATE_KINDS]


def unverified(root: Path, verdict: Verdict, ledger: bytes) -> Unverified:
    """`ledger`: the bytes whose entries are shown (the work tree's)."""
    breaks = trail_breaks(verdict)
    return Unverified(first_line(breaks, ledger, _parent_ledger(root)), tuple(breaks))


def first_line(
    breaks: Sequence[Break], ledger: bytes, parent_ledger: Callable[[str], bytes]
) -> int | None:
    """The first unverified line of `ledger` (see the module docstring); None: none is."""
    lines = ledger.splitlines()
    found: list[int] = []
    for b in breaks:
        if b.line:
            found.append(b.line)
        elif b.commit:
            before = parent_ledger(b.commit).splitlines()
            same = next(
                (n for n, (a, c) in enumerate(zip(before, lines, strict=False)) if a != c),
                min(len(before), len(lines)),
            )
            found.append(same + 1)
        elif b.kind in _WHOLE:
            found.append(1)
    return min(found) if found else None


def _parent_ledger(root: Path) -> Callable[[str], bytes]:
    def read(commit: str) -> bytes:
        parents = git.parents(root, commit)
        return git.show_file(root, parents[0], LEDGER_PATH) if parents else b""

    return read
