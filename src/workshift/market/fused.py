"""Fused multi-step mean-field kernel for big batches: node-major, many steps per call, aggregates only.

The same equations as :func:`workshift.market.step.step` (tested to 1e-10 with every extension and hook),
laid out for the policy optimiser's populations (100 scenarios x 539 nodes):

- the batch is split into one chunk per thread (``prange``); a thread copies its chunk of the state into
  node-major arrays (n, w) once per call and runs every step of the call on them, so the scenarios of a chunk
  never wait for the others and no temporaries are allocated per step; a whole policy schedule (one hook set
  per year) is one call (:meth:`FusedRunner.run_schedule`);
- every network product is a sparse-times-dense product (CSR of A, the skills network S, the default training
  edges E and their transposes) whose inner loop runs over the w scenarios of the chunk: one index and one
  weight per edge serve w scenarios, and the loop vectorises (SIMD). Search precision mixes A and S row by
  row, A_lam x = A x + lam (S x - A x), and A_lam^T w = A^T((1 - lam) w) + S^T(lam w): two sparse products,
  never a per-scenario matrix, mixed in the element-wise pass that consumes them;
- per step only the sums over nodes that the objectives need are written (``AGGREGATES``), never per-node
  trajectories;
- the element-by-element work runs as flat passes that vectorise (unsigned indices, no wrap-around checks):
  the matching function uses a select-only expm1 (:mod:`workshift.market.expm1`), and the update of stocks
  and spell histograms runs in blocks of ``BLOCK`` elements with block-local scratch.
Float64 throughout. Products: :mod:`workshift.market.spmm`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import get_num_threads, njit, prange

from workshift.market.expm1 import expm1_neg
from workshift.market.fused_update import finish_block, sum_block
from workshift.market.hooks import HOOK_ORDER, PolicyHooks
from workshift.market.kernels import csr_tuple, serial_twin
from workshift.market.model import Model
from workshift.market.spmm import backward, extra, forward
from workshift.market.state import MarketState

N_HOOKS = len(HOOK_ORDER)

AGGREGATES = ("employed", "flexible", "unemployed", "ltu", "trainees", "wage_income", "flexible_earnings",
              "eligible_benefit_base", "eligible", "hours_cut_pay")
"""Per step and scenario: sum e, f, u + g, long-term (hist[-1] + ghist[-1]), tr, (e - hc) w c, f w,
eligible w, eligible, hc w (the pay of the hours cut by short-time work); w = wage per step, c = the
occupation's wage curve (1 without one); eligible = unemployed (and graduates) in the first ``eligible_bins`` spell bins."""

N_AGGREGATES = len(AGGREGATES)

BLOCK = 512
"""Elements per block of the element-by-element passes (8 arrays of 4 KB stay in the L1 cache)."""



@njit(cache=True, inline="always", error_model="numpy")
def _success(s, v, mu):
    """The reference's success probability: mu theta (1 - e^(-1/theta)), capped at min(1, theta)."""
    xr = s / (v if v > 0.0 else 1.0)
    xs = xr if xr > 1e-12 else 1.0
    # one division serves both the rate and the cap 1 / theta (p <= 1 already covers xr <= 1e-12)
    inv = 1.0 / xs
    base = -expm1_neg(xs) * inv if xr > 1e-12 else 1.0 - 0.5 * xr
    p = min(min(mu * base, 1.0), inv)
    return p if v > 0.0 else 0.0


@njit(cache=True)
def _load(src, dst, b0, w):
    """Copy the chunk [b0, b0 + w) of a node-major (n, B) array into a flat (n * w) array."""
    n = src.shape[0]
    for i in range(n):
        for b in range(w):
            dst[i * w + b] = src[i, b0 + b]


@njit(cache=True)
def _store(src, dst, b0, w):
    n = dst.shape[0]
    for i in range(n):
        for b in range(w):
            dst[i, b0 + b] = src[i * w + b]


@njit(cache=True)
def _load_t(src, dst, b0, w):
    """Copy the chunk [b0, b0 + w) of a scenario-major (B, n) array, or of a (B, 1) one broadcast over the
    nodes, into a flat node-major (n * w) array."""
    n = dst.shape[0] // w
    if src.shape[1] == 1:
        for i in range(n):
            for b in range(w):
                dst[i * w + b] = src[b0 + b, 0]
    else:
        for b in range(w):
            for i in range(n):
                dst[i * w + b] = src[b0 + b, i]


