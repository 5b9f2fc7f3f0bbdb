"""Rate limits, gateway errors, timeouts and refusals: bounded retries honouring GitHub's
headers, then a ProviderError that says what happened and never shows the token."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import pytest
from github_emulator.running import RunningEmulator

from modelops_gitops.errors import EXIT_INPUT, ProviderError
from modelops_gitops.github import GitHubProvider, RetryPolicy

pytest_plugins = ["github_emulator.fixtures"]

MakeGitHub = Callable[..., GitHubProvider]
NOW = 1_700_000_000  # the injected clock: 2023-11-14T22:13:20Z


def fixed_clock() -> float:
    return float(NOW)


def test_rate_limit_then_success_waits_until_the_reset(
    github_emulator: RunningEmulator, make_github: MakeGitHub
) -> None:
    pull = github_emulator.seed.pull()
    github_emulator.faults.rate_limit("/pulls/", reset_at=NOW + 30)
    sleeps: list[float] = []
    github = make_github(retry=RetryPolicy(sleep=sleeps.append, clock=fixed_clock))

    assert github.pull_request(pull.number).number == pull.number

    assert sleeps == [31.0]  # until the reset second, plus one
    assert [e.status for e in github_emulator.app.exchanges] == [403, 200]


def test_secondary_rate_limit_honours_retry_after(
    github_emulator: RunningEmulator, github: GitHubProvider, github_sleeps: list[float]
) -> None:
    pull = github_emulator.seed.pull()
    github_emulator.faults.secondary_rate_limit("/reviews", retry_after=7)

    assert github.approvals(pull.number).reviews == ()

    assert github_emulator.faults.take("GET", "/reviews") is None  # the fault was spent
    assert github_sleeps == [7.0]


def test_rate_limit_resetting_too_late_fails_at_once_with_the_reset_time(
    github_emulator: RunningEmulator, make_github: MakeGitHub
) -> None:
    pull = github_emulator.seed.pull()
    github_emulator.faults.rate_limit(reset_at=NOW + 3600)
    sleeps: list[float] = []
    github = make_github(retry=RetryPolicy(sleep=sleeps.append, clock=fixed_clock, max_wait=60))

    with pytest.raises(ProviderError, match="rate limit is exhausted until 2023-11-14T23:13:20Z"):
        github.pull_request(pull.number)

    assert sleeps == []
    assert len(github_emulator.app.exchanges) == 1


def test_bad_gateway_then_success(
    github_emulator: RunningEmulator, github: GitHubProvider, github_sleeps: list[float]
) -> None:
    pull = github_emulator.seed.pull(files=[f"f{i}" for i in range(250)])
    github_emulator.faults.server_error("/files", status=502)
    github_emulator.faults.server_error("/files", status=504)

    assert len(github.pull_request_files(pull.number).files) == 250

    assert github_sleeps == [0.5, 1.0]  # exponential backoff
    statuses = [e.status for e in github_emulator.app.requests_to("/files")]
    assert statuses == [502, 504, 200, 200, 200]


def test_persistent_bad_gateway_gives_up_after_a_bounded_number_of_attempts(
    github_emulator: RunningEmulator, github: GitHubProvider, github_sleeps: list[float]
) -> None:
    pull = github_emulator.seed.pull()
    github_emulator.faults.server_error("/pulls/", status=502, times=100)

    with pytest.raises(ProviderError, match=r"502 .*GitHub kept failing \(4 attempts\)") as caught:
        github.pull_request(pull.number)

    assert caught.value.exit_code == EXIT_INPUT
    assert len(github_emulator.app.exchanges) == 4
    assert github_sleeps == [0.5, 1.0, 2.0]


def test_a_post_is_not_repeated_after_a_gateway_error(
    github_emulator: RunningEmulator, github: GitHubProvider
) -> None:
    pull = github_emulator.seed.pull()
    github_emulator.faults.server_error("/comments", status=502, method="POST")

    with pytest.raises(
        ProviderError, match=r"comment on pull request #\d+ .*502.*POST is not retried"
    ):
        github.upsert_plan_comment(pull.number, "plan")

    assert [e.method for e in github_emulator.app.requests_to("/comments")] == ["GET", "POST"]


def test_slow_answers_within_the_timeout_succeed_beyond_it_fail(
    github_emulator: RunningEmulator, make_github: MakeGitHub
) -> None:
    pull = github_emulator.seed.pull()
    github = make_github(timeout=0.5)
    github_emulator.faults.slow("/pulls/", delay=0.1)
    assert github.pull_request(pull.number).number == pull.number

    github_emulator.faults.slow("/pulls/", delay=1.0)
    with pytest.raises(ProviderError, match="did not answer in time"):
        github.pull_request(pull.number)


def test_unreachable_github(make_github: MakeGitHub) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    github = make_github(api_url=f"http://127.0.0.1:{port}")

    with pytest.raises(ProviderError, match="cannot connect to GitHub"):
        github.pull_request(1)


@pytest.fixture
def every_log_record(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger: ours, github3, urllib3, werkzeug
    return caplog


def test_the_token_never_appears_in_errors_or_logs(
    github_emulator: RunningEmulator,
    make_github: MakeGitHub,
    github_token: str,
    every_log_record: pytest.LogCaptureFixture,
) -> None:
    other_token = "ghp_" + "Rk4Tq9Wm2Xc7Vn5Bz8Ly3Hd6Js1Fg0Pa4Ue7"
    github_emulator.state.tokens.add(other_token)  # only this one is valid
    pull = github_emulator.seed.pull()
    github_emulator.seed.team("acme", "ml-leads", ["bob"])
    refused = make_github()
    github = make_github(token=other_token)
    github_emulator.faults.rate_limit("/reviews", times=10)
    github_emulator.faults.server_error("/files", times=10)
    calls: list[Callable[[], object]] = [
        lambda: refused.pull_request(pull.number),
        lambda: github.pull_request(999),
        lambda: github.approvals(pull.number),
        lambda: github.pull_request_files(pull.number),
        lambda: github.is_team_member("acme", "nobody", "bob"),
        lambda: make_github(api_url="http://127.0.0.1:9").pull_request(1),
        lambda: GitHubProvider(f"{github_token}/x", github_token),
        lambda: GitHubProvider("acme/models", github_token, api_url=f"ftp://{github_token}"),
    ]
    messages = []
    for call in calls:
        with pytest.raises(ProviderError) as caught:
            call()
        error: BaseException | None = caught.value
        while error is not None:  # the whole chain, as --traceback would show it
            messages += [str(error), repr(error)]
            error = error.__cause__ or error.__context__

    assert "Bad credentials" in messages[0]
    assert every_log_record.records
    for text in [*messages, *(r.getMessage() for r in every_log_record.records)]:
        for token in (github_token, other_token):
            assert token not in text
            assert token[4:] not in text


def test_from_env(github_env: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    pull = github_env.seed.pull()
    with GitHubProvider.from_env() as github:
        assert github.repository == "acme/models"
        assert github.pull_request(pull.number).number == pull.number

    monkeypatch.delenv("GITHUB_REPOSITORY")
    with pytest.raises(ProviderError, match="GITHUB_REPOSITORY"):
        GitHubProvider.from_env()
    GitHubProvider.from_env("acme/models").close()  # from modelops.yaml
    monkeypatch.delenv("GITHUB_TOKEN")
    with pytest.raises(ProviderError, match="GITHUB_TOKEN is not set"):
        GitHubProvider.from_env("acme/models")
