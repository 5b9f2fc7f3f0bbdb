"""The one timestamp format of the ledger, reports and GitHub payloads: UTC, to the second,
with a `Z` (`2026-11-05T15:00:00Z`)."""

from __future__ import annotations

from datetime import UTC, datetime

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"


def iso_utc(moment: datetime) -> str:
    """`moment` (naive means UTC) in the ISO_UTC format."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(ISO_UTC)


def wall_clock() -> datetime:
    """The machine's clock, read only where a date a PR controls must be held to it (apply
    re-checks a merge at the merge's time, and refuses a merge dated in the future)."""
    return datetime.now(UTC)


def rehearsal_note(at: datetime, what: str) -> str:
    """The line every rehearsal (`--at`) prints first: it is not the real thing."""
    return (
        f"REHEARSAL at {iso_utc(at)}: {what} as if it were that time "
        "(soak, freeze windows, waivers); nothing is written or published"
    )
