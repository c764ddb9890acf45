"""Control charts for monitoring: EWMA and CUSUM on standardised forecast residuals, and the Sahm rule.

The charts watch ``z_t = (observed_t - projected_t) / sd_t``, which is iid N(0, 1) while the plan's
projection is right; they are not meant for raw, autocorrelated rates (docs/monitoring.md).

- EWMA (Roberts 1959; Lucas & Saccucci 1990): ``E_t = lam z_t + (1 - lam) E_{t-1}``, ``E_0 = 0``; it
  signals when ``|E_t| > L sqrt(lam / (2 - lam))`` (asymptotic limits). In-control ARL: :func:`ewma_arl`
  (Brook & Evans 1972 Markov chain); lam = 0.2, L = 2.962 gives ARL0 = 500.
- CUSUM (Page 1954), two-sided tabular form: ``C+_t = max(0, C+_{t-1} + z_t - k)``,
  ``C-_t = max(0, C-_{t-1} - z_t - k)``; it signals when either exceeds ``h``. In-control ARL:
  :func:`cusum_arl` (Siegmund 1985): k = 0.5, h = 4 -> 168; h = 5 -> 465 (two-sided).
- Sahm rule (Sahm 2019): the 3-month average of the unemployment rate minus the minimum of the
  3-month averages over the previous 12 months; the rule is on when the gap is at least 0.50 pp.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.signal import lfilter

EWMA_LAMBDA = 0.2
EWMA_L = 2.962  # Lucas & Saccucci (1990), Table 3: lam = 0.2 -> in-control ARL 500
CUSUM_K = 0.5
CUSUM_H = 5.0  # two-sided in-control ARL about 465 (Siegmund)
SAHM_THRESHOLD = 0.50  # percentage points


@dataclass(frozen=True)
class Signal:
    """One episode of a chart out of control, for a series indexed by position."""

    direction: str  # "above" (observed above projection) or "below"
    start: int  # estimated start of the shift (position)
    detected: int  # first position at which the chart signalled
    end: int  # last position of the episode
    active: bool  # still signalling at the last position


def ewma_statistic(z: np.ndarray, lam: float = EWMA_LAMBDA) -> np.ndarray:
    """E_t along the last axis (any leading axes are independent series), E_0 = 0."""
    return lfilter([lam], [1.0, -(1.0 - lam)], np.asarray(z, dtype=float), axis=-1)


def cusum_statistics(z: np.ndarray, k: float = CUSUM_K) -> tuple[np.ndarray, np.ndarray]:
    """(C+, C-) along the last axis (any leading axes are independent series), both starting at 0."""
    z = np.asarray(z, dtype=float)
    upper = np.empty_like(z)
    lower = np.empty_like(z)
    hi = np.zeros(z.shape[:-1])
    lo = np.zeros(z.shape[:-1])
    for i in range(z.shape[-1]):
        hi = np.maximum(0.0, hi + z[..., i] - k)
        lo = np.maximum(0.0, lo - z[..., i] - k)
        upper[..., i], lower[..., i] = hi, lo
    return upper, lower


def ewma_limit(lam: float = EWMA_LAMBDA, limit: float = EWMA_L) -> float:
    """The asymptotic control limit L sqrt(lam / (2 - lam)) of the EWMA statistic of N(0, 1) data."""
    return float(limit * np.sqrt(lam / (2 - lam)))


def ewma_chart(z: np.ndarray, lam: float = EWMA_LAMBDA, limit: float = EWMA_L) -> pd.DataFrame:
    """EWMA statistic, its asymptotic control limit and the alarm flag for each position."""
    stat = ewma_statistic(z, lam)
    bound = ewma_limit(lam, limit)
    return pd.DataFrame({"ewma": stat, "limit": bound, "alarm": np.abs(stat) > bound})


def cusum_chart(z: np.ndarray, k: float = CUSUM_K, h: float = CUSUM_H) -> pd.DataFrame:
    """Two-sided tabular CUSUM statistics and the alarm flag for each position."""
    upper, lower = cusum_statistics(z, k)
    return pd.DataFrame({"cusum_upper": upper, "cusum_lower": lower, "limit": h,
                         "alarm": (upper > h) | (lower > h)})


def ewma_signals(chart: pd.DataFrame) -> list[Signal]:
    """Episodes of the EWMA chart out of its limits; the start is the episode's first alarm."""
    side = np.sign(chart["ewma"].to_numpy()) * chart["alarm"].to_numpy()
    return _episodes(side)


