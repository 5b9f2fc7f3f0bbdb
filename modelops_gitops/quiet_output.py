"""Edge: `--quiet` -- a command's text output reduced to its verdict line, notes dropped.

The verdict is the line that starts with the command's name (`validate: 10 files valid`,
`plan: 1 change — 1 pending`, `audit verify: intact: ...`, `apply: applied 1, refused 0`);
a command without one keeps its last line. Errors (stderr, from the CLI's boundary) are kept;
`note:` lines on stderr are dropped. Machine output is never touched: with `--format` other
than text (JSON, CSV, SARIF, ...) stdout passes through whole. Progress is silenced by
`progress` itself (the verbosity is set with this).
"""

from __future__ import annotations

import re
import sys
from typing import Any, TextIO

_active: list[tuple[TextIO, TextIO, _Buffer]] = []


class _Buffer:
    """Collects what a command writes to stdout until the command ends."""

    def __init__(self, real: TextIO) -> None:
        self.real = real
        self.parts: list[str] = []

    def write(self, text: str | bytes) -> int:  # click may write encoded bytes
        self.parts.append(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
        return len(text)

    def flush(self) -> None:
        return None

    @property
    def buffer(self) -> _Buffer:  # the binary side click looks for: the same collector
        return self

    def isatty(self) -> bool:
        return self.real.isatty()

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, ... from the real stream
        return getattr(self.real, name)


class _NoNotes:
    """stderr without `note:` lines (whole lines; a partial write is passed on)."""

    def __init__(self, real: TextIO) -> None:
        self.real = real

    def write(self, text: str | bytes) -> int:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        kept = "".join(
            line for line in text.splitlines(keepends=True) if not line.startswith("note:")
        )
        self.real.write(kept)
        return len(text)

    def flush(self) -> None:
        self.real.flush()

    def isatty(self) -> bool:
        return self.real.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def begin() -> None:
    """Start holding stdout back (called by the CLI when --quiet is given)."""
    if _active:
        return
    out, err = sys.stdout, sys.stderr
    buffer = _Buffer(out)
    _active.append((out, err, buffer))
    sys.stdout = buffer  # type: ignore[assignment,unused-ignore]
    sys.stderr = _NoNotes(err)  # type: ignore[assignment,unused-ignore]


def finish(args: list[str]) -> None:
    """Restore the streams and write the verdict (or everything, for machine formats)."""
    if not _active:
        return
    out, err, buffer = _active.pop()
    sys.stdout, sys.stderr = out, err
    text = "".join(buffer.parts)
    if _machine_format(args):
        out.write(text)
    else:
        out.write("".join(f"{line}\n" for line in verdict(text, _command(args))))
    out.flush()


def verdict(text: str, command: str) -> list[str]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not command:
        return lines[-1:]
    head = re.compile(rf"^{re.escape(command)}( [a-z][a-z-]*)?:")
    return [line for line in lines if head.match(line)] or lines[-1:]


def _command(args: list[str]) -> str:
    """The verb: the first word that is not an option (or a global option's value)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--color":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return ""


def _machine_format(args: list[str]) -> bool:
    for i, arg in enumerate(args):
        value = None
        if arg in ("-f", "--format") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--format="):
            value = arg.split("=", 1)[1]
        if value is not None and value != "text":
            return True
    return _command(args) == "audit" and "export" in args  # CSV by default
