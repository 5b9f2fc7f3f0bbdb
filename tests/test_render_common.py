"""The shared pieces of every output format: links, order, titles, the summary line, and the
registry that `--format` reads."""

from __future__ import annotations

import random

import pytest
from test_render_plans import HEAD_SHA, LINKS, finding, make_change, sample_plan

from modelops_gitops.plan.result import Change, PlanResult
from modelops_gitops.render import DEFAULT_FORMAT, FORMATS, RENDERERS, Links, common
from modelops_gitops.render.links import location


def test_registry_keys_are_the_format_choices() -> None:
    assert FORMATS == ("text", "markdown", "json", "sarif", "junit")
    assert DEFAULT_FORMAT in RENDERERS
    for renderer in RENDERERS.values():
        assert renderer.DESCRIPTION
        assert renderer.SUFFIX.startswith(".")


def test_github_links_point_at_the_line_of_the_head_commit() -> None:
    url = LINKS.url("models/credit/model.yaml", 14)
    assert url == f"https://github.com/acme/models/blob/{HEAD_SHA}/models/credit/model.yaml#L14"
    assert LINKS.url("models/credit/model.yaml", 0) == url.removesuffix("#L14")
    assert LINKS.url("", 3) is None


def test_links_quote_paths_and_support_enterprise_servers() -> None:
    links = Links.github("acme", "models", "abc", server="https://ghe.example.com/")
    url = links.url("models/odd name/model.yaml", 2)
    assert url == "https://ghe.example.com/acme/models/blob/abc/models/odd%20name/model.yaml#L2"


def test_without_a_host_there_are_no_urls_only_locations() -> None:
    assert Links().url("models/credit/model.yaml", 3) is None
    assert location("models/credit/model.yaml", 3) == "models/credit/model.yaml:3"
    assert location("models/credit/model.yaml", 0) == "models/credit/model.yaml"
    assert location("", 3) == ""


@pytest.mark.parametrize(
    ("change", "title"),
    [
        (
            make_change(kind="stage.promoted", model="m", stage="prod", to="2.0.0", from_="1.0.0"),
            "stage.promoted m prod: 1.0.0 → 2.0.0",
        ),
        (
            make_change(kind="stage.removed", model="m", stage="prod", from_="1.0.0"),
            "stage.removed m prod: 1.0.0 → —",
        ),
        (
            Change(kind="version.registered", model="m", version="1.2.0"),
            "version.registered m 1.2.0",
        ),
        (Change(kind="model.created", model="m"), "model.created m"),
        (Change(kind="policy.changed", file="policies/p.yaml"), "policy.changed policies/p.yaml"),
    ],
)
def test_change_titles(change: Change, title: str) -> None:
    assert common.title(change) == title


def test_changes_without_a_model_get_a_key_per_file() -> None:
    one = Change(kind="policy.changed", file="policies/a.yaml")
    two = Change(kind="policy.changed", file="policies/b.yaml")
    assert common.change_key(one) == "policy.changed:policies/a.yaml"
    assert common.change_key(one) != common.change_key(two)
    promoted = Change(kind="stage.promoted", model="m", stage="prod", to="2.0.0")
    assert common.change_key(promoted) == promoted.key


def test_summary_counts_changes_by_outcome_and_names_what_is_pending() -> None:
    assert common.summary(sample_plan()) == (
        "plan: 4 changes — 1 pass, 1 fail, 2 pending (approvals); pull request: 1 fail"
    )
    empty = PlanResult(result="pass", base="main", head="topic", changes=())
    assert common.summary(empty) == "plan: no changes"


def test_severity_order_puts_failures_first() -> None:
    items = [
        finding("p", "a", "t", "pass", "ok"),
        finding("p", "b", "t", "waived", "w"),
        finding("p", "c", "t", "fail", "no"),
        finding("p", "d", "t", "pending", "later"),
        finding("p", "e", "t", "warn", "hm"),
    ]
    assert [f.result for f in common.findings(items, by_severity=True)] == [
        "fail",
        "pending",
        "warn",
        "waived",
        "pass",
    ]
    assert [f.rule for f in common.findings(items)] == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_does_not_depend_on_the_order_of_the_plan(fmt: str) -> None:
    plan = sample_plan()
    shuffled_changes = [
        c.model_copy(
            update={"findings": tuple(random.Random(7).sample(c.findings, len(c.findings)))}
        )
        for c in plan.changes
    ]
    random.Random(3).shuffle(shuffled_changes)
    shuffled = plan.model_copy(update={"changes": tuple(shuffled_changes)})
    renderer = RENDERERS[fmt]
    assert renderer.render(shuffled, links=LINKS) == renderer.render(plan, links=LINKS)
