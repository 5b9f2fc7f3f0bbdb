"""Where the scaffolded workflows and pre-commit hook get modelops-gitops from: the exact
version that ran `init`, from the source `init --install-from` names. Pure: parses the
source, and returns the lock file's text and the requirement lines; the command reads files.

    index                      the package index, at the running version (the default)
    git+https://HOST/PATH@SHA  a git repository at a full 40-hex commit (never a branch or tag:
                               those move)
    PATH.whl                   a wheel file; copied into the repository under
                               .github/modelops-gitops/ and locked by its sha256
    https://HOST/NAME.whl#sha256=HEX
                               a wheel at a URL, with the sha256 its publisher states (init runs
                               offline and never downloads it)

The lock (`.github/modelops-gitops.lock`) is a pip requirements file. Each workflow installs it
with `--no-deps` (the tool alone, hash-checked whenever the lock carries a hash: pip then
requires it), then the tool's dependencies as wheels from the index, pinned by the version.
What is NOT hash-locked, and why: a release on the index (init cannot fetch its hashes
offline; docs/github.md gives the command that adds them), a git commit (pip cannot hash a
checkout; the 40-hex commit is its content address), and the dependencies in every case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import InputError

LOCK_PATH = ".github/modelops-gitops.lock"
WHEEL_DIR = ".github/modelops-gitops"
WORKFLOW_EXTRAS = "gates,github"  # what plan, apply and monitor need; the hook needs the core
_GIT = re.compile(r"^git\+(https://[A-Za-z0-9.-]+(?::\d+)?/[A-Za-z0-9._~/-]+?)@([0-9a-f]{40})$")
_URL_WHEEL = re.compile(
    r"^(https://[A-Za-z0-9.-]+(?::\d+)?/[A-Za-z0-9._~%/+-]+\.whl)#sha256=([0-9a-f]{64})$"
)
_WHEEL_NAME = re.compile(r"^modelops_gitops-([0-9][0-9A-Za-z.+!]*)-py3-none-any\.whl$")

Kind = Literal["index", "git", "wheel", "url"]


@dataclass(frozen=True)
class InstallSource:
    kind: Kind
    version: str
    location: str = ""  # the git URL, the wheel's file name, or the wheel's URL
    commit: str = ""
    sha256: str = ""

    def requirement(self, extras: str) -> str:
        """The pip requirement for this source, with `extras` (empty: the core)."""
        name = f"modelops-gitops[{extras}]" if extras else "modelops-gitops"
        if self.kind == "index":
            return f"{name}=={self.version}"
        if self.kind == "git":
            return f"{name} @ git+{self.location}@{self.commit}"
        if self.kind == "url":
            return f"{name} @ {self.location}"
        return f"{name} @ file://${{GITHUB_WORKSPACE}}/{WHEEL_DIR}/{self.location}"

    def lock(self) -> str:
        """The text of .github/modelops-gitops.lock (a pip requirements file)."""
        head = [
            f"# modelops-gitops {self.version}, as `modelops-gitops init --install-from` chose it.",
            "# The workflows install this line with --no-deps (the tool alone), then its",
            "# dependencies as wheels from the package index. See docs/github.md.",
        ]
        line = self.requirement(WORKFLOW_EXTRAS)
        if self.kind in ("wheel", "url"):
            return (
                "\n".join(
                    [
                        *head,
                        "--require-hashes",
                        "--only-binary=:all:",
                        f"{line} --hash=sha256:{self.sha256}",
                    ]
                )
                + "\n"
            )
        if self.kind == "git":
            note = "# a git commit cannot carry a pip hash: the 40-hex commit pins the source"
            return "\n".join([*head, note, line]) + "\n"
        note = (
            "# from the index: hashes not recorded yet (init works offline); to add them, see\n"
            "# docs/github.md, 'Locking the release by hash'"
        )
        return "\n".join([*head, note, "--only-binary=:all:", line]) + "\n"

    def hook_requirement(self) -> str | None:
        """What the pre-commit hook's environment installs (the core), or None when it cannot
        name it portably (a wheel file in the repository: the hook then uses the tool on PATH)."""
        if self.kind == "wheel":
            return None
        if self.kind == "url":
            return f"modelops-gitops @ {self.location}#sha256={self.sha256}"
        return self.requirement("")


def parse_source(value: str, version: str, wheel: bytes | None = None) -> InstallSource:
    """`--install-from VALUE` for the running `version`; `wheel` holds the file's bytes when
    VALUE names a local wheel (the command reads it)."""
    if value == "index":
        return InstallSource("index", version)
    if value.startswith("git+"):
        match = _GIT.match(value)
        if not match:
            raise InputError(
                f"--install-from: {value!r}: expected git+https://HOST/PATH@COMMIT with the full "
                "40-hex commit (a branch or tag can move; a commit cannot)"
            )
        return InstallSource("git", version, location=match[1], commit=match[2])
    if value.startswith(("http://", "https://")):
        match = _URL_WHEEL.match(value)
        if not match:
            raise InputError(
                f"--install-from: {value!r}: a wheel URL must be https and end in "
                ".whl#sha256=HEX (init does not download it, so the hash must be given)"
            )
        _check_wheel_name(PurePosixPath(match[1]).name, version, value)
        return InstallSource("url", version, location=match[1], sha256=match[2])
    if value.endswith(".whl"):
        name = PurePosixPath(value.replace("\\", "/")).name
        _check_wheel_name(name, version, value)
        if wheel is None:
            raise InputError.at(value, "--install-from: no such wheel file")
        return InstallSource("wheel", version, location=name, sha256=sha256_bytes(wheel))
    raise InputError(
        f"--install-from: {value!r}: expected index, git+https://HOST/PATH@COMMIT, a .whl file "
        "or an https URL of a .whl with #sha256=HEX"
    )


def _check_wheel_name(name: str, version: str, value: str) -> None:
    match = _WHEEL_NAME.match(name)
    if not match:
        raise InputError(
            f"--install-from: {value!r}: not a modelops-gitops wheel "
            "(modelops_gitops-VERSION-py3-none-any.whl)"
        )
    if match[1] != version:
        raise InputError(
            f"--install-from: {value!r} is version {match[1]}, but this is modelops-gitops "
            f"{version}: the scaffold must install the version that wrote it (run init with "
            f"modelops-gitops {match[1]})"
        )
