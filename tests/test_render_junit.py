"""The JUnit format: well-formed XML (escaping by xml.etree), one suite per change, one case
per finding, and counts that add up.

Golden file: tests/golden/plan.junit.xml (regenerate with UPDATE_GOLDEN=1, see
test_render_plans).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from test_render_plans import LINKS, assert_golden, change_result, finding, sample_plan

from modelops_gitops.plan.result import Change, PlanResult
from modelops_gitops.render import Links, junit


def test_junit_matches_the_golden_file() -> None:
    assert_golden("plan.junit.xml", junit.render(sample_plan(), links=LINKS))


def test_suites_cases_and_counts() -> None:
    root = ET.fromstring(junit.render(sample_plan(), links=LINKS))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "pull request",
        "stage.promoted credit staging: 1.1.0 → 1.2.0",
        "stage.promoted credit production: 1.0.0 → 1.1.0",
        "stage.promoted fraud production: 1.4.0 → 2.0.0",
        "policy.changed policies/production.yaml",
    ]
    cases = root.findall("testsuite/testcase")
    assert root.get("tests") == str(len(cases)) == "10"
    assert root.get("failures") == "2"  # the champion gate and the plan-level finding
    assert root.get("skipped") == "2"  # the two pending approvals
    assert root.get("errors") == "0"
    for suite in suites:
        assert suite.get("tests") == str(len(suite.findall("testcase")))
        assert suite.get("failures") == str(len(suite.findall("testcase/failure")))
        assert suite.get("skipped") == str(len(suite.findall("testcase/skipped")))


def test_each_result_maps_to_its_junit_element() -> None:
    root = ET.fromstring(junit.render(sample_plan(), links=Links()))
    by_name = {(case.get("classname"), case.get("name")): case for case in root.iter("testcase")}
    fraud = "stage.promoted:fraud:production:2.0.0"
    failure = by_name[(fraud, "production/champion")].find("failure")
    assert failure is not None
    assert failure.get("type") == "gates"
    assert failure.get("message") == "champion gate failed: roc_auc improves by 0.002 < 0.01"
    skipped = by_name[("stage.promoted:credit:production:1.1.0", "production/approvals")].find(
        "skipped"
    )
    assert skipped is not None
    assert skipped.get("message", "").startswith("pending: 1 of 2 approvals")
    warn = by_name[(fraud, "production/artifact")]
    assert warn.find("failure") is None
    assert "warning (enforcement: warn)" in (warn.findtext("system-out") or "")
    waived = by_name[(fraud, "production/model-card")]
    assert waived.find("failure") is None
    assert "waived by fraud-card-2024" in (waived.findtext("system-out") or "")


def test_markup_and_control_characters_stay_well_formed() -> None:
    nasty = 'a <b> & "c" ]]> \x00\x1b end'
    item = change_result(
        Change(kind="model.created", model="m", file="models/m/model.yaml"),
        finding("p", "r", "require", "fail", nasty, file="models/m/model.yaml", line=2),
    )
    out = junit.render(
        PlanResult(result="fail", base="a", head="b", changes=(item,)), links=Links()
    )
    failure = ET.fromstring(out).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == 'a <b> & "c" ]]> \ufffd\ufffd end'
