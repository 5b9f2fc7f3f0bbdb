"""The files `init` writes: templates from the package, schemas, workflows. Pure: returns
path -> bytes, and the command decides where they land."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from jinja2 import Environment, StrictUndefined

from modelops_gitops import __version__
from modelops_gitops.repo.install_source import LOCK_PATH, WHEEL_DIR, InstallSource
from modelops_gitops.repo.schema import rendered_schemas

_TEMPLATES = resources.files("modelops_gitops") / "templates"
_DOTFILES = ("pre-commit-config.yaml", "gitignore")  # stored without the dot (package data)


def _walk(node: Traversable, prefix: str = "") -> dict[str, Traversable]:
    out: dict[str, Traversable] = {}
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if child.is_dir():
            out.update(_walk(child, f"{name}/"))
        elif not child.name.startswith((".", "__")):
            out[name] = child
    return out


def scaffold_files(
    *, owner: str, name: str, install: InstallSource | None = None, wheel: bytes | None = None
) -> dict[str, bytes]:
    """`install`: where the workflows and the hook get the tool (default: the index, at the
    running version); `wheel`: the wheel file's bytes when that source is a local wheel."""
    source = install or InstallSource("index", __version__)
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    values = {"owner": owner, "name": name, "hook_requirement": source.hook_requirement()}
    files: dict[str, bytes] = {}
    for rel, node in _walk(_TEMPLATES / "init").items():
        text = node.read_text(encoding="utf-8")
        if rel.endswith(".j2"):
            rel, text = rel[: -len(".j2")], env.from_string(text).render(**values)
        if rel in _DOTFILES:
            rel = f".{rel}"
        files[rel] = text.encode()
    workflows = _TEMPLATES / "workflows"
    if workflows.is_dir():
        for rel, node in _walk(workflows).items():
            files[f".github/workflows/{rel}"] = node.read_bytes()
    files[LOCK_PATH] = source.lock().encode()
    if source.kind == "wheel":
        assert wheel is not None, "a wheel source needs the wheel's bytes"
        files[f"{WHEEL_DIR}/{source.location}"] = wheel
    for schema_name, text in rendered_schemas().items():
        files[f"schemas/{schema_name}"] = text.encode()
    return files
