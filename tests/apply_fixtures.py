"""Real repositories for `apply`: the governed example adopted into a ledger, a bare remote,
PRs merged with `git merge --no-ff` (or squashed), approvals files.

    governed_repo (plan_fixtures)  main: credit staging 1.2.0, production 1.1.0 (2024-07-01)
    + LIGHT_POLICY                 the high-risk production policy without gates (these tests
                                   are about apply, not gates: a policy choice, not a flag)
    + apply --adopt                the ledger starts with every stage as found
    + a bare remote `origin`       main pushed, origin/HEAD set
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from plan_fixtures import (
    AUTHOR,
    CREDIT,
    Edit,
    commit,
    governed_repo,
    review,
    run_git,
)

from modelops_gitops.audit.ledger import GENESIS, LEDGER_PATH, LedgerEntry, parse_ledger

LIGHT_POLICY = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: production-high-risk
spec:
  selector:
    stages: [production]
    risk_tiers: [high]
    change_kinds: [stage.promoted]
  rules:
    - id: approvals
      type: approvals
      min: 2
      teams: [model-risk, credit-risk]
    - id: staging-soak
      type: previous_stage
      stage: staging
      min_soak: 24h
"""
MERGE_AT = "2024-07-10T09:00:00+00:00"
MERGE_AT_Z = "2024-07-10T09:00:00Z"
REVIEWED_AT = "2024-07-09T10:00:00Z"
TWO_APPROVALS = ("priya-validation", "jonas-credit")


def apply_repo(tmp_path: Path, *, remote: bool = True) -> Path:
    """The governed example with the light policy, adopted, pushed to a bare `origin`."""
    repo = governed_repo(tmp_path, {"policies/production-high-risk.yaml": LIGHT_POLICY})
    code, out = run_apply(repo, "--adopt")
    assert code == 0, out
    if remote:
        bare = tmp_path / "origin.git"
        run_git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
        run_git(repo, "remote", "add", "origin", str(bare))
        run_git(repo, "push", "--quiet", "origin", "main")
        run_git(repo, "remote", "set-head", "origin", "main")
    return repo


_TEMPLATES: dict[Path, Path] = {}


def fresh_apply_repo(template_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy, with its own bare remote, of one adopted repository built once per
    `template_dir` (a module-scoped temp dir): apply_repo costs an adoption run."""
    if template_dir not in _TEMPLATES:
        _TEMPLATES[template_dir] = apply_repo(template_dir)
    source = _TEMPLATES[template_dir]
    shutil.copytree(source.parent / "origin.git", tmp_path / "origin.git", symlinks=True)
    copy = tmp_path / "repo"
    shutil.copytree(source, copy, symlinks=True)
    run_git(copy, "remote", "set-url", "origin", str(tmp_path / "origin.git"))
    return copy


def run_apply(repo: Path, *args: str) -> tuple[int, str]:
    """`apply` in-process (stdout + stderr), without pytest's capture fixture."""
    code, out, err = run_verb_streams("apply", repo, *args)
    return code, out + err


def run_apply_json(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """`apply --format json`: the exit code and the document on stdout (progress lines and
    notes go to stderr, so the document parses whole)."""
    code, out, _ = run_verb_streams("apply", repo, "--format", "json", *args)
    return code, json.loads(out)


def run_status(repo: Path, *args: str) -> tuple[int, str]:
    return run_verb("status", repo, *args)


def run_verb(verb: str, repo: Path, *args: str) -> tuple[int, str]:
    """`modelops-gitops VERB --repo REPO ARGS` in-process (stdout + stderr); VERB may be two
    words ("audit verify")."""
    code, out, err = run_verb_streams(verb, repo, *args)
    return code, out + err


def run_verb_streams(verb: str, repo: Path, *args: str) -> tuple[int, str, str]:
    import contextlib
    import io

    from modelops_gitops.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*verb.split(), "--repo", str(repo), *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
    return code, out.getvalue(), err.getvalue()


def merge_pr(
    repo: Path,
    edits: dict[str, Edit],
    *,
    branch: str,
    at: str = MERGE_AT,
    squash: bool = False,
) -> tuple[str, str]:
    """Branch off main, commit `edits`, merge back into main (--no-ff, or squashed) at
    `at`; (PR head, merge commit). main stays checked out."""
    run_git(repo, "checkout", "--quiet", "-b", branch, "main")
    head = commit(repo, edits, f"PR {branch}", when=at)
    run_git(repo, "checkout", "--quiet", "main")
    if squash:
        run_git(repo, "merge", "--squash", "--quiet", branch)
        run_git(repo, "commit", "--quiet", "--no-verify", "-m", f"{branch} (squashed)", when=at)
    else:
        run_git(repo, "merge", "--no-ff", "--quiet", "-m", f"Merge {branch}", branch, when=at)
    return head, run_git(repo, "rev-parse", "HEAD")


def approvals(
    tmp_path: Path,
    name: str,
    head: str,
    logins: tuple[str, ...] = TWO_APPROVALS,
    **extra: Any,
) -> Path:
    path = tmp_path / f"{name}.json"
    data = {
        "author": AUTHOR,
        "head_sha": head,
        "reviews": [review(login, head, at=REVIEWED_AT) for login in logins],
        **extra,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def ledger_at(repo: Path, ref: str = "HEAD") -> list[LedgerEntry]:
    return parse_ledger(run_git(repo, "show", f"{ref}:{LEDGER_PATH}").encode() + b"\n")


def chain_ok(entries: list[LedgerEntry]) -> bool:
    """Recompute every hash and link."""
    prev = GENESIS
    for seq, entry in enumerate(entries, start=1):
        if entry.seq != seq or entry.prev_hash != prev or entry.hash != entry.computed_hash():
            return False
        prev = entry.hash
    return True


def changes(entries: list[LedgerEntry]) -> list[tuple[str, str, str, str | None]]:
    return [(e.change.kind, e.change.model, e.change.stage, e.change.to) for e in entries]


def promote_credit(repo: Path, tmp_path: Path, *, branch: str = "promote") -> tuple[str, str, Path]:
    """PR: credit production 1.1.0 -> 1.2.0, merged with two approvals. (head, merge, file)"""
    from plan_fixtures import set_stage

    head, merge = merge_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, branch=branch)
    return head, merge, approvals(tmp_path, branch, head, number=12, title="Promote credit")
