"""The plan as JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).

One <testsuite> per change (plus one named "pull request" for plan-level findings), one
<testcase> per finding, named `policy/rule`, classname the change key:

    fail     <failure message="…" type="rule_type">
    pending  <skipped message="pending: …">
    warn     passes, with a <system-out> note
    waived   passes, with a <system-out> naming the waiver
    pass     an empty testcase

Built with xml.etree (which escapes markup); characters XML 1.0 cannot carry at all
(control characters) are replaced by U+FFFD so the document always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from modelops_gitops.plan.result import Finding, PlanResult
from modelops_gitops.render import common
from modelops_gitops.render.links import Links, location

DESCRIPTION = "JUnit XML test report (one suite per change)"
SUFFIX = ".xml"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(result: PlanResult, *, links: Links) -> str:
    """The JUnit XML document; `links` adds a URL to each testcase's output when known."""
    root = ET.Element("testsuites", name="modelops-gitops plan")
    suites: list[tuple[str, str, Sequence[Finding]]] = []
    if result.findings:
        suites.append(("pull request", common.PLAN_KEY, result.findings))
    suites += [
        (common.title(c.change), common.change_key(c.change), c.findings)
        for c in common.changes(result)
    ]
    for name, key, findings in suites:
        root.append(_suite(name, key, common.findings(findings), links))
    _count(root, root.findall("testsuite"))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _suite(name: str, key: str, findings: list[Finding], links: Links) -> ET.Element:
    suite = ET.Element("testsuite", name=_clean(name))
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="change", value=_clean(key))
    for finding in findings:
        suite.append(_case(key, finding, links))
    _count(suite, [suite])
    return suite


def _case(key: str, finding: Finding, links: Links) -> ET.Element:
    case = ET.Element("testcase", classname=_clean(key), name=_clean(common.rule_id(finding)))
    if finding.file:
        case.set("file", _clean(finding.file))
    if finding.line > 0:
        case.set("line", str(finding.line))
    where = location(finding.file, finding.line)
    url = links.url(finding.file, finding.line)
    detail = "\n".join(part for part in (finding.message, where, url or "") if part)
    if finding.result == "fail":
        failure = ET.SubElement(
            case, "failure", message=_clean(finding.message), type=_clean(finding.rule_type)
        )
        failure.text = _clean(detail)
    elif finding.result == "pending":
        ET.SubElement(case, "skipped", message=_clean(f"pending: {finding.message}"))
    notes = []
    if finding.result == "warn":
        notes.append(f"warning (enforcement: warn): {detail}")
    if finding.waiver:
        notes.append(f"waived by {finding.waiver}: {detail}")
    if finding.override:
        notes.append(f"override: {finding.override}")
    if notes:
        ET.SubElement(case, "system-out").text = _clean("\n".join(notes))
    return case


def _count(element: ET.Element, suites: list[ET.Element]) -> None:
    cases = [case for suite in suites for case in suite.findall("testcase")]
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(case.find("failure") is not None for case in cases)))
    element.set("errors", "0")
    element.set("skipped", str(sum(case.find("skipped") is not None for case in cases)))


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
