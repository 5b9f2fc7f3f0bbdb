"""PEP 562 attribute loading for a package's public names: each name is imported from its
home module on first use and kept, so importing the package costs nothing until then."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def attribute(package: str, homes: Mapping[str, str], name: str, space: dict[str, Any]) -> Any:
    """`name` of `package` (whose module globals are `space`), from `package.homes[name]`."""
    home = homes.get(name)
    if home is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{package}.{home}"), name)
    space[name] = value
    return value
