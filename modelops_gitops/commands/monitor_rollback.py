"""`monitor`'s rollback proposal: when the version in a stage breaches a rule that says
`on_breach: propose_rollback`, a branch that sets the stage back to its previous holder (the
same edit and the same stage history as `rollback`), as a pull request with the evidence, or
with `--no-github` a local branch and the pull request's text. Proposed, never imposed: the
pull request goes through plan, the rollback policy and its approvals like any other.

One branch per breach, named for the model, the stage and the version that breached, so a
second run finds the first proposal (no duplicate) and a breach that clears closes it.
The commit is made beside the work tree with the parent's commit time, so re-running on the
same default branch makes the same commit: pushing it again changes nothing, and it
overwrites whatever else was pushed to the tool's branch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.apply.commit import BOT
from modelops_gitops.commands.edit import previous_holder
from modelops_gitops.commands.monitor_report import (
    Checked,
    performance_section,
    service_section,
)
from modelops_gitops.render.markdown_parts import code, escape, link
from modelops_gitops.repo import edit
from modelops_gitops.repo.state import RepoState


@dataclass(frozen=True)
class Rollback:
    """A proposal for one breaching model: the branch, its commit, the pull request text."""

    model: str
    stage: str
    version: str  # the version that breached
    target: str  # the previous holder the stage goes back to
    file: str
    branch: str
    commit: str
    title: str
    body: str
    url: str | None = None  # the pull request, once opened
    action: str = "branch only"


def branch_of(model: str, stage: str, version: str) -> str:
    return f"modelops/rollback/{model}/{stage}/{version}"


def prepare(root: Path, state: RepoState, item: Checked) -> Rollback | str:
    """The proposal for `item` (its commit made, no branch moved yet), or why there is none.
    Its body links no issue yet: `with_issue` adds it once the issue is known."""
    head = git.head_commit(root)
    if head is None:
        return "no commit to branch from"
    target = previous_holder(root, item.model, item.stage, item.version)
    if target is None:
        return f"no earlier version held {item.stage}: no rollback to propose"
    file = state.file_of("Model", item.model)
    raw = git.show_file(root, head, file)
    order = state.lifecycle.spec.stage_names() if state.lifecycle else []
    changed = edit.set_stage(raw, item.stage, target, order)
    title = f"Roll back {item.model} in {item.stage}: {item.version} → {target}"
    message = (
        f"{title}\n\nProposed by `modelops-gitops monitor`: {item.version} breached a "
        f"performance or service-level rule in {item.stage} (on_breach: propose_rollback).\n"
    )
    when = f"{int(git.commit_time(root, head).timestamp())} +0000"
    sha = git.commit_file(root, head, file, changed, message, BOT, date=when)
    return Rollback(
        model=item.model,
        stage=item.stage,
        version=item.version,
        target=target,
        file=file,
        branch=branch_of(item.model, item.stage, item.version),
        commit=sha,
        title=title,
        body=body(item, target, file, None),
    )


def with_issue(rollback: Rollback, item: Checked, issue_url: str | None) -> Rollback:
    return replace(rollback, body=body(item, rollback.target, rollback.file, issue_url))


def as_json(rollback: Rollback) -> dict[str, str | None]:
    return {
        "branch": rollback.branch,
        "commit": rollback.commit,
        "from": rollback.version,
        "to": rollback.target,
        "title": rollback.title,
        "body": rollback.body,
        "url": rollback.url,
        "action": rollback.action,
    }


def as_text(rollback: Rollback) -> str:
    head = (
        f"rollback proposed: {rollback.title}\n"
        f"  branch {rollback.branch} (commit {rollback.commit[:12]}): {rollback.action}"
    )
    if rollback.url:
        return f"{head}: {rollback.url}\n"
    text = "".join(f"  | {line}".rstrip() + "\n" for line in rollback.body.splitlines())
    return f"{head}\n  pull request text:\n{text}"


def body(item: Checked, target: str, file: str, issue_url: str | None) -> str:
    where = f"{code(item.model)} in {escape(item.stage)}"
    breaches = "; ".join(escape(b) for b in item.breaches)
    parts = [
        f"## Roll back {where}: {code(item.version)} → {code(target)}",
        f"{code(item.version)} breached a rule with `on_breach: propose_rollback` in "
        f"{escape(item.stage)}: {breaches}. This pull request sets "
        f"`spec.stages.{item.stage}` in {code(file)} back to {code(target)}, the version that "
        "held the stage before.",
        "**Proposed, not imposed**: it is judged by plan and the rollback policy and needs "
        "their approvals like any pull request. It is closed by `monitor` if the breach clears "
        "before it is merged.",
    ]
    if issue_url:
        parts.append(f"Monitor issue: {link(issue_url, issue_url)}")
    evidence = performance_section(item.performance) if item.performance else []
    evidence += service_section(item.service) if item.service else []
    if evidence:
        parts += ["### Evidence", *evidence]
    return "\n\n".join(parts) + "\n"


def withdrawn_body(model: str, stage: str, version: str) -> str:
    return (
        f"## Withdrawn: {code(model)} {code(version)} in {escape(stage)} no longer breaches\n\n"
        "The latest `modelops-gitops monitor` run found the version within its performance "
        "rules, so the rollback is no longer proposed.\n"
    )
