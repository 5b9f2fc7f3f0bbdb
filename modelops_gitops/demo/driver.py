"""`demo`: the whole loop on the bundled example, in a scratch repository with a local bare
remote, narrated step by step with the exact commands a user would type.

    adopt the example (apply --adopt: the ledger's baseline)
    PR 1  register credit 1.2.0 and stage it            plan, merge, apply
    PR 2  promote credit 1.2.0 to production            plan (approvals missing, gates run),
                                                        approve, plan (passes), merge, apply,
                                                        audit verify
    PR 3  roll production back to 1.1.0                 the lighter rollback policy
    status (with --live: the deploy targets), history, the dashboard

The deploy targets are the manifests, KServe InferenceServices (deploy/kserve/, for Argo CD or
Flux) and, when the [mlflow] extra is installed, an MLflow registry (a local SQLite store in
the scratch folder, no server) whose aliases follow every apply.

Every step runs the real command line in a subprocess, so what the demo shows is what a user
gets. Dates are simulated (fixed commit and evaluation times), so the output is the same on
every run and no freeze window or soak time depends on the day the demo is run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from ruamel.yaml import YAML

from modelops_gitops.demo import monitoring_loop
from modelops_gitops.errors import InputError, ModelOpsError

EXAMPLE_PARTS = ("modelops.yaml", "models", "policies", "data", "artifacts", "schemas")
CREDIT = "models/credit/model.yaml"
NEW_VERSION = "1.2.0"
NEW_ARTIFACT = f"artifacts/credit/{NEW_VERSION}.skops"
AUTHOR = "amelie-credit"  # a credit-risk data scientist; her own approval never counts
# Simulated timeline (UTC), clear of the example's year-end freeze.
ADOPTED_AT = "2026-11-02T09:00:00Z"
STAGED_AT = "2026-11-03T10:00:00Z"
PROMOTION_PR_AT = "2026-11-05T09:30:00Z"
APPROVED_AT = "2026-11-05T14:00:00Z"
PROMOTED_AT = "2026-11-05T15:00:00Z"
ROLLBACK_PR_AT = "2026-11-06T08:10:00Z"
ROLLBACK_APPROVED_AT = "2026-11-06T08:20:00Z"
ROLLED_BACK_AT = "2026-11-06T08:25:00Z"

Echo = Callable[[str], None]


class DemoError(ModelOpsError):
    """A demo step did not end as the demo expects (exit 4: a bug, never the user's input)."""


def example_root() -> Path:
    """The bundled example: inside the installed package (the wheel carries it), else the
    project checkout an editable install runs from."""
    packaged = Path(__file__).resolve().parents[1] / "example"
    checkout = Path(__file__).resolve().parents[2]
    for root in (packaged, checkout):
        if (root / "modelops.yaml").is_file() and (root / CREDIT).is_file():
            return root
    raise InputError(
        f"demo: the bundled example is missing from this install ({packaged}); "
        "reinstall modelops-gitops from its wheel or a checkout"
    )


@dataclass
class Scratch:
    """The scratch world: a bare remote, a work clone, and how to run git and the tool there."""

    root: Path
    echo: Echo
    env: dict[str, str] = field(default_factory=dict)

    @property
    def remote(self) -> Path:
        return self.root / "remote.git"

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    def git(self, *args: str, when: str | None = None) -> str:
        env = self.env | ({"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when} if when else {})
        proc = subprocess.run(
            ["git", *args], cwd=self.repo, env=env, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise DemoError(f"git {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout.strip()

    def tool(self, *args: str, expect: tuple[int, ...] = (0,), show: int = 40) -> str:
        """Run `modelops-gitops ARGS` in the work clone, echo the command and the first `show`
        lines of its output; a result outside `expect` stops the demo."""
        self.echo(f"  $ modelops-gitops {' '.join(args)}")
        proc = subprocess.run(
            [sys.executable, "-m", "modelops_gitops", *args],
            cwd=self.repo,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = (proc.stdout + proc.stderr).rstrip().splitlines()
        for line in lines[:show]:
            self.echo(f"    {line}")
        if len(lines) > show:
            self.echo(f"    ... ({len(lines) - show} more lines)")
        self.echo(f"    (exit {proc.returncode})")
        if proc.returncode not in expect:
            raise DemoError(
                f"demo: `modelops-gitops {' '.join(args)}` exited {proc.returncode}, "
                f"expected {' or '.join(map(str, expect))}"
            )
        return proc.stdout

    def commit(self, message: str, when: str) -> str:
        self.git("add", "--all")
        self.git("commit", "--quiet", "--no-verify", "-m", message, when=when)
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, title: str, when: str) -> str:
        self.git("checkout", "--quiet", "main")
        self.git("merge", "--no-ff", "--quiet", "-m", title, branch, when=when)
        return self.git("rev-parse", "HEAD")

    def approvals(
        self, name: str, head: str, reviewers: list[tuple[str, str]], **pr: object
    ) -> str:
        """A local approvals file (what GitHub's reviews give with --pr), outside the repo."""
        path = self.root / f"{name}.json"
        reviews = [
            {"login": login, "state": "APPROVED", "commit_id": head, "submitted_at": at}
            for login, at in reviewers
        ]
        data = {"author": AUTHOR, "head_sha": head, "reviews": reviews, **pr}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return str(path)


def run_demo(scratch_root: Path, echo: Echo, *, dashboard: bool = True) -> None:
    s = Scratch(scratch_root, echo, _environment(scratch_root))
    _setup(s)
    _stage_new_version(s)
    _promote(s)
    _rollback(s)
    monitoring_loop.run(s)
    _look_back(s, dashboard=dashboard)


def _environment(root: Path) -> dict[str, str]:
    """The tool and git run isolated from the user's git configuration (no signing hooks, a
    fixed identity), with no GitHub token: approvals come from local files."""
    config = root / "gitconfig"
    config.write_text(
        "[user]\n\tname = Amelie (demo)\n\temail = amelie-credit@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    return env | {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}


def _setup(s: Scratch) -> None:
    s.echo(f"== 0. A GitOps repository for the bundled example, in {s.root}")
    source = example_root()
    s.repo.mkdir(parents=True)
    for part in EXAMPLE_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, s.repo / part)
        elif (source / part).is_file():
            shutil.copy2(source / part, s.repo / part)
    # Before the demo, credit 1.2.0 is not registered yet: the data scientists have trained it
    # (its artifact waits outside the repository) and staging still runs 1.1.0.
    incoming = s.root / "incoming"
    incoming.mkdir()
    shutil.move(str(s.repo / NEW_ARTIFACT), str(incoming / "1.2.0.skops"))
    (s.repo / CREDIT).write_text(_without_new_version((s.repo / CREDIT).read_text("utf-8")))
    subprocess.run(
        ["git", "init", "--quiet", "--bare", "--initial-branch=main", str(s.remote)],
        env=s.env,
        check=True,
    )
    s.git("init", "--quiet", "--initial-branch=main")
    s.git("remote", "add", "origin", str(s.remote))
    monitoring_loop.prepare(s)
    settings = s.repo / "modelops.yaml"
    settings.write_text(settings.read_text("utf-8") + deploy_settings(s.root), encoding="utf-8")
    s.commit("Adopt modelops-gitops", ADOPTED_AT)
    s.git("push", "--quiet", "origin", "main")
    s.echo("  Models, lifecycle, teams and policies are YAML; a bare remote stands in for GitHub.")
    s.echo("  The ledger starts with what runs today (recorded as adopted, not as reviewed):")
    s.tool("apply", "--adopt", "--push")


def with_mlflow() -> bool:
    """The demo adds the mlflow target when the [mlflow] extra is installed."""
    return find_spec("mlflow") is not None


def deploy_settings(root: Path) -> str:
    """modelops.yaml's deploy section for the demo: manifests, KServe, and MLflow if present."""
    targets = ["manifest", "kserve", *(["mlflow"] * with_mlflow())]
    text = (
        f"  deploy:\n    targets: [{', '.join(targets)}]\n"
        "    kserve:\n      namespace: models\n"
        "      storage_base: s3://acme-models/model-repo\n"
        "      models:\n        credit:\n"
        "          resources: {requests: {cpu: 500m, memory: 1Gi}}\n"
        "          stages:\n            production: {min_replicas: 2}\n"
    )
    if with_mlflow():
        store = root / "mlflow"
        text += (
            f"    mlflow:\n      tracking_uri: sqlite:///{store / 'registry.db'}\n"
            f"      artifact_location: {(store / 'artifacts').as_uri()}\n"
            "      aliases: {production: champion}\n"
        )
    return text


def _without_new_version(text: str) -> str:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    doc = yaml.load(text)
    versions = doc["spec"]["versions"]
    del versions[[str(v["version"]) for v in versions].index(NEW_VERSION)]
    doc["spec"]["stages"]["staging"] = "1.1.0"
    from io import StringIO

    out = StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _stage_new_version(s: Scratch) -> None:
    s.echo("")
    s.echo("== 1. PR #1: register credit 1.2.0 and put it in staging")
    s.git("checkout", "--quiet", "-b", "credit-1.2.0-staging")
    shutil.copy2(s.root / "incoming" / "1.2.0.skops", s.repo / NEW_ARTIFACT)
    claimed = _claimed_metrics()
    s.tool(
        "register", "credit", "--version", NEW_VERSION, "--artifact", NEW_ARTIFACT,
        "--eval-data", "data/credit/eval.parquet", "--train-data", "data/credit/train.parquet",
        "--description", "Gradient-boosted trees: captures income x debt interactions.",
        *[f"--metric={name}={value!r}" for name, value in claimed.items()],
    )  # fmt: skip
    s.tool("promote", "credit", NEW_VERSION, "staging")
    head = s.commit("Register credit 1.2.0 and stage it", STAGED_AT)
    s.tool("plan", "--base", "main", "--head", "HEAD", "--now", STAGED_AT, show=12)
    s.merge("credit-1.2.0-staging", "Merge pull request #1: credit 1.2.0 to staging", STAGED_AT)
    pr1 = s.approvals("pr-1", head, [], number=1, title="credit 1.2.0 to staging")
    s.tool("apply", "--approvals", pr1, "--push")


def _claimed_metrics() -> dict[str, float]:
    """The metrics the data scientists claim for 1.2.0: those of the bundled example, which
    the test gate reproduces from the artifact."""
    yaml = YAML(typ="safe")
    doc = yaml.load((example_root() / CREDIT).read_text("utf-8"))
    version = next(v for v in doc["spec"]["versions"] if str(v["version"]) == NEW_VERSION)
    return {str(k): float(v) for k, v in version["metrics"].items()}


def _promote(s: Scratch) -> None:
    s.echo("")
    s.echo("== 2. PR #2: promote credit 1.2.0 to production (a high-risk model)")
    s.git("checkout", "--quiet", "-b", "credit-1.2.0-production", "main")
    s.tool("promote", "credit", NEW_VERSION, "production")
    head = s.commit("Promote credit 1.2.0 to production", PROMOTION_PR_AT)
    s.echo("  The plan judges the PR by main's policies, runs the gates they name, and lists")
    s.echo("  what is missing (exit 3: nothing failed, approvals pending):")
    s.tool("plan", "--base", "main", "--head", "HEAD", "--now", PROMOTION_PR_AT, expect=(3,))
    s.echo("  Two reviewers approve: model validation and the credit business owner.")
    reviewers = [("priya-validation", APPROVED_AT), ("jonas-credit", APPROVED_AT)]
    pr2 = s.approvals("pr-2", head, reviewers, number=2, title="credit 1.2.0 to production")
    s.tool(
        "plan", "--base", "main", "--head", "HEAD", "--now", APPROVED_AT, "--approvals", pr2,
        show=6,
    )  # fmt: skip
    s.merge(
        "credit-1.2.0-production", "Merge pull request #2: credit 1.2.0 to production", PROMOTED_AT
    )
    s.echo("  After the merge, apply re-checks the change by the policies it was judged by,")
    s.echo("  then commits the ledger entry, the audit reports and the deploy manifest:")
    s.tool("apply", "--approvals", pr2, "--push")
    s.tool("audit", "verify")


def _rollback(s: Scratch) -> None:
    s.echo("")
    s.echo("== 3. PR #3: an incident; roll production back to 1.1.0 (the lighter policy)")
    s.git("checkout", "--quiet", "-b", "credit-rollback", "main")
    s.tool("rollback", "credit", "production")
    head = s.commit("Roll credit production back to 1.1.0", ROLLBACK_PR_AT)
    pr3 = s.approvals(
        "pr-3", head, [("kai-oncall", ROLLBACK_APPROVED_AT)], number=3, title="Roll back credit"
    )
    s.tool(
        "plan",
        "--base",
        "main",
        "--head",
        "HEAD",
        "--now",
        ROLLBACK_APPROVED_AT,
        "--approvals",
        pr3,
    )
    s.merge("credit-rollback", "Merge pull request #3: roll back credit", ROLLED_BACK_AT)
    s.tool("apply", "--approvals", pr3, "--push")
    s.tool("audit", "verify")


def _look_back(s: Scratch, *, dashboard: bool) -> None:
    s.echo("")
    s.echo("== 5. What compliance sees")
    s.echo("  Beside sync and health, --live asks each deploy target what it serves now:")
    s.tool("status", "--live")
    s.tool("history", "credit")
    site = s.root / "site"
    if dashboard:
        s.tool("report", "--out", str(site))
    s.echo("")
    s.echo("Where everything is:")
    s.echo(f"  work clone         {s.repo}")
    s.echo(f"  bare remote        {s.remote}")
    s.echo(f"  ledger             {s.repo / 'audit' / 'ledger.jsonl'}")
    s.echo(f"  audit reports      {s.repo / 'audit' / 'reports' / 'credit'}")
    s.echo(f"  deploy manifests   {s.repo / 'deploy'}")
    s.echo(f"  KServe services    {s.repo / 'deploy' / 'kserve'}  (Argo CD / Flux sync these)")
    if with_mlflow():
        s.echo(f"  MLflow registry    sqlite:///{s.root / 'mlflow' / 'registry.db'}")
    else:
        s.echo("  MLflow registry    (install modelops-gitops[mlflow] to deliver to MLflow too)")
    promoted = sorted((s.repo / "audit" / "reports" / "credit").glob("*-production-1.2.0.html"))
    for report in promoted:
        s.echo(f"  promotion report   {report}")
    if dashboard:
        s.echo(f"  dashboard          {site / 'index.html'}")
