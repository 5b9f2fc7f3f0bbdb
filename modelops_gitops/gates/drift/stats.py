"""The statistics, as Evidently 0.7 computes them, on counts, sorted samples or histograms.

Pure numpy functions (scipy, slow to import, only where a p-value needs it). Count-based tests
(chi-square, z, Jensen-Shannon, PSI) take aligned reference/current count vectors; the
Wasserstein and Kolmogorov-Smirnov statistics come in two forms: exact on sorted samples, and
bounded on a shared fixed-edge histogram.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

STD_FLOOR = 0.001  # Evidently's floor for the reference std normalising Wasserstein
KS_EXACT_MAX_N = 10_000  # scipy's ks_2samp uses its exact p-value up to this sample size
_BLOCK = 1 << 13  # 64 KiB temporaries: below malloc's mmap threshold, in cache


# ---- count-based tests: vectors aligned on the union of values (or bins) -----------------


def chisquare_pvalue(ref: IntArray, cur: IntArray) -> float:
    """Pearson chi-square of the current counts against the reference counts scaled to the
    current size. A value present in current but absent from the reference makes the expected
    count zero: p = 0 (Evidently's verdict, without the division by zero)."""
    if np.any((ref == 0) & (cur > 0)):
        return 0.0
    keep = ref > 0
    if np.count_nonzero(keep) < 2:  # one value only: nothing can differ (scipy would give nan)
        return 1.0
    from scipy import stats

    expected = ref[keep] * (cur.sum() / ref.sum())
    return float(stats.chisquare(cur[keep], expected).pvalue)


def z_pvalue(ref: IntArray, cur: IntArray) -> float:
    """Two-proportion z-test of "first value" vs the rest, two-sided, as Evidently computes it
    (values ordered; 1.0 when both samples hold the same single value)."""
    n1, n2 = int(ref.sum()), int(cur.sum())
    if (
        np.count_nonzero(ref) == 1
        and np.count_nonzero(cur) == 1
        and np.array_equal(ref > 0, cur > 0)
    ):
        return 1.0
    p1 = 1.0 - ref[0] / n1
    p2 = 1.0 - cur[0] / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - _normal_cdf(abs(z))))


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))  # scipy.stats.norm.cdf


def jensenshannon(ref: IntArray, cur: IntArray) -> float:
    """Jensen-Shannon distance (natural log) of the two frequency vectors, computed as
    `scipy.spatial.distance.jensenshannon` does."""
    p, q = ref / ref.sum(), cur / cur.sum()
    m = (p + q) / 2.0
    divergence = float(np.sum(_rel_entr(p, m)) + np.sum(_rel_entr(q, m)))
    return math.sqrt(divergence / 2.0)


def _rel_entr(x: FloatArray, y: FloatArray) -> FloatArray:
    """scipy.special.rel_entr for x >= 0, y > 0 where x > 0: x log(x/y), 0 where x == 0."""
    out = np.zeros_like(x)
    positive = x > 0
    out[positive] = x[positive] * np.log(x[positive] / y[positive])
    return out


def psi(ref: IntArray, cur: IntArray) -> float:
    """Population stability index with Evidently's fill for empty bins."""
    r = _fill_zeros(ref / ref.sum())
    c = _fill_zeros(cur / cur.sum())
    return float(np.sum((r - c) * np.log(r / c)))


def _fill_zeros(percents: FloatArray) -> FloatArray:
    nonzero = percents[percents != 0]
    smallest = float(nonzero.min())
    fill = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return np.where(percents == 0, fill, percents)


# ---- binning --------------------------------------------------------------------------


def sturges_edges(lo: float, hi: float, n: int, *, integer: bool = False) -> FloatArray:
    """`np.histogram_bin_edges(values, bins="sturges")` from the values' min, max and count
    (`integer`: the values have an integer dtype, whose bins numpy makes at least 1 wide)."""
    if lo == hi:
        return np.array([lo - 0.5, hi + 0.5])
    width = (hi - lo) / (np.log2(n) + 1.0)
    if integer and width < 1:
        width = 1.0
    bins = int(np.ceil((hi - lo) / width))
    return np.linspace(lo, hi, bins + 1, endpoint=True)


def histogram_sorted(values: FloatArray, edges: FloatArray) -> IntArray:
    """`np.histogram(values, edges)[0]` for sorted values, without another pass over them."""
    positions = np.searchsorted(values, edges, side="left")
    positions[-1] = np.searchsorted(values, edges[-1], side="right")
    return np.diff(positions).astype(np.int64)


