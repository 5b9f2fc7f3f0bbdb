"""Model artifacts: read the pinned bytes, check their sha256, then load them by format, safely.

The bytes are read once, hashed, and the SAME bytes are loaded: nothing can swap the file
between the check and the load. Formats:

    skops    skops' audited loader: every type in the file must be trusted by skops' defaults
             (scikit-learn estimators, numpy, scipy) or by TRUSTED_TYPES below; any other type
             is refused and named. Decision trees are bounds-checked after loading.
    onnx     onnxruntime (optional extra `modelops-gitops[onnx]`, imported only when needed).
    pickle   refused unless the caller passes allow_unsafe=True (a policy's
    joblib   `allow_unsafe_formats: true`): loading them runs arbitrary code.

Every failure is a GateInputError naming the artifact.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import skops.io
from sklearn.base import BaseEstimator
from sklearn.tree._tree import Tree

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.sources import read_verified
from modelops_gitops.kinds.model import SAFE_FORMATS, Artifact, ArtifactFormat

# Types trusted on top of skops' own defaults. Each was reviewed: it holds only arrays and
# numbers, or (Tree) it is validated by `_check_trees` before any prediction runs.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.tree._tree.Tree",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
)
_TREE_LEAF = -1


def load_artifact(
    artifact: Artifact,
    *,
    root: Path | None = None,
    allow_unsafe: bool = False,
    trusted: Sequence[str] = (),
) -> Any:
    """Verify and load a model artifact. `trusted` adds skops types to TRUSTED_TYPES.
    The result has `predict` (and `predict_proba`/`classes_` for most classifiers)."""
    if artifact.format not in SAFE_FORMATS and not allow_unsafe:
        raise GateInputError.at(
            artifact.path,
            f"format {artifact.format!r} is refused: loading it runs arbitrary code "
            "(a policy must set allow_unsafe_formats: true to accept it)",
        )
    data = read_verified(artifact.path, artifact.sha256, root=root)
    model = _LOADERS[artifact.format](data, artifact.path, (*TRUSTED_TYPES, *trusted))
    if not callable(getattr(model, "predict", None)):
        raise GateInputError.at(
            artifact.path, f"not a model: a {type(model).__name__} has no predict()"
        )
    return model


def _load_skops(data: bytes, location: str, trusted: Sequence[str]) -> Any:
    try:
        found = skops.io.get_untrusted_types(data=data)
    except Exception as exc:  # a corrupt zip or schema: skops raises many kinds
        raise GateInputError.at(location, f"not a readable skops file: {exc}") from exc
    refused = sorted(set(found) - set(trusted))
    if refused:
        raise GateInputError.at(
            location,
            f"untrusted type(s) in skops file: {', '.join(refused)} "
            "(only scikit-learn, numpy and scipy types on the trust list load; see docs/gates.md)",
        )
    try:
        model = skops.io.loads(data, trusted=found)
    except Exception as exc:
        raise GateInputError.at(location, f"cannot load skops file: {exc}") from exc
    _check_trees(model, location)
    return model


def _load_pickle(data: bytes, location: str, trusted: Sequence[str]) -> Any:
    try:
        return pickle.loads(data)  # only with allow_unsafe: the policy chose to run its code
    except Exception as exc:
        raise GateInputError.at(location, f"cannot unpickle artifact: {exc}") from exc


def _load_joblib(data: bytes, location: str, trusted: Sequence[str]) -> Any:
    import joblib

    try:
        return joblib.load(io.BytesIO(data))
    except Exception as exc:
        raise GateInputError.at(location, f"cannot load joblib artifact: {exc}") from exc


def _load_onnx(data: bytes, location: str, trusted: Sequence[str]) -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise GateInputError.at(
            location, "onnx artifacts need onnxruntime: pip install 'modelops-gitops[onnx]'"
        ) from exc
    try:
        session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise GateInputError.at(location, f"cannot load onnx model: {exc}") from exc
    outputs = session.get_outputs()
    return (OnnxClassifier if len(outputs) > 1 else OnnxModel)(session)


class OnnxModel:
    """An onnxruntime session behind `predict`. One input takes the feature matrix; several
    inputs (skl2onnx's per-column form) take one column each, and name the features."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._inputs = [(i.name, _ONNX_TYPES.get(i.type, np.float32)) for i in session.get_inputs()]
        if len(self._inputs) > 1:
            self.feature_names_in_ = np.array([name for name, _ in self._inputs], dtype=object)

    def _run(self, features: Any) -> list[Any]:
        matrix = np.asarray(features)
        if len(self._inputs) == 1:
            name, dtype = self._inputs[0]
            feed = {name: matrix.astype(dtype)}
        else:
            feed = {
                name: matrix[:, j].reshape(-1, 1).astype(dtype)
                for j, (name, dtype) in enumerate(self._inputs)
            }
        return list(self._session.run(None, feed))

    def predict(self, features: Any) -> Any:
        return np.asarray(self._run(features)[0]).ravel()


class OnnxClassifier(OnnxModel):
    """A classifier exported with a label and a probability output. With skl2onnx's ZipMap
    (its default) the class of each probability comes from the map's keys; a plain tensor is
    accepted only for integer labels, taken as the classes 0..k-1. Probabilities keep the
    model's float precision. `classes_` is set by the first call."""

    def predict_proba(self, features: Any) -> Any:
        labels, proba = self._run(features)[:2]
        if isinstance(proba, list):  # ZipMap: one {class: probability} per row
            keys = list(proba[0]) if proba else []
            self.classes_ = np.array(keys)
            return np.array([[row[key] for key in keys] for row in proba], dtype=np.float32)
        matrix = np.asarray(proba)
        if np.asarray(labels).dtype.kind not in "iu":
            raise ValueError(
                "a probability tensor without class names: export with ZipMap "
                "(skl2onnx's default) so each probability names its class"
            )
        self.classes_ = np.arange(matrix.shape[1])
        return matrix


_ONNX_TYPES: dict[str, Any] = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(string)": object,
    "tensor(bool)": np.bool_,
}


