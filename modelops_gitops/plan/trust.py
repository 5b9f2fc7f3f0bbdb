"""PR-level findings about what a PR may not claim: commits dated in the future (a forged date
must never satisfy a soak or escape a freeze), and changes no policy selects (never passed
silently). Pure: times and changes in, findings out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from modelops_gitops.plan.result import BUILTIN_POLICY, Change, Finding, FindingResult
from modelops_gitops.repo.state import RepoState
from modelops_gitops.times import iso_utc


def future_commits(
    dated: Sequence[tuple[str, str, datetime]], clock: datetime, state: RepoState
) -> list[Finding]:
    """`dated`: (what, commit, committer time). A time beyond `clock` + the repository's
    `spec.trust.max_clock_skew` fails."""
    skew = state.spec.trust.max_clock_skew
    return [
        Finding(
            policy=BUILTIN_POLICY,
            rule="future-commit",
            rule_type="builtin",
            result="fail",
            message=f"the {what} {commit[:12]} is dated {iso_utc(when)}, more than {skew} after "
            f"now ({iso_utc(clock)}): a date in the future is refused (spec.trust.max_clock_skew)",
        )
        for what, commit, when in dated
        if when > clock + skew
    ]


def uncovered(changes: Sequence[Change], covered: set[int], state: RepoState) -> list[Finding]:
    """A finding per change (by index) that no policy of the base selects."""
    result: FindingResult = "fail" if state.spec.trust.uncovered_changes == "block" else "warn"
    return [
        Finding(
            policy=BUILTIN_POLICY,
            rule="uncovered-change",
            rule_type="builtin",
            result=result,
            message=f"no policy selects this {change.kind}"
            + (f" of {change.model}" if change.model else "")
            + (f" ({change.file})" if change.file else "")
            + ": it is judged by the built-in rules only (spec.trust.uncovered_changes)",
            file=change.file,
            line=change.line,
            column=change.column,
        )
        for i, change in enumerate(changes)
        if i not in covered
    ]
