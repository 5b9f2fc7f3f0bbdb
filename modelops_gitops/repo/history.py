"""Which versions held a stage, and since when: what rollbacks and soak times are judged by.

The source of truth is the applied ledger (audit/ledger.jsonl) once apply has run; until a
ledger exists, the git history of the model file on the base branch stands in for it (the
time of the first-parent commit at which a version first appeared in a stage -- the merge,
for a change merged from a branch -- counts as the time it took it).
Both answer through `StageHistory`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from modelops_gitops.git import History
from modelops_gitops.repo.yaml_source import YamlProblem, parse

T = TypeVar("T")


@dataclass(frozen=True)
class Holding:
    version: str
    since: datetime


class StageHistory(Protocol):
    def holdings(self, model: str, stage: str) -> list[Holding]:
        """Every version that held (model, stage), oldest first; the last one holds it now."""
        ...


@dataclass
class GitHistory:
    """Holdings read from the git history of models/<name>/model.yaml up to `commit`."""

    history: History
    commit: str
    _cache: dict[str, dict[str, list[Holding]]] = field(default_factory=dict)

    def holdings(self, model: str, stage: str) -> list[Holding]:
        if model not in self._cache:
            self._cache[model] = self._read(model)
        return self._cache[model].get(stage, [])

    def _read(self, model: str) -> dict[str, list[Holding]]:
        path = f"models/{model}/model.yaml"
        result: dict[str, list[Holding]] = {}
        for sha, when in reversed(self.history.file_log(path, self.commit, first_parent=True)):
            stages = stages_at(self.history, sha, path)
            for stage, version in stages.items():
                held = result.setdefault(stage, [])
                if not held or held[-1].version != version:
                    held.append(Holding(version, when))
        return result


def spec_at(history: History, sha: str, path: str) -> dict[str, Any]:
    """`spec` of the model file at `path` in commit `sha`; {} if absent or unreadable."""
    return spec_of(path, history.show_file(sha, path))


def spec_of(path: str, raw: bytes) -> dict[str, Any]:
    """`spec` of a model file's bytes; {} if empty or unreadable."""
    try:
        data = parse(path, raw, max_bytes=64 * 1_048_576).data
    except YamlProblem:
        return {}
    spec = data.get("spec", {}) if isinstance(data, dict) else {}
    return spec if isinstance(spec, dict) else {}


def stages_of(spec: dict[str, Any]) -> dict[str, str]:
    stages = spec.get("stages", {})
    return {str(k): str(v) for k, v in stages.items()} if isinstance(stages, dict) else {}


def versions_of(spec: dict[str, Any]) -> list[str]:
    listed = spec.get("versions", [])
    if not isinstance(listed, list):
        return []
    return [str(v["version"]) for v in listed if isinstance(v, dict) and "version" in v]


def stages_at(history: History, sha: str, path: str) -> dict[str, str]:
    """`spec.stages` of the model file at `path` in commit `sha`."""
    return stages_of(spec_at(history, sha, path))


def versions_at(history: History, sha: str, path: str) -> list[str]:
    """The version strings listed in the model file at `path` in commit `sha`."""
    return versions_of(spec_at(history, sha, path))


def registrations(history: History, head: str, path: str) -> dict[str, tuple[str, datetime]]:
    """version -> the first commit on `head`'s first-parent history whose model file at `path`
    lists it, and that commit's time (for a version added on a branch: the merge)."""
    log = reversed(history.file_log(path, head, first_parent=True))
    return first_listed(((sha, when), versions_at(history, sha, path)) for sha, when in log)


def first_listed(points: Iterable[tuple[T, list[str]]]) -> dict[str, T]:
    """version -> the first point (oldest first) whose file lists it."""
    found: dict[str, T] = {}
    for point, versions in points:
        for version in versions:
            found.setdefault(version, point)
    return found


@dataclass(frozen=True)
class NoHistory:
    """For a tree without git history: nothing ever held a stage."""

    def holdings(self, model: str, stage: str) -> list[Holding]:
        return []


def is_rollback(
    history: StageHistory,
    model: str,
    stage: str,
    current: str | None,
    version: str,
    *,
    steps: int = 1,
) -> bool:
    """Is moving (model, stage) from `current` to `version` a step back? Only to one of the
    `steps` holders before the current one, and never to a version that was itself rolled
    back out of the stage. A desired holder the history does not show yet (merged, not
    applied) counts as the current holder; with no current holder nothing is a rollback."""
    if current is None:
        return False
    held, rolled_out = _held_and_rolled_out(history, model, stage, current, steps)
    return _steps_back(held, version, steps, rolled_out)


def earlier_holders(
    history: StageHistory, model: str, stage: str, current: str, *, steps: int = 1
) -> list[str]:
    """The versions that held (model, stage) before `current`, newest first, without
    `current` and without any version rolled back out of the stage: what a rollback may go
    back to (`rollback` and `monitor` take the first; `is_rollback` may still call it a
    promotion when it lies more than `steps` holders back)."""
    held, rolled_out = _held_and_rolled_out(history, model, stage, current, steps)
    out: list[str] = []
    for version in reversed(held[:-1]):
        if version != current and version not in rolled_out and version not in out:
            out.append(version)
    return out


def _held_and_rolled_out(
    history: StageHistory, model: str, stage: str, current: str, steps: int
) -> tuple[list[str], set[str]]:
    """The holders, oldest first, ending with `current`; and the versions some later move
    rolled back out of the stage."""
    held = [h.version for h in history.holdings(model, stage)]
    if not held or held[-1] != current:
        held.append(current)
    rolled_out: set[str] = set()
    for i in range(1, len(held)):
        if _steps_back(held[:i], held[i], steps, rolled_out):
            rolled_out.add(held[i - 1])
    return held, rolled_out


def _steps_back(held: list[str], version: str, steps: int, rolled_out: set[str]) -> bool:
    return version not in rolled_out and version in held[-1 - steps : -1]


def time_held(
    history: StageHistory, model: str, stage: str, version: str, now: datetime
) -> timedelta | None:
    """The longest uninterrupted time `version` held (model, stage), up to `now`; None if it
    never did by then (a holding that starts after `now` does not count)."""
    holdings = [held for held in history.holdings(model, stage) if held.since <= now]
    spans = [
        min(holdings[i + 1].since if i + 1 < len(holdings) else now, now) - held.since
        for i, held in enumerate(holdings)
        if held.version == version
    ]
    return max(spans) if spans else None