def _run_chunks(starts, chunks, E, U, V, F, TR, G, X, HC, HIST, GHIST, hooks, base, lost, kept, net, skills,
               edges, hook_edges, rates, flex_rates, flags, wage_step, eligible_bins, wage_curve, sums):
    """Run every step of a schedule in place on node-major state arrays (n, B) and spell histograms
    (tau, n, B).

    Segment s of the schedule runs steps [starts[s], starts[s + 1]) with hooks[h][s] (B, n) or (B, 1) for h in
    HOOK_ORDER, and target base[k] + kept[s, b] lost[k] at step k; ``net``, ``skills``, ``edges``: (ptr, idx,
    val, tptr, tidx, tval) CSR tuples; ``hook_edges`` = (offsets (S, B + 1) per segment and scenario, source, target, weight);
    ``rates`` = (du, dv, gu, gv, sigma_f, phi_fu, rho, duration, xi, eps, a, kappa); ``flex_rates`` (2, n); ``flags`` =
    (complete, use_skills, use_edges, flexible, training, exit); ``wage_curve`` = (start unemployment rate per
    node (n,), elasticity) of the wage curve; ``sums`` (steps, N_AGGREGATES, B) receives the
    AGGREGATES of the state after every step. A chunk's state, scratch and hooks are set up once per call,
    so a whole horizon of yearly policies costs one call: with one call per year, set-up and the page faults
    of fresh scratch took about half the time of the call (measured, bench/bench_optimize.py)."""
    n, B = E.shape
    tau = HIST.shape[0]
    steps = starts[-1]
    size = (B + chunks - 1) // chunks
    for c in prange(chunks):
        b0 = c * size
        w = max(0, min(B, b0 + size) - b0)
        nw = n * w
        stocks = np.empty((8, nw))
        hist, ghist = np.empty((tau, nw)), np.empty((tau, nw))
        hk = np.empty((N_HOOKS, nw))
        work = np.empty((11, nw))
        for k, src in enumerate((E, U, V, F, TR, G, X, HC)):
            _load(src, stocks[k], b0, w)
        for k in range(tau):
            _load(HIST[k], hist[k], b0, w)
            _load(GHIST[k], ghist[k], b0, w)
        local = np.empty((steps, N_AGGREGATES, w))
        for s in range(starts.shape[0] - 1):
            for h in range(N_HOOKS):
                _load_t(hooks[h][s], hk[h], b0, w)
            _chunk_steps(starts[s], starts[s + 1], n, w, b0, stocks, hist, ghist, hk, flex_rates, work, base,
                         lost, kept[s, b0:b0 + w], net, skills, edges, hook_edges[0][s], hook_edges[1:], rates,
                         flags, eligible_bins, wage_step, wage_curve, local)
        for k, dst in enumerate((E, U, V, F, TR, G, X, HC)):
            _store(stocks[k], dst, b0, w)
        for k in range(tau):
            _store(hist[k], HIST[k], b0, w)
            _store(ghist[k], GHIST[k], b0, w)
        for t in range(steps):
            for k in range(N_AGGREGATES):
                for b in range(w):
                    sums[t, k, b0 + b] = local[t, k, b]


