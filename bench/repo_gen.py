"""A large, valid GitOps repository for the benchmarks: N models, 5 versions each, ~8 KB a file.

Deterministic (seeded by the model index), written once and reused when it already holds the
same number of models. Schemas and the scaffold's policies come from the package itself.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from modelops_gitops.repo.scaffold import scaffold_files

_MARKER = ".bench-models"


def _hex(seed: str, n: int = 64) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def model_yaml(index: int) -> str:
    name = f"model-{index:05d}"
    lines = [
        "# yaml-language-server: $schema=../../schemas/model.json",
        "apiVersion: modelops-gitops/v1",
        "kind: Model",
        "metadata:",
        f"  name: {name}",
        "  labels:",
        f"    domain: domain-{index % 17}",
        "    cost-center: cc-1234",
        "spec:",
        "  owner: ml-team",
        f"  risk_tier: {('low', 'medium', 'high')[index % 3]}",
        f"  description: Synthetic benchmark model number {index}, scoring customers for a",
        "    product line; trained weekly on the feature store snapshot.",
        "  task: binary_classification",
        "  target: label",
        "  features: [f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12]",
        "  card:",
        "    intended_use: Ranking existing customers for an outbound campaign.",
        "    limitations: Not validated for new customers or other markets.",
        "    training_data: Twelve months of campaign outcomes, deduplicated.",
        "    evaluation_data: The most recent month, held out by time.",
        "    ethical_considerations: Scores are not used for pricing; contact history and",
        "      protected attributes are excluded from the features and audited quarterly.",
        "    caveats: Seasonal campaigns shift the base rate; monitor the drift report weekly.",
        "    contact: ml-team@example.com",
        "  versions:",
    ]
    for v in range(5):
        version = f"1.{v}.0"
        seed = f"{index}-{v}"
        lines += [
            f"    - version: {version}",
            "      artifact:",
            f"        path: artifacts/{name}/{version}.skops",
            f"        sha256: {_hex('a' + seed)}",
            "        format: skops",
            f"        size: {100_000 + index * 7 + v}",
            "      datasets:",
            "        train:",
            f"          path: s3://feature-store/{name}/train-{version}.parquet",
            f"          sha256: {_hex('t' + seed)}",
            "        eval:",
            f"          path: data/{name}/eval-{version}.parquet",
            f"          sha256: {_hex('e' + seed)}",
            "      training:",
            f"        code_commit: {_hex('c' + seed, 40)}",
            "        params:",
            "          n_estimators: 300",
            "          max_depth: 6",
            "          learning_rate: 0.05",
            "          subsample: 0.8",
            "          class_weight: balanced",
            "          min_child_weight: 1.0",
            "          colsample_bytree: 0.9",
            "          early_stopping_rounds: 50",
            "      metrics:",
            f"        roc_auc: 0.8{(index + v) % 10}12",
            f"        accuracy: 0.7{(index * v) % 10}55",
            "        f1: 0.6421",
            "        precision: 0.7012",
            "        recall: 0.5933",
            "        log_loss: 0.4512",
            "        brier: 0.1521",
            f"      description: Retrained on data up to week {v + 1}; feature f0{v % 9 + 1} rebinned,",
            "        calibration refreshed, thresholds unchanged from the previous version. The",
            "        evaluation window moved forward by one week and the positive rate stayed",
            "        within its usual band; see the training run for the full comparison.",
        ]
    lines += ["  stages:", "    staging: 1.4.0", "    production: 1.3.0", ""]
    return "\n".join(lines)


def generate_repo(root: Path, models: int) -> Path:
    """Write (or reuse) a benchmark repository with `models` models under `root`."""
    marker = root / _MARKER
    signature = f"{models} {hashlib.sha256(model_yaml(0).encode()).hexdigest()}"
    if marker.exists() and marker.read_text() == signature:
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for rel, data in scaffold_files(owner="acme", name="bench").items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    for index in range(models):
        folder = root / "models" / f"model-{index:05d}"
        folder.mkdir(parents=True)
        (folder / "model.yaml").write_text(model_yaml(index))
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    marker.write_text(signature)
    return root
