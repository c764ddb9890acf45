"""Fused numba kernel of the mean-field step for a whole batch (parallel over scenarios).

It computes exactly the equations of :func:`workshift.market.step.step` (the readable numpy reference;
``tests/market/test_market_core.py::test_numba_kernel_equals_numpy_reference`` checks that both agree to 1e-11) but in one pass per scenario over CSR
arrays, with no temporaries the size of the batch and no BLAS threads, which is what makes a batch of 64
scenarios x 539 nodes cheap enough for the policy optimiser.
"""

from __future__ import annotations

import math
import types

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _rowdot(ptr, idx, val, row, x):
    acc = 0.0
    for k in range(ptr[row], ptr[row + 1]):
        acc += val[k] * x[idx[k]]
    return acc


@njit(cache=True)
def _apply(ptr, idx, val, complete, sptr, sidx, sval, lam, use_skills, x, out):
    """out = A_lam x with A_lam = (1 - lam_i) A + lam_i S row by row (A complete: 1/n everywhere)."""
    n = x.shape[0]
    mean = 0.0
    if complete:
        for j in range(n):
            mean += x[j]
        mean /= n
    for i in range(n):
        a = mean if complete else _rowdot(ptr, idx, val, i, x)
        if use_skills:
            a += lam[i] * (_rowdot(sptr, sidx, sval, i, x) - a)
        out[i] = a


@njit(cache=True)
def _apply_t(tptr, tidx, tval, complete, stptr, stidx, stval, lam, use_skills, w, scratch, out):
    """out = A_lam^T w = A^T ((1 - lam) w) + S^T (lam w)."""
    n = w.shape[0]
    for i in range(n):
        scratch[i] = w[i] * (1.0 - lam[i]) if use_skills else w[i]
    total = 0.0
    if complete:
        for i in range(n):
            total += scratch[i]
        total /= n
    for j in range(n):
        out[j] = total if complete else _rowdot(tptr, tidx, tval, j, scratch)
    if use_skills:
        for i in range(n):
            scratch[i] = w[i] * lam[i]
        for j in range(n):
            out[j] += _rowdot(stptr, stidx, stval, j, scratch)


@njit(cache=True)
def _extra(eptr, eidx, evals, use_e, toff, tsrc, ttgt, tw, b, x, out, transpose):
    """out = E x (or E^T x): default training edges (CSR; pass the transpose's CSR for E^T) + hook edges."""
    n = x.shape[0]
    for i in range(n):
        out[i] = _rowdot(eptr, eidx, evals, i, x) if use_e else 0.0
    for k in range(toff[b], toff[b + 1]):
        if transpose:
            out[ttgt[k]] += tw[k] * x[tsrc[k]]
        else:
            out[tsrc[k]] += tw[k] * x[ttgt[k]]


@njit(cache=True)
def success(s, v, mu):
    if v <= 0.0:
        return 0.0
    xr = s / v
    base = -math.expm1(-xr) / xr if xr > 1e-12 else 1.0 - 0.5 * xr
    p = min(mu * base, 1.0)
    if xr > 0.0:
        p = min(p, 1.0 / xr)
    return p


