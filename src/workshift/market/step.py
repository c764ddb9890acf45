"""The pure step function: (state, model, hooks, target) -> (state, flows), in expectation (mean-field).

Per node i, with A the search network and d the target demand (the paper's equations, then extensions):

  separations  w_i = du e_i + (1-du) min(e_i, gu max(0, e_i + v_i - d_i))          (x separation_multiplier)
  openings     n_i = dv e_i + (1-dv) min(e_i, gv max(0, d_i - e_i - v_i))          (x vacancy_multiplier)
  search       searchers of i apply to j with probability A_ij v_j / sum_k A_ik v_k
  matching     s_j = applications to j per rate period (one per searcher), theta_j = v_j / s_j; an
               application succeeds with probability P_j = mu_j theta_j (1 - exp(-1/theta_j))
               (mu = matching_efficiency, capped so hires <= v_j)
  hires        H_j = a P_j s_j with a = applications per searcher per step (step_weeks / rate_period_weeks,
               1 at the paper's 6.75-week step); a searcher of i is hired with probability
               h_i = a (A (v P))_i / (A v)_i

Search effort per unit of time is fixed: at a step shorter than the rate period a searcher sends a < 1
applications per step, and the matching function's congestion is that of a rate period's applications,
so the steady state does not depend on the step length (docs/engine.md). Everything uses the state at the
start of the step; workers separated during the step search from the next
one. Extensions (each off unless named in ``params.extensions``): ``flexible`` (e->f at a calibrated rate
per node, u->f, f->u, flexible workers search at a lower intensity), ``training`` (u->training, graduation
at rate 1/duration, graduates search on A plus training edges), ``exit`` (long-term unemployed -> inactive,
re-entry). Trainees are drawn from the hard-to-place: were they searching they would find jobs at
``trainee_job_finding`` (phi) x the average rate, so of the applications an average searcher sends, 1 - phi
per trainee (at most one per unemployed person of the node) stay with the node's unemployed and lock-in
costs the trainees' own job finding, not the average searcher's. Hooks default to no effect, so with no extensions this is exactly the paper's mean-field model.
"""

from __future__ import annotations

import numpy as np

from workshift.market.hooks import PolicyHooks
from workshift.market.model import Model
from workshift.market.state import Flows, MarketState
from workshift.market.urn_ball import success_probability

__all__ = ["step", "success_probability"]


def _age(hist: np.ndarray, hazard: np.ndarray, leave_short: np.ndarray, leave_long: np.ndarray,
         inflow: np.ndarray) -> np.ndarray:
    """Advance a spell histogram by one step: hires at ``hazard``, then (of the rest) other exits; new
    spells enter the first bin; the last bin (>= tau) accumulates."""
    survive = hist * (1.0 - hazard)[:, None, :]
    new = np.empty_like(hist)
    new[:, 0] = inflow
    new[:, 1:] = survive[:, :-1] * (1.0 - leave_short)[:, None, :]
    new[:, -1] += survive[:, -1] * (1.0 - leave_long)
    return new


