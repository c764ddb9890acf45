"""Recording a run: aggregate series per scenario (length steps+1) and per-node arrays or summaries.

Both modes feed a :class:`Recorder` with a :class:`MarketState` after every step (agents mode builds one
from its counts), so the two modes report exactly the same quantities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workshift.market.state import MarketState

AGGREGATES = ("employed", "unemployed", "long_term_unemployed", "vacancies", "flexible", "training",
              "inactive", "labour_force", "target_demand", "hours_cut")
NODE_SERIES = ("e", "u", "v", "ltu", "f", "tr", "x", "target")


@dataclass
class Trajectory:
    """Recorded paths. ``aggregate[name]`` has shape (B, steps+1); ``nodes[name]`` (steps+1, B, n) when
    recorded; ``node_summary[name]`` (B, n) always; ``extra`` holds extension accounting series."""

    aggregate: dict[str, np.ndarray]
    node_summary: dict[str, np.ndarray]
    nodes: dict[str, np.ndarray] | None
    final: MarketState
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    populations: list | None = None  # agents mode: the agents of each scenario

    def rates(self) -> dict[str, np.ndarray]:
        """The public aggregate rate series, each (B, steps+1)."""
        a = self.aggregate
        lf = a["labour_force"]
        with np.errstate(divide="ignore", invalid="ignore"):
            return {
                "unemployment_rate": a["unemployed"] / lf,
                "long_term_unemployment_rate": a["long_term_unemployed"] / lf,
                "vacancy_rate": a["vacancies"] / (a["employed"] + a["vacancies"]),
                "employment_rate": (a["employed"] + a["flexible"]) / lf,
                "flexible_share": np.where(a["employed"] + a["flexible"] > 0,
                                           a["flexible"] / (a["employed"] + a["flexible"]), 0.0),
                "training_share": a["training"] / lf,
            }


class Recorder:
    """Accumulates a run step by step. ``window`` = (first, last) steps of the pre-shock steady state."""

    def __init__(self, steps: int, batch: int, n: int, record_nodes: bool, window: tuple[int, int],
                 accountants: list | None = None) -> None:
        self.steps, self.batch, self.n = steps, batch, n
        self.aggregate = {k: np.zeros((batch, steps + 1)) for k in AGGREGATES}
        self.nodes = {k: np.zeros((steps + 1, batch, n)) for k in NODE_SERIES} if record_nodes else None
        self.window = window
        z = np.zeros((batch, n))
        self.summary = {"unemployment_rate_steady": z.copy(), "unemployment_rate_peak": z.copy(),
                        "ltu_rate_peak": z.copy(), "unemployment_rate_final": z.copy(),
                        "ltu_rate_final": z.copy(), "employment_final": z.copy(), "labour_force_final": z.copy(),
                        "unemployment_rate_mean": z.copy()}
        self._steady_count = 0
        self.accountants = accountants or []
        self.extra: dict[str, np.ndarray] = {}
        self.final: MarketState | None = None

    def observe(self, t: int, state: MarketState, target: np.ndarray) -> None:
        a = self.aggregate
        unemployed = state.u + state.g
        ltu = state.hist[:, -1] + state.ghist[:, -1]
        lf = state.e + state.f + unemployed + state.tr
        a["employed"][:, t] = state.e.sum(axis=1)
        a["unemployed"][:, t] = unemployed.sum(axis=1)
        a["long_term_unemployed"][:, t] = ltu.sum(axis=1)
        a["vacancies"][:, t] = state.v.sum(axis=1)
        a["flexible"][:, t] = state.f.sum(axis=1)
        a["training"][:, t] = state.tr.sum(axis=1)
        a["inactive"][:, t] = state.x.sum(axis=1)
        a["labour_force"][:, t] = lf.sum(axis=1)
        a["target_demand"][:, t] = np.broadcast_to(target, state.e.shape).sum(axis=1)
        a["hours_cut"][:, t] = state.hc.sum(axis=1)
        if self.nodes is not None:
            for key, arr in (("e", state.e), ("u", unemployed), ("v", state.v), ("ltu", ltu), ("f", state.f),
                             ("tr", state.tr), ("x", state.x), ("target", target)):
                self.nodes[key][t] = arr
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(lf > 0, unemployed / lf, 0.0)
            ltu_rate = np.where(lf > 0, ltu / lf, 0.0)
        s = self.summary
        np.maximum(s["unemployment_rate_peak"], rate, out=s["unemployment_rate_peak"])
        np.maximum(s["ltu_rate_peak"], ltu_rate, out=s["ltu_rate_peak"])
        s["unemployment_rate_mean"] += rate / (self.steps + 1)
        if self.window[0] <= t <= self.window[1]:
            s["unemployment_rate_steady"] += rate
            self._steady_count += 1
        if t == self.steps:
            s["unemployment_rate_final"][:] = rate
            s["ltu_rate_final"][:] = ltu_rate
            s["employment_final"][:] = state.e + state.f
            s["labour_force_final"][:] = lf
            self.final = state
        for accountant in self.accountants:
            for key, values in accountant(state).items():
                series = self.extra.setdefault(key, np.zeros((self.batch, self.steps + 1)))
                series[:, t] = values

    def result(self) -> Trajectory:
        if self._steady_count:
            self.summary["unemployment_rate_steady"] /= self._steady_count
        return Trajectory(self.aggregate, self.summary, self.nodes, self.final, self.extra)
