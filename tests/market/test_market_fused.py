"""The fused multi-step kernel (the optimiser's fast path) against the numpy reference step."""

from __future__ import annotations

import numpy as np
import pytest
from test_market_core import ALL, _built, _random_hooks

from workshift.market.extensions.accounts import state_sums, wage_factors
from workshift.market.fused import AGGREGATES, FusedRunner, NodeMajorState
from workshift.market.hooks import HOOKS, PolicyHooks
from workshift.market.step import step

STOCKS = ("e", "u", "v", "f", "tr", "g", "x", "hc", "hist", "ghist")


@pytest.mark.parametrize(("kind", "ltu_steps", "chunks", "step_weeks"),
                         [("empirical", 4, 2, 6.75), ("complete", 4, 3, 6.75), ("skills", 6, 1, 6.75),
                          ("empirical", 1, 2, 6.75), ("empirical", 6, 2, 52 / 12)])
def test_fused_kernel_equals_numpy_reference_with_every_extension(kind, ltu_steps, chunks, step_weeks) -> None:
    built = _built(ALL, network_kind=kind, ltu_steps=ltu_steps, step_weeks=step_weeks)
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
    # each occupation's wage curve against a start rate; some rates far off, so the clip to [1/10, 10] binds
    rate0 = rng.uniform(0.002, 0.3, model.n)
    runner = FusedRunner(model, wage_step=wage, eligible_bins=eligible, chunks=chunks, wage_curve=(rate0, -0.1))
    sums = np.concatenate([runner.run(fast, hooks, base[:11], lost[:11], kept),  # two calls: state carries over
                           runner.run(fast, hooks, base[11:], lost[11:], kept)])
    ref = state
    for t in range(steps):
        ref, _ = step(ref, model, hooks, base[t][None] + kept[:, None] * lost[t][None])
        eligible_u = ref.hist[:, :eligible].sum(axis=1) + ref.ghist[:, :eligible].sum(axis=1)
        expected = {
            "employed": ref.e.sum(1), "flexible": ref.f.sum(1), "unemployed": (ref.u + ref.g).sum(1),
            "ltu": ref.long_term_unemployed().sum(1), "trainees": ref.tr.sum(1),
            "wage_income": ((ref.e - ref.hc) * wage * wage_factors(ref, rate0, -0.1)).sum(1),
            "flexible_earnings": (ref.f * wage).sum(1),
            "eligible_benefit_base": (eligible_u * wage).sum(1), "eligible": eligible_u.sum(1),
            "hours_cut_pay": (ref.hc * wage).sum(1)}
        for k, key in enumerate(AGGREGATES):
            np.testing.assert_allclose(sums[t, k], expected[key], rtol=1e-10, atol=1e-10, err_msg=key)
        np.testing.assert_allclose(state_sums(ref, wage, eligible, rate0, -0.1), sums[t], rtol=1e-10, atol=1e-10)
    got = fast.to_state()
    assert got.t == ref.t == steps
    for key in STOCKS:
        a, b = getattr(got, key), getattr(ref, key)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(b).max()), err_msg=key)
    assert got.tr.sum() > 0 and got.g.sum() > 0 and got.x.sum() > 0 and got.hc.sum() > 0


def test_a_schedule_in_one_call_equals_the_reference_step_by_step() -> None:
    """run_schedule: hook sets that change between segments (per-node and per-scenario hooks, different
    training edges, a segment with no hook edges, an empty segment) in one kernel call give the reference
    path with each segment's hooks."""
    built = _built(ALL, network_kind="empirical", ltu_steps=4)
    model, B, steps = built.model, 4, 17
    rng = np.random.default_rng(5)
    first = _random_hooks(B, model.n, seed=1).broadcast(B, model.n)
    second = _random_hooks(B, model.n, seed=2)
    second = PolicyHooks(**{k: getattr(second, k) for k in HOOKS}).broadcast(B, model.n)  # no hook edges
    third = _random_hooks(B, model.n, seed=3)
    third = PolicyHooks(**{**{k: getattr(third, k) for k in HOOKS},  # per-scenario hooks kept (B, 1)
                           "matching_efficiency": rng.uniform(0.8, 1.2, (B, 1)),
                           "vacancy_multiplier": rng.uniform(0.8, 1.2, (B, 1)),
                           "training_edges": third.training_edges})
    schedule, starts = [first, second, second, third], [0, 6, 6, 11]  # the third segment is empty
    kept = rng.uniform(0, 1, (len(schedule), B))
    lost = rng.uniform(0, 50, (steps, model.n))
    base = np.stack([model.demand.at(t + 1)[0] for t in range(steps)])
    wage = rng.uniform(20e3, 90e3, model.n)
    state = model.initial_state(B, first)
    fast = NodeMajorState(state)
    sums = FusedRunner(model, wage_step=wage, eligible_bins=2, chunks=2).run_schedule(fast, schedule, starts, base,
                                                                                     lost, kept)
    ref = state
    for t in range(steps):
        s = int(np.searchsorted(starts, t, side="right")) - 1
        hooks = schedule[s].broadcast(B, model.n)
        ref, _ = step(ref, model, hooks, base[t][None] + kept[s][:, None] * lost[t][None])
        np.testing.assert_allclose(sums[t, 0], ref.e.sum(1), rtol=1e-10)
        np.testing.assert_allclose(sums[t, 2], (ref.u + ref.g).sum(1), rtol=1e-10)
    got = fast.to_state()
    for key in STOCKS:
        a, b = getattr(got, key), getattr(ref, key)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * max(1.0, np.abs(b).max()), err_msg=key)
    assert len(first.training_edges) and len(third.training_edges) and got.g.sum() > 0
    with pytest.raises(ValueError, match="must begin at 0"):
        FusedRunner(model).run_schedule(NodeMajorState(state), schedule, [1, 6, 6, 11], base)


def test_fused_kernel_without_extensions_is_the_papers_model() -> None:
    built = _built([], network_kind="empirical")
    model, B, steps = built.model, 3, 20
    state = model.initial_state(B)
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
