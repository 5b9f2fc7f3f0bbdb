"""Build the bundled example GitOps repository: data, trained artifacts and every YAML file.

    .venv/bin/python examples/build_example.py            # (re)write the example at the project root
    .venv/bin/python examples/build_example.py --check    # exit 1 if any file would change
    .venv/bin/python examples/build_example.py --root DIR # write it somewhere else

Deterministic: seeded data, seeded estimators, byte-stable parquet and skops writers (see
example_models.py), YAML written as text. Running it twice gives identical bytes, and a file
whose bytes are unchanged is not rewritten. Identical bytes need the same versions of numpy,
scikit-learn, pyarrow and skops (the parquet footer names the pyarrow version, the YAML the
scikit-learn version).

The script also checks what the example promises and fails loudly if a change breaks it:
credit 1.2.0 beats 1.1.0 on roc_auc by >= 0.01, its demographic parity difference by sex is
<= 0.1, each artifact reproduces its claimed metrics after a round trip through the file, and
the drifted features of data/credit/current.parquet are exactly income and region.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import skops.io as sio
from example_data import (
    CREDIT_CATEGORICAL,
    CREDIT_DRIFTED,
    CREDIT_FEATURES,
    CREDIT_NUMERIC,
    CREDIT_SENSITIVE,
    CREDIT_TARGET,
    breast_cancer,
    credit,
    diabetes,
)
from example_models import (
    VersionSpec,
    build,
    canonical_skops,
    evaluate,
    load_skops,
    parquet_bytes,
    read_parquet,
    selection_rate_gap,
)
from example_policies import documents
from example_yaml import ModelDoc, PinnedFile, VersionDoc, model_yaml
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = f"scikit-learn {sklearn.__version__}"
MIN_AUC_GAIN = 0.01
MAX_DPD = 0.1
DRIFT_THRESHOLD = 0.1


class Build:
    """Collects path -> bytes for every output file; nothing touches the disk until `write`."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.report: list[str] = []

    def pin(self, path: str, data: bytes) -> PinnedFile:
        self.files[path] = data
        return PinnedFile(path, hashlib.sha256(data).hexdigest())

    def versions(
        self,
        model: str,
        specs: list[VersionSpec],
        train: PinnedFile,
        evaluation: PinnedFile,
        columns: tuple[list[str], list[str], list[str], str, str],
    ) -> tuple[list[VersionDoc], dict[str, object]]:
        """Train, save and score every version; the metrics come from the SAVED artifact."""
        features, numeric, categorical, target, task = columns
        train_frame = read_parquet(self.files[train.path])
        eval_frame = read_parquet(self.files[evaluation.path])
        docs: list[VersionDoc] = []
        fitted: dict[str, object] = {}
        for spec in specs:
            estimator = build(spec.params, numeric, categorical)
            estimator.fit(train_frame[features], train_frame[target])
            data = canonical_skops(sio.dumps(estimator))
            loaded = load_skops(data)
            metrics = evaluate(loaded, eval_frame, features, target, task)
            if metrics != evaluate(estimator, eval_frame, features, target, task):
                raise SystemExit(f"{model} {spec.version}: the saved artifact scores differently")
            artifact = self.pin(f"artifacts/{model}/{spec.version}.skops", data)
            params = {**spec.params, "library": LIBRARY}
            docs.append(
                VersionDoc(
                    spec.version,
                    spec.description,
                    artifact,
                    len(data),
                    train,
                    evaluation,
                    params,
                    metrics,
                )
            )
            fitted[spec.version] = loaded
            self.report.append(f"{model} {spec.version}: {metrics}")
        return docs, fitted


def drift_scores(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[str]
) -> dict[str, tuple[str, float]]:
    """Evidently's default per-column tests for a reference of more than 1,000 rows:
    numerical columns with more than 5 values -> Wasserstein distance / std(reference);
    categorical (and numerical with <= 5 values) -> Jensen-Shannon distance (natural log)
    of the category shares, empty bins set to 0.0001. Drift when the score >= 0.1."""
    scores: dict[str, tuple[str, float]] = {}
    for column in columns:
        ref, cur = reference[column], current[column]
        n_values = pd.concat([ref, cur]).nunique()
        if ref.dtype.kind in "iuf" and n_values > 5:
            norm = max(float(np.std(ref.to_numpy(dtype=float))), 0.001)
            score = (
                wasserstein_distance(ref.to_numpy(dtype=float), cur.to_numpy(dtype=float)) / norm
            )
            scores[column] = ("wasserstein", float(score))
        else:
            keys = sorted(set(ref.astype(str)) | set(cur.astype(str)))
            ref_share = ref.astype(str).value_counts().reindex(keys, fill_value=0).to_numpy() / len(
                ref
            )
            cur_share = cur.astype(str).value_counts().reindex(keys, fill_value=0).to_numpy() / len(
                cur
            )
            ref_share[ref_share == 0] = 0.0001
            cur_share[cur_share == 0] = 0.0001
            scores[column] = ("jensenshannon", float(jensenshannon(ref_share, cur_share)))
    return scores


