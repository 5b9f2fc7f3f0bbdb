"""`audit/ledger.jsonl`: the hash-chained record of every stage change `apply` made.

One entry per line, each the canonical JSON of a `LedgerEntry`: keys sorted, UTF-8 (no
`\\u` escapes for non-ASCII), no insignificant whitespace, and no floats (every number in an
entry is an integer; metrics live in the reports, whose sha256 the entry carries), so the
bytes of an entry are a function of its content alone.

    hash(entry) = sha256(canonical JSON of the entry without its "hash" key)
    entry[n].prev_hash = entry[n-1].hash;  entry[1].prev_hash = GENESIS
    entry[n].seq = n

Editing a field breaks that entry's hash; deleting, inserting or reordering a line breaks the
`seq`/`prev_hash` links of the line after. `audit verify` (verify.py) names the first break.
Reports show `prev_hash` (the chain they extend): an entry cannot carry its own hash's
witness in a report whose sha256 the entry itself holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelops_gitops.audit.change_kinds import REPAIRED as REPAIRED
from modelops_gitops.audit.paths import LEDGER_PATH as LEDGER_PATH
from modelops_gitops.audit.paths import REPORTS_DIR as REPORTS_DIR
from modelops_gitops.errors import InputError
from modelops_gitops.problems import Problem

LEDGER_SCHEMA_VERSION = 1
GENESIS = "0" * 64
# stage.adopted: a stage's holder when the repository adopted modelops-gitops (`apply --adopt`
# on an empty ledger), recorded as found, without a reviewed change behind it.
# deploy.repaired: `apply` restored a deploy/ file that had drifted from what the ledger
# implies; the applied state does not change (replay skips it), the entry's `repair` says what
# was found and what was restored.
StageChangeKind = Literal[
    "stage.promoted", "stage.rollback", "stage.removed", "stage.adopted", "deploy.repaired"
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class LedgerChange(_Frozen):
    """What changed in the applied state: `stage` of `model` went from `from` to `to`
    (`to` is None when the stage was removed). `version` is the version concerned: `to`, or
    the removed one."""

    kind: StageChangeKind
    model: str
    stage: str
    version: str
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class PullRequestRef(_Frozen):
    """The reviewed change an entry applies. `number` is None for a merge recorded from a
    local approvals file without a PR number."""

    number: int | None = None
    title: str = ""
    author: str = ""
    head_sha: str = ""


class LedgerApproval(_Frozen):
    login: str
    teams: tuple[str, ...]
    commit: str
    submitted_at: str


class RuleOutcome(_Frozen):
    """Why the change was allowed: one line per rule that governed it."""

    policy: str
    rule: str
    type: str
    result: str
    waiver: str | None = None
    override: str | None = None


class GateSummary(_Frozen):
    gate: str
    rule: str
    status: str
    summary: str


class ReportRef(_Frozen):
    path: str
    sha256: str


class DeployRepair(_Frozen):
    """What `apply` found at `path` (sha256 and the version it named; None: missing) and
    what it restored (sha256; None: the file was removed)."""

    path: str
    found_sha256: str | None
    found_version: str | None = None
    restored_sha256: str | None


class LedgerEntry(_Frozen):
    schema_version: int = LEDGER_SCHEMA_VERSION
    seq: int = Field(ge=1)
    prev_hash: str
    hash: str = ""
    time: str  # the merge commit's committer time, ISO 8601 UTC (`2026-11-25T10:00:00Z`)
    change: LedgerChange
    merge_commit: str
    pr: PullRequestRef
    approvals: tuple[LedgerApproval, ...] = ()
    policy_set_sha256: str
    rules: tuple[RuleOutcome, ...] = ()
    gates: tuple[GateSummary, ...] = ()
    reports: tuple[ReportRef, ...] = ()
    repair: DeployRepair | None = None  # only on deploy.repaired entries; absent otherwise

    def content(self) -> dict[str, Any]:
        """The JSON object the hash covers: everything but `hash` (and no `repair` key on
        the entries that have none, so entries written before it existed keep their hash)."""
        data = self.model_dump(mode="json", by_alias=True)
        data.pop("hash")
        if data.get("repair") is None:
            data.pop("repair", None)
        return data

    def computed_hash(self) -> str:
        return hashlib.sha256(canonical(self.content())).hexdigest()

    def sealed(self) -> LedgerEntry:
        """This entry with its `hash` set."""
        return self.model_copy(update={"hash": self.computed_hash()})

    def line(self) -> bytes:
        """The entry's line in the ledger, newline included."""
        data = self.content()
        data["hash"] = self.hash
        return canonical(data) + b"\n"


def canonical(data: Any) -> bytes:
    """Canonical JSON: sorted keys, compact, UTF-8. Floats are refused: their text is not
    one-to-one with their value across languages."""
    _refuse_floats(data)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _refuse_floats(data: Any) -> None:
    if isinstance(data, float):
        raise ValueError(f"ledger entries hold no floats (got {data!r})")
    if isinstance(data, dict):
        for value in data.values():
            _refuse_floats(value)
    elif isinstance(data, list | tuple):
        for value in data:
            _refuse_floats(value)


@dataclass(frozen=True)
class LedgerLine:
    """One line of the ledger file as read: its number, raw bytes, and the entry (None when
    the line is not a valid entry; `problem` then says why)."""

    number: int
    raw: bytes
    entry: LedgerEntry | None
    problem: str = ""


def read_lines(data: bytes) -> Iterator[LedgerLine]:
    """Every line of a ledger file, parsed, without judging the chain (verify.py does)."""
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            entry = LedgerEntry.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            yield LedgerLine(
                number, raw, None, f"{where}: {first['msg']}" if where else first["msg"]
            )
            continue
        yield LedgerLine(number, raw, entry)


def parse_ledger(data: bytes, label: str = LEDGER_PATH) -> list[LedgerEntry]:
    """The entries of a ledger that must be well-formed (apply, status, history, export):
    any unreadable line is bad input naming its line. Chain checks are verify.py's."""
    entries: list[LedgerEntry] = []
    problems: list[Problem] = []
    for line in read_lines(data):
        if line.entry is None:
            problems.append(Problem(label, line.number, 1, "", line.problem))
        else:
            entries.append(line.entry)
    if problems:
        raise InputError(problems)
    return entries


def chain(entries: Iterable[LedgerEntry], drafts: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """`drafts` appended after `entries`: each given its `seq` and `prev_hash`, then sealed."""
    existing = list(entries)
    prev_hash = existing[-1].hash if existing else GENESIS
    seq = existing[-1].seq if existing else 0
    out: list[LedgerEntry] = []
    for draft in drafts:
        seq += 1
        sealed = draft.model_copy(update={"seq": seq, "prev_hash": prev_hash}).sealed()
        out.append(sealed)
        prev_hash = sealed.hash
    return out


def serialize(entries: Iterable[LedgerEntry]) -> bytes:
    return b"".join(entry.line() for entry in entries)
