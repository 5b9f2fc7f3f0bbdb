"""A test kit for deploy target authors: drive a target through the life of one model and
check that it converges, the way `apply` drives it.

    from modelops_gitops.testing.deploy_targets import check_target

    def test_my_target_keeps_the_contract(tmp_path):
        report = check_target(MyTarget.from_state, tmp_path, settings={"my": {...}})
        assert report.ok, report.text()

`check_target(factory, root)` builds a scratch repository in `root` (one model, `model`, with
versions 1.0.0 and 1.1.0 whose artifacts are real files pinned by sha256), builds the target
with `factory(state)` and replays, one apply at a time:

    promote staging 1.0.0, production 1.0.0, staging 1.1.0, production 1.1.0,
    roll production back to 1.0.0, remove staging

After each step it writes the step's `files()` under deploy/ (as the apply commit would),
converges with apply's own loop (apply/delivery.py), and checks: `files()` is pure (the same
bytes twice, paths under deploy/), and, for a target that can `observe()`, that it holds what
the ledger says for every (model, stage). Then it checks the failure rules: a delivery that
fails half-way (the first entry handed over, then an error) is completed by the next run; a
delivery repeated (the same entries again, then the whole ledger replayed) changes nothing.
Each check is a line of the report; the first failure stops the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelops_gitops.apply import delivery
from modelops_gitops.apply.targets import Deliverer, DeployTarget, Observer
from modelops_gitops.audit.ledger import LedgerChange, LedgerEntry, PullRequestRef, chain
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.files import write_atomic
from modelops_gitops.kinds import Model, Repository
from modelops_gitops.repo.state import RepoState

STEPS: tuple[tuple[str, str, str | None], ...] = (
    ("staging", "stage.promoted", "1.0.0"),
    ("production", "stage.promoted", "1.0.0"),
    ("staging", "stage.promoted", "1.1.0"),
    ("production", "stage.promoted", "1.1.0"),
    ("production", "stage.rollback", "1.0.0"),
    ("staging", "stage.removed", None),
)


class TargetCheckFailed(AssertionError):
    """The target broke the contract; the message says at which step and how."""


@dataclass
class Report:
    target: str
    passed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.passed)

    def text(self) -> str:
        return "\n".join([f"deploy target {self.target}:", *(f"  ok  {p}" for p in self.passed)])


def check_target(
    factory: Callable[[RepoState], DeployTarget],
    root: Path,
    *,
    model: str = "kit-model",
    settings: Mapping[str, Any] | None = None,
) -> Report:
    """Run every check; raises TargetCheckFailed on the first broken rule."""
    state = scratch(root, model, settings or {})
    target = factory(state)
    report = Report(str(getattr(target, "name", type(target).__name__)))
    ledger: list[LedgerEntry] = []
    for number, (stage, kind, version) in enumerate(STEPS, start=1):
        entry = chain(ledger, [_draft(model, stage, kind, version, ledger, number)])[0]
        ledger.append(entry)
        _write_files(root, target, entry, state)
        _converge(root, target, ledger, [entry], f"step {number} ({_say(entry)})")
        report.passed.append(f"step {number}: {_say(entry)} converged")
    if isinstance(target, Deliverer) and isinstance(target, Observer):
        _half_way(root, target, ledger, model)
        report.passed.append("a delivery that failed half-way is completed by the next run")
        latest = list(delivery.wanted(ledger).values())
        target.deliver(root, latest)
        _converged(root, target, ledger, "after a duplicated delivery")
        target.deliver(root, ledger)  # the whole history replayed, in order
        _converged(root, target, ledger, "after the whole ledger was delivered again")
        report.passed.append("a duplicated delivery (and a full replay) changes nothing")
    return report


def scratch(root: Path, model: str, settings: Mapping[str, Any]) -> RepoState:
    """The kit's repository: two versions of `model`, artifacts written under `root`."""
    versions = []
    for version in ("1.0.0", "1.1.0"):
        path = f"artifacts/{model}/{version}/model.bin"
        data = f"{model} {version}: a model artifact for the deploy target kit\n".encode()
        write_atomic(root / path, data)
        pin = {"path": f"data/{model}/eval.parquet", "sha256": "0" * 64}
        versions.append(
            {
                "version": version,
                "artifact": {"path": path, "sha256": sha256_bytes(data), "format": "skops"},
                "datasets": {"train": pin, "eval": pin},
            }
        )
    spec = {
        "owner": "kit",
        "risk_tier": "low",
        "description": "The deploy target kit's model.",
        "task": "binary_classification",
        "target": "y",
        "features": ["x"],
        "card": {"intended_use": "Testing deploy targets.", "limitations": "None."},
        "versions": versions,
    }
    head = {"apiVersion": "modelops-gitops/v1", "metadata": {"name": model}}
    built = Model.model_validate({**head, "kind": "Model", "spec": spec})
    repository = Repository.model_validate(
        {
            "apiVersion": "modelops-gitops/v1",
            "kind": "Repository",
            "metadata": {"name": "kit"},
            "spec": {"deploy": dict(settings)},
        }
    )
    return RepoState(label="kit", settings=repository, models={model: built})


