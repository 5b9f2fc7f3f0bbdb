"""`apply`, the write side: make the ledger say what the default branch says, for every change
a reviewed pull request explains, in ONE commit.

    pipeline    prepare -> compute -> write reports, ledger, deploy files -> commit -> push
    reconcile   which differences between ledger and HEAD may be applied, and why not
    sources     the merged PR behind a commit (GitHub, or local approvals files)
    evidence    a ledger entry's evidence, from the re-checked plan of its change
    reports     the entry's Markdown, HTML and JSON reports (deterministic bytes)
    targets     deploy targets (plugins): files in the commit, deliveries after the push
    tags        GTO-format git tags for each applied change
    commit      where apply may run, leftovers of a crash, the commit as the bot, the remote

Reads through audit/ (ledger, replay) and plan/ (the re-check); writes only audit/ and deploy/.
"""
