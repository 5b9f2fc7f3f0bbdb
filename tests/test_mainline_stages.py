"""The history walk reads `spec.stages` of model files at mainline commits by blob id (one
`git log --raw`, each file version parsed once, parsed ahead on worker processes). It must
answer exactly what reading the file at the commit answers: merges, deletions, re-adds,
a submodule where a model file should be, and commits off the mainline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from modelops_gitops import git
from modelops_gitops.audit import mainline_stages
from modelops_gitops.audit.mainline_stages import MainlineStages
from modelops_gitops.repo.history import stages_at
from modelops_gitops.repo.state import model_file

MODELS = ("alpha", "beta", "gamma")


def run(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    return out.stdout.decode().strip()


def write_model(repo: Path, name: str, stages: dict[str, str]) -> None:
    path = repo / model_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["apiVersion: modelops-gitops/v1", "kind: Model", "metadata:", f"  name: {name}"]
    lines += ["spec:", "  stages:" + ("" if stages else " {}")]
    lines += [f"    {stage}: {version}" for stage, version in stages.items()]
    path.write_text("\n".join(lines) + "\n")


def commit(repo: Path, message: str) -> None:
    run(repo, "add", "-A")
    run(repo, "commit", "-q", "--allow-empty", "-m", message)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    run(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("root\n")
    commit(repo, "root without models")
    write_model(repo, "alpha", {"staging": "1.0.0"})
    write_model(repo, "beta", {})
    commit(repo, "two models")
    run(repo, "checkout", "-q", "-b", "pr")
    write_model(repo, "alpha", {"staging": "1.1.0", "production": "1.0.0"})
    commit(repo, "promote alpha")
    write_model(repo, "gamma", {"staging": "0.1.0"})
    commit(repo, "add gamma")
    run(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("unrelated\n")
    commit(repo, "unrelated")
    run(repo, "merge", "-q", "--no-ff", "-m", "merge pr", "pr")
    (repo / model_file("beta")).unlink()
    commit(repo, "drop beta")
    write_model(repo, "beta", {"production": "2.0.0"})
    commit(repo, "beta back")
    write_model(repo, "alpha", {"staging": "1.0.0"})  # the same bytes as an earlier version
    commit(repo, "alpha back to its first file")
    run(repo, "checkout", "-q", "-b", "side")
    write_model(repo, "alpha", {"staging": "9.9.9"})
    commit(repo, "a commit off the mainline")
    run(repo, "checkout", "-q", "main")
    return repo


def direct(repo: Path, sha: str, model: str) -> dict[str, str]:
    return stages_at(git.LocalHistory(repo), sha, model_file(model))


def test_every_mainline_commit_reads_as_the_commit_has_it(history: Path) -> None:
    head = git.head_commit(history)
    assert head is not None
    commits = git.mainline(history, head)
    with git.BatchHistory(history) as reader:
        stages = MainlineStages(reader, head, commits)
        seen = {
            (c.sha, m): dict(stages.stages_at(c.sha, m)) for c in commits for m in (*MODELS, "x")
        }
    assert seen == {(sha, m): direct(history, sha, m) for sha, m in seen}
    # the history has every case: absent, deleted, re-added, brought in by the merge
    answers = [seen[(c.sha, "beta")] for c in commits]
    assert {} in answers
    assert {"production": "2.0.0"} in answers
    assert seen[(commits[-1].sha, "gamma")] == {"staging": "0.1.0"}


def test_prefetching_on_workers_gives_the_same_answers(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mainline_stages, "PARALLEL_FROM", 1)
    monkeypatch.setattr(mainline_stages, "CHUNK", 2)
    head = git.head_commit(history)
    assert head is not None
    commits = git.mainline(history, head)
    pairs = [(c.sha, m) for c in commits for m in MODELS]
    with git.BatchHistory(history) as reader:
        stages = MainlineStages(reader, head, commits, jobs=2)
        stages.prefetch(pairs)
        assert len(stages.parsed) >= 5  # the distinct file versions, parsed ahead
        seen = {(sha, m): dict(stages.stages_at(sha, m)) for sha, m in pairs}
    assert seen == {(sha, m): direct(history, sha, m) for sha, m in pairs}


def test_a_commit_off_the_mainline_is_read_directly(history: Path) -> None:
    head = git.head_commit(history)
    assert head is not None
    side = run(history, "rev-parse", "side")
    with git.BatchHistory(history) as reader:
        stages = MainlineStages(reader, head, git.mainline(history, head))
        assert stages.stages_at(side, "alpha") == {"staging": "9.9.9"}


def test_a_submodule_where_a_model_file_should_be_reads_as_no_stages(history: Path) -> None:
    head = git.head_commit(history)
    assert head is not None
    run(history, "update-index", "--add", "--cacheinfo", f"160000,{head},{model_file('gamma')}")
    run(history, "commit", "-q", "-m", "a submodule for a model file")
    head = git.head_commit(history)
    assert head is not None
    commits = git.mainline(history, head)
    with git.BatchHistory(history) as reader:
        stages = MainlineStages(reader, head, commits)
        stages.prefetch([(head, "gamma"), (head, "alpha")])
        assert stages.stages_at(head, "gamma") == direct(history, head, "gamma") == {}
        assert stages.stages_at(head, "alpha") == {"staging": "1.0.0"}
