"""SSH signatures, with git's own signing (`gpg.format=ssh`): sign a commit with a private
key file, verify a commit against an OpenSSH allowed-signers file, sign and verify a text
with `ssh-keygen -Y` (the checkpoint). Git and ssh-keygen are started here only."""

from __future__ import annotations

import subprocess
from pathlib import Path

from modelops_gitops.git.process import attempt, clean_env
from modelops_gitops.git.refs import validate_ref

NAMESPACE = "git"
CHECKPOINT_NAMESPACE = "modelops-gitops-checkpoint"


def ssh_config(key: Path) -> tuple[str, ...]:
    """`git -c` options that make `git commit -S` sign with the SSH key file `key`."""
    return ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}")


def verify_commit(root: Path, commit: str, allowed_signers: Path) -> str:
    """ "" when `commit` carries a good signature by a key of `allowed_signers`; else why not
    (git's own words)."""
    args = (
        "-c",
        "gpg.format=ssh",
        "-c",
        f"gpg.ssh.allowedSignersFile={allowed_signers}",
        "verify-commit",
        "--end-of-options",
        validate_ref(commit),
    )
    proc = attempt(root, *args)
    if proc.returncode == 0:
        return ""
    text = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    if not text or "no signature found" in " ".join(text).lower():
        return "not signed"
    return f"no good signature by a declared signer ({text[-1]})"


def _ssh_keygen(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["ssh-keygen", *args], input=data, capture_output=True, check=False, env=clean_env()
        )
    except FileNotFoundError:
        return subprocess.CompletedProcess(args, 127, b"", b"ssh-keygen is not installed")


def sign_text(key: Path, data: bytes) -> tuple[bytes, str]:
    """(the armored SSH signature of `data` by the private key file `key`, error)."""
    proc = _ssh_keygen(["-Y", "sign", "-q", "-n", CHECKPOINT_NAMESPACE, "-f", str(key)], data)
    if proc.returncode != 0:
        return b"", proc.stderr.decode("utf-8", "replace").strip() or "ssh-keygen failed"
    return proc.stdout, ""


def verify_text(allowed_signers: Path, principal: str, signature: Path, data: bytes) -> str:
    """ "" when `signature` is a good signature of `data` by `principal` in `allowed_signers`."""
    args = ["-Y", "verify", "-n", CHECKPOINT_NAMESPACE, "-f", str(allowed_signers)]
    proc = _ssh_keygen([*args, "-I", principal, "-s", str(signature)], data)
    if proc.returncode == 0:
        return ""
    return (proc.stderr or proc.stdout).decode("utf-8", "replace").strip() or "bad signature"
