"""The handler side of the emulator: the request context, replies, errors, pagination."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from .payloads import Json, Urls
from .state import GitHubState, Repo

DOCS = "https://docs.github.com/rest"
MAX_PER_PAGE = 100


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    """An error answer in GitHub's shape (`basic-error`, or `validation-error` with errors)."""

    def __init__(self, status: int, message: str, errors: Sequence[Json] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors)

    def reply(self) -> Reply:
        body: Json = {"message": self.message, "documentation_url": DOCS}
        if self.errors:
            body["errors"] = self.errors
        else:
            body["status"] = str(self.status)
        return Reply(self.status, body)


def invalid(resource: str, field_name: str, message: str) -> HttpError:
    error = {"resource": resource, "field": field_name, "code": "custom", "message": message}
    return HttpError(422, "Validation Failed", [error])


@dataclass
class Ctx:
    state: GitHubState
    urls: Urls
    request: Request
    path: str  # without GitHub Enterprise's /api/v3 prefix
    viewer: str

    def json(self) -> Json:
        if not self.request.get_data():
            return {}
        try:
            data = json.loads(self.request.get_data())
        except ValueError:
            raise HttpError(400, "Problems parsing JSON") from None
        if not isinstance(data, dict):
            raise HttpError(400, "Problems parsing JSON")
        return data

    def repo(self, owner: str, name: str) -> Repo:
        found = self.state.repos.get(f"{owner}/{name}")
        if found is None:
            raise HttpError(404, "Not Found")
        return found

    def page(self, items: Sequence[Json]) -> Reply:
        """One page of `items` (`per_page`, default 30, at most 100) with a Link header."""
        per_page = min(max(int(self.request.args.get("per_page", 30)), 1), MAX_PER_PAGE)
        number = max(int(self.request.args.get("page", 1)), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        start = (number - 1) * per_page
        links = []
        if number < last:
            links += [f'<{self._page_url(number + 1)}>; rel="next"']
            links += [f'<{self._page_url(last)}>; rel="last"']
        if number > 1:
            links += [f'<{self._page_url(1)}>; rel="first"']
            links += [f'<{self._page_url(number - 1)}>; rel="prev"']
        headers = {"Link": ", ".join(links)} if links else {}
        return Reply(200, list(items[start : start + per_page]), headers)

    def _page_url(self, number: int) -> str:
        args = dict(self.request.args.items())
        args["page"] = str(number)
        return f"{self.urls.api}{self.path}?{urlencode(args)}"


Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    rule: str  # werkzeug rule, e.g. /repos/<owner>/<repo>/pulls/<int:number>
    method: str
    handler: Handler
