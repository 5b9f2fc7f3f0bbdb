"""Bytes -> plain data (+ where each key sits), refusing everything YAML can hide.

One pass over libyaml's event stream (PyYAML's C parser) builds dicts, lists and scalars.
It refuses, with file:line:col: duplicate keys, anchors and aliases, tags of any kind
(`!!python/object`, `!!str`, `!custom`), more than one document, non-string keys, nesting
deeper than `MAX_DEPTH`, non-UTF-8 bytes and files over the size limit.

Scalars resolve by the YAML 1.2 core schema (as ruamel.yaml does): only `true`/`false` are
booleans, so `no`, `on`, `yes` stay strings and a strict model refuses them where a boolean
is expected; dates stay strings for pydantic to parse. The fast path records no positions;
`locate=True` re-reads the same bytes and records the line and column of every key, which is
only done for a file that failed, to name the line of each problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml import events
from yaml.nodes import MappingNode, ScalarNode

from modelops_gitops.problems import Problem

try:  # libyaml; without it the pure-Python parser gives the same events, slower
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML wheels ship libyaml
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, _PyParser):  # type: ignore[no-redef,misc]
        def __init__(self, stream: bytes) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            _PyParser.__init__(self)


MAX_DEPTH = 32
Path = tuple[str | int, ...]
Locations = dict[Path, tuple[int, int]]

# The YAML 1.2 core schema's number forms, tried in this order (the first that matches the
# whole scalar wins, as separate patterns tried one by one would): one `match` per scalar.
_NUMBER = re.compile(
    r"^(?:(?P<int>[-+]?[0-9]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<oct>0o[0-7]+)"
    r"|(?P<hex>0x[0-9a-fA-F]+)"
    r"|(?P<inf>[-+]?\.(?:inf|Inf|INF))"
    r"|(?P<nan>\.(?:nan|NaN|NAN)))$"
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_MAYBE_SPECIAL = frozenset("0123456789+-.~nNtTfF")


def resolve_plain(value: str) -> Any:
    """A plain (unquoted) scalar by the YAML 1.2 core schema."""
    if not value:
        return None
    if value[0] not in _MAYBE_SPECIAL:
        return value
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    number = _NUMBER.match(value)
    if number is None:
        return value
    form = number.lastgroup
    if form == "int":
        return int(value)
    if form == "float":
        return float(value)
    if form == "oct":
        return int(value[2:], 8)
    if form == "hex":
        return int(value[2:], 16)
    if form == "inf":
        return float("-inf") if value[0] == "-" else float("inf")
    return float("nan")


class YamlProblem(Exception):
    """A refusal while reading events; carries its (1-based) position."""

    def __init__(self, message: str, line: int, column: int, path: Path = ()) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.path = message, line, column, path


@dataclass(frozen=True)
class Parsed:
    """One YAML document as plain data, with key positions when it was read with `locate`."""

    file: str
    data: Any
    locations: Locations = field(default_factory=dict)

    def position(self, path: Path) -> tuple[int, int]:
        """The line and column of `path`, or of its nearest ancestor that exists."""
        while path:
            if path in self.locations:
                return self.locations[path]
            path = path[:-1]
        return self.locations.get((), (1, 1))


def format_path(path: Path) -> str:
    """("spec", "versions", 2, "sha256") -> "spec.versions[2].sha256"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _mark(event: events.Event) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


def _refuse_decorations(event: Any, path: Path) -> None:
    if event.anchor is not None:
        line, col = _mark(event)
        raise YamlProblem(f"YAML anchors are not allowed (&{event.anchor})", line, col, path)
    if event.tag is not None and event.tag != "!":
        line, col = _mark(event)
        raise YamlProblem(f"YAML tags are not allowed ({event.tag})", line, col, path)


def _scalar(event: events.ScalarEvent) -> Any:
    return event.value if event.style else resolve_plain(event.value)  # plain: None or ""


