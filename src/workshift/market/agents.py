"""Agents mode: one record per simulated worker (persistent id, node, state, own unemployment spell).

N agents represent the labour force (scale = persons per agent). Each step draws the flow counts from the
same conditional means as the mean-field step (:mod:`agent_counts`), then moves exactly those agents
(:mod:`agent_step`): the work per step follows the flows (separations, hires, other moves), not the stock.
State per agent: one 8-byte word per slot (id and spell start), plus free-slot slack (see
:meth:`Population.bytes_per_agent`).
Same seed, same numbers (counter-based random streams per node, independent of thread scheduling).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit

from workshift.errors import InputError
from workshift.market.agent_counts import draw_counts
from workshift.market.agent_moves import CLOCK0, R, repack
from workshift.market.agent_step import (
    PARALLEL_MIN_AGENTS,
    layout,
    move_destinations,
    move_destinations_serial,
    move_sources,
    move_sources_serial,
    shuffle,
)
from workshift.market.hooks import HOOK_ORDER, PolicyHooks, pack_hooks
from workshift.market.meanfield import check_steps
from workshift.market.model import Model
from workshift.market.record import Recorder, Trajectory
from workshift.market.state import MarketState

SPELL_BINS = 64  # completed spells are counted by length up to 63 steps (the last bin: 63 or more)


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@dataclass
class SearchMatrix:
    """A CSR search matrix with its column permutation (for splitting hires over applications)."""

    ptr: np.ndarray
    idx: np.ndarray
    val: np.ndarray
    cptr: np.ndarray
    cperm: np.ndarray

    @classmethod
    def of(cls, matrix: sp.spmatrix | None, n: int) -> SearchMatrix:
        if matrix is None:
            z = np.zeros(n + 1, dtype=np.int64)
            e = np.zeros(0, dtype=np.int64)
            return cls(z, e, np.zeros(0), z.copy(), e.copy())
        m = sp.csr_matrix(matrix)
        m.sort_indices()
        idx = m.indices.astype(np.int64)
        cperm = np.argsort(idx, kind="stable").astype(np.int64)
        cptr = np.concatenate([[0], np.cumsum(np.bincount(idx, minlength=n))]).astype(np.int64)
        return cls(m.indptr.astype(np.int64), idx, m.data.astype(np.float64), cptr, cperm)

    def tuple(self) -> tuple:
        return (self.ptr, self.idx, self.val, self.cptr, self.cperm)


def search_matrices(model: Model, hooks: PolicyHooks, b: int) -> tuple[SearchMatrix, SearchMatrix, bool]:
    """Pool-1 matrix A mixed with the skills network by search precision, and the graduates' matrix
    with the training edges added; ``complete`` when pool 1 can use the complete-network shortcut."""
    n = model.n
    lam = hooks.search_precision[b]
    use_skills = model.skills is not None and bool(np.any(lam > 0))
    complete = model.network.A is None and not use_skills
    m1 = None if complete else model.network.csr()
    if use_skills:
        m1 = sp.diags(1.0 - lam) @ model.network.csr() + sp.diags(lam) @ model.skills.csr()
    m2 = None
    if model.params.on("training"):
        m2 = model.network.csr() if m1 is None else m1
        te = hooks.training_edges
        mine = te.batch == b
        extra = sp.csr_matrix((te.weight[mine], (te.source[mine], te.target[mine])), shape=(n, n))
        m2 = m2 + extra + (model.training_edges if model.training_edges is not None else 0)
    return SearchMatrix.of(m1, n), SearchMatrix.of(m2, n), complete


def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    floor = np.floor(values).astype(np.int64)
    short = total - int(floor.sum())
    if short > 0:
        order = np.argsort(-(values - floor), kind="stable")[:short]
        floor[order] += 1
    return floor


class Population:
    """The agents of one scenario: slots per node segment, region offsets, vacancies and spell counts."""

    def __init__(self, model: Model, state: MarketState, b: int, agents: int, seed: int) -> None:
        p = model.params
        n, tau = model.n, p.ltu_steps
        persons = float(state.workers()[b])
        self.scale = persons / agents
        cells = np.concatenate([state.e[b], state.hist[b].reshape(-1), state.f[b], state.x[b]]) / self.scale
        counts = _largest_remainder(cells, agents)
        e = counts[:n]
        hist = counts[n:n + tau * n].reshape(tau, n)
        f = counts[n + tau * n:2 * n + tau * n]
        x = counts[2 * n + tau * n:]
        self.hist = np.ascontiguousarray(hist.T)  # (n, tau)
        self.ghist = np.zeros((n, tau), dtype=np.int64)
        self.comp = np.zeros((n, SPELL_BINS), dtype=np.int64)
        self.v = np.round(state.v[b] / self.scale).astype(np.int64)
        self.hc = state.hc[b] / self.scale
        size = np.zeros((n, R), dtype=np.int64)
        size[:, 0], size[:, 1], size[:, 3], size[:, 5] = e, self.hist.sum(axis=1), f, x
        self.off = np.zeros((n, R + 1), dtype=np.int64)
        self.off[:, 1:] = np.cumsum(size, axis=1)
        d = model.demand
        growth = np.maximum(1.0, np.maximum(d.d0[0], d.d_final[0]) / np.maximum(d.d0[0], 1e-12))
        growth *= 1.0 + float(np.max(np.abs(d.cycle_amplitude)))
        self.cap = (np.ceil(1.1 * self.off[:, R] * growth) + 16).astype(np.int64)
        self.base = np.concatenate([[0], np.cumsum(self.cap)[:-1]]).astype(np.int64)
        self.slots = np.full(int(self.cap.sum()), -1, dtype=np.int64)
        rng = np.random.default_rng(seed)
        survive = (self.hist[:, -1] / np.maximum(self.hist.sum(axis=1), 1)) ** (1.0 / max(tau - 1, 1))
        next_id = 0
        for i in range(n):
            size_i = int(self.off[i, R])
            self.slots[self.base[i]:self.base[i] + size_i] = np.arange(next_id, next_id + size_i) + (CLOCK0 << 32)
            next_id += size_i
            spells = np.repeat(np.arange(1, tau + 1), self.hist[i])
            long = spells == tau  # spells already >= tau: their length beyond tau is geometric
            hazard = min(max(1.0 - survive[i], 1e-3), 1.0)
            spells[long] += np.minimum(rng.geometric(hazard, long.sum()) - 1, CLOCK0 // 2)
            lo = self.base[i] + self.off[i, 1]
            ids = self.slots[lo:lo + spells.size] & 0xFFFFFFFF
            self.slots[lo:lo + spells.size] = ids | ((CLOCK0 - spells).astype(np.int64) << 32)
        self.agents = agents
        self.rounds = 0  # segment repacks (capacity growth)
        self.order = balanced_order(self.off[:, R])

    def sizes(self) -> np.ndarray:
        return np.diff(self.off, axis=1)

    def bytes_per_agent(self) -> float:
        """Memory of the per-agent state (one word per slot, free slots included) per agent."""
        return self.slots.nbytes / self.agents

    def agent_table(self, nodes: list[str]):
        """Every agent: id, node, state and current spell start (as a DataFrame; for inspection)."""
        import pandas as pd

        names = ("employed", "unemployed", "graduate", "flexible", "training", "inactive")
        rows = []
        for i in range(len(nodes)):
            for r in range(R):
                lo, hi = self.base[i] + self.off[i, r], self.base[i] + self.off[i, r + 1]
                words = self.slots[lo:hi]
                rows.append(pd.DataFrame({"agent": words & 0xFFFFFFFF, "node": nodes[i], "state": names[r],
                                          "spell_start": (words >> 32) - CLOCK0}))
        return pd.concat(rows, ignore_index=True)


def balanced_order(sizes: np.ndarray) -> np.ndarray:
    """Node order for the parallel loops: big and small nodes dealt round-robin into one chunk per thread, so
    that an even split of the iterations is an even split of the work."""
    from numba import get_num_threads

    threads = max(1, get_num_threads())
    by_size = np.argsort(-np.asarray(sizes), kind="stable")
    return np.concatenate([by_size[c::threads] for c in range(threads)]).astype(np.int64)


DEMAND_SHIFT = HOOK_ORDER.index("demand_shift")


def _hooks_for(hooks: PolicyHooks, b: int) -> np.ndarray:
    return pack_hooks(hooks, b)


def step_population(pop: Population, model: Model, hooks_b: np.ndarray, m1: SearchMatrix, m2: SearchMatrix,
                    complete: bool, target: np.ndarray, t: int, seed: int) -> np.ndarray:
    """Advance one scenario's agents by one step; returns the flow counts (20, n)."""
    p = model.params
    n, tau = model.n, p.ltu_steps
    size = np.ascontiguousarray(pop.sizes())
    counts = np.zeros((20, n), dtype=np.int64)
    app1, hired1 = np.zeros(m1.idx.size, dtype=np.int64), np.zeros(m1.idx.size, dtype=np.int64)
    app2, hired2 = np.zeros(m2.idx.size, dtype=np.int64), np.zeros(m2.idx.size, dtype=np.int64)
    rates = p.kernel_rates()
    flags = (p.on("flexible"), p.on("training"), p.on("exit"))
    new_hc = draw_counts(size, pop.hist[:, -1].copy(), pop.ghist[:, -1].copy(), pop.v, pop.hc,
                         np.ascontiguousarray((target + hooks_b[DEMAND_SHIFT]) / pop.scale), hooks_b, m1.tuple(), m2.tuple(), complete, rates,
                         np.ascontiguousarray(np.stack([model.e_to_flexible, model.u_to_flexible])), flags, counts, app1, hired1, app2, hired2)
    boff1 = np.zeros(m1.idx.size, dtype=np.int64)
    boff2 = np.zeros(m2.idx.size, dtype=np.int64)
    src_off = np.zeros(n, dtype=np.int64)
    dst = layout(n, m1.ptr, m1.idx, m1.cptr, m1.cperm, hired1, m2.ptr, m2.idx, m2.cptr, m2.cperm, hired2,
                 counts[2], complete, counts[17], boff1, boff2, src_off)
    buffer = np.empty(int(dst[-1]), dtype=np.int64)
    now = CLOCK0 + t
    parallel = pop.agents >= PARALLEL_MIN_AGENTS
    (move_sources if parallel else move_sources_serial)(pop.slots, pop.base, pop.off, counts, m1.ptr, hired1, boff1,
                                                        m2.ptr, hired2, boff2,
                 complete, src_off, buffer, pop.hist, pop.ghist, pop.comp, now, tau, seed, t, p.on("training"),
                 p.on("flexible") or p.on("training") or p.on("exit"), pop.order)
    if complete:
        shuffle(buffer, int(counts[17].sum()), seed, t)
    after = pop.off[:, R] + counts[2]
    if np.any(after > pop.cap):
        new_cap = np.maximum(pop.cap, (np.ceil(1.1 * after) + 16).astype(np.int64))
        pop.slots, pop.base = repack(pop.slots, pop.base, pop.cap, pop.off, new_cap)
        pop.rounds += 1
    (move_destinations if parallel else move_destinations_serial)(pop.slots, pop.base, pop.off, buffer, dst,
                                                                 pop.order)
    pop.v += counts[1] - counts[2]
    pop.hc = new_hc
    return counts


