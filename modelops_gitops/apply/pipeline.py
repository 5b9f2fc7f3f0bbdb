"""`apply`: make the ledger say what HEAD says, for every change a reviewed PR explains.

    prepare   on the default branch; audit/ and deploy/ free of links; leftovers of an
              interrupted run discarded; anything else dirty stops apply
    compute   ledger at HEAD -> applied state; desired stages at HEAD; each difference
              re-checked (apply_reconcile) -> sealed entries, reports, deploy files, in memory
    write_reports / write_ledger / write_deploy   the files, each atomically
    commit    exactly those paths, ONE commit
    push      (--push) to the remote's branch; rejected -> fetch, reset, recompute, retry
    deliver   once the ledger at HEAD is on the remote (or there is none): every deploy target
              that delivers is converged on the ledger (apply/delivery.py); what fails stays
              pending and is found again by the next run (`deliver_only` does just this step)

A crash between any two steps leaves either nothing committed (the next run discards the
written files as leftovers and recomputes the same thing) or the whole commit (the next run
finds nothing to apply, and pushes it with --push). The steps are module-level functions
called through the module, so a test can stop the process right after any of them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from modelops_gitops import git
from modelops_gitops.apply import commit as apply_commit
from modelops_gitops.apply import delivery, deploy_state, guard, repair, targets
from modelops_gitops.apply import tags as gto_tags
from modelops_gitops.apply.evidence import draft_entry
from modelops_gitops.apply.reconcile import Accepted, Clock, Refused, reconcile
from modelops_gitops.apply.reports import render_reports
from modelops_gitops.apply.sources import Explained, PullRequests
from modelops_gitops.audit.ledger import (
    GENESIS,
    LEDGER_PATH,
    LedgerChange,
    LedgerEntry,
    PullRequestRef,
    ReportRef,
    parse_ledger,
    serialize,
)
from modelops_gitops.audit.provenance import Introduction
from modelops_gitops.audit.replay import differences, replay
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.errors import ConflictError, InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.git.tree import GitTree
from modelops_gitops.plan.approvals import ApprovalsInput
from modelops_gitops.plan.result import Change, ChangeResult
from modelops_gitops.plan.rules.base import GateRunner
from modelops_gitops.repo.state import RepoState, load_state
from modelops_gitops.times import iso_utc, wall_clock

REHEARSAL_ONLY = (
    "apply --at rehearses: it needs --dry-run. A real apply judges every merge at the time it "
    "merged, never at a time it is given"
)


@dataclass(frozen=True)
class Options:
    pulls: PullRequests
    gates: Callable[[Path], GateRunner] | None = None  # a runner factory (None: gates pending)
    adopt: bool = False
    push: bool = False
    remote: str = "origin"
    retries: int = 5
    tag: bool = False
    dry_run: bool = False
    sign_key: Path | None = None  # SSH private key file: the apply commit is signed with it
    clock: Clock | None = None  # the wall clock (read by the command) and a rehearsal's --at
    deliver_attempts: int = delivery.ATTEMPTS


@dataclass(frozen=True)
class Computed:
    """Everything one apply writes, computed before anything is written."""

    head: str
    branch: str
    entries: list[LedgerEntry]  # the ledger at HEAD
    new: list[LedgerEntry]  # sealed, in order
    refused: list[Refused]
    reports: list[tuple[str, bytes]]
    deploy: dict[str, bytes | None]
    state: RepoState
    targets: list[targets.DeployTarget]
    prs: dict[int, PullRequestRef] = field(default_factory=dict)  # seq -> PR

    @property
    def ledger(self) -> bytes:
        return serialize([*self.entries, *self.new])

    def paths(self) -> list[str]:
        return sorted({LEDGER_PATH, *(p for p, _ in self.reports), *self.deploy})


@dataclass
class Outcome:
    computed: Computed
    commit: str | None = None  # the apply commit (None: nothing to commit)
    pushed: bool = False
    attempts: int = 1
    discarded: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    unpushed: int = 0  # apply commits on the branch the remote does not have (no --push)
    pushed_applies: list[str] = field(default_factory=list)  # apply commits this run pushed
    delivery: delivery.Delivery | None = None  # None: not delivered (not on the remote yet)

    @property
    def refused(self) -> list[Refused]:
        return self.computed.refused


# --- steps --------------------------------------------------------------------------------


def prepare(root: Path, *, dry_run: bool) -> tuple[str, list[str]]:
    """Check where apply runs; discard leftovers (not in a dry run). (branch, discarded)"""
    with GitTree(root, "HEAD") as tree:
        state = load_state(tree, models=())
        apply_commit.check_branch(root, state.spec.default_branch)
        apply_commit.check_special(root, tree)
        if dry_run:
            foreign = [p for p in git.dirty_paths(root) if not apply_commit.owned(p)]
            if foreign:
                raise InputError(f"the work tree has changes apply would not commit: {foreign}")
            return state.spec.default_branch, []
        return state.spec.default_branch, apply_commit.discard_leftovers(root, tree)


def compute(root: Path, branch: str, options: Options) -> Computed:
    head = git.resolve(root, "HEAD")
    with GitTree(root, head) as tree:
        state = load_state(tree)
        raw = tree.read(LEDGER_PATH) if tree.exists(LEDGER_PATH) else b""
        on_branch = deploy_state.deploy_files_in(tree)
    entries = parse_ledger(raw)
    chosen = targets.configured(state)
    desired = {name: dict(m.spec.stages) for name, m in state.models.items() if m.spec.stages}
    if options.adopt:
        if entries:
            raise InputError.at(
                LEDGER_PATH, "--adopt starts a ledger; this one already has entries"
            )
        accepted = adoption(root, head, state, desired)
        refused: list[Refused] = []
    else:
        diffs = differences(replay(entries), desired)
        gates = options.gates(root) if options.gates and diffs else None
        clock = options.clock or Clock(wall_clock())
        accepted, refused = reconcile(
            root, head, entries, diffs, options.pulls, gates, _draft, clock
        )
    new, reports = seal(entries, accepted)
    deploy = targets.deploy_files(chosen, new, state.models)
    if not options.adopt:
        repairs, restored = repair.repairs(
            root, head, [*entries, *new], state, chosen, on_branch, deploy
        )
        new += repairs
        deploy |= restored
    prs = {entry.seq: entry.pr for entry in new}
    return Computed(head, branch, entries, new, refused, reports, deploy, state, chosen, prs)


def write_reports(root: Path, computed: Computed) -> None:
    for path, data in computed.reports:
        write_atomic(root / path, data)


def write_ledger(root: Path, computed: Computed) -> None:
    write_atomic(root / LEDGER_PATH, computed.ledger)


def write_deploy(root: Path, computed: Computed) -> None:
    for path, data in sorted(computed.deploy.items()):
        if data is None:
            target = root / path
            if target.is_symlink() or target.exists():
                target.unlink()
        else:
            write_atomic(root / path, data)


def commit(root: Path, computed: Computed, sign_key: Path | None = None) -> str:
    return apply_commit.commit(root, computed.paths(), commit_message(computed), sign_key)


def push(root: Path, remote: git.Remote) -> None:
    git.push(root, remote, [])


# --- the run ------------------------------------------------------------------------------


def run(root: Path, options: Options) -> Outcome:
    """Apply once, or with --push until the push lands (at most `retries` attempts), holding
    the clone's apply lock; never on a broken trail. A rehearsal (`clock.at`) is a dry run."""
    if options.clock is not None and options.clock.at is not None and not options.dry_run:
        raise InputError(REHEARSAL_ONLY)
    if options.dry_run:
        return _run(root, options)
    with guard.locked(root):
        return _run(root, options)


