"""pytest fixtures around the emulator. Use them from a test module with

    pytest_plugins = ["github_emulator.fixtures"]

(tests/ is on sys.path under pytest's default import mode), or from tests/conftest.py.
Import types from `github_emulator.running`, not from here (pytest must import this module
first, to rewrite its asserts).

- `github_emulator`: a running emulator (`.url`, `.seed`, `.faults`, `.state`, `.app`);
  at teardown it fails the test if any exchange broke GitHub's OpenAPI description.
- `github_token`: a token-shaped secret (`ghp_` + 36 characters) to check nothing leaks.
- `github_env`: GITHUB_TOKEN / GITHUB_API_URL / GITHUB_REPOSITORY pointing at the emulator,
  for tests that drive the CLI.
- `github`: a GitHubProvider on the emulator whose retries only record their pauses
  (`github_sleeps`), closed at teardown; `make_github(**options)` builds more of them
  (other token, retry policy, timeout...), all closed at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from modelops_gitops.github import GitHubProvider, RetryPolicy

from .running import RunningEmulator, running_emulator

TOKEN = "ghp_" + "Zq8Xw3Lr5Tn1Vb7Mk2Pj9Hs4Gd6Fc0Ya3Ee8"  # fake, but shaped like a real one


@pytest.fixture
def github_emulator() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator
    errors = emulator.app.validation_errors
    assert not errors, "\n\n".join(errors)


@pytest.fixture
def github_token() -> str:
    return TOKEN


@pytest.fixture
def github_env(
    github_emulator: RunningEmulator, github_token: str, monkeypatch: pytest.MonkeyPatch
) -> RunningEmulator:
    monkeypatch.setenv("GITHUB_TOKEN", github_token)
    monkeypatch.setenv("GITHUB_API_URL", github_emulator.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", github_emulator.repository)
    return github_emulator


@pytest.fixture
def github_sleeps() -> list[float]:
    return []


MakeGitHub = Callable[..., GitHubProvider]


@pytest.fixture
def make_github(
    github_emulator: RunningEmulator, github_token: str, github_sleeps: list[float]
) -> Iterator[MakeGitHub]:
    made: list[GitHubProvider] = []

    def make(**options: Any) -> GitHubProvider:
        options.setdefault(
            "retry", RetryPolicy(attempts=4, backoff=0.5, sleep=github_sleeps.append)
        )
        options.setdefault("api_url", github_emulator.url)
        token = options.pop("token", github_token)
        provider = GitHubProvider(github_emulator.repository, token, **options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def github(make_github: MakeGitHub) -> GitHubProvider:
    return make_github()
