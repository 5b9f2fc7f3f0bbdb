"""The exception tree. Every exception the core raises is one of these; `cli.py` maps them
to exit codes in one place, and nothing else escapes to a user.

    ModelOpsError                    any failure the tool understands
     ├── InputError                  bad input or usage: exit 2, names file:line:col and field
     │    ├── GitRefError            a ref that does not exist or is not safe to pass to git
     │    ├── ProviderError          GitHub said no (auth, not found, validation): exit 2
     │    └── GateInputError         an artifact or dataset a gate cannot trust or read
     ├── PolicyViolation             a blocking rule or gate failed: exit 1
     └── ConflictError               the world moved under us (push rejected too often): exit 4

Anything else that escapes is an internal error: exit 4 with a short message, and the
traceback only with `--traceback`.
"""

from __future__ import annotations

from collections.abc import Iterable

from modelops_gitops.problems import Problem, sorted_problems

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_INPUT = 2
EXIT_PENDING = 3
EXIT_INTERNAL = 4


class ModelOpsError(Exception):
    """Base of every error the tool raises on purpose."""

    exit_code = EXIT_INTERNAL


class InputError(ModelOpsError):
    """Bad input or usage. Carries every problem found, each with file, line and field."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(file="", line=0, column=0, field="", message=problems)]
        self.problems = sorted_problems(problems)
        super().__init__("\n".join(_render(p) for p in self.problems))

    @classmethod
    def at(
        cls, file: str, message: str, *, line: int = 0, column: int = 0, field: str = ""
    ) -> InputError:
        return cls([Problem(file=file, line=line, column=column, field=field, message=message)])


def _render(problem: Problem) -> str:
    return problem.message if not problem.file else str(problem)


class GitRefError(InputError):
    """A ref that does not resolve, or that could be read by git as an option."""


class ProviderError(InputError):
    """The code-hosting provider refused a request (auth, not found, validation)."""


class GateInputError(InputError):
    """An artifact or dataset that a gate cannot trust or read: sha256 mismatch, unsafe or
    untrusted format, missing columns, empty data. Inside `plan` it becomes a blocking gate
    error; a standalone `gate` command exits 2 with it."""


class PolicyViolation(ModelOpsError):
    """A blocking policy rule or gate failed."""

    exit_code = EXIT_VIOLATION


class ConflictError(ModelOpsError):
    """A concurrent change kept winning (for example, every push retry was rejected)."""

    exit_code = EXIT_INTERNAL
