"""'Did you mean': close matches among few or many valid names, and none for versions."""

from __future__ import annotations

from modelops_gitops.suggest import did_you_mean


def test_a_typo_among_few_names_gets_one_suggestion_and_the_list() -> None:
    assert did_you_mean("prodution", ["staging", "production", "development"]) == (
        " (did you mean 'production'?; known: development, production, staging)"
    )


def test_among_many_names_up_to_three_suggestions_and_no_list() -> None:
    names = [f"model-{i}" for i in range(30)] + ["credit", "credits", "credit-v2"]
    assert did_you_mean("credt", names) == " (did you mean 'credit' or 'credits' or 'credit-v2'?)"


def test_nothing_close_among_many_says_nothing() -> None:
    assert did_you_mean("zzz", [f"model-{i}" for i in range(30)]) == ""


def test_versions_are_listed_never_guessed_and_an_empty_set_is_named() -> None:
    assert did_you_mean("3.0.0", ["1.0.0", "1.1.0"], close=False) == " (known: 1.0.0, 1.1.0)"
    assert did_you_mean("x", []) == " (there are none)"


def test_an_abbreviation_is_suggested_though_difflib_finds_it_too_short() -> None:
    stages = ["development", "staging", "production"]
    assert did_you_mean("prod", stages).startswith(" (did you mean 'production'?;")
    assert did_you_mean("dev", stages).startswith(" (did you mean 'development'?;")
    # one letter abbreviates nothing: no guess, only the list
    assert did_you_mean("p", stages) == " (known: development, production, staging)"
