"""The audit benchmark's repository, with a history `audit verify` can walk: every ledger
entry recorded by an apply commit that follows the merge commit it applies, as `apply` does.

    build(root, models, per_model) -> entry count     (bench/audit_bench.py calls it)

On the validate benchmark's repository (bench/repo_gen.py: `models` model files, 5 versions
each), with the artifacts of the versions that end up holding a stage written for real (and
their sha256 in the model files):

    initial commit         every model, no stage held yet
    per walk step (per_model steps; staging and production through 1.0.0 .. 1.4.0, with one
    rollback), for each batch of `models // BATCHES` models:
      a PR commit          the batch's model files with that step's stage change
      a merge commit       --no-ff into main (its committer time is the entries' time)
    then one apply commit  the ledger with one entry per changed model appended (merge_commit,
                           time, change re-derivable from the merge), three reports per entry;
                           the last one also writes deploy/ as the manifest target does

So per_model=10 and models=10,000 give 100,000 entries, 200 merge/PR commits and 10 apply
commits (each apply catches up ten merges, as a scheduled apply would). Commits are written
with `git fast-import` (the ledger at each apply commit is one blob, deltified against the
previous one), then checked out.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from repo_gen import generate_repo, model_yaml

from modelops_gitops.audit.ledger import (
    LEDGER_PATH,
    REPORTS_DIR,
    GateSummary,
    LedgerApproval,
    LedgerChange,
    LedgerEntry,
    PullRequestRef,
    ReportRef,
    RuleOutcome,
)

BATCHES = 10
START = 1_700_000_000
FINAL_STAGES = "  stages:\n    staging: 1.4.0\n    production: 1.3.0\n"
IDENTITY = "bench <bench@example.com>"

# s = staging, p = production: (stage, version, kind); ends at staging 1.4.0, production 1.3.0
WALK = [
    ("staging", "1.0.0", "stage.promoted"),
    ("production", "1.0.0", "stage.promoted"),
    ("staging", "1.1.0", "stage.promoted"),
    ("production", "1.1.0", "stage.promoted"),
    ("staging", "1.2.0", "stage.promoted"),
    ("production", "1.2.0", "stage.promoted"),
    ("production", "1.1.0", "stage.rollback"),
    ("staging", "1.3.0", "stage.promoted"),
    ("production", "1.3.0", "stage.promoted"),
    ("staging", "1.4.0", "stage.promoted"),
]
PEOPLE = [
    ("priya-validation", ("model-risk", "validation")),
    ("henrik-mrm", ("model-risk",)),
    ("tobias-ml", ("ml-team",)),
    ("nina-sre", ("platform",)),
]


def _hex(seed: str, n: int = 64) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def reports_of(entry: LedgerEntry, rng: random.Random) -> dict[str, bytes]:
    """Three reports of realistic shape and size (~1.5 KB, ~2.5 KB, ~6 KB)."""
    c = entry.change
    stem = f"{REPORTS_DIR}/{c.model}/{entry.seq:06d}-{c.stage}-{c.version}"
    rules = "\n".join(f"| {r.policy} | {r.rule} | {r.type} | {r.result} |" for r in entry.rules)
    people = "\n".join(
        f"- {a.login} ({', '.join(a.teams)}) at {a.submitted_at}" for a in entry.approvals
    )
    metrics = {m: round(rng.uniform(0.5, 0.95), 4) for m in ("roc_auc", "accuracy", "f1", "recall")}
    md = (
        f"# {c.model}: {c.stage} {c.from_ or '(none)'} -> {c.to}\n\n"
        f"Applied {entry.time} from PR #{entry.pr.number} *{entry.pr.title}* by {entry.pr.author},"
        f" merge commit `{entry.merge_commit}`.\n\n## Why it was allowed\n\n"
        f"| policy | rule | type | result |\n|---|---|---|---|\n{rules}\n\n"
        f"## Approvals\n\n{people}\n\n## Gates\n\n"
        + "\n".join(f"- **{g.gate}** {g.status}: {g.summary}" for g in entry.gates)
        + f"\n\nPolicy set `{entry.policy_set_sha256}`; extends ledger hash `{entry.prev_hash}`.\n"
    )
    js = json.dumps(
        {
            "schema_version": 1,
            "entry": {"seq": entry.seq, "prev_hash": entry.prev_hash, "time": entry.time},
            "change": c.model_dump(by_alias=True),
            "rules": [r.model_dump() for r in entry.rules],
            "gates": [
                {**g.model_dump(), "metrics": metrics, "thresholds": {"roc_auc": ">= 0.75"}}
                for g in entry.gates
            ],
            "approvals": [a.model_dump() for a in entry.approvals],
        },
        indent=2,
        sort_keys=True,
    )
    points = " ".join(f"{x * 12},{int(200 - rng.uniform(0, 180))}" for x in range(40))
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 200" width="480" height="200">'
        f'<polyline fill="none" stroke="#1f77b4" points="{points}"/></svg>'
    )
    css = "body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{padding:4px 8px;border:1px solid #ccc}@media print{a{color:#000}}"
    html = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{c.model} {c.stage}</title>"
        f"<style>{css}</style><body>{md.replace(chr(10), '<br>')}<figure>{svg}</figure>"
        f"<pre>{js[:1500]}</pre></body></html>\n"
    )
    return {f"{stem}.md": md.encode(), f"{stem}.json": js.encode(), f"{stem}.html": html.encode()}


def draft(
    seq: int,
    name: str,
    step: tuple[str, str, str],
    before: str | None,
    merge: str,
    when: str,
    prev_hash: str,
    rng: random.Random,
) -> LedgerEntry:
    """One unsealed entry (reports not yet attached)."""
    stage, version, kind = step
    approvals = tuple(
        LedgerApproval(login=login, teams=teams, commit=merge, submitted_at=when)
        for login, teams in rng.sample(PEOPLE, 2)
    )
    return LedgerEntry(
        seq=seq,
        prev_hash=prev_hash,
        time=when,
        change=LedgerChange.model_validate(
            {"kind": kind, "model": name, "stage": stage, "version": version, "from": before,
             "to": version}
        ),
        merge_commit=merge,
        pr=PullRequestRef(
            number=seq,
            title=f"{name} {version} to {stage}",
            author="jonas-credit",
            head_sha=_hex(f"head{seq}", 40),
        ),
        approvals=approvals,
        policy_set_sha256=_hex("policies"),
        rules=(
            RuleOutcome(
                policy="production-high-risk", rule="four-eyes", type="approvals", result="pass"
            ),
            RuleOutcome(
                policy="production-high-risk", rule="soak", type="previous_stage", result="pass"
            ),
            RuleOutcome(policy="freeze", rule="year-end", type="freeze", result="pass"),
            RuleOutcome(
                policy="production-high-risk", rule="card", type="documentation", result="pass"
            ),
        ),
        gates=(
            GateSummary(
                gate="test",
                rule="quality",
                status="pass",
                summary="roc_auc 0.8312 >= 0.75; claimed metrics reproduced",
            ),
            GateSummary(
                gate="champion",
                rule="beats-champion",
                status="pass",
                summary="roc_auc +0.0123 (95% CI 0.004..0.021) >= 0.005",
            ),
        ),
    )  # fmt: skip


# --- the model files and artifacts ---------------------------------------------------------


def artifact_bytes(name: str, version: str) -> bytes:
    return f"benchmark artifact {name} {version}\n".encode() * 8


def model_text(index: int, stages: dict[str, str]) -> str:
    """repo_gen's model file with real digests for the artifacts written, and `stages`."""
    name = f"model-{index:05d}"
    text = model_yaml(index)
    assert text.endswith(FINAL_STAGES), "repo_gen's model file changed: update FINAL_STAGES"
    text = text[: -len(FINAL_STAGES)]
    for v in range(5):
        version = f"1.{v}.0"
        fake = _hex("a" + f"{index}-{v}")
        real = hashlib.sha256(artifact_bytes(name, version)).hexdigest()
        text = text.replace(f"sha256: {fake}", f"sha256: {real}", 1)
    if stages:
        text += "  stages:\n" + "".join(f"    {s}: {v}\n" for s, v in stages.items())
    return text


