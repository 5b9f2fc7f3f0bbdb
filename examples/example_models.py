"""Estimators, metrics and byte-stable writers (parquet, skops) for the bundled example.

Every model version is a `VersionSpec`: its semver, a description and the training params
recorded in the model YAML. `build()` turns the params into an unfitted scikit-learn
Pipeline, so the YAML provenance and the trained estimator can never disagree.

Byte-stable files:
- parquet: arrow types fixed per column, no pandas index or pandas metadata, one fixed row
  group size, zstd compression, format version 2.6.
- skops: `skops.io.dumps` names array files after `id(obj)`, stores `id(obj)` as `__id__` in
  schema.json and stamps each zip member with the wall clock, so two dumps of the same model
  differ. `canonical_skops` rewrites the archive: ids and file names renumbered in order of
  first appearance (a bijection, so skops' memo links stay intact), every timestamp set to
  1980-01-01, members deflated in their original order. The result loads with skops as before.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ParamValue = str | int | float | bool | None
ROW_GROUP_SIZE = 1024
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class VersionSpec:
    version: str
    description: str
    params: dict[str, ParamValue] = field(default_factory=dict)


def build(params: dict[str, ParamValue], numeric: list[str], categorical: list[str]) -> Pipeline:
    """An unfitted pipeline from the params recorded in the YAML."""
    estimator = params["estimator"]
    if estimator == "LogisticRegression":
        if params.get("categorical") == "one_hot" and categorical:
            prep: Any = ColumnTransformer(
                [
                    ("num", StandardScaler(), numeric),
                    ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                ]
            )
        elif categorical:
            prep = ColumnTransformer([("num", StandardScaler(), numeric)])  # categorical unused
        else:
            prep = StandardScaler()
        clf = LogisticRegression(C=float(params["C"]), max_iter=int(params["max_iter"]))  # type: ignore[arg-type]
        return Pipeline([("prep", prep), ("clf", clf)])
    if estimator == "Ridge":
        return Pipeline([("prep", StandardScaler()), ("reg", Ridge(alpha=float(params["alpha"])))])  # type: ignore[arg-type]
    if estimator == "GradientBoostingClassifier":
        prep = ColumnTransformer(
            [
                ("num", "passthrough", numeric),
                ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ]
        )
        clf = GradientBoostingClassifier(
            n_estimators=int(params["n_estimators"]),  # type: ignore[arg-type]
            learning_rate=float(params["learning_rate"]),  # type: ignore[arg-type]
            max_depth=int(params["max_depth"]),  # type: ignore[arg-type]
            subsample=float(params["subsample"]),  # type: ignore[arg-type]
            random_state=int(params["random_state"]),  # type: ignore[arg-type]
        )
        return Pipeline([("prep", prep), ("clf", clf)])
    raise ValueError(f"unknown estimator {estimator!r}")


def evaluate(
    model: Any, frame: pd.DataFrame, features: list[str], target: str, task: str
) -> dict[str, float]:
    """The metrics the test gate recomputes: scikit-learn on the eval frame, positive label 1,
    hard predictions from `predict`, scores from `predict_proba[:, 1]`."""
    x = frame[features]
    y = frame[target].to_numpy()
    if task == "regression":
        predicted = model.predict(x)
        return {
            "rmse": float(root_mean_squared_error(y, predicted)),
            "mae": float(mean_absolute_error(y, predicted)),
            "r2": float(r2_score(y, predicted)),
        }
    proba = model.predict_proba(x)
    labels = model.predict(x)
    return {
        "roc_auc": float(roc_auc_score(y, proba[:, 1])),
        "accuracy": float(accuracy_score(y, labels)),
        "precision": float(precision_score(y, labels)),
        "recall": float(recall_score(y, labels)),
        "f1": float(f1_score(y, labels)),
        "log_loss": float(log_loss(y, proba)),
    }


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as parquet with fixed types, layout and compression: same frame, same bytes."""
    arrays: dict[str, pa.Array] = {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind == "f":
            arrays[name] = pa.array(column.to_numpy(dtype="float64"), type=pa.float64())
        elif column.dtype.kind in "iu":
            arrays[name] = pa.array(column.to_numpy(dtype="int64"), type=pa.int64())
        else:
            arrays[name] = pa.array([str(v) for v in column], type=pa.string())
    sink = pa.BufferOutputStream()
    pq.write_table(
        pa.table(arrays),
        sink,
        row_group_size=ROW_GROUP_SIZE,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
        store_schema=False,
    )
    return bytes(sink.getvalue().to_pybytes())


def read_parquet(data: bytes) -> pd.DataFrame:
    return pq.read_table(pa.BufferReader(data)).to_pandas()


def canonical_skops(raw: bytes) -> bytes:
    """A skops archive with run-independent ids, member names and timestamps (module doc)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as source:
        members = {name: source.read(name) for name in source.namelist()}
    schema = json.loads(members.pop("schema.json"))
    ids: dict[int, int] = {}
    files: dict[str, str] = {}

    def renumber(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int):
                    node[key] = ids.setdefault(value, len(ids) + 1)
                elif key == "file" and isinstance(value, str) and value in members:
                    suffix = PurePosixPath(value).suffix
                    node[key] = files.setdefault(value, f"{len(files) + 1:06d}{suffix}")
                else:
                    renumber(value)
        elif isinstance(node, list):
            for item in node:
                renumber(item)

    renumber(schema)
    if set(files) != set(members):
        raise ValueError("skops archive holds files its schema does not name")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for old, new in files.items():
            _write_member(target, new, members[old])
        _write_member(target, "schema.json", json.dumps(schema, indent=2).encode())
    return out.getvalue()


def _write_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=9)


def load_skops(data: bytes) -> Any:
    """Load an artifact trusting exactly the types skops reports as untrusted (our own files)."""
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


def selection_rate_gap(labels: np.ndarray, groups: np.ndarray) -> float:
    """Demographic parity difference: max minus min share of positive predictions per group."""
    rates = [float(np.mean(labels[groups == g])) for g in np.unique(groups)]
    return max(rates) - min(rates)
