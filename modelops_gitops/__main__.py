from __future__ import annotations

from modelops_gitops.entry import main

main()
