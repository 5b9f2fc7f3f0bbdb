"""Command-line wiring (typer) and the ONE error boundary: every exception becomes a message
and an exit code here, and nowhere else.

    0 success   1 blocking violation / failed gate   2 bad input or usage
    3 approvals pending   4 internal error (traceback only with --traceback)
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

try:  # typer >= 0.22 vendors click (and no longer installs it); older typer uses click itself
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException  # type: ignore[assignment]

from modelops_gitops import __version__, collector, quiet_output
from modelops_gitops.boundary import guarded
from modelops_gitops.console import COLOR_CHOICES, set_color, set_verbosity
from modelops_gitops.errors import EXIT_INPUT, InputError
from modelops_gitops.extras import require
from modelops_gitops.help_format import plain_help
from modelops_gitops.repo.workspace import resolve_repo

app = typer.Typer(
    name="modelops-gitops",
    help="A git repository as the governed source of truth for ML models in production.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

RepoOpt = Annotated[
    Path | None,
    typer.Option(
        "--repo",
        help="Repository root (default: the git top-level of the current directory).",
        file_okay=False,
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: text or json.")]


def _format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(f"--format: expected one of {', '.join(allowed)}, got {value!r}")
    return value


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files to check (default: the whole repository).")
    ] = None,
    repo: RepoOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="text, json, or github (annotations on the PR's lines)."
        ),
    ] = "text",
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ignore and do not update the cache.")
    ] = False,
) -> int:
    """Check every document: schema, locations, cross-references. Exit 0 valid, 2 invalid."""
    from modelops_gitops.commands import validate as validate_command

    return validate_command.run(
        resolve_repo(repo), paths or [], _format(fmt, validate_command.FORMATS), not no_cache
    )


@app.command()
def schema(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the JSON Schemas to.")],
    docs: Annotated[
        Path | None,
        typer.Option(
            "--docs", help="Also write the format reference (markdown, one page per kind) here."
        ),
    ] = None,
    repo: RepoOpt = None,
) -> int:
    """Write one JSON Schema per kind (for editors and check-jsonschema)."""
    from modelops_gitops.commands import schema as schema_command

    del repo  # accepted for uniformity; --out and --docs are relative to the current directory
    return schema_command.run(out, docs)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the GitOps repository.")],
    owner: Annotated[str, typer.Option(help="GitHub owner (organisation or user).")] = "my-org",
    name: Annotated[str, typer.Option("--name", help="GitHub repository name.")] = "models",
    existing: Annotated[
        bool,
        typer.Option(
            "--existing",
            help="Add the scaffold to an existing folder or git repository (never overwrites).",
        ),
    ] = False,
    install_from: Annotated[
        str,
        typer.Option(
            "--install-from",
            help="Where the workflows and hook get this version of the tool: index, "
            "git+https://HOST/PATH@COMMIT, a .whl file (copied in, locked by sha256) or an "
            "https .whl URL with #sha256=HEX. Written to .github/modelops-gitops.lock.",
        ),
    ] = "index",
) -> int:
    """Scaffold a GitOps repository that validates, and say what to do next."""
    from modelops_gitops.commands import init as init_command

    return init_command.run(
        directory, owner=owner, name=name, existing=existing, install_from=install_from
    )


@app.command()
def register(
    model: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[str, typer.Option("--version", help="Semantic version to register.")],
    artifact: Annotated[
        Path,
        typer.Option(help="Artifact file (relative to the current directory; inside the repo)."),
    ],
    eval_data: Annotated[Path, typer.Option("--eval-data", help="Evaluation dataset file.")],
    train_data: Annotated[Path, typer.Option("--train-data", help="Training dataset file.")],
    artifact_format: Annotated[
        str, typer.Option("--format", help="Artifact format: skops, onnx, pickle or joblib.")
    ] = "skops",
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", help="A claimed metric NAME=VALUE (a number); repeatable."),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Owner team (to create a new model).")] = None,
    task: Annotated[
        str | None,
        typer.Option(
            help="binary_classification, multiclass_classification or regression (new model)."
        ),
    ] = None,
    target: Annotated[str | None, typer.Option(help="Target column (new model).")] = None,
    risk_tier: Annotated[
        str | None,
        typer.Option("--risk-tier", help="low, medium or high (new model; default medium)."),
    ] = None,
    description: Annotated[str, typer.Option(help="What changed in this version.")] = "",
    repo: RepoOpt = None,
) -> int:
    """Append a version to models/MODEL/model.yaml, creating the file if needed.

    Records each file's sha256 (and the artifact's size) and its path relative to the repo.

    training.code_commit is the repo's HEAD commit (in a git repository with a commit).

    A new model needs --owner, --task and --target. Comments and key order are kept.
    """
    from modelops_gitops.commands import edit as edit_command

    return edit_command.register(
        resolve_repo(repo),
        edit_command.RegisterArgs(
            model=model,
            version=version,
            artifact=artifact,
            eval_data=eval_data,
            train_data=train_data,
            artifact_format=artifact_format,
            metrics=metric or [],
            owner=owner,
            task=task,
            target=target,
            risk_tier=risk_tier,
            description=description,
        ),
    )


@app.command()
def promote(
    model: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[str, typer.Argument(help="Registered version.")],
    stage: Annotated[str, typer.Argument(help="Target stage.")],
    repo: RepoOpt = None,
) -> int:
    """Set spec.stages.STAGE of MODEL to VERSION (comments and key order kept)."""
    from modelops_gitops.commands import edit as edit_command

    return edit_command.promote(resolve_repo(repo), model, version, stage)


@app.command()
def rollback(
    model: Annotated[str, typer.Argument(help="Model name.")],
    stage: Annotated[str, typer.Argument(help="Stage to roll back.")],
    to: Annotated[
        str | None, typer.Option("--to", help="Version to return to (default: the one before).")
    ] = None,
    repo: RepoOpt = None,
) -> int:
    """Set STAGE back to the version that held it before, or to --to VERSION.

    Without --to: the latest other version of STAGE in the git history of the model file.
    """
    from modelops_gitops.commands import edit as edit_command

    return edit_command.rollback(resolve_repo(repo), model, stage, to)


@app.command()
def plan(
    base: Annotated[
        str | None, typer.Option(help="Base ref (default: merge base with the default branch).")
    ] = None,
    head: Annotated[
        str | None,
        typer.Option(
            help="Head ref, or WORKTREE for uncommitted changes (default: HEAD, or the PR's head)."
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, markdown, json, sarif or junit.")
    ] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the output to this file.")
    ] = None,
    approvals: Annotated[
        Path | None, typer.Option(help="Approvals JSON: {author, head_sha, reviews[]}.")
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="Evaluate at this ISO 8601 time (default: now).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Rehearse: judge as if it were this ISO 8601 time, or +Nh/+Nd from now (soak, freeze "
            "windows, waivers); the output says so; never published (no --comment/--check-run).",
        ),
    ] = None,
    no_gates: Annotated[
        bool, typer.Option("--no-gates", help="Do not run gates (they stay pending).")
    ] = False,
    pr: Annotated[
        int | None,
        typer.Option(
            "--pr",
            min=1,
            help="Pull request number: read its approvals from GitHub (GITHUB_TOKEN); "
            "base and head default to its commits.",
        ),
    ] = None,
    comment: Annotated[
        bool,
        typer.Option(
            "--comment",
            help="With --pr: post the plan as the PR's one comment (edited in place) and set "
            "the modelops/plan and modelops/approvals commit statuses.",
        ),
    ] = False,
    check_run: Annotated[
        bool,
        typer.Option(
            "--check-run",
            help="With --pr: a check run with an annotation per failing finding "
            "(needs a GitHub App token, as Actions' GITHUB_TOKEN is).",
        ),
    ] = False,
    report_url: Annotated[
        str | None,
        typer.Option(
            "--report-url",
            help="Link to the full report from the comment and statuses "
            "(default: the Actions run, from GITHUB_SERVER_URL/GITHUB_REPOSITORY/GITHUB_RUN_ID).",
        ),
    ] = None,
    repo: RepoOpt = None,
) -> int:
    """Judge what a PR changes by the BASE branch's policies. Exit 0 pass, 1 fail, 3 pending."""
    from modelops_gitops.commands import plan as plan_command
    from modelops_gitops.render import RENDERERS

    return plan_command.run(
        resolve_repo(repo, governed=False),
        base=base,
        head=head,
        fmt=_format(fmt, tuple(RENDERERS)),
        out=out,
        approvals=approvals,
        now=_instant(now),
        at=_instant(at, "--at"),
        gates=not no_gates,
        pr=plan_command.pull_request_options(
            pr, comment=comment, check_run=check_run, report_url=report_url
        ),
    )


