"""`monitor` on labelled production data: the production version scored on its latest labelled
snapshot with the test gate's scorer, compared with the same version on its evaluation data,
judged by `type: performance` rules. Figures are checked against scikit-learn run directly on
the same rows; every bad input is exit 2 with nothing written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from conftest import Result, make_repo
from github_emulator.running import RunningEmulator
from plan_fixtures import CREDIT, example_files
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

from modelops_gitops.gates.metrics import METRICS
from modelops_gitops.github import MONITOR_LABEL, monitor_marker
from modelops_gitops.kinds.policy import MetricName, PerformanceRule
from modelops_gitops.monitor.performance import judge
from modelops_gitops.monitor.records import load_history, load_records

pytest_plugins = ["github_emulator.fixtures"]

Cli = Callable[..., Result]
POLICY = "policies/production-high-risk.yaml"
EVAL = "data/credit/eval.parquet"
ARTIFACT = "artifacts/credit/1.1.0.skops"
FOLDER = "data/credit/labelled"
RULE = """
    - id: performance
      type: performance
      metrics: [roc_auc, accuracy]
      max_absolute_degradation: {absolute}
      enforcement: {enforcement}
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def credit_repo(
    tmp_path: Path, *, absolute: float = 0.05, enforcement: str = "block", rule: str | None = None
) -> Path:
    files = example_files()
    policy = files[POLICY]
    assert isinstance(policy, bytes)
    extra = RULE.format(absolute=absolute, enforcement=enforcement) if rule is None else rule
    files[POLICY] = policy + extra.lstrip("\n").encode()
    return make_repo(tmp_path, files)


def degraded(frame: pd.DataFrame, share: float, seed: int = 3) -> pd.DataFrame:
    """The eval rows with `share` of their labels flipped: what a model meets when the world
    it learnt has changed."""
    out = frame.copy()
    rows = np.random.default_rng(seed).random(len(out)) < share
    out.loc[rows, "approved"] = 1 - out.loc[rows, "approved"]
    return out


def write_snapshot(repo: Path, rel: str, frame: pd.DataFrame) -> str:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return sha(path.read_bytes())


def pin_labelled(repo: Path, entries: list[tuple[str, str, str | None]]) -> None:
    """spec.monitoring.labelled of the credit model: (path, sha256, date) entries."""
    lines = ["    labelled:"]
    for path, digest, day in entries:
        lines += [f"      - path: {path}", f"        sha256: {digest}"]
        lines += [f"        date: {day}"] if day else []
    add_to_monitoring(repo, "\n".join(lines) + "\n")


def add_to_monitoring(repo: Path, block: str) -> None:
    text = (repo / CREDIT).read_text(encoding="utf-8")
    anchor = "  versions:\n"
    assert text.count(anchor) == 1
    (repo / CREDIT).write_text(text.replace(anchor, block + anchor), encoding="utf-8")


def monitor(cli: Cli, repo: Path, *extra: str) -> Result:
    result = cli("monitor", "--repo", str(repo), *extra)
    assert "Traceback" not in result.output, result.output
    return result


def sklearn_figures(repo: Path, frame: pd.DataFrame) -> dict[str, float]:
    """The credit 1.1.0 artifact run by hand on `frame`, its metrics by scikit-learn."""
    path = repo / ARTIFACT
    model: Any = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    features = [str(name) for name in model.feature_names_in_]
    proba = model.predict_proba(frame[features])
    y = frame["approved"].to_numpy()
    return {
        "roc_auc": roc_auc_score(y == model.classes_[1], proba[:, 1]),
        "accuracy": accuracy_score(y, model.predict(frame[features])),
        "log_loss": log_loss(y, proba, labels=model.classes_),
    }


@pytest.fixture
def eval_frame() -> pd.DataFrame:
    data = example_files()[EVAL]
    assert isinstance(data, bytes)
    import io

    return pd.read_parquet(io.BytesIO(data))


