"""The light core and the named extras: core commands run with every extra's packages absent,
and a command that needs a missing extra names it (exit 2, the pip line, no traceback).

The absence is real for the process under test: each blocked package is set to None in
`sys.modules` before the tool is imported, which is what Python does for a package that is
not installed (`import` raises ImportError, `importlib.util.find_spec` answers None).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from plan_fixtures import CREDIT, governed_repo, open_pr, run_git, set_stage

from modelops_gitops.extras import EXTRAS

ROOT = Path(__file__).resolve().parent.parent
ALL_EXTRAS = sorted({name for names in EXTRAS.values() for name in names})
RUNNER = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    if name: sys.modules[name] = None\n"
    "from modelops_gitops.cli import main\n"
    "main(sys.argv[2:])\n"
)


def without(blocked: list[str], repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUNNER, ",".join(blocked), *args, "--repo", str(repo)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def pr_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example with a PR branch that promotes credit 1.2.0 to production (high
    risk: its policy runs every gate)."""
    repo = governed_repo(tmp_path_factory.mktemp("extras"))
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    run_git(repo, "checkout", "--quiet", "main")
    return repo


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("status",),
        ("history", "credit"),
        ("audit", "at", "2026-01-01T00:00:00Z"),
        ("plan", "--base", "main", "--head", "pr", "--no-gates"),
        ("plan", "--base", "main", "--head", "main"),
        ("audit", "verify"),
        ("apply", "--adopt", "--dry-run"),
    ],
    ids=lambda a: " ".join(a),
)
def test_the_core_runs_without_any_extra(pr_repo: Path, args: tuple[str, ...]) -> None:
    proc = without(ALL_EXTRAS, pr_repo, *args)
    assert "Traceback" not in proc.stderr
    assert "extra" not in proc.stdout + proc.stderr
    assert proc.returncode in (0, 1, 3), proc.stdout + proc.stderr


def test_plan_without_gates_shows_what_is_missing(pr_repo: Path) -> None:
    proc = without(ALL_EXTRAS, pr_repo, "plan", "--base", "main", "--head", "pr", "--no-gates")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "stage.promoted" in proc.stdout


@pytest.mark.parametrize(
    ("blocked", "args", "extra"),
    [
        (["sklearn"], ("plan", "--base", "main", "--head", "pr"), "gates"),
        (["pyarrow"], ("gate", "test", "credit", "1.2.0"), "gates"),
        (["scipy"], ("gate", "drift", "credit", "1.2.0"), "gates"),
        (["skops"], ("monitor", "--no-github"), "gates"),
        (["github3"], ("plan", "--base", "main", "--head", "pr", "--pr", "7"), "github"),
        (["distributed"], ("gate", "drift", "credit", "1.2.0", "--engine", "dask"), "dask"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_missing_extra_is_named_with_exit_2(
    pr_repo: Path, blocked: list[str], args: tuple[str, ...], extra: str
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, ",".join(blocked), *args, "--repo", str(pr_repo)],
        cwd=pr_repo,
        capture_output=True,
        text=True,
        check=False,
        env={**_env(), "GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "acme/models"},
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"needs the [{extra}] extra" in proc.stderr
    assert f"pip install 'modelops-gitops[{extra}]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (pr_repo / "site").exists()


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_the_extras_table_matches_what_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    core = " ".join(project["dependencies"]).lower()
    optional = project["optional-dependencies"]
    for heavy in ("scikit-learn", "scipy", "pandas", "pyarrow", "matplotlib", "github3", "skops"):
        assert heavy not in core, f"{heavy} is heavy: it belongs in an extra"
    assert "pre-commit" not in core  # never imported by the tool
    declared = {extra: " ".join(optional[extra]).lower() for extra in EXTRAS}
    distribution = {
        "sklearn": "scikit-learn",
        "github3": "github3.py",
        "requests": "github3.py",  # github3.py brings it; the retry adapter imports it
        "distributed": "dask",
    }
    for extra, modules in EXTRAS.items():
        for module in modules:
            name = distribution.get(module, module)
            assert name in declared[extra] or "[gates]" in declared[extra], (extra, module)
    assert set(EXTRAS) <= set(optional)
    assert "all" in optional


def test_the_dashboard_needs_no_extra(pr_repo: Path, tmp_path: Path) -> None:
    """`report` draws its charts itself: it runs with every extra's packages absent."""
    site = tmp_path / "site"
    proc = without(ALL_EXTRAS, pr_repo, "report", "--out", str(site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (site / "index.html").is_file()
    assert list(site.glob("plots/*/*.svg"))
