"""Editing a model file the way a person would: bytes + request -> new bytes.

Pure: no disk, no git. ruamel.yaml's round-trip mode keeps comments, key order, quoting and
the `# yaml-language-server` line; the file's own indentation is detected and reused. What
ruamel still normalises in lines the edit never touched (spacing inside flow collections, a
missing final newline, a block indented differently from the rest) is put back by a
three-way merge on lines, so everything outside the changed region stays byte-identical.

The callers validate the input before and the output after (see `commands/edit.py`): these
functions assume a valid Model document.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from modelops_gitops import API_VERSION
from modelops_gitops.repo.yaml_source import YamlProblem, parse

MODEL_SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/model.json"
_NO_LIMIT = 1 << 62
Node = CommentedMap | CommentedSeq


class Indent(NamedTuple):
    """ruamel's indentation settings: mapping indent, sequence indent, dash offset."""

    mapping: int = 2
    sequence: int = 4
    offset: int = 2


@dataclass(frozen=True)
class PinnedFile:
    path: str
    sha256: str


@dataclass(frozen=True)
class NewVersion:
    """A version entry to append to `spec.versions`."""

    version: str
    artifact: PinnedFile
    artifact_format: str
    artifact_size: int
    train: PinnedFile
    eval: PinnedFile
    code_commit: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class NewModel:
    """The fields a new model file needs besides its first version."""

    name: str
    owner: str
    task: str
    target: str
    risk_tier: str = "medium"


def register(raw: bytes, version: NewVersion) -> bytes:
    """Append `version` to `spec.versions`, shaped like the version before it."""

    def change(doc: CommentedMap) -> None:
        spec = doc["spec"]
        entry = _version_map(version)
        versions = spec.get("versions")
        if not isinstance(versions, CommentedSeq) or not versions:
            _insert_before(spec, "versions", CommentedSeq([entry]), "stages")
            return
        if isinstance(versions[-1], CommentedMap):
            _shape_like(entry, versions[-1])
        versions.fa.set_block_style()
        _append(versions, None, entry)

    return _rewrite(raw, change)


def create(model: NewModel, version: NewVersion) -> bytes:
    """A new model file holding `version`, with the schema line editors read."""
    spec = CommentedMap(
        owner=model.owner,
        risk_tier=model.risk_tier,
        task=model.task,
        target=model.target,
        versions=CommentedSeq([_version_map(version)]),
    )
    metadata = CommentedMap(name=model.name)
    doc = CommentedMap(apiVersion=API_VERSION, kind="Model", metadata=metadata, spec=spec)
    return (f"{MODEL_SCHEMA_LINE}\n" + _dump(doc, Indent())).encode()


def set_stage(raw: bytes, stage: str, version: str, order: Sequence[str] = ()) -> bytes:
    """Set `spec.stages[stage]` to `version`. A new key goes where the lifecycle `order`
    puts it among the existing keys (at the end when `order` does not say)."""

    def change(doc: CommentedMap) -> None:
        spec = doc["spec"]
        stages = spec.get("stages")
        if not isinstance(stages, CommentedMap) or not stages:
            _insert_before(spec, "stages", CommentedMap({stage: version}))
            return
        if stage in stages:
            stages[stage] = version
            return
        later = [k for k in stages if stage in order and k in order[order.index(stage) + 1 :]]
        if later:
            stages.insert(list(stages).index(later[0]), stage, version)
        else:
            _append(stages, stage, version)

    return _rewrite(raw, change)


# -- building entries ------------------------------------------------------------------------


def _version_map(version: NewVersion) -> CommentedMap:
    entry = CommentedMap()
    entry["version"] = version.version
    if version.description:
        entry["description"] = version.description
    entry["artifact"] = CommentedMap(
        path=version.artifact.path,
        sha256=version.artifact.sha256,
        format=version.artifact_format,
        size=version.artifact_size,
    )
    entry["datasets"] = CommentedMap(
        train=CommentedMap(path=version.train.path, sha256=version.train.sha256),
        eval=CommentedMap(path=version.eval.path, sha256=version.eval.sha256),
    )
    training = CommentedMap()
    if version.code_commit is not None:
        training["code_commit"] = version.code_commit
    training["params"] = _flow(CommentedMap())
    entry["training"] = training
    if version.metrics:
        entry["metrics"] = CommentedMap(version.metrics)
    return entry


