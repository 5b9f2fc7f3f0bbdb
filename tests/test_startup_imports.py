"""Start-up: each command imports only what it uses. Every command runs in its own process;
at exit the process reports which heavy libraries it imported (`sys.modules`), and a command
that imported one it does not need fails the test.

The probe is checked against a command that needs the libraries: the plan that first
computes the gates imports scikit-learn and skops; the same plan again, every gate result a
cache hit, must import none of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_repo, valid_files
from plan_fixtures import CREDIT, NOW, governed_repo, open_pr, run_git, set_stage

HEAVY = ("sklearn", "scipy", "matplotlib", "skops", "github3", "fairlearn", "pandas", "pyarrow")
PROBE = (
    "import atexit, sys\n"
    "def report():\n"
    "    loaded = {name.split('.')[0] for name in sys.modules}\n"
    "    sys.stderr.write('HEAVY:' + ','.join(sorted(loaded & set(HEAVY))) + '\\n')\n"
    f"HEAVY = {HEAVY!r}\n"
    "atexit.register(report)\n"
    "from modelops_gitops.cli import main\n"
    "main(sys.argv[1:])\n"
)
PLAN = ("plan", "--base", "main", "--head", "pr", "--now", NOW)


def imported(repo: Path, *args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1, 3), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    line = [text for text in proc.stderr.splitlines() if text.startswith("HEAVY:")][-1]
    return set(filter(None, line.removeprefix("HEAVY:").split(",")))


@pytest.fixture(scope="module")
def pr_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example with a PR promoting credit 1.2.0 to production (the high-risk
    policy: test, champion, fairness and drift gates)."""
    repo = governed_repo(tmp_path_factory.mktemp("startup"))
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    run_git(repo, "checkout", "--quiet", "main")
    return repo


@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("validate",),
        ("status",),
        ("history", "credit"),
        ("audit", "at", "2026-01-01T00:00:00Z"),
        ("audit", "verify"),
        (*PLAN, "--no-gates"),
    ],
    ids=lambda a: " ".join(a),
)
def test_core_commands_import_no_heavy_library(pr_repo: Path, args: tuple[str, ...]) -> None:
    assert imported(pr_repo, *args) == set()


def test_a_plan_whose_gate_results_are_cached_imports_no_gate_library(pr_repo: Path) -> None:
    computing = imported(pr_repo, *PLAN)
    assert {"sklearn", "skops"} <= computing  # the probe sees what a computing plan needs
    assert imported(pr_repo, *PLAN) == set()  # every result a cache hit: nothing to import


def test_a_tampered_file_behind_a_cached_result_is_still_caught(pr_repo: Path) -> None:
    """A cache hit re-checks the pinned digests (with the standard library now): an artifact
    changed after the result was cached makes the gate an error, not a pass."""
    imported(pr_repo, *PLAN)
    artifact = pr_repo / "artifacts" / "credit" / "1.2.0.skops"
    original = artifact.read_bytes()
    try:
        artifact.write_bytes(original + b"\0")
        proc = subprocess.run(
            [sys.executable, "-m", "modelops_gitops", *PLAN, "--format", "json"],
            cwd=pr_repo,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        artifact.write_bytes(original)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "sha256 mismatch" in proc.stdout


DRIFT_FILES = (
    "--reference",
    "data/credit/train.parquet",
    "--current",
    "data/credit/current.parquet",
)


@pytest.mark.parametrize(
    "args",
    [
        ("gate", "drift", *DRIFT_FILES),
        ("gate", "drift", *DRIFT_FILES, "--format", "json"),
        ("gate", "drift", "credit", "1.2.0"),  # by model: the policies and the model file too
    ],
    ids=lambda a: " ".join(a[2:4]) + " " + " ".join(a[6:]),
)
def test_gate_drift_imports_no_model_library(pr_repo: Path, args: tuple[str, ...]) -> None:
    """The drift gate reads columns with pyarrow (which imports pandas itself) and computes
    with numpy; the example's samples are large enough for the asymptotic KS p-value, so
    scipy is not needed either."""
    loaded = imported(pr_repo, *args)
    assert loaded.isdisjoint({"sklearn", "scipy", "matplotlib", "skops", "fairlearn", "github3"})
    assert "pyarrow" in loaded


def test_gate_drift_on_two_files_loads_no_model_gate_or_policy(pr_repo: Path) -> None:
    """Comparing two files needs neither the model gates' runner nor the policy documents."""
    modules = ("modelops_gitops.gates.base", "modelops_gitops.kinds.policy")
    probe = (
        "import atexit, sys\n"
        f"atexit.register(lambda: sys.stderr.write('LOADED:' + ','.join(sorted(set({modules!r}) & set(sys.modules))) + '\\n'))\n"
        "from modelops_gitops.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, "gate", "drift", *DRIFT_FILES],
        cwd=pr_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.startswith("LOADED:")] == ["LOADED:"]
    named = subprocess.run(  # the probe sees them when a model is named
        [sys.executable, "-c", probe, "gate", "drift", "credit", "1.2.0"],
        cwd=pr_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert f"LOADED:{','.join(modules)}" in named.stderr, named.stderr


def test_a_warm_validate_imports_no_heavy_library(pr_repo: Path) -> None:
    """The second run answers from the cache (facts decoded from plain tuples)."""
    imported(pr_repo, "validate")
    assert imported(pr_repo, "validate") == set()


def test_a_warm_validate_through_the_console_script_imports_neither_typer_nor_pydantic(
    tmp_path: Path,
) -> None:
    """`entry.main` runs a plain `validate` without typer; a warm run, every file a cache
    hit, validates nothing and so builds no pydantic model either."""
    repo = make_repo(tmp_path, valid_files())
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('LOADED:' + ','.join(sorted("
        "{m.split('.')[0] for m in sys.modules} & {'typer', 'pydantic', 'jsonschema'})) + '\\n'))\n"
        # the files are seconds old: let them count as settled (see test_validate.settled)
        "from modelops_gitops.repo import tree, validate_cache\n"
        "tree.RACY_NS = validate_cache.RACY_NS = 0\n"
        "from modelops_gitops.entry import main\n"
        "main(sys.argv[1:])\n"
    )

    def loaded(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", probe, *args], cwd=repo, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stderr.splitlines()[-1]

    assert loaded("validate") == "LOADED:pydantic"  # the first run checks every file
    assert loaded("validate") == "LOADED:"
    assert loaded("validate", "--format", "json") == "LOADED:"
    assert "typer" in loaded("validate", "--help")  # anything else goes to typer