def _draft(
    model: str, stage: str, kind: str, to: str | None, ledger: Sequence[LedgerEntry], n: int
) -> LedgerEntry:
    before = delivery.wanted(ledger).get((model, stage))
    was = before.change.to if before is not None else None
    change = LedgerChange.model_validate(
        {"kind": kind, "model": model, "stage": stage, "version": to or was, "from": was, "to": to}
    )
    return LedgerEntry(
        seq=1,
        prev_hash="",
        time=f"2026-01-0{n}T10:00:00Z",
        change=change,
        merge_commit=f"{n:040x}",
        pr=PullRequestRef(number=n, title=f"kit step {n}"),
        policy_set_sha256="0" * 64,
    )


def _write_files(root: Path, target: DeployTarget, entry: LedgerEntry, state: RepoState) -> None:
    model = state.models.get(entry.change.model)
    first, second = target.files(entry, model), target.files(entry, model)
    if first != second:
        raise TargetCheckFailed(f"files() is not pure: two calls for {_say(entry)} differ")
    for file in first:
        parts = file.path.split("/")
        if len(parts) < 2 or parts[0] != "deploy" or any(p in ("", ".", "..") for p in parts):
            raise TargetCheckFailed(f"files() returned {file.path!r}: not a path under deploy/")
        if file.data is None:
            (root / file.path).unlink(missing_ok=True)
        else:
            write_atomic(root / file.path, file.data)


def _converge(
    root: Path, target: DeployTarget, ledger: list[LedgerEntry], new: list[LedgerEntry], when: str
) -> None:
    found = delivery.converge(root, [target], ledger, new, sleep=lambda attempt: None)
    if not found.ok:
        rows = "; ".join(r.describe() for r in found.pending)
        raise TargetCheckFailed(f"{when}: delivery did not converge: {rows} {found.errors}")
    _converged(root, target, ledger, when)


def _converged(root: Path, target: DeployTarget, ledger: list[LedgerEntry], when: str) -> None:
    if not isinstance(target, Observer):
        return
    want = delivery.wanted(ledger)
    rows = delivery.compare(
        getattr(target, "name", "target"), want, target.observe(root, sorted(want))
    )
    wrong = [row.describe() for row in rows if row.state != delivery.IN_SYNC]
    if wrong:
        raise TargetCheckFailed(f"{when}: the target does not hold what the ledger says: {wrong}")


class _HalfWay:
    """The target, failing once after handing over the first entry of a delivery."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.name = target.name
        self.failed = False

    def files(self, entry: LedgerEntry, model: Model | None) -> list[Any]:
        return list(self.target.files(entry, model))

    def observe(
        self, root: Path, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str | None]:
        found: dict[tuple[str, str], str | None] = self.target.observe(root, keys)
        return found

    def deliver(self, root: Path, entries: Sequence[LedgerEntry]) -> None:
        if not self.failed and len(entries) > 1:
            self.target.deliver(root, entries[:1])
            self.failed = True
            raise ConnectionError("the kit cut the delivery after its first entry")
        self.target.deliver(root, entries)


def _half_way(root: Path, target: Any, ledger: list[LedgerEntry], model: str) -> None:
    """Both stages moved by one delivery, cut after the first: the retry completes it."""
    stages = [("staging", "stage.promoted", "1.1.0"), ("production", "stage.promoted", "1.1.0")]
    for stage, kind, version in stages:
        ledger.append(chain(ledger, [_draft(model, stage, kind, version, ledger, 8)])[0])
    cut = _HalfWay(target)
    found = delivery.converge(root, [cut], ledger, attempts=1, sleep=lambda attempt: None)
    if found.ok or not cut.failed:
        raise TargetCheckFailed("the kit could not cut a delivery half-way (2 entries expected)")
    _converge(root, cut, ledger, [], "the run after a delivery cut half-way")


def _say(entry: LedgerEntry) -> str:
    change = entry.change
    return f"{change.kind} {change.model} {change.stage} -> {change.to or '(removed)'}"
