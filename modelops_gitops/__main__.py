from __future__ import annotations

from modelops_gitops.cli import main

main()
