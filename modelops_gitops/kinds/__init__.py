"""Document kinds: one pydantic model per YAML `kind`, and the registry that maps one to the other."""

from __future__ import annotations

from pydantic import BaseModel

from modelops_gitops.kinds.lifecycle import Lifecycle
from modelops_gitops.kinds.model import Model
from modelops_gitops.kinds.policy import Policy
from modelops_gitops.kinds.settings import Repository
from modelops_gitops.kinds.teams import Teams
from modelops_gitops.kinds.waiver import Waiver

KINDS: dict[str, type[BaseModel]] = {
    "Model": Model,
    "Lifecycle": Lifecycle,
    "Teams": Teams,
    "Policy": Policy,
    "Waiver": Waiver,
    "Repository": Repository,
}

__all__ = ["KINDS", "Lifecycle", "Model", "Policy", "Repository", "Teams", "Waiver"]
