"""`plan` on bad input (unknown refs, refs that look like git options, an invalid head, broken
approvals JSON): exit 2 with a message naming the culprit, never a traceback; and the work
tree as the head (`--head WORKTREE`) and `--out FILE`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Result, run_script
from plan_fixtures import (
    CREDIT,
    NOW,
    apply_edits,
    change_of,
    governed_repo,
    kinds,
    line_of,
    open_pr,
    parsed,
    plan_args,
    promotion_pr,
    replace,
    run_git,
    set_stage,
)

Cli = Callable[..., Result]


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output, result.output
    assert "internal error" not in result.output, result.output


@pytest.mark.parametrize("which", ["--base", "--head"])
def test_a_ref_that_does_not_exist_is_named(tmp_path: Path, cli: Cli, which: str) -> None:
    repo, _ = promotion_pr(tmp_path)
    refs = {"--base": "main", "--head": "pr", which: "no-such-branch"}
    result = cli(*plan_args(repo, "--no-gates", base=refs["--base"], head=refs["--head"]))

    assert result.code == 2, result
    assert result.out == ""
    assert "'no-such-branch'" in result.err
    _no_traceback(result)


@pytest.mark.parametrize("which", ["--base", "--head"])
def test_a_ref_that_looks_like_a_git_option_runs_nothing(tmp_path: Path, which: str) -> None:
    """A branch named `--upload-pack=touch pwned` (git refuses to create one; it is written as
    a loose ref file here) is refused before git sees it: nothing runs, nothing is touched."""
    repo, head = promotion_pr(tmp_path)
    evil = "--upload-pack=touch pwned"
    (repo / ".git" / "refs" / "heads" / evil).write_text(head + "\n", "ascii")
    refs = {"--base": "main", "--head": "pr", which: evil}
    argv = plan_args(repo, "--no-gates", base=refs["--base"], head=refs["--head"])
    argv[argv.index(which) : argv.index(which) + 2] = [f"{which}={evil}"]
    result = run_script(*argv, cwd=repo)

    assert result.code == 2, result
    assert result.out == ""
    assert f"git ref '{evil}' refused: it starts with '-'" in result.err
    assert not (repo / "pwned").exists()
    assert not (tmp_path / "pwned").exists()
    _no_traceback(result)


def test_an_invalid_model_in_the_head_is_bad_input_with_its_line(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    open_pr(repo, {CREDIT: replace("  risk_tier: high", "  risk_tier: extreme")})
    line = line_of(repo, CREDIT, "  risk_tier: extreme")
    result = cli(*plan_args(repo, "--no-gates"))

    assert result.code == 2, result
    assert result.out == ""
    assert f"{CREDIT}:{line}:" in result.err
    assert "risk_tier" in result.err
    _no_traceback(result)


def test_an_unknown_field_in_the_head_is_bad_input(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    open_pr(repo, {CREDIT: replace("  risk_tier: high", "  risk_tier: high\n  risk_teir: low")})
    result = cli(*plan_args(repo, "--no-gates"))

    assert result.code == 2, result
    assert f"{CREDIT}:{line_of(repo, CREDIT, 'risk_teir')}:" in result.err
    _no_traceback(result)


def test_broken_approvals_json_is_bad_input(tmp_path: Path, cli: Cli) -> None:
    repo, head = promotion_pr(tmp_path)
    path = tmp_path / "approvals.json"
    path.write_text(
        '{"author": "amelie-credit",\n "head_sha": "' + head + '",\n "reviews": [\n', "utf-8"
    )
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(path)))

    assert result.code == 2, result
    assert result.out == ""
    assert f"{path}:4:" in result.err
    assert "not valid JSON" in result.err
    _no_traceback(result)


def test_approvals_json_of_the_wrong_shape_is_bad_input(tmp_path: Path, cli: Cli) -> None:
    repo, _ = promotion_pr(tmp_path)
    path = tmp_path / "approvals.json"
    path.write_text(json.dumps({"author": "amelie-credit", "reviews": []}), "utf-8")
    result = cli(*plan_args(repo, "--no-gates", "--approvals", str(path)))

    assert result.code == 2, result
    assert str(path) in result.err
    assert "head_sha" in result.err
    _no_traceback(result)


def test_a_bad_now_is_bad_input(tmp_path: Path, cli: Cli) -> None:
    repo, _ = promotion_pr(tmp_path)
    result = cli(*plan_args(repo, "--no-gates", now="next tuesday"))

    assert result.code == 2, result
    assert "--now" in result.err
    _no_traceback(result)


def test_worktree_head_sees_uncommitted_edits(tmp_path: Path, cli: Cli) -> None:
    repo = governed_repo(tmp_path)
    result = cli(*plan_args(repo, "--no-gates", head="WORKTREE"))
    assert result.code == 0, result
    assert parsed(result)["changes"] == []

    apply_edits(repo, {CREDIT: set_stage("production", "1.2.0")})
    result = cli(*plan_args(repo, "--no-gates", head="WORKTREE"))
    plan = parsed(result)

    assert result.code == 3, result
    assert (plan["head"], plan["head_sha"]) == ("WORKTREE", "")
    assert kinds(plan) == ["stage.promoted"]
    change = change_of(plan, "stage.promoted", "credit")
    assert (change["from"], change["to"]) == ("1.1.0", "1.2.0")
    assert change["line"] == line_of(repo, CREDIT, "    production: 1.2.0")

    # An untracked policy file is part of the work tree too.
    rollback = (repo / "policies/rollback.yaml").read_text("utf-8")
    apply_edits(repo, {"policies/new.yaml": rollback.replace("name: rollback", "name: new")})
    result = cli(*plan_args(repo, "--no-gates", head="WORKTREE"))
    plan = parsed(result)
    assert result.code == 1, result  # a policy change next to a promotion
    assert sorted(kinds(plan)) == ["policy.changed", "stage.promoted"]
    assert change_of(plan, "policy.changed")["file"] == "policies/new.yaml"
    assert [f["rule"] for f in plan["findings"]] == ["policy-and-stage-changes"]


def test_two_policies_with_one_name_in_the_head_are_bad_input(tmp_path: Path, cli: Cli) -> None:
    """Validate refuses them; a plan must too, rather than silently keep one of the two."""
    repo = governed_repo(tmp_path)
    open_pr(repo, {"policies/copy.yaml": (repo / "policies/rollback.yaml").read_text("utf-8")})
    result = cli(*plan_args(repo, "--no-gates"))

    assert result.code == 2, result
    assert result.out == ""
    line = line_of(repo, "policies/rollback.yaml", "  name: rollback")
    for file in ("policies/copy.yaml", "policies/rollback.yaml"):
        assert f"{file}:{line}:3: metadata.name: Policy name 'rollback' is used twice" in result.err
    _no_traceback(result)


def test_a_plan_of_two_refs_ignores_the_work_tree(tmp_path: Path, cli: Cli) -> None:
    """Only modelops.yaml is read from the work tree (for links): a broken document there
    does not make a plan of two commits fail."""
    repo, head = promotion_pr(tmp_path)
    apply_edits(repo, {"policies/broken.yaml": "kind: [", CREDIT: "not: a model\n"})
    result = cli(*plan_args(repo, "--no-gates"))
    assert result.code == 3, result
    assert kinds(parsed(result)) == ["stage.promoted"]

    result = cli(*plan_args(repo, "--no-gates", "--format", "markdown"))
    assert result.code == 3, result
    line = line_of(repo, CREDIT, "    production: 1.2.0", ref="pr")
    assert f"https://github.com/acme/models/blob/{head}/{CREDIT}#L{line}" in result.out


def test_out_writes_the_plan_to_the_file(tmp_path: Path) -> None:
    repo, _ = promotion_pr(tmp_path)
    out = tmp_path / "plan.json"
    result = run_script(*plan_args(repo, "--no-gates", "--out", str(out)), cwd=repo)

    assert result.code == 3, result
    assert result.out == ""
    assert str(out) in result.err
    plan = json.loads(out.read_text("utf-8"))
    assert plan["result"] == "pending"
    assert kinds(plan) == ["stage.promoted"]


def test_out_writes_nothing_on_error(tmp_path: Path, cli: Cli) -> None:
    repo, _ = promotion_pr(tmp_path)
    out = tmp_path / "plan.json"
    result = cli(*plan_args(repo, "--no-gates", "--out", str(out), base="no-such-branch"))
    assert result.code == 2, result
    assert not out.exists()

    out.write_text("previous plan", "utf-8")
    result = cli(*plan_args(repo, "--no-gates", "--out", str(out), base="no-such-branch"))
    assert result.code == 2, result
    assert out.read_text("utf-8") == "previous plan"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("plan")) == ["plan.json"]


def test_plan_defaults_to_the_merge_base_with_main(tmp_path: Path) -> None:
    repo, _ = promotion_pr(tmp_path)
    run_git(repo, "checkout", "--quiet", "pr")
    result = run_script("plan", "--no-gates", "--format", "json", "--now", NOW, cwd=repo)

    assert result.code == 3, result
    plan = parsed(result)
    assert plan["base_sha"] == run_git(repo, "rev-parse", "main")
    assert kinds(plan) == ["stage.promoted"]
