"""The plan comment (one per PR, edited in place, cut under GitHub's limit), commit statuses
and check runs, over real HTTP through github3.py against the emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from github_emulator.running import RunningEmulator

from modelops_gitops.github import (
    MAX_BODY,
    PLAN_MARKER,
    STATUS_APPROVALS,
    STATUS_PLAN,
    Annotation,
    GitHubProvider,
)
from modelops_gitops.github.text import with_marker

pytest_plugins = ["github_emulator.fixtures"]


def bodies_on(emulator: RunningEmulator, number: int) -> list[str]:
    return [c.body for c in emulator.state.repos["acme/models"].comments_on(number)]


def test_plan_comment_is_created_then_edited_in_place(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    seed = github_emulator.seed
    pull = seed.pull()
    seed.comment(pull.number, "LGTM", login="bob")
    seed.comment(pull.number, "a comment by a deleted account", login=None)

    first = github.upsert_plan_comment(pull.number, "## Plan\n1 change, 1 pending approval")
    second = github.upsert_plan_comment(pull.number, "## Plan\n1 change, approved")
    third = github.upsert_plan_comment(pull.number, "## Plan\n1 change, approved")

    assert (first.action, second.action, third.action) == ("created", "updated", "unchanged")
    assert first.id == second.id == third.id
    assert second.html_url.endswith(f"#issuecomment-{first.id}")
    plan_comments = [b for b in bodies_on(github_emulator, pull.number) if PLAN_MARKER in b]
    assert plan_comments == [f"{PLAN_MARKER}\n## Plan\n1 change, approved"]
    assert len(bodies_on(github_emulator, pull.number)) == 3
    assert len(github_emulator.app.requests_to("/comments", "POST")) == 1
    assert len(github_emulator.app.requests_to("/comments", "PATCH")) == 1


def test_plan_comment_found_among_many_pages_of_comments(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    pull = github_emulator.seed.pull()
    for i in range(130):
        github_emulator.seed.comment(pull.number, f"chatter {i}")
    github_emulator.seed.comment(pull.number, f"{PLAN_MARKER}\nold plan", login="modelops-bot")

    result = github.upsert_plan_comment(pull.number, "new plan")

    assert result.action == "updated"
    assert sum(PLAN_MARKER in b for b in bodies_on(github_emulator, pull.number)) == 1


def test_oversize_plan_is_cut_under_the_limit_with_a_pointer(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    pull = github_emulator.seed.pull()
    report = "## Plan\n```diff\n" + "".join(f"+ line {i} of a huge diff\n" for i in range(9000))
    assert len(report) > 2 * MAX_BODY
    url = "https://ci.example/run/42/artifacts/plan.md"

    result = github.upsert_plan_comment(pull.number, report, report_url=url)

    assert result.truncated
    [body] = bodies_on(github_emulator, pull.number)
    assert len(body) <= MAX_BODY
    assert body.startswith(f"{PLAN_MARKER}\n## Plan\n")
    assert f"[the full report]({url})" in body
    assert body.count("```") % 2 == 0  # the cut code block is closed
    assert "+ line 8999" not in body


def test_commit_statuses(github_emulator: RunningEmulator, github: GitHubProvider) -> None:
    pull = github_emulator.seed.pull()
    long = "3 blocking violations: " + ", ".join(f"models/m{i}/model.yaml" for i in range(30))

    github.set_status(pull.head_sha, STATUS_PLAN, "pending", "planning")
    github.set_status(pull.head_sha, STATUS_PLAN, "failure", long, target_url="https://ci/run/1")
    github.set_status(pull.head_sha, STATUS_APPROVALS, "success", "2 of 2 approvals")

    statuses = github_emulator.state.repos["acme/models"].statuses
    assert [(s.context, s.state) for s in statuses] == [
        (STATUS_PLAN, "pending"),
        (STATUS_PLAN, "failure"),
        (STATUS_APPROVALS, "success"),
    ]
    assert all(s.sha == pull.head_sha for s in statuses)
    assert len(statuses[1].description or "") == 140
    assert (statuses[1].description or "").endswith("…")
    assert statuses[1].target_url == "https://ci/run/1"
    assert statuses[2].target_url is None
    with pytest.raises(ValueError, match="not a commit status state"):
        github.set_status(pull.head_sha, STATUS_PLAN, "bogus", "x")  # type: ignore[arg-type]


def test_check_run_with_annotations_in_batches_of_50(
    github_emulator: RunningEmulator, make_github: Callable[..., GitHubProvider]
) -> None:
    pull = github_emulator.seed.pull()
    app_token = "ghs_" + "a" * 36  # what GITHUB_TOKEN looks like in Actions
    github = make_github(token=app_token)
    notes = [
        Annotation(f"models/m{i}/model.yaml", i + 1, i + 1, "failure", f"rule {i} failed", "block")
        for i in range(120)
    ]

    result = github.create_check_run(
        "modelops plan",
        pull.head_sha,
        conclusion="failure",
        title="3 blocking violations",
        summary="## Plan\n...",
        annotations=notes,
    )

    assert github.can_create_check_runs
    assert result is not None
    assert result.annotations == 120
    run = github_emulator.state.repos["acme/models"].check_runs[result.id]
    assert (run.status, run.conclusion, run.head_sha) == ("completed", "failure", pull.head_sha)
    assert [n["path"] for n in run.annotations] == [n.path for n in notes]
    assert len(github_emulator.app.requests_to("/check-runs", "PATCH")) == 2


def test_check_run_skipped_without_an_installation_token(
    github_emulator: RunningEmulator, github: GitHubProvider, caplog: pytest.LogCaptureFixture
) -> None:
    pull = github_emulator.seed.pull()
    caplog.set_level("INFO", logger="modelops_gitops.github")

    result = github.create_check_run(
        "modelops plan", pull.head_sha, conclusion="success", title="ok", summary="ok"
    )

    assert result is None
    assert not github.can_create_check_runs
    assert github_emulator.app.requests_to("/check-runs") == []
    assert "needs a GitHub App installation token" in caplog.text


def test_bodies_at_the_limit_are_kept_and_open_blocks_closed_after_a_cut() -> None:
    exact = "x" * (MAX_BODY - len(PLAN_MARKER) - 1)
    assert with_marker(PLAN_MARKER, exact) == (f"{PLAN_MARKER}\n{exact}", False)

    report = "<details><summary>all rules</summary>\n\n" + "- rule passed\n" * 10_000
    text, cut = with_marker(PLAN_MARKER, report)

    assert cut
    assert len(text) <= MAX_BODY
    assert text.count("<details") == text.count("</details>")
    assert "the workflow run's log" in text  # no report URL given
