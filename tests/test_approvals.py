"""Which reviews count: latest per person, author excluded, stale ignored, ghosts ignored,
one person counting once across teams."""

from __future__ import annotations

from modelops_gitops.kinds import Teams
from modelops_gitops.plan.approvals import ApprovalsInput, count_for, match_each_team, standing

HEAD = "h" * 40
OLD = "o" * 40
TEAMS = Teams.model_validate(
    {
        "apiVersion": "modelops-gitops/v1",
        "kind": "Teams",
        "metadata": {"name": "teams"},
        "spec": {
            "teams": [
                {"name": "risk", "members": ["Rita", "henrik"]},
                {"name": "business", "members": ["bea", "henrik"]},
            ]
        },
    }
)


def review(
    login: str, state: str = "APPROVED", commit: str = HEAD, at: str = "2026-01-01T00:00:01Z"
) -> dict[str, str]:
    return {"login": login, "state": state, "commit_id": commit, "submitted_at": at}


def approvals(*reviews: dict[str, str], author: str = "alice") -> ApprovalsInput:
    return ApprovalsInput.model_validate(
        {"author": author, "head_sha": HEAD, "reviews": list(reviews)}
    )


def test_latest_review_per_person_counts_and_comments_leave_approvals_standing() -> None:
    found = standing(
        approvals(
            review("rita", at="2026-01-01T00:00:01Z"),
            review("rita", "COMMENTED", at="2026-01-01T00:00:02Z"),
            review("bea", at="2026-01-01T00:00:01Z"),
            review("bea", "CHANGES_REQUESTED", at="2026-01-01T00:00:03Z"),
        ),
        TEAMS,
        allow_stale=False,
    )
    assert sorted(found.valid) == ["rita"]
    assert found.not_counted == {"bea": "changes requested"}


def test_author_stale_and_ghost_never_count() -> None:
    found = standing(
        approvals(
            review("alice"),
            review("bea", commit=OLD),
            review("ghost"),
            author="Alice",
        ),
        TEAMS,
        allow_stale=False,
    )
    assert found.valid == {}
    assert found.not_counted["alice"] == "the author cannot approve their own change"
    assert found.not_counted["bea"].startswith("stale: approved ooooooo, head is hhhhhhh")
    assert "ghost" not in found.not_counted


def test_stale_counts_when_the_rule_allows_it() -> None:
    found = standing(approvals(review("bea", commit=OLD)), TEAMS, allow_stale=True)
    assert [a.login for a in count_for(found, ["business"])] == ["bea"]


def test_a_person_in_two_teams_counts_once_when_each_team_must_approve() -> None:
    only_henrik = standing(approvals(review("henrik")), TEAMS, allow_stale=False)
    matched = match_each_team(only_henrik, ["risk", "business"], 1)
    assert sum(len(v) for v in matched.values()) == 1
    both = standing(approvals(review("henrik"), review("bea")), TEAMS, allow_stale=False)
    matched = match_each_team(both, ["risk", "business"], 1)
    assert {t: [a.login for a in v] for t, v in matched.items()} == {
        "risk": ["henrik"],
        "business": ["bea"],
    }


def test_team_membership_is_case_insensitive() -> None:
    found = standing(approvals(review("RITA")), TEAMS, allow_stale=False)
    assert [a.teams for a in found.valid.values()] == [("risk",)]
