"""Benchmark: reading a commit of a large repository through `GitTree` (no checkout).

    .venv/bin/python bench/git_tree_bench.py [--models 10000] [--dir .bench/git-tree-repo]

Generates (or reuses) a committed repository of N models (`bench/repo_gen.py`), then times:
  1. resolving HEAD and listing every path (one `git ls-tree -r`),
  2. reading 20 files one by one, and the same 20 with `read_many`,
  3. reading every document with `read_many` (pipelined through one `cat-file --batch`),
  4. for scale, 20 separate `git show HEAD:<path>` processes.
Reading 20 files must cost a small fraction of reading them all.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from repo_gen import generate_repo

from modelops_gitops.git.tree import GitTree
from modelops_gitops.repo.tree import document_paths

IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def committed_repo(root: Path, models: int) -> Path:
    generate_repo(root, models)
    verify = ["git", "rev-parse", "--verify", "-q", "HEAD"]
    head = subprocess.run(verify, cwd=root, capture_output=True, check=False)
    if head.returncode != 0:
        subprocess.run(["git", "add", "--all"], cwd=root, check=True)
        commit = ["git", *IDENTITY, "-c", "gc.auto=0", "commit", "-q", "--no-verify", "-m", "bench"]
        subprocess.run(commit, cwd=root, check=True)
        subprocess.run(["git", "gc", "--quiet"], cwd=root, check=True)  # packed, as in real life
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=Path(".bench/git-tree-repo"))
    args = parser.parse_args()
    repo = committed_repo(args.dir.resolve(), args.models)

    start = time.perf_counter()
    with GitTree(repo, "HEAD") as tree:
        paths = tree.paths()
        listed = time.perf_counter() - start
        docs = document_paths(paths)
        sample = docs[:: max(1, len(docs) // 20)][:20]

        start = time.perf_counter()
        one_by_one = sum(len(tree.read(path)) for path in sample)
        first_reads = time.perf_counter() - start

        start = time.perf_counter()
        batched = sum(len(data) for data in tree.read_many(sample).values())
        batch_reads = time.perf_counter() - start

        start = time.perf_counter()
        everything = sum(len(data) for data in tree.read_many(docs).values())
        all_reads = time.perf_counter() - start

    start = time.perf_counter()
    for path in sample:
        subprocess.run(["git", "show", f"HEAD:{path}"], cwd=repo, capture_output=True, check=True)
    git_show = time.perf_counter() - start

    assert one_by_one == batched
    print(f"repo: {len(paths)} files, {len(docs)} documents, {everything / 1e6:.1f} MB, {repo}")
    print(f"resolve + ls-tree (paths):       {listed * 1000:8.1f} ms")
    print(f"read 20 files one by one:        {first_reads * 1000:8.1f} ms (starts cat-file)")
    print(f"read_many 20 files:              {batch_reads * 1000:8.1f} ms")
    print(f"read_many all {len(docs)} documents: {all_reads * 1000:8.1f} ms")
    print(f"20 x `git show HEAD:path`:       {git_show * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
