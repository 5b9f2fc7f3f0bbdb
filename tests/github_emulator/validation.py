"""Check every emulated exchange against GitHub's published OpenAPI description.

The description is the trimmed extract in `openapi-extract.json` (see
`regenerate_openapi_extract.py`). openapi-core is built with spec validation off: the extract
is GitHub's own file, and checking it costs seconds per start.

An error status the description does not declare for an operation (it omits some 404s and
403s) is still checked: its body must be GitHub's `basic-error` or `validation-error`.

Requests are validated as if sent to the description's server (https://api.github.com), so
an emulator on 127.0.0.1, with or without GitHub Enterprise's /api/v3 prefix, matches it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.wrappers import Request

EXTRACT = Path(__file__).with_name("openapi-extract.json")


@functools.cache
def description() -> OpenAPI:
    spec = json.loads(EXTRACT.read_text(encoding="utf-8"))
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


@functools.cache
def server_url() -> str:
    return str(json.loads(EXTRACT.read_text(encoding="utf-8"))["servers"][0]["url"])


@dataclass
class SpecRequest:
    """openapi-core's Request protocol over a werkzeug request, relocated to the server."""

    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = field(default_factory=server_url)

    @classmethod
    def of(cls, request: Request, path: str) -> SpecRequest:
        return cls(
            path=path,
            method=request.method.lower(),
            body=request.get_data() or None,
            content_type=request.content_type or "application/json",
            parameters=RequestParameters(
                query=ImmutableMultiDict(request.args),
                header=Headers(request.headers),
                cookie=request.cookies,
            ),
        )


@dataclass
class SpecResponse:
    status_code: int
    data: bytes | None
    headers: dict[str, str]
    content_type: str = "application/json"


def _messages(error: BaseException) -> list[str]:
    """The error and the schema errors openapi-core nests under it (`__cause__`)."""
    out = [f"{type(error).__name__}: {str(error)[:300]}"]
    cause = error.__cause__
    for nested in getattr(cause, "schema_errors", None) or ():
        where = "/".join(str(p) for p in nested.absolute_path)
        out.append(f"  at /{where}: {nested.message[:300]}")
    if cause is not None and not getattr(cause, "schema_errors", None):
        out.append(f"  {type(cause).__name__}: {str(cause)[:300]}")
    return out


def request_errors(request: SpecRequest) -> list[str]:
    try:
        description().validate_request(request)
    except Exception as error:  # openapi-core raises a tree of its own exceptions
        return _messages(error)
    return []


def response_errors(request: SpecRequest, response: SpecResponse) -> list[str]:
    try:
        description().validate_response(request, response)
    except ResponseNotFound as error:
        if response.status_code >= 400:  # GitHub's description omits some error statuses
            return error_body_errors(response.data)
        return _messages(error)
    except Exception as error:
        return _messages(error)
    return []


def error_body_errors(data: bytes | None) -> list[str]:
    """An undeclared error answer must still have GitHub's error shape."""
    body = json.loads(data or b"null")
    name = "validation-error" if isinstance(body, dict) and "errors" in body else "basic-error"
    schema = json.loads(EXTRACT.read_text(encoding="utf-8"))["components"]["schemas"][name]
    found = OAS30Validator(schema).iter_errors(body)
    return [f"{name}: at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]
