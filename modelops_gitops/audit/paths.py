"""Where the audit trail lives in a governed repository (no imports: every reader of the
trail, light or heavy, names these)."""

LEDGER_PATH = "audit/ledger.jsonl"
REPORTS_DIR = "audit/reports"
