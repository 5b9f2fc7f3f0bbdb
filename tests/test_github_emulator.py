"""The emulator itself: github3.py's own models accept its answers, it paginates like GitHub,
and an exchange that breaks GitHub's OpenAPI description fails loudly."""

from __future__ import annotations

from collections.abc import Iterator

import github3
import pytest
import requests
from github_emulator.faults import MAX_DELAY, Fault
from github_emulator.running import RunningEmulator, running_emulator

pytest_plugins = ["github_emulator.fixtures"]


@pytest.fixture
def gh(github_emulator: RunningEmulator, github_token: str) -> Iterator[github3.GitHub]:
    client = github3.GitHub(token=github_token)
    client.session.base_url = github_emulator.url
    yield client
    client.session.close()


def test_github3_models_accept_the_answers(
    github_emulator: RunningEmulator, gh: github3.GitHub
) -> None:
    seed = github_emulator.seed
    pull = seed.pull(files=["a.yaml", "b.yaml"])
    seed.review(pull, "bob")
    seed.comment(pull.number, "LGTM", login="bob")
    seed.team("acme", "ml-leads", ["bob"])

    repo = gh.repository("acme", "models")
    pr = gh.pull_request("acme", "models", pull.number)
    issue = gh.issue("acme", "models", pull.number)
    team = gh.organization("acme").team_by_name("ml-leads")

    assert repo.full_name == "acme/models"
    assert pr.head.sha == pull.head_sha
    assert [f.filename for f in pr.files()] == ["a.yaml", "b.yaml"]
    assert [r.user.login for r in pr.reviews()] == ["bob"]
    assert [c.body for c in issue.comments()] == ["LGTM"]
    assert team.membership_for("bob")["state"] == "active"
    status = repo.create_status(pull.head_sha, "success", context="modelops/plan")
    assert status.context == "modelops/plan"
    created = repo.create_issue("Drift: churn", body="b", labels=["drift"])
    assert [label.name for label in created.original_labels] == ["drift"]


def test_lists_follow_per_page_with_link_headers(
    github_emulator: RunningEmulator, github_token: str
) -> None:
    pull = github_emulator.seed.pull(files=[f"f{i}" for i in range(45)])
    url = f"{github_emulator.url}/repos/acme/models/pulls/{pull.number}/files"
    headers = {"Authorization": f"token {github_token}"}
    seen: list[str] = []
    with requests.Session() as session:
        while url:
            answer = session.get(
                url, params={"per_page": 20} if not seen else None, headers=headers
            )
            seen += [f["filename"] for f in answer.json()]
            url = answer.links.get("next", {}).get("url", "")
            assert url.startswith(github_emulator.url) or not url

    assert seen == [f"f{i}" for i in range(45)]


def test_requests_need_a_token(github_emulator: RunningEmulator) -> None:
    with requests.Session() as session:
        answer = session.get(f"{github_emulator.url}/repos/acme/models")
    assert answer.status_code == 401
    assert answer.json()["message"] == "Requires authentication"


def test_an_exchange_outside_the_description_is_a_500_and_recorded(github_token: str) -> None:
    headers = {"Authorization": f"token {github_token}"}
    with running_emulator() as emulator, requests.Session() as session:
        emulator.seed.pull()
        undescribed = session.get(
            f"{emulator.url}/repos/acme/models/pulls/1/merge", headers=headers
        )
        bad_body = session.post(
            f"{emulator.url}/repos/acme/models/statuses/abc",
            json={"state": "green"},
            headers=headers,
        )

    assert undescribed.status_code == bad_body.status_code == 500
    assert "does not match GitHub's OpenAPI description" in undescribed.json()["message"]
    first, second = emulator.app.validation_errors
    assert "PathNotFound" in first
    assert "'green' is not one of" in second


def test_a_response_breaking_the_description_is_caught(github_token: str) -> None:
    headers = {"Authorization": f"token {github_token}"}
    with running_emulator() as emulator, requests.Session() as session:
        pull = emulator.seed.pull()
        pull.issue.state = "merged"  # not a state GitHub's description allows
        answer = session.get(f"{emulator.url}/repos/acme/models/pulls/1", headers=headers)

    assert answer.status_code == 500
    [error] = emulator.app.validation_errors
    assert "response of GET /repos/acme/models/pulls/1" in error
    assert "'merged' is not one of" in error


def test_injected_delays_are_bounded(github_emulator: RunningEmulator) -> None:
    fault = github_emulator.faults.slow(delay=60)
    assert fault.delay == MAX_DELAY
    assert Fault("/x", times=2).matches("GET", "/x/y")


def test_undeclared_error_statuses_still_have_github_error_shape(github_token: str) -> None:
    headers = {"Authorization": f"token {github_token}"}
    with running_emulator() as emulator, requests.Session() as session:
        # GitHub's description declares only 200 for listing reviews; a missing PR is a 404
        answer = session.get(f"{emulator.url}/repos/acme/models/pulls/9/reviews", headers=headers)

    assert answer.status_code == 404
    assert answer.json()["message"] == "Not Found"
    assert emulator.app.validation_errors == []
