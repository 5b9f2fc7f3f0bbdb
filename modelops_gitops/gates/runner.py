"""Run a gate by name: the registry, verified reading, and the result cache.

`GATES` maps a gate's name to its module (see `base.Gate`); a new gate is one module and
one entry here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelops_gitops import __version__
from modelops_gitops.errors import GateInputError, InputError
from modelops_gitops.gates import artifacts, champion, datasets, explainability, fairness, testing
from modelops_gitops.gates.base import Gate, GateRequest, Progress, no_progress
from modelops_gitops.gates.cache import ResultCache
from modelops_gitops.gates.drift import gate as drift_gate
from modelops_gitops.gates.result import GateName, GateResult, JsonCell
from modelops_gitops.kinds.model import Artifact, Pinned

if TYPE_CHECKING:
    import pandas as pd

GATES: dict[str, Gate] = {
    testing.NAME: testing,
    champion.NAME: champion,
    fairness.NAME: fairness,
    drift_gate.NAME: drift_gate,
    explainability.NAME: explainability,
}
Loader = Callable[..., Any]
"""`loader(artifact, *, root, allow_unsafe, trusted)`: `artifacts.load_artifact` or a wrapper."""

_LIBRARIES = (
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "skops",
    "fairlearn",
    "pyarrow",
    "onnxruntime",
    "matplotlib",
)


def library_versions() -> dict[str, str]:
    versions = {"modelops-gitops": __version__}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


class VerifiedIO:
    """The `GateIO` of one run: every artifact and dataset is sha256-checked before it is
    read, and each artifact is loaded once however many gates ask for it."""

    def __init__(
        self,
        root: Path,
        *,
        allow_unsafe: bool = False,
        trusted: Sequence[str] = (),
        loader: Loader = artifacts.load_artifact,
        progress: Progress = no_progress,
    ) -> None:
        self.root = root
        self.allow_unsafe = allow_unsafe
        self.trusted = tuple(trusted)
        self.loader = loader
        self.progress = progress
        self._models: dict[tuple[str, str], Any] = {}
        self._verified: set[tuple[str, str]] = set()

    def model(self, artifact: Artifact) -> Any:
        key = (artifact.sha256, artifact.format)
        if key not in self._models:
            self._models[key] = self.loader(
                artifact, root=self.root, allow_unsafe=self.allow_unsafe, trusted=self.trusted
            )
        return self._models[key]

    def frame(self, dataset: Pinned, columns: Sequence[str]) -> pd.DataFrame:
        if (dataset.path, dataset.sha256) not in self._verified:
            datasets.verify(dataset.path, dataset.sha256, root=self.root)
            self._verified.add((dataset.path, dataset.sha256))
        return datasets.read_frame(dataset.path, root=self.root, columns=list(columns))


def cache_material(gate: Gate, request: GateRequest) -> dict[str, Any]:
    """Everything a gate's result depends on, as JSON. Files enter by their pinned digest:
    the result is about that content, and a hit re-checks the files still match it."""
    spec, version = request.model.spec, request.version
    return {
        "gate": gate.NAME,
        "gate_version": gate.VERSION,
        "libraries": library_versions(),
        "pins": [pin.model_dump(mode="json") for pin in gate.pins(request)],
        "rule": request.rule.model_dump(mode="json", exclude={"id", "enforcement", "description"}),
        "spec": spec.model_dump(
            mode="json", include={"task", "target", "features", "sensitive_features"}
        ),
        "version": version.version,
        "claimed": version.metrics,
        "champion": request.champion.version if request.champion else None,
        "stage": request.stage,
        "allow_unsafe": request.allow_unsafe,
        "trusted_types": sorted(request.trusted_types),
    }


def run_gate(
    name: str,
    request: GateRequest,
    *,
    cache: ResultCache | None = None,
    io: VerifiedIO | None = None,
    capture_errors: bool = False,
) -> GateResult:
    """Run one gate. With `cache`, an unchanged request returns the stored result (after
    re-checking the pinned files' digests) without loading anything. With `capture_errors`,
    a GateInputError becomes an "error" result (what `plan` wants) instead of raising.
    Warnings the active filters let through are recorded in `tables["warnings"]`, not
    printed (filters that turn warnings into errors, as the test suite's, still apply)."""
    gate = GATES.get(name)
    if gate is None:
        raise InputError(f"unknown gate {name!r} (known: {', '.join(GATES)})")
    io = io or VerifiedIO(
        request.root, allow_unsafe=request.allow_unsafe, trusted=request.trusted_types
    )
    try:
        material = cache_material(gate, request) if cache else {}
        if cache and (hit := cache.get(gate.NAME, material)) is not None:
            _verify_pins(gate.pins(request), request.root)
            return hit
        with warnings.catch_warnings(record=True) as caught:
            result = gate.run(request, io)
    except GateInputError as exc:
        if not capture_errors:
            raise
        return error_result(gate.NAME, exc)
    update: dict[str, Any] = {"inputs": {pin.path: pin.sha256 for pin in gate.pins(request)}}
    if caught:
        update["tables"] = result.tables | {"warnings": _warning_rows(caught)}
    result = result.model_copy(update=update)
    if cache:
        cache.put(gate.NAME, material, result)
    return result


def error_result(gate: GateName, exc: GateInputError) -> GateResult:
    """A gate that could not run, with the reason (naming the file) as its summary."""
    return GateResult(gate=gate, status="error", summary=str(exc))


def _warning_rows(caught: list[warnings.WarningMessage]) -> list[dict[str, JsonCell]]:
    """Warnings raised while the gate ran (e.g. an artifact saved with another scikit-learn
    version), kept with the result instead of printed; each distinct one once."""
    seen = dict.fromkeys((w.category.__name__, str(w.message).split("\n")[0]) for w in caught)
    return [{"category": category, "message": message} for category, message in seen]


def _verify_pins(pins: Sequence[Pinned], root: Path) -> None:
    for pin in pins:
        if isinstance(pin, Artifact):
            artifacts.verify(pin, root=root)
        else:
            datasets.verify(pin.path, pin.sha256, root=root)
