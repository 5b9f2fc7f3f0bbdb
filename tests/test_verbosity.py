"""`--quiet` (errors and the verdict line only), `--verbose` (every step, which gates ran and
whether from the cache), and progress on long steps: plain lines on stderr outside a
terminal, a live line on one, never a byte on stdout (a JSON document stays whole)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Result
from plan_fixtures import CREDIT, governed_repo, open_pr, set_stage

from modelops_gitops import console, progress

Cli = Callable[..., Result]


@pytest.fixture(autouse=True)
def normal_level() -> Iterator[None]:
    yield
    console.set_verbosity("normal")


@pytest.fixture(scope="module")
def pr_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = governed_repo(tmp_path_factory.mktemp("verbosity"))
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    return repo


def plan(*extra: str, repo: Path) -> tuple[str, ...]:
    fixed = ("--now", "2030-01-01T00:00:00Z")  # the soak's age in the output stays the same
    return ("plan", "--base", "main", "--head", "pr", "--repo", str(repo), *fixed, *extra)


# -- --quiet ----------------------------------------------------------------------------------


def test_quiet_validate_prints_the_verdict_only(cli: Cli, pr_repo: Path) -> None:
    normal = cli("validate", "--repo", str(pr_repo))
    quiet = cli("-q", "validate", "--repo", str(pr_repo))
    assert (quiet.code, quiet.err) == (normal.code, "")
    assert quiet.out.splitlines() == [
        line for line in normal.out.splitlines() if line.startswith("validate:")
    ]


def test_quiet_plan_keeps_the_exit_code_and_one_line(cli: Cli, pr_repo: Path) -> None:
    normal = cli(*plan("--no-gates", repo=pr_repo))
    quiet = cli("--quiet", *plan("--no-gates", repo=pr_repo))
    assert len(normal.out.splitlines()) > 3
    assert quiet.code == normal.code == 3
    assert quiet.out == normal.out.splitlines()[0] + "\n"
    assert quiet.out.startswith("plan: 1 change")


def test_quiet_never_touches_a_json_document(cli: Cli, pr_repo: Path) -> None:
    quiet = cli("-q", *plan("--no-gates", "--format", "json", repo=pr_repo))
    assert json.loads(quiet.out)["schema_version"] == 1
    assert quiet.out == cli(*plan("--no-gates", "--format", "json", repo=pr_repo)).out


def test_quiet_keeps_errors_and_drops_notes(cli: Cli, pr_repo: Path) -> None:
    error = cli("-q", "history", "no-such-model", "--repo", str(pr_repo))
    assert error.code == 2
    assert "unknown model 'no-such-model'" in error.err
    verify = cli("audit", "verify", "--repo", str(pr_repo))
    quiet = cli("-q", "audit", "verify", "--repo", str(pr_repo))
    assert quiet.code == verify.code
    assert "note:" in verify.output  # no ledger yet: a note says what was (not) checked
    assert "note:" not in quiet.output
    assert quiet.out.startswith("audit verify:")


def test_quiet_and_verbose_together_is_a_usage_error(cli: Cli) -> None:
    result = cli("-q", "-v", "status")
    assert result.code == 2
    assert "--quiet and --verbose: choose one" in result.err


# -- --verbose --------------------------------------------------------------------------------


def test_verbose_names_every_gate_and_the_cache_hits(cli: Cli, pr_repo: Path) -> None:
    first = cli("-v", *plan("--format", "json", repo=pr_repo))
    assert json.loads(first.out)["schema_version"] == 1  # stdout: the document alone
    gates = [
        line for line in first.err.splitlines() if line.startswith("gate ") and ": pass" in line
    ]
    assert gates, first.err
    assert "plan: reading base and head, evaluating the policies ..." in first.err
    assert "(cached)" not in first.err
    again = cli("-v", *plan("--format", "json", repo=pr_repo))
    assert json.loads(again.out) == json.loads(first.out)  # the same result, from the cache
    assert all(f"{line} (cached)" in again.err for line in gates)


def test_without_verbose_fast_steps_print_nothing(cli: Cli, pr_repo: Path) -> None:
    result = cli(*plan("--no-gates", repo=pr_repo))
    assert "..." not in result.err


# -- progress lines -----------------------------------------------------------------------------


@pytest.fixture
def ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a terminal (as in CI), and a step is announced after 50 ms instead of a second."""
    monkeypatch.setattr(progress, "_interactive", lambda: False)
    monkeypatch.setattr(progress, "AFTER_SECONDS", 0.05)


@pytest.mark.usefixtures("ci")
def test_a_long_step_prints_plain_lines_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.step("report: drawing figures"):
        time.sleep(0.3)
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "report: drawing figures ..."
    assert lines[1].startswith("report: drawing figures: done (0.")
    assert "\x1b" not in err  # no cursor codes in a log


@pytest.mark.usefixtures("ci")
def test_a_short_step_prints_nothing_and_a_failed_one_says_stopped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress.step("quick"):
        pass
    assert capsys.readouterr() == ("", "")

    def failing() -> None:
        with progress.step("slow and failing"):
            time.sleep(0.3)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing()
    assert capsys.readouterr().err.splitlines()[-1].startswith("slow and failing: stopped (")


@pytest.mark.usefixtures("ci")
def test_quiet_silences_steps(capsys: pytest.CaptureFixture[str]) -> None:
    console.set_verbosity("quiet")
    with progress.step("slow"):
        time.sleep(0.2)
    assert capsys.readouterr() == ("", "")


def test_on_a_terminal_the_line_is_live_and_cleared(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "_interactive", lambda: True)
    monkeypatch.setattr(progress, "AFTER_SECONDS", 0.05)
    with progress.step("apply"):
        time.sleep(0.3)
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "\r\x1b[Kapply ...\r\x1b[K"  # drawn, then erased: nothing left behind


@pytest.mark.usefixtures("ci")
def test_apply_and_report_show_progress_and_keep_stdout_clean(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "AFTER_SECONDS", 0.0)  # announce every step
    repo = governed_repo(tmp_path)
    applied = cli("apply", "--adopt", "--format", "json", "--repo", str(repo))
    assert applied.code == 0, applied
    assert json.loads(applied.out)["schema_version"] == 1
    assert "apply: reconcile, re-check, record: done (" in applied.err
    site = cli("-v", "report", "--out", str(tmp_path / "site"), "--repo", str(repo))
    assert site.code == 0, site
    assert [line for line in site.err.splitlines() if line.endswith(" ...")] == [
        "report: reading the ledger, reports and history ...",
        "report: verifying the audit trail ...",
        "report: drawing figures and pages ...",
        "report: writing the site ...",
    ]
    assert all(line.startswith("report: ") for line in site.out.splitlines())
