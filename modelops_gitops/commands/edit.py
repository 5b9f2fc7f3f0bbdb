"""`register`, `promote`, `rollback`: propose a change by editing models/MODEL/model.yaml.

The I/O around the pure `edit` module: resolve and hash files, read git history, validate the
edited bytes exactly as `validate` would (through an in-memory overlay of the work tree), and
only then write them in one atomic rename. On any error nothing is written.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import typer

from modelops_gitops import git
from modelops_gitops.digest import sha256_file
from modelops_gitops.errors import EXIT_OK, ConflictError, InputError
from modelops_gitops.files import write_atomic
from modelops_gitops.kinds import Model
from modelops_gitops.kinds.common import NAME_PATTERN, SEMVER_PATTERN, RiskTier
from modelops_gitops.kinds.limits import DEFAULT_MAX_BYTES
from modelops_gitops.kinds.model import SAFE_FORMATS, ArtifactFormat, Task
from modelops_gitops.problems import Problem
from modelops_gitops.repo import edit
from modelops_gitops.repo.columns import columns_of
from modelops_gitops.repo.history import earlier_holders
from modelops_gitops.repo.load import load_document, locate, stage_order
from modelops_gitops.repo.tree import (
    MODELS_DIR,
    Tree,
    WorkTree,
    model_folder,
)
from modelops_gitops.repo.validate import validate_tree
from modelops_gitops.suggest import did_you_mean


@dataclass(frozen=True)
class RegisterArgs:
    """`register`'s options; paths are as given on the command line (relative to the cwd)."""

    model: str
    version: str
    artifact: Path
    eval_data: Path
    train_data: Path
    artifact_format: str = "skops"
    metrics: list[str] = field(default_factory=list)
    owner: str | None = None
    task: str | None = None
    target: str | None = None
    risk_tier: str | None = None
    description: str = ""


class OverlayTree:
    """`base` with some files replaced or added in memory: validate bytes before writing them."""

    def __init__(self, base: Tree, files: Mapping[str, bytes]) -> None:
        self.base, self.files, self.label = base, dict(files), base.label

    def paths(self) -> list[str]:
        return sorted(set(self.base.paths()) | set(self.files))

    def read(self, path: str) -> bytes:
        return self.files[path] if path in self.files else self.base.read(path)

    def exists(self, path: str) -> bool:
        return path in self.files or self.base.exists(path)


def register(root: Path, args: RegisterArgs) -> int:
    """Append a version (hashes computed) to the model file, creating the file if needed."""
    _check_name(args.model)
    _check_semver(args.version, "--version")
    formats: tuple[str, ...] = get_args(ArtifactFormat)
    if args.artifact_format not in formats:
        raise InputError(
            f"--format: expected one of {', '.join(formats)}, got {args.artifact_format!r}"
        )
    metrics = parse_metrics(args.metrics)
    tree = WorkTree(root)
    path = model_path(tree, args.model)
    base: bytes | edit.NewModel  # the file to append to, or the model to create
    if tree.exists(path):
        base, doc = _load_valid(tree, path)
        _check_same_model(doc, args, path)
        if doc.spec.version(args.version) is not None:
            raise InputError.at(
                path,
                f"--version {args.version} is already registered (registered versions are "
                "immutable: register a new version)",
                field="spec.versions",
            )
    else:
        base = _new_model(args, path)
    artifact, artifact_file = _pin(root, args.artifact, "--artifact")
    train, train_file = _pin(root, args.train_data, "--train-data")
    evaluation, eval_file = _pin(root, args.eval_data, "--eval-data")
    wanted = _columns_wanted(base if isinstance(base, edit.NewModel) else doc)
    for option, file in (("--eval-data", eval_file), ("--train-data", train_file)):
        _check_columns(tree, path, option, file, wanted)
    version = edit.NewVersion(
        version=args.version,
        artifact=artifact,
        artifact_format=args.artifact_format,
        artifact_size=artifact_file.stat().st_size,
        train=train,
        eval=evaluation,
        code_commit=git.head_commit(root),
        metrics=metrics,
        description=args.description,
    )
    old: bytes | None
    if isinstance(base, bytes):
        old, new = base, edit.register(base, version)
    else:
        old, new = None, edit.create(base, version)
    _save(root, tree, path, old, new, "register")
    if args.artifact_format not in SAFE_FORMATS:
        typer.echo(
            f"warning: {args.artifact_format} is not a safe format ({', '.join(SAFE_FORMATS)} "
            "are); policies refuse it unless they allow it explicitly",
            err=True,
        )
    created = "" if old is not None else ", new model"
    typer.echo(f"register: {args.model} {args.version}{created} ({path})")
    return EXIT_OK


