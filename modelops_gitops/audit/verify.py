"""`audit verify`, the checks: the ledger's chain, the reports it names, and the replayed
state against the desired one. Pure: the files and git answers come in as values
(verify_source.py reads them).

    check_chain(data)                      -> ChainCheck (breaks, entries, applied state)
    check_reports(entries, found, digests) -> breaks: changed, missing, not regular, unnamed
    check_commits(entries, mainline)       -> breaks: an entry citing a commit not on the branch
    check_drift(differences, intro_of)     -> breaks: unapproved drift, not yet applied

A line is intact when it parses as a LedgerEntry, is canonical JSON, its `hash` is the
sha256 of its content, `seq` is its line number and `prev_hash` the previous line's hash.
The first break is the first line that is not: edited (its content does not match its
hash), deleted (a seq missing), reordered (a seq out of order), re-hashed (the next line
no longer links to it). One problem is reported per line, the most telling one first.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import ValidationError

from modelops_gitops import collector
from modelops_gitops.audit.ledger import GENESIS, REPORTS_DIR, LedgerEntry
from modelops_gitops.audit.provenance import Introduction
from modelops_gitops.audit.replay import AppliedState, Difference, replay
from modelops_gitops.audit.verdict import Break

KINDS = (
    "unreadable",  # not JSON, or not a ledger entry
    "not-canonical",  # the same content, written differently
    "edited",  # content does not match its hash
    "deleted",  # a seq missing
    "reordered",  # a seq out of order
    "duplicated",  # a seq twice
    "relinked",  # prev_hash does not link to the line before
    "truncated",  # the last line has no newline
    "report-changed",
    "report-missing",
    "report-not-regular",
    "report-outside",
    "report-not-in-ledger",
    "unknown-commit",
    "unapproved-drift",
    "not-applied",
    "uncommitted",
    "ledger-deleted",
    "mixed-commit",  # history: a commit changes audit/ or deploy/ and other files
    "ledger-cut",  # history: entries removed by a later commit
    "ledger-rewritten",  # history: the ledger does not extend its parent's
    "apply-without-entry",  # history: audit/ or deploy/ changed without a new entry
    "entry-not-ancestor",  # history: merge_commit not on the mainline before
    "entry-time",  # history: time is not the merge commit's
    "entry-claim",  # history: the merge did not make the claimed change
    "unsigned",  # history: no good signature by a declared signer
    "deploy-drift",  # deploy/ differs from what the ledger implies
    "artifact-changed",  # an artifact's bytes no longer match the pinned sha256
    "checkpoint",  # the ledger does not extend a kept checkpoint
)

# What `apply` itself resolves (a change awaiting apply, a drifted deploy file) or reports
# (a direct push it refuses, a changed artifact): every other kind stops apply.
STATE_KINDS = frozenset(
    {"not-applied", "uncommitted", "unapproved-drift", "deploy-drift", "artifact-changed"}
)


class Chained(NamedTuple):
    """What the later checks need of one readable entry (small: cached for 100,000)."""

    line: int
    seq: int
    merge_commit: str
    reports: tuple[tuple[str, str], ...]  # (path, sha256)


@dataclass
class ChainCheck:
    lines: int
    breaks: list[Break] = field(default_factory=list)
    entries: list[Chained] = field(default_factory=list)
    applied: AppliedState = field(default_factory=dict)


@dataclass(frozen=True)
class ChainSummary:
    """What later runs need of a chain check without its 100,000 entries: cached per
    ledger digest, it makes a warm verify or status independent of the ledger's length."""

    entries: int
    breaks: list[Break]
    applied: AppliedState
    merge_commits: frozenset[str]


def summarize(check: ChainCheck) -> ChainSummary:
    commits = frozenset(e.merge_commit for e in check.entries)
    return ChainSummary(len(check.entries), check.breaks, check.applied, commits)


class _Float(Exception):
    pass


def _no_float(text: str) -> float:
    raise _Float(text)