def _flow(node: CommentedMap) -> CommentedMap:
    node.fa.set_flow_style()
    return node


def _shape_like(new: CommentedMap, model: CommentedMap) -> None:
    """Order `new`'s keys as `model` orders them and copy flow style, recursively; keys
    `model` lacks follow the key they follow in `new`."""
    order = [k for k in model if k in new]
    for index, key in enumerate(new):
        if key not in order:
            before = next((k for k in reversed(list(new)[:index]) if k in order), None)
            order.insert(order.index(before) + 1 if before is not None else 0, key)
    items = [(k, new.pop(k)) for k in order]
    for key, value in items:
        new[key] = value
        like = model.get(key)
        if isinstance(value, CommentedMap) and isinstance(like, CommentedMap):
            _shape_like(value, like)
            if like.fa.flow_style() and all(not isinstance(v, dict) for v in value.values()):
                value.fa.set_flow_style()


# -- comments --------------------------------------------------------------------------------


def _insert_before(node: CommentedMap, key: str, value: Any, successor: str = "") -> None:
    """Set `key` in place if present, else insert it before `successor` or append it."""
    if key in node:
        node[key] = value
    elif successor in node:
        node.insert(list(node).index(successor), key, value)
    else:
        _append(node, key, value)


def _append(node: Node, key: str | None, value: Any) -> None:
    """Append to a block collection. The comment lines after its last item belong to what
    follows the collection, so they move below the new item instead of staying above it."""
    tail = _detach_tail(node)
    if isinstance(node, CommentedSeq):
        node.append(value)
    else:
        node[key] = value
    if tail:
        owner, slot = _last_leaf(node)
        owner.ca.items.setdefault(slot, [None, None, None, None])
        owner.ca.items[slot][_slot_index(owner)] = CommentToken(tail, CommentMark(0), None)


def _detach_tail(node: Node) -> str:
    if not node:
        return ""
    owner, slot = _last_leaf(node)
    entry = owner.ca.items.get(slot)
    token = entry[_slot_index(owner)] if entry else None
    if not isinstance(token, CommentToken) or "\n" not in token.value:
        return ""
    head, rest = token.value.split("\n", 1)
    if not rest:
        return ""
    if head.strip():
        token.value = head + "\n"
    else:
        entry[_slot_index(owner)] = None
    return "\n" + rest


def _last_leaf(node: Node) -> tuple[Node, Any]:
    """The innermost block collection and key/index holding the last line of `node`."""
    while True:
        slot = len(node) - 1 if isinstance(node, CommentedSeq) else list(node)[-1]
        value = node[slot]
        if isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
            node = value
            continue
        return node, slot


def _slot_index(node: Node) -> int:
    """Where ruamel keeps the comment after an item: 0 in a sequence, 2 in a mapping."""
    return 0 if isinstance(node, CommentedSeq) else 2


# -- round trip ------------------------------------------------------------------------------


def _rewrite(raw: bytes, change: Callable[[CommentedMap], None]) -> bytes:
    text = raw.decode("utf-8")
    crlf = "\r\n" in text
    if crlf:
        text = text.replace("\r\n", "\n")
    doc = _yaml(Indent()).load(text)
    indent = detect_indent(doc, text.splitlines())
    before = _dump(doc, indent)
    change(doc)
    after = _dump(doc, indent)
    merged = _merge(text, before, after)
    return (merged.replace("\n", "\r\n") if crlf else merged).encode("utf-8")


def _merge(original: str, before: str, after: str) -> str:
    """The original text with the edit spliced in, checked to read as `after` does; failing
    that, ruamel's text for the whole file."""
    for touching in (False, True):
        merged = splice(original, before, after, touching)
        if _same_data(merged, after):
            return merged
    return after


def _yaml(indent: Indent) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=indent.mapping, sequence=indent.sequence, offset=indent.offset)
    return yaml