def promote(root: Path, model: str, version: str, stage: str) -> int:
    """Set spec.stages.STAGE to VERSION."""
    _check_name(model)
    _check_semver(version, "VERSION")
    tree = WorkTree(root)
    path = _existing_model(tree, model)
    old, doc = _load_valid(tree, path)
    return _set_stage(root, tree, path, old, doc, stage, version, "promote")


def rollback(root: Path, model: str, stage: str, to: str | None = None) -> int:
    """Set STAGE back to the version that held it before `current` (or to `to`)."""
    _check_name(model)
    if to is not None:
        _check_semver(to, "--to")
    tree = WorkTree(root)
    path = _existing_model(tree, model)
    old, doc = _load_valid(tree, path)
    order = stage_order(tree)
    current = doc.spec.stages.get(stage)
    at = f"spec.stages.{stage}"
    if current is None:
        if order and stage not in order:
            message = f"unknown stage {stage!r} in the Lifecycle{did_you_mean(stage, order)}"
        else:
            message = f"{model} has no version in {stage}: nothing to roll back"
        raise InputError.at(path, message, field=at)
    target = to if to is not None else previous_holder(root, model, stage, current)
    if target is None:
        raise InputError.at(
            path,
            f"no earlier version held {stage} (searched the git history of {path}); "
            "name one with --to VERSION",
            field=at,
        )
    return _set_stage(root, tree, path, old, doc, stage, target, "rollback")


def previous_holder(root: Path, model: str, stage: str, current: str) -> str | None:
    """The version that held `stage` of `model` before `current`, or None; never one that
    was rolled back out of the stage (plan would judge going back to it a promotion).

    Read from the same stage history `plan` judges rollbacks by (`plan.stage_history` at
    HEAD: the applied ledger once apply has run, else the model file's first-parent history),
    with the same rule (`repo.history.earlier_holders`, shared with `is_rollback`).
    """
    from modelops_gitops.plan.planner import stage_history

    head = git.head_commit(root)
    if head is None:
        return None
    earlier = earlier_holders(stage_history(root, head), model, stage, current)
    return earlier[0] if earlier else None


def parse_metrics(items: list[str]) -> dict[str, float]:
    """`NAME=VALUE` options -> an ordered name -> float map."""
    metrics: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"--metric: expected NAME=VALUE, got {item!r}")
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"--metric {name}: {text!r} is not a number") from None
        if not math.isfinite(value):
            raise InputError(f"--metric {name}: {text!r} is not a finite number")
        if name in metrics:
            raise InputError(f"--metric {name}: given twice")
        metrics[name] = value
    return metrics


def model_path(tree: Tree, name: str) -> str:
    """models/NAME/model.yaml (or the model.yml that exists)."""
    for file in ("model.yaml", "model.yml"):
        if tree.exists(f"{MODELS_DIR}/{name}/{file}"):
            return f"{MODELS_DIR}/{name}/{file}"
    return f"{MODELS_DIR}/{name}/model.yaml"


# -- helpers ---------------------------------------------------------------------------------


def _set_stage(
    root: Path, tree: Tree, path: str, old: bytes, doc: Model, stage: str, version: str, verb: str
) -> int:
    before = doc.spec.stages.get(stage)
    if before == version:
        typer.echo(f"{verb}: {doc.metadata.name} {stage} is already {version}; nothing to change")
        return EXIT_OK
    new = edit.set_stage(old, stage, version, stage_order(tree))
    _save(root, tree, path, old, new, verb)
    typer.echo(f"{verb}: {doc.metadata.name} {stage} {before or 'none'} -> {version} ({path})")
    return EXIT_OK


def _load_valid(tree: Tree, path: str) -> tuple[bytes, Model]:
    """The model file's bytes and document; its problems (and the policies') when invalid."""
    report = validate_tree(tree, [path])
    if not report.ok:
        headline = f"refusing to edit {path}: validate reports problems; fix them first:"
        raise InputError([_headline(headline), *report.problems])
    raw = tree.read(path)
    doc, problems = load_document(path, raw, max_bytes=max(len(raw), DEFAULT_MAX_BYTES))
    if not isinstance(doc, Model):
        raise InputError(problems)
    return raw, doc


def _save(root: Path, tree: Tree, path: str, old: bytes | None, new: bytes, verb: str) -> None:
    """Validate the new bytes in place of the file, then write them; nothing on a problem."""
    report = validate_tree(OverlayTree(tree, {path: new}), [path])
    if not report.ok:
        headline = f"{verb}: refused; the edited {path} would not validate (lines as edited):"
        raise InputError([_headline(headline), *report.problems])
    now = tree.read(path) if tree.exists(path) else None
    if now != old:
        raise ConflictError(f"{path} changed while {verb} was editing it; run {verb} again")
    write_atomic(root / path, new)


