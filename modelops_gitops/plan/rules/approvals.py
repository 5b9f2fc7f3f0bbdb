"""approvals: enough approvals from the right teams on the head commit."""

from __future__ import annotations

from modelops_gitops.kinds.policy import ApprovalsRule
from modelops_gitops.plan.approvals import count_for, match_each_team, standing
from modelops_gitops.plan.result import Approval, Change
from modelops_gitops.plan.rules.base import Context, Verdict


def evaluate(rule: ApprovalsRule, change: Change, ctx: Context) -> Verdict:
    who = f"from {', '.join(rule.teams)}" if rule.teams else "from reviewers other than the author"
    if ctx.approvals is None:
        return Verdict(
            "pending",
            f"needs {rule.min} approval(s) {who}; approvals not read (give --pr N, or "
            "--approvals FILE written by `modelops-gitops approvals`)",
        )
    found = standing(
        ctx.approvals,
        ctx.base.teams,
        allow_stale=rule.allow_stale,
        allow_pushers=rule.allow_pushers,
    )
    counted: tuple[Approval, ...]
    if rule.each_team and rule.teams:
        matched = match_each_team(found, rule.teams, rule.min)
        counted = tuple(a for team in rule.teams for a in matched[team])
        short = [
            f"{t} {len(matched[t])}/{rule.min}" for t in rule.teams if len(matched[t]) < rule.min
        ]
        ok = not short
        summary = f"needs {rule.min} approval(s) from EACH of {', '.join(rule.teams)}"
        summary += f"; short: {', '.join(short)}" if short else ""
    else:
        counted = tuple(count_for(found, rule.teams))
        ok = len(counted) >= rule.min
        summary = f"needs {rule.min} approval(s) {who}; has {len(counted)}"
    names = ", ".join(a.login for a in counted) or "none"
    reasons = dict(found.not_counted)
    if rule.teams:
        in_teams = {a.login for a in count_for(found, rule.teams)}
        reasons |= {
            a.login: f"not in {', '.join(rule.teams)}"
            for a in found.valid.values()
            if a.login not in in_teams
        }
    message = f"{summary} ({names})"
    if reasons:
        message += "; not counted: " + ", ".join(f"{k} ({v})" for k, v in sorted(reasons.items()))
    return Verdict("pass" if ok else "pending", message, approvals=counted)
