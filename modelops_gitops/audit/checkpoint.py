"""Checkpoints: the ledger's head as one line an auditor keeps, and the proof that a later
ledger extends it (as a Certificate Transparency witness keeps signed tree heads).

    modelops-gitops-checkpoint v1 <seq> <entry hash> <commit> <time>

`commit` is the branch commit that last changed the ledger, `time` its committer time. A
signed checkpoint is that line followed by an OpenSSH signature (`ssh-keygen -Y sign`,
namespace `modelops-gitops-checkpoint`) of the line, newline included.

    Checkpoint.line() / parse_checkpoint(text) / parse_pair("SEQ:HASH")
    Checkpoint.status_description()  the line without the commit: a GitHub commit status on
                                     that commit (at most 140 characters, the full hash)
    head_of(ledger bytes) -> (seq, hash) | None
    check_extends(ledger bytes, checkpoint) -> the break, or None
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from modelops_gitops.audit.verdict import Break
from modelops_gitops.errors import InputError

MAGIC = "modelops-gitops-checkpoint"
_LINE = re.compile(
    rf"^{MAGIC} v1 (?P<seq>[1-9][0-9]*) (?P<hash>[0-9a-f]{{64}}) (?P<commit>[0-9a-f]{{40}}) "
    r"(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$"
)
_PAIR = re.compile(r"^(?P<seq>[1-9][0-9]*):(?P<hash>[0-9a-f]{64})$")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    commit: str = ""
    time: str = ""
    signature: str = ""  # the armored SSH signature of line() + "\n" ("" unsigned)

    def line(self) -> str:
        return f"{MAGIC} v1 {self.seq} {self.hash} {self.commit} {self.time}"

    def text(self) -> str:
        return self.line() + "\n" + self.signature

    def status_description(self) -> str:
        """`modelops-gitops-checkpoint v1 SEQ HASH TIME`: the line without its commit, which
        is the commit the status is set on (116 characters + the digits of seq: within
        GitHub's 140 up to a seq of 10^23)."""
        return f"{MAGIC} v1 {self.seq} {self.hash} {self.time}"


def parse_checkpoint(text: str, label: str) -> Checkpoint:
    first, _, rest = text.partition("\n")
    found = _LINE.match(first.strip())
    if found is None:
        raise InputError.at(
            label, f"not a checkpoint line ({MAGIC} v1 SEQ HASH COMMIT TIME)", line=1
        )
    signature = rest.strip()
    if signature and not signature.startswith("-----BEGIN SSH SIGNATURE-----"):
        raise InputError.at(label, "after the checkpoint line: not an SSH signature", line=2)
    return Checkpoint(
        int(found["seq"]),
        found["hash"],
        found["commit"],
        found["time"],
        signature + "\n" if signature else "",
    )


def parse_pair(value: str) -> Checkpoint | None:
    found = _PAIR.match(value.strip())
    return Checkpoint(int(found["seq"]), found["hash"]) if found else None


def head_of(ledger: bytes) -> tuple[int, str] | None:
    """(seq, hash) of the last line (None: an empty ledger or an unreadable last line)."""
    lines = ledger.rstrip(b"\n").rsplit(b"\n", 1)
    last = lines[-1]
    if not last:
        return None
    try:
        data = json.loads(last)
        return int(data["seq"]), str(data["hash"])
    except (ValueError, KeyError, TypeError):
        return None


def check_extends(ledger: bytes, checkpoint: Checkpoint) -> Break | None:
    """Line `seq` of the ledger must carry the checkpoint's hash: with an intact chain (the
    other checks), every entry up to it is then the one the checkpoint saw."""
    lines = ledger.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    kept = f"checkpoint seq {checkpoint.seq} ({checkpoint.hash[:12]})"
    if len(lines) < checkpoint.seq:
        message = (
            f"{kept}: the ledger now has only {len(lines)} entries: it was cut or rewritten "
            "after the checkpoint was taken"
        )
        return Break(0, "checkpoint", message)
    try:
        found = str(json.loads(lines[checkpoint.seq - 1]).get("hash"))
    except (ValueError, AttributeError):
        found = "(unreadable)"
    if found != checkpoint.hash:
        message = (
            f"{kept}: line {checkpoint.seq} now has hash {found[:12]}: the history was "
            "rewritten after the checkpoint was taken"
        )
        return Break(checkpoint.seq, "checkpoint", message, checkpoint.seq)
    return None