@app.command()
def approvals(
    head: Annotated[
        str | None, typer.Option(help="The pull request's head commit (default: HEAD).")
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(
            help="Its base (default: merge base with the default branch): the commits "
            "between are the PR's, the teams are the base's."
        ),
    ] = None,
    approve: Annotated[
        list[str] | None,
        typer.Option(
            "--approve",
            help="LOGIN[@REF]: an approval of the head, or of REF (an older commit: stale). "
            "Repeatable.",
        ),
    ] = None,
    request_changes: Annotated[
        list[str] | None,
        typer.Option(
            "--request-changes", help="LOGIN[@REF]: a review requesting changes. Repeatable."
        ),
    ] = None,
    author: Annotated[
        str | None, typer.Option(help="The PR's author (a GitHub login; required locally).")
    ] = None,
    submitted_at: Annotated[
        str | None,
        typer.Option(
            "--submitted-at",
            help="When the reviews were submitted, ISO 8601 (default: the head commit's time).",
        ),
    ] = None,
    merge_commit: Annotated[
        str | None,
        typer.Option(
            "--merge-commit",
            help="The commit the PR became on the default branch (needed for a squash merge); "
            "its time is the merge time.",
        ),
    ] = None,
    number: Annotated[
        int | None, typer.Option("--number", min=1, help="The PR number, for the ledger.")
    ] = None,
    title: Annotated[str, typer.Option(help="The PR title, for the ledger.")] = "",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the file here (default: standard output).")
    ] = None,
    pr: Annotated[
        int | None,
        typer.Option(
            "--pr", min=1, help="Read everything from this pull request on GitHub (GITHUB_TOKEN)."
        ),
    ] = None,
    repo: RepoOpt = None,
) -> int:
    """Write the approvals file of a PR head for plan/apply --approvals: the reviews named, with
    the commit SHAs resolved from git (or read from GitHub with --pr)."""
    from modelops_gitops.commands import approvals as approvals_command

    return approvals_command.run(
        resolve_repo(repo),
        head=head,
        base=base,
        reviews=approvals_command.Reviews(approve or [], request_changes or []),
        author=author,
        submitted=_instant(submitted_at, "--submitted-at"),
        merge_commit=merge_commit,
        number=number,
        title=title,
        out=out,
        pr=pr,
    )


