"""The audit trail: the hash-chained ledger `apply` appends to, its replay into the applied
state, the reports, and what `audit verify|export|at`, `status` and `history` read."""
