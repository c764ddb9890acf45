"""What every scenario of a batch shares: parameters, the search network(s), target demand, calibrated
per-node rates and the initial state. Built by :mod:`workshift.market.run` from a scenario, or by hand::

    net = network.from_matrix(M, nodes, r=params.self_loop_r(6.75))
    model = Model(ModelParams(), net, DemandPath(d0, d_final), e0=employment)
    state = model.initial_state(batch=64)   # the model's own steady state (burn-in, see Model.steady_state)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from workshift.errors import InputError
from workshift.market.hooks import PolicyHooks, TrainingEdges
from workshift.market.network import Network
from workshift.market.params import ModelParams, per_step, value
from workshift.market.shock import DemandPath
from workshift.market.state import MarketState
from workshift.market.stepper import Stepper
from workshift.market.urn_ball import success_probability

# u -> flexible: a small uniform rate; the per-node e -> flexible rate is calibrated on top of it.
U_TO_FLEXIBLE_MONTHLY = 0.01

BURN_IN_TOLERANCE = 1e-7
"""The burn-in stops once no stock (e, u by spell length, v, f, tr, g, x) changes by more than this share of
the workers (summed over the nodes, largest over the scenarios) per rate period (6.75 weeks): per step, by more
than the tolerance times step_weeks / rate_period_weeks. The paper's network keeps a very slow drift of the
occupational composition (poorly connected occupations lose workers over thousands of steps), so the
tolerance bounds the drift of a run: 600 steps move the unemployment rate by less than 0.01 pp."""
BURN_IN_MAX_STEPS = 20_000
BURN_IN_CHECK = 5  # steps between two convergence checks


@dataclass(frozen=True)
class BurnIn:
    """How the model's steady state was reached: steps from the paper's start, the tolerance and the last
    change (share of the workers per rate period), and whether it got below the tolerance."""

    steps: int
    tolerance: float
    change: float
    converged: bool

    def to_json(self) -> dict[str, Any]:
        return {"steps": self.steps, "tolerance": self.tolerance, "last_change": self.change,
                "converged": self.converged,
                "rule": "from the paper's start under no new policy at target demand D0 until no stock moves "
                        "by more than the tolerance (share of the workers, summed over nodes) per rate period"}


def _change(old: MarketState, new: MarketState, workers: np.ndarray) -> float:
    """Largest one-step change of any stock, summed over nodes, as a share of the workers."""
    worst = 0.0
    for key in ("e", "v", "f", "tr", "g", "x", "hist"):
        d = np.abs(getattr(new, key) - getattr(old, key))
        total = d.reshape(d.shape[0], -1).sum(axis=1)
        worst = max(worst, float(np.max(total / workers)))
    return worst


@dataclass
class Search:
    """Products with the search network of one batch: A mixed with the skills network by search precision,
    plus the training edges (default targets shared by the batch, and per-scenario hook edges)."""

    model: Model
    precision: np.ndarray | None
    edges: TrainingEdges

    def apply(self, X: np.ndarray) -> np.ndarray:
        AX = self.model.network.apply(X)
        if self.precision is not None:
            AX = AX + self.precision * (self.model.skills.apply(X) - AX)
        return AX

    def apply_t(self, W: np.ndarray) -> np.ndarray:
        if self.precision is None:
            return self.model.network.apply_t(W)
        lam_w = self.precision * W
        return self.model.network.apply_t(W - lam_w) + self.model.skills.apply_t(lam_w)

    def extra(self, X: np.ndarray) -> np.ndarray:
        out = self.edges.apply(X) if len(self.edges) else np.zeros_like(X)
        if self.model.training_edges is not None:
            out = out + np.asarray((self.model.training_edges @ X.T).T)
        return out

    def extra_t(self, W: np.ndarray) -> np.ndarray:
        out = self.edges.apply_t(W) if len(self.edges) else np.zeros_like(W)
        if self.model.training_edges is not None:
            out = out + np.asarray((self.model.training_edges.T @ W.T).T)
        return out


@dataclass
class Model:
    """Shared inputs of a batch. ``e0`` is the initial wage-and-salary employment per node; ``f0`` the
    initial flexible workers (zeros unless ``flexible``)."""

    params: ModelParams
    network: Network
    demand: DemandPath
    e0: np.ndarray
    f0: np.ndarray | None = None
    skills: Network | None = None
    training_edges: sp.csr_matrix | None = None
    e_to_flexible: np.ndarray | None = None
    u_to_flexible: np.ndarray | None = None
    labels: dict[str, object] = field(default_factory=dict)
    burn_in: BurnIn | None = field(default=None, init=False, repr=False, compare=False)
    _steady: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.burn_in, self._steady = None, None
        n = self.network.n
        self.e0 = np.asarray(self.e0, dtype=np.float64)
        self.f0 = np.zeros(n) if self.f0 is None else np.asarray(self.f0, dtype=np.float64)
        if self.e_to_flexible is None:
            self.e_to_flexible = np.zeros(n)
        if self.u_to_flexible is None:
            rate = per_step(U_TO_FLEXIBLE_MONTHLY, self.params.step_weeks) if self.params.on("flexible") else 0.0
            self.u_to_flexible = np.full(n, rate)

    @property
    def n(self) -> int:
        return self.network.n

    def search(self, hooks: PolicyHooks) -> Search:
        lam = hooks.search_precision
        use = self.skills is not None and bool(np.any(lam > 0))
        return Search(self, lam if use else None, hooks.training_edges)

    def initial_state(self, batch: int = 1, hooks: PolicyHooks | None = None, converged: bool = True
                      ) -> MarketState:
        """Where a run starts: by default the model's own steady state under no new policy
        (:meth:`steady_state`; a policy then starts from the economy without it, and a run without a shock
        is flat). ``converged=False``: the paper's start (u = du e, v = dv e) with spells at their stationary
        distribution for the initial hiring rate under ``hooks``, flexible workers at their initial stock and
        inactivity at its steady state, from which the burn-in starts."""
        if converged:
            return self.steady_state(batch)
        p = self.params
        n, tau = self.n, p.ltu_steps
        hooks = (hooks or PolicyHooks()).broadcast(batch, n)
        e = np.broadcast_to(self.e0, (batch, n)).copy()
        u = p.delta_u_period * e
        v = p.delta_v_period * e
        f = np.broadcast_to(self.f0, (batch, n)).copy() if p.on("flexible") else np.zeros((batch, n))
        search = self.search(hooks)
        Av = search.apply(v)
        searchers = u + (p.flexible_search_intensity * f if p.on("flexible") else 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            apps = v * search.apply_t(np.where(Av > 0, searchers / Av, 0.0))
            P = success_probability(apps, v, hooks.matching_efficiency)
            h = np.where(Av > 0, search.apply(v * P) / Av, 0.0)
        hist = stationary_spells(u, h, tau)
        x = np.zeros((batch, n))
        if p.on("exit") and p.reentry_rate > 0:
            x = p.ltu_exit_rate * hist[:, -1] * (1.0 - h) / p.reentry_rate
        z = np.zeros((batch, n))
        return MarketState(e=e, u=u, v=v, hist=hist, f=f, tr=z.copy(), g=z.copy(),
                           ghist=np.zeros_like(hist), x=x, hc=z.copy(), t=0)

    def _steady_key(self) -> tuple:
        return (self.params, self.e_to_flexible.tobytes(), self.u_to_flexible.tobytes(),
                self.demand.d0.tobytes(), self.e0.tobytes(), id(self.network), id(self.training_edges))

    def steady_state(self, batch: int = 1, start: MarketState | None = None) -> MarketState:
        """The model's own steady state under no new policy at target demand D0, reached by a burn-in from
        ``start`` (default the paper's start) until no stock changes by more than :data:`BURN_IN_TOLERANCE`
        of the workers in one step; recorded in :attr:`burn_in` and cached until the model's rates change.
        One state per row of D0, repeated to ``batch`` scenarios; its step counter is 0."""
        key = self._steady_key()
        if self._steady is None or self._steady[0] != key:
            self._steady = (key, self._burn_in(start))
        state = self._steady[1]
        if batch == state.batch:
            return state.copy()
        if state.batch != 1:
            raise InputError(f"a batch of {batch} scenarios does not fit target demand for {state.batch}")
        return MarketState(**{k: np.repeat(getattr(state, k), batch, axis=0) for k in
                              ("e", "u", "v", "hist", "f", "tr", "g", "ghist", "x", "hc")}, t=0)

    def _burn_in(self, start: MarketState | None) -> MarketState:
        rows = self.demand.d0.shape[0]
        state = (start.copy() if start is not None and start.batch == rows
                 else self.initial_state(rows, converged=False))
        hooks = PolicyHooks().broadcast(rows, self.n)
        stepper = Stepper(self, hooks)
        target = np.ascontiguousarray(np.broadcast_to(self.demand.d0, state.e.shape))
        workers = np.maximum(state.workers(), 1e-300)
        change, steps = np.inf, 0
        tolerance = BURN_IN_TOLERANCE * self.params.applications_per_step
        while steps < BURN_IN_MAX_STEPS:
            new = stepper(state, target)
            steps += 1
            if steps % BURN_IN_CHECK == 0:
                change = _change(state, new, workers)
            state = new
            if change <= tolerance:
                break
        self.burn_in = BurnIn(steps, BURN_IN_TOLERANCE, float(change / self.params.applications_per_step),
                              bool(change <= tolerance))
        out = state.copy()
        out.t = 0
        return out


def stationary_spells(u: np.ndarray, hazard: np.ndarray, tau: int) -> np.ndarray:
    """Split u over spell bins 1..tau-1, >=tau as if the hiring hazard had always been ``hazard``."""
    survive = np.clip(1.0 - hazard, 0.0, 1.0)
    k = np.arange(tau)[None, :, None]
    shares = np.where(k < tau - 1, (1.0 - survive[:, None, :]) * survive[:, None, :] ** k,
                      survive[:, None, :] ** (tau - 1))
    return u[:, None, :] * shares


def default_u_to_flexible(step_weeks: float) -> float:
    return per_step(U_TO_FLEXIBLE_MONTHLY, step_weeks)


__all__ = ["BurnIn", "Model", "Search", "stationary_spells", "default_u_to_flexible", "value"]
