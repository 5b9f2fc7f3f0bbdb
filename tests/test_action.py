"""The reusable GitHub Action (action.yml at the project root): a composite action that
installs the tool from the action's own checkout into a virtualenv under the runner's temp
directory and runs `python -I -m modelops_gitops`. Its structure is checked (inputs only
through env:, no expression in a shell line, isolation), and its two shell steps are run for
real in bash with a fake runner environment: installed from a clean copy of this project, run
on the bundled example, and attacked through its inputs and the governed checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_ROOT, make_repo
from plan_fixtures import example_files
from ruamel.yaml import YAML

from modelops_gitops import __version__

ACTION = PROJECT_ROOT / "action.yml"


def action() -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    found = action()["runs"]["steps"]
    assert isinstance(found, list)
    return found


def test_a_composite_action_with_the_documented_inputs() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    assert set(data["inputs"]) == {"args", "extras", "ok-exit-codes", "python"}
    assert data["inputs"]["args"]["required"] is True
    assert data["outputs"]["exit-code"]["value"] == "${{ steps.run.outputs.exit-code }}"


def test_no_expression_reaches_a_shell_line() -> None:
    for step in steps():
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], step["name"]
        assert "working-directory" not in step  # the default: the governed checkout, untouched
        for name, value in step.get("env", {}).items():
            assert re.fullmatch(r"\$\{\{ (inputs\.[a-z-]+|github\.action_path) \}\}", value), name


def test_the_tool_is_installed_from_the_action_and_run_isolated() -> None:
    install, run = (step["run"] for step in steps())
    assert '"$MODELOPS_PYTHON" -I -m venv "$venv"' in install
    assert '-I -m pip install --disable-pip-version-check --no-input --quiet "$wanted"' in install
    assert 'wanted="$MODELOPS_ACTION_PATH"' in install
    assert 'venv="$RUNNER_TEMP/' in install
    assert '"-I", "-m", "modelops_gitops"' in run
    assert 'shlex.split(os.environ["MODELOPS_ARGS"])' in run


# -- the steps, run -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A runner's temp directory, the action's checkout (the tracked files of this project),
    and a governed repository: the bundled example."""
    base = tmp_path_factory.mktemp("runner")
    action_path = base / "_actions" / "modelops-gitops"
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    for rel in filter(None, listed.split("\0")):
        if (PROJECT_ROOT / rel).is_file():
            (action_path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / rel, action_path / rel)
    temp = base / "_temp"
    temp.mkdir()
    workspace = make_repo(base, example_files(), name="workspace")
    return {"action": action_path, "temp": temp, "workspace": workspace}


def run_step(
    index: int, runner: dict[str, Path], inputs: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], str]:
    """One step as the Actions runner runs it: `bash --noprofile --norc -eo pipefail`, in the
    governed checkout, with the step's env: (its expressions filled from `inputs`)."""
    step = steps()[index]
    values = {"github.action_path": str(runner["action"])} | {
        f"inputs.{name}": value for name, value in inputs.items()
    }
    defaults = {f"inputs.{k}": str(v.get("default", "")) for k, v in action()["inputs"].items()}
    env = {
        name: (values | {k: v for k, v in defaults.items() if k not in values})[expr[4:-3]]
        for name, expr in step.get("env", {}).items()
    }
    output = runner["temp"] / "github_output"
    output.write_text("", encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=runner["workspace"],
        env=base | env | {"RUNNER_TEMP": str(runner["temp"]), "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return proc, output.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def installed(runner: dict[str, Path]) -> dict[str, Path]:
    proc, _ = run_step(0, runner, {"extras": ""})  # the core: what validate and audit need
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"modelops-gitops {__version__}" in proc.stdout
    return runner


def test_installed_from_the_action_checkout_outside_the_workspace(
    installed: dict[str, Path],
) -> None:
    venv = installed["temp"] / "modelops-gitops-action"
    found = list(venv.glob("lib/python*/site-packages/modelops_gitops/__init__.py"))
    assert found, "not installed into the venv under RUNNER_TEMP"
    assert not (installed["workspace"] / "build").exists()
    again, _ = run_step(0, installed, {"extras": ""})
    assert again.returncode == 0
    assert "already installed" in again.stdout


def test_runs_the_command_line_and_reports_its_exit_code(installed: dict[str, Path]) -> None:
    proc, output = run_step(1, installed, {"args": "validate"})
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout
    assert output == "exit-code=0\n"
    proc, output = run_step(1, installed, {"args": "history no-such-model"})
    assert proc.returncode == 2
    assert output == "exit-code=2\n"
    tolerated, output = run_step(1, installed, {"args": "history nope", "ok-exit-codes": "0 2"})
    assert tolerated.returncode == 0
    assert output == "exit-code=2\n"


def test_quoted_arguments_stay_one_word_and_nothing_is_evaluated(
    installed: dict[str, Path],
) -> None:
    marker = installed["temp"] / "pwned"
    for args in (
        f"validate; touch {marker}",
        f"validate $(touch {marker})",
        f"validate `touch {marker}`",
        f"validate && touch {marker}",
    ):
        proc, _ = run_step(1, installed, {"args": args})
        assert "Traceback" not in proc.stderr
        assert not marker.exists(), args  # the words went to modelops-gitops, not to a shell
    proc, _ = run_step(1, installed, {"args": "history 'no such model'"})
    assert proc.returncode == 2
    assert "unknown model 'no such model'" in proc.stderr


def test_the_governed_checkout_cannot_shadow_the_tool(installed: dict[str, Path]) -> None:
    """A PR adds modelops_gitops/__main__.py (and a sitecustomize) to the governed repository:
    the tool started in that checkout must still be the installed one."""
    shadow = installed["workspace"] / "modelops_gitops"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("", encoding="utf-8")
    (shadow / "__main__.py").write_text("print('PWNED')\n", encoding="utf-8")
    (installed["workspace"] / "sitecustomize.py").write_text("print('PWNED')\n", encoding="utf-8")
    try:
        proc, _ = run_step(1, installed, {"args": "--version"})
        assert proc.returncode == 0
        assert "PWNED" not in proc.stdout + proc.stderr
        assert proc.stdout.strip() == f"modelops-gitops {__version__}"
    finally:
        shutil.rmtree(shadow)
        (installed["workspace"] / "sitecustomize.py").unlink()


@pytest.mark.parametrize(
    ("index", "inputs", "message"),
    [
        (0, {"extras": "gates] @ https://example.invalid/x.whl #"}, "extras: expected"),
        (0, {"extras": "gates,$(id)"}, "extras: expected"),
        (1, {"args": "validate", "ok-exit-codes": "0; touch x"}, "ok-exit-codes: expected"),
    ],
)
def test_bad_inputs_are_refused_before_anything_runs(
    runner: dict[str, Path], index: int, inputs: dict[str, str], message: str
) -> None:
    proc, _ = run_step(index, runner, inputs)
    assert proc.returncode == 2
    assert message in proc.stdout
