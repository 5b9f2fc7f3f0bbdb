"""Document kinds: one pydantic model per YAML `kind`, and the registry that maps one to the other.

The kinds load on first use (PEP 562): a command that needs only `kinds.drift` (the drift
gate) does not pay for building every document model (about 0.2 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelops_gitops import lazy

if TYPE_CHECKING:
    from pydantic import BaseModel

    from modelops_gitops.kinds.lifecycle import Lifecycle
    from modelops_gitops.kinds.model import Model
    from modelops_gitops.kinds.policy import Policy
    from modelops_gitops.kinds.settings import Repository
    from modelops_gitops.kinds.teams import Teams
    from modelops_gitops.kinds.waiver import Waiver

    KINDS: dict[str, type[BaseModel]]

_HOMES = {
    "Model": "model",
    "Lifecycle": "lifecycle",
    "Teams": "teams",
    "Policy": "policy",
    "Waiver": "waiver",
    "Repository": "settings",
}

__all__ = ["KINDS", "Lifecycle", "Model", "Policy", "Repository", "Teams", "Waiver", "kind_class"]


def kind_class(kind: str) -> type[BaseModel]:
    """The model of one `kind` (a key of KINDS), building no other kind's."""
    if kind not in _HOMES:
        raise KeyError(kind)
    found: type[BaseModel] = __getattr__(kind)
    return found


def __getattr__(name: str) -> Any:
    if name == "KINDS":
        kinds = {kind: __getattr__(kind) for kind in _HOMES}
        globals()["KINDS"] = kinds
        return kinds
    return lazy.attribute(__name__, _HOMES, name, globals())
