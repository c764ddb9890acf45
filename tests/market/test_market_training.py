"""Lock-in at the trainees' own job finding (``trainee_job_finding`` = phi): every step implementation
(numpy reference, numba kernel, fused kernel, agents) carries the same term, and it changes the result."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from test_market_agents import _model
from test_market_core import ALL, _built, _random_hooks

from workshift.market import agents
from workshift.market.fused import FusedRunner, NodeMajorState
from workshift.market.hooks import PolicyHooks
from workshift.market.meanfield import run as run_meanfield
from workshift.market.step import step


def _with_phi(model, phi):
    return replace(model, params=model.params.with_(trainee_job_finding=phi))


@pytest.mark.parametrize("kind", ["empirical", "complete"])
def test_trainee_credit_is_the_same_in_reference_numba_and_fused(kind) -> None:
    model0 = _built(ALL, network_kind=kind).model
    B, steps = 3, 30
    hooks = _random_hooks(B, model0.n, seed=4)
    finals = {}
    for phi in (0.25, 1.0):
        model = _with_phi(model0, phi)
        ref = run_meanfield(model, hooks, steps=steps, engine="numpy", record_nodes=True)
        fast = run_meanfield(model, hooks, steps=steps, engine="numba", record_nodes=True)
        for key in ref.nodes:
            np.testing.assert_allclose(fast.nodes[key], ref.nodes[key], rtol=1e-11, atol=1e-8, err_msg=key)
        b = hooks.broadcast(B, model.n)
        state = model.initial_state(B, b)
        nodes = NodeMajorState(state)
        base = np.stack([model.demand.at(t + 1)[0] for t in range(steps)])
        FusedRunner(model, chunks=2).run(nodes, b, base)
        for t in range(steps):
            state, _ = step(state, model, b, base[t][None])
        got = nodes.to_state()
        for key in ("e", "u", "v", "f", "tr", "g", "x", "hist"):
            want = getattr(state, key)
            np.testing.assert_allclose(getattr(got, key), want, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(want).max()),
                                       err_msg=key)
        finals[phi] = state
    # the term matters: trainees drawn from the hard-to-place cost less job finding, so fewer are unemployed
    assert finals[0.25].u.sum() < finals[1.0].u.sum() * (1 - 1e-3)


def test_the_credit_goes_to_the_unemployed_at_the_average_searchers_hazard() -> None:
    """Known answer in one reference step: every searcher of a node (unemployed, flexible) is hired with the
    same probability h; the unemployed of node i are hired h (u_i + kappa min(tr_i, u_i)) in all; without
    trainees phi does not matter."""
    model = _with_phi(_built(["flexible", "training"]).model, 0.25)
    hooks = PolicyHooks(training_multiplier=20.0).broadcast(1, model.n)
    state = run_meanfield(model, hooks, steps=20, engine="numpy").final
    assert state.tr.sum() > 0.01 * state.u.sum()
    _, flows = step(state, model, hooks, model.demand.at(21))
    h = flows.f_hired / (model.params.flexible_search_intensity * state.f)
    credit = 0.75 * np.minimum(state.tr, state.u)
    np.testing.assert_allclose(flows.u_hired, h * (state.u + credit), rtol=1e-12)
    no_trainees = replace(state, tr=np.zeros_like(state.tr))
    a = step(no_trainees, model, hooks, model.demand.at(21))[0]
    b = step(no_trainees, _with_phi(model, 1.0), hooks, model.demand.at(21))[0]
    np.testing.assert_allclose(a.u, b.u, rtol=1e-14)


def test_agents_carry_the_credit_as_the_mean_field_does() -> None:
    """Agents: the change in unemployment from phi = 1 to phi = 0.25 matches the mean-field change (mean of
    independent runs, within four standard errors)."""
    model = _model(["training"])
    hooks = PolicyHooks(training_multiplier=60.0)
    mf, ag, se = {}, {}, {}
    for phi in (0.25, 1.0):
        m = _with_phi(model, phi)
        mf[phi] = run_meanfield(m, hooks, steps=40).rates()["unemployment_rate"][0, 10:].mean()
        runs = [agents.run(m, hooks, steps=40, agents=200_000, seed=s).rates()["unemployment_rate"][0, 10:].mean()
                for s in range(4)]
        ag[phi], se[phi] = np.mean(runs), np.std(runs, ddof=1) / 2
    effect_mf, effect_ag = mf[0.25] - mf[1.0], ag[0.25] - ag[1.0]
    assert effect_mf < -3e-4
    assert abs(effect_ag - effect_mf) < 4 * np.hypot(se[0.25], se[1.0]) + 1e-4, (effect_ag, effect_mf)
