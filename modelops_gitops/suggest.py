""" "Did you mean": the close matches of a mistyped name among the valid ones, and the valid
ones themselves when there are few, as one parenthesised tail for an error message."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

LIST_ALL_BELOW = 10  # with fewer valid names than this, name them all


def did_you_mean(word: str, valid: Iterable[str], *, close: bool = True) -> str:
    """' (did you mean 'credit'?; known: a, b)' -- or '' when there is nothing to say.
    `close=False` only lists the valid names (versions: '3.0.0' is not a typo of '1.0.0')."""
    names = sorted(set(valid))
    parts: list[str] = []
    few = len(names) < LIST_ALL_BELOW  # all are listed anyway: the one closest is enough
    matches = _closest(word, names, 1 if few else 3) if close else []
    if matches:
        parts.append("did you mean " + " or ".join(repr(name) for name in matches) + "?")
    if names and few:
        parts.append("known: " + ", ".join(names))
    elif not names:
        parts.append("there are none")
    return f" ({'; '.join(parts)})" if parts else ""


def _closest(word: str, names: list[str], n: int) -> list[str]:
    """Names the word abbreviates ('prod' -> 'production'), else difflib's close matches."""
    prefixed = [name for name in names if len(word) >= 2 and name.startswith(word)]
    return prefixed[:n] if prefixed else get_close_matches(word, names, n=n, cutoff=0.6)
