"""yaml_source: bytes -> plain data by the YAML 1.2 core schema, refusing what YAML can hide."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelops_gitops.repo.yaml_source import (
    MAX_DEPTH,
    Parsed,
    YamlProblem,
    format_path,
    parse,
    problem_of,
    resolve_plain,
)

LIMIT = 1 << 20


def load(text: str | bytes, *, locate: bool = False, max_bytes: int = LIMIT) -> Parsed:
    raw = text.encode() if isinstance(text, str) else text
    return parse("f.yaml", raw, max_bytes=max_bytes, locate=locate)


def refusal(text: str | bytes, *, max_bytes: int = LIMIT) -> YamlProblem:
    with pytest.raises(YamlProblem) as info:
        load(text, max_bytes=max_bytes)
    # the position-recording pass refuses the same way
    with pytest.raises(YamlProblem) as again:
        load(text, max_bytes=max_bytes, locate=True)
    assert (again.value.line, again.value.column, again.value.message) == (
        info.value.line,
        info.value.column,
        info.value.message,
    )
    return info.value


@pytest.mark.parametrize(
    ("plain", "value"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        # YAML 1.1 booleans are strings in 1.2
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("N", "N"),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("nULL", "nULL"),
        ("", None),
        ("0", 0),
        ("-17", -17),
        ("+3", 3),
        ("0777", 777),  # 1.2: decimal, not octal
        ("0o17", 15),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("-.5", -0.5),
        ("1e3", 1000.0),
        ("1.0e+20", 1e20),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        # not numbers in 1.2
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("12:30", "12:30"),
        ("1.0.0", "1.0.0"),
        ("2024-01-31", "2024-01-31"),
        ("0x", "0x"),
        ("-x", "-x"),
        ("churn", "churn"),
    ],
)
def test_plain_scalars_resolve_by_the_yaml_1_2_core_schema(plain: str, value: Any) -> None:
    resolved = resolve_plain(plain)
    assert resolved == value
    assert type(resolved) is type(value)
    assert load(f"k: {plain}\n").data == {"k": value}


def test_nan() -> None:
    assert math.isnan(load("k: .nan\n").data["k"])


def test_quoted_scalars_are_strings() -> None:
    text = "a: 'true'\nb: \"1.0\"\nc: 'no'\nd: ''\ne: |\n  12\n"
    assert load(text).data == {"a": "true", "b": "1.0", "c": "no", "d": "", "e": "12\n"}


def test_nested_structures_and_empty_documents() -> None:
    assert load("a:\n  - {b: 1}\n  - [c, ~]\n").data == {"a": [{"b": 1}, ["c", None]]}
    assert load("").data is None
    assert load("# only a comment\n").data is None
    assert load("---\na: 1\n...\n").data == {"a": 1}
    assert load(b"\xef\xbb\xbfa: 1\n").data == {"a": 1}  # a UTF-8 BOM is allowed


def test_duplicate_key() -> None:
    problem = refusal("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert (problem.line, problem.column, problem.path) == (4, 3, ("b", "c"))
    assert problem.message == "duplicate key 'c'"


@pytest.mark.parametrize(
    ("text", "line", "column", "path"),
    [
        ("a: &x 1\n", 1, 4, ("a",)),
        ("a: &x\n  b: 1\n", 1, 4, ("a",)),
        ("a:\n  - &x [1]\n", 2, 5, ("a", 0)),
        ("&x a: 1\n", 1, 1, ()),
    ],
)
def test_anchors_are_refused(text: str, line: int, column: int, path: tuple[Any, ...]) -> None:
    problem = refusal(text)
    assert (problem.line, problem.column, problem.path) == (line, column, path)
    assert problem.message == "YAML anchors are not allowed (&x)"


@pytest.mark.parametrize(
    ("text", "line", "column", "path"),
    [
        ("a: 1\nb: *x\n", 2, 4, ("b",)),
        ("a:\n  - 1\n  - *x\n", 3, 5, ("a", 1)),
        ("a:\n  *x : 1\n", 2, 3, ("a",)),
        ("*x\n", 1, 1, ()),
    ],
)
def test_aliases_are_refused_with_their_key_path(
    text: str, line: int, column: int, path: tuple[Any, ...]
) -> None:
    problem = refusal(text)
    assert (problem.line, problem.column, problem.path) == (line, column, path)
    assert problem.message == "YAML aliases are not allowed (*x)"


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    text = 'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'
    assert refusal(text).message == "YAML anchors are not allowed (&a)"


@pytest.mark.parametrize(
    ("text", "tag", "path"),
    [
        ("a: !!python/object:os.system x\n", "tag:yaml.org,2002:python/object:os.system", ("a",)),
        (
            "a: !!python/object/apply:os.system [id]\n",
            "tag:yaml.org,2002:python/object/apply:os.system",
            ("a",),
        ),
        ("a: !!str 1\n", "tag:yaml.org,2002:str", ("a",)),
        ("a: !!binary aGk=\n", "tag:yaml.org,2002:binary", ("a",)),
        ("a: !vault x\n", "!vault", ("a",)),
        ("a:\n  - !env HOME\n", "!env", ("a", 0)),
        ("a: !custom {b: 1}\n", "!custom", ("a",)),
        ("!custom a: 1\n", "!custom", ()),
        ("--- !doc\na: 1\n", "!doc", ()),
    ],
)
def test_tags_are_refused(text: str, tag: str, path: tuple[Any, ...]) -> None:
    problem = refusal(text)
    assert problem.message == f"YAML tags are not allowed ({tag})"
    assert problem.path == path


def test_the_non_specific_tag_makes_a_string() -> None:
    assert load("a: ! 12\nb: ! true\nc: ! [1]\n").data == {"a": "12", "b": "true", "c": [1]}


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 1\n---\nb: 2\n", 2), ("a: 1\n...\n---\nb: 2\n", 3), ("---\n---\n", 2)],
)
def test_more_than_one_document_is_refused(text: str, line: int) -> None:
    problem = refusal(text)
    assert problem.message == "more than one YAML document in the file"
    assert problem.line == line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1: a\n", "mapping keys must be strings, not 1"),
        ("true: a\n", "mapping keys must be strings, not True"),
        ("~: a\n", "mapping keys must be strings, not None"),
        ("1.5: a\n", "mapping keys must be strings, not 1.5"),
        ("? [a, b]\n: c\n", "mapping keys must be plain strings"),
        ("? {a: b}\n: c\n", "mapping keys must be plain strings"),
    ],
)
def test_non_string_keys_are_refused(text: str, message: str) -> None:
    assert refusal(text).message == message


def test_quoted_keys_that_look_like_numbers_are_strings() -> None:
    assert load("'1': a\n\"true\": b\n").data == {"1": "a", "true": "b"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth + "\n"


def test_nesting_up_to_the_limit_is_read() -> None:
    data = load(nested(MAX_DEPTH)).data
    for _ in range(MAX_DEPTH - 1):
        data = data[0]
    assert data == []


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    problem = refusal(nested(MAX_DEPTH + 1))
    assert problem.message == f"nested deeper than {MAX_DEPTH} levels"
    assert (problem.line, problem.column) == (1, MAX_DEPTH + 1)
    assert problem.path == (0,) * MAX_DEPTH


def test_very_deep_nesting_is_refused_without_recursing() -> None:
    assert refusal(nested(100_000)).message in (
        f"nested deeper than {MAX_DEPTH} levels",
        "invalid YAML: exceeded maximum nesting depth",  # libyaml's own limit, hit first
    )
    assert refusal("a:\n" + "".join(f"{'  ' * i}- \n" for i in range(1, 40))).message == (
        f"nested deeper than {MAX_DEPTH} levels"
    )


def test_non_utf8_is_refused_at_its_line_and_column() -> None:
    problem = refusal("a: 1\nb: caf\xe9\n".encode("latin-1"))
    assert problem.message == "not valid UTF-8 (byte 0xe9)"
    assert (problem.line, problem.column) == (2, 7)


def test_utf16_is_refused() -> None:
    assert refusal("a: 1\n".encode("utf-16")).message.startswith("not valid UTF-8")


@pytest.mark.parametrize(("char", "name"), [("\x00", "0x00"), ("\x07", "0x07"), ("\x1b", "0x1b")])
def test_control_characters_are_refused_at_their_line_and_column(char: str, name: str) -> None:
    problem = refusal(f"a: 1\nb: é{char}\n")
    assert problem.message == f"invalid YAML: control characters are not allowed (character {name})"
    assert (problem.line, problem.column) == (2, 5)
    assert "\n" not in problem.message


def test_size_limit() -> None:
    text = "a: " + "x" * 97 + "\n"  # 101 bytes
    assert load(text, max_bytes=101).data == {"a": "x" * 97}
    problem = refusal(text, max_bytes=100)
    assert problem.message == "file is 101 bytes, over the limit of 100"
    assert (problem.line, problem.column) == (0, 0)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [("a: [1, 2\n", 2, 1), ("a: 'open\n", 2, 1), ("a:\n\tb: 1\n", 2, 1), ("a: b: c\n", 1, 5)],
)
def test_syntax_errors_are_located(text: str, line: int, column: int) -> None:
    problem = refusal(text)
    assert problem.message.startswith("invalid YAML: ")
    assert (problem.line, problem.column) == (line, column)


def test_locate_records_every_key_and_item() -> None:
    parsed = load("a:\n  b: 1\n  c:\n    - x\n    - {d: 2}\n", locate=True)
    assert parsed.locations[("a",)] == (1, 1)
    assert parsed.locations[("a", "b")] == (2, 3)
    assert parsed.locations[("a", "c", 0)] == (4, 7)
    assert parsed.locations[("a", "c", 1)] == (5, 7)
    assert parsed.locations[("a", "c", 1, "d")] == (5, 8)
    assert parsed.position(("a", "c", 1, "d")) == (5, 8)
    assert parsed.position(("a", "missing", 3)) == (1, 1)  # nearest ancestor
    assert parsed.position(("nowhere",)) == (1, 1)
    assert load("a: 1\n").locations == {}  # the fast path records nothing


def test_format_path_and_problem_of() -> None:
    assert format_path(("spec", "versions", 2, "artifact", "sha256")) == (
        "spec.versions[2].artifact.sha256"
    )
    assert format_path((0, "a")) == "[0].a"
    assert format_path(()) == ""
    problem = problem_of("m.yaml", YamlProblem("bad", 3, 4, ("spec", "owner")))
    assert str(problem) == "m.yaml:3:4: spec.owner: bad"


# -- properties ---------------------------------------------------------------------------------

_TEXT = st.text(
    st.characters(
        max_codepoint=0xFFFF,
        blacklist_categories=("Cs", "Cc", "Cn", "Co", "Zl", "Zp"),
        blacklist_characters="\ufeff",
    ),
    max_size=12,
)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_JSON)
def test_json_documents_read_back_unchanged(data: Any) -> None:
    """JSON is YAML 1.2: whatever json.dumps writes, parse reads back as the same data."""
    for text in (json.dumps(data), json.dumps(data, indent=2, ensure_ascii=False)):
        assert load(text).data == data


def outcome(text: str | bytes, *, locate: bool = False) -> Parsed | YamlProblem:
    """The parsed document, or the refusal; any other exception fails the test."""
    try:
        return load(text, locate=locate)
    except YamlProblem as problem:
        return problem


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_data_or_a_located_refusal(raw: bytes) -> None:
    result = outcome(raw)
    if isinstance(result, YamlProblem):
        assert "\n" not in result.message
        assert result.line >= 0
        assert result.column >= 0


_YAMLISH = st.text(st.sampled_from(list("ab: -[]{},&*!|>'\"#\n?~.01")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_YAMLISH)
def test_any_yaml_like_text_gives_data_or_a_located_refusal(text: str) -> None:
    located, fast = outcome(text, locate=True), outcome(text)
    if isinstance(located, YamlProblem):
        assert isinstance(fast, YamlProblem)
        assert (located.line, located.column, located.message) == (
            fast.line,
            fast.column,
            fast.message,
        )
        assert located.line >= 1
    else:
        assert isinstance(fast, Parsed)
        assert fast.data == located.data


def test_clean_files_take_the_fast_path_with_the_same_data() -> None:
    """The bundled example's documents are clean: libyaml's C composer reads them, and the
    data equals what the event loop (the path that explains problems) builds."""
    from conftest import PROJECT_ROOT

    from modelops_gitops.repo import yaml_source
    from modelops_gitops.repo.tree import WorkTree, document_paths

    tree = WorkTree(PROJECT_ROOT)
    paths = document_paths(tree.paths())
    assert len(paths) >= 10
    for path in paths:
        raw = tree.read(path)
        fast = yaml_source._fast(raw)
        assert fast is not yaml_source._FALLBACK, path
        assert fast == yaml_source.parse(path, raw, max_bytes=1 << 20, locate=True).data, path
