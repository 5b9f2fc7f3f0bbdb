"""The applied state: the ledger replayed, model -> stage -> what holds it and since when.

replay(entries)            -> AppliedState
LedgerHistory(entries)     -> history.StageHistory, what plan judges rollbacks and soak by
differences(applied, desired) -> the stage moves apply has to make
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from modelops_gitops.audit.ledger import REPAIRED, LedgerEntry
from modelops_gitops.repo.history import Holding


@dataclass(frozen=True)
class AppliedHolding:
    """The version applied in a stage, and the ledger entry that put it there."""

    version: str
    seq: int
    time: str
    hash: str


AppliedState = dict[str, dict[str, AppliedHolding]]  # model -> stage -> holding


class ReplayedChange(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def to(self) -> str | None: ...


class Replayable(Protocol):
    """What replay reads of an entry: a `LedgerEntry`, or a ledger index's row."""

    @property
    def seq(self) -> int: ...
    @property
    def time(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def change(self) -> ReplayedChange: ...


def replay(entries: Iterable[Replayable], *, until: str | None = None) -> AppliedState:
    """Fold the entries in order; with `until` (ISO 8601 UTC), only those at or before it."""
    state: AppliedState = {}
    for entry in entries:
        if until is not None and entry.time > until:
            break
        change = entry.change
        if change.kind == REPAIRED:
            continue  # a repaired deploy file: the applied state is unchanged
        stages = state.setdefault(change.model, {})
        if change.to is None:
            stages.pop(change.stage, None)
        else:
            stages[change.stage] = AppliedHolding(change.to, entry.seq, entry.time, entry.hash)
        if not stages:
            del state[change.model]
    return state


@dataclass(frozen=True)
class Difference:
    """One (model, stage) where the desired version (None: stage absent) differs from the
    applied one (None: never applied)."""

    model: str
    stage: str
    applied: str | None
    desired: str | None


def differences(
    applied: AppliedState, desired: Mapping[str, Mapping[str, str]]
) -> list[Difference]:
    """Every (model, stage) whose desired and applied versions differ, sorted by model, stage."""
    out = []
    for model in sorted(set(applied) | set(desired)):
        have = applied.get(model, {})
        want = desired.get(model, {})
        for stage in sorted(set(have) | set(want)):
            now = have[stage].version if stage in have else None
            if now != want.get(stage):
                out.append(Difference(model, stage, now, want.get(stage)))
    return out


@dataclass
class LedgerHistory:
    """StageHistory from the ledger: a version holds a stage from its entry's time."""

    entries: list[LedgerEntry]
    _index: dict[tuple[str, str], list[Holding]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            change = entry.change
            if change.kind == REPAIRED:
                continue
            held = self._index.setdefault((change.model, change.stage), [])
            if change.to is not None and (not held or held[-1].version != change.to):
                held.append(Holding(change.to, parse_time(entry.time)))

    def holdings(self, model: str, stage: str) -> list[Holding]:
        return self._index.get((model, stage), [])


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
