"""Which GitHub a command talks to: modelops.yaml's `spec.provider` first, then the
environment Actions sets (GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID).

    settings = repository_settings(root)          # None: no (valid) modelops.yaml
    repo = repository_of(settings, os.environ)    # "acme/models", or None
    with connect(root) as github: ...             # ProviderError without a token or repo
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from modelops_gitops.errors import InputError, ProviderError
from modelops_gitops.extras import require
from modelops_gitops.kinds import Repository
from modelops_gitops.kinds.settings import Provider
from modelops_gitops.repo.load import load_document
from modelops_gitops.repo.tree import MODELOPS_FILE, read_inside

if TYPE_CHECKING:
    from .provider import GitHubProvider

DEFAULT_SERVER = "https://github.com"


def repository_settings(root: Path) -> Provider | None:
    """The work tree's modelops.yaml alone (not every document of the tree: a plan of two refs
    neither walks nor fails on the work tree); None when it is absent or invalid."""
    try:
        doc, _ = load_document(MODELOPS_FILE, read_inside(root.resolve(), MODELOPS_FILE))
    except InputError:
        return None
    return doc.spec.provider if isinstance(doc, Repository) else None


def repository_of(settings: Provider | None, environ: Mapping[str, str]) -> str | None:
    """owner/name from modelops.yaml, else GITHUB_REPOSITORY; None when neither names one
    or modelops.yaml says `type: none`."""
    if settings is not None and settings.type != "github":
        return None
    if settings is not None and settings.owner and settings.repo:
        return f"{settings.owner}/{settings.repo}"
    return environ.get("GITHUB_REPOSITORY", "").strip() or None


def server_of(settings: Provider | None, environ: Mapping[str, str]) -> str:
    """The web server (for links): GITHUB_SERVER_URL, else modelops.yaml's API URL without
    `/api/v3` (GitHub Enterprise), else github.com."""
    server = environ.get("GITHUB_SERVER_URL", "").strip()
    if not server and settings is not None and settings.api_url:
        server = settings.api_url.rstrip("/").removesuffix("/api/v3")
    return (server or DEFAULT_SERVER).rstrip("/")


def run_url(environ: Mapping[str, str]) -> str | None:
    """The Actions run this command runs in (its log and artifacts hold the full report)."""
    parts = [environ.get(k, "").strip() for k in ("GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    if not all(parts):
        return None
    server = environ.get("GITHUB_SERVER_URL", "").strip().rstrip("/") or DEFAULT_SERVER
    return f"{server}/{parts[0]}/actions/runs/{parts[1]}"


def connect(root: Path, what: str, environ: Mapping[str, str] | None = None) -> GitHubProvider:
    """The provider for the repository at `root`; `what` names the option that needs it."""
    env = os.environ if environ is None else environ
    if not env.get("GITHUB_TOKEN", "").strip():
        raise ProviderError(f"{what} needs a GitHub token: set GITHUB_TOKEN")
    settings = repository_settings(root)
    if settings is not None and settings.type != "github":
        raise ProviderError(
            f"{what} needs GitHub, but {MODELOPS_FILE} sets spec.provider.type: {settings.type}"
        )
    repository = repository_of(settings, env)
    if repository is None:
        raise ProviderError(
            f"{what}: no GitHub repository; set spec.provider.owner and .repo in "
            f"{MODELOPS_FILE}, or GITHUB_REPOSITORY (owner/name)"
        )
    api_url = settings.api_url if settings is not None else None
    require("github", what)
    from .provider import GitHubProvider

    return GitHubProvider.from_env(repository, api_url=api_url, environ=env)