def _headline(message: str) -> Problem:
    return Problem(file="", line=0, column=0, field="", message=message)


def _check_name(name: str) -> None:
    if not re.fullmatch(NAME_PATTERN, name):
        raise InputError(
            f"MODEL: {name!r} is not a model name (a lowercase DNS label: a-z, 0-9 and '-')"
        )


def _check_semver(version: str, option: str) -> None:
    if not re.fullmatch(SEMVER_PATTERN, version):
        raise InputError(f"{option}: {version!r} is not a semantic version (MAJOR.MINOR.PATCH)")


def _existing_model(tree: Tree, name: str) -> str:
    path = model_path(tree, name)
    if not tree.exists(path):
        known = {folder for p in tree.paths() if (folder := model_folder(p)) is not None}
        raise InputError.at(path, f"no such model {name!r}{did_you_mean(name, known)}")
    return path


def _new_model(args: RegisterArgs, path: str) -> edit.NewModel:
    given = {"--owner": args.owner, "--task": args.task, "--target": args.target}
    missing = [option for option, value in given.items() if not value]
    if missing:
        raise InputError.at(
            path,
            f"no such model {args.model!r}; to create it, also give {', '.join(missing)} "
            "(and optionally --risk-tier, default medium)",
        )
    for option, value, allowed in (
        ("--task", args.task, get_args(Task)),
        ("--risk-tier", args.risk_tier or "medium", get_args(RiskTier)),
    ):
        if value not in allowed:
            raise InputError(f"{option}: expected one of {', '.join(allowed)}, got {value!r}")
    return edit.NewModel(
        args.model, args.owner or "", args.task or "", args.target or "", args.risk_tier or "medium"
    )


def _columns_wanted(model: Model | edit.NewModel) -> dict[str, list[str]]:
    """Model field -> the columns the data must have for it."""
    if isinstance(model, edit.NewModel):
        return {"spec.target": [model.target]}
    spec = model.spec
    return {
        "spec.target": [spec.target],
        "spec.features": list(spec.features),
        "spec.sensitive_features": list(spec.sensitive_features),
    }


def _check_columns(
    tree: Tree, path: str, option: str, file: Path, wanted: dict[str, list[str]]
) -> None:
    """Every column the model names is in the data (checked before anything is written);
    the error points at the model file's field, or at the option for a new model."""
    columns = columns_of(file)
    if columns is None:
        return  # unreadable here (Parquet without pyarrow): the gates check when they run
    problems = []
    for key, names in wanted.items():
        for name in names:
            if name and name not in columns:
                hint = did_you_mean(name, columns)
                problems.append((key, f"{name!r} is not a column of {option} {file.name}{hint}"))
    if not problems:
        return
    if not tree.exists(path):
        raise InputError([Problem(path, 0, 0, "--target", message) for _, message in problems])
    raw = tree.read(path)
    located = locate(path, raw, [(tuple(k.split(".")), m) for k, m in problems], len(raw) + 1)
    raise InputError(located)


def _check_same_model(doc: Model, args: RegisterArgs, path: str) -> None:
    """Options that create a model must agree with an existing one: register never edits them."""
    spec = doc.spec
    for option, key, given, current in (
        ("--owner", "owner", args.owner, spec.owner),
        ("--task", "task", args.task, spec.task),
        ("--target", "target", args.target, spec.target),
        ("--risk-tier", "risk_tier", args.risk_tier, spec.risk_tier),
    ):
        if given is not None and given != current:
            raise InputError.at(
                path,
                f"{option} {given!r}: the model exists with {current!r} (register does not "
                "change an existing model's fields; edit the file)",
                field=f"spec.{key}",
            )


def _pin(root: Path, given: Path, option: str) -> tuple[edit.PinnedFile, Path]:
    """A command-line path (relative to the cwd) -> its repository-relative pin and the file."""
    full = Path(os.path.abspath(given))
    shown = str(given)
    if not full.is_relative_to(root):
        raise InputError.at(shown, f"outside the repository ({root})", field=option)
    real = full.resolve()
    if not real.is_relative_to(root):
        raise InputError.at(shown, "a symlink to outside the repository", field=option)
    rel = full.relative_to(root)
    if ".git" in rel.parts[:1] or ".git" in real.relative_to(root).parts[:1]:
        raise InputError.at(shown, "inside .git", field=option)
    if not real.exists():
        raise InputError.at(shown, "no such file", field=option)
    if not real.is_file():
        raise InputError.at(shown, "not a regular file", field=option)
    return edit.PinnedFile(rel.as_posix(), sha256_file(real)), real