def _run(root: Path, options: Options) -> Outcome:
    branch, discarded = prepare(root, dry_run=options.dry_run)
    guard.check_ledger(root)
    remote = git.Remote(options.remote, branch) if options.push else None
    if remote is not None and not options.dry_run:
        apply_commit.check_remote(root, remote)
    attempts = 0
    while True:
        attempts += 1
        computed = compute(root, branch, options)
        if options.dry_run:
            return Outcome(computed, attempts=attempts, discarded=discarded)
        delivery.ready(computed.targets)
        outcome = _apply_once(root, computed, options, attempts, discarded)
        if remote is None:
            outcome.unpushed = unpushed(root, git.Remote(options.remote, branch))
            if not outcome.unpushed:
                outcome.delivery = _deliver(root, computed, options)
            return outcome
        try:
            _push_if_ahead(root, remote, outcome)
        except git.PushRejected as exc:
            if attempts >= options.retries:
                raise ConflictError(
                    f"apply: the push to {remote.name}/{remote.branch} was rejected "
                    f"{attempts} times (the branch kept moving); last answer: "
                    f"{exc.args[0].splitlines()[-1] if exc.args[0] else 'rejected'}. "
                    "Run apply again."
                ) from None
            _backoff(attempts)
            git.fetch(root, remote)
            apply_commit.reset_to_remote(root, remote)
            continue
        outcome.delivery = _deliver(root, computed, options)
        return outcome


