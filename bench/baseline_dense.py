"""The plain dense one-scenario numpy implementation of the paper's equations (the benchmark baseline).

Written the way the paper's reference script does it: the full (n, n) application matrix every step.
"""

from __future__ import annotations

import numpy as np


def dense_step(e, u, v, hist, target, A, du=0.016, dv=0.012, gu=0.16, gv=0.16):
    gap = e + v - target
    sep = du * e + (1 - du) * np.minimum(e, gu * np.maximum(0.0, gap))
    opn = dv * e + (1 - dv) * np.minimum(e, gv * np.maximum(0.0, -gap))
    Av = A * v[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        Q = np.nan_to_num(Av / Av.sum(axis=1, keepdims=True))
        S = u[:, None] * Q
        s = S.sum(axis=0)
        theta = np.where(s > 0, v / s, np.inf)
        P = np.where(s > 0, theta * (1 - np.exp(-1 / theta)), 0.0)
        F = S * P[None, :]
        hires = F.sum(axis=0)
        out = F.sum(axis=1)
        hazard = np.where(u > 0, out / u, 0.0)
    new_hist = np.empty_like(hist)
    new_hist[0] = sep
    new_hist[1:] = hist[:-1] * (1 - hazard)
    new_hist[-1] += hist[-1] * (1 - hazard)
    return e - sep + hires, new_hist.sum(axis=0), v + opn - hires, new_hist


def dense_run(e0, A, d0, d_final, steps, start=100, adoption_steps=231.0, tau=4, du=0.016, dv=0.012):
    from workshift.market.shock import adoption

    e, u, v = e0.copy(), du * e0, dv * e0
    hist = np.zeros((tau, e0.size))
    hist[-1] = u
    unemployment = np.empty(steps + 1)
    unemployment[0] = u.sum() / (e + u).sum()
    for t in range(steps):
        target = d0 + (d_final - d0) * adoption(t + 1, start, adoption_steps)
        e, u, v, hist = dense_step(e, u, v, hist, target, A)
        unemployment[t + 1] = u.sum() / (e + u).sum()
    return unemployment
