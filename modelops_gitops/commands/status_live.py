"""`status --live`: the third axis beside sync and health. Each deploy target that can
`observe()` its serving system (the mlflow registry; the manifest and kserve files at HEAD)
is compared with the ledger's replay, per (model, stage): in sync, out of sync (ledger vs
target), or unreachable. `apply` re-delivers what is out of sync (apply/delivery.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modelops_gitops.apply import delivery
from modelops_gitops.apply.targets import configured
from modelops_gitops.audit.ledger import LEDGER_PATH, read_lines
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import WorkTree


def observe(root: Path) -> list[delivery.Live]:
    file = root / LEDGER_PATH
    data = file.read_bytes() if file.is_file() and not file.is_symlink() else b""
    entries = [line.entry for line in read_lines(data) if line.entry is not None]
    state = load_state(WorkTree(root))
    return delivery.live(root, configured(state), entries)


def all_in_sync(rows: Sequence[delivery.Live]) -> bool:
    """`--check`: a difference, or a target that cannot be reached, fails it."""
    return all(row.state == delivery.IN_SYNC for row in rows)


def text(rows: Sequence[delivery.Live]) -> str:
    if not rows:
        return "live: no deploy target can be observed\n"
    lines = ["live (ledger vs deploy targets):"]
    by_key: dict[tuple[str, str], list[delivery.Live]] = {}
    for row in rows:
        by_key.setdefault((row.model, row.stage), []).append(row)
    for (model, stage), found in sorted(by_key.items()):
        cells = " · ".join(f"{row.target} {_cell(row)}" for row in found)
        lines.append(f"  {model:<14} {stage:<12} {cells}")
    unreachable = {row.target: row.detail for row in rows if row.state == delivery.UNREACHABLE}
    lines += [f"  {target} unreachable: {why}" for target, why in sorted(unreachable.items())]
    differing = sum(row.state != delivery.IN_SYNC for row in rows)
    lines.append(
        "live: every target matches the ledger"
        if not differing
        else f"live: {differing} difference(s); `apply` re-delivers what is out of sync"
    )
    return "\n".join(lines) + "\n"


def _cell(row: delivery.Live) -> str:
    return row.state if row.state == delivery.UNREACHABLE else row.describe()


def as_json(rows: Sequence[delivery.Live]) -> list[dict[str, Any]]:
    return [
        {
            "target": row.target,
            "model": row.model,
            "stage": row.stage,
            "expected": row.expected,
            "found": row.found,
            "state": row.state,
            "detail": row.detail,
        }
        for row in rows
    ]