def test_degraded_labels_breach_the_rule_with_sklearns_figures(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame
) -> None:
    repo = credit_repo(tmp_path)
    worse = degraded(eval_frame, 0.3)
    digest = write_snapshot(repo, f"{FOLDER}/2024-07-08.parquet", worse)
    pin_labelled(repo, [(f"{FOLDER}/2024-07-08.parquet", digest, None)])

    result = monitor(cli, repo, "--no-github", "--format", "json")

    assert result.code == 1, result.output
    [credit] = [m for m in json.loads(result.out)["models"] if m["model"] == "credit"]
    production, evaluation = sklearn_figures(repo, worse), sklearn_figures(repo, eval_frame)
    for metric in ("roc_auc", "accuracy", "log_loss"):
        assert credit["performance"][metric] == pytest.approx(production[metric], abs=1e-12)
        assert credit["evaluation"][metric] == pytest.approx(evaluation[metric], abs=1e-12)
    assert production["roc_auc"] < evaluation["roc_auc"] - 0.05  # the data really degraded
    assert credit["degraded"] is True
    assert credit["blocking"] is True
    drop = evaluation["roc_auc"] - production["roc_auc"]
    [roc, _accuracy] = credit["breaches"]
    assert roc.startswith("production-high-risk/performance: roc_auc ")
    assert f"degradation {drop:.4g}" in roc
    assert "exceeds the allowed 0.05" in roc
    assert json.loads(result.out)["degraded"] == ["credit"]
    record = load_records(repo)["credit"]
    assert record.performance["roc_auc"] == pytest.approx(production["roc_auc"], abs=1e-12)
    assert record.breaches == credit["breaches"]


def test_labels_like_the_evaluation_data_are_healthy_and_the_text_shows_both_columns(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame
) -> None:
    repo = credit_repo(tmp_path)
    digest = write_snapshot(repo, f"{FOLDER}/same.parquet", eval_frame)
    pin_labelled(repo, [(f"{FOLDER}/same.parquet", digest, "2024-07-01")])

    result = monitor(cli, repo, "--no-github")

    assert result.code == 0, result.output
    figures = sklearn_figures(repo, eval_frame)
    expected = f"  roc_auc    {figures['roc_auc']:>10.4f} {figures['roc_auc']:>10.4f}"
    assert expected in result.out
    assert f"performance on {FOLDER}/same.parquet (2024-07-01), 2000 rows:" in result.out
    assert "production-high-risk/performance: ok: roc_auc" in result.out
    assert "degradation 0 (0.0%) within the allowed 0.05" in result.out
    assert result.out.endswith("monitor: no drift, no performance breach\n")
    record = load_records(repo)["credit"]
    assert (record.degraded, record.labelled_date) == (False, "2024-07-01")


def test_warn_enforcement_reports_the_breach_without_failing(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame
) -> None:
    repo = credit_repo(tmp_path, enforcement="warn")
    digest = write_snapshot(repo, f"{FOLDER}/bad.parquet", degraded(eval_frame, 0.3))
    pin_labelled(repo, [(f"{FOLDER}/bad.parquet", digest, None)])

    result = monitor(cli, repo, "--no-github")

    assert result.code == 0, result.output
    assert "production-high-risk/performance: breach (warn): roc_auc" in result.out
    assert "monitor: breach in credit" in result.out
    record = load_records(repo)["credit"]
    assert (record.degraded, record.blocking) == (True, False)


def write_folder(repo: Path, frames: dict[str, pd.DataFrame]) -> str:
    """A dated folder and its SHA256SUMS; returns the manifest's sha256."""
    lines = []
    for day, frame in frames.items():
        digest = write_snapshot(repo, f"{FOLDER}/{day}.parquet", frame)
        lines.append(f"{digest}  {day}.parquet\n")
    manifest = "".join(lines).encode()
    (repo / FOLDER / "SHA256SUMS").write_bytes(manifest)
    return sha(manifest)


def pin_folder(repo: Path, manifest_sha256: str) -> None:
    add_to_monitoring(
        repo,
        f"    labelled_folder:\n      folder: {FOLDER}\n      manifest_sha256: {manifest_sha256}\n",
    )


def test_a_dated_folder_scores_its_latest_snapshot(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame
) -> None:
    repo = credit_repo(tmp_path)
    pin_folder(
        repo,
        write_folder(repo, {"2024-07-15": degraded(eval_frame, 0.3), "2024-07-01": eval_frame}),
    )

    result = monitor(cli, repo, "--no-github")

    assert result.code == 1, result.output
    assert f"performance on {FOLDER}/2024-07-15.parquet (2024-07-15)" in result.out
    assert load_history(repo, "credit")[-1].labelled_date == "2024-07-15"


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("{digest}  ../../../etc/2024-07-15.parquet\n", f"{FOLDER}/SHA256SUMS:1:1: expected"),
        ("{digest}  2024-07-15.parquet\n{digest}  2024-07-15.parquet\n", "two snapshots for"),
        ("{digest}  2024-13-45.parquet\n", "2024-13-45: not a date"),
        ("", "lists no labelled snapshot"),
    ],
)
def test_hostile_manifests_are_exit_2_and_nothing_is_written(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame, manifest: str, message: str
) -> None:
    repo = credit_repo(tmp_path)
    digest = write_snapshot(repo, f"{FOLDER}/2024-07-15.parquet", eval_frame)
    data = manifest.format(digest=digest).encode()
    (repo / FOLDER / "SHA256SUMS").write_bytes(data)
    pin_folder(repo, sha(data))

    result = monitor(cli, repo, "--no-github")

    assert result.code == 2, result.output
    assert message in result.err
    assert load_records(repo) == {}


