"""The torch agents mode (GPU stretch goal) against the mean-field on a small network; skipped without torch."""

from __future__ import annotations

import numpy as np
import pytest

from workshift.market import network
from workshift.market.meanfield import run as run_meanfield
from workshift.market.model import Model
from workshift.market.params import ModelParams, self_loop_r
from workshift.market.shock import DemandPath

torch = pytest.importorskip("torch")
from workshift.market import agents_torch  # noqa: E402


def small_model(n: int = 12, seed: int = 3) -> Model:
    rng = np.random.default_rng(seed)
    M = rng.random((n, n)) * (rng.random((n, n)) < 0.4) + np.eye(n)
    M /= M.sum(axis=1, keepdims=True)
    nodes = [f"n{i}" for i in range(n)]
    params = ModelParams()
    e0 = rng.uniform(5e4, 2e5, n)
    d0 = e0 * (1 + params.delta_u)
    shock = rng.uniform(0.0, 0.3, n)
    return Model(params, network.from_matrix(M, nodes, r=self_loop_r(params.step_weeks)),
                 DemandPath(d0, d0 * (1 - shock), start=10, adoption_steps=15), e0=e0)


def test_agents_on_torch_follow_the_mean_field_and_keep_workers() -> None:
    model = small_model()
    steps, agents = 60, 2_000_000
    traj = agents_torch.run(model, steps, agents, seed=7, device="cpu")
    labour = traj.employed + traj.unemployed
    np.testing.assert_allclose(labour, labour[0], rtol=1e-12)  # workers are conserved
    rates = run_meanfield(model, steps=steps).rates()
    u_mf, ltu_mf = rates["unemployment_rate"][0], rates["long_term_unemployment_rate"][0]
    # sampling error of a rate near 0.05 with 2e6 agents is about 1.5e-4; allow the discreteness of spells
    assert np.max(np.abs(traj.unemployment_rate - u_mf)) < 1e-3
    assert np.max(np.abs(traj.long_term_unemployment_rate - ltu_mf)) < 1e-3
    assert traj.unemployment_rate[30:].mean() > traj.unemployment_rate[:10].mean()  # the shock bites


def test_same_seed_same_numbers() -> None:
    model = small_model(n=6)
    a = agents_torch.run(model, 10, 50_000, seed=5, device="cpu")
    b = agents_torch.run(model, 10, 50_000, seed=5, device="cpu")
    np.testing.assert_array_equal(a.unemployed, b.unemployed)


def test_extensions_are_refused() -> None:
    model = small_model(n=4)
    model.params = ModelParams(extensions=frozenset({"flexible"}))
    with pytest.raises(Exception, match="paper's model only"):
        agents_torch.run(model, 5, 1000, device="cpu")
