"""The decision, shared by every engine: which test, what it needs, what it says.

Default test choice (Evidently 0.7's DataDriftPreset), by the reference size n (finite values)
and the number of distinct values d over both samples:

    numerical    n <= 1000, d > 5   ks               drift when p <= 0.05
    numerical    n <= 1000, d 3..5  chisquare        drift when p <  0.05
    any          n <= 1000, d <= 2  z                drift when p <  0.05
    categorical  n <= 1000, d > 2   chisquare        drift when p <  0.05
    numerical    n >  1000, d > 5   wasserstein      W1 / max(std(ref), 0.001) >= 0.1
    numerical    n >  1000, d <= 5  jensenshannon    >= 0.1
    categorical  n >  1000          jensenshannon    >= 0.1
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelops_gitops.errors import GateInputError
from modelops_gitops.gates.drift import stats
from modelops_gitops.gates.drift.evidence import (
    ColumnEvidence,
    ColumnFacts,
    ValueCounts,
    binned_keys,
)
from modelops_gitops.gates.drift.report import Distribution, FeatureDrift
from modelops_gitops.kinds.drift import (
    NUMERICAL_ONLY_TESTS,
    DriftConfig,
    TestName,
)

SMALL_REFERENCE = 1000  # at most this many reference values: p-value tests
PLOT_TOP_VALUES = 20


def choose_test(facts: ColumnFacts, config: DriftConfig) -> TestName:
    forced = config.forced_test(facts.name, facts.type)
    if forced is not None:
        if facts.type == "categorical" and forced in NUMERICAL_ONLY_TESTS:
            raise GateInputError(
                f"feature {facts.name!r} is categorical: test {forced} needs numerical data "
                f"(declare features.{facts.name}.type: numerical, or choose another test)"
            )
        return forced
    d = facts.n_distinct
    if facts.ref.n <= SMALL_REFERENCE:
        if d <= 2:
            return "z"
        return "ks" if facts.type == "numerical" and d > 5 else "chisquare"
    if facts.type == "numerical" and d > 5:
        return "wasserstein"
    return "jensenshannon"


@dataclass(frozen=True)
class Needs:
    counts: bool  # value counts on the union of distinct values
    binned: bool  # counts on Sturges bins
    numeric: bool  # the samples themselves (exact or summarised)


def needs(facts: ColumnFacts, test: TestName) -> Needs:
    """What `evaluate` will read for this test plus PSI (always reported) and the plot."""
    bins = binned_keys(facts)
    return Needs(
        counts=not bins or test in ("chisquare", "z"),
        binned=bins,
        numeric=test in NUMERICAL_ONLY_TESTS,
    )


def evaluate(evidence: ColumnEvidence, test: TestName, config: DriftConfig) -> FeatureDrift:
    facts = evidence.facts
    threshold = config.threshold(facts.name, test)
    keyed = evidence.binned if binned_keys(facts) else evidence.counts
    if keyed is None:
        raise ValueError(f"engine gathered no counts for {facts.name!r}")  # engine bug
    bound = 0.0
    if test in ("ks", "wasserstein"):
        if evidence.numeric is None:
            raise ValueError(f"engine gathered no samples for {facts.name!r}")  # engine bug
        if test == "ks":
            d, statistic, d_bound = evidence.numeric.ks()
            if d_bound:
                n, m = facts.ref.n, facts.cur.n
                bound = statistic - stats.ks_pvalue_asymptotic(min(1.0, d + d_bound), n, m)
            drifted = statistic <= threshold
        else:
            distance, raw_bound = evidence.numeric.wasserstein()
            norm = max(evidence.numeric.ref_std, stats.STD_FLOOR)
            statistic, bound = distance / norm, raw_bound / norm
            drifted = statistic >= threshold
    elif test in ("chisquare", "z"):
        counts = evidence.counts
        if counts is None:
            raise ValueError(f"engine gathered no counts for {facts.name!r}")  # engine bug
        pvalue = stats.chisquare_pvalue if test == "chisquare" else stats.z_pvalue
        statistic = pvalue(counts.ref, counts.cur)
        drifted = statistic < threshold
    else:
        measure = stats.psi if test == "psi" else stats.jensenshannon
        statistic = measure(keyed.ref, keyed.cur)
        drifted = statistic >= threshold
    unseen = evidence.counts.unseen if evidence.counts is not None else 0
    return FeatureDrift(
        name=facts.name,
        type=facts.type,
        test=test,
        statistic=statistic,
        threshold=threshold,
        drifted=bool(drifted),
        psi=stats.psi(keyed.ref, keyed.cur),
        ref_count=facts.ref.n,
        cur_count=facts.cur.n,
        ref_nan=facts.ref.nan,
        cur_nan=facts.cur.nan,
        ref_inf=facts.ref.inf,
        cur_inf=facts.cur.inf,
        unseen_categories=unseen if facts.type == "categorical" else 0,
        error_bound=bound,
        distribution=distribution(evidence),
    )


def distribution(evidence: ColumnEvidence) -> Distribution | None:
    """Shares per Sturges bin, or per value (the most frequent ones, the rest as "other")."""
    if evidence.binned is not None and evidence.edges is not None:
        b = evidence.binned
        return Distribution(
            kind="bins",
            labels=tuple(f"{lo:.4g}" for lo in evidence.edges[:-1]),
            edges=tuple(float(e) for e in evidence.edges),
            reference=_shares(b.ref),
            current=_shares(b.cur),
        )
    if evidence.counts is None:
        return None
    return _top_values(evidence.counts)


def _top_values(counts: ValueCounts) -> Distribution:
    ref_share, cur_share = counts.ref / counts.ref.sum(), counts.cur / counts.cur.sum()
    order = np.argsort(-(ref_share + cur_share), kind="stable")
    top, rest = order[:PLOT_TOP_VALUES], order[PLOT_TOP_VALUES:]
    if len(counts.labels) <= PLOT_TOP_VALUES + 1:  # keep natural order when all fit
        top, rest = np.arange(len(counts.labels)), order[:0]
    labels = [str(counts.labels[i]) for i in top]
    ref, cur = ref_share[top].tolist(), cur_share[top].tolist()
    if rest.size:
        labels.append("(other)")
        ref.append(float(ref_share[rest].sum()))
        cur.append(float(cur_share[rest].sum()))
    return Distribution(
        kind="values", labels=tuple(labels), reference=tuple(ref), current=tuple(cur)
    )


def _shares(counts: np.ndarray) -> tuple[float, ...]:
    return tuple((counts / counts.sum()).tolist())
