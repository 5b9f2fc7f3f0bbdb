"""Real git repositories for `plan` scenarios: the bundled example, a base history, a PR branch.

Every scenario starts from a copy of the example at the project root (models/, policies/,
modelops.yaml, data/, artifacts/) committed with `conftest.make_repo`, then a short base
history on `main` with controlled commit dates, so the stage history `plan` reads from git
(rollbacks, soak times) is the one the scenario describes:

    2024-05-01 12:00Z  the example with credit staging 1.1.0, production 1.0.0  (make_repo)
    2024-06-03 09:00Z  credit production 1.1.0                                    (PROD_1_1_AT)
    2024-07-01 09:00Z  credit staging 1.2.0 -- the example as bundled              (STAGING_1_2_AT)

`open_pr` then branches `pr` off `main`, applies the scenario's edits and commits them; the
PR branch stays checked out (gates read artifacts from the work tree, as in CI).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from conftest import PROJECT_ROOT, Result, make_repo

EXAMPLE_PARTS = ("modelops.yaml", "models", "policies", "data", "artifacts")
CREDIT = "models/credit/model.yaml"
BREAST_CANCER = "models/breast-cancer/model.yaml"
DIABETES = "models/diabetes/model.yaml"

PROD_1_1_AT = "2024-06-03T09:00:00+00:00"
STAGING_1_2_AT = "2024-07-01T09:00:00+00:00"
PR_AT = "2024-07-08T09:00:00+00:00"
NOW = "2024-07-15T10:00:00+00:00"  # two weeks after 1.2.0 entered staging; no freeze
AUTHOR = "amelie-credit"

Edit = str | Callable[[str], str] | None  # new text, a text -> text function, or delete


@cache
def _example() -> tuple[tuple[str, bytes], ...]:
    found: list[tuple[str, bytes]] = []
    for part in EXAMPLE_PARTS:
        top = PROJECT_ROOT / part
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        found += [(p.relative_to(PROJECT_ROOT).as_posix(), p.read_bytes()) for p in paths]
    return tuple(found)


def example_files() -> dict[str, str | bytes]:
    """The bundled example, path -> bytes."""
    return dict(_example())


def set_stage(stage: str, version: str) -> Callable[[str], str]:
    """An edit that sets `spec.stages.<stage>` of a model file (the key must exist)."""

    def edit(text: str) -> str:
        pattern = re.compile(rf"^(    {re.escape(stage)}: ).*$", re.MULTILINE)
        new, count = pattern.subn(rf"\g<1>{version}", text)
        assert count == 1, f"no stage {stage} in the model file"
        return new

    return edit


def replace(old: str, new: str) -> Callable[[str], str]:
    """An edit that replaces exactly one occurrence of `old`."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        return text.replace(old, new)

    return edit


def run_git(repo: Path, *args: str, when: str | None = None) -> str:
    env = dict(os.environ)
    if when is not None:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def apply_edits(repo: Path, edits: Mapping[str, Edit]) -> None:
    for rel, edit in edits.items():
        path = repo / rel
        if edit is None:
            path.unlink()
        elif isinstance(edit, str):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(edit, encoding="utf-8")
        else:
            path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")


def commit(repo: Path, edits: Mapping[str, Edit], message: str, *, when: str) -> str:
    """Apply `edits` to the checked-out branch and commit them at `when`; the new sha."""
    apply_edits(repo, edits)
    run_git(repo, "add", "--all")
    run_git(repo, "commit", "--quiet", "--no-verify", "-m", message, when=when)
    return run_git(repo, "rev-parse", "HEAD")


def governed_repo(tmp_path: Path, base_edits: Mapping[str, Edit] | None = None) -> Path:
    """The example with its stage history on `main` (see the module docstring); then
    `base_edits` committed on main (policies the scenario's base needs)."""
    files = example_files()
    credit = files[CREDIT]
    assert isinstance(credit, bytes)
    first = set_stage("production", "1.0.0")(set_stage("staging", "1.1.0")(credit.decode()))
    repo = make_repo(tmp_path, {**files, CREDIT: first})
    commit(
        repo,
        {CREDIT: set_stage("production", "1.1.0")},
        "credit 1.1.0 to production",
        when=PROD_1_1_AT,
    )
    commit(
        repo,
        {CREDIT: set_stage("staging", "1.2.0")},
        "credit 1.2.0 to staging",
        when=STAGING_1_2_AT,
    )
    if base_edits:
        commit(repo, base_edits, "base policies for the scenario", when=STAGING_1_2_AT)
    return repo


def open_pr(repo: Path, edits: Mapping[str, Edit], *, branch: str = "pr", when: str = PR_AT) -> str:
    """Branch off main, commit `edits`, stay on the branch; the head sha."""
    run_git(repo, "checkout", "--quiet", "-b", branch, "main")
    return commit(repo, edits, f"PR {branch}", when=when)


def promotion_pr(tmp_path: Path, base_edits: Mapping[str, Edit] | None = None) -> tuple[Path, str]:
    """The example's main change: credit 1.2.0 to production. (repo, head sha)"""
    repo = governed_repo(tmp_path, base_edits)
    return repo, open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})


def review(
    login: str, commit_id: str, state: str = "APPROVED", at: str = "2024-07-09T10:00:00Z"
) -> dict[str, str]:
    return {"login": login, "state": state, "commit_id": commit_id, "submitted_at": at}


def approvals_file(
    tmp_path: Path, head_sha: str, reviews: list[dict[str, str]], *, author: str = AUTHOR
) -> Path:
    path = tmp_path / "approvals.json"
    data = {"author": author, "head_sha": head_sha, "reviews": reviews}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def plan_args(
    repo: Path, *extra: str, base: str = "main", head: str = "pr", now: str = NOW
) -> list[str]:
    return [
        "plan",
        "--repo",
        str(repo),
        "--base",
        base,
        "--head",
        head,
        "--now",
        now,
        "--format",
        "json",
        *extra,
    ]


def parsed(result: Result) -> dict[str, Any]:
    """The JSON plan on stdout, after checking nothing leaked a traceback."""
    assert "Traceback" not in result.output, result.output
    assert result.out.startswith("{"), result
    data: dict[str, Any] = json.loads(result.out)
    return data


def kinds(plan: dict[str, Any]) -> list[str]:
    return [c["kind"] for c in plan["changes"]]


def change_of(plan: dict[str, Any], kind: str, model: str | None = None) -> dict[str, Any]:
    found = [c for c in plan["changes"] if c["kind"] == kind and model in (None, c["model"])]
    assert len(found) == 1, f"{kind} {model}: {kinds(plan)}"
    return found[0]


def finding(change: dict[str, Any], policy: str, rule: str) -> dict[str, Any]:
    found = [f for f in change["findings"] if (f["policy"], f["rule"]) == (policy, rule)]
    assert len(found) == 1, (
        f"{policy}/{rule}: {[(f['policy'], f['rule']) for f in change['findings']]}"
    )
    return found[0]


def line_of(repo: Path, rel: str, needle: str, *, ref: str | None = None) -> int:
    """1-based line of the only line of `rel` containing `needle` (work tree, or at `ref`)."""
    text = run_git(repo, "show", f"{ref}:{rel}") if ref else (repo / rel).read_text("utf-8")
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(lines) == 1, f"{needle!r} in {rel}: lines {lines}"
    return lines[0]