def _deliver(root: Path, computed: Computed, options: Options) -> delivery.Delivery:
    ledger = [*computed.entries, *computed.new]
    return delivery.converge(
        root, computed.targets, ledger, computed.new, attempts=options.deliver_attempts
    )


def _apply_once(
    root: Path, computed: Computed, options: Options, attempts: int, discarded: list[str]
) -> Outcome:
    outcome = Outcome(computed, attempts=attempts, discarded=discarded)
    if computed.new and options.sign_key is None and computed.state.spec.audit.signers:
        raise InputError(
            "apply: modelops.yaml declares spec.audit.signers, so the apply commit must be "
            "signed: give --sign-key FILE or set MODELOPS_GITOPS_SIGNING_KEY "
            "(docs/security.md, 'Signing apply commits')"
        )
    if computed.new:
        write_reports(root, computed)
        write_ledger(root, computed)
        write_deploy(root, computed)
        outcome.commit = commit(root, computed, options.sign_key)
    if options.tag:
        outcome.tags = [t.name for t in _tag(root, computed)]
    return outcome


def _push_if_ahead(root: Path, remote: git.Remote, outcome: Outcome) -> None:
    """Push the branch when it has commits the remote lacks (this run's, or a commit an
    interrupted run made but did not push), with any tags made."""
    remote_tip = git.fetch(root, remote)
    ahead = apply_commit.local_only(root, remote) if remote_tip else [("", "")]
    tag_refs = [f"refs/tags/{name}" for name in outcome.tags]
    if ahead:
        git.push(root, remote, tag_refs)
        outcome.pushed = True
        outcome.pushed_applies = [  # oldest first
            sha
            for sha, subject in reversed(ahead)
            if sha and subject.startswith(apply_commit.COMMIT_PREFIX)
        ]
        if not remote_tip and outcome.commit:  # a first push: everything went
            outcome.pushed_applies = [outcome.commit]
    elif tag_refs:
        git.push(root, remote, tag_refs)


def unpushed(root: Path, remote: git.Remote) -> int:
    """Commits on the branch its remote-tracking branch lacks (0 without one), for the
    summary of a run without --push. Nothing is fetched."""
    if not git.has_ref(root, remote.tracking):
        return 0
    return len(apply_commit.local_only(root, remote))


def _backoff(attempt: int) -> None:
    """Exponential backoff with full jitter: 0.1 s, 0.2 s, 0.4 s ... (at most 5 s)."""
    time.sleep(random.uniform(0, min(5.0, 0.1 * 2 ** (attempt - 1))))


