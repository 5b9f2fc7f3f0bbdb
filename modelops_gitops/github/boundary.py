"""Where github3.py's and requests' exceptions become ProviderError (like httpx's
`map_httpcore_exceptions`). Nothing else escapes the package.

    github3.exceptions.GitHubError (an answer >= 400)  -> ProviderError naming the action,
                                                         the status, GitHub's message, a hint
    github3.exceptions.GitHubException (no answer)     -> ProviderError (connection, token)
    requests.RequestException                          -> ProviderError (connection, timeout)

Every message goes through `scrub`, which blanks the token: a token never reaches a message,
a log record or a report.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import urlsplit

import github3.exceptions
import requests

from modelops_gitops.errors import ProviderError
from modelops_gitops.times import iso_utc

from .retry import attempts_of, is_rate_limited

HINTS = {
    401: "the token was refused (unset, expired or revoked); check GITHUB_TOKEN",
    403: "the token lacks a permission this needs (see the workflow's `permissions:`)",
    404: "it does not exist, or the token cannot see it",
    409: "GitHub reports a conflict; try again",
    410: "GitHub says it is gone (issues disabled?)",
    422: "GitHub refused the data",
}


def scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def describe_answer(action: str, response: requests.Response, message: str) -> str:
    """One line: what we tried, what GitHub answered, and what to do about it."""
    request = response.request
    where = f"{request.method} {urlsplit(request.url or '').path}" if request else "request"
    status = response.status_code
    said = f"GitHub answered {status} {response.reason or ''}".rstrip()
    if message and message != response.reason:
        said += f": {message}"
    attempts = attempts_of(response)
    if is_rate_limited(response):
        hint = _rate_limit_hint(response)
    elif status >= 500 and attempts > 1:
        hint = f"GitHub kept failing ({attempts} attempts); try again later"
    elif status >= 500 and request is not None and request.method == "POST":
        hint = "a GitHub server error (a POST is not retried: it may have been applied)"
    elif status >= 500:
        hint = "a GitHub server error; try again later"
    else:
        hint = HINTS.get(status, "")
    return f"could not {action} ({where}): {said}" + (f"; {hint}" if hint else "")


def _rate_limit_hint(response: requests.Response) -> str:
    reset = response.headers.get("X-RateLimit-Reset", "")
    if reset.isdigit():
        when = iso_utc(datetime.fromtimestamp(int(reset), UTC))
        return f"the API rate limit is exhausted until {when}"
    retry_after = response.headers.get("Retry-After", "?")
    return f"GitHub asks to wait {retry_after} s (secondary rate limit)"


def _error_details(error: github3.exceptions.GitHubError) -> str:
    details = [str(e.get("message") or e.get("code")) for e in error.errors if isinstance(e, dict)]
    message = str(error.msg or "")
    return "; ".join([message, *details]) if details else message


@contextmanager
def mapped(action: str, secrets: Sequence[str]) -> Iterator[None]:
    """Run a GitHub call; turn whatever it raises into a ProviderError about `action`."""
    try:
        yield
    except github3.exceptions.GitHubError as error:
        if error.response is None:  # IncompleteResponse: a field github3.py needs is missing
            message = f"could not {action}: GitHub's answer lacks a field ({error.msg})"
        else:
            message = describe_answer(action, error.response, _error_details(error))
        raise ProviderError(scrub(message, secrets)) from error
    except github3.exceptions.GitHubException as error:
        cause = getattr(error, "exception", error)
        raise ProviderError(scrub(_transport(action, cause), secrets)) from error
    except requests.RequestException as error:
        raise ProviderError(scrub(_transport(action, error), secrets)) from error


def _transport(action: str, error: BaseException) -> str:
    if isinstance(error, requests.Timeout):
        return f"could not {action}: GitHub did not answer in time"
    if isinstance(error, requests.ConnectionError):
        return f"could not {action}: cannot connect to GitHub ({type(error).__name__})"
    return f"could not {action}: {error}"