def test_a_manifest_or_snapshot_that_does_not_match_its_pin_is_exit_2(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame
) -> None:
    repo = credit_repo(tmp_path)
    manifest_sha = write_folder(repo, {"2024-07-15": eval_frame})
    pin_folder(repo, "a" * 64)

    wrong_manifest = monitor(cli, repo, "--no-github")

    assert wrong_manifest.code == 2
    assert "spec.monitoring.labelled_folder.manifest_sha256" in wrong_manifest.err
    assert f"actual {manifest_sha}" in wrong_manifest.err

    text = (repo / CREDIT).read_text(encoding="utf-8").replace("a" * 64, manifest_sha)
    (repo / CREDIT).write_text(text, encoding="utf-8")
    degraded(eval_frame, 0.3).to_parquet(repo / FOLDER / "2024-07-15.parquet", index=False)

    swapped = monitor(cli, repo, "--no-github")

    assert swapped.code == 2
    assert f"{FOLDER}/2024-07-15.parquet" in swapped.err
    assert "sha256 mismatch" in swapped.err
    assert load_records(repo) == {}


def test_a_manifest_symlinked_outside_the_repository_is_refused(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame
) -> None:
    repo = credit_repo(tmp_path)
    write_folder(repo, {"2024-07-15": eval_frame})
    outside = tmp_path / "SHA256SUMS"
    outside.write_bytes((repo / FOLDER / "SHA256SUMS").read_bytes())
    (repo / FOLDER / "SHA256SUMS").unlink()
    (repo / FOLDER / "SHA256SUMS").symlink_to(outside)
    pin_folder(repo, sha(outside.read_bytes()))

    result = monitor(cli, repo, "--no-github")

    assert result.code == 2
    assert "symlink points outside the repository" in result.err


def test_labels_without_the_target_column_are_exit_2(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame
) -> None:
    repo = credit_repo(tmp_path)
    digest = write_snapshot(repo, f"{FOLDER}/x.parquet", eval_frame.drop(columns=["approved"]))
    pin_labelled(repo, [(f"{FOLDER}/x.parquet", digest, None)])

    result = monitor(cli, repo, "--no-github")

    assert result.code == 2
    assert f"{FOLDER}/x.parquet" in result.err
    assert "approved" in result.err


def test_a_metric_that_does_not_fit_the_task_is_exit_2_naming_the_rule(
    tmp_path: Path, cli: Cli, eval_frame: pd.DataFrame
) -> None:
    rule = """
    - id: performance
      type: performance
      metrics: [rmse]
      max_relative_degradation: 0.1
"""
    repo = credit_repo(tmp_path, rule=rule)
    digest = write_snapshot(repo, f"{FOLDER}/x.parquet", eval_frame)
    pin_labelled(repo, [(f"{FOLDER}/x.parquet", digest, None)])

    result = monitor(cli, repo, "--no-github")

    assert result.code == 2
    assert f"{POLICY}: spec.rules[8].metrics: rmse does not apply to binary_classification" in (
        result.err
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("      metrics: [roc_auc]\n", "give max_absolute_degradation"),
        (
            "      metrics: [roc_aux]\n      max_relative_degradation: 0.1\n",
            "metrics[0]: Input should be 'roc_auc'",
        ),
        ("      metrics: []\n      max_relative_degradation: 0.1\n", "metrics"),
        ("      metrics: [r2]\n      max_absolute_degradation: -1\n", "greater than or equal"),
        (
            "      metrics: [r2]\n      max_absolute_degradation: 1\n      on_breach: rollback\n",
            "on_breach",
        ),
    ],
)
def test_malformed_performance_rules_fail_validation(
    tmp_path: Path, cli: Cli, rule: str, message: str
) -> None:
    repo = credit_repo(tmp_path, rule="    - id: performance\n      type: performance\n" + rule)

    result = cli("validate", "--repo", str(repo))

    assert result.code == 2, result.output
    assert f"{POLICY}:" in result.out
    assert message in result.out


def test_a_rule_without_labelled_data_is_a_note_and_plan_never_judges_it(
    tmp_path: Path, cli: Cli
) -> None:
    repo = credit_repo(tmp_path)

    result = monitor(cli, repo, "--no-github")

    assert result.code == 0, result.output
    assert "note: performance rules govern this stage but no labelled snapshot is pinned" in (
        result.out
    )
    assert load_records(repo)["credit"].labelled_snapshot is None


