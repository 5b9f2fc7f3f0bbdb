"""The docs cannot drift from the product: every cookbook policy loads and validates inside the
bundled example, the auditors' standard-library verifier catches what `audit verify` catches,
links resolve, and every `modelops-gitops` flag the docs mention exists."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import PROJECT_ROOT, Result, copy_example, git

from modelops_gitops import cli
from modelops_gitops.audit.ledger import (
    GENESIS,
    LedgerChange,
    LedgerEntry,
    PullRequestRef,
    ReportRef,
    chain,
    serialize,
)
from modelops_gitops.digest import sha256_bytes
from modelops_gitops.git.tree import GitTree
from modelops_gitops.repo.load import load_document
from modelops_gitops.repo.state import load_state

Cli = Callable[..., Result]
DOCS = PROJECT_ROOT / "docs"
COOKBOOK = DOCS / "policy-cookbook.md"
AUDITORS = DOCS / "auditors.md"
README = PROJECT_ROOT / "README.md"
# Commands documented before they exist (when one is being built in parallel): their flags are
# checked as soon as they are added to the CLI; until then they are only listed here.
NOT_YET_BUILT: set[str] = set()


def fenced(path: Path, language: str) -> list[str]:
    """The bodies of the ```language blocks of a markdown file, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text("utf-8"), re.M | re.S)


def name_of(snippet: str) -> str:
    match = re.search(r"^metadata:\n  name: (\S+)$", snippet, re.M)
    assert match, f"no metadata.name in:\n{snippet}"
    return match.group(1)


COOKBOOK_YAML = fenced(COOKBOOK, "yaml")
COOKBOOK_IDS = [name_of(s) for s in COOKBOOK_YAML]


# -- the policy cookbook -------------------------------------------------------------------


def test_the_cookbook_has_the_ten_recipes() -> None:
    titles = re.findall(r"^## (\d+)\. (.+)$", COOKBOOK.read_text("utf-8"), re.M)
    assert [t for _, t in titles] == [
        "Four-eyes",
        "Risk tiers",
        "Soak time",
        "Freeze windows",
        "Champion-challenger",
        "Fairness",
        "Drift",
        "Documentation",
        "Waivers",
        "Rollbacks",
    ]
    assert [int(n) for n, _ in titles] == list(range(1, 11))
    assert len(COOKBOOK_YAML) >= 10
    assert len(set(COOKBOOK_IDS)) == len(COOKBOOK_IDS), "two recipes share a metadata.name"


@pytest.mark.parametrize("snippet", COOKBOOK_YAML, ids=COOKBOOK_IDS)
def test_cookbook_snippet_loads(snippet: str) -> None:
    doc, problems = load_document(f"policies/{name_of(snippet)}.yaml", snippet.encode())
    assert problems == [], "\n".join(map(str, problems))
    assert doc is not None
    assert snippet.startswith("apiVersion: modelops-gitops/v1\n")


@pytest.fixture(scope="module")
def example_documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example's documents (no data: validate does not read it)."""
    return copy_example(
        tmp_path_factory.mktemp("docs") / "example", ("modelops.yaml", "models", "policies")
    )


@pytest.mark.parametrize("snippet", COOKBOOK_YAML, ids=COOKBOOK_IDS)
def test_cookbook_snippet_validates_in_the_bundled_example(
    snippet: str, example_documents: Path, tmp_path: Path, cli: Cli
) -> None:
    """Cross-checks too: the teams, stages, models, policies and rules a snippet names must
    exist in the example (a waiver's policy and rule, an approvals rule's teams...)."""
    repo = tmp_path / "repo"
    shutil.copytree(example_documents, repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "policies" / f"{name_of(snippet)}.yaml").write_text(snippet, encoding="utf-8")
    result = cli("validate", "--repo", str(repo), "--no-cache")
    assert result.code == 0, result.output
    assert result.out.startswith("validate: ")


def test_a_broken_cookbook_snippet_would_be_caught(
    example_documents: Path, tmp_path: Path, cli: Cli
) -> None:
    """The two checks above are not vacuous: a typo and an unknown team both fail."""
    snippet = next(s for s in COOKBOOK_YAML if name_of(s) == "four-eyes")
    _, problems = load_document("policies/x.yaml", snippet.replace("min: 1", "minimum: 1").encode())
    assert any("unknown field" in p.message for p in problems)
    repo = tmp_path / "repo"
    shutil.copytree(example_documents, repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    bad = snippet.replace("      min: 1\n", "      min: 1\n      teams: [no-such-team]\n")
    (repo / "policies" / "four-eyes.yaml").write_text(bad, encoding="utf-8")
    result = cli("validate", "--repo", str(repo), "--no-cache")
    assert result.code == 2
    assert "unknown team 'no-such-team'" in result.out


# -- for auditors: the standard-library verifier --------------------------------------------


def verifier() -> str:
    [snippet] = [s for s in fenced(AUDITORS, "python") if "audit/ledger.jsonl" in s]
    return snippet


def policy_set_snippet() -> str:
    [snippet] = [s for s in fenced(AUDITORS, "python") if "policy_set" in s or "ls-tree" in s]
    return snippet


def draft(seq: int, model: str, to: str, title: str = "") -> LedgerEntry:
    return LedgerEntry(
        seq=1,
        prev_hash="",
        time=f"2026-11-2{seq}T10:00:00Z",
        change=LedgerChange(
            kind="stage.promoted", model=model, stage="production", version=to, to=to
        ),
        merge_commit=f"{seq}" * 40,
        pr=PullRequestRef(number=seq, title=title or f"Promote {model}", author="tobias-ml"),
        policy_set_sha256="d" * 64,
    )


@pytest.fixture
def audited(tmp_path: Path) -> Path:
    """A repository root with a three-entry ledger built by ledger.chain() and its reports."""
    entries: list[LedgerEntry] = []
    for seq, (model, to, title) in enumerate(
        [
            ("credit", "1.1.0", ""),
            ("credit", "1.2.0", "Kredit für Ärzte ✓"),
            ("diabetes", "1.0.0", ""),
        ],
        start=1,
    ):
        [placed] = chain(entries, [draft(seq, model, to, title)])
        refs = []
        for ext in ("md", "json", "html"):
            path = f"audit/reports/{model}/{seq:06d}-production-{to}.{ext}"
            data = f"report {seq} ({ext}) extends {placed.prev_hash}\n".encode()
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(data)
            refs.append(ReportRef(path=path, sha256=sha256_bytes(data)))
        entries.append(placed.model_copy(update={"reports": tuple(refs)}).sealed())
    (tmp_path / "audit" / "ledger.jsonl").write_bytes(serialize(entries))
    return tmp_path


def run_verifier(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-c", verifier()],  # -I: the standard library alone
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def ledger_lines(root: Path) -> list[bytes]:
    return (root / "audit" / "ledger.jsonl").read_bytes().splitlines(keepends=True)


def write_lines(root: Path, lines: list[bytes]) -> None:
    (root / "audit" / "ledger.jsonl").write_bytes(b"".join(lines))


def test_verifier_is_short_and_needs_only_the_standard_library() -> None:
    code = verifier()
    assert len(code.strip().splitlines()) <= 20
    imported = {m for line in re.findall(r"^import (.+)$", code, re.M) for m in line.split(", ")}
    assert imported <= set(sys.stdlib_module_names)


def test_verifier_accepts_an_intact_ledger(audited: Path) -> None:
    proc = run_verifier(audited)
    last = json.loads(ledger_lines(audited)[-1])["hash"]
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0,
        f"ok: 3 entries, last hash {last}\n",
        "",
    )


def test_verifier_accepts_an_empty_ledger(tmp_path: Path) -> None:
    (tmp_path / "audit").mkdir()
    (tmp_path / "audit" / "ledger.jsonl").write_bytes(b"")
    proc = run_verifier(tmp_path)
    assert (proc.returncode, proc.stdout) == (0, f"ok: 0 entries, last hash {GENESIS}\n")


def edit_field(lines: list[bytes]) -> list[bytes]:
    entry = json.loads(lines[1])
    entry["change"]["to"] = entry["change"]["version"] = "9.9.9"
    line = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return [lines[0], line.encode() + b"\n", lines[2]]


def reseal_edit(lines: list[bytes]) -> list[bytes]:
    """An edit whose own hash is recomputed: the next line's prev_hash no longer matches."""
    entry = LedgerEntry.model_validate_json(lines[1])
    change = entry.change.model_copy(update={"to": "9.9.9", "version": "9.9.9"})
    return [lines[0], entry.model_copy(update={"change": change}).sealed().line(), lines[2]]


def pretty(lines: list[bytes]) -> list[bytes]:
    entry = json.loads(lines[0])
    return [json.dumps(entry, sort_keys=True, ensure_ascii=False).encode() + b"\n", *lines[1:]]


TAMPERS: dict[str, tuple[Callable[[list[bytes]], list[bytes]], str]] = {
    "edit a field": (edit_field, "line 2: content does not match its hash"),
    "edit a field and reseal it": (reseal_edit, "line 3: chain broken (seq 3, prev_hash"),
    "delete a line": (lambda ls: [ls[0], ls[2]], "line 2: chain broken (seq 3, prev_hash"),
    "swap two lines": (lambda ls: [ls[0], ls[2], ls[1]], "line 2: chain broken (seq 3, prev_hash"),
    "reformat a line": (pretty, "line 1: not canonical JSON"),
}


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_verifier_names_the_first_broken_line(audited: Path, tamper: str) -> None:
    change, expected = TAMPERS[tamper]
    write_lines(audited, change(ledger_lines(audited)))
    proc = run_verifier(audited)
    assert proc.returncode == 1
    assert proc.stderr.startswith(expected), proc.stderr
    assert proc.stdout == ""


def test_verifier_catches_an_edited_report(audited: Path) -> None:
    report = audited / "audit/reports/credit/000002-production-1.2.0.html"
    report.write_bytes(report.read_bytes().replace(b"report 2", b"report 2, approved"))
    proc = run_verifier(audited)
    assert proc.returncode == 1
    assert proc.stderr == (
        "line 2: report audit/reports/credit/000002-production-1.2.0.html "
        "does not match its sha256\n"
    )


def test_verifier_agrees_with_a_ledger_written_by_apply(tmp_path: Path, cli: Cli) -> None:
    """The real thing: the example adopted, a promotion PR merged with two approvals, applied;
    the snippet and `audit verify` both accept it, and both reject an edited report."""
    from apply_fixtures import apply_repo, ledger_at, promote_credit, run_apply

    repo = apply_repo(tmp_path, remote=False)
    _, _, approvals = promote_credit(repo, tmp_path)
    code, out = run_apply(repo, "--approvals", str(approvals))
    assert code == 0, out
    entries = ledger_at(repo)
    assert entries[-1].change.kind == "stage.promoted"
    assert entries[-1].reports
    proc = run_verifier(repo)
    expected = f"ok: {len(entries)} entries, last hash {entries[-1].hash}\n"
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, expected, "")
    assert cli("audit", "verify", "--repo", str(repo)).code == 0
    report = repo / entries[-1].reports[0].path
    report.write_bytes(report.read_bytes() + b"\n")
    proc = run_verifier(repo)
    assert proc.returncode == 1
    assert proc.stderr == (
        f"line {len(entries)}: report {entries[-1].reports[0].path} does not match its sha256\n"
    )
    assert cli("audit", "verify", "--repo", str(repo)).code == 1


def test_policy_set_snippet_matches_the_tool(tmp_path: Path) -> None:
    """The auditors' recomputation of policy_set_sha256 equals RepoState.policy_set_sha256()
    of the merge's first parent (the base a PR was judged by)."""
    repo = copy_example(tmp_path / "repo", ("modelops.yaml", "models", "policies"))
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "base")
    (repo / "policies" / "extra.yml").write_text((repo / "policies/rollback.yaml").read_text())
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "next")  # HEAD^1 is the base
    with GitTree(repo, "HEAD^1") as tree:
        expected = load_state(tree).policy_set_sha256()
    proc = subprocess.run(
        [sys.executable, "-I", "-c", policy_set_snippet(), "HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert proc.stdout == f"{expected}\n"


# -- links and flags -----------------------------------------------------------------------


def doc_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def local_links(path: Path) -> Iterator[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text("utf-8"), flags=re.M | re.S)
    text = re.sub(r"`[^`\n]+`", "", text)  # code spans hold patterns, not links
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if not re.match(r"^[a-z]+:", target) and not target.startswith("#"):
            yield target.split("#", 1)[0]


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix())
def test_local_links_resolve(path: Path) -> None:
    broken = [t for t in local_links(path) if not (path.parent / t).exists()]
    assert not broken, f"{path.name}: broken links {broken}"


