"""freeze: no changes inside date windows or weekly windows (in the rule's time zone, else the
repository's). A valid approval from `override_team` lets a change through (break-glass);
the finding then names who used the override. Rollbacks are frozen like every other change
unless the rule sets `exempt_rollbacks: true`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from modelops_gitops.kinds.policy import FreezeRule
from modelops_gitops.plan.approvals import count_for, standing
from modelops_gitops.plan.result import Change
from modelops_gitops.plan.rules.base import Context, Verdict

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def active_window(rule: FreezeRule, now: datetime, zone: ZoneInfo) -> str | None:
    """A description of the window `now` falls in, or None."""
    local = now.astimezone(zone)
    for window in rule.windows:
        start = window.start if window.start.tzinfo else window.start.replace(tzinfo=zone)
        end = window.end if window.end.tzinfo else window.end.replace(tzinfo=zone)
        if start <= local < end:
            reason = f" ({window.reason})" if window.reason else ""
            return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {zone.key}{reason}"
    day = _DAYS[local.weekday()]
    for weekly in rule.weekly:
        if day in weekly.days and weekly.start <= local.time().replace(tzinfo=None) <= weekly.end:
            return (
                f"every {', '.join(weekly.days)} {weekly.start:%H:%M}-{weekly.end:%H:%M} {zone.key}"
            )
    return None


def evaluate(rule: FreezeRule, change: Change, ctx: Context) -> Verdict:
    zone = ZoneInfo(rule.timezone or ctx.base.spec.timezone)
    window = active_window(rule, ctx.now, zone)
    if window is None:
        return Verdict("pass", "no freeze window is active")
    if rule.exempt_rollbacks and change.kind == "stage.rollback":
        return Verdict("pass", f"freeze {window}: rollbacks are exempt")
    if rule.override_team and ctx.approvals is not None:
        found = standing(ctx.approvals, ctx.base.teams, allow_stale=False)
        breakers = count_for(found, [rule.override_team])
        if breakers:
            who = ", ".join(a.login for a in breakers)
            return Verdict(
                "pass",
                f"freeze {window} overridden by {who} ({rule.override_team})",
                approvals=tuple(breakers),
                override=who,
            )
    hint = f"; an approval from {rule.override_team} overrides it" if rule.override_team else ""
    return Verdict("fail", f"changes are frozen: {window}{hint}")
