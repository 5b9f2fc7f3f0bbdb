"""The applied state: the ledger replayed, model -> stage -> what holds it and since when.

replay(entries)            -> AppliedState
held_entries(entries)      -> model -> stage -> the entry that put its version there
holders(changes)           -> the fold both answer with: model -> stage -> a change's position
LedgerHistory(entries)     -> history.StageHistory, what plan judges rollbacks and soak by
differences(applied, desired) -> the stage moves apply has to make
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from modelops_gitops.audit.change_kinds import REPAIRED
from modelops_gitops.repo.history import Holding

if TYPE_CHECKING:  # the entries' models: not needed to replay an index's rows
    from modelops_gitops.audit.ledger import LedgerEntry


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


class Timed(Protocol):
    """What `held_entries` reads of an entry: a `LedgerEntry`, or a ledger index's row."""

    @property
    def time(self) -> str: ...
    @property
    def change(self) -> ReplayedChange: ...


class Replayable(Timed, Protocol):
    """What `replay` reads of an entry."""

    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...


R = TypeVar("R", bound=Timed)
Change = tuple[str, str, str, str | None]  # kind, model, stage, to


def holders(changes: Iterable[Change]) -> dict[str, dict[str, int]]:
    """Fold the changes in order: model -> stage -> the position (0-based) of the change
    whose version holds the stage at the end. A repaired deploy file holds nothing."""
    state: dict[str, dict[str, int]] = {}
    for position, (kind, model, stage, to) in enumerate(changes):
        if kind == REPAIRED:
            continue  # a repaired deploy file: the applied state is unchanged
        stages = state.setdefault(model, {})
        if to is not None:
            stages[stage] = position
            continue
        stages.pop(stage, None)
        if not stages:
            del state[model]
    return state


def held_entries(entries: Iterable[R], *, until: str | None = None) -> dict[str, dict[str, R]]:
    """model -> stage -> the entry that put the stage's version there; with `until` (ISO
    8601 UTC), replaying only the entries before the first one after it."""
    kept: list[R] = []

    def changes() -> Iterator[Change]:
        for entry in entries:
            if until is not None and entry.time > until:
                return
            kept.append(entry)
            change = entry.change
            yield change.kind, change.model, change.stage, change.to

    held = holders(changes())
    return {
        model: {stage: kept[i] for stage, i in stages.items()} for model, stages in held.items()
    }


def replay(entries: Iterable[Replayable], *, until: str | None = None) -> AppliedState:
    """The applied state: `held_entries`, each holder as its version, seq, time and hash."""
    return {
        model: {stage: _holding(entry) for stage, entry in stages.items()}
        for model, stages in held_entries(entries, until=until).items()
    }


def _holding(entry: Replayable) -> AppliedHolding:
    version = entry.change.to
    assert version is not None  # a holder's change always names its version
    return AppliedHolding(version, entry.seq, entry.time, entry.hash)


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
