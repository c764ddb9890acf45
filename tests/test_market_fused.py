"""The fused multi-step kernel (the optimiser's fast path) against the numpy reference step."""

from __future__ import annotations

import numpy as np
import pytest
from test_market_core import ALL, _built, _random_hooks

from workshift.market.fused import AGGREGATES, FusedRunner, NodeMajorState
from workshift.market.step import step

STOCKS = ("e", "u", "v", "f", "tr", "g", "x", "hc", "hist", "ghist")


@pytest.mark.parametrize(("kind", "ltu_steps", "chunks"), [("empirical", 4, 2), ("complete", 4, 3),
                                                           ("skills", 6, 1), ("empirical", 1, 2)])
def test_fused_kernel_equals_numpy_reference_with_every_extension(kind, ltu_steps, chunks) -> None:
    built = _built(ALL, network_kind=kind, ltu_steps=ltu_steps)
    model, B, steps = built.model, 5, 30
    hooks = _random_hooks(B, model.n, seed=7).broadcast(B, model.n)
    assert len(hooks.training_edges) and np.all(hooks.search_precision > 0)
    rng = np.random.default_rng(3)
    kept = rng.uniform(0, 1, B)
    lost = rng.uniform(0, 50, (steps, model.n))
    base = np.stack([model.demand.at(t + 1)[0] for t in range(steps)])
    wage = rng.uniform(20e3, 90e3, model.n)
    eligible = max(0, min(3, ltu_steps - 1))
    state = model.initial_state(B, hooks)
    fast = NodeMajorState(state)
    runner = FusedRunner(model, wage_step=wage, eligible_bins=eligible, chunks=chunks)
    sums = np.concatenate([runner.run(fast, hooks, base[:11], lost[:11], kept),  # two calls: state carries over
                           runner.run(fast, hooks, base[11:], lost[11:], kept)])
    ref = state
    for t in range(steps):
        ref, _ = step(ref, model, hooks, base[t][None] + kept[:, None] * lost[t][None])
        eligible_u = ref.hist[:, :eligible].sum(axis=1) + ref.ghist[:, :eligible].sum(axis=1)
        expected = {
            "employed": ref.e.sum(1), "flexible": ref.f.sum(1), "unemployed": (ref.u + ref.g).sum(1),
            "ltu": ref.long_term_unemployed().sum(1), "trainees": ref.tr.sum(1),
            "wage_income": ((ref.e - ref.hc) * wage).sum(1), "flexible_earnings": (ref.f * wage).sum(1),
            "eligible_benefit_base": (eligible_u * wage).sum(1), "eligible": eligible_u.sum(1)}
        for k, key in enumerate(AGGREGATES):
            np.testing.assert_allclose(sums[t, k], expected[key], rtol=1e-10, atol=1e-10, err_msg=key)
    got = fast.to_state()
    assert got.t == ref.t == steps
    for key in STOCKS:
        a, b = getattr(got, key), getattr(ref, key)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(b).max()), err_msg=key)
    assert got.tr.sum() > 0 and got.g.sum() > 0 and got.x.sum() > 0 and got.hc.sum() > 0


def test_fused_kernel_without_extensions_is_the_papers_model() -> None:
    built = _built([], network_kind="empirical")
    model, B, steps = built.model, 3, 20
    state = model.initial_state(B)
    from workshift.market.hooks import PolicyHooks

    hooks = PolicyHooks().broadcast(B, model.n)
    base = np.stack([model.demand.at(t + 1)[0] for t in range(steps)])
    fast = NodeMajorState(state)
    FusedRunner(model).run(fast, hooks, base)
    ref = state
    for t in range(steps):
        ref, _ = step(ref, model, hooks, base[t][None])
    got = fast.to_state()
    for key in STOCKS:
        np.testing.assert_allclose(getattr(got, key), getattr(ref, key), rtol=1e-10, atol=1e-9, err_msg=key)
    assert np.all(got.f == 0) and np.all(got.tr == 0) and np.all(got.x == 0)


def test_vectorisable_expm1_agrees_with_libm() -> None:
    import math

    from numba import njit

    from workshift.market.expm1 import expm1_neg

    @njit
    def run(xs, out):
        for m in range(xs.shape[0]):
            out[m] = expm1_neg(xs[m])

    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.uniform(0, 3, 20000), rng.uniform(0, 0.5, 5000), rng.uniform(0, 800, 2000),
                         np.logspace(-300, 3, 3000), [0.0, 0.25, np.nextafter(0.25, 0), 40.0, 1e300]])
    out = np.empty_like(xs)
    run(xs, out)
    ref = np.array([math.expm1(-x) for x in xs])
    np.testing.assert_allclose(out, ref, rtol=1e-15, atol=0)
