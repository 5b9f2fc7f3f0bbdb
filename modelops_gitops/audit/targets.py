"""Compatibility: deploy targets live in `modelops_gitops.apply.targets` (the write side).

Kept so configurations and installed entry points that still name
`modelops_gitops.audit.targets:ManifestTarget` go on working. Nothing in the package imports
this module (tests/test_architecture.py leaves it out of the import graph for that reason).
"""

from modelops_gitops.apply.targets import ManifestTarget

__all__ = ["ManifestTarget"]
