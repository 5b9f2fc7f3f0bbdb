"""The audit trail, the read side: what `audit verify|export|at|checkpoint`, `status` and
`history` read. Nothing here writes the repository (apply/ does).

    ledger        `audit/ledger.jsonl`: entries, canonical JSON, the hash chain
    replay        the ledger replayed into the applied state
    provenance    which first-parent commit made a stage what it is (through `git.History`)
    desired       `spec.stages` of every model in a tree
    verify, verify_run, verify_source   the checks, end to end, and the files they judge
    sync          `status`: sync (desired vs applied) and health per model and stage
    queries       history, export and point-in-time questions answered from the entries
"""
