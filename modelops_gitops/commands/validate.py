"""`validate [PATH...]`: schema and cross-reference checks; the pre-commit hook."""

from __future__ import annotations

import json
from pathlib import Path

from modelops_gitops.boundary import echo
from modelops_gitops.errors import EXIT_INPUT, EXIT_OK
from modelops_gitops.problems import Problem
from modelops_gitops.repo.tree import WorkTree
from modelops_gitops.repo.validate import Report, validate_tree
from modelops_gitops.repo.validate_cache import CACHE_DIR, ValidateCache
from modelops_gitops.repo.workspace import cache_dir
from modelops_gitops.terminal import printable

JSON_SCHEMA_VERSION = 1  # of the --format json document; docs/json-output.md lists them all


def relative_paths(root: Path, paths: list[Path]) -> list[str]:
    """Command-line paths (relative to the cwd, or absolute) -> repository-relative."""
    out = []
    for path in paths:
        full = (Path.cwd() / path).resolve() if not path.is_absolute() else path.resolve()
        try:
            out.append(full.relative_to(root).as_posix())
        except ValueError:
            out.append(path.as_posix())
    return out


def run(root: Path, paths: list[Path], fmt: str, use_cache: bool = True) -> int:
    private = cache_dir(root) if use_cache else None
    cache = ValidateCache(private / CACHE_DIR) if private is not None else None
    wanted = relative_paths(root, paths) if paths else None
    tree = WorkTree(root, listing=cache.read_listing() if cache is not None else None)
    report = validate_tree(tree, wanted, cache=cache)
    if cache is not None and tree.listing is not None and tree.listing_changed:
        cache.write_listing(tree.listing)
    text = render(report, fmt)
    echo(printable(text) if fmt == "text" else text, nl=False)
    return EXIT_OK if report.ok else EXIT_INPUT


FORMATS = ("text", "json", "github")


def render(report: Report, fmt: str) -> str:
    if fmt == "github":
        return "".join(github_annotation(p) + "\n" for p in report.problems) + _summary(report)
    if fmt == "json":
        body = {
            "schema_version": JSON_SCHEMA_VERSION,
            "valid": report.ok,
            "files": report.files,
            "problems": [p.as_dict() for p in report.problems],
        }
        return json.dumps(body, indent=2) + "\n"
    return "".join(f"{p}\n" for p in report.problems) + _summary(report)


def _summary(report: Report) -> str:
    if report.ok:
        return f"validate: {report.files} files valid\n"
    files = len({p.file for p in report.problems})
    return f"validate: {len(report.problems)} problem(s) in {files} file(s)\n"


def github_annotation(problem: Problem) -> str:
    """A GitHub Actions workflow command: the problem appears on the file's line in the PR.
    Values are escaped as the runner expects (%, CR, LF; in properties also : and ,)."""
    props = [f"file={_prop(problem.file)}"]
    if problem.line:
        props += [f"line={problem.line}", f"col={problem.column}"]
    if problem.field:
        props.append(f"title={_prop(problem.field)}")
    return f"::error {','.join(props)}::{_data(problem.message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