def test_readme_links_every_doc() -> None:
    text = README.read_text("utf-8")
    for page in ("getting-started", "policy-cookbook", "github", "security", "auditors"):
        assert f"(docs/{page}.md)" in text, page
    assert "(docs/reference/README.md)" in text


def commands() -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        found[path] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(cli.app), ())
    return found


def code_of(text: str) -> Iterator[str]:
    """Code blocks and inline code spans: where the docs show commands."""
    yield from re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    yield from re.findall(r"`([^`\n]+)`", prose)


def documented_invocations() -> Iterator[tuple[str, list[str]]]:
    """(file, words after `modelops-gitops`) for every command line the docs show."""
    for path in doc_files():
        for code in code_of(path.read_text("utf-8")):
            for line in code.replace("\\\n", " ").splitlines():  # join `\` continuations
                for match in re.finditer(r"modelops-gitops((?: +[-a-zA-Z0-9_.=/\[\]'<>]+)+)", line):
                    yield path.name, match.group(1).split()


def test_every_documented_flag_exists() -> None:
    """A flag shown in the docs exists on its command (or on a verb still being built, then
    it is checked as soon as the verb lands)."""
    known = commands()
    unknown: list[str] = []
    for file, words in documented_invocations():
        path: tuple[str, ...] = ()
        for word in words:
            if (*path, word) not in known:
                break
            path = (*path, word)
        if not path:
            verb = words[0]
            assert verb.startswith("-") or verb in NOT_YET_BUILT, f"{file}: unknown verb {verb!r}"
            continue
        options = {o for p in known[path].params for o in (*p.opts, *p.secondary_opts)}
        options |= {"--help", "-h", "--traceback"}
        flags = [w.split("=", 1)[0] for w in words if re.match(r"^--?[a-z]", w)]
        unknown += [f"{file}: {' '.join(path)} {f}" for f in flags if f not in options]
    assert not unknown, unknown


