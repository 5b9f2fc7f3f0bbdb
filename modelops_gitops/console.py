"""Edge: what the terminal can take -- colour and live progress -- decided in one place.

Colour, as no-color.org and the FORCE_COLOR convention say: `--color always|never` wins;
otherwise NO_COLOR (any value) turns it off, FORCE_COLOR (any value but "0") turns it on,
TERM=dumb turns it off, and else it follows whether the stream is a terminal. Live progress
bars need a terminal that is not dumb and not CI (whose logs get plain lines instead).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, Protocol

ColorChoice = Literal["auto", "always", "never"]
COLOR_CHOICES: tuple[ColorChoice, ...] = ("auto", "always", "never")
_choice: list[ColorChoice] = ["auto"]  # set once per process by the CLI's --color
Verbosity = Literal["quiet", "normal", "verbose"]
_verbosity: list[Verbosity] = ["normal"]  # set once per process by --quiet / --verbose


class Stream(Protocol):
    def isatty(self) -> bool: ...


def set_color(choice: ColorChoice) -> None:
    _choice[0] = choice


def set_verbosity(level: Verbosity) -> None:
    _verbosity[0] = level


def verbosity() -> Verbosity:
    return _verbosity[0]


def color_enabled(stream: Stream, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if _choice[0] != "auto":
        return _choice[0] == "always"
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return stream.isatty()


def live_progress(stream: Stream, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return stream.isatty() and not env.get("CI") and env.get("TERM") != "dumb"
