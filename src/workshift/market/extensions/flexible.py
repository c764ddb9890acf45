"""Flexible work (灵活就业): a self-employed / gig state per node.

Flows per step (rates per step; sources in :mod:`workshift.market.params`):
  e -> f   at a per-node rate c_i, calibrated so the steady state reproduces the node's BLS self-employment share
  u -> f   at a small uniform rate (1% a month) of the unemployed not hired
  f -> e   flexible workers apply for wage jobs at ``flexible_search_intensity`` relative to the unemployed
  f -> u   at ``flexible_to_unemployment`` (gig work ends)
The labour force is OEWS wage-and-salary employment plus the self-employed implied by BLS shares:
f0_i = e0_i s_i / (1 - s_i). Flexible income is ``flexible_income_ratio`` of the node's wage, with a
coefficient of variation ``flexible_income_cv`` (see :mod:`income`).
"""

from __future__ import annotations

import numpy as np

from workshift.market.hooks import PolicyHooks


def initial_stock(employment: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Self-employed workers implied by wage-and-salary employment and the self-employment share."""
    share = np.clip(share, 0.0, 0.99)
    return employment * share / (1.0 - share)


def calibrate(model, share: np.ndarray, burn_in: int = 100, rounds: int = 6, tol: float = 1e-4) -> np.ndarray:
    """Per-node e->f rates c_i such that, after ``burn_in`` steps without a shock, f/(e+f) = share per node.

    Fixed point: run the baseline (no shock, no cycle), read the stocks and the hiring hazard h, and set
    c_i = [f*_i (s h_i + phi_fu (1 - s h_i)) - (u -> f inflow)] / (e_i - separations_i) with f*_i the stock
    that gives the target share at the current e_i; repeat until the shares move by less than ``tol``.
    """
    from dataclasses import replace

    from workshift.market.meanfield import run
    from workshift.market.shock import DemandPath
    from workshift.market.step import step

    p = model.params
    flat = DemandPath(model.demand.d0, model.demand.d0, start=10**9, adoption_steps=1.0, cycle_start=10**9)
    probe = replace(model, demand=flat, e_to_flexible=np.zeros(model.n))
    share = np.clip(share, 0.0, 0.99)
    hooks = PolicyHooks().broadcast(1, model.n)
    rates = np.zeros(model.n)
    for _ in range(rounds):
        probe.e_to_flexible = rates
        traj = run(probe, hooks, steps=burn_in)
        state = traj.final
        _, flows = step(state, probe, hooks, flat.at(burn_in + 1))
        e, f, u = state.e[0], state.f[0], state.u[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(u > 0, flows.u_hired[0] / u, 0.0)
            target_f = e * share / (1.0 - share)
            hired = p.flexible_search_intensity * h
            needed = target_f * (hired + p.flexible_to_unemployment * (1.0 - hired)) - flows.u_to_f[0]
            new_rates = np.where(e - flows.separations[0] > 0,
                                 np.clip(needed / (e - flows.separations[0]), 0.0, 1.0), 0.0)
            achieved = np.where(e + f > 0, f / np.where(e + f > 0, e + f, 1.0), 0.0)
        rates = new_rates
        if np.max(np.abs(achieved - share)) < tol:
            break
    return rates