def _path_of(stack: list[list[Any]], last: str | int | None = None) -> Path:
    """The key path of the node being read: each frame's place in its parent, then `last`."""
    parts = [frame[2] for frame in stack[1:]]
    return tuple(parts if last is None else [*parts, last])


def _scalar_path(stack: list[list[Any]]) -> Path:
    """The key path of the scalar being read (a key names its mapping; a value its key)."""
    if not stack:
        return ()
    container, key = stack[-1][0], stack[-1][1]
    if container.__class__ is dict:
        return _path_of(stack, key)  # key is None while a key is read: the mapping's path
    return _path_of(stack, len(container))


def _build(raw: bytes, locate: bool) -> tuple[Any, Locations]:
    """Events -> data. The hot loop: locals bound, scalars first, and key paths built only
    when positions are wanted or a problem is raised."""
    parser = _Parser(raw)
    get_event = parser.get_event
    scalar_cls, mapping_cls, sequence_cls = (
        events.ScalarEvent,
        events.MappingStartEvent,
        events.SequenceStartEvent,
    )
    end_classes = (events.MappingEndEvent, events.SequenceEndEvent)
    locations: Locations = {}
    # Frame: [container, pending key (None when a key comes next), place in the parent]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    try:
        while True:
            event = get_event()
            cls = event.__class__
            frame = stack[-1] if stack else None
            if cls is scalar_cls:
                if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                    _refuse_decorations(event, _scalar_path(stack))
                # quoted, block or with the non-specific tag `!`: a string (YAML 1.2, 3.3.2)
                value = event.value if event.style or event.tag else resolve_plain(event.value)
                if frame is None:
                    root = value
                    if locate:
                        locations[()] = _mark(event)
                    continue
                container = frame[0]
                if container.__class__ is dict:
                    key = frame[1]
                    if key is None:  # this scalar is a key
                        if value.__class__ is not str:
                            line, col = _mark(event)
                            raise YamlProblem(
                                f"mapping keys must be strings, not {value!r}",
                                line,
                                col,
                                _path_of(stack),
                            )
                        if value in container:
                            line, col = _mark(event)
                            raise YamlProblem(
                                f"duplicate key {value!r}", line, col, _path_of(stack, value)
                            )
                        frame[1] = value
                        if locate:
                            locations[_path_of(stack, value)] = _mark(event)
                        continue
                    container[key] = value
                    frame[1] = None
                else:
                    if locate:
                        locations[_path_of(stack, len(container))] = _mark(event)
                    container.append(value)
                continue
            if cls in end_classes:
                stack.pop()
                continue
            if cls is mapping_cls or cls is sequence_cls:
                node: Any = {} if cls is mapping_cls else []
                if frame is None:
                    place: str | int | None = None
                    root = node
                elif frame[0].__class__ is dict:
                    place = frame[1]
                    if place is None:
                        line, col = _mark(event)
                        raise YamlProblem(
                            "mapping keys must be plain strings", line, col, _path_of(stack)
                        )
                    frame[0][place] = node
                    frame[1] = None
                else:
                    place = len(frame[0])
                    frame[0].append(node)
                if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                    _refuse_decorations(event, _path_of(stack, place))
                if locate and place is not None and not isinstance(place, str):
                    locations[_path_of(stack, place)] = _mark(event)
                elif locate and place is None:
                    locations[()] = _mark(event)
                if len(stack) >= MAX_DEPTH:
                    line, col = _mark(event)
                    raise YamlProblem(
                        f"nested deeper than {MAX_DEPTH} levels", line, col, _path_of(stack, place)
                    )
                stack.append([node, None, place])
                continue
            if cls is events.StreamEndEvent:
                break
            if cls is events.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    line, col = _mark(event)
                    raise YamlProblem("more than one YAML document in the file", line, col)
                continue
            if cls is events.AliasEvent:
                line, col = _mark(event)
                if frame is None:
                    at: Path = ()
                elif frame[0].__class__ is dict:
                    at = _path_of(stack, frame[1])  # frame[1] is None for an alias as a key
                else:
                    at = _path_of(stack, len(frame[0]))
                raise YamlProblem(f"YAML aliases are not allowed (*{event.anchor})", line, col, at)
            # StreamStart, DocumentEnd: nothing to do
    finally:
        parser.dispose()
    return root, locations


