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
from workshift.market.step import step


def initial_stock(employment: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Self-employed workers implied by wage-and-salary employment and the self-employment share."""
    share = np.clip(share, 0.0, 0.99)
    return employment * share / (1.0 - share)


def calibrate(model, share: np.ndarray, rounds: int = 15, tol: float = 2e-3) -> tuple[np.ndarray, np.ndarray]:
    """Per-node entry rates into flexible work (e -> f, u -> f) such that the flexible share f / (e + f) of
    the model's own steady state (the state every run starts from, :meth:`Model.steady_state`) equals
    ``share`` at every node. Returns (e_to_flexible, u_to_flexible).

    Each node needs an inflow I_i into flexible work; the unemployed supply it first, at most at the uniform
    rate (1% a month of those not hired), wage employment the rest: c_i = rest / (e_i - separations_i).
    Round 1 takes the stationary inflow that keeps f*_i = e_i s_i / (1 - s_i) constant,
    I_i = f*_i (sigma h_i + phi_fu (1 - sigma h_i)); later rounds multiply each node's inflow by the ratio of
    target to achieved odds s/(1-s) in the steady state (each round's burn-in starts from the last one's,
    with e + f of each node split at the target share), until every node is within ``tol``. A node the
    network empties (no wage employment left in the steady state) keeps the rates of its last round.
    """
    from dataclasses import replace


    p = model.params
    uniform = model.u_to_flexible.copy()
    probe = replace(model, e_to_flexible=np.zeros(model.n), u_to_flexible=uniform.copy())
    share = np.clip(share, 0.0, 0.99)
    hooks = PolicyHooks().broadcast(1, model.n)
    inflow = None
    state = None
    steps = 0
    for _ in range(rounds):
        if state is not None:  # start the next burn-in at the target shares, e + f of each node kept
            both = state.e + state.f
            state.f, state.e = both * share, both * (1.0 - share)
        state = probe.steady_state(1, start=state)
        steps += probe.burn_in.steps
        _, flows = step(state, probe, hooks, probe.demand.d0)
        e, u, f = state.e[0], state.u[0], state.f[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            live = e + f > 1.0  # at least one worker
            achieved = np.where(live, f / np.where(live, e + f, 1.0), 0.0)
            if live.any() and np.max(np.abs(achieved - share)[live]) < tol:
                break
            h = np.where(u > 0, flows.u_hired[0] / u, 0.0)
            if inflow is None:
                hired = p.flexible_search_intensity * h
                inflow = e * share / (1.0 - share) * (hired + p.flexible_to_unemployment * (1.0 - hired))
            else:
                odds = np.where(achieved > 0, (share / (1 - share)) / (achieved / (1 - achieved)), 1.0)
                inflow = inflow * np.clip(np.where(np.isfinite(odds), odds, 1.0), 0.2, 5.0)
            not_hired = u * (1.0 - h)
            from_u = np.minimum(uniform * not_hired, inflow)
            probe.u_to_flexible = np.where(not_hired > 0, from_u / np.where(not_hired > 0, not_hired, 1.0), 0.0)
            stayers = e - flows.separations[0]
            probe.e_to_flexible = np.where(stayers > 0, np.clip((inflow - from_u) / np.where(stayers > 0, stayers,
                                                                                             1.0), 0.0, 1.0), 0.0)
    # the calibrated model's steady state, reached by all rounds' burn-ins together
    model._steady, model.burn_in = probe._steady, replace(probe.burn_in, steps=steps)
    return probe.e_to_flexible, probe.u_to_flexible
