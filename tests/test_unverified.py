"""Which entries a failed verify leaves unverified (audit/unverified.py): the first broken
line and everything after it, whatever kind of break names it."""

from __future__ import annotations

from collections.abc import Callable

from modelops_gitops.audit.unverified import first_line
from modelops_gitops.audit.verdict import Break

LEDGER = b"one\ntwo\nthree\nfour\n"


def parents(ledgers: dict[str, bytes]) -> Callable[[str], bytes]:
    return ledgers.__getitem__


def test_a_ledger_line_break_names_its_line() -> None:
    breaks = [Break(3, "edited", "x", 3), Break(4, "report-changed", "y", 4)]
    assert first_line(breaks, LEDGER, parents({})) == 3


def test_a_commit_break_starts_where_the_ledger_left_its_parent() -> None:
    """A rewrite from line 2 by commit c (its parent had one, two, 3): lines 2 on."""
    rewrite = Break(0, "ledger-rewritten", "x", commit="c")
    assert first_line([rewrite], LEDGER, parents({"c": b"one\nTWO\nthree\n"})) == 2
    cut = Break(0, "ledger-cut", "x", commit="d")  # parent had five lines; two were cut,
    after_cut = b"one\ntwo\nthree\nnew\n"  # then "new" appended on the cut chain
    assert first_line([cut], after_cut, parents({"d": LEDGER + b"five\n"})) == 4
    unsigned = Break(0, "unsigned", "x", commit="e")  # appended lines 3-4, unsigned
    assert first_line([unsigned], LEDGER, parents({"e": b"one\ntwo\n"})) == 3


def test_the_earliest_break_wins_and_whole_ledger_breaks_mark_every_entry() -> None:
    breaks = [Break(4, "edited", "x", 4), Break(0, "checkpoint", "cut after the checkpoint")]
    assert first_line(breaks, LEDGER, parents({})) == 1


def test_a_break_no_entry_is_named_by_marks_none() -> None:
    stray = Break(0, "report-not-in-ledger", "x", path="audit/reports/credit/stray.html")
    assert first_line([stray], LEDGER, parents({})) is None