def _meanfield_step(e, u, v, hist, f, tr, g, ghist, x, hc, target,
                   net, skills, edges, edges_t, hook_edges, hooks, rates, flex_rates, flags,
                   ne, nu, nv, nhist, nf, ntr, ng, nghist, nx, nhc):
    """One mean-field step for all scenarios. ``net``/``skills``/``edges``/``edges_t`` are (ptr, idx, val,
    tptr, tidx, tval) CSR tuples; ``hooks`` is (11, B, n): mu, lam, vac, sep, train, exit, reentry, flex,
    work_sharing, short_time_end, demand_shift (added to ``target`` by the caller); ``rates`` = (du, dv, gu,
    gv, sigma_f, phi_fu, rho, duration, xi, eps, a, kappa), a = applications per searcher and step, kappa = the
    trainees' search credit (1 - trainee_job_finding); ``flex_rates`` (2, n):
    e -> flexible and u -> flexible rates per node;
    ``flags`` = (complete, use_skills, use_edges, flexible, training, exit). Writes the new state into n*."""
    B, n = e.shape
    tau = hist.shape[1]
    ptr, idx, val, tptr, tidx, tval = net
    sptr, sidx, sval, stptr, stidx, stval = skills
    eptr, eidx, evals = edges
    etptr, etidx, etvals = edges_t
    toff, tsrc, ttgt, tw = hook_edges
    du, dv, gu, gv, sigma_f, phi_fu, rho0, duration, xi0, eps0, a_step, kappa = rates
    complete, use_skills, use_e, flexible, training, exits = flags
    for b in prange(B):
        lam = hooks[1, b]
        tb = target[b]
        sep = np.empty(n)
        opn = np.empty(n)
        searchers = np.empty(n)
        Av = np.empty(n)
        Av2 = np.empty(n)
        w1 = np.empty(n)
        w2 = np.empty(n)
        tmp = np.empty(n)
        scratch = np.empty(n)
        apps = np.empty(n)
        vP = np.empty(n)
        h1 = np.empty(n)
        h2 = np.zeros(n)
        for i in range(n):
            eff = e[b, i] - hc[b, i]
            gap = eff + v[b, i] - tb[i]
            dsep = (1.0 - du) * min(eff, gu * max(gap, 0.0))
            dopen = (1.0 - dv) * min(eff, gv * max(-gap, 0.0))
            cut = hooks[8, b, i] * dsep
            dsep -= cut
            restored = min(hc[b, i], dopen)
            dopen -= restored
            ended = hooks[9, b, i] * (hc[b, i] - restored)
            nhc[b, i] = hc[b, i] + cut - restored - ended
            sep[i] = min(e[b, i], (du * e[b, i] + dsep) * hooks[3, b, i] + ended)
            opn[i] = (dv * e[b, i] + dopen) * hooks[2, b, i]
            searchers[i] = u[b, i] + (sigma_f * f[b, i] if flexible else 0.0)
            if training:  # trainees' search credit: 1 - phi of their applications stay with the unemployed
                searchers[i] += kappa * min(tr[b, i], u[b, i])
        _apply(ptr, idx, val, complete, sptr, sidx, sval, lam, use_skills, v[b], Av)
        for i in range(n):
            w1[i] = searchers[i] / Av[i] if Av[i] > 0 else 0.0
        if training:
            _extra(eptr, eidx, evals, use_e, toff, tsrc, ttgt, tw, b, v[b], tmp, False)
            for i in range(n):
                Av2[i] = Av[i] + tmp[i]
                w2[i] = g[b, i] / Av2[i] if Av2[i] > 0 else 0.0
                scratch[i] = w1[i] + w2[i]
            _apply_t(tptr, tidx, tval, complete, stptr, stidx, stval, lam, use_skills, scratch, tmp, apps)
            _extra(etptr, etidx, etvals, use_e, toff, tsrc, ttgt, tw, b, w2, tmp, True)
            for j in range(n):
                apps[j] = v[b, j] * (apps[j] + tmp[j])
        else:
            _apply_t(tptr, tidx, tval, complete, stptr, stidx, stval, lam, use_skills, w1, scratch, apps)
            for j in range(n):
                apps[j] = v[b, j] * apps[j]
        for j in range(n):
            vP[j] = v[b, j] * success(apps[j], v[b, j], hooks[0, b, j])
        _apply(ptr, idx, val, complete, sptr, sidx, sval, lam, use_skills, vP, tmp)
        for i in range(n):
            h1[i] = a_step * tmp[i] / Av[i] if Av[i] > 0 else 0.0
        if training:
            _extra(eptr, eidx, evals, use_e, toff, tsrc, ttgt, tw, b, vP, scratch, False)
            for i in range(n):
                h2[i] = a_step * (tmp[i] + scratch[i]) / Av2[i] if Av2[i] > 0 else 0.0
        for i in range(n):
            hires = a_step * vP[i] / v[b, i] * apps[i] if v[b, i] > 0 else 0.0
            hu = h1[i]  # hire probability of the unemployed (with the trainees' credit)
            if training and u[b, i] > 0:
                hu = h1[i] * (u[b, i] + kappa * min(tr[b, i], u[b, i])) / u[b, i]
            phi = flex_rates[1, i] * hooks[7, b, i] if flexible else 0.0
            rho = rho0 * hooks[4, b, i] if training else 0.0
            xi = xi0 * hooks[5, b, i] if exits else 0.0
            tot_s = phi + rho
            sc_s = 1.0 / tot_s if tot_s > 1.0 else 1.0
            tot_l = phi + rho + xi
            sc_l = 1.0 / tot_l if tot_l > 1.0 else 1.0
            leave_s = min(tot_s, 1.0)
            leave_l = min(tot_l, 1.0)
            short = 0.0
            for k in range(tau - 1):
                short += hist[b, k, i]
            nh_s = short * (1.0 - hu)
            nh_l = hist[b, tau - 1, i] * (1.0 - hu)
            u_to_f = phi * sc_s * nh_s + phi * sc_l * nh_l
            to_tr = rho * sc_s * nh_s + rho * sc_l * nh_l
            to_x = xi * sc_l * nh_l
            f_hired = sigma_f * f[b, i] * h1[i] if flexible else 0.0
            f_to_u = phi_fu * (f[b, i] - f_hired) if flexible else 0.0
            e2f = min(1.0, flex_rates[0, i] * hooks[7, b, i]) * (e[b, i] - sep[i]) if flexible else 0.0
            grads = tr[b, i] / duration if training else 0.0
            reent = eps0 * hooks[6, b, i] * x[b, i] if exits else 0.0
            # spells: age the histogram (last bin accumulates), new spells enter bin 0
            last_old = hist[b, tau - 1, i]
            for k in range(tau - 1, 0, -1):
                nhist[b, k, i] = hist[b, k - 1, i] * (1.0 - hu) * (1.0 - leave_s)
            nhist[b, tau - 1, i] += last_old * (1.0 - hu) * (1.0 - leave_l)
            nhist[b, 0, i] = sep[i] + f_to_u + reent if tau > 1 else (
                sep[i] + f_to_u + reent + last_old * (1.0 - hu) * (1.0 - leave_l))
            if training:
                glast = ghist[b, tau - 1, i]
                for k in range(tau - 1, 0, -1):
                    nghist[b, k, i] = ghist[b, k - 1, i] * (1.0 - h2[i])
                nghist[b, tau - 1, i] += glast * (1.0 - h2[i])
                nghist[b, 0, i] = grads if tau > 1 else grads + glast * (1.0 - h2[i])
            else:
                for k in range(tau):
                    nghist[b, k, i] = ghist[b, k, i]
            ne[b, i] = e[b, i] - sep[i] - e2f + hires
            nv[b, i] = v[b, i] + opn[i] - hires
            nf[b, i] = f[b, i] + e2f + u_to_f - f_hired - f_to_u
            ntr[b, i] = tr[b, i] + to_tr - grads
            nx[b, i] = x[b, i] + to_x - reent
            acc = 0.0
            for k in range(tau):
                acc += nhist[b, k, i]
            nu[b, i] = acc
            acc = 0.0
            for k in range(tau):
                acc += nghist[b, k, i]
            ng[b, i] = acc