@app.command()
def report(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Directory for the static site (new, empty, or a previous report)."
        ),
    ],
    repo: RepoOpt = None,
) -> int:
    """Write the static compliance dashboard: inventory, stage history, figures, trends.
    Runs `audit verify` first: exit 1 when the trail is broken (the site is still written,
    every page with a banner, the broken entries and later ones marked unverified)."""
    from modelops_gitops.commands import report as report_command

    return report_command.run(resolve_repo(repo), out)


@app.command()
def monitor(
    stage: Annotated[
        str, typer.Option(help="The stage whose versions are checked (drift, performance).")
    ] = "production",
    no_github: Annotated[
        bool,
        typer.Option(
            "--no-github",
            help="Touch no GitHub issue or pull request; a proposed rollback stays a local "
            "branch, its pull request text printed.",
        ),
    ] = False,
    remote: Annotated[
        str, typer.Option(help="Remote to push rollback proposal branches to.")
    ] = "origin",
    report_url: Annotated[
        str | None,
        typer.Option(
            "--report-url",
            help="Link to the full report from the issues (default: the Actions run).",
        ),
    ] = None,
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """Drift of each model's version in the stage on its monitoring data, and performance on
    its labelled production data (`performance` rules); one GitHub issue per model in trouble,
    closed when it is well again; a rollback pull request when a breached rule says
    `on_breach: propose_rollback`. Exit 0 fine, 1 drift or a blocking breach."""
    require("gates", "monitor")
    from modelops_gitops.commands import monitor as monitor_command

    return monitor_command.run(
        resolve_repo(repo),
        stage=stage,
        github=not no_github,
        report_url=report_url,
        fmt=_format(fmt, ("text", "json")),
        remote=remote,
    )


@app.command()
def apply(
    approvals: Annotated[
        list[Path] | None,
        typer.Option(
            help="Approvals JSON of a merged PR (plan's format, plus optional number, title, "
            "merge_commit); repeatable. Default: GitHub when GITHUB_TOKEN is set."
        ),
    ] = None,
    push: Annotated[
        bool, typer.Option("--push", help="Push the commit; on rejection fetch, redo, retry.")
    ] = False,
    remote: Annotated[str, typer.Option(help="Remote to push to.")] = "origin",
    retries: Annotated[
        int, typer.Option(min=1, max=20, help="Push attempts, 1 to 20, before giving up (exit 4).")
    ] = 5,
    tag: Annotated[
        bool, typer.Option("--tag", help="Create GTO tags (model@vX.Y.Z, model#stage#N).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be applied; write nothing.")
    ] = False,
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt", help="Start an empty ledger with every stage at HEAD as found (adopted)."
        ),
    ] = False,
    sign_key: Annotated[
        Path | None,
        typer.Option(
            "--sign-key",
            help="SSH private key file that signs the apply commit (gpg.format=ssh). Default: "
            "$MODELOPS_GITOPS_SIGNING_KEY_FILE, or the key itself in $MODELOPS_GITOPS_SIGNING_KEY.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Rehearse with --dry-run: judge every merge as if it merged at this ISO 8601 time "
            "or +Nh/+Nd from now (soak, freeze windows). Refused without --dry-run: a real apply "
            "judges each merge at its merge time.",
        ),
    ] = None,
    deliver_only: Annotated[
        bool,
        typer.Option(
            "--deliver-only",
            help="Only converge the deploy targets on the ledger at HEAD (a pending delivery, "
            "a registry changed by hand); commit nothing.",
        ),
    ] = False,
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """Apply merged, re-checked stage changes: ledger entries, reports and deploy files in ONE
    commit on the default branch, then deliver to the deploy targets. Exit 0 applied or
    nothing to do, 1 some change refused or the audit trail broken, 4 delivery pending."""
    from modelops_gitops.commands import apply as apply_command

    return apply_command.run_command(
        resolve_repo(repo),
        sign_key=sign_key,
        approvals=approvals or [],
        push=push,
        remote=remote,
        retries=retries,
        tag=tag,
        dry_run=dry_run,
        adopt=adopt,
        fmt=_format(fmt, ("text", "json")),
        at=_instant(at, "--at"),
        deliver_only=deliver_only,
    )