def _dump(doc: Any, indent: Indent) -> str:
    out = io.StringIO()
    _yaml(indent).dump(doc, out)
    return out.getvalue()


def detect_indent(doc: Any, lines: Sequence[str]) -> Indent:
    """The indentation of the first nested block mapping and block sequence in `doc`."""
    mapping: int | None = None
    sequence: tuple[int, int] | None = None
    todo: list[Any] = [doc]
    while todo and (mapping is None or sequence is None):
        node = todo.pop(0)
        if not isinstance(node, CommentedMap) or node.fa.flow_style():
            if isinstance(node, CommentedSeq):
                todo.extend(node)
            continue
        for key, value in node.items():
            if not value or not isinstance(value, CommentedMap | CommentedSeq):
                continue
            todo.append(value)
            if value.fa.flow_style():
                continue
            column = node.lc.key(key)[1]
            if isinstance(value, CommentedMap) and mapping is None:
                mapping = value.lc.key(next(iter(value)))[1] - column
            elif isinstance(value, CommentedSeq) and sequence is None:
                line, item = value.lc.item(0)
                dash = lines[line].rfind("-", 0, item)
                sequence = (item - column, max(dash - column, 0))
    mapping = mapping if mapping and mapping > 0 else 2
    seq, offset = sequence if sequence and sequence[0] >= 2 else (mapping + 2, mapping)
    return Indent(mapping, seq, min(offset, seq - 2))


def splice(original: str, before: str, after: str, touching: bool = False) -> str:
    """Apply the edit `before -> after` (two ruamel dumps) to `original`, line by line.

    Lines ruamel normalised but the edit did not touch keep their original bytes. Where a
    normalised line and the edit overlap (or, with `touching`, are next to each other),
    ruamel's text for that region is used.
    """
    if original == before:
        return after
    o, b, a = (s.splitlines(keepends=True) for s in (original, before, after))
    edit_ops = SequenceMatcher(None, b, a, autojunk=False).get_opcodes()
    changes = [(i1, i2, o[j1:j2]) for i1, i2, j1, j2 in _changed(b, o)]
    changes += [(i1, i2, a[j1:j2]) for i1, i2, j1, j2 in _changed(b, a)]
    changes.sort(key=lambda c: (c[0], c[1]))
    out: list[str] = []
    pos, index = 0, 0
    while index < len(changes):
        lo, hi, lines = changes[index]
        group = [changes[index]]
        index += 1
        while index < len(changes) and _overlaps(changes[index][0], hi, group, touching):
            hi = max(hi, changes[index][1])
            group.append(changes[index])
            index += 1
        out += b[pos:lo]
        if len(group) == 1:
            out += lines
        else:  # the edit meets a normalised line: take the edited text of the whole region
            out += a[_map(edit_ops, lo, start=True) : _map(edit_ops, hi, start=False)]
        pos = hi
    out += b[pos:]
    return "".join(out)


def _overlaps(start: int, hi: int, group: list[tuple[int, int, list[str]]], touching: bool) -> bool:
    """A change starting at `start` meets the group ending at `hi`: it starts inside it, or
    both insert at the same place (which goes first is then ambiguous)."""
    return start < hi or (start == hi and (touching or any(c[0] == hi for c in group)))


def _changed(x: list[str], y: list[str]) -> list[tuple[int, int, int, int]]:
    ops = SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def _map(ops: Sequence[tuple[str, int, int, int, int]], at: int, *, start: bool) -> int:
    """A line boundary in `before` -> the same boundary in `after`."""
    hits = [op for op in ops if op[1] <= at <= op[2]]
    tag, i1, _, j1, j2 = hits[0] if start else hits[-1]
    if tag == "equal":
        return j1 + (at - i1)
    return j1 if start else j2


def _same_data(left: str, right: str) -> bool:
    try:
        same: bool = (
            parse("", left.encode(), max_bytes=_NO_LIMIT).data
            == parse("", right.encode(), max_bytes=_NO_LIMIT).data
        )
    except YamlProblem:
        return False
    return same
