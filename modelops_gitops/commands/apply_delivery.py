"""What `apply` says about delivery (apply/delivery.py), and `apply --deliver-only`.

A re-delivery of something that was out of sync (a server that was down, a half-finished
run, an alias moved by hand) is recorded in apply's output (`delivered` lines, and
`delivery` in --format json), not in the ledger: the ledger records governed changes and the
files of the apply commit; a delivery happens after that commit reached the remote, so it
cannot be part of it, and the next commit cannot witness it either without a commit per
re-delivery. Exit 4 ("delivery pending") when a target still differs from the ledger.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from modelops_gitops.apply import delivery
from modelops_gitops.apply.pipeline import Outcome, describe
from modelops_gitops.apply.targets import Deliverer
from modelops_gitops.errors import EXIT_INTERNAL, EXIT_OK


def exit_code(found: delivery.Delivery | None) -> int | None:
    """EXIT_INTERNAL when a delivery is pending, else None (the caller decides)."""
    return EXIT_INTERNAL if found is not None and not found.ok else None


def waiting(outcome: Outcome) -> bool:
    """The branch is not on the remote yet, and some target delivers after the push."""
    delivers = any(isinstance(t, Deliverer) for t in outcome.computed.targets)
    return outcome.delivery is None and delivers


def lines(found: delivery.Delivery | None, *, waiting: bool = False) -> list[str]:
    if found is None:
        return [
            "  note: deploy targets are delivered once the commit is on the remote (--push)"
        ] * waiting
    out = [f"  delivered   {name}: {describe(entry)}" for name, entry in found.delivered]
    if found.ok:
        return out
    pending = {(row.target, row.model, row.stage): row for row in found.pending}
    out.append(
        "delivery pending: the ledger is committed (and stays as it is); "
        "`apply` or `apply --deliver-only` completes it"
    )
    out += [f"  pending     {t} {m} {s}: {row.describe()}" for (t, m, s), row in pending.items()]
    out += [f"  error       {name}: {why}" for name, why in sorted(found.errors.items())]
    return out


def as_json(found: delivery.Delivery | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "ok": found.ok,
        "delivered": [
            {
                "target": name,
                "seq": e.seq,
                "model": e.change.model,
                "stage": e.change.stage,
                "version": e.change.to,
            }
            for name, e in found.delivered
        ],
        "pending": [
            {
                "target": r.target,
                "model": r.model,
                "stage": r.stage,
                "expected": r.expected,
                "found": r.found,
                "state": r.state,
                "detail": r.detail,
            }
            for r in found.pending
        ],
        "errors": dict(sorted(found.errors.items())),
    }


def deliver_only(root: Path, fmt: str) -> int:
    found = delivery.deliver_only(root)
    if fmt == "json":
        typer.echo(json.dumps({"delivery": as_json(found)}, indent=2, sort_keys=True))
    else:
        head = "apply --deliver-only: " + (
            "every deploy target matches the ledger" if found.ok else "delivery pending"
        )
        typer.echo("\n".join([head, *lines(found)]))
    return exit_code(found) or EXIT_OK