@app.command()
def demo(
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Build the scratch repository here and keep it.")
    ] = None,
    no_dashboard: Annotated[
        bool, typer.Option("--no-dashboard", help="Skip rendering the dashboard at the end.")
    ] = False,
) -> int:
    """The whole loop on the bundled example in a scratch repo with a local bare remote:
    register, plan, approve, merge, apply, audit verify, roll back, dashboard."""
    require("gates", "demo")
    from modelops_gitops.commands import demo as demo_command

    return demo_command.run(keep, dashboard=not no_dashboard)


gate_app = typer.Typer(help="Run one gate alone.", no_args_is_help=True)
app.add_typer(gate_app, name="gate")


def _model_gate(
    gate: str,
    model: str,
    version: str,
    champion: str | None,
    stage: str | None,
    settings: list[str] | None,
    fmt: str,
    repo: Path | None,
) -> int:
    require("gates", f"gate {gate}")
    from modelops_gitops.commands import gate_cli

    return gate_cli.model_gate(
        resolve_repo(repo),
        gate,
        model,
        version,
        champion=champion,
        stage=stage,
        settings=settings or [],
        fmt=_format(fmt, ("text", "json")),
    )


ModelArg = Annotated[str, typer.Argument(help="Model name.")]
VersionArg = Annotated[str, typer.Argument(help="Version to evaluate.")]
SetOpt = Annotated[
    list[str] | None, typer.Option("--set", help="Override a rule setting: KEY=VALUE (JSON value).")
]
StageOpt = Annotated[str | None, typer.Option(help="Target stage (default: production).")]


