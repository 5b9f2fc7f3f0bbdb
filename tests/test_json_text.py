"""`dumps_indented` is `json.dumps(value, indent=2)` byte for byte: for generated JSON
values, the odd scalars (NaN, infinities, escapes, non-ASCII), empty containers, tuples, and
what only `json` knows how to handle (non-str keys, subclasses of int and str)."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelops_gitops.json_text import dumps_indented

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_generated_values_encode_as_json_does(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)


class Level(enum.IntEnum):
    HIGH = 2


class Name(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": {}, "b": [], "c": [[], {}], "d": [{}]},
        ("tuple", 1, (2.5, None)),
        {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "zero": -0.0, "big": 1e300},
        {'quote"and\\slash': "line\nbreak\ttab\u0001", "é": "ünï 😀 \u2028"},
        {"status": True, "in_sync": False, "seq": None, "n": 10**30},
        {2: "int key", None: "null key", True: "bool key", 2.5: "float key"},
        {"level": Level.HIGH, "name": Name("x")},
        [Level.HIGH, Name("y"), {"k": Name("z")}],
    ],
)
def test_edge_values_encode_as_json_does(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)


def test_what_json_refuses_is_refused_the_same_way() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_indented({"when": object()})
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_indented(looped)
