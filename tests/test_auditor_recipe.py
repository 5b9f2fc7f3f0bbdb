"""docs/auditors.md's "Verify without this tool" recipe, run exactly as written (the fenced
bash block after the one that sets the inputs) against a repository `apply` signed with a
real SSH key, with a checkpoint signed by `audit checkpoint --sign-key`. Intact, it prints
only "ok" lines and ssh-keygen's "Good" signature; a re-hashed forward rewrite and a
force-pushed rewrite are each caught by the check the doc says catches them."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from apply_fixtures import fresh_apply_repo, ledger_at, promote_credit, run_apply
from plan_fixtures import commit, run_git
from test_signing import BOT_EMAIL, keygen, with_signers

from modelops_gitops.audit.ledger import LEDGER_PATH, LedgerApproval, chain, serialize
from modelops_gitops.cli import main

AUDITORS = Path(__file__).resolve().parent.parent / "docs" / "auditors.md"
LATER = "2024-07-11T09:00:00Z"


def recipe() -> tuple[str, str]:
    """(the inputs block, the checks block): the first two bash blocks of the section."""
    section = AUDITORS.read_text("utf-8").split("### Verify without this tool", 1)[1]
    section = section.split("\n## ", 1)[0]
    inputs, checks = re.findall(r"^```bash\n(.*?)^```", section, re.M | re.S)
    return inputs, checks


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template")


class Signed:
    def __init__(self, repo: Path, key: Path, public: str, since: str, kept: str) -> None:
        self.repo, self.key, self.public, self.since, self.kept = repo, key, public, since, kept

    def run(self) -> str:
        """The checks block, as written, with the inputs the first block names."""
        seq, digest = self.field()
        env = dict(
            os.environ,
            BRANCH="main",
            SEQ=seq,
            HASH=digest,
            PRINCIPAL=BOT_EMAIL,
            KEY=self.public,
            SINCE=self.since,
        )
        (self.repo / "kept.checkpoint").write_text(self.kept, "utf-8")
        _, checks = recipe()
        proc = subprocess.run(
            ["bash", "-c", checks], cwd=self.repo, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout + proc.stderr

    def field(self) -> tuple[str, str]:
        parts = self.kept.split("\n", 1)[0].split(" ")
        return parts[2], parts[3]


@pytest.fixture
def signed(template_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Signed:
    """Adopted; the bot's key declared; a promotion applied and signed; a signed checkpoint."""
    repo = fresh_apply_repo(template_dir, tmp_path)
    key, public = keygen(tmp_path, "bot")
    text = (repo / "modelops.yaml").read_text()
    since = commit(repo, {"modelops.yaml": with_signers(text, (BOT_EMAIL, public))}, "signers",
                   when="2024-07-09T09:00:00Z")  # fmt: skip
    _, _, approvals = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(approvals), "--sign-key", str(key))
    assert code == 0, out
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["audit", "checkpoint", "--repo", str(repo), "--sign-key", str(key)])
    assert done.value.code == 0
    kept = capsys.readouterr().out
    assert "-----BEGIN SSH SIGNATURE-----" in kept
    return Signed(repo, key, public, since, kept)


def test_the_inputs_block_names_what_the_checks_read() -> None:
    inputs, checks = recipe()
    for name in ("BRANCH", "SEQ", "HASH", "PRINCIPAL", "KEY", "SINCE"):
        assert f"{name}=" in inputs
        assert f"${name}" in checks or f"${{{name}" in checks


def test_an_intact_signed_repository_passes_every_check(signed: Signed) -> None:
    out = signed.run()
    apply_commit = run_git(signed.repo, "rev-parse", "HEAD")
    seq = signed.field()[0]
    assert f"1 ok: line {seq} has the kept hash" in out
    assert f"2 ok: {apply_commit}" in out
    assert f'Good "modelops-gitops-checkpoint" signature for {BOT_EMAIL}' in out
    assert f"4 ok: {apply_commit}" in out
    assert "BAD" not in out
    assert "REWRITTEN" not in out


def forged_ledger(repo: Path) -> bytes:
    """The last entry approved by mallory, re-hashed."""
    entries = ledger_at(repo)
    last = entries[-1]
    forged = LedgerApproval(login="mallory", teams=(), commit="0" * 40, submitted_at=LATER)
    draft = last.model_copy(update={"approvals": (forged,), "hash": ""})
    return serialize([*entries[:-1], *chain(entries[:-1], [draft])])


def test_a_rehashed_forward_rewrite_is_caught_by_checks_1_2_and_4(signed: Signed) -> None:
    (signed.repo / LEDGER_PATH).write_bytes(forged_ledger(signed.repo))
    attack = commit(signed.repo, {}, "modelops-gitops apply: fix", when=LATER)
    out = signed.run()
    assert f"1 REWRITTEN: line {signed.field()[0]} now has" in out
    assert f"2 BAD SIGNATURE: {attack}" in out
    assert f"4 REWRITTEN at {attack}" in out


def test_a_force_pushed_rewrite_is_caught_by_the_kept_checkpoint(signed: Signed) -> None:
    """History rewritten from the apply commit on: the walk over the new history finds
    nothing (check 4), the kept checkpoint does (check 1)."""
    (signed.repo / LEDGER_PATH).write_bytes(forged_ledger(signed.repo))
    run_git(signed.repo, "add", LEDGER_PATH)
    run_git(
        signed.repo,
        *("-c", "gpg.format=ssh", "-c", f"user.signingkey={signed.key}"),
        *("commit", "--quiet", "--amend", "--no-edit", "--gpg-sign"),
    )  # even signed with the bot's own key (a stolen key): the checkpoint still differs
    out = signed.run()
    assert f"1 REWRITTEN: line {signed.field()[0]} now has" in out
    assert "4 REWRITTEN" not in out
    assert "BAD" not in out
