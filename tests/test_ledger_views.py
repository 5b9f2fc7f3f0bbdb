"""The rendered views behind a warm `audit at DATE --format json`: the same bytes as
rendering every entry, never stale after the ledger changes (even with size and mtime put
back), and a damaged views file or table is rendered again, not trusted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from audit_fixtures import applied_repo, ledger_lines, write_lines
from conftest import Result

from modelops_gitops.audit.ledger import LEDGER_PATH, parse_ledger
from modelops_gitops.audit.ledger_views import (
    TABLE_FILE,
    VIEWS_FILE,
    indented_array,
    indented_object,
)
from modelops_gitops.audit.queries import entry_view, held_in_order, parse_moment
from modelops_gitops.repo.workspace import cache_dir

Cli = Callable[..., Result]
LATE = "2030-01-01"


def at(cli: Cli, repo: Path) -> str:
    result = cli("audit", "at", LATE, "--repo", str(repo), "--format", "json")
    assert result.code == 0, result
    return result.out


def rendered_in_full(repo: Path) -> str:
    """What `audit at` prints, from every entry parsed and rendered as one json.dumps."""
    entries = parse_ledger((repo / LEDGER_PATH).read_bytes())
    order = ["development", "staging", "production"]
    held = held_in_order(entries, parse_moment(LATE, "DATE").end(), order)
    models = {m: {s: entry_view(e) for s, e in stages.items()} for m, stages in held.items()}
    body = {"schema_version": 1, "at": "2030-01-01T23:59:59Z", "models": models}
    return json.dumps(body, indent=2) + "\n"


def test_views_give_the_bytes_of_rendering_every_entry(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    assert at(cli, repo) == rendered_in_full(repo)  # renders and keeps the views
    folder = cache_dir(repo)
    assert folder is not None
    assert (folder / VIEWS_FILE).stat().st_size > 0
    assert at(cli, repo) == rendered_in_full(repo)  # read from them


def test_a_ledger_edit_with_size_and_mtime_put_back_is_not_answered_stale(
    cli: Cli, tmp_path: Path
) -> None:
    repo, _ = applied_repo(tmp_path)
    at(cli, repo)
    path = repo / LEDGER_PATH
    info = os.stat(path)
    lines = ledger_lines(repo)
    last = next(i for i in reversed(range(len(lines))) if b"jonas-credit" in lines[i])
    lines[last] = lines[last].replace(b'"jonas-credit"', b'"jonas-cradit"', 1)
    write_lines(repo, lines)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert os.stat(path).st_size == info.st_size
    shown = at(cli, repo)
    assert shown == rendered_in_full(repo)
    assert "jonas-cradit" in shown


def test_a_damaged_views_file_or_table_is_rendered_again(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    expected = at(cli, repo)
    folder = cache_dir(repo)
    assert folder is not None
    views = folder / VIEWS_FILE
    views.write_bytes(views.read_bytes()[:-10])  # cut short: the table names its old size
    assert at(cli, repo) == expected
    data = bytearray(views.read_bytes())
    data[:7] = b"garbage"  # same size, other bytes: nothing checks, so the table is the guard
    (folder / TABLE_FILE).write_bytes(b"not a pickle")
    views.write_bytes(bytes(data))
    assert at(cli, repo) == expected


def test_indented_object_is_json_dumps_with_indent() -> None:
    values = {"staging": {"a": [1, {"b": None}], "c": "x\ny"}, "production": {}, "q": []}
    items = [(k, json.dumps(v, indent=2)) for k, v in values.items()]
    assert indented_object(items) == json.dumps(values, indent=2)
    assert indented_object([]) == json.dumps({}, indent=2)
    for depth in (1, 2, 3):  # placed deeper: what json.dumps gives for it nested that deep
        nested: object = values
        for _ in range(depth):
            nested = {"k": nested}
        deep = json.dumps(nested, indent=2)
        assert f'"k": {indented_object(items, depth)}' in deep


def test_indented_array_is_json_dumps_with_indent() -> None:
    values = [{"a": [1, {"b": None}]}, {}, [], "x\ny"]
    items = [json.dumps(v, indent=2) for v in values]
    assert indented_array(items) == json.dumps(values, indent=2)
    assert indented_array([]) == json.dumps([], indent=2)
    assert json.dumps({"changes": values}, indent=2) == (
        '{\n  "changes": ' + indented_array(items, depth=1) + "\n}"
    )


def test_history_json_is_the_bytes_of_rendering_every_entry(cli: Cli, tmp_path: Path) -> None:
    repo, _ = applied_repo(tmp_path)
    entries = parse_ledger((repo / LEDGER_PATH).read_bytes())
    for model in [*sorted({e.change.model for e in entries}), "diabetes"]:
        changes = [entry_view(e) for e in entries if e.change.model == model]
        body = {"schema_version": 1, "model": model, "changes": changes}
        expected = json.dumps(body, indent=2) + "\n"
        for _ in range(2):  # rendered, then read from the kept views
            result = cli("history", model, "--repo", str(repo), "--format", "json")
            assert result.code == 0, result
            assert result.out == expected


def test_a_warm_json_query_validates_no_ledger_line(cli: Cli, tmp_path: Path) -> None:
    """Warm, `audit at` and `history` in JSON are composed from the index and the kept
    views: the process never imports the ledger's entry models (nor the repository's)."""
    repo, _ = applied_repo(tmp_path)
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('LOADED:' + ','.join(sorted("
        "{'modelops_gitops.audit.ledger', 'modelops_gitops.repo.state'} & set(sys.modules)"
        ")) + '\\n'))\n"
        "from modelops_gitops.cli import main\n"
        "main(sys.argv[1:])\n"
    )

    def loaded(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", probe, *args, "--repo", str(repo), "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stderr.splitlines()[-1]

    assert loaded("audit", "at", LATE) == "LOADED:modelops_gitops.audit.ledger"  # renders
    assert loaded("audit", "at", LATE) == "LOADED:"
    loaded("history", "credit")  # renders the views of credit's other lines
    assert loaded("history", "credit") == "LOADED:"
    assert at(cli, repo) == rendered_in_full(repo)