def test_the_flag_check_sees_the_docs() -> None:
    seen = {(f, w[0]) for f, w in documented_invocations()}
    assert ("getting-started.md", "plan") in seen
    assert ("auditors.md", "audit") in seen
    register = [w for f, w in documented_invocations() if w[0] == "register"]
    assert any("--risk-tier" in words for words in register)  # continuation lines joined


def test_getting_started_shows_the_readme_commands_verbatim() -> None:
    readme = fenced(README, "bash")[0]
    assert readme.startswith("# 1. Set up, then run the main job")
    assert fenced(DOCS / "getting-started.md", "bash")[0] == readme


def test_the_readme_verb_table_lists_every_verb() -> None:
    """Every top-level verb of the CLI has a row in the README's "What works today" table."""
    table = README.read_text("utf-8").split("## What works today", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z-]+)", table, flags=re.MULTILINE))
    listed |= {
        m
        for row in re.findall(r"^\| (`.*?) \|", table, flags=re.MULTILINE)
        for m in re.findall(r"`([a-z-]+)", row)
    }
    verbs = {path[0] for path in commands() if len(path) == 1}
    assert verbs - listed == set()


def test_getting_started_states_the_count_validate_prints_after_init(
    tmp_path: Path, cli: Cli
) -> None:
    text = (DOCS / "getting-started.md").read_text("utf-8").split("## 2. ")[1]
    documented = re.search(r"^(validate: \d+ files valid)$", text, flags=re.MULTILINE)
    assert documented is not None
    target = tmp_path / "models"
    assert cli("init", str(target)).code == 0
    result = cli("validate", "--repo", str(target))
    assert result.out.strip() == documented.group(1)
