"""`report --out DIR`: the static compliance dashboard.

sources.py   edge: the repository, the ledger, the reports, git history, monitor records
metrics.py   pure: sync states, DORA-style figures, metric trends
plots.py     trend charts as deterministic SVG
site.py      pure: every page and asset of the site, path -> bytes (jinja2 templates)
output.py    edge: the site written next to DIR, then renamed into place
"""
