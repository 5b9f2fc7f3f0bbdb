"""Questions compliance asks of the ledger, answered from its entries (pure).

rows(entries)                 -> one flat record per entry (audit export)
in_period(entries, since, until)
held_at(entries, moment)      -> model -> stage -> the entry that put its version there
held_in_order(entries, moment, order) -> the same, models by name, stages in lifecycle order
in_lifecycle_order(held, order) -> any such answer, models by name, stages in lifecycle order
in_order(stages, order)       -> stages in lifecycle order, the ones it does not know after
day_end(day, zone)            -> the last second of a day in an IANA zone, as a UTC instant
parse_moment(value, option)   -> a `--since`/`--until`/DATE value as a UTC instant
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from modelops_gitops.audit.replay import Timed, held_entries, parse_time
from modelops_gitops.errors import InputError
from modelops_gitops.times import iso_utc

if TYPE_CHECKING:  # the entries' models: only for the questions that read whole entries
    from modelops_gitops.audit.ledger import LedgerEntry

E = TypeVar("E", bound=Timed)


@dataclass(frozen=True)
class Moment:
    """An instant from the command line; `whole_day` when only a date was given."""

    at: datetime
    whole_day: bool

    def start(self) -> datetime:
        return self.at

    def end(self) -> datetime:
        """The last instant the value covers: a date's whole day (UTC)."""
        return self.at + timedelta(days=1, seconds=-1) if self.whole_day else self.at


def parse_moment(value: str, option: str) -> Moment:
    """YYYY-MM-DD (a whole day, UTC) or ISO 8601 (no zone: UTC). Bad input names `option`."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return Moment(datetime(day.year, day.month, day.day, tzinfo=UTC), True)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: not a date (YYYY-MM-DD) or ISO 8601 time: {value!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return Moment(moment.astimezone(UTC), False)


def stamp(moment: datetime) -> str:
    return iso_utc(moment)


def in_period(
    entries: Iterable[LedgerEntry], since: Moment | None, until: Moment | None
) -> list[LedgerEntry]:
    low = since.start() if since else None
    high = until.end() if until else None
    out = []
    for entry in entries:
        when = parse_time(entry.time)
        if (low is None or when >= low) and (high is None or when <= high):
            out.append(entry)
    return out


def approvers(entry: LedgerEntry) -> str:
    """`login (team, team) at time; ...`"""
    return "; ".join(
        f"{a.login} ({', '.join(a.teams)}) at {a.submitted_at}"
        if a.teams
        else f"{a.login} at {a.submitted_at}"
        for a in entry.approvals
    )


def gates(entry: LedgerEntry) -> str:
    return "; ".join(f"{g.gate} {g.status}: {g.summary}" for g in entry.gates)


def reports(entry: LedgerEntry) -> str:
    return "; ".join(r.path for r in entry.reports)


COLUMNS = (
    "seq",
    "time",
    "model",
    "stage",
    "kind",
    "from",
    "to",
    "version",
    "pr_number",
    "pr_title",
    "pr_author",
    "merge_commit",
    "approvers",
    "policy_set_sha256",
    "gates",
    "reports",
    "hash",
)


def row(entry: LedgerEntry) -> dict[str, Any]:
    change = entry.change
    return {
        "seq": entry.seq,
        "time": entry.time,
        "model": change.model,
        "stage": change.stage,
        "kind": change.kind,
        "from": change.from_,
        "to": change.to,
        "version": change.version,
        "pr_number": entry.pr.number,
        "pr_title": entry.pr.title,
        "pr_author": entry.pr.author,
        "merge_commit": entry.merge_commit,
        "approvers": approvers(entry),
        "policy_set_sha256": entry.policy_set_sha256,
        "gates": gates(entry),
        "reports": reports(entry),
        "hash": entry.hash,
    }


def rows(entries: Iterable[LedgerEntry]) -> list[dict[str, Any]]:
    return [row(entry) for entry in entries]


def held_at(entries: Sequence[E], moment: datetime) -> dict[str, dict[str, E]]:
    """model -> stage -> the entry whose version held the stage at `moment` (entries or a
    ledger index's rows)."""
    return held_entries(entries, until=stamp(moment))


def held_in_order(
    entries: Sequence[E], moment: datetime, order: Sequence[str]
) -> dict[str, dict[str, E]]:
    """`held_at`, models by name and each model's stages in lifecycle `order`: the answer
    `audit at` prints and the dashboard's as-of pages show."""
    return in_lifecycle_order(held_at(entries, moment), order)


H = TypeVar("H")


def in_lifecycle_order(
    held: Mapping[str, Mapping[str, H]], order: Sequence[str]
) -> dict[str, dict[str, H]]:
    return {
        model: {stage: held[model][stage] for stage in in_order(held[model], order)}
        for model in sorted(held)
    }


def in_order(stages: Iterable[str], order: Sequence[str]) -> list[str]:
    """Stages in lifecycle order; stages the lifecycle does not know after, by name."""
    rank = {stage: i for i, stage in enumerate(order)}
    return sorted(stages, key=lambda s: (rank.get(s, len(rank)), s))


def day_end(day: date, zone: str) -> datetime:
    """The last second of `day` in the IANA `zone`, in UTC (the instant `audit at DAY` asks
    about when the zone is UTC)."""
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    return (start + timedelta(days=1, seconds=-1)).astimezone(UTC)


def entry_view(entry: LedgerEntry) -> dict[str, Any]:
    """An entry as `audit at` and `history` show it in JSON: the change and its evidence."""
    change = entry.change
    return {
        "seq": entry.seq,
        "time": entry.time,
        "kind": change.kind,
        "stage": change.stage,
        "from": change.from_,
        "to": change.to,
        "version": change.version,
        "pr": entry.pr.model_dump() if entry.pr.number is not None or entry.pr.title else None,
        "merge_commit": entry.merge_commit,
        "approvals": [a.model_dump(mode="json") for a in entry.approvals],
        "gates": [g.model_dump() for g in entry.gates],
        "reports": [r.path for r in entry.reports],
        "policy_set_sha256": entry.policy_set_sha256,
        "hash": entry.hash,
    }


def pr_text(entry: LedgerEntry) -> str:
    pr = entry.pr
    if pr.number is not None:
        return f"PR #{pr.number} {pr.title!r} by {pr.author}".rstrip()
    if entry.change.kind == "stage.adopted":
        return "adopted (no reviewed change)"
    return f"merge {entry.merge_commit[:12]}" + (f" {pr.title!r}" if pr.title else "")
