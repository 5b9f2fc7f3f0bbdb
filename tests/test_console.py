"""Colour follows no-color.org and FORCE_COLOR, TERM=dumb and --color; live progress bars only
on a real, non-dumb terminal outside CI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Result
from plan_fixtures import CREDIT, governed_repo, open_pr, set_stage

from modelops_gitops import console

ANSI = "\x1b["


class Tty:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture(autouse=True)
def auto_color() -> Iterator[None]:
    yield
    console.set_color("auto")


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, False, False),
        ({"TERM": "dumb"}, True, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_from_the_environment(env: dict[str, str], tty: bool, expected: bool) -> None:
    assert console.color_enabled(Tty(tty), env) is expected


def test_the_flag_wins_over_the_environment() -> None:
    console.set_color("never")
    assert console.color_enabled(Tty(True), {"FORCE_COLOR": "1"}) is False
    console.set_color("always")
    assert console.color_enabled(Tty(False), {"NO_COLOR": "1", "TERM": "dumb"}) is True


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, True),
        ({"CI": "true"}, True, False),
        ({"TERM": "dumb"}, True, False),
        ({}, False, False),
    ],
)
def test_live_progress_needs_a_real_terminal(
    env: dict[str, str], tty: bool, expected: bool
) -> None:
    assert console.live_progress(Tty(tty), env) is expected


def test_plan_text_is_coloured_only_when_asked(
    tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = governed_repo(tmp_path)
    open_pr(repo, {CREDIT: set_stage("production", "1.2.0")})
    args = ("plan", "--base", "main", "--head", "pr", "--no-gates", "--repo", str(repo))
    plain = cli(*args)
    assert plain.code == 3
    assert ANSI not in plain.out
    assert ANSI in cli("--color", "always", *args).out
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI in cli(*args).out
    assert ANSI not in cli("--color", "never", *args).out


def test_an_unknown_colour_choice_is_exit_2(cli: Callable[..., Result]) -> None:
    result = cli("--color", "sometimes", "status")
    assert result.code == 2
    assert "--color: expected one of auto, always, never, got 'sometimes'" in result.err
