"""The demo's monitoring loop: labelled production data shows credit 1.2.0 degraded,
`monitor` proposes the rollback as a local branch and pull request text (`--no-github`), and
the rollback goes through plan, approval, merge and apply like any change.

The loop watches staging, where 1.2.0 still runs after the production incident: staging's
history (1.1.0, then 1.2.0) makes going back to 1.1.0 a true rollback, which production's
(1.1.0, 1.2.0 rolled back out, 1.1.0) no longer offers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from ruamel.yaml import YAML

from modelops_gitops.digest import sha256_bytes
from modelops_gitops.times import iso_utc

if TYPE_CHECKING:
    from modelops_gitops.demo.driver import Scratch

CREDIT = "models/credit/model.yaml"
EVAL = "data/credit/eval.parquet"
TARGET = "approved"
LABELS_DAY = "2026-11-09"
LABELLED = f"data/credit/labelled/{LABELS_DAY}.parquet"
POLICY = "policies/staging-performance.yaml"
FLIPPED = 0.3  # share of outcomes changed: a drift in outcomes the model cannot follow
SEED = 20261109
STAGE = "staging"
BREACHING = "1.2.0"
BRANCH = f"modelops/rollback/credit/{STAGE}/{BREACHING}"

POLICY_TEXT = """\
apiVersion: modelops-gitops/v1
kind: Policy
metadata:
  name: staging-performance
spec:
  description: >-
    The staging version is scored on labelled production data (shadow traffic); a drop of
    more than 0.05 roc_auc against its evaluation figure proposes a rollback.
  selector:
    stages: [staging]
  rules:
    - id: performance
      type: performance
      metrics: [roc_auc]
      max_absolute_degradation: 0.05
      enforcement: warn
      on_breach: propose_rollback
"""


def labelled_snapshot(eval_bytes: bytes) -> bytes:
    """The evaluation rows with FLIPPED of their outcomes changed by a seeded generator: the
    same bytes on every run."""
    frame = pd.read_parquet(BytesIO(eval_bytes))
    values = frame[TARGET].to_numpy()
    flip = np.random.default_rng(SEED).random(len(frame)) < FLIPPED
    frame[TARGET] = np.where(flip, 1 - values, values).astype(values.dtype)
    out = BytesIO()
    frame.to_parquet(out, index=False)
    return out.getvalue()


def with_labelled(model_text: str, sha256: str) -> str:
    """The model file with the snapshot pinned under `spec.monitoring.labelled`."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    doc = yaml.load(model_text)
    entry = {"path": LABELLED, "sha256": sha256, "date": LABELS_DAY}
    doc["spec"]["monitoring"]["labelled"] = [entry]
    out = BytesIO()
    yaml.dump(doc, out)
    return out.getvalue().decode("utf-8")


def prepare(s: Scratch) -> None:
    """Before adoption: the labelled snapshot, pinned in the model, and the policy whose
    `performance` rule proposes a rollback on a breach."""
    data = labelled_snapshot((s.repo / EVAL).read_bytes())
    (s.repo / LABELLED).parent.mkdir(parents=True, exist_ok=True)
    (s.repo / LABELLED).write_bytes(data)
    model = s.repo / CREDIT
    model.write_text(with_labelled(model.read_text("utf-8"), sha256_bytes(data)), "utf-8")
    (s.repo / POLICY).write_text(POLICY_TEXT, encoding="utf-8")


def run(s: Scratch) -> None:
    s.echo("")
    s.echo(f"== 4. Monitoring: labelled production data shows {BREACHING} degraded")
    s.echo(f"  {LABELLED}: outcomes of the evaluation rows, {FLIPPED:.0%} of them changed.")
    s.echo(f"  {BREACHING} still runs in {STAGE}; its rule says on_breach: propose_rollback:")
    s.tool("monitor", "--stage", STAGE, "--no-github", show=30)
    s.echo("  The proposal is an ordinary branch: plan judges it a rollback, on-call approves,")
    s.echo("  it is merged and applied like any change:")
    head = s.git("rev-parse", BRANCH)
    # The proposal carries its parent's time (the last apply commit's); review follows it.
    approved_at, merged_at = later(s.git("log", "-1", "--format=%cI", head))
    s.git("checkout", "--quiet", BRANCH)
    pr4 = s.approvals(
        "pr-4",
        head,
        [("kai-oncall", approved_at)],
        number=4,
        title=f"Roll back credit in {STAGE}",
    )
    s.tool("plan", "--base", "main", "--head", "HEAD", "--now", approved_at, "--approvals", pr4)
    s.merge(BRANCH, f"Merge pull request #4: roll back credit in {STAGE}", merged_at)
    s.tool("apply", "--approvals", pr4, "--push")
    s.tool("audit", "verify")


def later(commit_time: str) -> tuple[str, str]:
    """Approval one minute and merge two minutes after a commit's time, ISO 8601 UTC (the
    apply commits carry the clock's time; a merge further ahead would be refused as future)."""
    start = datetime.fromisoformat(commit_time)
    return tuple(  # type: ignore[return-value]
        iso_utc(start + timedelta(minutes=minutes)) for minutes in (1, 2)
    )
