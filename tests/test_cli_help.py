"""The command line itself: help for everything (as gto's tests/test_cli.py checks), the version,
usage errors, and the one error boundary in `cli.main`."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import Result, run_script

from modelops_gitops import __version__, cli
from modelops_gitops.errors import ConflictError, InputError, PolicyViolation

Cli = Callable[..., Result]


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under the app, by its words. Recent typer ships its own copy of click
    (typer._click), so groups are recognised by their `commands`, not by click's classes."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


COMMANDS = dict(walk(typer.main.get_command(cli.app)))


def test_the_documented_verbs_exist() -> None:
    names = {p[0] for p in COMMANDS if p}
    assert {"init", "validate", "schema", "register", "promote", "rollback"} <= names
    assert len(COMMANDS) > len(names)  # the walk went into the groups (gate, policy)


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "modelops-gitops")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    assert (command.help or "").strip(), f"{' '.join(path)} has no help"


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "modelops-gitops")
def test_every_option_and_argument_has_help(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    for param in command.params:
        text = getattr(param, "help", None)
        assert (text or "").strip(), f"{' '.join(path)} {param.name}: no help"


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "modelops-gitops")
def test_help_renders_for_every_command(cli: Cli, path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert result.code == 0, result
    assert "Usage: modelops-gitops" in result.out
    for param in COMMANDS[path].params:
        if param.param_type_name == "option" and not param.hidden:
            assert param.opts[0] in result.out


# Python types and range notation are noise to a reader: `<bool>`, `<str>`, `<list[Path]>`,
# `<int range>`, `[x>=1]`, `[1<=x<=20]` (recent typer prints them from the annotations).
TYPE_NOISE = re.compile(r"<[a-z][a-zA-Z_\[\], |]*>|\[?\d*<?=?x[<>]=?\d*\]?|\bx>=|<=x\b")


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "modelops-gitops")
def test_help_shows_no_python_types(cli: Cli, path: tuple[str, ...]) -> None:
    out = cli(*path, "--help").out
    assert not TYPE_NOISE.findall(out), f"{' '.join(path)} --help: {TYPE_NOISE.findall(out)}"


def test_every_value_option_names_its_value_and_flags_name_none(cli: Cli) -> None:
    out = cli("apply", "--help").out
    assert re.search(r"--approvals\s+FILE\s", out)
    assert re.search(r"--retries\s+N\s", out)
    assert re.search(r"--push\s+Push the commit", out)  # a flag: nothing between
    assert "1 to 20" in out  # the range, in words
    assert re.search(r"--help\s+-h\s+Show this message", out)


def test_the_type_noise_check_catches_what_typer_prints_by_default() -> None:
    """The same help rendered without `plain_help` is what the check exists for."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(cli.app, ["apply", "--help"], env={"COLUMNS": "120"})
    found = set(TYPE_NOISE.findall(result.output))
    assert {"<bool>", "<list[Path]>"} <= found, found


def test_ranges_are_still_enforced(cli: Cli) -> None:
    result = cli("apply", "--retries", "0")
    assert result.code == 2
    assert "--retries" in result.err


def test_short_help_flag(cli: Cli) -> None:
    assert cli("-h").out == cli("--help").out


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert (result.code, result.out) == (0, f"modelops-gitops {__version__}\n")


def test_version_through_the_console_script() -> None:
    result = run_script("--version")
    assert (result.code, result.out, result.err) == (0, f"modelops-gitops {__version__}\n", "")


# Usage errors are raised by typer's own copy of click (typer._click) in recent typer: the
# boundary must map those to 2 as well, never to "internal error" (4).


def test_no_arguments_show_help(cli: Cli) -> None:
    result = cli()
    assert "Usage: modelops-gitops" in result.output
    assert result.code in (0, 2)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "--bogus"], "No such option: --bogus"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["schema"], "Missing option '--out'"),
        (["init"], "Missing argument 'DIRECTORY'"),
        (["validate", "--format"], "Option '--format' requires an argument"),
    ],
)
def test_usage_errors_exit_2(cli: Cli, argv: list[str], message: str) -> None:
    result = cli(*argv)
    assert result.code == 2, result
    assert message in result.err
    assert "Traceback" not in result.output


def test_unknown_option_through_the_console_script(tmp_path: Path) -> None:
    result = run_script("validate", "--no-such-option", cwd=tmp_path)
    assert result.code == 2
    assert "No such option: --no-such-option" in result.err
    assert "Traceback" not in result.output


# -- the error boundary ------------------------------------------------------------------------


@pytest.fixture
def raising(monkeypatch: pytest.MonkeyPatch) -> Callable[[BaseException], None]:
    """Register a command that raises the given exception on a copy of the app; `main` then
    runs the copy, everything else as in production."""

    def install(error: BaseException) -> None:
        app = copy.copy(cli.app)
        app.registered_commands = list(cli.app.registered_commands)
        app.registered_groups = list(cli.app.registered_groups)

        @app.command("explode", help="Raise on purpose (test only).")
        def explode() -> None:
            raise error

        monkeypatch.setattr(cli, "app", app)

    return install


def test_an_unexpected_error_exits_4_without_a_traceback(
    cli: Cli, raising: Callable[[BaseException], None]
) -> None:
    raising(RuntimeError("the disk is on fire"))
    result = cli("explode")
    assert result.code == 4
    assert result.err == (
        "internal error: RuntimeError: the disk is on fire\n"
        "(run again with --traceback for details)\n"
    )
    assert "Traceback" not in result.output


def test_the_traceback_only_with_the_hidden_option(
    cli: Cli, raising: Callable[[BaseException], None]
) -> None:
    raising(RuntimeError("the disk is on fire"))
    result = cli("explode", "--traceback")
    assert result.code == 4
    assert "Traceback (most recent call last)" in result.err
    assert "RuntimeError: the disk is on fire" in result.err


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (
            InputError.at("models/a/model.yaml", "bad", line=3, column=5, field="spec"),
            2,
            "models/a/model.yaml:3:5: spec: bad",
        ),
        (InputError("plain words"), 2, "error: plain words"),
        (PolicyViolation("blocked"), 1, "error: blocked"),
        (ConflictError("push rejected 5 times"), 4, "error: push rejected 5 times"),
        (KeyboardInterrupt(), 130, None),
    ],
)
def test_known_errors_map_to_their_exit_codes(
    cli: Cli,
    raising: Callable[[BaseException], None],
    error: BaseException,
    code: int,
    message: str | None,
) -> None:
    raising(error)
    result = cli("explode")
    assert result.code == code
    if message is not None:
        assert result.err.strip() == message
    assert "Traceback" not in result.output


def test_a_real_crash_inside_a_command_is_contained(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a synthetic command: `validate` itself, when the reader under it breaks."""
    from modelops_gitops.repo import tree

    def broken(root: Path, path: str) -> bytes:
        raise MemoryError("no room")

    (tmp_path / "modelops.yaml").write_text("x: 1\n")
    monkeypatch.setattr(tree, "read_inside", broken)
    result = cli("validate", "--repo", str(tmp_path))
    assert result.code == 4
    assert result.err.startswith("internal error: MemoryError: no room\n")
    assert "Traceback" not in result.output
