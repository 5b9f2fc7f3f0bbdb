"""One authenticated github3.py session bound to one repository, and the raw calls on it.

github3.py provides the session (token auth, the "full" media type, timeouts), its
paginator (`GitHubIterator`: per_page=100, Link rel="next") and its exception classes.
Every call runs inside `boundary.mapped`, so only ProviderError comes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import github3
import github3.exceptions
from github3.structs import GitHubIterator

from modelops_gitops.errors import ProviderError
from modelops_gitops.times import iso_utc

from .boundary import mapped, scrub
from .retry import RetryHook, RetryPolicy

DEFAULT_API_URL = "https://api.github.com"
INSTALLATION_TOKEN_PREFIX = "ghs_"  # GitHub App installation tokens, GITHUB_TOKEN in Actions
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


def split_repository(repository: str, secrets: Sequence[str] = ()) -> tuple[str, str]:
    if not _REPOSITORY.match(repository) or repository.endswith((".", "/..")):
        message = f"not a GitHub repository (expected owner/name): {repository!r}"
        raise ProviderError(scrub(message, secrets))  # a token pasted in the wrong place
    owner, name = repository.split("/")
    return owner, name


def check_number(number: int) -> int:
    """A pull request or issue number (they go into URLs)."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ProviderError(f"not a pull request number: {number!r}")
    return number


class Connection:
    def __init__(
        self,
        repository: str,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        installation_token: bool | None = None,
    ) -> None:
        if not token:
            raise ProviderError("no GitHub token: set GITHUB_TOKEN")
        self._secrets = (token,)
        self.owner, self.name = split_repository(repository, self._secrets)
        if urlsplit(api_url).scheme not in {"http", "https"}:
            message = f"not an http(s) URL for the GitHub API: {api_url!r}"
            raise ProviderError(scrub(message, self._secrets))  # a token pasted there
        self.gh = github3.GitHub(token=token)
        session = self.gh.session
        session.base_url = api_url.rstrip("/")
        session.default_connect_timeout = min(timeout, 4.0)
        session.default_read_timeout = timeout
        session.hooks["response"].append(RetryHook(retry or RetryPolicy()))
        if installation_token is None:
            installation_token = token.startswith(INSTALLATION_TOKEN_PREFIX)
        self.installation_token = installation_token
        if installation_token:  # check runs need it; github3.py refuses them otherwise
            expires = datetime.now(UTC) + timedelta(hours=24)  # GITHUB_TOKEN's longest life
            session.app_installation_token_auth({"token": token, "expires_at": iso_utc(expires)})
        self._repo: Any = None

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.name}"

    def __repr__(self) -> str:  # never show the session (its auth holds the token)
        return f"<GitHub connection to {self.repository} at {self.gh.session.base_url}>"

    def close(self) -> None:
        self.gh.session.close()

    def mapped(self, action: str) -> AbstractContextManager[None]:
        return mapped(action, self._secrets)

    def url(self, *parts: str | int, repo: bool = True) -> str:
        """An API URL: /repos/{owner}/{name}/parts... (or /parts... with repo=False)."""
        prefix = ("repos", self.owner, self.name) if repo else ()
        quoted = [quote(str(p), safe="") for p in parts]
        return str(self.gh.session.build_url(*prefix, *quoted))

    def get(self, url: str, action: str) -> Any:
        with self.mapped(action):
            return _json(self.gh.session.get(url), 200)

    def items(
        self, url: str, action: str, params: Mapping[str, str] | None = None
    ) -> Iterator[Any]:
        """Every item of a paginated list (github3.py's paginator; items stay plain JSON)."""
        with self.mapped(action):
            yield from GitHubIterator(-1, url, dict, self.gh.session, params=dict(params or {}))

    def send(self, method: str, url: str, body: Mapping[str, Any], action: str) -> Any:
        expected = 201 if method == "POST" else 200
        with self.mapped(action):
            return _json(self.gh.session.request(method, url, json=dict(body)), expected)

    def github3_repository(self) -> Any:
        """github3.py's Repository, fetched once (for its status/issue/check-run calls)."""
        if self._repo is None:
            with self.mapped(f"read repository {self.repository}"):
                self._repo = self.gh.repository(self.owner, self.name)
        return self._repo


def _json(response: Any, expected: int) -> Any:
    if response.status_code >= 400:
        raise github3.exceptions.error_for(response)
    if response.status_code != expected and not response.content:
        return None
    return response.json()
