"""The dashboard's figures against values computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ledger_drafts import draft

from modelops_gitops.audit.ledger import chain
from modelops_gitops.dashboard import metrics
from modelops_gitops.dashboard.sources import gate_metrics

# 2024-01-01 .. 2024-03-01 is 60 days (2024 is a leap year): two 30-day periods.
LEDGER = chain(
    [],
    [
        draft("credit", "staging", "1.0.0", time="2024-01-01T00:00:00Z", gates=(("test", "pass"),)),
        draft(
            "credit",
            "production",
            "1.0.0",
            time="2024-01-11T00:00:00Z",
            gates=(("test", "pass"), ("champion", "fail")),
        ),
        draft(
            "credit",
            "production",
            "1.1.0",
            "1.0.0",
            time="2024-01-21T00:00:00Z",
            gates=(("test", "pass"),),
        ),
        draft(
            "credit",
            "production",
            "1.0.0",
            "1.1.0",
            time="2024-01-31T00:00:00Z",
            kind="stage.rollback",
        ),
        draft(
            "diabetes",
            "production",
            "2.0.0",
            time="2024-03-01T00:00:00Z",
            gates=(("test", "error"),),
        ),
    ],
)
REGISTERED = {
    ("credit", "1.0.0"): datetime(2023, 12, 30, tzinfo=UTC),  # 12 days before production
    ("credit", "1.1.0"): datetime(2024, 1, 20, 12, tzinfo=UTC),  # 12 hours before
    # diabetes 2.0.0: registration unknown, so no lead time for it
}


def test_overall_figures() -> None:
    span = metrics.ledger_span(LEDGER)
    assert span == (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))
    dora = metrics.dora(LEDGER, last_stage="production", registered=REGISTERED, span=span)
    assert dora.stage_changes == 5
    assert dora.span_days == 60
    assert dora.promotions == 3  # the rollback and the staging entry are not promotions to prod
    assert dora.promotions_per_30d == pytest.approx(1.5)
    assert dora.lead_times_hours == (288.0, 12.0)
    assert dora.median_lead_time_hours == 150.0
    assert dora.rollbacks == 1
    assert dora.rollback_rate == pytest.approx(0.2)
    assert (dora.gates_run, dora.gates_failed) == (5, 2)  # a fail and an error
    assert dora.gate_failure_rate == pytest.approx(0.4)


def test_one_models_figures_use_the_whole_ledgers_span() -> None:
    credit = [e for e in LEDGER if e.change.model == "credit"]
    span = metrics.ledger_span(LEDGER)
    dora = metrics.dora(credit, last_stage="production", registered=REGISTERED, span=span)
    assert dora.promotions == 2
    assert dora.promotions_per_30d == pytest.approx(1.0)
    assert dora.rollback_rate == pytest.approx(0.25)
    assert dora.gate_failure_rate == pytest.approx(0.25)
    assert dora.median_lead_time_hours == 150.0


def test_figures_without_entries_or_span_are_not_available() -> None:
    empty = metrics.dora([], last_stage="production", registered={}, span=None)
    assert metrics.ledger_span([]) is None
    assert (empty.stage_changes, empty.promotions, empty.span_days) == (0, 0, None)
    assert empty.promotions_per_30d is None
    assert empty.median_lead_time_hours is None
    assert empty.rollback_rate is None
    assert empty.gate_failure_rate is None
    one = LEDGER[1:2]
    short = metrics.dora(
        one, last_stage="production", registered=REGISTERED, span=metrics.ledger_span(one)
    )
    assert short.span_days == 0
    assert short.promotions == 1
    assert short.promotions_per_30d is None  # a span under a day says nothing about frequency
    assert short.lead_times_hours == (288.0,)


def test_adoption_entries_are_not_stage_changes() -> None:
    adopted = chain(
        LEDGER,
        [
            draft(
                "breast-cancer",
                "production",
                "1.0.0",
                time="2024-03-01T00:00:00Z",
                kind="stage.adopted",
            )
        ],
    )
    dora = metrics.dora(
        [*LEDGER, *adopted],
        last_stage="production",
        registered=REGISTERED,
        span=metrics.ledger_span(LEDGER),
    )
    assert (dora.stage_changes, dora.promotions, dora.rollbacks) == (5, 3, 1)


def test_last_stage_decides_what_counts_as_a_promotion() -> None:
    dora = metrics.dora(
        LEDGER, last_stage="staging", registered=REGISTERED, span=metrics.ledger_span(LEDGER)
    )
    assert dora.promotions == 1
    assert dora.lead_times_hours == (48.0,)


def test_stage_order_keeps_the_lifecycle_then_sorts_the_rest() -> None:
    order = metrics.stage_order(
        ["development", "staging", "production"], {"shadow": "1"}, ["canary", "staging"]
    )
    assert order == ["development", "staging", "production", "canary", "shadow"]


def test_trends_per_metric_claimed_and_measured() -> None:
    versions = [("1.0.0", {"auc": 0.7}), ("1.1.0", {"auc": 0.8, "f1": 0.5})]
    measured = {"1.1.0": {"test": {"auc": 0.79}}, "0.9.0": {"test": {"auc": 0.6}}}
    found = metrics.trends(versions, measured)
    assert [t.metric for t in found] == ["auc", "f1"]
    auc, f1 = found
    assert auc.versions == ("1.0.0", "1.1.0", "0.9.0")  # unlisted measured versions last
    assert [(s.label, s.values) for s in auc.series] == [
        ("claimed", (0.7, 0.8, None)),
        ("test gate", (None, 0.79, 0.6)),
    ]
    assert [(s.label, s.values) for s in f1.series] == [("claimed", (None, 0.5, None))]
    assert metrics.trends([], {}) == []


def test_gate_metrics_from_a_json_report() -> None:
    report = b"""{"entry": {}, "evidence": {"findings": [
        {"gate": null},
        {"gate": {"gate": "test", "metrics": {"roc_auc": 0.8, "n": 3, "ok": true}}},
        {"gate": {"gate": "champion", "metrics": {"delta": -0.01}}},
        {"gate": {"metrics": {"x": 1}}}, "junk"]}}"""
    assert gate_metrics(report) == {
        "test": {"roc_auc": 0.8, "n": 3.0},
        "champion": {"delta": -0.01},
    }
    assert gate_metrics(b"not json") == {}
    assert gate_metrics(b"[1, 2]") == {}
    assert gate_metrics(b'{"evidence": {"findings": 3}}') == {}


def test_only_trends_with_two_known_points_are_plotted() -> None:
    versions = [("1.0.0", {"auc": 0.7}), ("1.1.0", {"auc": 0.8})]
    measured = {"1.1.0": {"champion": {"delta": 0.1}}}
    found = metrics.trends(versions, measured)
    assert [t.metric for t in found] == ["auc", "delta"]
    assert [t.metric for t in metrics.plotted(found)] == ["auc"]


def test_gate_measurements_table_in_version_order() -> None:
    measured = {
        "1.10.0": {"test": {"auc": 0.9}, "champion": {"delta": 0.01}},
        "1.2.0": {"test": {"auc": 0.8}},
        "0.1.0": {"test": {"auc": 0.5}},  # measured, no longer listed: last
    }
    versions, rows = metrics.measurements(["1.2.0", "1.10.0"], measured)
    assert versions == ("1.2.0", "1.10.0", "0.1.0")
    assert [(r.gate, r.metric, r.values) for r in rows] == [
        ("champion", "delta", (None, 0.01, None)),
        ("test", "auc", (0.8, 0.9, 0.5)),
    ]
    assert metrics.measurements([], {}) == ((), [])
