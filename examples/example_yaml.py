"""YAML text of the bundled example: models from build results, the rest as fixed documents.

Written as text, not dumped, so every file keeps its comments, its key order and its layout
byte for byte across rebuilds. Strings are plain when that is unambiguous in YAML 1.1 and
1.2, otherwise double-quoted (JSON escapes are valid YAML); prose goes into folded blocks;
floats are written with `repr`, the shortest text that reads back as the same float.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

GENERATED = "# Bundled example, built by examples/build_example.py (see examples/README.md)."
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./@()+,' -]*[A-Za-z0-9_./)]$|^[A-Za-z]$")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
_WIDTH = 96


def q(text: str) -> str:
    """A YAML scalar that reads back as exactly this string in YAML 1.1 and 1.2."""
    if (
        _PLAIN.match(text)
        and text.lower() not in _RESERVED
        and ": " not in text
        and " #" not in text
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if ("." in text or "e" in text) else text + ".0"
    return q(str(value))


def folded(key: str, text: str, indent: int) -> list[str]:
    """`key: >-` and the text wrapped under it (a folded block: lines rejoin with spaces)."""
    pad = " " * indent
    body = textwrap.wrap(text, width=_WIDTH - indent - 2, break_long_words=False)
    return [f"{pad}{key}: >-", *(f"{pad}  {line}" for line in body)]


def header(schema: str) -> list[str]:
    return [f"# yaml-language-server: $schema={schema}", GENERATED]


@dataclass(frozen=True)
class PinnedFile:
    path: str
    sha256: str


@dataclass(frozen=True)
class VersionDoc:
    version: str
    description: str
    artifact: PinnedFile
    size: int
    train: PinnedFile
    eval: PinnedFile
    params: dict[str, Any]
    metrics: dict[str, float]
    comment: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ModelDoc:
    name: str
    owner: str
    risk_tier: str
    description: str
    task: str
    target: str
    features: list[str]
    versions: list[VersionDoc]
    stages: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)
    sensitive_features: list[str] = field(default_factory=list)
    card: dict[str, str] = field(default_factory=dict)
    current: PinnedFile | None = None
    comment: list[str] = field(default_factory=list)
    monitoring_comment: list[str] = field(default_factory=list)
    stages_comment: list[str] = field(default_factory=list)


def model_yaml(doc: ModelDoc) -> str:
    lines = header("../../schemas/model.json")
    lines += [f"# {c}" if c else "#" for c in doc.comment]
    lines += [
        "apiVersion: modelops-gitops/v1",
        "kind: Model",
        "metadata:",
        f"  name: {q(doc.name)}",
    ]
    if doc.labels:
        lines.append("  labels:")
        lines += [f"    {q(k)}: {q(v)}" for k, v in doc.labels.items()]
    lines += ["spec:", f"  owner: {q(doc.owner)}", f"  risk_tier: {doc.risk_tier}"]
    lines += folded("description", doc.description, 2)
    lines += [f"  task: {doc.task}", f"  target: {q(doc.target)}", "  features:"]
    lines += [f"    - {q(f)}" for f in doc.features]
    if doc.sensitive_features:
        lines.append("  # Present in the eval data for the fairness gate; never a model input.")
        lines.append("  sensitive_features:")
        lines += [f"    - {q(f)}" for f in doc.sensitive_features]
    if doc.card:
        lines.append("  card:")
        for key, text in doc.card.items():
            lines += folded(key, text, 4)
    if doc.current is not None:
        lines += [f"  # {c}" for c in doc.monitoring_comment]
        lines += ["  monitoring:", "    current:", *_pinned(doc.current, 6)]
    lines.append("  versions:")
    for version in doc.versions:
        lines += _version(version)
    lines += [f"  # {c}" for c in doc.stages_comment]
    lines.append("  stages:")
    lines += [f"    {stage}: {version}" for stage, version in doc.stages.items()]
    return "\n".join(lines) + "\n"


def _pinned(pinned: PinnedFile, indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}path: {q(pinned.path)}", f"{pad}sha256: {pinned.sha256}"]


def _version(v: VersionDoc) -> list[str]:
    lines = [f"    # {c}" for c in v.comment]
    lines.append(f"    - version: {v.version}")
    lines += folded("description", v.description, 6)
    lines += [
        "      artifact:",
        *_pinned(v.artifact, 8),
        "        format: skops",
        f"        size: {v.size}",
    ]
    lines += [
        "      datasets:",
        "        train:",
        *_pinned(v.train, 10),
        "        eval:",
        *_pinned(v.eval, 10),
    ]
    lines += ["      training:", "        params:"]
    lines += [f"          {q(k)}: {scalar(val)}" for k, val in v.params.items()]
    lines.append("      metrics:")
    lines += [f"        {k}: {scalar(val)}" for k, val in v.metrics.items()]
    return lines
