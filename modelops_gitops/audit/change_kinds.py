"""The kinds of ledger change a reader tells apart without loading the ledger's models."""

from __future__ import annotations

# deploy.repaired: `apply` restored a deploy/ file that had drifted from what the ledger
# implies; the applied state does not change (replay skips it).
REPAIRED = "deploy.repaired"
