"""The element-by-element end of a fused mean-field step (:mod:`workshift.market.fused`), block by block.

For a block of node rows of one chunk (flat node-major arrays of n w values): the hire probabilities from the
step's sparse products, the other exits of those not hired, the new stocks, the aged spell histograms and the
step's sums over nodes. Block-local scratch (``blk``) stays in the L1 cache; unsigned indices keep numba's
wrap-around checks out of the loops, so they vectorise. Tested through the kernel against the reference step
(``tests/market/test_market_fused.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from workshift.market.extensions.accounts import WAGE_CURVE_SERIES_MAX, wage_curve_series, wage_factor


@njit(cache=True, error_model="numpy")
def finish_block(i0, i1, w, stocks, hist, ghist, work, hk, flex_rates, blk, rates, flags, eligible_bins):
    """Rows [i0, i1): the hire probabilities h1 = a A_lam(v P) / A_lam v of the unemployed (h2: graduates),
    other exits of those not hired (flexible work, training, inactivity), the new stocks and the aged spell
    histograms; leaves the benefit-eligible unemployed in blk[4]. blk (9, (i1 - i0) w) is block-local scratch
    (indexed j = m - i0 w), so it stays in the L1 cache instead of streaming through memory. The exit rates
    are recomputed from the hooks every step: two divisions timed the same here as reading nine stored
    rates, and nine (n, w) arrays fewer stay in memory."""
    e, u, v, f, tr, g, x = stocks[0], stocks[1], stocks[2], stocks[3], stocks[4], stocks[5], stocks[6]
    sep, opn, inv_av, inv_av2, w1 = work[0], work[1], work[2], work[3], work[4]
    tmp, tmp2, hired = work[6], work[7], work[8]
    lam, h_train, h_exit, h_reentry, h_flex = hk[1], hk[4], hk[5], hk[6], hk[7]
    h1, h2, ls, ll, short, inflow, grads, fr0, fr1 = (blk[0], blk[1], blk[2], blk[3], blk[4], blk[5], blk[6],
                                                      blk[7], blk[8])
    sig = rates[4] if flags[3] else 0.0
    pfu = rates[5] if flags[3] else 0.0
    rho0, xi0, eps0 = rates[6], rates[8], rates[9]
    per_duration = 1.0 / rates[7]
    a_step = rates[10]
    kappa = rates[11] if flags[4] else 0.0  # trainees' search credit, kept by the node's unemployed
    use_skills, flexible, training, exits = flags[1], flags[3], flags[4], flags[5]
    lo = i0 * w
    for r in range(i1 - i0):
        for b in range(w):
            fr0[r * w + b] = flex_rates[0, i0 + r]
            fr1[r * w + b] = flex_rates[1, i0 + r]
    tau = hist.shape[0]
    lo_ = np.uint64(lo)
    cnt = np.uint64((i1 - i0) * w)  # unsigned indices: no wrap-around checks, so the loops vectorise
    for j in range(cnt):
        m = lo_ + j
        a = w1[m]
        if use_skills:
            a += lam[m] * (tmp[m] - a)
        h1[j] = a_step * a * inv_av[m]  # the reciprocals are 0 where A_lam v is not positive
        h2[j] = a_step * (a + tmp2[m]) * inv_av2[m] if training else 0.0
    for j in range(cnt):
        short[j] = 0.0
    for k in range(tau - 1):
        hk_ = hist[k]
        for j in range(cnt):
            short[j] += hk_[lo_ + j]
    hlast = hist[tau - 1]
    for j in range(cnt):
        m = lo_ + j
        um = u[m]
        credit = kappa * min(tr[m], um)
        stay = 1.0 - (h1[j] * (um + credit) / um if um > 0.0 else h1[j])  # of the unemployed, not hired
        nh_s = short[j] * stay
        nh_l = hlast[m] * stay
        # exit rates of the unemployed not hired (scaled so that short and long spells leave at most once)
        phi = fr1[j] * h_flex[m] if flexible else 0.0
        rho = rho0 * h_train[m] if training else 0.0
        xi = xi0 * h_exit[m] if exits else 0.0
        tot_s = phi + rho
        sc_s = 1.0 / max(tot_s, 1.0)
        tot_l = phi + rho + xi
        sc_l = 1.0 / max(tot_l, 1.0)
        f_hired = sig * f[m] * h1[j]
        f_to_u = pfu * (f[m] - f_hired)
        e2f = (min(1.0, fr0[j] * h_flex[m]) if flexible else 0.0) * (e[m] - sep[m])
        gr = tr[m] * per_duration if training else 0.0
        reent = (eps0 * h_reentry[m] if exits else 0.0) * x[m]
        hires = hired[m]
        ls[j] = stay * (1.0 - min(tot_s, 1.0))
        ll[j] = stay * (1.0 - min(tot_l, 1.0))
        inflow[j] = sep[m] + f_to_u + reent
        grads[j] = gr
        e[m] = e[m] - sep[m] - e2f + hires
        v[m] = v[m] + opn[m] - hires
        f[m] = f[m] + e2f + (phi * sc_s * nh_s + phi * sc_l * nh_l) - f_hired - f_to_u
        tr[m] = tr[m] + (rho * sc_s * nh_s + rho * sc_l * nh_l) - gr
        x[m] = x[m] + xi * sc_l * nh_l - reent
    # spells: age the histograms (the last bin accumulates), new spells enter bin 0
    _age(lo_, cnt, hist, ls, ll, inflow, short)
    if training:
        for j in range(cnt):
            ls[j] = 1.0 - h2[j]
        _age(lo_, cnt, ghist, ls, ls, grads, short)
    elig = short
    for j in range(cnt):
        m = lo_ + j
        u[m] = 0.0
        g[m] = 0.0
        elig[j] = 0.0
    for k in range(tau):
        hk_, gk_ = hist[k], ghist[k]
        for j in range(cnt):
            u[lo_ + j] += hk_[lo_ + j]
            g[lo_ + j] += gk_[lo_ + j]
        if k < eligible_bins:
            for j in range(cnt):
                elig[j] += hk_[lo_ + j] + gk_[lo_ + j]


@njit(cache=True)
def _age(lo, cnt, hist, keep_short, keep_long, inflow, last):
    """Advance elements [lo, lo + cnt) of a spell histogram (tau, n w) in place: bins shift by one with
    survival keep_short, the last bin keeps its own with keep_long, new spells enter bin 0 (block-local
    keep_short, keep_long, inflow and scratch last, indexed j = m - lo)."""
    tau = hist.shape[0]
    hl = hist[tau - 1]
    for j in range(cnt):
        last[j] = hl[lo + j]
    for k in range(tau - 1, 0, -1):
        hk_, hp = hist[k], hist[k - 1]
        for j in range(cnt):
            hk_[lo + j] = hp[lo + j] * keep_short[j]
    h0 = hist[0]
    if tau > 1:
        for j in range(cnt):
            hl[lo + j] += last[j] * keep_long[j]
            h0[lo + j] = inflow[j]
    else:
        for j in range(cnt):
            h0[lo + j] = inflow[j] + last[j] * keep_long[j]


@njit(cache=True, error_model="numpy")  # no zero-division checks, which would stop vectorisation
def sum_block(i0, i1, w, stocks, hlast, glast, elig, wage, rate0, beta, out):
    """Add rows [i0, i1) to the AGGREGATES of one step, out (10, w); elig is block-local (from row i0). Wage
    income is on each occupation's wage curve against its start unemployment rate ``rate0`` (n,)
    (:func:`workshift.market.extensions.accounts.wage_factor`; ``beta`` = 0: wages fixed).

    Per row, the nine plain sums are one loop over the scenarios, which vectorises; wage income is a loop of
    its own, and only rows with a curve (beta != 0, rate0 > 0) evaluate it, by
    :func:`~workshift.market.extensions.accounts.wage_curve_series`, which vectorises too. Each sum still adds
    the rows in order, so the sums are those of one loop, bit for bit where the curve is 1.
    With the curve in the same loop the step cost about 40 % more (51177c1; measured, bench/bench_sum_block.py)."""
    e, f, u, g, tr, hc = stocks[0], stocks[3], stocks[1], stocks[5], stocks[4], stocks[7]
    s0, s1, s2, s3, s4, s5, s6, s7, s8 = out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8]
    s9 = out[9]
    wu = np.uint64(w)
    series = abs(beta) <= WAGE_CURVE_SERIES_MAX  # the vectorisable curve (always, at plausible beta)
    for i in range(np.uint64(i0), np.uint64(i1)):
        wi = wage[i]
        lo = i * wu
        jo = (i - np.uint64(i0)) * wu
        for b in range(wu):
            m = lo + b
            s0[b] += e[m]
            s1[b] += f[m]
            s2[b] += u[m] + g[m]
            s3[b] += hlast[m] + glast[m]
            s4[b] += tr[m]
            s6[b] += f[m] * wi
            s7[b] += elig[jo + b] * wi
            s8[b] += elig[jo + b]
            s9[b] += hc[m] * wi
        r0 = rate0[i]
        if beta == 0.0 or not r0 > 0.0:  # no curve: wage_factor is 1
            for b in range(wu):
                s5[b] += (e[lo + b] - hc[lo + b]) * wi
        elif series:
            inv = 1.0 / r0  # once per row: ratio = rate / r0 to rounding
            for b in range(wu):
                m = lo + b
                ug = u[m] + g[m]
                lf = e[m] + f[m] + u[m] + g[m] + tr[m]
                ratio = ug / (lf if lf > 0 else np.inf) * inv  # 0 without a labour force, as a select
                s5[b] += (e[m] - hc[m]) * wi * wage_curve_series(ratio, beta)
        else:
            for b in range(wu):
                m = lo + b
                lf = e[m] + f[m] + u[m] + g[m] + tr[m]
                s5[b] += (e[m] - hc[m]) * wi * wage_factor((u[m] + g[m]) / lf if lf > 0 else 0.0, r0, beta)
