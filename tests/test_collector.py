"""The collector is paused or relaxed only inside the block, and left as it was after it,
also when the block raises."""

from __future__ import annotations

import gc

import pytest

from modelops_gitops import collector


def test_paused_inside_and_as_it_was_after() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # nested: the inner block leaves it paused
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()

    def failing() -> None:
        with collector.paused():
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()


def test_relaxed_inside_and_the_thresholds_as_they_were_after() -> None:
    before = gc.get_threshold()
    inside: list[tuple[int, ...]] = []

    def failing() -> None:
        with collector.relaxed():
            inside.append(gc.get_threshold())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing()
    assert inside == [collector.COMMAND_THRESHOLDS]
    assert gc.get_threshold() == before