def _leave_rates(rates: list[np.ndarray | float], like: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Total exit probability (capped at 1) and each competing rate scaled to fit under the cap."""
    total = np.zeros_like(like)
    for r in rates:
        total = total + r
    scale = np.where(total > 1.0, 1.0 / np.maximum(total, 1.0), 1.0)
    return np.minimum(total, 1.0), [r * scale for r in rates]


def step(state: MarketState, model: Model, hooks: PolicyHooks, target: np.ndarray) -> tuple[MarketState, Flows]:
    """One step in expectation for a whole batch. ``hooks`` must be broadcast to (B, n) (see
    :meth:`PolicyHooks.broadcast`); ``target`` is the target demand d(t+1), shape (B or 1, n)."""
    p = model.params
    flexible, training, exits = p.on("flexible"), p.on("training"), p.on("exit")
    e, u, v, hc = state.e, state.u, state.v, state.hc
    zero = np.zeros_like(e)
    target = target + hooks.demand_shift  # demand the policy adds (hook, persons)

    # 1. separations and openings, driven by the gap between effective employment and target demand
    eff = e - hc
    gap = eff + v - target
    directed_sep = (1.0 - p.delta_u) * np.minimum(eff, p.gamma_u * np.maximum(gap, 0.0))
    directed_open = (1.0 - p.delta_v) * np.minimum(eff, p.gamma_v * np.maximum(-gap, 0.0))
    hours_cut, hours_restored, hours_ended = zero, zero, zero
    if np.any(hooks.work_sharing > 0) or np.any(hc > 0):
        hours_cut = hooks.work_sharing * directed_sep
        directed_sep = directed_sep - hours_cut
        hours_restored = np.minimum(hc, directed_open)
        directed_open = directed_open - hours_restored
        hours_ended = hooks.short_time_end * (hc - hours_restored)  # benefit over, demand not back: job ends
    separations = np.minimum(e, (p.delta_u * e + directed_sep) * hooks.separation_multiplier + hours_ended)
    openings = (p.delta_v * e + directed_open) * hooks.vacancy_multiplier

    # 2. search and matching (a applications per searcher and step; flexible workers at a lower intensity)
    search = model.search(hooks)
    searchers = u + p.flexible_search_intensity * state.f if flexible else u
    # trainees come from the hard-to-place (job finding phi of the average searcher): the other 1 - phi of
    # an average searcher's applications stay with the node's unemployed, whose pool is easier to place
    credit = p.trainee_search_credit * np.minimum(state.tr, u) if training else zero
    searchers = searchers + credit
    Av = search.apply(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        w1 = np.where(Av > 0, searchers / Av, 0.0)
        if training:
            Ev = search.extra(v)
            Av2 = Av + Ev
            w2 = np.where(Av2 > 0, state.g / Av2, 0.0)
            applications = v * (search.apply_t(w1 + w2) + search.extra_t(w2))
        else:
            applications = v * search.apply_t(w1)
        P = success_probability(applications, v, hooks.matching_efficiency)
        vP = v * P
        AvP = search.apply(vP)
        a = p.applications_per_step
        h1 = np.where(Av > 0, a * AvP / Av, 0.0)
        h2 = np.where(Av2 > 0, a * (AvP + search.extra(vP)) / Av2, 0.0) if training else zero
    hires = a * P * applications
    with np.errstate(divide="ignore", invalid="ignore"):
        hu = np.where(u > 0, h1 * (u + credit) / u, h1) if training else h1  # hire probability of the unemployed
    u_hired = u * hu

    # 3. flows out of unemployment other than hiring (competing, of those not hired), and spells
    phi_uf = model.u_to_flexible * hooks.flexible_multiplier if flexible else 0.0
    rho = p.training_rate * hooks.training_multiplier if training else 0.0
    xi = p.ltu_exit_rate * hooks.exit_multiplier if exits else 0.0
    leave_short, (phi_s, rho_s) = _leave_rates([phi_uf, rho], e)
    leave_long, (phi_l, rho_l, xi_l) = _leave_rates([phi_uf, rho, xi], e)
    not_hired_short = (state.hist[:, :-1].sum(axis=1)) * (1.0 - hu)
    not_hired_long = state.hist[:, -1] * (1.0 - hu)
    u_to_f = phi_s * not_hired_short + phi_l * not_hired_long if flexible else zero
    to_training = rho_s * not_hired_short + rho_l * not_hired_long if training else zero
    to_inactive = xi_l * not_hired_long if exits else zero

    # 4. flexible work, training, inactivity
    e_to_f = f_hired = f_to_u = zero
    if flexible:
        f_hired = p.flexible_search_intensity * state.f * h1
        f_to_u = p.flexible_to_unemployment * (state.f - f_hired)
        e_to_f = np.minimum(1.0, model.e_to_flexible * hooks.flexible_multiplier) * (e - separations)
    graduations = state.tr / p.training_steps if training else zero
    g_hired = state.g * h2 if training else zero
    reentries = p.reentry_rate * hooks.reentry_multiplier * state.x if exits else zero

    hist = _age(state.hist, hu, leave_short, leave_long, separations + f_to_u + reentries)
    ghist = _age(state.ghist, h2, zero, zero, graduations) if training else state.ghist
    new = MarketState(
        e=e - separations - e_to_f + hires,
        u=hist.sum(axis=1),
        v=v + openings - hires,
        hist=hist,
        f=state.f + e_to_f + u_to_f - f_hired - f_to_u if flexible else state.f,
        tr=state.tr + to_training - graduations if training else state.tr,
        g=ghist.sum(axis=1) if training else state.g,
        ghist=ghist,
        x=state.x + to_inactive - reentries if exits else state.x,
        hc=hc + hours_cut - hours_restored - hours_ended if hours_cut is not zero else hc,
        t=state.t + 1,
    )
    flows = Flows(separations, openings, hires, u_hired, f_hired, g_hired, e_to_f, u_to_f, f_to_u,
                  to_training, graduations, to_inactive, reentries, hours_cut, hours_restored)
    return new, flows
