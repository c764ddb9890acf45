"""Mean-field mode: iterate the expected-flow step for a batch of scenarios.

``engine="numba"`` (default) runs the fused kernel of :mod:`workshift.market.kernels`; ``engine="numpy"``
runs the reference :func:`workshift.market.step.step`. Both give the same numbers (tested to 1e-12).
"""

from __future__ import annotations

import numpy as np

from workshift.errors import InputError
from workshift.market.hooks import PolicyHooks
from workshift.market.kernels import PARALLEL_MIN_BATCH, csr_tuple, meanfield_step, meanfield_step_serial
from workshift.market.model import Model
from workshift.market.record import Recorder, Trajectory
from workshift.market.state import MarketState
from workshift.market.step import step

HOOK_ORDER = ("matching_efficiency", "search_precision", "vacancy_multiplier", "separation_multiplier",
              "training_multiplier", "exit_multiplier", "reentry_multiplier", "flexible_multiplier",
              "work_sharing")


def check_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps <= 0:
        raise InputError(f"steps = {steps} must be a whole number > 0")
    return int(steps)


class Stepper:
    """The numba mean-field step bound to one model and one batch of (broadcast) hooks."""

    def __init__(self, model: Model, hooks: PolicyHooks) -> None:
        p = model.params
        self.complete = model.network.A is None
        self.net = csr_tuple(model.network.A)
        use_skills = model.skills is not None and bool(np.any(hooks.search_precision > 0))
        self.skills = csr_tuple(model.skills.csr() if use_skills else None)
        e = csr_tuple(model.training_edges)
        self.edges, self.edges_t = e[:3], e[3:]
        te = hooks.training_edges
        B = hooks.matching_efficiency.shape[0]
        order = np.argsort(te.batch, kind="stable")
        offsets = np.searchsorted(te.batch[order], np.arange(B + 1)).astype(np.int64)
        self.hook_edges = (offsets, te.source[order].copy(), te.target[order].copy(), te.weight[order].copy())
        self.hooks = np.ascontiguousarray(np.stack([getattr(hooks, k) for k in HOOK_ORDER]))
        self.rates = (p.delta_u, p.delta_v, p.gamma_u, p.gamma_v, p.flexible_search_intensity,
                      p.flexible_to_unemployment, p.training_rate, float(p.training_steps), p.ltu_exit_rate, p.reentry_rate)
        self.flex_rates = np.ascontiguousarray(np.stack([model.e_to_flexible, model.u_to_flexible]),
                                               dtype=np.float64)
        self.flags = (self.complete, use_skills, model.training_edges is not None, p.on("flexible"),
                      p.on("training"), p.on("exit"))
        self.spare: MarketState | None = None
        self.kernel = meanfield_step if B >= PARALLEL_MIN_BATCH else meanfield_step_serial

    def __call__(self, state: MarketState, target: np.ndarray) -> MarketState:
        new = self.spare if self.spare is not None else state.copy()
        target = np.ascontiguousarray(np.broadcast_to(target, state.e.shape), dtype=np.float64)
        self.kernel(state.e, state.u, state.v, state.hist, state.f, state.tr, state.g, state.ghist, state.x,
                       state.hc, target, self.net, self.skills, self.edges, self.edges_t, self.hook_edges,
                       self.hooks, self.rates, self.flex_rates, self.flags,
                       new.e, new.u, new.v, new.hist, new.f, new.tr, new.g, new.ghist, new.x, new.hc)
        new.t = state.t + 1
        self.spare = state
        return new


def run(model: Model, hooks: PolicyHooks | None = None, steps: int = 600, batch: int | None = None,
        record_nodes: bool = False, accountants: list | None = None, state: MarketState | None = None,
        window: tuple[int, int] | None = None, engine: str = "numba") -> Trajectory:
    """Run ``steps`` mean-field steps for every scenario of the batch (size from ``hooks`` or ``batch``)."""
    steps = check_steps(steps)
    if engine not in ("numba", "numpy"):
        raise InputError(f"unknown mean-field engine '{engine}'", hint="use 'numba' or 'numpy'")
    hooks = hooks or PolicyHooks()
    B = batch or max(hooks.batch_size(), model.demand.d0.shape[0])
    hooks = hooks.broadcast(B, model.n)
    state = (state or model.initial_state(B, hooks)).copy()
    start = model.demand.start
    window = window or (max(0, start - 10), max(0, start - 1))
    recorder = Recorder(steps, B, model.n, record_nodes, window, accountants)
    recorder.observe(0, state, model.demand.at(0))
    stepper = Stepper(model, hooks) if engine == "numba" else None
    for t in range(steps):
        target = model.demand.at(t + 1)
        if stepper is not None:
            state = stepper(state, target)
            # the recorder keeps the final state: hand it a copy so the stepper's double buffer is safe
            recorder.observe(t + 1, state.copy() if t + 1 == steps else state, target)
        else:
            state, _ = step(state, model, hooks, target)
            recorder.observe(t + 1, state, target)
    return recorder.result()
