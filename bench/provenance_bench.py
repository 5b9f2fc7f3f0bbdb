"""Benchmark: a repository whose every stage is out of sync (freshly adopted, or long not
applied), with and without unrelated history: `status`, `audit verify`, `report` and
`apply --dry-run`.

    .venv/bin/python bench/provenance_bench.py [--models 1000] [--unrelated 0 500] [--runs 3]
                                               [--commands status verify report apply] [--dir .bench]

Generates the benchmark repository (bench/repo_gen.py: N models, two stages each), commits it
with no ledger (so all 2 x N stages are desired but never applied: each needs the commit that
introduced it), then adds `--unrelated` commits that touch no model file. Times each command
as a whole process, median of --runs (wall and CPU), after one warm-up run (validate's facts
cache). Targets: each under 1 s at 1,000 models, flat in the unrelated history.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_bench import TOOL, git, median_of
from repo_gen import generate_repo

COMMANDS = {
    "status": ["status", "--format", "json"],
    "verify": ["audit", "verify"],
    "report": ["report", "--out", "{site}"],
    "apply": ["apply", "--dry-run"],
}


def prepare(root: Path, models: int, unrelated: int) -> Path:
    marker = root / ".git" / "bench-provenance"  # outside the work tree: apply wants it clean
    signature = f"{models} {unrelated} v1"
    if marker.exists() and marker.read_text() == signature:
        return root
    shutil.rmtree(root, ignore_errors=True)
    generate_repo(root, models)
    ident = ("-c", "user.name=bench", "-c", "user.email=b@x")
    git(root, "add", "--all")
    git(root, *ident, "commit", "-q", "-m", f"{models} models, never applied")
    if unrelated:
        # Unrelated commits through fast-import: each changes notes/log.txt only.
        head = git(root, "rev-parse", "HEAD")
        stream = []
        for n in range(unrelated):
            body = f"note {n}\n"
            message = f"unrelated {n}\n"
            stream.append(
                "commit refs/heads/main\n"
                f"committer bench <b@x> {1_700_000_000 + n} +0000\n"
                f"data {len(message)}\n{message}"
                + (f"from {head}\n" if n == 0 else "")
                + f"M 100644 inline notes/log.txt\ndata {len(body)}\n{body}\n"
            )
        subprocess.run(
            ["git", "fast-import", "--quiet"],
            cwd=root,
            input="".join(stream).encode(),
            check=True,
        )
        git(root, "reset", "-q", "--hard", "main")
    marker.write_text(signature)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--unrelated", type=int, nargs="+", default=[0, 500])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commands", nargs="+", default=list(COMMANDS), choices=list(COMMANDS))
    parser.add_argument("--dir", type=Path, default=Path(".bench"))
    args = parser.parse_args()
    medians: dict[tuple[str, int], float] = {}
    for unrelated in args.unrelated:
        root = prepare(
            (args.dir / f"provenance-repo-{args.models}-{unrelated}").resolve(),
            args.models,
            unrelated,
        )
        commits = git(root, "rev-list", "--count", "HEAD")
        site = root.parent / f"provenance-site-{args.models}-{unrelated}"
        median_of([TOOL, "validate"], root, 1)  # fills validate's facts cache, as a user's would be
        for name in args.commands:
            cmd = [TOOL, *(part.format(site=site) for part in COMMANDS[name])]
            median, walls, cpu, proc = median_of(cmd, root, args.runs)
            if proc.returncode not in (0, 1):
                raise SystemExit(
                    f"{name} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}"
                )
            runs = ", ".join(f"{t:.2f}" for t in walls)
            print(
                f"{args.models} models, {commits} commits ({unrelated} unrelated): {name:<7} "
                f"median {median:.2f} s wall, {cpu:.2f} s CPU  (runs: {runs})  exit {proc.returncode}"
            )
            medians[(name, unrelated)] = median
    if len(args.unrelated) > 1:
        low, high = min(args.unrelated), max(args.unrelated)
        for name in args.commands:
            ratio = medians[(name, high)] / medians[(name, low)]
            print(f"{name}: {high} vs {low} unrelated commits: {ratio:.2f}x (flat is 1.0)")
    worst = max(medians.values()) if medians else 0.0
    print(
        f"slowest median: {worst:.2f} s (target < 1 s at 1,000 models: {'yes' if worst < 1 else 'NO'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