def test_a_breach_opens_the_monitor_issue_and_good_labels_close_it(
    tmp_path: Path, cli: Cli, github_env: RunningEmulator, eval_frame: pd.DataFrame
) -> None:
    repo = credit_repo(tmp_path)
    bad = write_snapshot(repo, f"{FOLDER}/a.parquet", degraded(eval_frame, 0.3))
    good = write_snapshot(repo, f"{FOLDER}/b.parquet", eval_frame)
    pin_labelled(repo, [(f"{FOLDER}/a.parquet", bad, "2024-07-01")])

    first = monitor(cli, repo)

    assert first.code == 1, first.output
    state = github_env.state.repos[github_env.repository]
    [issue] = [
        i for i in state.issues.values() if (i.body or "").startswith(monitor_marker("credit"))
    ]
    assert issue.title == "Performance: credit 1.1.0 in production"
    assert list(issue.labels) == [MONITOR_LABEL, "performance"]
    assert "## Performance degraded in `credit` `1.1.0` (production)" in (issue.body or "")
    assert "| production-high-risk/performance | `roc_auc` |" in (issue.body or "")

    text = (repo / CREDIT).read_text(encoding="utf-8")
    text = text.replace(
        "        date: 2024-07-01\n",
        f"        date: 2024-07-01\n      - path: {FOLDER}/b.parquet\n        sha256: {good}\n"
        "        date: 2024-07-08\n",
    )
    (repo / CREDIT).write_text(text, encoding="utf-8")

    second = monitor(cli, repo)

    assert second.code == 0, second.output
    assert issue.state == "closed"
    assert [r.degraded for r in load_history(repo, "credit")] == [True, False]


def rule_of(**config: Any) -> PerformanceRule:
    return PerformanceRule.model_validate({"type": "performance", **config})


GREATER = {name: metric.greater_is_better for name, metric in METRICS.items()}


def test_the_rules_metric_names_are_the_test_gates() -> None:
    assert set(MetricName.__args__) == set(METRICS)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("metric", "evaluation", "production", "worse"),
    [
        ("roc_auc", 0.80, 0.74, 0.06),  # lower is worse
        ("log_loss", 0.40, 0.46, 0.06),  # higher is worse
        ("rmse", 50.0, 44.0, -6.0),  # lower is better: an improvement
    ],
)
def test_degradation_follows_the_metrics_direction(
    metric: str, evaluation: float, production: float, worse: float
) -> None:
    outcome = judge(
        rule_of(metrics=[metric], max_absolute_degradation=0.05),
        "p",
        {metric: evaluation},
        {metric: production},
        {},
        GREATER,
    )
    [check] = outcome.checks
    assert check.degradation == pytest.approx(worse)
    assert check.breached is (worse > 0.05)
    assert outcome.rule == "p/performance"


def test_relative_and_absolute_bounds_either_one_breaches() -> None:
    both = rule_of(metrics=["r2"], max_absolute_degradation=0.5, max_relative_degradation=0.1)
    [check] = judge(both, "p", {"r2": 0.5}, {"r2": 0.44}, {}, GREATER).checks
    assert check.relative == pytest.approx(0.12)
    assert check.breached  # 0.06 is within 0.5, but 12% is not within 10%
    assert "within" not in check.message
    relaxed = rule_of(metrics=["r2"], max_relative_degradation=0.15)
    assert not judge(relaxed, "p", {"r2": 0.5}, {"r2": 0.44}, {}, GREATER).breached


def test_from_an_evaluation_value_of_zero_any_relative_worsening_breaches() -> None:
    rule = rule_of(metrics=["r2"], max_relative_degradation=0.5)
    [worse] = judge(rule, "p", {"r2": 0.0}, {"r2": -0.01}, {}, GREATER).checks
    [same] = judge(rule, "p", {"r2": 0.0}, {"r2": 0.0}, {}, GREATER).checks
    assert (worse.relative, worse.breached) == (None, True)
    assert (same.relative, same.breached) == (None, False)


def test_a_metric_undefined_on_the_labels_breaches_and_says_why() -> None:
    rule = rule_of(metrics=["roc_auc"], max_absolute_degradation=0.1, enforcement="warn")
    why = {"roc_auc": "on the labelled snapshot: Only one class present in y_true"}
    outcome = judge(rule, "p", {"roc_auc": 0.8}, {}, why, GREATER)
    [check] = outcome.checks
    assert check.breached
    assert check.message == f"roc_auc: cannot be checked: {why['roc_auc']}"
    assert outcome.breached
    assert not outcome.blocking  # warn
