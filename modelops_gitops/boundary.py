"""The error boundary shared by both ways into the CLI (`cli.main` and `entry.main`'s
typer-free `validate`): every exception becomes a message on stderr and an exit code here.

    ModelOpsError -> its exit code (InputError: 2), with `path:line:col: field: message`
    KeyboardInterrupt -> 130;  anything else -> 4 (traceback only with --traceback)
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from modelops_gitops.errors import EXIT_INTERNAL, ModelOpsError
from modelops_gitops.terminal import printable

_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")  # what click.echo strips off a non-terminal


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """`click.echo` for text, without importing click: ANSI codes are stripped when the
    stream is not a terminal, and the stream is flushed."""
    stream = sys.stderr if err else sys.stdout
    if nl:
        text += "\n"
    if not text:
        stream.flush()
        return
    if not stream.isatty():
        text = _ANSI.sub("", text)
    stream.write(text)
    stream.flush()


def guarded(call: Callable[[], int], *, show_traceback: bool) -> int:
    """`call()`'s exit code, or the code of the exception it raised (reported on stderr)."""
    try:
        return call()
    except ModelOpsError as exc:
        echo(printable(message(exc)), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        echo("interrupted", err=True)
        return 130
    except Exception as exc:  # the boundary: nothing escapes as a traceback
        if show_traceback:
            import traceback

            traceback.print_exc()
        echo(printable(f"internal error: {type(exc).__name__}: {exc}"), err=True)
        echo("(run again with --traceback for details)", err=True)
        return EXIT_INTERNAL


def message(exc: ModelOpsError) -> str:
    text = str(exc)
    return f"error: {text}" if "\n" not in text and ":" not in text else text
