"""What the tests read about one column: the contract between the engines and the decision.

An engine gathers `ColumnFacts` (sizes, NaN/inf counts, distinct counts) first; the decision
code picks the test from them and says which evidence it needs (`decide.needs`); the engine
then gathers that evidence: exactly from sorted samples (local engine), or from merged
per-partition summaries (Dask engine). Everything after that is shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from modelops_gitops.gates.drift import stats
from modelops_gitops.gates.drift.stats import FloatArray, IntArray
from modelops_gitops.kinds.drift import ColumnType

REF_DISTINCT_FOR_BINS = 20  # Evidently bins numerical columns with more distinct reference values


@dataclass(frozen=True)
class SampleFacts:
    """One sample of one column: `n` values used by the tests (finite, non-null) and the
    values dropped before testing (nulls and NaN; +inf and -inf)."""

    n: int
    nan: int = 0
    posinf: int = 0
    neginf: int = 0

    @property
    def inf(self) -> int:
        return self.posinf + self.neginf


@dataclass(frozen=True)
class ColumnFacts:
    """`n_distinct` counts distinct values over both samples exactly up to `distinct_exact`
    (at least 6, the largest count the test choice looks at) and is a lower bound above it;
    `n_distinct_ref` is exact up to 21 (the binning rule looks at > 20). `integer`: both
    samples have an integer dtype and no nulls (numpy bins integers at least 1 wide)."""

    name: str
    type: ColumnType
    ref: SampleFacts
    cur: SampleFacts
    n_distinct: int
    n_distinct_ref: int
    integer: bool = False
    lo: float = 0.0  # min and max over both samples (numerical)
    hi: float = 0.0


@dataclass(frozen=True)
class ValueCounts:
    """Counts of both samples on the same keys: distinct values (sorted) or bins."""

    labels: tuple[object, ...]
    ref: IntArray
    cur: IntArray

    @property
    def unseen(self) -> int:
        """Keys present in the current sample only."""
        return int(np.count_nonzero((self.ref == 0) & (self.cur > 0)))


class NumericSamples(Protocol):
    """The two numerical samples, exact or summarised. Bounds are 0 when exact."""

    @property
    def ref_std(self) -> float: ...

    def wasserstein(self) -> tuple[float, float]:
        """W1 distance in data units and an upper bound on its error."""
        ...

    def ks(self) -> tuple[float, float, float]:
        """KS statistic, its p-value, and an upper bound on the statistic's error."""
        ...


@dataclass(frozen=True)
class ExactNumeric:
    """Sorted finite samples: every statistic exact."""

    ref: FloatArray
    cur: FloatArray

    @property
    def ref_std(self) -> float:
        return stats.std(self.ref)

    def wasserstein(self) -> tuple[float, float]:
        return stats.wasserstein_sorted(self.ref, self.cur), 0.0

    def ks(self) -> tuple[float, float, float]:
        d, p = stats.ks_sorted(self.ref, self.cur)
        return d, p, 0.0


@dataclass(frozen=True)
class KsAnchor:
    """One sample's distinct values with counts, and the other sample's counts <= and < each
    of them: enough for the exact KS statistic."""

    counts: IntArray
    le: IntArray
    lt: IntArray
    n_other: int


@dataclass(frozen=True)
class BinnedNumeric:
    """Both samples as counts on the same fine fixed-width bins (more than KS_EXACT_MAX_N
    values in one sample, so the KS p-value is scipy's asymptotic one, as with raw data).
    With an `anchor` (the other sample is small), the KS statistic is exact."""

    width: float
    ref: IntArray
    cur: IntArray
    std: float
    anchor: KsAnchor | None = None

    @property
    def ref_std(self) -> float:
        return self.std

    def wasserstein(self) -> tuple[float, float]:
        return stats.wasserstein_binned(self.ref, self.cur, self.width)

    def ks(self) -> tuple[float, float, float]:
        n, m = int(self.ref.sum()), int(self.cur.sum())
        if self.anchor is not None:
            a = self.anchor
            d = stats.ks_anchored(a.counts, a.le, a.lt, a.n_other)
            return d, stats.ks_pvalue_asymptotic(d, n, m), 0.0
        d, bound = stats.ks_binned(self.ref, self.cur)
        return d, stats.ks_pvalue_asymptotic(d, n, m), bound


@dataclass(frozen=True)
class ColumnEvidence:
    """The facts plus what the chosen test and PSI need: `counts` per distinct value,
    `binned` on Sturges bins with `edges`, `numeric` samples."""

    facts: ColumnFacts
    counts: ValueCounts | None = None
    binned: ValueCounts | None = None
    edges: FloatArray | None = None
    numeric: NumericSamples | None = None


def binned_keys(facts: ColumnFacts) -> bool:
    """PSI and Jensen-Shannon use Sturges bins (not distinct values) for this column."""
    return facts.type == "numerical" and facts.n_distinct_ref > REF_DISTINCT_FOR_BINS


def union_counts(
    ref_values: FloatArray, ref_counts: IntArray, cur_values: FloatArray, cur_counts: IntArray
) -> ValueCounts:
    """Align two sorted value-count tables on the union of their values."""
    values = np.union1d(ref_values, cur_values)
    ref = np.zeros(values.size, dtype=np.int64)
    cur = np.zeros(values.size, dtype=np.int64)
    ref[np.searchsorted(values, ref_values)] = ref_counts
    cur[np.searchsorted(values, cur_values)] = cur_counts
    return ValueCounts(tuple(values.tolist()), ref, cur)
