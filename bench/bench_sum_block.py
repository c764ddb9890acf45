"""A/B of the fused kernel's step sums: sum_block before 51177c1's wage curve, at 51177c1 (curve in the loop,
``**``) and now (plain sums vectorised, the curve in a vectorised pass of its own), in one process.

Run: .venv/bin/python bench/bench_sum_block.py [--w 60] [--steps 120] [--repeats 9]

Synthetic stocks of the US pack's size (539 occupations, ``w`` scenarios per chunk, the kernel's row blocks);
each variant sums ``steps`` steps per repeat; the table gives the minimum over repeats (CPU s per step sum
over all nodes) and the ratio to the pre-curve sums, and checks the new sums against the 51177c1 ones (exit 1
when they differ by more than 1e-12 relative).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from numba import njit

from workshift.market.extensions.accounts import WAGE_CURVE_CLIP
from workshift.market.fused import BLOCK
from workshift.market.fused_update import sum_block


@njit  # no cache: a cached caller keeps the sum_block it was compiled with
def _factor_pow(rate, rate0, beta):
    if beta == 0.0 or not rate0 > 0.0:
        return 1.0
    ratio = min(max(rate / rate0, 1.0 / WAGE_CURVE_CLIP), WAGE_CURVE_CLIP)
    return ratio ** beta


@njit  # no cache: a cached caller keeps the sum_block it was compiled with
def sum_block_51177c1(i0, i1, w, stocks, hlast, glast, elig, wage, rate0, beta, out):
    """sum_block as 51177c1 landed it (one loop, the curve inline with ``**``)."""
    e, f, u, g, tr, hc = stocks[0], stocks[3], stocks[1], stocks[5], stocks[4], stocks[7]
    s0, s1, s2, s3, s4, s5, s6, s7, s8 = out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8]
    s9 = out[9]
    for i in range(np.uint64(i0), np.uint64(i1)):
        wi = wage[i]
        r0 = rate0[i]
        for b in range(w):
            m = i * np.uint64(w) + b
            s0[b] += e[m]
            s1[b] += f[m]
            s2[b] += u[m] + g[m]
            s3[b] += hlast[m] + glast[m]
            s4[b] += tr[m]
            curve = 1.0
            if beta != 0.0:
                lf = e[m] + f[m] + u[m] + g[m] + tr[m]
                curve = _factor_pow((u[m] + g[m]) / lf if lf > 0 else 0.0, r0, beta)
            s5[b] += (e[m] - hc[m]) * wi * curve
            s6[b] += f[m] * wi
            j = (i - np.uint64(i0)) * np.uint64(w) + np.uint64(b)
            s7[b] += elig[j] * wi
            s8[b] += elig[j]
            s9[b] += hc[m] * wi


@njit  # no cache: a cached caller keeps the sum_block it was compiled with
def sum_block_before(i0, i1, w, stocks, hlast, glast, elig, wage, out):
    """sum_block before 51177c1 (nine sums, no curve)."""
    e, f, u, g, tr, hc = stocks[0], stocks[3], stocks[1], stocks[5], stocks[4], stocks[7]
    s0, s1, s2, s3, s4, s5, s6, s7, s8 = out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8]
    for i in range(np.uint64(i0), np.uint64(i1)):
        wi = wage[i]
        for b in range(w):
            m = i * np.uint64(w) + b
            s0[b] += e[m]
            s1[b] += f[m]
            s2[b] += u[m] + g[m]
            s3[b] += hlast[m] + glast[m]
            s4[b] += tr[m]
            s5[b] += (e[m] - hc[m]) * wi
            s6[b] += f[m] * wi
            j = (i - np.uint64(i0)) * np.uint64(w) + np.uint64(b)
            s7[b] += elig[j] * wi
            s8[b] += elig[j]


@njit  # no cache: a cached caller keeps the sum_block it was compiled with
def _steps(variant, steps, n, w, stocks, hlast, glast, elig, wage, rate0, beta, out):
    rows = max(1, BLOCK // w)
    for _ in range(steps):
        out[:] = 0.0
        for i0 in range(0, n, rows):
            i1 = min(n, i0 + rows)
            blk = elig[i0 * w:]
            if variant == 0:
                sum_block_before(i0, i1, w, stocks, hlast, glast, blk, wage, out)
            elif variant == 1:
                sum_block_51177c1(i0, i1, w, stocks, hlast, glast, blk, wage, rate0, beta, out)
            else:
                sum_block(i0, i1, w, stocks, hlast, glast, blk, wage, rate0, beta, out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=539)
    parser.add_argument("--w", type=int, default=60)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    n, w = args.n, args.w
    stocks = rng.random((8, n * w)) * 100.0
    stocks[7] *= 0.05  # hours cut: a few per cent of employment
    stocks[1] *= 0.1
    stocks[5] *= 0.02
    hlast, glast, elig = rng.random(n * w), rng.random(n * w), rng.random(n * w)
    wage = rng.random(n) * 1e4
    u0 = (stocks[1] + stocks[5]) / (stocks[[0, 3, 1, 5, 4]].sum(axis=0))
    rate0 = u0.reshape(n, w)[:, 0] * rng.uniform(0.3, 3.0, n)  # ratios spread past the clip on some nodes
    rate0[rng.random(n) < 0.02] = 0.0  # occupations with no start unemployment: no curve
    beta = -0.1
    outs = [np.zeros((10, w)) for _ in range(3)]
    names = ("before 51177c1 (no curve)", "51177c1 (curve inline, **)", "now (split, series curve)")
    best = [np.inf] * 3
    for v in range(3):  # compile
        _steps(v, 1, n, w, stocks, hlast, glast, elig, wage, rate0, beta, outs[v])
    load0 = os.getloadavg()[0]
    for _ in range(args.repeats):
        for v in range(3):  # interleaved, so a load spike hits all variants alike
            c = time.process_time()
            _steps(v, args.steps, n, w, stocks, hlast, glast, elig, wage, rate0, beta, outs[v])
            best[v] = min(best[v], time.process_time() - c)
    rel = np.max(np.abs(outs[2] - outs[1]) / np.maximum(np.abs(outs[1]), 1e-300))
    print(f"n {n}, w {w}, {args.steps} steps x {args.repeats} repeats (min); load average {load0:.1f} -> "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for v in range(3):
        print(f"{names[v]:<30}{1e6 * best[v] / args.steps:>9.1f} us/step{best[v] / best[0]:>8.2f}x")
    print(f"now vs 51177c1: {best[1] / best[2]:.2f}x faster; max relative difference of the sums {rel:.1e} "
          "(goal <= 1e-12)")
    return 0 if rel <= 1e-12 else 1


if __name__ == "__main__":
    raise SystemExit(main())
