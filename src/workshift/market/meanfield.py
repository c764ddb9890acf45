"""Mean-field mode: iterate the expected-flow step for a batch of scenarios.

``engine="numba"`` (default) runs the fused kernel of :mod:`workshift.market.kernels`; ``engine="numpy"``
runs the reference :func:`workshift.market.step.step`. Both give the same numbers (tested to 1e-12).
"""

from __future__ import annotations

import numpy as np

from workshift.errors import InputError
from workshift.market.hooks import PolicyHooks
from workshift.market.model import Model
from workshift.market.record import Recorder, Trajectory
from workshift.market.state import MarketState
from workshift.market.step import step
from workshift.market.stepper import HOOK_ORDER, Stepper

__all__ = ["HOOK_ORDER", "Stepper", "check_steps", "run"]

def check_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps <= 0:
        raise InputError(f"steps = {steps} must be a whole number > 0")
    return int(steps)


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
