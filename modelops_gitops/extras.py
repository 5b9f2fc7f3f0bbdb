"""The optional extras: which installed packages a feature needs, and what to install when
one is missing.

The core (validate, schema, init, register/promote/rollback, plan and apply without gates,
audit, status, history) needs none of them. A command that reaches a feature of an extra
that is not installed stops with exit 2 and the pip line to run, before importing anything
from it. `find_spec` looks a package up without importing it, so the check costs nothing.
"""

from __future__ import annotations

from importlib.util import find_spec

from modelops_gitops.errors import InputError

EXTRAS: dict[str, tuple[str, ...]] = {
    "gates": ("sklearn", "scipy", "numpy", "pandas", "pyarrow", "skops", "fairlearn", "matplotlib"),
    "github": ("github3", "requests"),
    "dask": ("dask", "distributed"),
    "s3": ("fsspec", "s3fs"),
    "onnx": ("onnxruntime",),
    "mlflow": ("mlflow",),
}


class MissingExtraError(InputError):
    """A feature of an optional extra was asked for, and the extra is not installed."""


def missing(extra: str) -> list[str]:
    """The import names of `extra`'s packages that are not installed."""
    return [name for name in EXTRAS[extra] if find_spec(name) is None]


def require(extra: str, what: str) -> None:
    """Stop (exit 2) naming the extra and the pip line when `what` cannot run here."""
    absent = missing(extra)
    if absent:
        raise MissingExtraError(
            f"{what} needs the [{extra}] extra ({', '.join(absent)} not installed): "
            f"pip install 'modelops-gitops[{extra}]'"
        )
