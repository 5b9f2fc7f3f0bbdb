"""Signed apply commits anchor the ledger: with `spec.audit.signers` declared, every commit
that changes audit/ must carry a good SSH signature by a key declared at its PARENT. Real
keys (ssh-keygen), real git signing and `git verify-commit`."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_fixtures import fresh_apply_repo, ledger_at, promote_credit, run_apply
from audit_fixtures import deploy_files, kinds
from audit_fixtures import verify_json as verify
from conftest import Result
from plan_fixtures import CREDIT, apply_edits, commit, run_git, set_stage

from modelops_gitops.audit.ledger import LEDGER_PATH, chain

Cli = Callable[..., Result]
LATER = "2024-07-11T09:00:00Z"
BOT_EMAIL = "modelops-gitops@users.noreply.github.com"


def keygen(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key, key.with_suffix(".pub").read_text().strip()


def with_signers(text: str, *keys: tuple[str, str]) -> str:
    lines = "".join(f"      - principal: {p}\n        key: {k}\n" for p, k in keys)
    return text + "  audit:\n    signers:\n" + lines


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "keys"
    folder.mkdir()
    return {name: keygen(folder, name) for name in ("bot", "mallory")}


@pytest.fixture
def repo(template_dir: Path, tmp_path: Path, keys: dict[str, tuple[Path, str]]) -> Path:
    """The adopted repository with the bot's key declared as the one signer."""
    repo = fresh_apply_repo(template_dir, tmp_path)
    text = (repo / "modelops.yaml").read_text()
    commit(
        repo,
        {"modelops.yaml": with_signers(text, (BOT_EMAIL, keys["bot"][1]))},
        "declare the signer",
        when="2024-07-09T09:00:00Z",
    )
    return repo


def sign_commit(repo: Path, key: Path, message: str) -> str:
    run_git(repo, "add", "--all")
    run_git(
        repo,
        *("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"),
        *("commit", "--quiet", "--no-verify", "--gpg-sign", "-m", message),
        when=LATER,
    )
    return run_git(repo, "rev-parse", "HEAD")


def test_apply_signs_its_commit_and_verify_says_anchored(
    cli: Cli, repo: Path, tmp_path: Path, keys: dict[str, tuple[Path, str]]
) -> None:
    _, _, approvals = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(approvals), "--sign-key", str(keys["bot"][0]))
    assert code == 0, out
    assert "-----BEGIN SSH SIGNATURE-----" in run_git(repo, "cat-file", "commit", "HEAD")
    data = verify(cli, repo)
    assert data["intact"], data
    notes = data["notes"]
    assert isinstance(notes, list)
    assert any(str(n).startswith("anchored: ") for n in notes)


def test_the_key_can_come_from_the_environment(
    cli: Cli,
    repo: Path,
    tmp_path: Path,
    keys: dict[str, tuple[Path, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODELOPS_GITOPS_SIGNING_KEY", keys["bot"][0].read_text())
    _, _, approvals = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(approvals))
    assert code == 0, out
    assert verify(cli, repo)["intact"]


def test_apply_without_a_key_is_refused_when_signers_are_declared(
    repo: Path, tmp_path: Path
) -> None:
    _, _, approvals = promote_credit(repo, tmp_path)
    tip = run_git(repo, "rev-parse", "HEAD")
    code, out = run_apply(repo, "--approvals", str(approvals))
    assert code == 2, out
    assert "must be signed" in out
    assert run_git(repo, "rev-parse", "HEAD") == tip


def test_an_unsigned_commit_touching_audit_is_caught(cli: Cli, repo: Path) -> None:
    """The laundering attack in two commits (a direct push, then an apply-shaped commit
    citing it, with a correct time and deploy files): structurally perfect, only the
    signature tells it apart."""
    pushed = commit(repo, {CREDIT: set_stage("production", "1.2.0")}, "direct", when=LATER)
    entries = ledger_at(repo)
    template = next(
        e for e in entries if e.change.stage == "production" and e.change.model == "credit"
    )
    change = template.change.model_copy(
        update={"kind": "stage.promoted", "from_": "1.1.0", "to": "1.2.0", "version": "1.2.0"}
    )
    draft = template.model_copy(
        update={"change": change, "merge_commit": pushed, "time": LATER, "reports": ()}
    )
    new = chain(entries, [draft])
    (repo / LEDGER_PATH).write_bytes((repo / LEDGER_PATH).read_bytes() + new[0].line())
    apply_edits(repo, {p: d.decode() for p, d in deploy_files(repo, [*entries, *new]).items()})
    forged = commit(repo, {}, "modelops-gitops apply: credit production", when=LATER)
    data = verify(cli, repo)
    assert kinds(data) == ["unsigned"]
    problems = data["problems"]
    assert isinstance(problems, list)
    assert problems[0]["commit"] == forged
    assert "not signed" in problems[0]["message"]


def test_a_commit_signed_by_a_key_it_adds_itself_is_caught(
    cli: Cli, repo: Path, keys: dict[str, tuple[Path, str]]
) -> None:
    """Mallory adds her key to the signers and appends to the ledger in one commit, signed
    with her key: the signers are read from the parent, where her key is not."""
    text = (repo / "modelops.yaml").read_text()
    (repo / "modelops.yaml").write_text(
        text + f"      - principal: mallory@example.com\n        key: {keys['mallory'][1]}\n"
    )
    lines = (repo / LEDGER_PATH).read_bytes().splitlines(keepends=True)
    (repo / LEDGER_PATH).write_bytes(b"".join(lines[:-1]))
    mine = sign_commit(repo, keys["mallory"][0], "modelops-gitops apply: tidy")
    data = verify(cli, repo)
    assert "unsigned" in kinds(data)
    problems = data["problems"]
    assert isinstance(problems, list)
    found = next(p for p in problems if p["kind"] == "unsigned")
    assert found["commit"] == mine
    assert "no good signature by a declared signer" in found["message"]


def test_a_commit_signed_by_a_declared_key_passes_the_signature_check(
    cli: Cli, repo: Path, keys: dict[str, tuple[Path, str]]
) -> None:
    """The signature check alone: a bot-signed commit that cuts the ledger is still a cut."""
    lines = (repo / LEDGER_PATH).read_bytes().splitlines(keepends=True)
    (repo / LEDGER_PATH).write_bytes(b"".join(lines[:-1]))
    sign_commit(repo, keys["bot"][0], "modelops-gitops apply: cut")
    found = kinds(verify(cli, repo))
    assert "ledger-cut" in found
    assert "unsigned" not in found