def build_breast_cancer(out: Build) -> ModelDoc:
    (train, evaluation), features, target = breast_cancer()
    train_pin = out.pin("data/breast-cancer/train.parquet", parquet_bytes(train))
    eval_pin = out.pin("data/breast-cancer/eval.parquet", parquet_bytes(evaluation))
    lr = {"estimator": "LogisticRegression", "scaler": "StandardScaler", "max_iter": 1000}
    specs = [
        VersionSpec(
            "1.0.0", "Strongly regularised logistic regression (C=0.05).", {**lr, "C": 0.05}
        ),
        VersionSpec(
            "1.1.0",
            "Logistic regression retrained with weaker regularisation (C=1.0).",
            {**lr, "C": 1.0},
        ),
    ]
    versions, _ = out.versions(
        "breast-cancer",
        specs,
        train_pin,
        eval_pin,
        (features, features, [], target, "binary_classification"),
    )
    return ModelDoc(
        name="breast-cancer",
        owner="ml-platform",
        risk_tier="medium",
        labels={"domain": "health", "dataset": "sklearn-breast-cancer"},
        description=(
            "Flags fine-needle aspirate samples as malignant from 30 nucleus measurements "
            "(Wisconsin diagnostic breast cancer data bundled with scikit-learn). A research "
            "model: its card is still missing `limitations`, which policies/"
            "waiver-breast-cancer-documentation.yaml waives until 2027-03-31."
        ),
        task="binary_classification",
        target=target,
        features=features,
        card={
            "intended_use": "Research triage aid to rank samples for a pathologist's review. Never a diagnosis.",
            "training_data": "80% of the 569 samples of scikit-learn's load_breast_cancer, stratified by diagnosis.",
            "evaluation_data": "The other 20% (114 samples), data/breast-cancer/eval.parquet.",
            "contact": "ml-platform (#ml-platform on chat)",
        },
        versions=versions,
        stages={"staging": "1.1.0", "production": "1.0.0"},
        stages_comment=["Desired stages. 1.1.0 is in staging, a candidate for production."],
    )


def build_diabetes(out: Build) -> ModelDoc:
    (train, evaluation), features, target = diabetes()
    train_pin = out.pin("data/diabetes/train.parquet", parquet_bytes(train))
    eval_pin = out.pin("data/diabetes/eval.parquet", parquet_bytes(evaluation))
    specs = [
        VersionSpec(
            "1.0.0",
            "Ridge regression on standardised features.",
            {"estimator": "Ridge", "scaler": "StandardScaler", "alpha": 1.0},
        )
    ]
    versions, _ = out.versions(
        "diabetes", specs, train_pin, eval_pin, (features, features, [], target, "regression")
    )
    return ModelDoc(
        name="diabetes",
        owner="ml-platform",
        risk_tier="low",
        labels={"domain": "health", "dataset": "sklearn-diabetes"},
        description=(
            "Predicts a quantitative measure of diabetes progression one year after baseline "
            "from age, sex, BMI, blood pressure and six blood serum measurements (scikit-learn's "
            "load_diabetes, unscaled)."
        ),
        task="regression",
        target=target,
        features=features,
        card={
            "intended_use": "Capacity planning for follow-up appointments in aggregate, not individual care decisions.",
            "limitations": "442 patients from one study; wide error (see rmse); not validated on other populations.",
            "training_data": "80% of scikit-learn's load_diabetes (353 patients).",
            "evaluation_data": "The other 20% (89 patients), data/diabetes/eval.parquet.",
            "contact": "ml-platform (#ml-platform on chat)",
        },
        versions=versions,
        stages={"production": "1.0.0"},
        stages_comment=["Desired stages."],
    )