@gate_app.command("test")
def gate_test(
    model: ModelArg,
    version: VersionArg,
    stage: StageOpt = None,
    settings: SetOpt = None,
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """Score the evaluation data; thresholds and claimed metrics."""
    return _model_gate("test", model, version, None, stage, settings, fmt, repo)


@gate_app.command("champion")
def gate_champion(
    model: ModelArg,
    version: VersionArg,
    champion: Annotated[
        str | None, typer.Option(help="Champion version (default: the stage's holder).")
    ] = None,
    stage: StageOpt = None,
    settings: SetOpt = None,
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """Candidate vs champion on the same data, with a bootstrap interval."""
    return _model_gate("champion", model, version, champion, stage, settings, fmt, repo)


@gate_app.command("explainability")
def gate_explainability(
    model: ModelArg,
    version: VersionArg,
    stage: StageOpt = None,
    settings: SetOpt = None,
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """Permutation importance on the evaluation data: bounded features, declared top ones."""
    return _model_gate("explainability", model, version, None, stage, settings, fmt, repo)


@gate_app.command("fairness")
def gate_fairness(
    model: ModelArg,
    version: VersionArg,
    stage: StageOpt = None,
    settings: SetOpt = None,
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """Demographic parity and equalized odds differences over a sensitive column."""
    return _model_gate("fairness", model, version, None, stage, settings, fmt, repo)


@gate_app.command("drift")
def gate_drift(
    model: Annotated[
        str | None, typer.Argument(help="Model name (or use --reference/--current).")
    ] = None,
    version: Annotated[
        str | None, typer.Argument(help="Version whose training data is the reference.")
    ] = None,
    reference: Annotated[
        str | None, typer.Option(help="Reference data file (parquet/CSV) or URI.")
    ] = None,
    current: Annotated[
        str | None, typer.Option(help="Current data file (parquet/CSV) or URI.")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="YAML file with drift settings.")] = None,
    engine: Annotated[str, typer.Option(help="local or dask.")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (with --engine dask).")
    ] = None,
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """Data drift per feature (Evidently's default tests), for a model or any two files."""
    require("gates", "gate drift")
    from modelops_gitops.commands import gate_cli

    return gate_cli.drift_gate(
        resolve_repo(repo, governed=False),
        model,
        version,
        reference=reference,
        current=current,
        config=config,
        engine=engine,
        scheduler=scheduler,
        fmt=_format(fmt, ("text", "json")),
    )


policy_app = typer.Typer(help="Work with the policies themselves.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@policy_app.command("test")
def policy_test(
    fmt: FormatOpt = "text",
    require_coverage: Annotated[
        bool, typer.Option("--require-coverage", help="Exit 2 when a rule is exercised by no case.")
    ] = False,
    repo: RepoOpt = None,
) -> int:
    """Run the table-driven cases under policies/tests/ and report rule coverage."""
    from modelops_gitops.commands import policy_test as policy_test_command

    return policy_test_command.run(
        resolve_repo(repo), fmt=_format(fmt, ("text", "json")), require_coverage=require_coverage
    )


audit_app = typer.Typer(help="Verify and query the audit ledger.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    rev: Annotated[
        str | None,
        typer.Option("--rev", help="Verify the files of this commit (default: the work tree)."),
    ] = None,
    fmt: FormatOpt = "text",
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Recompute every hash; ignore the cache.")
    ] = False,
    checkpoint: Annotated[
        str | None,
        typer.Option(
            "--checkpoint",
            help="A kept checkpoint (a file `audit checkpoint` wrote, or SEQ:HASH): the "
            "ledger must extend it.",
        ),
    ] = None,
    repo: RepoOpt = None,
) -> int:
    """Recompute the ledger's hash chain and report hashes; walk the branch's history (the
    ledger only grows, only signed apply commits change it); compare deploy/, artifacts and
    the applied state with the branch. Exit 0 intact, 1 broken (the first problem first)."""
    from modelops_gitops.commands import audit_verify as verify_command

    return verify_command.verify(
        resolve_repo(repo, governed=False),
        rev,
        _format(fmt, ("text", "json")),
        not no_cache,
        checkpoint,
    )


@audit_app.command("checkpoint")
def audit_checkpoint(
    sign_key: Annotated[
        Path | None,
        typer.Option("--sign-key", help="SSH private key file: sign the line (ssh-keygen -Y)."),
    ] = None,
    repo: RepoOpt = None,
) -> int:
    """Print the committed ledger's head as one line to keep (seq, entry hash, commit,
    time), signed with --sign-key; `audit verify --checkpoint` proves a later ledger extends
    it."""
    from modelops_gitops.commands import audit as audit_command

    return audit_command.checkpoint(resolve_repo(repo), sign_key)


@audit_app.command("export")
def audit_export(
    since: Annotated[
        str | None, typer.Option(help="From this date (YYYY-MM-DD) or ISO 8601 time, UTC.")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Up to this date (the whole day, UTC) or ISO 8601 time."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="csv, json, or openlineage (JSON lines of run events)."
        ),
    ] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    repo: RepoOpt = None,
) -> int:
    """One row per ledger entry in the period: change, PR, approvers, policy set, gates,
    reports, hash (or, with --format openlineage, one OpenLineage run event per entry)."""
    from modelops_gitops.audit.queries import parse_moment
    from modelops_gitops.commands import audit as audit_command

    return audit_command.export(
        resolve_repo(repo),
        parse_moment(since, "--since") if since is not None else None,
        parse_moment(until, "--until") if until is not None else None,
        _format(fmt, ("csv", "json", "openlineage")),
        out,
    )


@audit_app.command("at")
def audit_at(
    moment: Annotated[
        str, typer.Argument(help="YYYY-MM-DD (the end of that day, UTC) or ISO 8601 time.")
    ],
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """What held each stage of every model at that moment: who approved it, when, on what
    evidence (PR, merge commit, gates, reports)."""
    from modelops_gitops.audit.queries import parse_moment
    from modelops_gitops.commands import audit_at

    return audit_at.at(
        resolve_repo(repo), parse_moment(moment, "DATE"), _format(fmt, ("text", "json"))
    )


@app.command()
def status(
    model: Annotated[str | None, typer.Argument(help="Only this model.")] = None,
    fmt: FormatOpt = "text",
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 1 when a stage is out of sync or drifted, or the audit trail is broken.",
        ),
    ] = False,
    waiver_horizon: Annotated[
        int, typer.Option("--waiver-horizon", min=0, help="Days ahead a waiver 'expires soon'.")
    ] = 14,
    now: Annotated[
        str | None, typer.Option(help="Judge waiver expiry at this date (default: today).")
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Also compare what each deploy target serves (MLflow aliases, deploy files) "
            "with the ledger; --check then fails on any difference or unreachable target.",
        ),
    ] = False,
    repo: RepoOpt = None,
) -> int:
    """Per model and stage: sync (desired vs applied from the ledger), health (latest
    monitor result, waivers expiring or expired) and, with --live, the deploy targets. Exit 0
    (a view) unless --check."""
    from modelops_gitops.commands import status as status_command

    moment = _instant(now) or datetime.now(UTC)
    return status_command.run(
        resolve_repo(repo),
        model,
        _format(fmt, ("text", "json")),
        check=check,
        horizon_days=waiver_horizon,
        today=moment.date(),
        live=live,
    )


