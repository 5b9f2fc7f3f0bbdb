"""Edge: files at many commits through one `git cat-file --batch`, for readers that ask for
thousands of (commit, path) pairs (the history walk re-derives every entry's change from
its merge: two model files per entry). One process and one round trip per file instead of
one `git show` process each.

    BatchHistory(root)   a `LocalHistory` whose show_file() goes through the batch; close it
                         (or use `with`)

Requests are `<full sha>:<path>`: the sha is checked to be 40 hex digits and the path to be
a plain repository path without a newline, so a request cannot be read as anything else.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from types import TracebackType

from modelops_gitops.errors import InputError
from modelops_gitops.git.history import LocalHistory
from modelops_gitops.git.process import cat_file_batch
from modelops_gitops.git.tree import show_file, validate_path

_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class BatchHistory(LocalHistory):
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list, compare=False)

    def show_file(self, commit: str, path: str) -> bytes:
        if not _SHA.match(commit) or "\n" in path:
            return show_file(self.root, commit, path)  # a ref name or an odd path: git show
        validate_path(path)
        proc = self._proc()
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write(f"{commit}:{path}\n".encode())
        proc.stdin.flush()
        header = proc.stdout.readline()
        fields = header.split()
        if len(fields) == 2 and fields[1] == b"missing":
            return b""
        if len(fields) != 3:
            self.close()
            raise InputError(f"git cat-file could not read {path} at {commit[:12]}: {header!r}")
        if fields[1] != b"blob":
            proc.stdout.read(int(fields[2]) + 1)
            return b""  # a folder or submodule where a file was expected: no file
        size = int(fields[2])
        data = proc.stdout.read(size + 1)
        if len(data) != size + 1:
            self.close()
            raise InputError(f"git cat-file stopped while reading {path} at {commit[:12]}")
        return data[:size]

    def _proc(self) -> subprocess.Popen[bytes]:
        if not self._procs:
            self._procs.append(cat_file_batch(self.root))
        return self._procs[0]

    def close(self) -> None:
        while self._procs:
            proc = self._procs.pop()
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> BatchHistory:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
