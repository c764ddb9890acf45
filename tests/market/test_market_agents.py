"""Agents mode: reproducibility, conservation, agreement with the mean-field model, spells, memory."""

from __future__ import annotations

import numpy as np
import pytest

from workshift.errors import InputError
from workshift.market import agents, scenario
from workshift.market.agent_counts import _hypergeom
from workshift.market.hooks import PolicyHooks
from workshift.market.inputs import synthetic
from workshift.market.meanfield import run as run_meanfield
from workshift.market.run import build
from workshift.market.step import step


def _model(extensions=(), kind="empirical", n=30, seed=2, step_weeks=6.75):
    sc = scenario.from_dict({"market": {"extensions": list(extensions), "network": kind, "step_weeks": step_weeks},
                             "shock": {"index": "gpts_beta", "start_step": 15, "adoption_steps": 30}})
    return build(sc, synthetic(n, seed, isolated=1)).model


@pytest.fixture(scope="module")
def paper_model():
    return _model()


def test_same_seed_same_numbers_and_agents_keep_their_ids(paper_model) -> None:
    a = agents.run(paper_model, steps=25, agents=20_000, seed=7)
    b = agents.run(paper_model, steps=25, agents=20_000, seed=7)
    c = agents.run(paper_model, steps=25, agents=20_000, seed=8)
    np.testing.assert_array_equal(a.aggregate["unemployed"], b.aggregate["unemployed"])
    np.testing.assert_array_equal(a.populations[0].slots, b.populations[0].slots)
    assert not np.array_equal(a.aggregate["unemployed"], c.aggregate["unemployed"])
    table = a.populations[0].agent_table(paper_model.labels["nodes"])
    assert sorted(table["agent"]) == list(range(20_000))  # every worker exactly once, persistent ids
    unemployed = table[table["state"] == "unemployed"]
    assert (unemployed["spell_start"] <= 25).all() and len(unemployed) > 0


def test_workers_conserved_and_memory_per_agent(paper_model) -> None:
    traj = agents.run(paper_model, steps=30, agents=50_000, seed=1)
    pop = traj.populations[0]
    total = traj.aggregate["labour_force"] + traj.aggregate["inactive"]
    np.testing.assert_allclose(total, 50_000 * pop.scale, rtol=1e-12)
    assert pop.sizes().sum() == 50_000
    np.testing.assert_array_equal(pop.hist.sum(axis=1), pop.sizes()[:, 1])
    assert pop.bytes_per_agent() <= 16


def test_all_extensions_conserve_and_track_the_mean_field() -> None:
    model = _model(["flexible", "training", "exit"])
    traj = agents.run(model, steps=40, agents=300_000, seed=3)
    mf = run_meanfield(model, steps=40)
    total = traj.aggregate["labour_force"] + traj.aggregate["inactive"]
    np.testing.assert_allclose(total, total[0, 0], rtol=1e-12)
    for key in ("unemployment_rate", "flexible_share", "training_share"):
        np.testing.assert_allclose(traj.rates()[key][0, 10:], mf.rates()[key][0, 10:], atol=0.004)
    np.testing.assert_allclose(traj.aggregate["inactive"][0, 10:] / total[0, 0],
                               mf.aggregate["inactive"][0, 10:] / total[0, 0], atol=0.003)


@pytest.mark.parametrize(("kind", "step_weeks"), [("empirical", 6.75), ("complete", 6.75), ("empirical", 52 / 12)])
def test_agents_mean_agrees_with_mean_field_within_sampling_error(kind, step_weeks) -> None:
    """Average of independent agent runs vs the mean-field path, window by window: |difference| below four
    standard errors estimated from the spread of the runs (also at monthly steps: a < 1 application a step)."""
    model = _model(kind=kind, step_weeks=step_weeks)
    steps, runs = 60, 4
    paths = np.stack([agents.run(model, steps=steps, agents=250_000, seed=s).rates()["unemployment_rate"][0]
                      for s in range(runs)])
    mf = run_meanfield(model, steps=steps).rates()["unemployment_rate"][0]
    for lo in range(5, steps, 10):
        window = paths[:, lo:lo + 10].mean(axis=1)
        se = window.std(ddof=1) / np.sqrt(runs)
        diff = window.mean() - mf[lo:lo + 10].mean()
        assert abs(diff) < 4 * se + 2e-4, (lo, diff, se)


def test_spell_distribution_matches_the_mean_field_histogram(paper_model) -> None:
    """Cross-sectional spells (by bin) and the lengths of completed spells agree with the mean field's
    duration histogram and its hiring hazard."""
    steps, N = 50, 400_000
    traj = agents.run(paper_model, steps=steps, agents=N, seed=11)
    pop = traj.populations[0]
    hooks = PolicyHooks().broadcast(1, paper_model.n)
    state = paper_model.initial_state(1, hooks)
    completed = np.zeros(paper_model.params.ltu_steps)
    for t in range(steps):
        new, flows = step(state, paper_model, hooks, paper_model.demand.at(t + 1))
        hazard = np.where(state.u > 0, flows.u_hired / np.where(state.u > 0, state.u, 1), 0.0)
        completed += (state.hist[0] * hazard[0]).sum(axis=1)
        state = new
    mf_cross = state.hist[0].sum(axis=1) / state.u.sum()
    ag_cross = pop.hist.sum(axis=0) / pop.hist.sum()
    np.testing.assert_allclose(ag_cross, mf_cross, atol=0.01)
    tau = paper_model.params.ltu_steps
    spells = traj.extra["completed_spells"][0]
    ag_completed = np.concatenate([spells[1:tau], [spells[tau:].sum()]])
    np.testing.assert_allclose(ag_completed / ag_completed.sum(), completed / completed.sum(), atol=0.01)
    assert spells[tau + 2:].sum() > 0  # individual spells go on beyond the truncated histogram


def test_hypergeometric_sampler_matches_theory() -> None:
    from numba import njit

    @njit
    def draws(good, bad, n, k, seed):
        np.random.seed(seed)
        out = np.empty(k, dtype=np.int64)
        for i in range(k):
            out[i] = _hypergeom(good, bad, n)
        return out

    for good, bad, n in ((300, 700, 400), (20, 5000, 900), (900, 50, 800), (7, 9, 5)):
        x = draws(good, bad, n, 40_000, 1)
        mean = n * good / (good + bad)
        var = mean * bad / (good + bad) * (good + bad - n) / (good + bad - 1)
        assert x.mean() == pytest.approx(mean, abs=4 * np.sqrt(var / 40_000) + 1e-9)
        assert x.var() == pytest.approx(var, rel=0.05)
        assert x.min() >= max(0, n - bad) and x.max() <= min(good, n)


def test_bad_agent_counts_are_errors(paper_model) -> None:
    with pytest.raises(InputError):
        agents.run(paper_model, steps=5, agents=0)
    with pytest.raises(InputError):
        agents.run(paper_model, steps=0, agents=10)
