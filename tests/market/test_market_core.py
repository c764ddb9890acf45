"""The engine's core: network, step (conservation, paper equations), numba = numpy, complete-network steady
state, scenarios and bad input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import brentq

from workshift.errors import DataError, InputError, NotFoundError
from workshift.market import network, scenario
from workshift.market.hooks import HOOK_ORDER, HOOKS, PolicyHooks, TrainingEdges
from workshift.market.inputs import synthetic
from workshift.market.meanfield import Stepper
from workshift.market.meanfield import run as run_meanfield
from workshift.market.params import self_loop_r
from workshift.market.run import build
from workshift.market.step import step

ALL = ["flexible", "training", "exit", "income", "insurance"]


def _built(extensions=(), n=40, seed=3, network_kind="empirical", index="gpts_beta", **market):
    sc = scenario.from_dict({"market": {"extensions": list(extensions), "network": network_kind, "steps": 60,
                                        **market},
                             "shock": {"index": index, "start_step": 5, "adoption_steps": 30}})
    return build(sc, synthetic(n, seed, isolated=2))


def _random_hooks(B, n, seed=0):
    rng = np.random.default_rng(seed)
    edges = TrainingEdges(rng.integers(0, B, 30), rng.integers(0, n, 30), rng.integers(0, n, 30),
                          rng.uniform(0, 0.5, 30))
    return PolicyHooks(matching_efficiency=rng.uniform(0.7, 1.3, (B, n)), search_precision=rng.uniform(0, 1, (B, 1)),
                       vacancy_multiplier=rng.uniform(0.8, 1.2, (B, n)), separation_multiplier=rng.uniform(0.8, 1.2, (B, n)),
                       training_multiplier=rng.uniform(0, 20, (B, 1)), exit_multiplier=rng.uniform(0.5, 2, (B, 1)),
                       reentry_multiplier=rng.uniform(0.5, 2, (B, 1)), flexible_multiplier=rng.uniform(0.5, 2, (B, n)),
                       work_sharing=rng.uniform(0, 1, (B, n)), short_time_end=rng.uniform(0, 0.3, (B, n)),
                       demand_shift=rng.uniform(0, 50, (B, n)), training_edges=edges)


def test_self_loop_r_is_the_papers_value() -> None:
    assert self_loop_r(6.75) == pytest.approx(0.5502916755953751, abs=1e-12)
    with pytest.raises(InputError):
        self_loop_r(60.0)


def test_network_drops_diagonal_renormalises_and_keeps_isolated_self_loops() -> None:
    M = np.array([[0.5, 0.3, 0.2], [0.0, 1.0, 0.0], [0.1, 0.1, 0.8]])
    net = network.from_matrix(M, ["a", "b", "c"], r=0.55)
    A = net.matrix()
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    np.testing.assert_allclose(A[0], [0.55, 0.45 * 0.6, 0.45 * 0.4])
    np.testing.assert_allclose(A[1], [0.0, 1.0, 0.0])  # no off-diagonal weight: only the self-loop
    np.testing.assert_allclose(A[2], [0.225, 0.225, 0.55])
    assert list(net.degree()) == [2, 0, 2]
    X = np.random.default_rng(0).uniform(size=(4, 3))
    np.testing.assert_allclose(net.apply(X), X @ A.T)
    np.testing.assert_allclose(net.apply_t(X), X @ A)


def test_non_row_stochastic_network_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="not row-stochastic.*node b"):
        network.from_matrix(np.array([[0.5, 0.5], [0.2, 0.3]]), ["a", "b"], r=0.5)
    with pytest.raises(DataError, match="negative"):
        network.from_matrix(sp.csr_matrix(np.array([[1.2, -0.2], [0.5, 0.5]])), ["a", "b"], r=0.5)


def _dense_paper_step(e, u, v, hist, target, A, du=0.016, dv=0.012, gu=0.16, gv=0.16):
    """An independent dense implementation of the paper's equations (explicit application matrix)."""
    gap = e + v - target
    sep = du * e + (1 - du) * np.minimum(e, gu * np.maximum(0, gap))
    opn = dv * e + (1 - dv) * np.minimum(e, gv * np.maximum(0, -gap))
    Q = A * v[None, :] / (A * v[None, :]).sum(axis=1, keepdims=True)
    S = u[:, None] * Q
    theta = v / S.sum(axis=0)
    F = S * (theta * (1 - np.exp(-1 / theta)))[None, :]
    hazard = F.sum(axis=1) / u
    new_hist = np.zeros_like(hist)
    new_hist[0] = sep
    new_hist[1:] = hist[:-1] * (1 - hazard)
    new_hist[-1] += hist[-1] * (1 - hazard)
    return e - sep + F.sum(axis=0), v + opn - F.sum(axis=0), new_hist