def value_counts_sorted(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values of a sorted array and how often each occurs."""
    if values.size == 0:
        return values, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    counts = np.diff(np.append(starts, values.size)).astype(np.int64)
    return values[starts], counts


def distinct_sorted(values: FloatArray) -> int:
    return 0 if values.size == 0 else 1 + int(np.count_nonzero(values[1:] != values[:-1]))


# ---- Wasserstein-1 and Kolmogorov-Smirnov ----------------------------------------------


def wasserstein_sorted(ref: FloatArray, cur: FloatArray) -> float:
    """Exact W1 of two sorted samples: the integral over u of |Q_ref(u) - Q_cur(u)|.

    On the integer grid [0, n*m], the larger sample's quantile function steps every `small`
    units and the smaller's every `big` units, so each step of the larger meets at most two
    steps of the smaller: a few vectorised passes, in blocks, with no search and no merge."""
    if ref.size == cur.size:
        total = sum(
            float(np.abs(ref[i : i + _BLOCK] - cur[i : i + _BLOCK]).sum())
            for i in range(0, ref.size, _BLOCK)
        )
        return total / ref.size
    big, small = (ref, cur) if ref.size > cur.size else (cur, ref)
    nb, ns = big.size, small.size
    total = 0.0
    for i0 in range(0, nb, _BLOCK):
        start = np.arange(i0, min(nb, i0 + _BLOCK), dtype=np.int64) * ns
        k0 = start // nb  # the smaller sample's step where this one starts ...
        k1 = (start + ns - 1) // nb  # ... and where it ends (k0 or k0 + 1)
        first = np.minimum(k1 * nb - start, ns)
        first[k1 == k0] = ns
        values = big[i0 : i0 + start.size]
        total += float(np.dot(np.abs(values - small[k0]), first.astype(np.float64)))
        total += float(np.dot(np.abs(values - small[k1]), (ns - first).astype(np.float64)))
    return total / (nb * ns)


def std(values: FloatArray) -> float:
    """Population standard deviation (ddof=0), two passes like numpy and pandas, in blocks."""
    mean = float(values.sum()) / values.size
    squares = sum(
        float(np.dot(block, block))
        for block in (values[i : i + _BLOCK] - mean for i in range(0, values.size, _BLOCK))
    )
    return math.sqrt(squares / values.size)


def ks_sorted(ref: FloatArray, cur: FloatArray) -> tuple[float, float]:
    """Two-sample KS statistic and p-value, equal to `scipy.stats.ks_2samp` (method auto)."""
    n, m = ref.size, cur.size
    if max(n, m) <= KS_EXACT_MAX_N:
        from scipy import stats

        result = stats.ks_2samp(ref, cur)
        return float(result.statistic), float(result.pvalue)
    d = max(_ks_one_side(ref, cur), _ks_one_side(cur, ref))
    return d, ks_pvalue_asymptotic(d, n, m)


def _ks_one_side(a: FloatArray, b: FloatArray) -> float:
    """max |F_a(x) - F_b(x)| over x in a (at the last of each run of equal values)."""
    best = 0.0
    n, m = a.size, b.size
    for i0 in range(0, n, _BLOCK):
        block = a[i0 : i0 + _BLOCK]
        nxt = a[i0 + _BLOCK] if i0 + _BLOCK < n else np.inf
        last = np.flatnonzero(block != np.append(block[1:], nxt))
        f_a = (i0 + last + 1) / n
        f_b = np.searchsorted(b, block[last], side="right") / m
        best = max(best, float(np.max(np.abs(f_a - f_b))))
    return best


def ks_pvalue_asymptotic(d: float, n: int, m: int) -> float:
    """scipy's two-sided asymptotic p-value for a KS statistic (used above KS_EXACT_MAX_N)."""
    from scipy import stats

    big, small = max(n, m), min(n, m)
    en = big * small / (big + small)
    return float(np.clip(stats.kstwo.sf(d, np.round(en)), 0, 1))


def wasserstein_binned(ref: IntArray, cur: IntArray, width: float) -> tuple[float, float]:
    """W1 of two histograms on the same edges (mass at bin centres) and its error bound: every
    value moves at most half a bin, so |W1_binned - W1| <= width."""
    cdf_gap = np.abs(np.cumsum(ref) / ref.sum() - np.cumsum(cur) / cur.sum())
    return float(cdf_gap[:-1].sum() * width), width


def ks_binned(ref: IntArray, cur: IntArray) -> tuple[float, float]:
    """KS statistic from histograms on the same edges, and its error bound: the exact
    statistic lies in [d, d + the largest single-bin mass of either sample]."""
    f_ref, f_cur = ref / ref.sum(), cur / cur.sum()
    d = float(np.max(np.abs(np.cumsum(f_ref) - np.cumsum(f_cur))))
    return d, float(max(f_ref.max(), f_cur.max()))


def ks_anchored(counts: IntArray, le: IntArray, lt: IntArray, n_other: int) -> float:
    """Exact KS statistic when one sample is known by its distinct values (sorted) with
    `counts`, and the other only by how many of its values are <= (`le`) and < (`lt`) each of
    those values: between two consecutive anchors the small sample's CDF is flat, so the
    supremum is reached at an anchor or just below it."""
    f_small = np.cumsum(counts) / counts.sum()
    f_small_before = np.concatenate(([0.0], f_small[:-1]))
    at = np.abs(f_small - le / n_other)
    below = np.abs(f_small_before - lt / n_other)
    return float(max(at.max(), below.max()))
