"""The cyclic garbage collector, paused where a loop builds a great many objects and keeps
them (or drops them without cycles): loading 10,000 documents, a 100,000-line ledger, a
cache of parsed YAML. Left running, the collector re-scans the growing heap for cycles that
are not there, again and again (unpickling 70 MB of parsed models: 2.4 s with it, 0.5 s
without). Reference counting still frees everything that is not cyclic."""

from __future__ import annotations

import atexit
import functools
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector as it was after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A command over 10,000 models builds millions of small objects and keeps them to its end
# (cached facts, statuses, output); at the default gen-0 threshold (700) the collector scans
# the growing heap hundreds of times for cycles that are not there (a third of `status`).
COMMAND_THRESHOLDS = (100_000, 50, 100)


@contextmanager
def relaxed() -> Iterator[None]:
    """Collect cycles rarely inside the block (one command); the thresholds as they were
    after it."""
    before = gc.get_threshold()
    gc.set_threshold(*COMMAND_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@functools.cache  # registered once
def skip_exit_scan() -> None:
    """Called once a command's work is done: at exit the objects still alive are frozen, so
    the interpreter frees them by reference counting alone, without a last cycle scan of
    every one (pydantic's classes and schemas after a warm `validate` that checked a file:
    ~25 ms). A process that calls the CLI in-process (the tests) keeps its collector working
    until it exits."""
    atexit.register(gc.freeze)
