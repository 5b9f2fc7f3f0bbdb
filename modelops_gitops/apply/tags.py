"""`apply --tag`: git tags in GTO's format, so GTO (`gto show`, `gto history`) reads the
same registry.

Matched against iterative/gto `gto/tag.py` (TagTemplates, name_tag, index_tag) and
`gto/constants.py` (tag_re):

    <model>@v<version>          Registration: annotated, on the commit that registered it
    <model>#<stage>#<N>         Assignment
    <model>#<stage>!#<N>        Unassignment (our stage removal)

GTO takes the version of an assignment from the commit its tag points at (index_tag:
`find_version(commit_hexsha=tag.target)`), so an assignment tag goes on the commit of that
version's registration tag; a tag on the apply commit would read as an unregistered version.
N is GTO's per-artifact counter shared by assignments and unassignments: here the position of
the entry among the model's ledger entries, so tags are a function of the ledger. Only
annotated tags count for GTO. Tag objects are deterministic (the bot as tagger, the
entry's or the registration's git time as date), so two applies create identical tags.

GTO refuses a repository where one commit carries two versions of an artifact ("Multiple
versions are not allowed on the same Git commit": `gto show` and `gto history` fail). Versions
of one model first listed in the same commit (a repository's first import) therefore get one
registration tag there, for the highest version; the others, and their assignments, are not
tagged, because an assignment tag on that commit would read as the tagged version. The ledger
and `modelops-gitops history` keep the whole record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.apply.commit import BOT
from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.repo.history import registrations
from modelops_gitops.repo.state import RepoState, model_file
from modelops_gitops.times import iso_utc


@dataclass(frozen=True)
class Tag:
    name: str
    target: str  # commit sha
    message: str
    date: str  # ISO 8601, the tagger date


def version_tag(model: str, version: str) -> str:
    return f"{model}@v{version}"


def stage_tag(entry: LedgerEntry, counter: int) -> str:
    cancel = "!" if entry.change.to is None else ""
    return f"{entry.change.model}#{entry.change.stage}{cancel}#{counter}"


def wanted(root: Path, head: str, state: RepoState, entries: Sequence[LedgerEntry]) -> list[Tag]:
    """Every GTO tag the registry and the ledger call for."""
    tags: list[Tag] = []
    counters: dict[str, int] = {}
    registered: dict[str, dict[str, tuple[str, str]]] = {}
    for name in sorted(state.models):
        registered[name] = {
            version: (sha, iso_utc(when))
            for version, (sha, when) in registrations(
                git.LocalHistory(root), head, model_file(name)
            ).items()
        }
        registered[name] = _one_per_commit(registered[name])
        for version in state.models[name].spec.versions:
            where = registered[name].get(version.version)
            if where is not None:
                message = f"Registering artifact {name} version v{version.version}"
                tags.append(Tag(version_tag(name, version.version), where[0], message, where[1]))
    for entry in entries:
        change = entry.change
        counters[change.model] = counters.get(change.model, 0) + 1
        where = registered.get(change.model, {}).get(change.version)
        if where is None:
            continue  # the model or version is gone from HEAD: no commit to point at
        action = "Unassigning" if change.to is None else "Assigning"
        message = (
            f"{action} stage {change.stage} to artifact {change.model} version "
            f"v{change.version} (ledger seq {entry.seq}, {entry.hash})"
        )
        tags.append(Tag(stage_tag(entry, counters[change.model]), where[0], message, entry.time))
    return tags


def _one_per_commit(found: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Keep, for each registration commit, only its highest version (GTO's one-per-commit)."""
    best: dict[str, str] = {}
    for version, (sha, _) in found.items():
        if sha not in best or _semver(version) > _semver(best[sha]):
            best[sha] = version
    return {version: where for version, where in found.items() if best[where[0]] == version}


def _semver(version: str) -> tuple[int, ...]:
    core = version.split("-", 1)[0].split("+", 1)[0]
    return tuple(int(part) for part in core.split(".") if part.isdigit())


def create_missing(root: Path, tags: Sequence[Tag]) -> list[Tag]:
    """Create the annotated tags that do not exist yet; those created. A tag that exists is
    left alone (GTO tags are never moved)."""
    have = git.tags(root)
    created = []
    for tag in tags:
        if tag.name in have:
            continue
        git.tag(root, tag.name, tag.target, tag.message, BOT, tag.date)
        created.append(tag)
    return created
