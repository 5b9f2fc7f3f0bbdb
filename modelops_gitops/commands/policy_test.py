"""`policy test`: run the table-driven cases under policies/tests/, report rule coverage."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from modelops_gitops.errors import EXIT_INPUT, EXIT_OK, EXIT_VIOLATION, InputError
from modelops_gitops.plan.policy_tests import (
    TESTS_DIR,
    CaseOutcome,
    coverage,
    parse_tests,
    run_case,
)
from modelops_gitops.repo.state import load_state
from modelops_gitops.repo.tree import WorkTree, read_inside
from modelops_gitops.repo.yaml_source import YamlProblem, parse, problem_of

JSON_SCHEMA_VERSION = 1  # of the --format json document; docs/json-output.md lists them all


def run(root: Path, *, fmt: str, require_coverage: bool) -> int:
    tree = WorkTree(root)
    base = load_state(tree)
    folder = root / TESTS_DIR
    files = (
        sorted(p.relative_to(root).as_posix() for p in folder.glob("*.y*ml"))
        if folder.is_dir()
        else []
    )
    if not files:
        raise InputError.at(TESTS_DIR, "no policy tests found (*.yaml)")
    cases = []
    for file in files:
        try:
            data = parse(
                file, read_inside(tree.root, file), max_bytes=base.spec.max_file_bytes
            ).data
        except YamlProblem as exc:
            raise InputError([problem_of(file, exc)]) from None
        cases += [(file, case) for case in parse_tests(file, data)]
    outcomes = [run_case(file, case, base) for file, case in cases]
    uncovered = coverage(base, outcomes)
    typer.echo(_render(outcomes, uncovered, fmt), nl=False)
    if any(not o.passed for o in outcomes):
        return EXIT_VIOLATION
    return EXIT_INPUT if require_coverage and uncovered else EXIT_OK


def _render(outcomes: list[CaseOutcome], uncovered: list[str], fmt: str) -> str:
    failed = [o for o in outcomes if not o.passed]
    if fmt == "json":
        body = {
            "schema_version": JSON_SCHEMA_VERSION,
            "cases": [
                {"file": o.file, "case": o.case, "passed": o.passed, "failures": list(o.failures)}
                for o in outcomes
            ],
            "passed": len(outcomes) - len(failed),
            "failed": len(failed),
            "uncovered_rules": uncovered,
        }
        return json.dumps(body, indent=2) + "\n"
    lines = []
    for o in outcomes:
        lines.append(f"{'PASS' if o.passed else 'FAIL'}  {o.file}: {o.case}")
        lines += [f"      {failure}" for failure in o.failures]
    total = len(outcomes)
    lines.append(f"policy test: {total - len(failed)} passed, {len(failed)} failed")
    covered = (
        "every rule is exercised" if not uncovered else "not exercised: " + ", ".join(uncovered)
    )
    lines.append(f"coverage: {covered}")
    return "\n".join(lines) + "\n"
