"""Monitor issues: opened on drift, updated in place (never duplicated), closed when drift is
gone, reopened when it returns; found again by their hidden marker."""

from __future__ import annotations

from github_emulator.running import RunningEmulator

from modelops_gitops.github import DRIFT_LABEL, MONITOR_LABEL, GitHubProvider, monitor_marker

pytest_plugins = ["github_emulator.fixtures"]


def issues_of(emulator: RunningEmulator, model: str) -> list[tuple[int, str, str | None]]:
    marker = monitor_marker(model)
    repo = emulator.state.repos["acme/models"]
    issues = [i for i in repo.issues.values() if i.number not in repo.pulls]
    return [(i.number, i.state, i.body) for i in issues if i.body and marker in i.body]


def test_monitor_issue_lifecycle(github_emulator: RunningEmulator, github: GitHubProvider) -> None:
    seed = github_emulator.seed
    pull = seed.pull(body=f"a pull request that quotes {monitor_marker('churn')}")
    pull.issue.labels.append(MONITOR_LABEL)  # listed with the issues, as GitHub does
    seed.issue("unrelated", "by a deleted account", labels=[MONITOR_LABEL], login=None)
    other = github.report_drift("fraud-scorer", title="Drift: fraud-scorer", body="2 of 9")

    opened = github.report_drift("churn", title="Drift: churn", body="3 of 12 features drifted")
    updated = github.report_drift("churn", title="Drift: churn", body="5 of 12 features drifted")
    closed = github.resolve_drift("churn", body="No drift since 2024-05-02.")
    again = github.resolve_drift("churn")
    reopened = github.report_drift("churn", title="Drift: churn", body="drift is back")

    assert (opened.action, updated.action, reopened.action) == ("opened", "updated", "reopened")
    assert closed is not None
    assert closed.action == "closed"
    assert again is None
    assert opened.number == updated.number == closed.number == reopened.number != other.number
    assert issues_of(github_emulator, "churn") == [
        (opened.number, "open", f"{monitor_marker('churn')}\ndrift is back")
    ]
    issue = github_emulator.state.repos["acme/models"].issues[opened.number]
    assert issue.labels == [MONITOR_LABEL, DRIFT_LABEL]
    assert issue.title == "Drift: churn"
    assert opened.html_url.endswith(f"/acme/models/issues/{opened.number}")


def test_labels_added_by_people_are_kept(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    opened = github.report_drift("churn", title="Drift: churn", body="drift", labels=("p1",))
    issue = github_emulator.state.repos["acme/models"].issues[opened.number]
    issue.labels.append("triaged")

    github.report_drift("churn", title="Drift: churn", body="more drift")

    assert issue.labels == [MONITOR_LABEL, "p1", "triaged", DRIFT_LABEL]


def test_no_issue_no_drift_nothing_to_close(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    assert github.resolve_drift("churn") is None
    assert github_emulator.app.requests_to("/issues", "PATCH") == []
