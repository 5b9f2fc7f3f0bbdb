"""Problems are values: every problem found in the input, with where it is.

A check never stops at the first problem. It collects `Problem`s, and one exit code comes out
of the whole list at the edge (see `cli.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input: `file:line:col: field: message`.

    `line` and `column` are 1-based; 0 means "the file as a whole". `field` is the dotted path
    of the offending key (`spec.versions[2].artifact.sha256`) or "" when none applies.
    """

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in reading order (file, line, column), duplicates dropped."""
    return sorted(set(problems))
