"""Sparse products for a chunk of w scenarios at once, on flat node-major arrays (n * w).

One index and one weight of a CSR matrix serve the w scenarios of a chunk, and the inner loop over them
vectorises. Search precision lam (per node and scenario) mixes the search network A with the skills network S
row by row: A_lam x = A x + lam (S x - A x) and A_lam^T y = A^T((1 - lam) y) + S^T(lam y), two sparse products
and never a per-scenario matrix; the caller mixes them in its next element-wise pass. Used by
:mod:`workshift.market.fused`.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def spmm(ptr, idx, val, x, out, w, accumulate):
    """out[i, :] (+)= sum_k val[k] x[idx[k], :] over rows of a CSR matrix; x, out flat (n * w).

    Four edges per sweep over the w lanes, so the output row is loaded and stored once per four edges rather
    than once per edge (about a fifth faster here, timed on the US network in isolation)."""
    n = ptr.shape[0] - 1
    # 2-D views: the column index b is provably >= 0, so the inner loop has no wrap-around check and vectorises
    x2 = x.reshape((x.shape[0] // w, w))
    out2 = out.reshape((n, w))
    for i in range(n):
        if not accumulate:
            for b in range(w):
                out2[i, b] = 0.0
        k, k1 = ptr[i], ptr[i + 1]
        while k + 4 <= k1:
            a0, a1, a2, a3 = val[k], val[k + 1], val[k + 2], val[k + 3]
            j0, j1, j2, j3 = idx[k], idx[k + 1], idx[k + 2], idx[k + 3]
            for b in range(w):
                out2[i, b] += (a0 * x2[j0, b] + a1 * x2[j1, b]) + (a2 * x2[j2, b] + a3 * x2[j3, b])
            k += 4
        while k < k1:
            a0, j0 = val[k], idx[k]
            for b in range(w):
                out2[i, b] += a0 * x2[j0, b]
            k += 1


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
def forward(net, skills, complete, use_skills, x, out, sout, n, w):
    """out = A x (the complete network: column means) and, with search precision, sout = S x; the caller mixes
    them row by row, A_lam x = A x + lam (S x - A x)."""
    if complete:
        mean_rows(x, out, n, w, 1.0)
    else:
        spmm(net[0], net[1], net[2], x, out, w, False)
    if use_skills:
        spmm(skills[0], skills[1], skills[2], x, sout, w, False)


@njit(cache=True)
def backward(net, skills, complete, use_skills, x, xs, out, n, w):
    """out = A^T x + S^T xs: A_lam^T y with x = (1 - lam) y and xs = lam y (xs unused without skills)."""
    if complete:
        mean_rows(x, out, n, w, 1.0)
    else:
        spmm(net[3], net[4], net[5], x, out, w, False)
    if use_skills:
        spmm(skills[3], skills[4], skills[5], xs, out, w, True)


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
