"""The layout holds: no import cycle between the top-level packages of `modelops_gitops`, and
git runs only inside `git/` (the demo's driver runs the command line as a user would).

The import graph is read from the source with `ast`, so a cycle is caught even in an import
that only runs inside a function (the lazy imports that keep start-up fast)."""

from __future__ import annotations

import ast
import functools
import tomllib
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "modelops_gitops"
ROOT_NAME = PACKAGE.name
# Kept only so configurations that name the old path go on working; nothing imports them.
COMPATIBILITY_SHIMS = {"audit/targets.py"}
# The only places that may start a process: git/ (git itself) and the demo's driver (which
# runs the command line in a subprocess, exactly as the user would type it).
PROCESS_ALLOWED = ("git/", "demo/driver.py")


@functools.cache
def _sources() -> tuple[tuple[str, ast.Module], ...]:
    return tuple(_parse())


def _parse() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel not in COMPATIBILITY_SHIMS:
            yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)


def _unit(module: str) -> str:
    """The top-level unit a dotted module belongs to: its package, or the root module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def _unit_of_file(rel: str) -> str:
    top, _, rest = rel.partition("/")
    return top if rest else "(root)" if top == "__init__.py" else top.removesuffix(".py")


def _imports(rel: str, tree: ast.Module) -> Iterator[str]:
    package = [ROOT_NAME, *rel.removesuffix(".py").split("/")][:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _is_unit(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for rel, tree in _sources():
        unit = _unit_of_file(rel)
        edges = graph.setdefault(unit, set())
        for module in _imports(rel, tree):
            if module == ROOT_NAME or not module.startswith(ROOT_NAME + "."):
                continue
            target = _unit(module)
            if target != unit and _is_unit(target):
                edges.add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle, found as a strongly connected component of two or more units (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_between(graph: dict[str, set[str]], members: list[str]) -> str:
    """One concrete loop inside a component, for the failure message."""
    start = members[0]
    trail = [start]
    seen = {start}
    node = start
    while True:
        nxt = sorted(n for n in graph[node] if n in members)[0]
        trail.append(nxt)
        if nxt in seen:
            return " -> ".join(trail[trail.index(nxt) :])
        seen.add(nxt)
        node = nxt


def test_no_import_cycle_between_top_level_packages() -> None:
    graph = import_graph()
    loops = [_path_between(graph, members) for members in cycles(graph)]
    assert not loops, "import cycles between packages: " + "; ".join(loops)


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {"plan": {"audit"}, "audit": {"repo", "plan"}, "repo": set()}
    assert cycles(graph) == [["audit", "plan"]]
    assert _path_between(graph, ["audit", "plan"]) == "audit -> plan -> audit"


def test_the_graph_sees_lazy_relative_and_aliased_imports() -> None:
    graph = import_graph()
    assert "plan" in graph["commands"]  # lazy: inside the verb functions of commands/plan.py
    assert "git" in graph["github"] or "render" in graph["github"]
    assert "kinds" in graph["repo"]


_PROCESS_MODULES = {"subprocess", "pty"}
_OS_PROCESS_CALLS = {"system", "popen", "spawnv", "spawnl", "execv", "execvp", "posix_spawn"}


def process_starters() -> dict[str, list[str]]:
    """Module -> what it uses to start a process, for every module outside PROCESS_ALLOWED."""
    found: dict[str, list[str]] = {}
    for rel, tree in _sources():
        if rel.startswith(PROCESS_ALLOWED):
            continue
        uses = {name for name in _imports(rel, tree) if name.split(".")[0] in _PROCESS_MODULES}
        uses |= {
            f"os.{node.func.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "os"
            and node.func.attr in _OS_PROCESS_CALLS
        }
        if uses:
            found[rel] = sorted(uses)
    return found


def test_only_git_starts_processes() -> None:
    assert process_starters() == {}, "start processes through git/ only"


def test_the_process_check_sees_subprocess_and_os_calls() -> None:
    tree = ast.parse("import subprocess\nimport os\nos.system('x')\n")
    uses = {name for name in _imports("x.py", tree) if name.split(".")[0] in _PROCESS_MODULES}
    assert uses == {"subprocess"}
    assert "git/process.py" in {rel for rel, _ in _sources()}
    allowed = [rel for rel, _ in _sources() if rel.startswith(PROCESS_ALLOWED)]
    assert "git/process.py" in allowed
    assert "demo/driver.py" in allowed


def test_the_manifest_target_loads_from_its_new_home_and_its_old_path() -> None:
    """pyproject registers `apply.targets:ManifestTarget`; configurations and installed
    metadata naming the old `audit.targets` path load the same class."""
    from modelops_gitops.apply.targets import ENTRY_POINT_GROUP, ManifestTarget

    declared = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    group = declared["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert group["manifest"] == "modelops_gitops.apply.targets:ManifestTarget"
    assert set(group) == {"manifest", "kserve", "mlflow"}
    for value in (group["manifest"], "modelops_gitops.audit.targets:ManifestTarget"):
        assert EntryPoint("manifest", value, ENTRY_POINT_GROUP).load() is ManifestTarget
