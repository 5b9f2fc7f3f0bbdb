"""docs/getting-started.md's first hour runs exactly as written: every `sh` block, in order,
in one shell in an empty directory (a real git repository and a bare remote), with the tool
on PATH and the real clock (no fixed git dates: the soak is real, and only the rehearsal
passes it). The `text` block after an `sh` block is what that block prints: each of its lines
must appear in that block's output, `…` standing for anything."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "getting-started.md"
MARK = "::first-hour block {}::"


def blocks(text: str) -> list[tuple[str, str | None]]:
    """(sh block, the text block right after it or None), in order."""
    found = re.findall(r"^```(\w*)\n(.*?)^```\n", text, flags=re.MULTILINE | re.DOTALL)
    out: list[tuple[str, str | None]] = []
    for i, (language, body) in enumerate(found):
        if language == "sh":
            after = found[i + 1] if i + 1 < len(found) else ("", "")
            out.append((body, after[1] if after[0] == "text" else None))
    return out


def script(steps: list[tuple[str, str | None]]) -> str:
    lines = ["set -euo pipefail"]
    for i, (body, _) in enumerate(steps):
        lines += [f"echo '{MARK.format(i)}'", body]
    return "\n".join(lines) + "\n"


def expected_line(line: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in line.strip().split("…")]
    return re.compile(".*".join(parts))


def test_the_walkthrough_has_the_steps_it_promises() -> None:
    steps = blocks(DOC.read_text("utf-8"))
    commands = "\n".join(body for body, _ in steps)
    for step in ("modelops-gitops init", "register tumor", "modelops-gitops approvals",
                 "apply --approvals ../pr1.json --push", "plan --base main --approvals ../pr2.json --at",
                 "apply --dry-run --approvals ../pr2.json --at"):  # fmt: skip
        assert step in commands
    assert "../shared" not in DOC.read_text("utf-8")
    assert all(expected is not None for _, expected in steps)


def test_the_first_hour_runs_as_written(tmp_path: Path) -> None:
    steps = blocks(DOC.read_text("utf-8"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(
        ["bash", "-c", script(steps)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=400,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    pieces = re.split(r"^::first-hour block (\d+)::$", proc.stdout, flags=re.MULTILINE)
    printed = {int(pieces[i]): pieces[i + 1] for i in range(1, len(pieces), 2)}
    assert sorted(printed) == list(range(len(steps)))
    missing = [
        (i, line)
        for i, (_, expected) in enumerate(steps)
        for line in (expected or "").splitlines()
        if line.strip() and not expected_line(line).search(printed[i])
    ]
    assert not missing, (missing, output[-6000:])
    repo = work / "models"
    ledger = (repo / "audit" / "ledger.jsonl").read_text("utf-8").splitlines()
    assert len(ledger) == 1  # staging applied; production only rehearsed
    remote = subprocess.run(
        ["git", "--git-dir", str(work / "remote.git"), "log", "--format=%s", "main"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert remote.splitlines()[0] == "modelops-gitops apply: tumor staging (none) -> 1.0.0 (PR #1)"


@pytest.mark.parametrize("line", ["plan: 1 change — 1 fail", "REHEARSAL at …: judged"])
def test_an_expected_line_is_a_real_check(line: str) -> None:
    assert expected_line(line).search(line)
    assert not expected_line(line).search(line.replace("1", "2").replace("judged", "x"))