def build_credit(out: Build) -> tuple[ModelDoc, dict[str, str]]:
    train, evaluation, current = credit()
    train_pin = out.pin("data/credit/train.parquet", parquet_bytes(train))
    eval_pin = out.pin("data/credit/eval.parquet", parquet_bytes(evaluation))
    current_pin = out.pin("data/credit/current.parquet", parquet_bytes(current))
    lr = {"estimator": "LogisticRegression", "scaler": "StandardScaler", "C": 1.0, "max_iter": 1000}
    gb = {
        "estimator": "GradientBoostingClassifier",
        "categorical": "one_hot",
        "n_estimators": 100,
        "learning_rate": 0.1,
        "max_depth": 3,
        "subsample": 0.8,
        "random_state": 0,
    }
    specs = [
        VersionSpec(
            "1.0.0",
            "Logistic regression on the five numeric features only.",
            {**lr, "categorical": "unused"},
        ),
        VersionSpec(
            "1.1.0",
            "Logistic regression; employment_type and region one-hot encoded.",
            {**lr, "categorical": "one_hot"},
        ),
        VersionSpec(
            "1.2.0",
            "Gradient-boosted trees: captures the income x debt and history x employment interactions.",
            gb,
        ),
    ]
    columns = (
        CREDIT_FEATURES,
        CREDIT_NUMERIC,
        CREDIT_CATEGORICAL,
        CREDIT_TARGET,
        "binary_classification",
    )
    versions, fitted = out.versions("credit", specs, train_pin, eval_pin, columns)
    metrics = {v.version: v.metrics for v in versions}
    gain = metrics["1.2.0"]["roc_auc"] - metrics["1.1.0"]["roc_auc"]
    eval_frame = read_parquet(out.files[eval_pin.path])
    labels = fitted["1.2.0"].predict(eval_frame[CREDIT_FEATURES])  # type: ignore[attr-defined]
    dpd = selection_rate_gap(np.asarray(labels), eval_frame[CREDIT_SENSITIVE].to_numpy())
    scores = drift_scores(
        read_parquet(out.files[train_pin.path]),
        read_parquet(out.files[current_pin.path]),
        CREDIT_FEATURES,
    )
    drifted = [c for c, (_, s) in scores.items() if s >= DRIFT_THRESHOLD]
    out.report.append(f"credit 1.2.0 - 1.1.0 roc_auc: {gain!r}; 1.2.0 DPD by sex: {dpd!r}")
    out.report += [f"drift {c}: {t} {s!r}" for c, (t, s) in scores.items()]
    if gain < MIN_AUC_GAIN or dpd > MAX_DPD or tuple(drifted) != CREDIT_DRIFTED:
        raise SystemExit(f"credit example broken: gain {gain}, dpd {dpd}, drifted {drifted}")
    score_text = ", ".join(f"{c} {scores[c][1]:.3f}" for c in drifted)
    share = f"{len(drifted) / len(CREDIT_FEATURES):.2f}"
    doc = ModelDoc(
        name="credit",
        owner="credit-risk",
        risk_tier="high",
        labels={"domain": "lending", "regulation": "eu-ai-act-annex-iii"},
        comment=[
            "A synthetic consumer-credit approval model (examples/example_data.py). Version 1.2.0",
            "sits in staging, ready for production: it beats 1.1.0 on roc_auc, passes the fairness",
            "gate, and its claimed metrics reproduce from the artifact.",
        ],
        description=(
            "Approves or declines consumer credit applications (1 = approved) from income, debt "
            "ratio, age, credit history, open accounts, employment type and region. Synthetic, "
            "seeded data. The production sample data/credit/current.parquet carries injected "
            f"drift in exactly two features, income and region ({score_text}; "
            f"drift share {share}); the other five match the training data."
        ),
        task="binary_classification",
        target=CREDIT_TARGET,
        features=CREDIT_FEATURES,
        sensitive_features=[CREDIT_SENSITIVE],
        card={
            "intended_use": "First-pass decision on unsecured consumer loans up to EUR 25,000; declines go to a human underwriter.",
            "out_of_scope_use": "Mortgages, business lending, collections, pricing, or any fully automated decline without human review.",
            "limitations": "Trained on one market and one economic period; income is not inflation-adjusted, so it must be retrained when incomes shift (see monitoring).",
            "ethical_considerations": "sex is never an input; it is kept in the evaluation data so the fairness gate can bound the approval-rate gap (demographic parity difference <= 0.1). Income differs slightly by sex in the data and acts as a weak proxy.",
            "training_data": "4,000 synthetic applications (data/credit/train.parquet), approval rate about 53%.",
            "evaluation_data": "2,000 held-out applications from the same population (data/credit/eval.parquet), stratified by outcome.",
            "caveats": "Probabilities are not calibrated; use the approve/decline label or re-calibrate before using scores as default probabilities.",
            "contact": "credit-risk team (credit-risk@acme.example), validation by model-risk",
        },
        current=current_pin,
        monitoring_comment=[
            "A 3,000-row production sample. Drift injected on purpose (examples/example_data.py):",
            f"income x1.35 and the region mix moved; drifted: {score_text}. The other",
            f"features stay under 0.1, so the drift share is {share} (below 0.5).",
        ],
        versions=versions,
        stages={"staging": "1.2.0", "production": "1.1.0"},
        stages_comment=[
            "Desired stages. 1.0.0 held production first, then 1.1.0 (so production can be rolled",
            "back to 1.0.0). Promote 1.2.0 by setting production: 1.2.0 in a pull request.",
        ],
    )
    return doc, {"share": share}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="where to write (default: the project root)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file would change"
    )
    args = parser.parse_args(argv)
    out = Build()
    credit_doc, values = build_credit(out)
    models = [build_breast_cancer(out), build_diabetes(out), credit_doc]
    for doc in models:
        out.files[f"models/{doc.name}/model.yaml"] = model_yaml(doc).encode()
    for path, text in documents(**values).items():
        out.files[path] = text.encode()
    changed = [p for p, data in sorted(out.files.items()) if _differs(args.root / p, data)]
    if args.check:
        print("\n".join(f"would change: {p}" for p in changed) or "example is up to date")
        return 1 if changed else 0
    for path in changed:
        target = args.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(out.files[path])
    print("\n".join(out.report))
    print(f"{len(out.files)} files, {len(changed)} written")
    return 0


def _differs(path: Path, data: bytes) -> bool:
    return not path.is_file() or path.read_bytes() != data


if __name__ == "__main__":
    sys.exit(main())
