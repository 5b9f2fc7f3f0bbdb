"""GitHubProvider: the one object the commands use to talk to GitHub."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from types import TracebackType

from modelops_gitops.errors import ProviderError

from . import monitor, proposals, reads, writes
from .connection import DEFAULT_API_URL, Connection
from .retry import RetryPolicy
from .types import (
    Annotation,
    Approvals,
    CheckConclusion,
    CheckRunResult,
    CommentResult,
    MonitorIssue,
    Proposal,
    PullRequest,
    PullRequestFiles,
    StatusState,
)


class GitHubProvider:
    """GitHub (or GitHub Enterprise) for one repository, through github3.py.

    Raises only ProviderError (exit 2). Close it, or use it as a context manager."""

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
        self._conn = Connection(
            repository,
            token,
            api_url=api_url,
            retry=retry,
            timeout=timeout,
            installation_token=installation_token,
        )
        self._teams = reads.Teams(self._conn)

    @classmethod
    def from_env(
        cls,
        repository: str | None = None,
        *,
        api_url: str | None = None,
        environ: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> GitHubProvider:
        """Token from GITHUB_TOKEN; repository from the argument (modelops.yaml) or
        GITHUB_REPOSITORY; API URL from the argument, GITHUB_API_URL or api.github.com
        (GitHub Enterprise: https://HOST/api/v3, as Actions sets it)."""
        env = os.environ if environ is None else environ
        token = env.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise ProviderError("GITHUB_TOKEN is not set: GitHub needs a token for this command")
        repository = repository or env.get("GITHUB_REPOSITORY", "").strip()
        if not repository:
            raise ProviderError(
                "no GitHub repository: set it in modelops.yaml or GITHUB_REPOSITORY (owner/name)"
            )
        url = api_url or env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
        return cls(repository, token, api_url=url, retry=retry)

    @property
    def repository(self) -> str:
        return self._conn.repository

    @property
    def can_create_check_runs(self) -> bool:
        return self._conn.installation_token

    def __repr__(self) -> str:
        return f"<GitHubProvider {self.repository}>"

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> GitHubProvider:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading ----------------------------------------------------------------------
    def pull_request(self, number: int) -> PullRequest:
        return reads.pull_request(self._conn, number)

    def pull_request_files(self, number: int) -> PullRequestFiles:
        return reads.pull_request_files(self._conn, number)

    def approvals(self, number: int) -> Approvals:
        return reads.approvals(self._conn, number)

    def approvals_of(self, pull: PullRequest) -> Approvals:
        """The reviews of a pull request already read with `pull_request`."""
        return reads.approvals_of(self._conn, pull)

    def pull_request_for_commit(self, sha: str) -> PullRequest | None:
        return reads.pull_request_for_commit(self._conn, sha)

    def is_team_member(self, org: str, team_slug: str, login: str) -> bool:
        return self._teams.is_member(org, team_slug, login)

    # -- writing ----------------------------------------------------------------------
    def upsert_plan_comment(
        self, number: int, body: str, *, report_url: str | None = None
    ) -> CommentResult:
        return writes.upsert_plan_comment(self._conn, number, body, report_url=report_url)

    def set_status(
        self,
        sha: str,
        context: str,
        state: StatusState,
        description: str,
        *,
        target_url: str | None = None,
    ) -> None:
        writes.set_status(self._conn, sha, context, state, description, target_url=target_url)

    def create_check_run(
        self,
        name: str,
        head_sha: str,
        *,
        conclusion: CheckConclusion,
        title: str,
        summary: str,
        annotations: Sequence[Annotation] = (),
        details_url: str | None = None,
    ) -> CheckRunResult | None:
        return writes.create_check_run(
            self._conn,
            name,
            head_sha,
            conclusion=conclusion,
            title=title,
            summary=summary,
            annotations=annotations,
            details_url=details_url,
        )

    def report_drift(
        self,
        model: str,
        *,
        title: str,
        body: str,
        labels: Sequence[str] = (monitor.DRIFT_LABEL,),
        report_url: str | None = None,
    ) -> MonitorIssue:
        return monitor.report_drift(
            self._conn, model, title=title, body=body, labels=labels, report_url=report_url
        )

    def resolve_drift(self, model: str, *, body: str | None = None) -> MonitorIssue | None:
        return monitor.resolve_drift(self._conn, model, body=body)

    def propose_rollback(self, branch: str, base: str, *, title: str, body: str) -> Proposal:
        return proposals.propose(self._conn, branch, base, title=title, body=body)

    def withdraw_rollback(self, branch: str, *, body: str) -> Proposal | None:
        return proposals.withdraw(self._conn, branch, body=body)
