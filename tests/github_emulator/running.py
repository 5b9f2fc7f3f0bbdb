"""A running emulator: its URL, its app (state, faults, log) and a seeder for one repository."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .app import GitHubEmulator
from .faults import Faults
from .seed import Seeder
from .server import serve_in_thread
from .state import GitHubState

REPOSITORY = "acme/models"


@dataclass
class RunningEmulator:
    url: str
    app: GitHubEmulator
    seed: Seeder
    repository: str = REPOSITORY

    @property
    def state(self) -> GitHubState:
        return self.app.state

    @property
    def faults(self) -> Faults:
        return self.app.faults


@contextmanager
def running_emulator(repository: str = REPOSITORY) -> Iterator[RunningEmulator]:
    """Serve a fresh emulator on 127.0.0.1 for the duration of the block."""
    app = GitHubEmulator()
    with serve_in_thread(app) as url:
        yield RunningEmulator(
            url=url, app=app, seed=Seeder(app.state, repository), repository=repository
        )
