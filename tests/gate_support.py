"""Real models and real data for the gate tests: trained here (seeded, small), saved with
skops, pinned by sha256 in a Model document, exactly as a user's repository would hold them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelops_gitops.kinds.model import Model

SHIFT = {"a": 1.0, "b": 0.0, "c": -1.0}  # group a scores higher by construction
WEAK_FEATURES = ["mean_texture", "mean_smoothness", "mean_symmetry"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Repo:
    """A GitOps-style working tree with artifacts and data, and the Model document over it."""

    root: Path
    name: str
    task: str
    target: str
    features: list[str]
    sensitive: list[str] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    fitted: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def write_frame(self, rel: str, frame: pd.DataFrame) -> dict[str, str]:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
        self.frames[rel] = frame
        return {"path": rel, "sha256": sha256(path)}

    def save_model(self, rel: str, estimator: Any, fmt: str = "skops") -> dict[str, str]:
        """Save with skops, or with joblib for the unsafe formats (joblib files unpickle)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "skops":
            sio.dump(estimator, path)
        else:
            import joblib

            joblib.dump(estimator, path)
        return {"path": rel, "sha256": sha256(path), "format": fmt}

    def add_version(
        self,
        version: str,
        estimator: Any,
        *,
        train: str = "data/train.parquet",
        eval: str = "data/eval.parquet",
        metrics: dict[str, float] | None = None,
        fmt: str = "skops",
    ) -> None:
        artifact = self.save_model(f"artifacts/{self.name}/{version}/model.{fmt}", estimator, fmt)
        self.fitted[version] = estimator
        self.versions.append(
            {
                "version": version,
                "artifact": artifact,
                "datasets": {
                    "train": {"path": train, "sha256": sha256(self.root / train)},
                    "eval": {"path": eval, "sha256": sha256(self.root / eval)},
                },
                "metrics": metrics or {},
            }
        )

    def model(self, **spec: Any) -> Model:
        body = {
            "owner": "ml-team",
            "risk_tier": "medium",
            "task": self.task,
            "target": self.target,
            "features": self.features,
            "sensitive_features": self.sensitive,
            "versions": self.versions,
        }
        return Model.model_validate(
            {
                "apiVersion": "modelops-gitops/v1",
                "kind": "Model",
                "metadata": {"name": self.name},
                "spec": body | spec,
            }
        )

    def eval_frame(self) -> pd.DataFrame:
        """The evaluation set as stored (read back from its parquet file)."""
        return pd.read_parquet(self.root / "data" / "eval.parquet")


def _split(root: Path, name: str, task: str, frame: pd.DataFrame, target: str) -> Repo:
    features = [c for c in frame.columns if c != target]
    stratify = frame[target] if task != "regression" else None
    train, test = train_test_split(frame, test_size=0.3, random_state=0, stratify=stratify)
    repo = Repo(root, name, task, target, features)
    repo.write_frame("data/train.parquet", train.reset_index(drop=True))
    repo.write_frame("data/eval.parquet", test.reset_index(drop=True))
    return repo


def breast_cancer(root: Path) -> Repo:
    """Binary: 1.0.0 is a logistic regression on three weak features, 1.1.0 on all 30."""
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.rename(columns=lambda c: c.replace(" ", "_"))
    repo = _split(root, "cancer", "binary_classification", frame, "target")
    train = repo.frames["data/train.parquet"]
    weak = LogisticRegression(max_iter=1000).fit(train[WEAK_FEATURES], train["target"])
    strong = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    strong.fit(train[repo.features], train["target"])
    repo.add_version("1.0.0", weak)
    repo.add_version("1.1.0", strong)
    return repo


def random_forest(train: pd.DataFrame, features: list[str]) -> RandomForestClassifier:
    forest = RandomForestClassifier(n_estimators=15, max_depth=5, random_state=0)
    return forest.fit(train[features], train["target"])


def diabetes(root: Path) -> Repo:
    """Regression: a Ridge on the diabetes data."""
    frame = load_diabetes(as_frame=True).frame
    repo = _split(root, "diabetes", "regression", frame, "target")
    train = repo.frames["data/train.parquet"]
    repo.add_version("1.0.0", Ridge(alpha=1.0).fit(train[repo.features], train["target"]))
    return repo


def iris(root: Path) -> Repo:
    """Multiclass: a logistic regression on iris, with string class labels."""
    data = load_iris(as_frame=True)
    frame = data.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["target"] = np.asarray(data.target_names)[frame["target"]]
    repo = _split(root, "iris", "multiclass_classification", frame, "target")
    train = repo.frames["data/train.parquet"]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    repo.add_version("1.0.0", model.fit(train[repo.features], train["target"]))
    return repo


def population(rows: int, seed: int) -> pd.DataFrame:
    """Synthetic loan applications: `income` is shifted by `group`, so a model of approval
    selects group a more often than b, and b more often than c."""
    rng = np.random.default_rng(seed)
    group = rng.choice(list(SHIFT), size=rows)
    income = rng.normal(size=rows) + np.vectorize(SHIFT.get)(group)
    tenure = rng.normal(size=rows)
    label = (income + 0.5 * tenure + rng.normal(scale=0.8, size=rows) > 0).astype(int)
    return pd.DataFrame({"income": income, "tenure": tenure, "group": group, "approved": label})


def lending_repo(root: Path) -> Repo:
    """Binary with a sensitive column: a logistic regression on income and tenure."""
    repo = Repo(
        root, "lending", "binary_classification", "approved", ["income", "tenure"], ["group"]
    )
    train = population(1500, seed=1)
    repo.write_frame("data/train.parquet", train)
    repo.write_frame("data/eval.parquet", population(900, seed=2))
    repo.add_version("1.0.0", LogisticRegression().fit(train[repo.features], train["approved"]))
    return repo
