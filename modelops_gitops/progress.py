"""Edge: progress for long gates — a rich bar on a terminal, a few plain lines in CI logs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from modelops_gitops.console import live_progress

Progress = Callable[[str, int, int], None]
"""`progress(task, done, total)`: called as long work advances; the edge decides to show it."""


def _interactive() -> bool:
    return live_progress(sys.stderr)


@contextmanager
def progress_reporter() -> Iterator[Progress]:
    """`progress(task, done, total)`; on a TTY a live bar, otherwise one line per task at
    start and end (quiet enough for CI logs)."""
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
