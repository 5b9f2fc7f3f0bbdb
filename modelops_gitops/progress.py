"""Edge: progress for work that can take more than a second -- a rich bar or a live status
line on a terminal, plain lines on stderr elsewhere (CI logs) -- and the detail `--verbose`
adds. Nothing here writes to stdout: a command's output (a JSON document) stays clean.

    step(label)      a phase (a gate, apply, the dashboard): announced once it has run for
                     a second (at once with --verbose), then "label: done (N s)"
    note(text)       detail only --verbose shows (which gates ran, cache hits)
    progress_reporter()  `progress(task, done, total)` for work with a count (drift pieces)

`--quiet` silences all three; the level is set once per process by the CLI.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from modelops_gitops.console import live_progress, verbosity

Progress = Callable[[str, int, int], None]
"""`progress(task, done, total)`: called as long work advances; the edge decides to show it."""


AFTER_SECONDS = 1.0  # a step that ends sooner is never shown (unless --verbose)


def _interactive() -> bool:
    return live_progress(sys.stderr)


def note(text: str) -> None:
    """A line of detail on stderr, shown only with --verbose."""
    if verbosity() == "verbose":
        print(text, file=sys.stderr, flush=True)


@contextmanager
def step(label: str) -> Iterator[None]:
    """Announce `label` if it is still running after AFTER_SECONDS (at once with --verbose):
    on a terminal a live line, cleared when the step ends; elsewhere a plain line, and a
    second one with the duration when it ends."""
    level = verbosity()
    if level == "quiet":
        yield
        return
    live = _interactive()
    started = time.perf_counter()
    lock = threading.Lock()
    state = {"shown": False, "ended": False}

    def announce() -> None:
        with lock:
            if state["ended"]:
                return
            state["shown"] = True
            if live:
                sys.stderr.write(f"\r\x1b[K{label} ...")
                sys.stderr.flush()
            else:
                print(f"{label} ...", file=sys.stderr, flush=True)

    timer: threading.Timer | None = None
    if level == "verbose":
        announce()
    else:
        timer = threading.Timer(AFTER_SECONDS, announce)
        timer.daemon = True
        timer.start()
    ok = False
    try:
        yield
        ok = True
    finally:
        if timer is not None:
            timer.cancel()
        with lock:
            state["ended"] = True
            shown = state["shown"]
        if shown:
            took = f"{label}: {'done' if ok else 'stopped'} ({time.perf_counter() - started:.1f} s)"
            if live:
                sys.stderr.write("\r\x1b[K" + (took + "\n" if level == "verbose" else ""))
                sys.stderr.flush()
            else:
                print(took, file=sys.stderr, flush=True)


@contextmanager
def progress_reporter() -> Iterator[Progress]:
    """`progress(task, done, total)`; on a TTY a live bar, otherwise one line per task at
    start and end (quiet enough for CI logs); nothing with --quiet."""
    if verbosity() == "quiet":

        def silent(task: str, done: int, total: int) -> None:
            return None

        yield silent
        return
    if _interactive():
        from rich.progress import Progress as RichProgress
        from rich.progress import TaskID

        with RichProgress(transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def show(task: str, done: int, total: int) -> None:
                if task not in tasks:
                    tasks[task] = bar.add_task(task, total=total)
                bar.update(tasks[task], completed=done, total=total)

            yield show
        return
    announced: set[str] = set()

    def plain(task: str, done: int, total: int) -> None:
        if task not in announced:
            announced.add(task)
            print(f"{task}: started ({total} steps)", file=sys.stderr)
        if total and done >= total:
            print(f"{task}: done", file=sys.stderr)

    yield plain