# --- git ---------------------------------------------------------------------------------------


def git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, input=stdin, capture_output=True, check=True)
    return proc.stdout.decode().strip()


def fast_import(repo: Path, chunks: Iterator[bytes], marks: Path) -> dict[str, str]:
    """Feed the stream; :mark -> sha of what it wrote."""
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
        cwd=repo,
        stdin=subprocess.PIPE,
    )
    assert proc.stdin is not None
    for chunk in chunks:
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    found = {}
    for line in marks.read_text().splitlines():
        mark, sha = line.split()
        found[mark] = sha
    return found


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _commit(ref: str, mark: str, when: int, message: str, parent: str) -> bytes:
    head = f"commit {ref}\nmark {mark}\ncommitter {IDENTITY} {when} +0000\n".encode()
    return head + _data(message.encode()) + f"from {parent}\n".encode()


def _file(path: str, payload: bytes) -> bytes:
    return f"M 100644 inline {path}\n".encode() + _data(payload)


# --- the history ---------------------------------------------------------------------------


def build(root: Path, models: int, per_model: int) -> int:
    """Write the repository (see the module docstring); the number of entries."""
    generate_repo(root, models)
    for path in ("audit", "deploy", "artifacts"):
        subprocess.run(["rm", "-rf", str(root / path)], check=True)
    for index in range(models):
        name = f"model-{index:05d}"
        (root / "models" / name / "model.yaml").write_text(model_text(index, {}))
        folder = root / "artifacts" / name
        folder.mkdir(parents=True, exist_ok=True)
        for v in range(5):
            (folder / f"1.{v}.0.skops").write_bytes(artifact_bytes(name, f"1.{v}.0"))
    git(root, "add", "--all")
    env_date = f"{START} +0000"
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q",
         "-m", "models", "--date", env_date],
        cwd=root, check=True, env={"GIT_COMMITTER_DATE": env_date, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    rng = random.Random(20241126)
    held: dict[tuple[int, str], str] = {}
    stages: dict[int, dict[str, str]] = {i: {} for i in range(models)}
    entries: list[LedgerEntry] = []
    ledger = bytearray()
    prev_hash, seq, clock = "0" * 64, 0, START
    size = max(1, models // BATCHES)
    marks = root / ".git" / "bench-marks"
    for step_no in range(per_model):
        step = WALK[step_no % len(WALK)]
        stage, version, _ = step
        batches = [list(range(b, min(b + size, models))) for b in range(0, models, size)]
        stream: list[bytes] = []
        times: list[int] = []
        parent = "refs/heads/main^0"
        for number, batch in enumerate(batches, 1):
            files = b""
            for index in batch:
                stages[index][stage] = version
                text = model_text(index, stages[index]).encode()
                files += _file(f"models/model-{index:05d}/model.yaml", text)
            clock += 60
            stream += [_commit("refs/heads/bench-pr", f":{2 * number}", clock, "PR", parent), files]
            clock += 60
            times.append(clock)
            message = f"Merge pull request #{step_no * len(batches) + number}"
            stream += [
                _commit("refs/heads/main", f":{2 * number + 1}", clock, message, parent),
                f"merge :{2 * number}\n".encode() + files,
            ]
            parent = f":{2 * number + 1}"
        shas = fast_import(root, iter(stream), marks)
        clock += 60
        message = f"modelops-gitops apply: bench step {step_no + 1}"
        stream = [_commit("refs/heads/main", ":1", clock, message, "refs/heads/main^0")]
        for number, batch in enumerate(batches, 1):
            merge, when = shas[f":{2 * number + 1}"], times[number - 1]
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
            for index in batch:
                seq += 1
                before = held.get((index, stage))
                held[(index, stage)] = version
                entry = draft(seq, f"model-{index:05d}", step, before, merge, stamp, prev_hash, rng)
                reports = reports_of(entry, rng)
                refs = tuple(
                    ReportRef(path=p, sha256=hashlib.sha256(d).hexdigest())
                    for p, d in reports.items()
                )
                entry = entry.model_copy(update={"reports": refs}).sealed()
                prev_hash = entry.hash
                ledger += entry.line()
                entries.append(entry)
                stream += [_file(p, d) for p, d in reports.items()]
        if step_no == per_model - 1:
            stream += [_file(p, d) for p, d in deploy_files(root, stages, entries).items()]
        stream.append(_file(LEDGER_PATH, bytes(ledger)))
        fast_import(root, iter(stream), marks)
        print(f"  step {step_no + 1}/{per_model}: {seq} entries", flush=True)
    git(root, "branch", "-D", "bench-pr")
    git(root, "reset", "--hard", "-q", "HEAD")
    marks.unlink()
    return seq


def deploy_files(
    root: Path, stages: dict[int, dict[str, str]], entries: list[LedgerEntry]
) -> dict[str, bytes]:
    """deploy/ as the manifest target writes it (the final model files in the work tree)."""
    from modelops_gitops.apply.deploy_state import expected
    from modelops_gitops.apply.targets import ManifestTarget
    from modelops_gitops.repo.state import load_state
    from modelops_gitops.repo.tree import WorkTree

    for index, held in stages.items():
        path = root / "models" / f"model-{index:05d}" / "model.yaml"
        path.write_text(model_text(index, held))
    wanted = expected(entries, load_state(WorkTree(root)), [ManifestTarget()])
    return {path: data for path, (data, _) in wanted.items() if data is not None}
