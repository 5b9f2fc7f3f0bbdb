"""Line and column of a key path in a file of a state, parsing each file with positions once."""

from __future__ import annotations

from modelops_gitops.repo.state import RepoState
from modelops_gitops.repo.yaml_source import Parsed, Path, YamlProblem, parse


class Locator:
    """Looks files up in the head state first, then the base (policies, deleted models)."""

    def __init__(self, *states: RepoState) -> None:
        self._states = states
        self._parsed: dict[str, Parsed | None] = {}

    def position(self, file: str, path: Path) -> tuple[int, int]:
        if file not in self._parsed:
            self._parsed[file] = self._parse(file)
        parsed = self._parsed[file]
        return parsed.position(path) if parsed is not None else (0, 0)

    def _parse(self, file: str) -> Parsed | None:
        for state in self._states:
            if file in state.raw:
                try:
                    return parse(file, state.raw[file], max_bytes=1 << 30, locate=True)
                except YamlProblem:
                    return None
        return None
