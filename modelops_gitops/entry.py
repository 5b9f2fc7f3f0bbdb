"""The console script. `validate` -- the pre-commit hook, run on every commit -- starts here
without typer (whose start-up, with the pydantic adapters it builds for each option, costs
more than a warm validate itself); every other command line goes to `cli.main` unchanged.

Only the plain forms are taken: `validate [PATH...] [--no-cache] [--format|-f FORMAT]`. Any
other option, `--help`, `--`, a global option, an unknown format, an empty or dash-led
argument, shell completion or a non-UTF-8 stdout or stderr goes to typer, which parses it as always.
"""

from __future__ import annotations

import os
import sys

VALIDATE_FORMATS = ("text", "json", "github")  # commands.validate.FORMATS (a test holds them equal)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    plain = plain_validate(args)
    if plain is None or not _plain_environment():
        from modelops_gitops.cli import main as cli_main

        cli_main(args)
        return
    from modelops_gitops.boundary import guarded

    paths, fmt, use_cache = plain
    code = guarded(lambda: _validate(paths, fmt, use_cache), show_traceback=False)
    from modelops_gitops import collector

    collector.skip_exit_scan()
    sys.exit(code)


def plain_validate(args: list[str]) -> tuple[list[str], str, bool] | None:
    """(paths, format, use cache) for a plain `validate` command line, else None."""
    if not args or args[0] != "validate":
        return None
    paths: list[str] = []
    fmt, use_cache = "text", True
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--no-cache":
            use_cache = False
        elif arg in ("--format", "-f"):
            fmt = next(rest, "")
        elif arg.startswith("--format="):
            fmt = arg.removeprefix("--format=")
        elif arg and not arg.startswith("-"):
            paths.append(arg)
        else:
            return None
        if fmt not in VALIDATE_FORMATS:
            return None
    return paths, fmt, use_cache


def _plain_environment() -> bool:
    """No shell completion asked for, and stdout and stderr that click would not re-wrap."""
    if any(name.startswith("_MODELOPS_GITOPS_COMPLETE") for name in os.environ):
        return False
    return all(
        (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        == "utf8"
        for stream in (sys.stdout, sys.stderr)
    )


def _validate(paths: list[str], fmt: str, use_cache: bool) -> int:
    from pathlib import Path

    from modelops_gitops import collector
    from modelops_gitops.commands import validate as validate_command
    from modelops_gitops.repo.workspace import resolve_repo

    with collector.relaxed():  # as `cli.main`: the cache's 10,000 entries, few cycle scans
        return validate_command.run(resolve_repo(None), [Path(p) for p in paths], fmt, use_cache)
