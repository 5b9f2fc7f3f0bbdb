"""Text bound for a terminal: control characters a PR could plant (in a folder name, a login,
a title) are shown escaped, never sent raw, so no escape sequence reaches the terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control character but newline and tab as `\\xNN` / `\\uNNNN`
    (C0, DEL, C1, line separators and bidirectional overrides)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
