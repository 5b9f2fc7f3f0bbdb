"""Delivery: make each deploy target's serving system hold what the ledger says.

    wanted(entries)                    (model, stage) -> the last entry that set it
    live(root, targets, entries)       per target and (model, stage): in sync, out of sync
                                       (ledger vs found), or unreachable
    converge(root, targets, entries)   observe, deliver what differs (retried with backoff),
                                       observe again: what was delivered, what is pending
    deliver_only(root)                 converge on the ledger at HEAD, under apply's lock

Pending deliveries are never written down: they are what `observe()` shows differing from
the ledger's replay, so a run killed half-way, a server that was down, or an alias moved by
hand are all found the same way by the next `apply` (or `apply --deliver-only`) and
`status --live`. A target without `observe()` cannot be compared: it is handed only the
entries of the run that made them (its `deliver` must still be idempotent).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.apply import guard
from modelops_gitops.apply.targets import Deliverer, DeployTarget, Observer, configured
from modelops_gitops.audit.ledger import LEDGER_PATH, REPAIRED, LedgerEntry, parse_ledger
from modelops_gitops.errors import InputError
from modelops_gitops.repo.state import load_state

Key = tuple[str, str]  # (model, stage)
IN_SYNC, OUT_OF_SYNC, UNREACHABLE = "in sync", "out of sync", "unreachable"
ATTEMPTS = 4


@dataclass(frozen=True)
class Live:
    """One (model, stage) of one target: what the ledger says and what the target holds."""

    target: str
    model: str
    stage: str
    expected: str | None  # the ledger's version (None: the stage is removed)
    found: str | None
    state: str  # IN_SYNC | OUT_OF_SYNC | UNREACHABLE
    detail: str = ""

    def describe(self) -> str:
        if self.state == IN_SYNC:
            return IN_SYNC
        if self.state == UNREACHABLE:
            return f"{UNREACHABLE}: {self.detail}"
        return f"{OUT_OF_SYNC}: ledger {self.expected or '(none)'}, {self.target} {self.found or '(none)'}"


@dataclass
class Delivery:
    """What one convergence did: the entries handed over per target, and what still
    differs afterwards (pending) with the last error when a target failed."""

    delivered: list[tuple[str, LedgerEntry]] = field(default_factory=list)
    pending: list[Live] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # target -> last error

    @property
    def ok(self) -> bool:
        return not self.pending and not self.errors


def ready(targets: Sequence[DeployTarget]) -> None:
    """Each target that can say so confirms it can deliver (its extra is installed, its
    settings are complete) before apply writes anything; InputError (exit 2) if not."""
    for target in targets:
        check = getattr(target, "ready", None)
        if callable(check):
            check()


def wanted(entries: Sequence[LedgerEntry]) -> dict[Key, LedgerEntry]:
    """The last entry that set each (model, stage) the ledger ever named (removals too)."""
    out: dict[Key, LedgerEntry] = {}
    for entry in entries:
        if entry.change.kind != REPAIRED:
            out[(entry.change.model, entry.change.stage)] = entry
    return out


def compare(
    name: str, want: Mapping[Key, LedgerEntry], found: Mapping[Key, str | None]
) -> list[Live]:
    out = []
    for key in sorted(want):
        expected = want[key].change.to
        have = found.get(key)
        state = IN_SYNC if have == expected else OUT_OF_SYNC
        out.append(Live(name, key[0], key[1], expected, have, state))
    return out


def live(root: Path, targets: Sequence[DeployTarget], entries: Sequence[LedgerEntry]) -> list[Live]:
    """`status --live`: every observable target compared with the ledger, once."""
    want = wanted(entries)
    out: list[Live] = []
    for target in targets:
        if isinstance(target, Observer):
            out += _observe(root, target, want)
    return out


def _observe(root: Path, target: Observer, want: Mapping[Key, LedgerEntry]) -> list[Live]:
    name = _name(target)
    try:
        found = target.observe(root, sorted(want))
    except Exception as exc:  # a plugin's failure to reach its system, whatever it raises
        why = _why(exc)
        return [
            Live(name, m, s, e.change.to, None, UNREACHABLE, why)
            for (m, s), e in sorted(want.items())
        ]
    return compare(name, want, found)


def converge(
    root: Path,
    targets: Sequence[DeployTarget],
    entries: Sequence[LedgerEntry],
    new: Sequence[LedgerEntry] = (),
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[int], None] | None = None,
) -> Delivery:
    """Deliver to every target what it lacks, each target retried with backoff up to
    `attempts` times; `new`: this run's entries, for targets that cannot observe."""
    want = wanted(entries)
    pause = sleep or backoff
    out = Delivery()
    for target in targets:
        if not isinstance(target, Deliverer):
            continue
        name = _name(target)
        for attempt in range(1, attempts + 1):
            try:
                handed = _deliver_once(root, target, want, new)
            except InputError:
                raise  # bad input (a setting, an artifact that fails its pin): exit 2, no retry
            except Exception as exc:  # retried; reported as pending after the last attempt
                out.errors[name] = _why(exc)
                if attempt < attempts:
                    pause(attempt)
                continue
            out.errors.pop(name, None)
            out.delivered += [(name, entry) for entry in handed]
            break
        if isinstance(target, Observer):
            out.pending += [row for row in _observe(root, target, want) if row.state != IN_SYNC]
    return out


def _deliver_once(
    root: Path, target: Deliverer, want: Mapping[Key, LedgerEntry], new: Sequence[LedgerEntry]
) -> list[LedgerEntry]:
    if isinstance(target, Observer):
        found = target.observe(root, sorted(want))
        rows = compare(_name(target), want, found)
        todo = [want[(r.model, r.stage)] for r in rows if r.state != IN_SYNC]
    else:
        todo = [entry for entry in new if entry.change.kind != REPAIRED]
    if todo:
        target.deliver(root, todo)
    return todo


def deliver_only(root: Path, *, attempts: int = ATTEMPTS) -> Delivery:
    """`apply --deliver-only`: no reconciling, no commit; every delivering target converged
    on the ledger at HEAD (what an earlier run left pending, or what was changed by hand)."""
    with guard.locked(root):
        guard.check_ledger(root)
        with git.GitTree(root, git.resolve(root, "HEAD")) as tree:
            state = load_state(tree)
            raw = tree.read(LEDGER_PATH) if tree.exists(LEDGER_PATH) else b""
        return converge(root, configured(state), parse_ledger(raw), attempts=attempts)


def backoff(attempt: int) -> None:
    """Exponential backoff with jitter: about 0.5 s, 1 s, 2 s ... (at most 8 s)."""
    time.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))


def _name(target: object) -> str:
    return str(getattr(target, "name", type(target).__name__))


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
