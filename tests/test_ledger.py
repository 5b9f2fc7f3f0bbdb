"""The ledger's canonical form, hash chain, parsing and replay."""

from __future__ import annotations

import json

import pytest
from ledger_drafts import draft as ledger_draft

from modelops_gitops.audit.ledger import (
    GENESIS,
    LedgerEntry,
    PullRequestRef,
    canonical,
    chain,
    parse_ledger,
    serialize,
)
from modelops_gitops.audit.replay import LedgerHistory, differences, replay
from modelops_gitops.errors import InputError


def draft(
    model: str,
    stage: str,
    to: str | None,
    frm: str | None = None,
    time: str = "2026-01-01T00:00:00Z",
) -> LedgerEntry:
    return ledger_draft(model, stage, to, frm, time=time)


def test_canonical_json_sorts_keys_keeps_utf8_and_refuses_floats() -> None:
    assert canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    with pytest.raises(ValueError, match="no floats"):
        canonical({"a": [0.1]})


def test_chain_links_entries_and_each_hash_covers_the_content() -> None:
    entries = chain(
        [], [draft("credit", "staging", "1.0.0"), draft("credit", "production", "1.0.0")]
    )
    assert [e.seq for e in entries] == [1, 2]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert all(e.hash == e.computed_hash() for e in entries)
    more = chain(entries, [draft("credit", "production", "1.1.0", "1.0.0")])
    assert more[0].seq == 3
    assert more[0].prev_hash == entries[1].hash
    edited = entries[0].model_copy(update={"time": "2026-01-02T00:00:00Z"})
    assert edited.computed_hash() != entries[0].hash


def test_serialized_lines_are_canonical_and_parse_back() -> None:
    unicode = PullRequestRef(number=7, title="Promote ünïcode", author="jonas")
    entries = chain([], [draft("credit", "staging", "1.0.0").model_copy(update={"pr": unicode})])
    data = serialize(entries)
    line = data.splitlines()[0]
    assert line == canonical(json.loads(line))
    assert "ünïcode".encode() in line
    assert parse_ledger(data) == entries


def test_an_unreadable_line_is_bad_input_naming_the_line() -> None:
    data = serialize(chain([], [draft("credit", "staging", "1.0.0")])) + b'{"seq": "x"}\n'
    with pytest.raises(InputError) as caught:
        parse_ledger(data)
    assert caught.value.problems[0].line == 2
    assert "audit/ledger.jsonl:2" in str(caught.value)


def test_replay_folds_promotions_and_removals_and_stops_at_a_time() -> None:
    entries = chain(
        [],
        [
            draft("credit", "staging", "1.0.0", time="2026-01-01T00:00:00Z"),
            draft("credit", "production", "1.0.0", time="2026-01-02T00:00:00Z"),
            draft("credit", "staging", "1.1.0", "1.0.0", time="2026-01-03T00:00:00Z"),
            draft("credit", "production", None, "1.0.0", time="2026-01-04T00:00:00Z"),
        ],
    )
    state = replay(entries)
    assert {s: h.version for s, h in state["credit"].items()} == {"staging": "1.1.0"}
    assert state["credit"]["staging"].seq == 3
    earlier = replay(entries, until="2026-01-02T12:00:00Z")
    assert {s: h.version for s, h in earlier["credit"].items()} == {
        "staging": "1.0.0",
        "production": "1.0.0",
    }
    diff = differences(state, {"credit": {"staging": "1.2.0"}, "iris": {"production": "2.0.0"}})
    assert [(d.model, d.stage, d.applied, d.desired) for d in diff] == [
        ("credit", "staging", "1.1.0", "1.2.0"),
        ("iris", "production", None, "2.0.0"),
    ]


def test_ledger_history_lists_holders_oldest_first() -> None:
    entries = chain(
        [],
        [
            draft("credit", "production", "1.0.0", time="2026-01-01T00:00:00Z"),
            draft("credit", "production", "1.1.0", "1.0.0", time="2026-01-05T00:00:00Z"),
        ],
    )
    held = LedgerHistory(entries).holdings("credit", "production")
    assert [h.version for h in held] == ["1.0.0", "1.1.0"]
    assert held[1].since.isoformat() == "2026-01-05T00:00:00+00:00"
    assert LedgerHistory(entries).holdings("credit", "staging") == []