@app.command()
def history(
    model: Annotated[str, typer.Argument(help="Model name.")],
    fmt: FormatOpt = "text",
    repo: RepoOpt = None,
) -> int:
    """The applied changes of one model, from the ledger: when, what, which PR, who approved."""
    from modelops_gitops.commands import history as history_command

    return history_command.run(resolve_repo(repo), model, _format(fmt, ("text", "json")))


def _instant(value: str | None, flag: str = "--now") -> datetime | None:
    if value is None:
        return None
    if flag == "--at" and (ahead := re.fullmatch(r"\+(\d{1,5})([hd])", value)):  # +25h, +3d
        hours = int(ahead.group(1)) * (24 if ahead.group(2) == "d" else 1)
        return datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{flag}: not an ISO 8601 time{' or +Nh/+Nd' if flag == '--at' else ''}: {value!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"modelops-gitops {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    color: Annotated[
        str,
        typer.Option(
            "--color",
            help="Colour: auto (a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces it),"
            " always or never.",
        ),
    ] = "auto",
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print only errors and the verdict line."),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Show every step as it starts and ends, and which gates ran."
        ),
    ] = False,
) -> None:
    """modelops-gitops: models, stages and policies as YAML; plans, gates, apply, audit."""
    if color not in COLOR_CHOICES:
        raise InputError(f"--color: expected one of {', '.join(COLOR_CHOICES)}, got {color!r}")
    if quiet and verbose:
        raise InputError("--quiet and --verbose: choose one")
    set_color(color)
    set_verbosity("quiet" if quiet else "verbose" if verbose else "normal")
    if quiet:
        quiet_output.begin()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every outcome into an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in args  # hidden, accepted anywhere on the line
    args = [a for a in args if a != "--traceback"]
    code = guarded(lambda: _run(args), show_traceback=show_traceback)
    quiet_output.finish(args)
    collector.skip_exit_scan()
    sys.exit(code)


def _run(args: list[str]) -> int:
    """typer's own outcomes as exit codes; the rest is left to the boundary (`guarded`)."""
    click_command = plain_help(typer.main.get_command(app))
    try:
        with collector.relaxed():  # millions of objects kept to the end: few cycle scans
            code = click_command.main(args=args, prog_name="modelops-gitops", standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        code = EXIT_INPUT
    except ClickException as exc:  # usage errors: unknown option, missing argument
        exc.show()
        code = EXIT_INPUT
    return code if isinstance(code, int) else 0