def cusum_signals(chart: pd.DataFrame) -> list[Signal]:
    """Episodes of the CUSUM chart; the start is the change point estimate (the position after
    the statistic last stood at zero before the alarm, Page 1954)."""
    h = float(chart["limit"].iloc[0]) if len(chart) else CUSUM_H
    up = chart["cusum_upper"].to_numpy()
    down = chart["cusum_lower"].to_numpy()
    side = np.where(up > h, 1, 0) + np.where(down > h, -1, 0)
    # Where both sides signal (only after a huge swing), the larger statistic decides.
    side = np.where((up > h) & (down > h), np.sign(up - down), side)
    run_start = np.zeros_like(side)
    for stat, sign in ((up, 1), (down, -1)):
        last_zero = -1
        for i, value in enumerate(stat):
            if value == 0:
                last_zero = i
            if side[i] == sign:
                run_start[i] = last_zero + 1
    return _episodes(side, run_start)


def _episodes(side: np.ndarray, start: np.ndarray | None = None) -> list[Signal]:
    out: list[Signal] = []
    n = len(side)
    i = 0
    while i < n:
        if side[i] == 0:
            i += 1
            continue
        j = i
        while j + 1 < n and side[j + 1] == side[i]:
            j += 1
        begin = int(start[i]) if start is not None else i
        out.append(Signal("above" if side[i] > 0 else "below", begin, i, j, j == n - 1))
        i = j + 1
    return out


def ewma_arl(lam: float = EWMA_LAMBDA, limit: float = EWMA_L, shift: float = 0.0, states: int = 301) -> float:
    """Average run length of the EWMA chart (asymptotic limits) for N(shift, 1) data.

    Brook & Evans (1972): the in-control region is cut into ``states`` cells; the run length is the
    absorption time of the Markov chain of cell midpoints, ``ARL = (I - P)^-1 1`` from the centre cell.
    """
    bound = ewma_limit(lam, limit)
    width = 2 * bound / states
    mids = -bound + width * (np.arange(states) + 0.5)
    # P[i, j] = P(E_t in cell j | E_{t-1} = mids[i]) with E_t = (1 - lam) E_{t-1} + lam z
    centre = (1 - lam) * mids[:, None] + lam * shift
    edges_hi = (mids[None, :] + width / 2 - centre) / lam
    edges_lo = (mids[None, :] - width / 2 - centre) / lam
    trans = stats.norm.cdf(edges_hi) - stats.norm.cdf(edges_lo)
    arl = np.linalg.solve(np.eye(states) - trans, np.ones(states))
    return float(arl[states // 2])


def cusum_arl(k: float = CUSUM_K, h: float = CUSUM_H, shift: float = 0.0, two_sided: bool = True) -> float:
    """Siegmund's (1985) approximation of the CUSUM average run length for N(shift, 1) data.

    One side: ``ARL = (exp(-2 d b) + 2 d b - 1) / (2 d^2)`` with ``d = shift - k`` and ``b = h + 1.166``
    (``b^2`` when d = 0); two sides combine as ``1 / ARL = 1 / ARL+ + 1 / ARL-``.
    """
    def one_side(delta: float) -> float:
        b = h + 1.166
        if abs(delta) < 1e-12:
            return b * b
        return (np.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta)

    upper = one_side(shift - k)
    if not two_sided:
        return float(upper)
    return float(1 / (1 / upper + 1 / one_side(-shift - k)))


def sahm_rule(rate: pd.Series, threshold: float = SAHM_THRESHOLD) -> pd.DataFrame:
    """The Sahm rule on a monthly unemployment rate in percent (index: monthly periods or dates).

    Columns: ``rate``, ``avg3`` (3-month mean), ``low12`` (minimum of ``avg3`` over the 12 previous
    months, needing all 12), ``gap`` (avg3 - low12, pp), ``on`` (gap >= threshold), ``crossing`` (on,
    and the month before was evaluated and off: the rule crossing its threshold). Computed in ordinary
    double precision, like the published series (docs/monitoring.md discusses the 1957-10 tie).
    """
    series = rate.copy()
    if not isinstance(series.index, pd.PeriodIndex):
        series.index = pd.PeriodIndex(pd.to_datetime(series.index.astype(str)), freq="M")
    series = series.sort_index().astype(float).dropna()
    full = pd.period_range(series.index.min(), series.index.max(), freq="M")
    series = series.reindex(full)  # a missing month leaves the averages around it undefined
    avg3 = series.rolling(3).mean()
    low12 = avg3.shift(1).rolling(12).min()
    gap = avg3 - low12
    evaluated = gap.notna()
    on = (gap >= threshold) & evaluated
    before_off = evaluated.shift(1, fill_value=False) & ~on.shift(1, fill_value=False)
    return pd.DataFrame({"rate": series, "avg3": avg3, "low12": low12, "gap": gap, "on": on,
                         "crossing": on & before_off})
