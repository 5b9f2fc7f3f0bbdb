"""The dashboard's "as of" pages (pure): what held every stage of every model at the end of
each day a change was applied, approved by whom, on what evidence.

    as-of/index.html          every day the ledger records a change, newest first
    as-of/<YYYY-MM-DD>.html   that day's answer, the one `audit at DAY` prints

Days are calendar days in the repository's timezone (`modelops.yaml` `spec.timezone`,
UTC by default). A stage whose holder was applied on an earlier day is one short row,
"unchanged since DAY", linking that day's page, so pages stay small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from jinja2 import Environment

from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.audit.queries import day_end, held_in_order, stamp
from modelops_gitops.audit.replay import parse_time
from modelops_gitops.dashboard import views
from modelops_gitops.dashboard.sources import Sources

INDEX = "as-of/index.html"


@dataclass(frozen=True)
class HeldRow:
    model: str
    model_href: str  # "" when the model is no longer in the repository
    stage: str
    version: str
    seq: int
    since: str  # the day its holder was applied, YYYY-MM-DD
    unchanged: bool  # applied on an earlier day than the page's
    unverified: bool
    detail: views.TimelineRow


@dataclass(frozen=True)
class Day:
    day: str
    at: str  # the instant asked about, ISO 8601 UTC
    changes: int  # ledger entries applied that day
    rows: tuple[HeldRow, ...]


def page_path(day: str) -> str:
    return f"as-of/{day}.html"


def local_day(time: str, zone: ZoneInfo) -> date:
    return parse_time(time).astimezone(zone).date()


def days(sources: Sources, order: Sequence[str], marked: frozenset[int] = frozenset()) -> list[Day]:
    """One `Day` per calendar day with a ledger entry, oldest first."""
    name = sources.state.spec.timezone
    zone = ZoneInfo(name)
    per_day: dict[date, int] = {}
    for entry in sources.entries:
        when = local_day(entry.time, zone)
        per_day[when] = per_day.get(when, 0) + 1
    out = []
    for when in sorted(per_day):
        instant = day_end(when, name)
        held = held_in_order(sources.entries, instant, order)
        rows = tuple(
            _row(sources, model, stage, entry, when, zone, marked)
            for model, stages in held.items()
            for stage, entry in stages.items()
        )
        out.append(Day(when.isoformat(), stamp(instant), per_day[when], rows))
    return out


def _row(
    sources: Sources,
    model: str,
    stage: str,
    entry: LedgerEntry,
    day: date,
    zone: ZoneInfo,
    marked: frozenset[int],
) -> HeldRow:
    since = local_day(entry.time, zone)
    return HeldRow(
        model=model,
        model_href=f"../models/{model}.html" if model in sources.state.models else "",
        stage=stage,
        version=entry.change.to or "",
        seq=entry.seq,
        since=since.isoformat(),
        unchanged=since < day,
        unverified=entry.seq in marked,
        detail=views.timeline_row(sources, entry, "../", marked),
    )


def pages(env: Environment, common: dict[str, object], all_days: list[Day]) -> dict[str, bytes]:
    """path -> bytes of the index and every day's page."""
    files = {
        INDEX: env.get_template("as_of_index.html.j2")
        .render(common, root="../", days=list(reversed(all_days)))
        .encode()
    }
    page = env.get_template("as_of_day.html.j2")
    for n, day in enumerate(all_days):
        earlier = all_days[n - 1].day if n else ""
        later = all_days[n + 1].day if n + 1 < len(all_days) else ""
        files[page_path(day.day)] = page.render(
            common, root="../", day=day, earlier=earlier, later=later
        ).encode()
    return files
