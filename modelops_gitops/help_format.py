"""Edge: `--help` a person reads -- a meaningful metavar for every option, none for flags and
arguments, and no Python types or range notation (`<bool>`, `<list[Path]>`,
`<int range> [x>=1]`, which recent typer prints from the annotations).

Applied once to the command tree the CLI runs (`cli.main`): the declarations stay plain typer,
and a new option gets a readable metavar without anyone remembering to write one. Ranges are
still enforced (typer validates them from the annotation's declaration, not from what help
shows); the help text of such an option says its range in words.
"""

from __future__ import annotations

from typing import Any

# By parameter name; anything else shows its own name in capitals (argparse's convention).
METAVARS = {
    "repo": "DIR",
    "out": "PATH",
    "docs": "DIR",
    "keep": "DIR",
    "approvals": "FILE",
    "sign_key": "FILE",
    "config": "FILE",
    "artifact": "FILE",
    "eval_data": "FILE",
    "train_data": "FILE",
    "now": "TIME",
    "at": "TIME",
    "since": "TIME",
    "until": "TIME",
    "base": "REF",
    "head": "REF",
    "rev": "REF",
    "fmt": "FORMAT",
    "artifact_format": "FORMAT",
    "color": "WHEN",
    "retries": "N",
    "waiver_horizon": "DAYS",
    "pr": "NUMBER",
    "settings": "KEY=VALUE",
    "metric": "NAME=VALUE",
    "report_url": "URL",
    "reference": "DATA",
    "current": "DATA",
    "scheduler": "ADDRESS",
    "install_from": "SOURCE",
}


def metavar_for(param: Any) -> str | None:
    """What help shows after an option: None for flags and arguments (their name says it)."""
    if getattr(param, "param_type_name", "") != "option" or getattr(param, "is_flag", False):
        return None
    name = str(param.name or "")
    return METAVARS.get(name, name.upper().replace("_", "-"))


def plain_help(command: Any) -> Any:
    """Set every parameter's metavar and drop the type column, in place; returns `command`."""
    for param in getattr(command, "params", []):
        _plain(param)
    if hasattr(command, "get_help_option"):  # --help is made per context, not a declared param
        made = command.get_help_option

        def help_option(ctx: Any, made: Any = made) -> Any:
            option = made(ctx)
            if option is not None:
                _plain(option)
            return option

        setattr(command, "get_help_option", help_option)  # noqa: B010
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
    return command


def _plain(param: Any) -> None:
    shown = metavar_for(param)
    if shown is not None:
        param.metavar = shown
    elif getattr(param, "param_type_name", "") == "argument":
        param.metavar = str(param.name or "").upper()
    # typer's rich help prints this in its own column (`<bool>`, `<list[Path]>`); the
    # metavar is what a reader needs, and a flag or an argument needs nothing there.
    setattr(param, "display_type_rich", lambda ctx, shown=shown: shown)  # noqa: B010
    if hasattr(param, "_get_number_range_help_str"):
        setattr(param, "_get_number_range_help_str", lambda: None)  # noqa: B010