@njit(cache=True, error_model="numpy")
def _chunk_steps(k0, k1, n, w, b0, stocks, hist, ghist, hk, flex_rates, work, base, lost, kept, net, skills,
                 edges, toff, hook_edges, rates, flags, eligible_bins, wage_step, wage_curve, sums):
    """Steps [k0, k1) of one chunk of w scenarios (flat node-major arrays of n w) with one set of hooks ``hk``
    (``flex_rates`` (2, n): e -> f and u -> f rates per node); ``work`` (11, n w) is scratch. Each pass is one
    loop over all n w values (or over the scenarios of a row), so it vectorises and pays its set-up once.
    (Fusing the passes row by row, each row's products finished while in the L1 cache, was tried and measured
    slower here: the finishing work streams the whole state through the cache between two rows and evicts the
    products' inputs.)"""
    nw = n * w
    tau = hist.shape[0]
    du, dv, gu, gv, sigma_f, a_step = rates[0], rates[1], rates[2], rates[3], rates[4], rates[10]
    complete, use_skills, use_e, flexible, training = flags[0], flags[1], flags[2], flags[3], flags[4]
    tsrc, ttgt, tw = hook_edges
    rate0, beta = wage_curve
    sig = sigma_f if flexible else 0.0
    e, u, v, f, tr, g, hc = stocks[0], stocks[1], stocks[2], stocks[3], stocks[4], stocks[5], stocks[7]
    kappa = rates[11] if training else 0.0  # trainees' search credit (1 - trainee_job_finding)
    mu, lam, vacm, sepm, ws, wend, dshift = hk[0], hk[1], hk[2], hk[3], hk[8], hk[9], hk[10]
    sep, opn, inv_av, inv_av2, z1, w2, tmp, tmp2 = (work[0], work[1], work[2], work[3], work[4], work[5],
                                                    work[6], work[7])
    hires, zl, vP = work[8], work[9], work[10]
    w1 = z1  # z1 is not needed once the applications are in
    rows = max(1, BLOCK // w)
    blk = np.empty((9, rows * w))
    tgt2 = tmp2.reshape((n, w))
    for t in range(k0, k1):
        # 1. separations and openings from the gap to target demand
        for i in range(n):
            bt, lt = base[t, i], lost[t, i]
            for b in range(w):
                tgt2[i, b] = bt + kept[b] * lt + dshift[i * w + b]
        for m in range(nw):
            eff = e[m] - hc[m]
            gap = eff + v[m] - tmp2[m]
            dsep = (1.0 - du) * min(eff, gu * max(gap, 0.0))
            dopen = (1.0 - dv) * min(eff, gv * max(-gap, 0.0))
            cut = ws[m] * dsep
            dsep -= cut
            restored = min(hc[m], dopen)
            dopen -= restored
            ended = wend[m] * (hc[m] - restored)  # the benefit ends before demand returns: the job ends
            hc[m] = hc[m] + cut - restored - ended  # hc is not read again this step
            sep[m] = min(e[m], (du * e[m] + dsep) * sepm[m] + ended)
            opn[m] = (dv * e[m] + dopen) * vacm[m]
            tmp2[m] = u[m] + sig * f[m] + kappa * min(tr[m], u[m])  # searchers (with the trainees' credit)
        # 2. search: A_lam v (and E v for graduates), and what the searchers of each origin send along the
        #    network, z = searchers / A_lam v (+ graduates / (A_lam v + E v)), split (1 - lam) z and lam z
        forward(net, skills, complete, use_skills, v, inv_av, tmp, n, w)  # A v, replaced by 1 / A_lam v below
        if training:
            extra(edges, use_e, False, toff, tsrc, ttgt, tw, b0, v, w2, n, w)
        for m in range(nw):  # keep 1 / A_lam v and 1 / (A_lam v + E v), 0 where not positive
            a = inv_av[m]
            if use_skills:
                a += lam[m] * (tmp[m] - a)
            ia = 1.0 / a if a > 0 else 0.0
            inv_av[m] = ia
            y = tmp2[m] * ia
            if training:
                a2 = a + w2[m]
                ia2 = 1.0 / a2 if a2 > 0 else 0.0
                inv_av2[m] = ia2
                y2 = g[m] * ia2
                w2[m] = y2
                y += y2
            lz = lam[m] * y if use_skills else 0.0
            zl[m] = lz
            z1[m] = y - lz
        # 3. applications to each destination, v A_lam^T z (+ E^T), their success, hires and v P
        backward(net, skills, complete, use_skills, z1, zl, tmp, n, w)
        if training:
            extra(edges, use_e, True, toff, tsrc, ttgt, tw, b0, w2, tmp2, n, w)
        for m in range(nw):
            ap = v[m] * (tmp[m] + tmp2[m]) if training else v[m] * tmp[m]
            p = _success(ap, v[m], mu[m])
            vP[m] = v[m] * p
            hires[m] = a_step * p * ap
        # 4. the hire probability of each origin's searchers, A_lam (v P) / A_lam v (graduates: + E), is
        #    computed block by block in finish_block, with the rest of the update
        forward(net, skills, complete, use_skills, vP, w1, tmp, n, w)
        if training:
            extra(edges, use_e, False, toff, tsrc, ttgt, tw, b0, vP, tmp2, n, w)
        # 5. the rest is element by element, in blocks of rows whose scratch (blk) stays in the L1 cache
        sums[t] = 0.0
        for i0 in range(0, n, rows):
            i1 = min(n, i0 + rows)
            finish_block(i0, i1, w, stocks, hist, ghist, work, hk, flex_rates, blk, rates, flags, eligible_bins)
            sum_block(i0, i1, w, stocks, hist[tau - 1], ghist[tau - 1], blk[4], wage_step, rate0, beta, sums[t])


# Parallel over chunks of scenarios; serial for one chunk, where OpenMP's worker threads would only spin.
# numba caches these kernels with the blocks of fused_update.py compiled in, keyed on this file's time stamp
# only: a change to fused_update.py or accounts.wage_curve_series needs this file touched (or its cache in
# __pycache__ removed), else the kernels keep the old blocks (seen while benchmarking the wage curve).
run_chunks = njit(cache=True, parallel=True)(_run_chunks)
run_chunks_serial = njit(cache=True)(serial_twin(_run_chunks))


def _stack_hook(values: list, batch: int, n: int) -> np.ndarray:
    """One hook over the segments of a schedule: (S, B, 1) when every segment's value is per scenario only,
    else (S, B, n)."""
    arrays = [np.asarray(v, dtype=np.float64) for v in values]
    if all(a.ndim == 2 and a.shape == (batch, 1) for a in arrays):
        return np.ascontiguousarray(np.stack(arrays))
    return np.ascontiguousarray(np.stack([np.broadcast_to(a, (batch, n)) for a in arrays]))


class NodeMajorState:
    """A batch's state in node-major arrays: stocks (n, B) and spell histograms (tau, n, B)."""

    KEYS = ("e", "u", "v", "f", "tr", "g", "x", "hc")

    def __init__(self, state: MarketState) -> None:
        for k in self.KEYS:
            setattr(self, k, np.ascontiguousarray(getattr(state, k).T, dtype=np.float64))
        self.hist = np.ascontiguousarray(state.hist.transpose(1, 2, 0), dtype=np.float64)
        self.ghist = np.ascontiguousarray(state.ghist.transpose(1, 2, 0), dtype=np.float64)
        self.t = state.t

    def repeat(self, batch: int) -> NodeMajorState:
        """A new state with every scenario of this one-scenario state repeated ``batch`` times."""
        out = NodeMajorState.__new__(NodeMajorState)
        for k in self.KEYS:
            setattr(out, k, np.repeat(getattr(self, k), batch, axis=-1))
        out.hist = np.repeat(self.hist, batch, axis=-1)
        out.ghist = np.repeat(self.ghist, batch, axis=-1)
        out.t = self.t
        return out

    def to_state(self) -> MarketState:
        arrays = {k: np.ascontiguousarray(getattr(self, k).T) for k in self.KEYS}
        return MarketState(**arrays, hist=np.ascontiguousarray(self.hist.transpose(2, 0, 1)),
                           ghist=np.ascontiguousarray(self.ghist.transpose(2, 0, 1)), t=self.t)


class FusedRunner:
    """The fused kernel bound to one model: ``runner.run(state, hooks, base, ...)`` advances a NodeMajorState."""

    def __init__(self, model: Model, wage_step: np.ndarray | None = None, eligible_bins: int = 0,
                 chunks: int | None = None, wage_curve: tuple[np.ndarray, float] | None = None) -> None:
        p = model.params
        self.model = model
        self.complete = model.network.A is None
        self.net = csr_tuple(model.network.A)
        self.skills_csr = csr_tuple(model.skills.csr()) if model.skills is not None else None
        self.edges = csr_tuple(model.training_edges)
        self.rates = p.kernel_rates()
        self.flex_rates = np.ascontiguousarray(np.stack([model.e_to_flexible, model.u_to_flexible]),
                                               dtype=np.float64)
        self.on = (p.on("flexible"), p.on("training"), p.on("exit"))
        self.wage_step = np.zeros(model.n) if wage_step is None else np.ascontiguousarray(wage_step, float)
        self.eligible_bins = int(eligible_bins)
        # the wage curve: (each node's unemployment rate at the start, elasticity); none = wages fixed
        rate0, beta = wage_curve if wage_curve is not None else (None, 0.0)
        self.wage_curve = (np.ascontiguousarray(np.zeros(model.n) if rate0 is None else rate0, dtype=np.float64),
                           float(beta))
        self.chunks = chunks

    def run(self, state: NodeMajorState, hooks: PolicyHooks, base: np.ndarray, lost: np.ndarray | None = None,
            kept: np.ndarray | None = None) -> np.ndarray:
        """Advance ``state`` in place by len(base) steps with ``hooks`` (broadcast to (B, n)); the target of
        step k is base[k] + kept[b] lost[k]. Returns the AGGREGATES, shape (steps, N_AGGREGATES, B)."""
        kept = None if kept is None else np.atleast_2d(kept)
        return self.run_schedule(state, [hooks], [0], base, lost, kept)

    def run_schedule(self, state: NodeMajorState, hooks: Sequence[PolicyHooks], starts: Sequence[int],
                     base: np.ndarray, lost: np.ndarray | None = None,
                     kept: np.ndarray | None = None) -> np.ndarray:
        """Advance ``state`` in place by len(base) steps of a policy schedule in one kernel call: hooks[s]
        (broadcast to (B, n)) applies from step starts[s] (starts[0] = 0, increasing) to the next start; the
        target of step k in segment s is base[k] + kept[s, b] lost[k]. Returns the AGGREGATES,
        (steps, N_AGGREGATES, B)."""
        n, B = state.e.shape
        base = np.ascontiguousarray(np.atleast_2d(base), dtype=np.float64)
        steps = base.shape[0]
        bounds = np.append(np.asarray(starts, dtype=np.int64), steps)
        segments = len(hooks)
        if len(bounds) != segments + 1 or bounds[0] != 0 or np.any(np.diff(bounds) < 0):
            raise ValueError(f"starts {list(starts)} must begin at 0 and increase up to {steps} steps, "
                             "one per hook set")
        lost = np.zeros_like(base) if lost is None else np.ascontiguousarray(lost, dtype=np.float64)
        kept = (np.zeros((segments, B)) if kept is None
                else np.ascontiguousarray(np.broadcast_to(kept, (segments, B)), dtype=np.float64))
        use_skills = self.skills_csr is not None and any(bool(np.any(h.search_precision > 0)) for h in hooks)
        skills = self.skills_csr if use_skills else csr_tuple(None)
        # one (S, B, n) array per hook, or (S, B, 1) where no segment varies by node (most policy hooks)
        hk = tuple(_stack_hook([getattr(h, name) for h in hooks], B, n) for name in HOOK_ORDER)
        offsets = np.zeros((segments, B + 1), dtype=np.int64)
        parts = []
        done = 0
        for s, h in enumerate(hooks):
            te = h.training_edges
            order = np.argsort(te.batch, kind="stable")
            offsets[s] = done + np.searchsorted(te.batch[order], np.arange(B + 1))
            parts.append((te.source[order], te.target[order], te.weight[order]))
            done += len(te)
        hook_edges = (offsets,
                      *(np.ascontiguousarray(np.concatenate([p[k] for p in parts])) for k in range(3)))
        flags = (self.complete, use_skills, self.model.training_edges is not None, *self.on)
        chunks = self.chunks or max(1, min(B, get_num_threads()))
        sums = np.empty((steps, len(AGGREGATES), B))
        kernel = run_chunks if chunks > 1 else run_chunks_serial
        kernel(bounds, chunks, state.e, state.u, state.v, state.f, state.tr, state.g, state.x, state.hc,
               state.hist, state.ghist, hk, base, lost, kept, self.net, skills, self.edges, hook_edges,
               self.rates, self.flex_rates, flags, self.wage_step, self.eligible_bins, self.wage_curve, sums)
        state.t += steps
        return sums
