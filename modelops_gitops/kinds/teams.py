"""kind: Teams — who is in which team, by GitHub login (and optionally a GitHub team)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from modelops_gitops.kinds.common import ApiVersion, Metadata, Name, Strict

Login = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$", description="A GitHub login."),
]


class Team(Strict):
    name: Name
    description: str = ""
    members: list[Login] = Field(default_factory=list)
    github_team: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$",
        description="org/team-slug whose members also count as members.",
    )


class TeamsSpec(Strict):
    teams: list[Team] = Field(min_length=1)

    def members(self, team: str) -> set[str]:
        return {m.lower() for t in self.teams if t.name == team for m in t.members}

    def teams_of(self, login: str) -> list[str]:
        return [t.name for t in self.teams if login.lower() in {m.lower() for m in t.members}]


class Teams(Strict):
    apiVersion: ApiVersion
    kind: Literal["Teams"]
    metadata: Metadata
    spec: TeamsSpec
