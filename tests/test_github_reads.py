"""Reading pull requests, files, reviews, teams and the PR of a commit, over real HTTP through
github3.py against the emulator."""

from __future__ import annotations

import pytest
from github_emulator.running import RunningEmulator
from github_emulator.seed import sha_of
from github_emulator.state import FileChange

from modelops_gitops.errors import ProviderError
from modelops_gitops.github import GHOST, GitHubProvider

pytest_plugins = ["github_emulator.fixtures"]


def test_pull_request_fields(github_emulator: RunningEmulator, github: GitHubProvider) -> None:
    pull = github_emulator.seed.pull(
        title="Promote churn 2.0.0", author="alice", head_ref="p/churn"
    )

    found = github.pull_request(pull.number)

    assert found.number == pull.number
    assert found.title == "Promote churn 2.0.0"
    assert found.author == "alice"
    assert (found.head_sha, found.head_ref) == (pull.head_sha, "p/churn")
    assert (found.base_sha, found.base_ref) == (pull.base_sha, "main")
    assert found.state == "open"
    assert not found.merged
    assert found.merge_commit_sha is None
    assert found.changed_files == 1
    assert found.html_url == f"{github_emulator.url}/acme/models/pull/{pull.number}"


def test_files_are_paginated_and_renames_kept(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    files = [f"models/m{i}/model.yaml" for i in range(250)]
    renamed = FileChange("policies/prod.yaml", "renamed", previous_filename="policies/p.yaml")
    pull = github_emulator.seed.pull(files=[*files, renamed])

    listed = github.pull_request_files(pull.number)

    assert [f.filename for f in listed.files] == [*files, "policies/prod.yaml"]
    assert listed.files[-1].previous_filename == "policies/p.yaml"
    assert listed.complete
    assert listed.require_complete() is listed
    pages = github_emulator.app.requests_to(f"/pulls/{pull.number}/files")
    assert len(pages) == 3  # 100 per page


def test_more_than_3000_files_is_flagged_not_silently_cut(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    pull = github_emulator.seed.pull(files=[f"data/part-{i:05}.yaml" for i in range(3205)])

    listed = github.pull_request_files(pull.number)

    assert len(listed.files) == 3000
    assert listed.changed_files == 3205
    assert not listed.complete
    assert len(github_emulator.app.requests_to(f"/pulls/{pull.number}/files")) == 30
    with pytest.raises(ProviderError, match=r"changes 3,205 files .* first 3,000.*git"):
        listed.require_complete()


def test_reviews_become_the_approvals_document(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    seed = github_emulator.seed
    pull = seed.pull(author="alice")
    old_head = sha_of("an earlier push")
    seed.review(pull, "bob", "APPROVED", commit_id=old_head)  # stale
    seed.review(pull, "alice", "APPROVED")  # the author approving herself
    seed.review(pull, None, "APPROVED")  # a deleted account
    seed.review(pull, "carol", "APPROVED")
    seed.review(pull, "carol", "CHANGES_REQUESTED")  # the latest state of carol
    seed.review(pull, "dave", "PENDING")  # a draft: not submitted, not reported
    seed.review(pull, "erin", "COMMENTED", submitted_at="2024-01-01T02:00:00+02:00")
    seed.review(pull, "frank", "APPROVED").commit_id = None  # its commit was force-pushed away

    approvals = github.approvals(pull.number).as_json()

    assert approvals["author"] == "alice"
    assert approvals["head_sha"] == pull.head_sha
    reviews = approvals["reviews"]
    assert [(r["login"], r["state"]) for r in reviews] == [
        ("erin", "COMMENTED"),  # 00:00:00Z: the offset is converted to UTC
        ("bob", "APPROVED"),
        ("alice", "APPROVED"),
        (GHOST, "APPROVED"),
        ("carol", "APPROVED"),
        ("carol", "CHANGES_REQUESTED"),
        ("frank", "APPROVED"),
    ]
    assert reviews[0]["submitted_at"] == "2024-01-01T00:00:00Z"
    assert reviews[1]["commit_id"] == old_head
    assert all(r["commit_id"] == pull.head_sha for r in reviews[2:-1])
    assert reviews[-1]["commit_id"] == ""  # null in the API: never the head, so stale
    assert all(r["submitted_at"].endswith("Z") for r in reviews)
    assert set(reviews[0]) == {"login", "state", "commit_id", "submitted_at", "user_type"}


def test_reviews_of_a_pull_request_by_a_deleted_author(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    pull = github_emulator.seed.pull(author=None)
    github_emulator.seed.review(pull, "bob")

    approvals = github.approvals(pull.number)

    assert approvals.author == GHOST
    assert [r.login for r in approvals.reviews] == ["bob"]


def test_team_membership(github_emulator: RunningEmulator, github: GitHubProvider) -> None:
    github_emulator.seed.team("acme", "ml-leads", {"bob": "active", "carol": "pending"})

    assert github.is_team_member("acme", "ml-leads", "bob")
    assert not github.is_team_member("acme", "ml-leads", "carol")  # invited, not yet in
    assert not github.is_team_member("acme", "ml-leads", "mallory")
    assert len(github_emulator.app.requests_to("/orgs/acme/teams/ml-leads")) == 1  # cached


def test_missing_team_is_an_error_not_an_empty_team(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    github_emulator.seed.team("acme", "ml-leads", ["bob"])

    with pytest.raises(ProviderError, match=r"team acme/ml-lead .*404"):
        github.is_team_member("acme", "ml-lead", "bob")


def test_pull_request_of_a_merge_commit(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    seed = github_emulator.seed
    merge = sha_of("merge of #2")
    seed.pull(title="older, still open", commits=[sha_of("shared")])
    merged = seed.pull(title="the promotion", merged_as=merge, commits=[sha_of("shared")])

    found = github.pull_request_for_commit(merge)
    via_commit = github.pull_request_for_commit(sha_of("shared"))

    assert found is not None
    assert via_commit is not None
    assert found.number == via_commit.number == merged.number
    assert found.merged
    assert found.merge_commit_sha == merge
    assert found.state == "closed"
    assert github.pull_request_for_commit(sha_of("a direct push")) is None


def test_missing_pull_request_is_a_provider_error(github: GitHubProvider) -> None:
    with pytest.raises(ProviderError, match=r"read pull request #404 of acme/models.*404"):
        github.pull_request(404)
    with pytest.raises(ProviderError, match="not a pull request number"):
        github.pull_request(0)
    with pytest.raises(ProviderError, match="not a commit sha"):
        github.pull_request_for_commit("HEAD~1; rm")


def test_github_enterprise_base_url(
    github_emulator: RunningEmulator, make_github: object, github_token: str
) -> None:
    pull = github_emulator.seed.pull()
    with GitHubProvider(
        "acme/models", github_token, api_url=f"{github_emulator.url}/api/v3/"
    ) as enterprise:
        assert enterprise.pull_request(pull.number).number == pull.number
    assert github_emulator.app.exchanges[-1].path == f"/repos/acme/models/pulls/{pull.number}"


def test_team_membership_of_names_no_team_can_hold(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    github_emulator.seed.team("acme", "ml-leads", ["bob"])

    assert not github.is_team_member("acme", "ml-leads", "dependabot[bot]")
    assert not github.is_team_member("acme", "ml-leads", "../../orgs")
    with pytest.raises(ProviderError, match="not a GitHub organization/team"):
        github.is_team_member("acme", "ml leads?", "bob")
    assert github_emulator.app.exchanges == []
