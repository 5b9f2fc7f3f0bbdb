"""Output formats of `plan`: one module per format, all reading the same `PlanResult`.

    from modelops_gitops.render import RENDERERS, Links
    text = RENDERERS["markdown"].render(result, links=Links.github(owner, repo, head_sha))

A format is a module with `DESCRIPTION` (one line for `--help`), `SUFFIX` (the file
extension) and `render(result, *, links) -> str`; adding one is one module and one entry in
`RENDERERS`, whose keys are the `--format` choices. Output is deterministic: no clock, one
stable order (`common`). The text format also takes `color: bool` (the CLI decides, from the
terminal); the others ignore colour.

    text       human-readable summary, coloured on a terminal (the default)
    markdown   the pull-request comment, within GitHub's 65,536-character limit
    json       versioned, documented in docs/plan-json.md (schema: docs/plan-output.schema.json)
    sarif      SARIF 2.1.0 for GitHub code scanning
    junit      JUnit XML, one suite per change
"""

from __future__ import annotations

from typing import Protocol

from modelops_gitops.plan.result import PlanResult
from modelops_gitops.render import junit, markdown, plan_json, sarif, text
from modelops_gitops.render.links import Links

__all__ = ["DEFAULT_FORMAT", "FORMATS", "RENDERERS", "Links", "Renderer"]


class Renderer(Protocol):
    """What an output format provides (modules satisfy it, as pre-commit's languages do)."""

    @property
    def DESCRIPTION(self) -> str: ...

    @property
    def SUFFIX(self) -> str: ...

    def render(self, result: PlanResult, *, links: Links) -> str: ...


RENDERERS: dict[str, Renderer] = {
    "text": text,
    "markdown": markdown,
    "json": plan_json,
    "sarif": sarif,
    "junit": junit,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)
DEFAULT_FORMAT = "text"