def _tag(root: Path, computed: Computed) -> list[gto_tags.Tag]:
    ledger = [*computed.entries, *computed.new]
    return gto_tags.create_missing(root, gto_tags.wanted(root, "HEAD", computed.state, ledger))


# --- entries ------------------------------------------------------------------------------


def _draft(item: Accepted) -> LedgerEntry:
    return draft_entry(
        item.change, item.intro, item.explained.pr, item.result, item.policy_set_sha256
    )


def seal(
    entries: Sequence[LedgerEntry], accepted: Sequence[Accepted]
) -> tuple[list[LedgerEntry], list[tuple[str, bytes]]]:
    """Chain the accepted changes after `entries`, one at a time: place (seq, prev_hash),
    render the reports from that entry, record their hashes, seal."""
    prev_hash = entries[-1].hash if entries else GENESIS
    seq = entries[-1].seq if entries else 0
    sealed: list[LedgerEntry] = []
    reports: list[tuple[str, bytes]] = []
    for item in accepted:
        seq += 1
        placed = _draft(item).model_copy(
            update={"seq": seq, "prev_hash": prev_hash, "reports": (), "hash": ""}
        )
        rendered = render_reports(placed, item.result)
        refs = tuple(ReportRef(path=path, sha256=sha256_bytes(data)) for path, data in rendered)
        entry = placed.model_copy(update={"reports": refs}).sealed()
        sealed.append(entry)
        reports += rendered
        prev_hash = entry.hash
    return sealed, reports


def adoption(
    root: Path, head: str, state: RepoState, desired: dict[str, dict[str, str]]
) -> list[Accepted]:
    """`--adopt`: every stage at HEAD as found, `stage.adopted`, at HEAD's commit time,
    with no PR and no approvals (the ledger says so; audit and status show it)."""
    when = iso_utc(git.commit_time(root, head))
    intro = Introduction(commit=head, parents=git.parents(root, head), time=when)
    nobody = Explained(PullRequestRef(), ApprovalsInput(author="-", head_sha=head), head)
    out = []
    for model in sorted(desired):
        for stage, version in sorted(desired[model].items()):
            change = LedgerChange.model_validate(
                {
                    "kind": "stage.adopted",
                    "model": model,
                    "stage": stage,
                    "version": version,
                    "from": None,
                    "to": version,
                }
            )
            plan_change = Change(kind="stage.adopted", model=model, stage=stage, to=version)
            result = ChangeResult(change=plan_change, result="pass", findings=())
            out.append(Accepted(change, intro, nobody, result, state.policy_set_sha256()))
    return out


# --- the commit message -------------------------------------------------------------------


def describe(entry: LedgerEntry) -> str:
    """`credit production 1.1.0 -> 1.2.0 (PR #12)`"""
    change = entry.change
    versions = f"{change.from_ or '(none)'} -> {change.to or '(removed)'}"
    if change.kind == "stage.adopted":
        return f"{change.model} {change.stage} {change.to} (adopted)"
    if entry.repair is not None:
        return f"{change.model} {change.stage}: repaired {entry.repair.path} (drifted)"
    if entry.pr.number is not None:
        why = f"PR #{entry.pr.number}"
    else:
        why = f"merge {entry.merge_commit[:12]}"
    kind = " rollback" if change.kind == "stage.rollback" else ""
    return f"{change.model} {change.stage}{kind} {versions} ({why})"


def commit_message(computed: Computed) -> str:
    new = computed.new
    if len(new) == 1:
        return f"{apply_commit.COMMIT_PREFIX} {describe(new[0])}\n"
    lines = [f"- {describe(e)} [seq {e.seq}]" for e in new]
    subject = f"{apply_commit.COMMIT_PREFIX} {len(new)} changes"
    return subject + "\n\n" + "\n".join(lines) + "\n"
