"""The numba mean-field step bound to one model and one batch of hooks (used by runs and by the burn-in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from workshift.market.hooks import HOOK_ORDER, PolicyHooks, pack_hooks
from workshift.market.kernels import PARALLEL_MIN_BATCH, csr_tuple, meanfield_step, meanfield_step_serial
from workshift.market.state import MarketState

__all__ = ["HOOK_ORDER", "Stepper"]

if TYPE_CHECKING:
    from workshift.market.model import Model



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
        self.hooks = pack_hooks(hooks)
        self.demand_shift = hooks.demand_shift  # added to the target demand (the kernel reads the target)
        self.rates = p.kernel_rates()
        self.flex_rates = np.ascontiguousarray(np.stack([model.e_to_flexible, model.u_to_flexible]),
                                               dtype=np.float64)
        self.flags = (self.complete, use_skills, model.training_edges is not None, p.on("flexible"),
                      p.on("training"), p.on("exit"))
        self.spare: MarketState | None = None
        self.kernel = meanfield_step if B >= PARALLEL_MIN_BATCH else meanfield_step_serial

    def __call__(self, state: MarketState, target: np.ndarray) -> MarketState:
        new = self.spare if self.spare is not None else state.copy()
        target = np.ascontiguousarray(np.broadcast_to(target, state.e.shape) + self.demand_shift, dtype=np.float64)
        self.kernel(state.e, state.u, state.v, state.hist, state.f, state.tr, state.g, state.ghist, state.x,
                       state.hc, target, self.net, self.skills, self.edges, self.edges_t, self.hook_edges,
                       self.hooks, self.rates, self.flex_rates, self.flags,
                       new.e, new.u, new.v, new.hist, new.f, new.tr, new.g, new.ghist, new.x, new.hc)
        new.t = state.t + 1
        self.spare = state
        return new
