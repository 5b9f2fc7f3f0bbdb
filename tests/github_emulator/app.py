"""The emulator as a WSGI application.

Each request goes: OpenAPI request check -> authentication -> injected fault, if any ->
handler -> OpenAPI response check. Authentication errors (401) and injected faults are not
checked against the description, which does not describe them for most operations. A request or response that does not match GitHub's
description is recorded in `validation_errors` and answered with a 500, so the client fails
loudly and the fixture fails the test at teardown even if the client swallowed the error.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import routes_checks, routes_issues, routes_orgs, routes_pull_writes, routes_pulls
from .faults import Fault, Faults
from .http import Ctx, HttpError, Reply, Route
from .payloads import Urls
from .state import GitHubState
from .validation import SpecRequest, SpecResponse, request_errors, response_errors

ROUTES: tuple[Route, ...] = (
    *routes_pulls.ROUTES,
    *routes_pull_writes.ROUTES,
    *routes_issues.ROUTES,
    *routes_checks.ROUTES,
    *routes_orgs.ROUTES,
)
ENTERPRISE_PREFIX = "/api/v3"
INSTALLATION_PREFIX = "ghs_"  # GitHub App installation tokens, GITHUB_TOKEN in Actions


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    query: str
    status: int
    token: str | None


class GitHubEmulator:
    """A WSGI app over a `GitHubState`, with faults, a request log and validation errors."""

    def __init__(self, state: GitHubState | None = None) -> None:
        self.state = state or GitHubState()
        self.faults = Faults()
        self.exchanges: list[Exchange] = []
        self.validation_errors: list[str] = []
        self._lock = threading.Lock()
        self._map = Map(
            [Rule(r.rule, endpoint=r, methods=[r.method]) for r in ROUTES],
            strict_slashes=False,
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        reply = self._handle(request)
        body = b"" if reply.body is None else json.dumps(reply.body).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; param=full; format=json",
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            **reply.headers,
        }
        response = Response(body, status=reply.status, headers=headers)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Reply:
        path = request.path
        prefix = ENTERPRISE_PREFIX if path.startswith(ENTERPRISE_PREFIX + "/") else ""
        path = path.removeprefix(prefix)
        spec_request = SpecRequest.of(request, path)
        token = _token(request)
        with self._lock:
            problems = request_errors(spec_request)
        fault = self.faults.take(request.method, path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        with self._lock, self.state.lock:
            if problems:
                reply = self._invalid("request", request, problems)
            elif token is None:
                reply = HttpError(401, "Requires authentication").reply()
            elif self.state.tokens and token not in self.state.tokens:
                reply = HttpError(401, "Bad credentials").reply()
            elif fault is not None and fault.status is not None:
                reply = _fault_reply(fault)
            else:
                host = request.host_url.rstrip("/")
                urls = Urls(api=host + prefix, web=host)
                ctx = Ctx(self.state, urls, request, path, self._viewer(token))
                reply = self._dispatch(ctx, request)
                body = json.dumps(reply.body).encode() if reply.body is not None else None
                problems = response_errors(
                    spec_request, SpecResponse(reply.status, body, reply.headers)
                )
                if problems:
                    reply = self._invalid("response", request, problems)
            query = request.query_string.decode()
            self.exchanges.append(Exchange(request.method, path, query, reply.status, token))
        return reply

    def _dispatch(self, ctx: Ctx, request: Request) -> Reply:
        adapter = self._map.bind("emulator", path_info=ctx.path)
        try:
            route, args = adapter.match(method=request.method)
            return route.handler(ctx, **args)  # type: ignore[no-any-return]
        except HttpError as error:
            return error.reply()
        except (NotFound, MethodNotAllowed):
            return HttpError(404, "Not Found").reply()

    def _viewer(self, token: str) -> str:
        if token.startswith(INSTALLATION_PREFIX):
            return self.state.user("github-actions[bot]", "Bot").login
        return self.state.user(self.state.viewer).login

    def _invalid(self, what: str, request: Request, problems: list[str]) -> Reply:
        where = f"{request.method} {request.full_path.rstrip('?')}"
        message = f"{what} of {where} does not match GitHub's OpenAPI description"
        self.validation_errors.append("\n".join([message, *problems]))
        return Reply(500, {"message": f"emulator: {message}"})

    def requests_to(self, fragment: str, method: str | None = None) -> list[Exchange]:
        """The exchanges whose path contains `fragment` (and with that method, if given)."""
        return [
            e
            for e in self.exchanges
            if fragment in e.path and (method is None or e.method == method)
        ]


def _token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token or None if scheme.lower() in {"token", "bearer"} else None


def _fault_reply(fault: Fault) -> Reply:
    return Reply(fault.status or 500, fault.body, dict(fault.headers))
