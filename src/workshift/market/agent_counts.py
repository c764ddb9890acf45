"""Agents mode, phase 1: draw how many agents move along each flow this step (serial numba).

The draws are the stochastic counterparts of the mean-field flows, computed from the counts at the start of
the step, so that each flow's conditional mean equals the mean-field expression:
  separations ~ Binomial(e_i, w_i / e_i); openings ~ Poisson(n_i)
  applications: each searcher picks a destination j with probability A_ij v_j / sum_k A_ik v_k
                (multinomial per source row, by conditional binomials); the node's unemployed also send
                Binomial(min(trainees, unemployed), 1 - trainee_job_finding) applications for the trainees
                (the trainees' search credit, see workshift.market.step)
  hires at j:   Binomial(a_j, P_j) when a_j <= v_j, else Binomial(v_j, a_j P_j / v_j): mean a_j P_j either way,
                never more than a_j or v_j; P_j = a mu theta (1 - exp(-1/theta)) with theta = v_j / a_j, where
                every searcher applies once per rate period and a = applications per searcher and step
  which applications succeed: a uniformly random subset (multivariate hypergeometric over the sources)
  other exits (to flexible work, training, inactivity): multinomial among those not hired.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from workshift.market.kernels import success


@njit(cache=True)
def _binom(n, p):
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    return np.random.binomial(n, p)


@njit(cache=True)
def _row_multinomial(ptr, idx, val, v, i, total, out):
    """Split ``total`` applications of source i over its row in proportion to A_ij v_j."""
    weight = 0.0
    for k in range(ptr[i], ptr[i + 1]):
        weight += val[k] * v[idx[k]]
    left = total
    for k in range(ptr[i], ptr[i + 1]):
        w = val[k] * v[idx[k]]
        if left <= 0 or weight <= 0.0:
            out[k] = 0
            continue
        c = _binom(left, min(1.0, w / weight))
        out[k] = c
        left -= c
        weight -= w


@njit(cache=True)
def _split_column(cptr, cperm, apps, j, remaining, hires, hired):
    """Distribute ``hires`` successful applications over the entries of column j (hypergeometric)."""
    for c in range(cptr[j], cptr[j + 1]):
        k = cperm[c]
        a = apps[k]
        if a == 0:
            hired[k] = 0
            continue
        x = _hypergeom(a, remaining - a, hires)
        hired[k] = x
        hires -= x
        remaining -= a
    return remaining, hires


@njit(cache=True)
def _hrua(good, bad, sample):
    """Hypergeometric draw by ratio-of-uniforms (Stadlober 1989, 'HRUA'; the algorithm numpy's Generator
    uses for large samples): O(1) expected work whatever the sample size."""
    popsize = good + bad
    computed = min(sample, popsize - sample)
    mingb = min(good, bad)
    maxgb = max(good, bad)
    p = mingb / popsize
    q = maxgb / popsize
    mu = computed * p
    a = mu + 0.5
    var = (popsize - computed) * computed * p * q / (popsize - 1)
    c = math.sqrt(var + 0.5)
    h = 1.7155277699214135 * c + 0.8989161620588988
    m = int(math.floor((computed + 1) * (mingb + 1) / (popsize + 2)))
    g = (math.lgamma(m + 1.0) + math.lgamma(mingb - m + 1.0) + math.lgamma(computed - m + 1.0)
         + math.lgamma(maxgb - computed + m + 1.0))
    b = min(min(computed, mingb) + 1.0, math.floor(a + 16.0 * c))
    k = 0
    while True:
        u = np.random.random()
        v = np.random.random()
        if u <= 0.0:
            continue
        x = a + h * (v - 0.5) / u
        if x < 0.0 or x >= b:
            continue
        k = int(math.floor(x))
        gp = (math.lgamma(k + 1.0) + math.lgamma(mingb - k + 1.0) + math.lgamma(computed - k + 1.0)
              + math.lgamma(maxgb - computed + k + 1.0))
        t = g - gp
        if u * (4.0 - u) - 3.0 <= t:
            break
        if u * (u - t) >= 1.0:
            continue
        if 2.0 * math.log(u) <= t:
            break
    if good > bad:
        k = computed - k
    if computed < sample:
        k = good - k
    return k


@njit(cache=True)
def _hypergeom(good, bad, draws):
    """Number of good items in ``draws`` drawn without replacement from good + bad: selection sampling
    over the smaller side when that is short, HRUA otherwise (numba's own sampler loops over every draw)."""
    if draws <= 0 or good <= 0:
        return 0
    if bad <= 0:
        return draws
    total = good + bad
    if draws >= total:
        return good
    if min(good, draws) > 16:
        return _hrua(good, bad, draws)
    hit = 0
    if good <= draws:  # each good item, in turn, is in the sample with probability (draws left)/(items left)
        left = draws
        for k in range(good):
            if np.random.random() * (total - k) < left:
                hit += 1
                left -= 1
                if left == 0:
                    break
        return hit
    left_good = good
    for k in range(draws):  # each draw, in turn, is good with probability (good left)/(items left)
        if np.random.random() * (total - k) < left_good:
            hit += 1
            left_good -= 1
    return hit


@njit(cache=True)
def draw_counts(size, L, GL, v, hc, target, hooks, m1, m2, complete, rates, flex_rates, flags, out, app1, hired1,
                app2, hired2):
    """All flow counts of one step for one scenario. ``size`` (n, 6): agents per node and region
    (employed, unemployed, graduates, flexible, training, inactive); L / GL: long-term unemployed /
    graduates; ``out`` (20, n) int64 rows: 0 sep, 1 opn, 2 hires_in, 3 hU, 4 hU_long, 5 hF, 6 hG, 7 hG_long,
    8 u2f_s, 9 u2f_l, 10 u2t_s, 11 u2t_l, 12 u2x, 13 f2u, 14 e2f, 15 grads, 16 reent, 17 hired1_src
    (complete network), 18 flexible searchers, 19 applications a_j. Returns the new hours cut (float)."""
    du, dv, gu, gv, sigma_f, phi_fu, rho0, duration, xi0, eps0, a_step, kappa = rates
    flexible, training, exits = flags
    n = v.shape[0]
    ptr1, idx1, val1, cptr1, cperm1 = m1
    ptr2, idx2, val2, cptr2, cperm2 = m2
    new_hc = np.empty(n)
    for row in range(out.shape[0]):
        for i in range(n):
            out[row, i] = 0
    # 1. separations and openings
    for i in range(n):
        e = size[i, 0]
        eff = e - hc[i]
        gap = eff + v[i] - target[i]
        dsep = (1.0 - du) * min(eff, gu * max(gap, 0.0))
        dopen = (1.0 - dv) * min(eff, gv * max(-gap, 0.0))
        cut = hooks[8, i] * dsep
        dsep -= cut
        restored = min(hc[i], dopen)
        dopen -= restored
        ended = hooks[9, i] * (hc[i] - restored)
        new_hc[i] = hc[i] + cut - restored - ended
        mean_sep = min(float(e), (du * e + dsep) * hooks[3, i] + ended)
        out[0, i] = _binom(e, mean_sep / e) if e > 0 else 0
        mean_open = (dv * e + dopen) * hooks[2, i]
        out[1, i] = np.random.poisson(mean_open) if mean_open > 0 else 0
    # 2. applications (pool 1: unemployed + searching flexible workers; pool 2: graduates)
    searchers = np.zeros(n, dtype=np.int64)
    credit = np.zeros(n, dtype=np.int64)
    for i in range(n):
        out[18, i] = _binom(size[i, 3], sigma_f) if flexible else 0
        # trainees' search credit: each of min(trainees, unemployed) leaves an application with the node's
        # unemployed with probability kappa = 1 - trainee_job_finding (the pool they leave is easier to place)
        credit[i] = _binom(min(size[i, 4], size[i, 1]), kappa) if training else 0
        searchers[i] = size[i, 1] + credit[i] + out[18, i]
    apps = np.zeros(n, dtype=np.int64)
    vf = v.astype(np.float64)
    if complete:
        total = 0
        vsum = 0.0
        for i in range(n):
            total += searchers[i]
            vsum += v[i]
        left = total
        for j in range(n):
            c = _binom(left, min(1.0, v[j] / vsum)) if vsum > 0 else 0
            apps[j] = c
            left -= c
            vsum -= v[j]
    else:
        for i in range(n):
            _row_multinomial(ptr1, idx1, val1, vf, i, searchers[i], app1)
        for k in range(idx1.shape[0]):
            apps[idx1[k]] += app1[k]
    if training:
        for i in range(n):
            _row_multinomial(ptr2, idx2, val2, vf, i, size[i, 2], app2)
        for k in range(idx2.shape[0]):
            apps[idx2[k]] += app2[k]
    # 3. hires per destination, and which applications they were
    total_hired = 0
    for j in range(n):
        a = apps[j]
        out[19, j] = a
        if a == 0 or v[j] <= 0:
            continue
        P = a_step * success(float(a), float(v[j]), hooks[0, j])  # a per-period application, a per step
        h = _binom(a, P) if a <= v[j] else _binom(v[j], min(1.0, a * P / v[j]))
        out[2, j] = h
        total_hired += h
        remaining = a
        if not complete:
            remaining, h = _split_column(cptr1, cperm1, app1, j, remaining, h, hired1)
        if training:
            remaining, h = _split_column(cptr2, cperm2, app2, j, remaining, h, hired2)
        if complete:
            apps[j] = h  # pool-1 hires at j, split over sources below
    if complete:  # destinations are independent of sources: the hired are a random subset of all searchers
        pool1 = 0
        h1 = 0
        for j in range(n):
            h1 += apps[j]
        for i in range(n):
            pool1 += searchers[i]
        for i in range(n):
            x = _hypergeom(searchers[i], pool1 - searchers[i], h1)
            out[17, i] = x
            h1 -= x
            pool1 -= searchers[i]
    # 4. per source: hired unemployed / flexible / graduates and the long-term among them
    for i in range(n):
        hp1 = out[17, i]
        if not complete:
            for k in range(ptr1[i], ptr1[i + 1]):
                hp1 += hired1[k]
            out[17, i] = hp1
        hU = _hypergeom(size[i, 1] + credit[i], out[18, i], hp1)
        excess = hU - size[i, 1]  # more hires than unemployed people (a small node): the extra jobs stay open
        if excess > 0:
            hU = size[i, 1]
            hp1 -= excess
            out[17, i] = hp1
            if not complete:
                for k in range(ptr1[i], ptr1[i + 1]):
                    d = min(excess, hired1[k])
                    hired1[k] -= d
                    out[2, idx1[k]] -= d
                    excess -= d
            else:
                j = np.random.randint(0, n)
                while excess > 0:  # pool-1 hires per destination are in apps (complete network)
                    d = min(excess, apps[j])
                    apps[j] -= d
                    out[2, j] -= d
                    excess -= d
                    j = j + 1 if j + 1 < n else 0
        out[3, i] = hU
        out[5, i] = hp1 - hU
        out[4, i] = _hypergeom(L[i], size[i, 1] - L[i], hU)
        if training:
            hg = 0
            for k in range(ptr2[i], ptr2[i + 1]):
                hg += hired2[k]
            out[6, i] = hg
            out[7, i] = _hypergeom(GL[i], size[i, 2] - GL[i], hg)
    # 5. other exits of the unemployed not hired, flexible, training and inactivity flows
    for i in range(n):
        short_left = (size[i, 1] - L[i]) - (out[3, i] - out[4, i])
        long_left = L[i] - out[4, i]
        phi = flex_rates[1, i] * hooks[7, i] if flexible else 0.0
        rho = rho0 * hooks[4, i] if training else 0.0
        xi = xi0 * hooks[5, i] if exits else 0.0
        ts = phi + rho
        tl = phi + rho + xi
        ss = 1.0 / ts if ts > 1.0 else 1.0
        sl = 1.0 / tl if tl > 1.0 else 1.0
        # multinomial by conditional binomials
        a = _binom(short_left, phi * ss)
        b = _binom(short_left - a, rho * ss / (1.0 - phi * ss) if phi * ss < 1.0 else 0.0)
        out[8, i] = a
        out[10, i] = b
        a = _binom(long_left, phi * sl)
        rest = long_left - a
        b = _binom(rest, rho * sl / (1.0 - phi * sl) if phi * sl < 1.0 else 0.0)
        c = _binom(rest - b, xi * sl / (1.0 - phi * sl - rho * sl) if phi * sl + rho * sl < 1.0 else 0.0)
        out[9, i] = a
        out[11, i] = b
        out[12, i] = c
        if flexible:
            out[13, i] = _binom(size[i, 3] - out[5, i], phi_fu)
            out[14, i] = _binom(size[i, 0] - out[0, i], min(1.0, flex_rates[0, i] * hooks[7, i]))
        if training:
            out[15, i] = _binom(size[i, 4], 1.0 / duration)
        if exits:
            out[16, i] = _binom(size[i, 5], min(1.0, eps0 * hooks[6, i]))
    return new_hc
