"""The ledger index behind `history MODEL` and `audit at DATE`: the answers are the full
parse's, a changed ledger is never answered from a stale index (even when its size and
mtime are put back), and a bad line anywhere is still bad input naming its line."""

from __future__ import annotations

import json
import os
import random
from array import array
from collections.abc import Callable
from pathlib import Path

from audit_fixtures import applied_repo, ledger_lines, write_lines
from conftest import Result

from modelops_gitops.audit.change_kinds import REPAIRED
from modelops_gitops.audit.ledger import LEDGER_PATH, parse_ledger
from modelops_gitops.audit.ledger_index import INDEX_FILE, LedgerIndex, ledger_index
from modelops_gitops.audit.queries import entry_view, held_at, parse_moment
from modelops_gitops.audit.replay import held_entries
from modelops_gitops.repo.workspace import cache_dir

Cli = Callable[..., Result]


def history(cli: Cli, repo: Path, model: str) -> list[dict[str, object]]:
    result = cli("history", model, "--repo", str(repo), "--format", "json")
    assert result.code == 0, result
    changes: list[dict[str, object]] = json.loads(result.out)["changes"]
    return changes


def test_history_and_audit_at_answer_as_the_full_parse(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    entries = parse_ledger((repo / LEDGER_PATH).read_bytes())
    for model in sorted({e.change.model for e in entries}):
        expected = [entry_view(e) for e in entries if e.change.model == model]
        assert history(cli, repo, model) == expected  # builds the index
        assert history(cli, repo, model) == expected  # answered from it
    for when in [e.time for e in entries] + ["2020-01-01T00:00:00Z"]:
        moment = parse_moment(when, "DATE")
        full = held_at(entries, moment.end())
        result = cli("audit", "at", when, "--repo", str(repo), "--format", "json")
        assert result.code == 0, result
        assert result.out == json.dumps(json.loads(result.out), indent=2) + "\n"  # as one dump
        shown = json.loads(result.out)["models"]
        assert {m: set(s) for m, s in shown.items()} == {m: set(s) for m, s in full.items()}
        for model, stages in full.items():
            for stage, entry in stages.items():
                assert shown[model][stage] == entry_view(entry)
    folder = cache_dir(repo)
    assert folder is not None
    assert (folder / INDEX_FILE).is_file()


def test_a_ledger_changed_under_the_same_size_and_mtime_is_read_again(
    cli: Cli, tmp_path: Path
) -> None:
    """An attacker (or a checkout) rewrites a line with one of the same length and puts the
    mtime back: the ctime still moves, the digest differs, the index is rebuilt."""
    repo, _ = applied_repo(tmp_path)
    before = history(cli, repo, "credit")
    path = repo / LEDGER_PATH
    info = os.stat(path)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - 10_000_000_000))
    info = os.stat(path)
    history(cli, repo, "credit")  # the index is kept for this (non-racy) signature
    lines = ledger_lines(repo)
    target = next(
        i for i, line in enumerate(lines) if b'"model":"credit"' in line and b"jonas" in line
    )
    lines[target] = lines[target].replace(b'"jonas-credit"', b'"jonas-cradit"', 1)
    assert lines[target] != ledger_lines(repo)[target]
    write_lines(repo, lines)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert os.stat(path).st_size == info.st_size
    after = history(cli, repo, "credit")
    assert after != before
    assert "jonas-cradit" in json.dumps(after)


def test_a_bad_line_of_another_model_is_still_bad_input(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    history(cli, repo, "credit")  # warm index
    lines = ledger_lines(repo)
    other = next(i for i, line in enumerate(lines) if b'"model":"credit"' not in line)
    lines[other] = lines[other].replace(b'"seq":', b'"seq":"x","was":', 1)
    write_lines(repo, lines)
    result = cli("history", "credit", "--repo", str(repo))
    assert result.code == 2
    assert f"{LEDGER_PATH}:{other + 1}:" in result.err
    assert "Traceback" not in result.err


def test_a_corrupt_index_file_is_ignored(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    expected = history(cli, repo, "credit")
    folder = cache_dir(repo)
    assert folder is not None
    (folder / INDEX_FILE).write_bytes(b"not a pickle")
    assert history(cli, repo, "credit") == expected
    index = ledger_index(repo.resolve())
    assert index is not None
    assert len(index.rows()) == len(ledger_lines(repo))


def test_held_from_the_columns_is_the_last_change_of_each_stage() -> None:
    """`LedgerIndex.held` (the fold over the columns `audit at` answers with) against the
    rule stated plainly: at a moment, a stage is held by the last change to it at or before
    that moment (entries after the first later one are not read), unless that change removed
    it; a repaired deploy file changes nothing. Random ledgers with removals, re-adds,
    repairs and equal times."""
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(0, 40)
        kinds = [rng.choice(["stage.promoted", "stage.rollback", REPAIRED]) for _ in range(n)]
        tos = [None if rng.random() < 0.25 else f"1.0.{rng.randint(0, 3)}" for _ in range(n)]
        kinds = [
            k if to is not None or k == REPAIRED else "stage.removed"
            for k, to in zip(kinds, tos, strict=True)
        ]
        times = sorted(f"2024-01-{rng.randint(1, 9):02d}T00:00:00Z" for _ in range(n))
        index = LedgerIndex(
            "digest",
            (),
            array("q", range(1, n + 1)),
            times,
            kinds,
            [rng.choice(["a", "b", "c"]) for _ in range(n)],
            [rng.choice(["development", "staging", "production"]) for _ in range(n)],
            tos,
            array("q", [0] * n),
            array("q", [0] * n),
        )
        for day in range(0, 11):
            until = f"2024-01-{day:02d}T00:00:00Z"
            read = next((i for i, t in enumerate(times) if t > until), n)
            last: dict[tuple[str, str], int] = {}
            for i in range(read):
                if kinds[i] != REPAIRED:
                    last[(index.models[i], index.stages[i])] = i
            expected: dict[str, dict[str, int]] = {}
            for (model, stage), i in last.items():
                if tos[i] is not None:
                    expected.setdefault(model, {})[stage] = i + 1
            held = index.held(until)
            assert {m: {s: row.line for s, row in by.items()} for m, by in held.items()} == expected
            assert held == held_entries(index.rows(), until=until)