def test_paper_mode_matches_an_independent_dense_implementation() -> None:
    built = _built()
    model = built.model
    hooks = PolicyHooks().broadcast(1, model.n)
    state = model.initial_state(1, hooks)
    e, v, hist = state.e[0].copy(), state.v[0].copy(), state.hist[0].copy()
    A = model.network.matrix()
    for t in range(40):
        target = model.demand.at(t + 1)
        state, _ = step(state, model, hooks, target)
        e, v, hist = _dense_paper_step(e, hist.sum(axis=0), v, hist, target[0], A)
        np.testing.assert_allclose(state.e[0], e, rtol=1e-10)
        np.testing.assert_allclose(state.v[0], v, rtol=1e-10)
        np.testing.assert_allclose(state.hist[0], hist, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_workers_are_conserved_every_step_with_every_extension_and_hook(engine) -> None:
    built = _built(ALL, network_kind="empirical")
    model, B = built.model, 3
    hooks = _random_hooks(B, model.n).broadcast(B, model.n)
    state = model.initial_state(B, hooks)
    total = state.workers()
    stepper = Stepper(model, hooks)
    for t in range(60):
        target = model.demand.at(t + 1)
        state = step(state, model, hooks, target)[0] if engine == "numpy" else stepper(state, target).copy()
        np.testing.assert_allclose(state.workers(), total, rtol=1e-12)
        np.testing.assert_allclose(state.hist.sum(axis=1), state.u, rtol=1e-12, atol=1e-9)
        for arr in (state.e, state.u, state.v, state.f, state.tr, state.g, state.x, state.hc):
            assert arr.min() >= -1e-9
    assert state.f.sum() > 0 and state.tr.sum() > 0 and state.g.sum() > 0 and state.x.sum() > 0


def test_hours_whose_short_time_benefit_ends_become_separations() -> None:
    """Known answer: with hours cut and demand not back (no directed openings), the benefit ends for a share
    p of the hours cut each step and exactly those become separations on top of the separations without it."""
    built = _built(ALL, network_kind="empirical")
    model = built.model
    state = model.initial_state(1, PolicyHooks().broadcast(1, model.n))
    state.hc = 0.2 * state.e
    target = state.e + state.v - 0.5 * state.e  # demand far below employment: nothing restored
    kept = PolicyHooks(work_sharing=0.0).broadcast(1, model.n)
    ends = replace(kept, short_time_end=np.full((1, model.n), 0.25))
    s0, f0 = step(state, model, kept, target)
    s1, f1 = step(state, model, ends, target)
    np.testing.assert_allclose(f0.hours_restored, 0.0)
    np.testing.assert_allclose(f1.separations - f0.separations, 0.25 * state.hc, rtol=1e-12)
    np.testing.assert_allclose(s0.hc - s1.hc, 0.25 * state.hc, rtol=1e-12)
    np.testing.assert_allclose(s1.workers(), state.workers(), rtol=1e-12)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_a_demand_shift_is_exactly_more_target_demand(engine) -> None:
    """Known answer: the demand_shift hook (persons per node) gives the step of the target plus the shift."""
    built = _built(ALL, network_kind="empirical")
    model = built.model
    shift = np.random.default_rng(5).uniform(0, 500, (1, model.n))
    plain = PolicyHooks().broadcast(1, model.n)
    shifted = replace(plain, demand_shift=shift)
    state = model.initial_state(1, plain)
    target = model.demand.at(1)
    if engine == "numpy":
        a, b = step(state, model, shifted, target)[0], step(state, model, plain, target + shift)[0]
    else:
        a, b = Stepper(model, shifted)(state, target).copy(), Stepper(model, plain)(state, target + shift).copy()
    for key in ("e", "u", "v", "f", "tr", "g", "x", "hc"):
        np.testing.assert_allclose(getattr(a, key), getattr(b, key), rtol=1e-13, err_msg=key)
    assert not np.allclose(a.v, step(state, model, plain, target)[0].v)


@pytest.mark.parametrize(("kind", "step_weeks"), [("empirical", 6.75), ("complete", 6.75), ("empirical", 1.0)])
def test_numba_kernel_equals_numpy_reference(kind, step_weeks) -> None:
    built = _built(ALL, network_kind=kind, step_weeks=step_weeks)
    model, B = built.model, 4
    hooks = _random_hooks(B, model.n, seed=1)
    a = run_meanfield(model, hooks, steps=50, engine="numpy", record_nodes=True)
    b = run_meanfield(model, hooks, steps=50, engine="numba", record_nodes=True)
    for key in a.nodes:
        np.testing.assert_allclose(b.nodes[key], a.nodes[key], rtol=1e-11, atol=1e-8)


@pytest.mark.parametrize("hook", HOOK_ORDER)
def test_each_kernel_hook_is_read_where_it_is_packed(hook) -> None:
    """One hook away from its default, the others at theirs: the numba kernel (hooks packed by HOOK_ORDER and
    read by position) equals the numpy reference (hooks read by name), and the hook moves the result."""
    model = _built(ALL, network_kind="empirical").model
    value = {"demand_shift": 1e3}.get(hook, 0.5 if HOOKS[hook][0] == 0.0 else 1.3)  # demand_shift in persons
    partner = {"short_time_end": {"work_sharing": 0.5}}.get(hook, {})  # acts only on hours already cut
    hooks = PolicyHooks(**partner, **{hook: value}).broadcast(1, model.n)
    ref = fast = start = model.initial_state(1, PolicyHooks().broadcast(1, model.n))
    stepper = Stepper(model, hooks)
    for t in range(20):
        target = model.demand.at(t + 1)
        ref = step(ref, model, hooks, target)[0]
        fast = stepper(fast, target).copy()
    for name in ("e", "u", "v", "f", "tr", "g", "x"):
        np.testing.assert_allclose(getattr(fast, name), getattr(ref, name), rtol=1e-11, atol=1e-9, err_msg=name)
    plain = start
    for t in range(20):
        plain = step(plain, model, PolicyHooks(**partner).broadcast(1, model.n), model.demand.at(t + 1))[0]
    if hook != "search_precision" or model.skills is not None:
        assert not np.allclose(ref.u, plain.u, rtol=1e-9), f"{hook} has no effect"


def test_flows_balance_stocks() -> None:
    built = _built(ALL)
    model = built.model
    hooks = _random_hooks(2, model.n).broadcast(2, model.n)
    s0 = model.initial_state(2, hooks)
    s1, fl = step(s0, model, hooks, model.demand.at(1))
    np.testing.assert_allclose(s1.e, s0.e - fl.separations - fl.e_to_f + fl.hires, rtol=1e-12)
    np.testing.assert_allclose(s1.v, s0.v + fl.openings - fl.hires, rtol=1e-12)
    np.testing.assert_allclose(fl.hires.sum(axis=1), (fl.u_hired + fl.f_hired + fl.g_hired).sum(axis=1), rtol=1e-12)
    assert np.all(fl.hires <= s0.v + 1e-9)


@pytest.mark.parametrize("step_weeks", [6.75, 52 / 12, 1.0])
def test_complete_network_reaches_the_analytic_steady_state(step_weeks) -> None:
    """Complete network, constant demand d = (1 + du) e0, rates per 6.75 weeks and a = step / 6.75
    applications per searcher and step (rates per step: a du, a dv, a gv): every node has tightness theta with
    du (y - 1) / (1 - exp(-y)) = (du - dv) / ((1 - a dv) gv), y = 1/theta; hiring probability per
    application P = (1 - exp(-y)) / y, per step a P; u/(e+u) = (du/P) / (1 + du/P); LTU share of u =
    (1 - a P)^(tau - 1). At a = 1 this is the paper's model; the run starts there (converged start)."""
    built = _built(network_kind="complete", index="none", step_weeks=step_weeks)
    p = built.model.params
    a, du, dv, gv, tau = step_weeks / 6.75, 0.016, 0.012, 0.16, p.ltu_steps
    assert p.applications_per_step == pytest.approx(a) and p.delta_u == pytest.approx(a * du)
    assert tau == max(1, round(27 / step_weeks))
    c = (du - dv) / ((1 - a * dv) * gv)
    y = brentq(lambda y: du * (y - 1) / (1 - np.exp(-y)) - c, 1.0, 20.0)
    P = (1 - np.exp(-y)) / y
    rate = (du / P) / (1 + du / P)
    traj = run_meanfield(built.model, steps=int(300 * 6.75 / step_weeks), record_nodes=False)
    rates = traj.rates()
    assert built.model.burn_in.converged and built.model.burn_in.steps > 0
    for t in (0, -1):  # the converged start is the steady state (burn-in tolerance: rel. 1e-4 here)
        assert rates["unemployment_rate"][0, t] == pytest.approx(rate, rel=1e-4)
        assert rates["long_term_unemployment_rate"][0, t] == pytest.approx(rate * (1 - a * P) ** (tau - 1),
                                                                            rel=1e-4)
    node_rates = traj.node_summary["unemployment_rate_final"][0]
    np.testing.assert_allclose(node_rates[built.model.e0 > 0], rate, rtol=1e-4)
    vac = rates["vacancy_rate"][0, -1]
    v_over_e = du / (1 - np.exp(-y))
    assert vac == pytest.approx(v_over_e / (1 + v_over_e), rel=1e-4)


def test_scenario_unknown_key_suggests_the_closest() -> None:
    with pytest.raises(InputError, match="unknown key 'delta_uu'") as err:
        scenario.from_dict({"market": {"delta_uu": 0.01}})
    assert "delta_u" in str(err.value)
    with pytest.raises(InputError, match="unknown key 'shok'") as err:
        scenario.from_dict({"shok": {}})
    assert "shock" in str(err.value)


@pytest.mark.parametrize("market", [{"delta_u": -0.1}, {"gamma_v": 1.5}, {"steps": 0}, {"steps": -3},
                                    {"mode": "agent"}, {"network": "skill"}, {"extensions": ["flex"]}])
def test_bad_scenario_values_are_clear_errors(market) -> None:
    with pytest.raises(InputError):
        scenario.from_dict({"market": market})


def test_unknown_exposure_index_suggests_the_closest() -> None:
    with pytest.raises(NotFoundError, match="unknown exposure index 'gpts_bet'") as err:
        _built(index="gpts_bet")
    assert "gpts_beta" in str(err.value)


def test_bad_hooks_are_clear_errors() -> None:
    with pytest.raises(InputError, match="search_precision"):
        PolicyHooks(search_precision=1.5).broadcast(1, 5)
    with pytest.raises(InputError):
        PolicyHooks(matching_efficiency=np.ones((3, 4))).broadcast(3, 5)


def test_cli_bad_scenario_exits_nonzero(tmp_path, capsys) -> None:
    from workshift.cli import main

    path = tmp_path / "bad.toml"
    path.write_text("[market]\nstepz = 10\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", str(path)])
    assert exit_info.value.code == 2
    assert "did you mean 'steps'" in capsys.readouterr().err
    path.write_text("[market]\nsteps = 0\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", str(path)])
    assert exit_info.value.code == 2


def test_simulate_batch_runs_a_population_of_policies_at_once() -> None:
    from workshift.market.run import simulate, simulate_batch

    sc = scenario.from_dict({"market": {"extensions": ["flexible", "training", "income"], "steps": 40},
                             "shock": {"index": "gpts_beta", "start_step": 8, "adoption_steps": 20}})
    inputs = synthetic(30, 5)
    hooks = PolicyHooks(matching_efficiency=np.array([1.0, 1.3, 0.7])[:, None],
                        training_multiplier=np.array([1.0, 10.0, 1.0])[:, None])
    batch = simulate_batch(sc, hooks, inputs)
    assert batch.rates["unemployment_rate"].shape == (3, 41)
    assert batch.node["unemployment_rate_peak"].shape == (3, 30)
    single = simulate(sc, inputs, record_nodes=False)
    np.testing.assert_allclose(batch.rates["unemployment_rate"][0], single.series["unemployment_rate"], rtol=1e-12)
    peak = batch.summary_array("peak_unemployment_rate")
    assert peak[1] < peak[0] < peak[2]  # better matching (and more training) lowers unemployment, worse raises it
    assert batch.rates["training_share"][1, -1] > batch.rates["training_share"][0, -1]
    assert "mean_total_income" in batch.summary[0]
