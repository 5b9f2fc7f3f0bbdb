"""The deploy target test kit (modelops_gitops.testing.deploy_targets) run against the
built-in targets, the example target of docs/deploy-targets.md (taken from the page itself),
and targets that break the contract, which it must catch."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from mlflow_fixtures import MlflowServer

from modelops_gitops.apply.targets import BUILTIN, DeployFile, build
from modelops_gitops.audit.ledger import LedgerEntry
from modelops_gitops.kinds import Model
from modelops_gitops.repo.state import RepoState
from modelops_gitops.testing.deploy_targets import TargetCheckFailed, check_target

DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy-targets.md"
_runs = itertools.count(1)


def test_the_manifest_target_keeps_the_contract(tmp_path: Path) -> None:
    report = check_target(BUILTIN["manifest"], tmp_path)
    assert "step 6: stage.removed kit-model staging -> (removed) converged" in report.text()


def test_the_kserve_target_keeps_the_contract(tmp_path: Path) -> None:
    settings = {"kserve": {"storage_base": "s3://bucket/repo"}}
    report = check_target(BUILTIN["kserve"], tmp_path, settings=settings)
    assert len(report.passed) == 6
    assert not (tmp_path / "deploy/kserve/staging/kit-model.yaml").exists()


def test_the_mlflow_target_keeps_the_contract(tmp_path: Path, mlflow_server: MlflowServer) -> None:
    settings = {"mlflow": {"tracking_uri": mlflow_server.url}}
    report = check_target(
        BUILTIN["mlflow"], tmp_path, model=f"kit-{next(_runs)}", settings=settings
    )
    assert "a delivery that failed half-way is completed by the next run" in report.passed
    assert "a duplicated delivery (and a full replay) changes nothing" in report.passed


def _doc_example() -> type[Any]:
    text = DOC.read_text(encoding="utf-8")
    code = next(
        b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "class FolderRegistry" in b
    )
    scope: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), scope)
    cls: type[Any] = scope["FolderRegistry"]
    return cls


def test_the_documented_example_target_keeps_the_contract(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    registry.mkdir()
    settings = {"plugins": {"folder-registry": {"path": str(registry)}}}
    example = _doc_example()
    report = check_target(lambda state: build(example, state), tmp_path / "repo", settings=settings)
    assert len(report.passed) == 8
    assert (registry / "kit-model" / "production").read_text() == "1.1.0"


class Appending:
    """Breaks rule 1: each delivery registers one more object (a line), so delivering the
    same entry twice leaves two, which observe shows."""

    name = "appending"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.log: list[str] = []

    def files(self, entry: LedgerEntry, model: Model | None) -> list[DeployFile]:
        return []

    def deliver(self, root: Path, entries: Sequence[LedgerEntry]) -> None:
        for entry in entries:
            slot = self.folder / f"{entry.change.model}.{entry.change.stage}"
            with slot.open("a", encoding="utf-8") as handle:
                handle.write(f"{entry.change.to}\n")

    def observe(
        self, root: Path, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str | None]:
        out: dict[tuple[str, str], str | None] = {}
        for model, stage in keys:
            slot = self.folder / f"{model}.{stage}"
            lines = slot.read_text(encoding="utf-8").splitlines() if slot.is_file() else []
            last = lines[-1] if lines and lines[-1] != "None" else None
            twice = len(lines) > 1 and lines[-1] == lines[-2]  # one delivery made two objects
            out[(model, stage)] = f"{last} (registered twice)" if twice else last
        return out


class IgnoresRemoval(Appending):
    name = "ignores-removal"

    def deliver(self, root: Path, entries: Sequence[LedgerEntry]) -> None:
        for entry in entries:
            if entry.change.to is not None:
                (self.folder / f"{entry.change.model}.{entry.change.stage}").write_text(
                    entry.change.to
                )

    def observe(
        self, root: Path, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str | None]:
        out: dict[tuple[str, str], str | None] = {}
        for model, stage in keys:
            slot = self.folder / f"{model}.{stage}"
            out[(model, stage)] = slot.read_text(encoding="utf-8") if slot.is_file() else None
        return out


class Impure:
    name = "impure"

    def __init__(self) -> None:
        self.calls = 0

    def files(self, entry: LedgerEntry, model: Model | None) -> list[DeployFile]:
        self.calls += 1
        return [DeployFile(f"deploy/impure/{entry.change.model}.txt", str(self.calls).encode())]


class Escapes(Impure):
    name = "escapes"

    def files(self, entry: LedgerEntry, model: Model | None) -> list[DeployFile]:
        return [DeployFile("deploy/../.github/workflows/x.yml", b"on: push")]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: Appending(folder), "after a duplicated delivery: the target does not hold"),
        (lambda folder: IgnoresRemoval(folder), "step 6 (stage.removed kit-model staging"),
        (lambda folder: Impure(), "files() is not pure"),
        (lambda folder: Escapes(), "not a path under deploy/"),
    ],
    ids=["appends", "ignores-removal", "impure-files", "writes-outside-deploy"],
)
def test_a_target_that_breaks_the_contract_is_caught(
    tmp_path: Path, make: Any, message: str
) -> None:
    folder = tmp_path / "system"
    folder.mkdir()

    def factory(state: RepoState) -> Any:
        return make(folder)

    with pytest.raises(TargetCheckFailed, match=re.escape(message)):
        check_target(factory, tmp_path / "repo")
