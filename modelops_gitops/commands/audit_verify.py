"""`audit verify`: the ledger, its reports, its history, deploy/ and the artifacts against
the branch, and a kept checkpoint. The checks are imported only when they run: a warm run
on an unchanged work tree prints the verdict it kept (audit/verdict_memo.py)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import typer

from modelops_gitops import git
from modelops_gitops.audit.checkpoint import Checkpoint, check_extends, parse_checkpoint, parse_pair
from modelops_gitops.audit.paths import LEDGER_PATH
from modelops_gitops.audit.verdict import Break, Verdict, ordered
from modelops_gitops.audit.verdict_memo import remembered
from modelops_gitops.errors import EXIT_OK, EXIT_VIOLATION, InputError
from modelops_gitops.repo.workspace import cache_dir

VERIFY_JSON_SCHEMA_VERSION = 1  # of the --format json document; docs/json-output.md lists them


def full_verify(
    root: Path, rev: str | None, *, use_cache: bool = True, kept: Checkpoint | None = None
) -> Verdict:
    """verify_run's checks, deploy/ against the ledger (the deploy targets live on the write
    side), and, given a kept checkpoint, that the ledger extends it."""

    def checked(reports_clean: Callable[[], bool] | None = None) -> Verdict:
        # imported here: a warm run answered by the kept verdict loads none of the checks
        from modelops_gitops.apply.deploy_state import deploy_breaks
        from modelops_gitops.audit.verify_run import run_verify
        from modelops_gitops.audit.verify_source import VerifyCache

        verdict = run_verify(root, rev, use_cache=use_cache, reports_clean=reports_clean)
        cache = VerifyCache(cache_dir(root) if use_cache else None)
        extra = deploy_breaks(root, rev, cache)
        cache.save()
        return replace(verdict, breaks=ordered([*verdict.breaks, *extra])) if extra else verdict

    # the work tree, warm: the kept verdict while nothing it depends on changed
    verdict = remembered(root, checked) if rev is None and use_cache else checked()
    if kept is None:
        return verdict
    extra = checkpoint_breaks(root, rev, kept)
    return replace(verdict, breaks=ordered([*verdict.breaks, *extra])) if extra else verdict


def verify(
    root: Path, rev: str | None, fmt: str, use_cache: bool, checkpoint: str | None = None
) -> int:
    kept = read_checkpoint(checkpoint) if checkpoint else None
    verdict = full_verify(root, rev, use_cache=use_cache, kept=kept)
    text = _verdict_json(verdict) if fmt == "json" else _verdict_text(verdict)
    typer.echo(text, nl=False)
    return EXIT_OK if verdict.intact else EXIT_VIOLATION


def _verdict_text(verdict: Verdict) -> str:
    lines = [str(b) for b in verdict.breaks]
    lines += [f"note: {note}" for note in verdict.notes]
    what = f"{verdict.entries} entries, {verdict.reports} report files ({verdict.label})"
    if verdict.intact:
        lines.append(f"audit verify: intact: {what}; the applied state matches the branch")
    else:
        lines.append(
            f"audit verify: BROKEN: {len(verdict.breaks)} problem(s) in {what}; "
            f"first: {verdict.breaks[0]}"
        )
    return "\n".join(lines) + "\n"


def _verdict_json(verdict: Verdict) -> str:
    body = {
        "schema_version": VERIFY_JSON_SCHEMA_VERSION,
        "intact": verdict.intact,
        "verified": verdict.label,
        "commit": verdict.commit,
        "entries": verdict.entries,
        "report_files": verdict.reports,
        "first": verdict.breaks[0].as_dict() if verdict.breaks else None,
        "problems": [b.as_dict() for b in verdict.breaks],
        "notes": list(verdict.notes),
    }
    return json.dumps(body, indent=2) + "\n"


def read_checkpoint(value: str) -> Checkpoint:
    """--checkpoint SEQ:HASH, or a file `audit checkpoint` wrote."""
    pair = parse_pair(value)
    if pair is not None:
        return pair
    path = Path(value)
    if not path.is_file():
        raise InputError.at(value, "--checkpoint: neither SEQ:HASH nor a checkpoint file")
    return parse_checkpoint(path.read_text(encoding="utf-8", errors="replace"), value)


def _ledger_bytes(root: Path, rev: str | None) -> bytes:
    if rev is None:
        path = root / LEDGER_PATH
        return path.read_bytes() if path.is_file() and not path.is_symlink() else b""
    return git.show_file(root, git.resolve(root, rev), LEDGER_PATH)


def checkpoint_breaks(root: Path, rev: str | None, kept: Checkpoint) -> list[Break]:
    found = check_extends(_ledger_bytes(root, rev), kept)
    breaks = [found] if found is not None else []
    if kept.signature:
        problem = _signature_problem(root, kept)
        if problem:
            breaks.append(Break(0, "checkpoint", f"checkpoint signature: {problem}"))
    return breaks


def _signature_problem(root: Path, kept: Checkpoint) -> str:
    """The signature must be by a signer declared at HEAD (an auditor checks it against
    their own copy of the keys with ssh-keygen: docs/auditors.md)."""
    from modelops_gitops.audit.signers import signers_at

    declared = signers_at(root, git.resolve(root, "HEAD"))
    if isinstance(declared, str) or not declared:
        return "no spec.audit.signers declared at HEAD to check it against"
    with tempfile.TemporaryDirectory(prefix="modelops-checkpoint-") as folder:
        allowed = Path(folder) / "allowed_signers"
        allowed.write_text(
            "".join(
                f'{s.principal} namespaces="{git.CHECKPOINT_NAMESPACE}" {s.key}\n' for s in declared
            ),
            encoding="utf-8",
        )
        signature = Path(folder) / "checkpoint.sig"
        signature.write_text(kept.signature, encoding="utf-8")
        data = (kept.line() + "\n").encode()
        last = ""
        for signer in declared:
            last = git.verify_text(allowed, signer.principal, signature, data)
            if not last:
                return ""
    return f"not a good signature by a declared signer ({last})"
