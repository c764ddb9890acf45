"""Sparse products for a chunk of w scenarios at once, on flat node-major arrays (n * w).

One index and one weight of a CSR matrix serve the w scenarios of a chunk, and the inner loop over them
vectorises. Search precision lam (per node and scenario) mixes the search network A with the skills network S
row by row: A_lam x = A x + lam (S x - A x) and A_lam^T y = A^T((1 - lam) y) + S^T(lam y), two sparse products
and never a per-scenario matrix. Used by :mod:`workshift.market.fused`.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def spmm(ptr, idx, val, x, out, w, accumulate):
    """out[i, :] (+)= sum_k val[k] x[idx[k], :] over rows of a CSR matrix; x, out flat (n * w)."""
    n = ptr.shape[0] - 1
    # 2-D views: the column index b is provably >= 0, so the inner loop has no wrap-around check and vectorises
    x2 = x.reshape((x.shape[0] // w, w))
    out2 = out.reshape((n, w))
    for i in range(n):
        if not accumulate:
            for b in range(w):
                out2[i, b] = 0.0
        for k in range(ptr[i], ptr[i + 1]):
            a = val[k]
            j = idx[k]
            for b in range(w):
                out2[i, b] += a * x2[j, b]


@njit(cache=True)
def mean_rows(x, out, n, w, scale):
    """Complete network (A_ij = 1/n): every row of out = column means of x, times ``scale``."""
    for b in range(w):
        acc = 0.0
        for j in range(n):
            acc += x[j * w + b]
        acc *= scale / n
        for i in range(n):
            out[i * w + b] = acc


@njit(cache=True)
def apply(net, skills, complete, use_skills, lam, x, out, tmp, n, w):
    """out = A_lam x (A_lam = A + lam (S - A), row by row and scenario by scenario)."""
    if complete:
        mean_rows(x, out, n, w, 1.0)
    else:
        spmm(net[0], net[1], net[2], x, out, w, False)
    if use_skills:
        spmm(skills[0], skills[1], skills[2], x, tmp, w, False)
        for m in range(n * w):
            out[m] += lam[m] * (tmp[m] - out[m])


@njit(cache=True)
def apply_t(net, skills, complete, use_skills, lam, y, out, tmp, n, w):
    """out = A_lam^T y = A^T ((1 - lam) y) + S^T (lam y)."""
    if use_skills:
        for m in range(n * w):
            tmp[m] = y[m] - lam[m] * y[m]
        src = tmp
    else:
        src = y
    if complete:
        mean_rows(src, out, n, w, 1.0)
    else:
        spmm(net[3], net[4], net[5], src, out, w, False)
    if use_skills:
        for m in range(n * w):
            tmp[m] = lam[m] * y[m]
        spmm(skills[3], skills[4], skills[5], tmp, out, w, True)


@njit(cache=True)
def extra(edges, use_e, transpose, toff, tsrc, ttgt, tw, b0, x, out, n, w):
    """out = E x (or E^T x): default training edges shared by the batch + each scenario's hook edges."""
    if use_e:
        if transpose:
            spmm(edges[3], edges[4], edges[5], x, out, w, False)
        else:
            spmm(edges[0], edges[1], edges[2], x, out, w, False)
    else:
        for m in range(n * w):
            out[m] = 0.0
    for bb in range(w):
        for k in range(toff[b0 + bb], toff[b0 + bb + 1]):
            if transpose:
                out[ttgt[k] * w + bb] += tw[k] * x[tsrc[k] * w + bb]
            else:
                out[tsrc[k] * w + bb] += tw[k] * x[ttgt[k] * w + bb]
