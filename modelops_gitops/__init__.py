"""modelops-gitops: a git repository as the governed source of truth for ML models."""

from __future__ import annotations

__version__ = "0.1.0"
API_VERSION = "modelops-gitops/v1"