def as_state(pops: list[Population], t: int) -> MarketState:
    """The batch's counts (scaled to persons) as a MarketState, for the shared recorder."""
    sizes = np.stack([p.sizes() * p.scale for p in pops])
    scale = np.array([p.scale for p in pops])
    return MarketState(e=sizes[:, :, 0], u=sizes[:, :, 1], v=np.stack([p.v for p in pops]) * scale[:, None],
                       hist=np.stack([p.hist.T for p in pops]) * scale[:, None, None], f=sizes[:, :, 3],
                       tr=sizes[:, :, 4], g=sizes[:, :, 2],
                       ghist=np.stack([p.ghist.T for p in pops]) * scale[:, None, None], x=sizes[:, :, 5],
                       hc=np.stack([p.hc for p in pops]) * scale[:, None], t=t)


def run(model: Model, hooks: PolicyHooks | None = None, steps: int = 600, agents: int = 100_000, seed: int = 1,
        batch: int | None = None, record_nodes: bool = False, accountants: list | None = None,
        window: tuple[int, int] | None = None) -> Trajectory:
    """Simulate ``agents`` workers per scenario for ``steps`` steps; same outputs as the mean-field run,
    plus ``trajectory.populations`` (the agents) and ``trajectory.extra['completed_spells']``."""
    steps = check_steps(steps)
    if agents < 1 or agents > 2**31 - 1:
        raise InputError(f"agents = {agents} must be between 1 and 2^31 - 1")
    if steps + CLOCK0 >= 2**16:
        raise InputError(f"agents mode supports at most {2**16 - CLOCK0 - 1} steps")
    hooks = hooks or PolicyHooks()
    B = batch or max(hooks.batch_size(), model.demand.d0.shape[0])
    hooks = hooks.broadcast(B, model.n)
    init = model.initial_state(B, hooks)
    _seed(int(seed) % (2**32))
    pops = [Population(model, init, b, int(agents), int(seed) + 7919 * b) for b in range(B)]
    mats = [search_matrices(model, hooks, b) for b in range(B)]
    hook_arrays = [_hooks_for(hooks, b) for b in range(B)]
    start = model.demand.start
    recorder = Recorder(steps, B, model.n, record_nodes, window or (max(0, start - 10), max(0, start - 1)),
                        accountants)
    recorder.observe(0, as_state(pops, 0), model.demand.at(0))
    for t in range(steps):
        target = np.broadcast_to(model.demand.at(t + 1), (B, model.n))
        for b, pop in enumerate(pops):
            m1, m2, complete = mats[b]
            step_population(pop, model, hook_arrays[b], m1, m2, complete, target[b], t, int(seed) + 7919 * b)
        recorder.observe(t + 1, as_state(pops, t + 1), target)
    traj = recorder.result()
    traj.populations = pops
    traj.extra["completed_spells"] = np.stack([p.comp.sum(axis=0) for p in pops]).astype(np.float64)
    return traj