def _dumps(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class _Line:
    number: int
    entry: LedgerEntry | None
    problem: Break | None  # why the line alone is wrong (unreadable, edited, not canonical)


def _read_line(number: int, raw: bytes) -> _Line:
    """One line judged alone: parses, canonical, hash matches content."""
    try:
        data = json.loads(raw, parse_float=_no_float)
    except _Float as exc:
        return _Line(number, None, Break(number, "unreadable", f"holds a float ({exc})"))
    except ValueError:
        return _Line(number, None, Break(number, "unreadable", "not a JSON object"))
    try:
        entry = LedgerEntry.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = f"not a ledger entry: {where}: {first['msg']}" if where else first["msg"]
        return _Line(number, None, Break(number, "unreadable", message))
    seq = entry.seq
    canonical = _dumps(data) == raw
    if _content_hash(raw, data, canonical) != entry.hash:
        message = "content does not match its hash"
        return _Line(number, entry, Break(number, "edited", message, seq))
    if not canonical:
        message = "not canonical JSON (same content, written differently)"
        return _Line(number, entry, Break(number, "not-canonical", message, seq))
    return _Line(number, entry, None)


def _content_hash(raw: bytes, data: dict[str, Any], canonical: bool) -> str:
    """sha256 of the canonical content without `hash`. For a canonical line that is the
    line with its `,"hash":"..."` member cut out: no second serialization."""
    stored = data.get("hash")
    member = b',"hash":' + _dumps(stored)
    if canonical and raw.count(b'"hash":') == 1 and member in raw:
        return hashlib.sha256(raw.replace(member, b"", 1)).hexdigest()
    content = {k: v for k, v in data.items() if k != "hash"}
    return hashlib.sha256(_dumps(content)).hexdigest()


def check_chain(data: bytes) -> ChainCheck:
    """Every line of the ledger file judged, and the chain between them."""
    raws = data.split(b"\n")
    complete = raws[-1] == b""
    raws = raws[:-1] if complete else raws
    with collector.paused():  # 100,000 entries allocate millions of objects, none cyclic
        lines = [_read_line(n, raw) for n, raw in enumerate(raws, start=1)]
    check = ChainCheck(lines=len(lines))
    where_seq: dict[int, list[int]] = {}
    for line in lines:
        if line.entry is not None:
            where_seq.setdefault(line.entry.seq, []).append(line.number)
    prev_seq, prev_hash = 0, GENESIS
    for line in lines:
        entry = line.entry
        problem = line.problem or (
            _link_problem(line.number, entry, prev_seq, prev_hash, where_seq) if entry else None
        )
        if problem is not None:
            check.breaks.append(problem)
        if entry is None:
            prev_seq, prev_hash = prev_seq + 1, ""
            continue
        prev_seq, prev_hash = entry.seq, entry.hash
        refs = tuple((r.path, r.sha256) for r in entry.reports)
        check.entries.append(Chained(line.number, entry.seq, entry.merge_commit, refs))
    if not complete:
        check.breaks.append(
            Break(len(lines), "truncated", "the last line has no newline (cut short?)")
        )
    check.applied = replay(line.entry for line in lines if line.entry is not None)
    return check


def _link_problem(
    number: int,
    entry: LedgerEntry,
    prev_seq: int,
    prev_hash: str,
    where_seq: Mapping[int, list[int]],
) -> Break | None:
    seq, expected = entry.seq, prev_seq + 1
    if seq > expected:
        gap = range(expected, seq) if seq - expected <= len(where_seq) else sorted(where_seq)
        later = [s for s in gap if expected <= s < seq and max(where_seq.get(s, [0])) > number]
        if later:
            at = min(n for n in where_seq[later[0]] if n > number)
            message = f"seq {seq} comes before seq {later[0]} (line {at}): entries reordered"
            return Break(number, "reordered", message, seq)
        missing = f"seq {expected}" if seq == expected + 1 else f"seqs {expected}-{seq - 1}"
        after = f"after line {number - 1}" if number > 1 else "at the start"
        return Break(number, "deleted", f"{missing} missing: entry deleted {after}", seq)
    if seq < expected:
        first = where_seq[seq][0]
        if first < number:
            message = f"seq {seq} appears again (first at line {first})"
            return Break(number, "duplicated", message, seq)
        message = f"seq {seq} comes after seq {prev_seq}: entries reordered"
        return Break(number, "reordered", message, seq)
    if prev_hash and entry.prev_hash != prev_hash:
        before = f"line {number - 1} (seq {prev_seq})" if number > 1 else "the genesis hash"
        message = (
            f"prev_hash does not link to {before}: that entry was changed and re-hashed, "
            "or an entry between them was removed"
        )
        return Break(number, "relinked", message, seq)
    return None


# --- reports -----------------------------------------------------------------------------

REGULAR = "file"  # what `found` says of a regular file; anything else is named (symlink...)


def check_reports(
    entries: Iterable[Chained], found: Mapping[str, str], digests: Mapping[str, str]
) -> list[Break]:
    """`found`: every path under audit/reports/ -> REGULAR or what else it is; `digests`:
    sha256 of the regular files the entries name."""
    breaks: list[Break] = []
    named: set[str] = set()
    for entry in entries:
        for path, sha256 in entry.reports:
            named.add(path)
            problem = _report_problem(path, sha256, found, digests)
            if problem is not None:
                kind, message = problem
                breaks.append(Break(entry.line, kind, message, entry.seq, path))
    for path in sorted(set(found) - named):
        what = "" if found[path] == REGULAR else f" ({found[path]})"
        message = f"report not in the ledger: {path}{what}"
        breaks.append(Break(0, "report-not-in-ledger", message, path=path))
    return breaks


def _report_problem(
    path: str, sha256: str, found: Mapping[str, str], digests: Mapping[str, str]
) -> tuple[str, str] | None:
    if not is_report_path(path):
        return "report-outside", f"report path {path!r} is not a file under {REPORTS_DIR}/"
    kind = found.get(path)
    if kind is None:
        return "report-missing", f"report {path} is missing"
    if kind != REGULAR:
        return "report-not-regular", f"report {path} is a {kind}, not a regular file"
    if digests.get(path) != sha256:
        return "report-changed", f"report {path} changed: its sha256 is not the ledger's"
    return None


_REPORT_PATH = re.compile(re.escape(REPORTS_DIR) + r"(?:/(?!\.\.?(?:/|$))[^/\\\x00-\x1f\x7f]+)+")


def is_report_path(path: str) -> bool:
    """A plain path under audit/reports/: no empty, '.' or '..' part, no backslash or
    control character."""
    return _REPORT_PATH.fullmatch(path) is not None


def named_reports(entries: Iterable[Chained]) -> set[str]:
    return {path for entry in entries for path, _ in entry.reports if is_report_path(path)}


# --- commits and desired state -------------------------------------------------------------


def check_commits(entries: Iterable[Chained], mainline: set[str]) -> list[Break]:
    """Every entry applies a change merged on the branch: its merge commit must be on the
    branch's first-parent history."""
    return [
        Break(
            e.line,
            "unknown-commit",
            f"merge commit {e.merge_commit[:12] or '(none)'} is not on the branch's "
            "first-parent history",
            e.seq,
        )
        for e in entries
        if e.merge_commit not in mainline
    ]


def check_drift(
    diffs: Iterable[Difference],
    intro_of: Callable[[Difference], Introduction | None],
    files: Mapping[str, str],
) -> list[Break]:
    """Each difference between desired and applied: a merge not applied yet, or a change
    pushed without a reviewed merge. `files`: model -> its file, for the message."""
    breaks = []
    for diff in diffs:
        intro = intro_of(diff)
        path = files.get(diff.model, f"models/{diff.model}/model.yaml")
        what = _what(diff)
        applied = f"applied: {diff.applied}" if diff.applied else "never applied"
        if intro is None:
            kind = "uncommitted"
            message = f"{what}, but no commit on the branch does ({applied})"
        elif intro.is_merge:
            kind = "not-applied"
            message = f"{what}: not yet applied (merged in {intro.commit[:12]}; {applied})"
        else:
            kind = "unapproved-drift"
            message = (
                f"unapproved drift: {intro.commit[:12]} {_verb(diff)} without a reviewed merge "
                f"({applied})"
            )
        breaks.append(Break(0, kind, message, path=path))
    return breaks


def _what(diff: Difference) -> str:
    where = f"{diff.model}/{diff.stage}"
    return f"{where} is {diff.desired}" if diff.desired else f"{where} is removed"


def _verb(diff: Difference) -> str:
    where = f"{diff.model}/{diff.stage}"
    return f"set {where} to {diff.desired}" if diff.desired else f"removed {where}"