def serial_twin(func):
    """A copy of ``func`` under another name for its serial build: numba's on-disk cache is keyed by the
    function's name and bytecode, not by its compile flags, so a serial and a parallel build of one function
    would overwrite each other's cached code (and a later process could load the serial one as parallel)."""
    twin = types.FunctionType(func.__code__, func.__globals__, func.__name__ + "_serial", func.__defaults__,
                              func.__closure__)
    twin.__qualname__ = func.__qualname__ + "_serial"
    twin.__doc__ = func.__doc__
    return twin


def csr_tuple(matrix) -> tuple:
    """(ptr, idx, val, tptr, tidx, tval) of a scipy sparse matrix and its transpose (empty for None)."""
    if matrix is None:
        z = np.zeros(1, dtype=np.int64)
        e = np.zeros(0, dtype=np.int64)
        return (z, e, np.zeros(0), z, e, np.zeros(0))
    m = matrix.tocsr()
    t = m.T.tocsr()
    return (m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(np.float64),
            t.indptr.astype(np.int64), t.indices.astype(np.int64), t.data.astype(np.float64))


# Parallel over scenarios for big batches; serial for small ones, where waking threads costs more than it saves.
meanfield_step = njit(cache=True, parallel=True)(_meanfield_step)
meanfield_step_serial = njit(cache=True)(serial_twin(_meanfield_step))
PARALLEL_MIN_BATCH = 8
