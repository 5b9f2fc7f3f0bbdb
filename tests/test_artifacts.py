"""Safe artifact loading: digest before reading, skops' trust list, tree bounds, unsafe formats."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from gate_support import breast_cancer, diabetes, iris, random_forest, sha256
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates import artifacts, sources
from modelops_gitops.kinds.model import Artifact


class Doubler(TransformerMixin, BaseEstimator):
    """A custom transformer: a type skops (and we) do not trust."""

    def fit(self, X: object, y: object = None) -> Doubler:
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X) * 2


def halve(X: np.ndarray) -> np.ndarray:
    return np.asarray(X) / 2


@pytest.fixture(scope="module")
def cancer(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return breast_cancer(tmp_path_factory.mktemp("cancer"))


def save(root: Path, name: str, estimator: object, fmt: str = "skops") -> Artifact:
    path = root / name
    if fmt == "skops":
        sio.dump(estimator, path)
    else:
        import joblib

        joblib.dump(estimator, path)
    return Artifact(path=name, sha256=sha256(path), format=fmt)  # type: ignore[arg-type]


def test_skops_model_loads_and_predicts_like_the_original(cancer) -> None:  # type: ignore[no-untyped-def]
    version = cancer.model().spec.version("1.1.0")
    loaded = artifacts.load_artifact(version.artifact, root=cancer.root)
    frame = cancer.eval_frame()[cancer.features]
    np.testing.assert_array_equal(
        loaded.predict_proba(frame), cancer.fitted["1.1.0"].predict_proba(frame)
    )


def test_random_forest_trees_are_trusted_after_the_bounds_check(cancer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    forest = random_forest(cancer.frames["data/train.parquet"], cancer.features)
    loaded = artifacts.load_artifact(save(tmp_path, "forest.skops", forest), root=tmp_path)
    frame = cancer.eval_frame()[cancer.features]
    np.testing.assert_array_equal(loaded.predict_proba(frame), forest.predict_proba(frame))


def test_tree_with_out_of_range_child_is_refused(cancer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    forest = random_forest(cancer.frames["data/train.parquet"], cancer.features)
    forest.estimators_[3].tree_.children_left[0] = 10**6  # a crafted file's node array
    artifact = save(tmp_path, "crafted.skops", forest)
    with pytest.raises(GateInputError, match="malformed decision tree") as info:
        artifacts.load_artifact(artifact, root=tmp_path)
    assert "crafted.skops" in str(info.value)


def test_tree_with_out_of_range_feature_is_refused(cancer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    forest = random_forest(cancer.frames["data/train.parquet"], cancer.features)
    forest.estimators_[0].tree_.feature[0] = len(cancer.features) + 5
    with pytest.raises(GateInputError, match="split feature is outside"):
        artifacts.load_artifact(save(tmp_path, "crafted.skops", forest), root=tmp_path)


def test_one_changed_byte_is_a_digest_mismatch_naming_both(cancer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(cancer.root, tmp_path / "repo")
    artifact = cancer.model().spec.version("1.1.0").artifact
    path = tmp_path / "repo" / artifact.path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    for check in (artifacts.load_artifact, sources.verify_artifact):
        with pytest.raises(GateInputError) as info:
            check(artifact, root=tmp_path / "repo")
        message = str(info.value)
        assert artifact.path in message
        assert artifact.sha256 in message
        assert sha256(path) in message


@pytest.mark.parametrize(
    ("estimator", "named"),
    [
        (
            make_pipeline(Doubler(), StandardScaler(), LogisticRegression()),
            "test_artifacts.Doubler",
        ),
        (
            make_pipeline(FunctionTransformer(halve), StandardScaler(), LogisticRegression()),
            "test_artifacts.halve",
        ),
    ],
    ids=["custom-class", "custom-function"],
)
def test_untrusted_type_is_refused_and_named(cancer, tmp_path: Path, estimator, named: str) -> None:  # type: ignore[no-untyped-def]
    train = cancer.frames["data/train.parquet"]
    estimator.fit(train[cancer.features].to_numpy(), train["target"])
    artifact = save(tmp_path, "custom.skops", estimator)
    with pytest.raises(GateInputError, match="untrusted type") as info:
        artifacts.load_artifact(artifact, root=tmp_path)
    assert named in str(info.value)
    assert "custom.skops" in str(info.value)
    # the caller (a future policy field) may extend the trust list explicitly
    loaded = artifacts.load_artifact(artifact, root=tmp_path, trusted=[named])
    assert loaded.predict(train[cancer.features].to_numpy()[:5]).shape == (5,)


def test_hist_gradient_boosting_predictors_are_not_trusted_by_default(
    cancer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    train = cancer.frames["data/train.parquet"]
    model = HistGradientBoostingClassifier(max_iter=5, random_state=0)
    artifact = save(tmp_path, "hgb.skops", model.fit(train[cancer.features], train["target"]))
    with pytest.raises(GateInputError, match="TreePredictor"):
        artifacts.load_artifact(artifact, root=tmp_path)


@pytest.mark.parametrize("fmt", ["pickle", "joblib"])
def test_unsafe_formats_need_allow_unsafe(cancer, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    model = cancer.fitted["1.1.0"]
    artifact = save(tmp_path, f"model.{fmt}", model, fmt="joblib")  # joblib files unpickle too
    artifact = artifact.model_copy(update={"format": fmt})
    with pytest.raises(GateInputError, match="allow_unsafe_formats: true") as info:
        artifacts.load_artifact(artifact, root=tmp_path)
    assert f"model.{fmt}" in str(info.value)
    if fmt == "pickle":  # a real pickle file
        import pickle

        (tmp_path / "model.pickle").write_bytes(pickle.dumps(model))
        artifact = artifact.model_copy(update={"sha256": sha256(tmp_path / "model.pickle")})
    loaded = artifacts.load_artifact(artifact, root=tmp_path, allow_unsafe=True)
    frame = cancer.eval_frame()[cancer.features]
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))


def test_onnx_without_onnxruntime_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The optional extra may be installed here: make `import onnxruntime` fail the way it
    # does on a machine without it (a None entry in sys.modules raises ImportError).
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    (tmp_path / "model.onnx").write_bytes(b"not really onnx")
    artifact = Artifact(path="model.onnx", sha256=sha256(tmp_path / "model.onnx"), format="onnx")
    with pytest.raises(GateInputError, match=r"modelops-gitops\[onnx\]"):
        artifacts.load_artifact(artifact, root=tmp_path)


def test_corrupt_skops_and_non_models_are_refused(tmp_path: Path) -> None:
    (tmp_path / "junk.skops").write_bytes(b"PK\x03\x04 not a zip at all")
    junk = Artifact(path="junk.skops", sha256=sha256(tmp_path / "junk.skops"), format="skops")
    with pytest.raises(GateInputError, match="not a readable skops file"):
        artifacts.load_artifact(junk, root=tmp_path)
    scaler = save(tmp_path, "scaler.skops", StandardScaler().fit(np.eye(3)))
    with pytest.raises(GateInputError, match="has no predict"):
        artifacts.load_artifact(scaler, root=tmp_path)


def test_missing_and_escaping_paths_are_refused(tmp_path: Path) -> None:
    missing = Artifact(path="nope.skops", sha256="0" * 64, format="skops")
    with pytest.raises(GateInputError, match="artifact not found"):
        artifacts.load_artifact(missing, root=tmp_path)
    (tmp_path / "outside.skops").write_bytes(b"x")
    (tmp_path / "repo").mkdir()
    link = tmp_path / "repo" / "link.skops"
    link.symlink_to(tmp_path / "outside.skops")
    escaping = Artifact(path="link.skops", sha256=sha256(link), format="skops")
    with pytest.raises(GateInputError, match="escapes the repository root"):
        artifacts.load_artifact(escaping, root=tmp_path / "repo")


@pytest.mark.parametrize("maker", [breast_cancer, iris, diabetes], ids=["binary", "multi", "reg"])
def test_onnx_model_scores_like_the_original(tmp_path: Path, maker) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("onnxruntime")
    skl2onnx = pytest.importorskip("skl2onnx")
    repo = maker(tmp_path)
    version = repo.versions[-1]["version"]
    fitted = repo.fitted[version]
    frame = repo.eval_frame()[list(fitted.feature_names_in_)]
    exported = skl2onnx.to_onnx(fitted, frame.to_numpy(np.float32)[:1])
    (tmp_path / "model.onnx").write_bytes(exported.SerializeToString())
    artifact = Artifact(path="model.onnx", sha256=sha256(tmp_path / "model.onnx"), format="onnx")
    loaded = artifacts.load_artifact(artifact, root=tmp_path)
    if repo.task == "regression":
        np.testing.assert_allclose(loaded.predict(frame), fitted.predict(frame), rtol=1e-4)
        return
    np.testing.assert_allclose(loaded.predict_proba(frame), fitted.predict_proba(frame), atol=1e-5)
    assert list(loaded.classes_) == list(fitted.classes_)
    np.testing.assert_array_equal(loaded.predict(frame), fitted.predict(frame))
