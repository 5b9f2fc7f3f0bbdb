"""`gate drift --reference PATH --current PATH`: compare any two datasets.

Returns the rendered report and the exit code (0: no dataset drift, 1: dataset drift); bad
input raises `GateInputError`/`InputError`, which the CLI's error boundary turns into exit 2.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, InputError
from modelops_gitops.gates.drift.engine_local import Progress
from modelops_gitops.gates.drift.render import RENDERERS
from modelops_gitops.gates.drift.report import Engine
from modelops_gitops.gates.drift.run import run_drift
from modelops_gitops.kinds.drift import DriftConfig
from modelops_gitops.problems import Problem

FORMATS = tuple(RENDERERS)
ENGINES: tuple[Engine, ...] = ("local", "chunked", "dask")


def run_drift_command(
    reference: str,
    current: str,
    *,
    fmt: str = "text",
    engine: str = "local",
    scheduler: str | None = None,
    config_path: Path | None = None,
    config: DriftConfig | None = None,
    reference_sha256: str | None = None,
    current_sha256: str | None = None,
    progress: Progress | None = None,
) -> tuple[str, int]:
    if fmt not in RENDERERS:
        raise InputError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if engine not in ENGINES:
        raise InputError(f"--engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    if scheduler is not None and engine != "dask":
        raise InputError("--scheduler needs --engine dask")
    if config_path is not None:
        config = load_config(config_path)
    config = config or DriftConfig()
    report = run_drift(
        reference,
        current,
        config,
        reference_sha256=reference_sha256,
        current_sha256=current_sha256,
        engine=next(e for e in ENGINES if e == engine),
        scheduler=scheduler,
        progress=progress,
    )
    return RENDERERS[fmt](report), EXIT_VIOLATION if report.dataset_drift else EXIT_OK


def load_config(path: Path) -> DriftConfig:
    """Drift settings from a YAML file: the fields of a Policy's drift rule settings."""
    import yaml  # only for a settings file

    name = path.as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError.at(name, f"cannot read drift settings: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise InputError.at(name, f"invalid YAML: {exc}", line=line, column=column) from exc
    try:
        return DriftConfig.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise InputError(
            Problem(
                file=name,
                line=0,
                column=0,
                field=".".join(str(part) for part in error["loc"]),
                message=error["msg"],
            )
            for error in exc.errors()
        ) from exc