_LOADERS: dict[ArtifactFormat, Callable[[bytes, str, Sequence[str]], Any]] = {
    "skops": _load_skops,
    "onnx": _load_onnx,
    "pickle": _load_pickle,
    "joblib": _load_joblib,
}


def _objects(root: Any) -> Iterator[Any]:
    """Every object reachable from `root` through attributes, containers and object arrays."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, str | bytes | int | float | bool | type(None)):
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend(obj.ravel().tolist())
        elif hasattr(obj, "__dict__"):
            stack.extend(vars(obj).values())


def _check_trees(model: Any, location: str) -> None:
    """scikit-learn follows a tree's child and feature indices without bounds checks, so a
    crafted file could read out of bounds at predict(). Refuse any tree whose node arrays are
    not a well-formed tree: children after their parent and inside the node array, features
    inside [0, n_features), and n_features equal to the estimator's n_features_in_."""
    for obj in _objects(model):
        if isinstance(obj, Tree):
            problem = _tree_problem(obj)
        elif isinstance(obj, BaseEstimator) and isinstance(vars(obj).get("tree_"), Tree):
            n_in = vars(obj).get("n_features_in_")
            n_tree = vars(obj)["tree_"].n_features
            problem = None if n_in == n_tree else f"tree has {n_tree} features, estimator {n_in}"
        else:
            continue
        if problem:
            raise GateInputError.at(location, f"malformed decision tree in skops file: {problem}")


def _tree_problem(tree: Tree) -> str | None:
    count = int(tree.node_count)
    if not 0 < count <= int(tree.capacity):
        return f"node_count {count} outside (0, capacity {tree.capacity}]"
    left, right, feature = tree.children_left, tree.children_right, tree.feature
    leaf = left == _TREE_LEAF
    if np.any(leaf != (right == _TREE_LEAF)):
        return "a node has exactly one child"
    ids = np.arange(count)
    inner = ~leaf
    for name, child in (("left", left), ("right", right)):
        if np.any((child[inner] <= ids[inner]) | (child[inner] >= count)):
            return f"a {name} child index is out of order or out of range"
    if np.any((feature[inner] < 0) | (feature[inner] >= tree.n_features)):
        return f"a split feature is outside [0, {tree.n_features})"
    return None