def parse(file: str, raw: bytes, *, max_bytes: int, locate: bool = False) -> Parsed:
    """Parse one single-document YAML file; raise `YamlProblem` on anything refused."""
    if len(raw) > max_bytes:
        raise YamlProblem(f"file is {len(raw)} bytes, over the limit of {max_bytes}", 0, 0)
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM is accepted on both paths
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        raise YamlProblem(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line, column) from None
    if not locate:
        fast = _fast(raw)
        if fast is not _FALLBACK:
            return Parsed(file=file, data=fast)
    try:
        data, locations = _build(raw, locate)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise YamlProblem(f"invalid YAML: {exc.problem or exc.context}", line, col) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids, at a byte offset
        line, column = _position(raw, exc.position)
        raise YamlProblem(
            f"invalid YAML: {exc.reason} (character 0x{exc.character:02x})", line, column
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", 0, 0) from None
    return Parsed(file=file, data=data, locations=locations)


# -- the fast path ---------------------------------------------------------------------------
# libyaml composes the node tree in C; a resolver that answers one constant tag keeps Python
# out of the loop, and a small walk builds the data with the same YAML 1.2 scalar rules. It
# only accepts files with nothing to refuse: any byte that could start an anchor or alias, an
# explicit tag, a duplicate or non-string key, deep nesting or any libyaml error sends the file
# to `_build`, the one implementation that explains problems. Same data either way.

_FALLBACK: Any = object()
_IMPLICIT = "?"  # the tag our resolver gives every untagged node
_MAX_FLOW_BRACKETS = 256  # more flow brackets than this could nest deep: take the event loop

if hasattr(_Parser, "get_single_node"):

    class _Composer(_Parser):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            return _IMPLICIT

        def descend_resolver(self, *args: Any) -> None:
            return None

        def ascend_resolver(self, *args: Any) -> None:
            return None


def _fast(raw: bytes) -> Any:
    # `&` anchors, `*` aliases, `!` tags (the non-specific `!` included): only the event loop
    # sees them. Such bytes inside a string merely cost the fast path.
    if b"&" in raw or b"*" in raw or b"!" in raw:
        return _FALLBACK
    if raw.count(b"[") + raw.count(b"{") > _MAX_FLOW_BRACKETS:
        return _FALLBACK
    if not hasattr(_Parser, "get_single_node"):
        return _FALLBACK
    composer = _Composer(raw)
    try:
        node = composer.get_single_node()
    except yaml.YAMLError:
        return _FALLBACK
    finally:
        composer.dispose()
    if node is None:
        return None
    try:
        return _walk(node, 0)
    except _Refused:
        return _FALLBACK


class _Refused(Exception):
    pass


def _walk(node: Any, depth: int) -> Any:
    if node.tag != _IMPLICIT:
        raise _Refused
    cls = node.__class__
    if cls is ScalarNode:
        return node.value if node.style else resolve_plain(node.value)
    if depth >= MAX_DEPTH:
        raise _Refused
    if cls is MappingNode:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag != _IMPLICIT:
                raise _Refused
            key = key_node.value if key_node.style else resolve_plain(key_node.value)
            if key.__class__ is not str or key in out:
                raise _Refused
            out[key] = _walk(value_node, depth + 1)
        return out
    return [_walk(item, depth + 1) for item in node.value]


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    """A byte offset -> 1-based line and column (the column in characters)."""
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode("utf-8", "replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def problem_of(file: str, exc: YamlProblem) -> Problem:
    return Problem(file, exc.line, exc.column, format_path(exc.path), exc.message)
