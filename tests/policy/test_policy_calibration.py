"""Participant effects reproduce the cited profiles; every lever's hooks move monotonically with intensity."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from workshift.policy.calibration import (
    KAPPA_MAX_MONTHS,
    Rates,
    calibrate,
    calibrate_all,
    employment_paths,
    window_effects,
)
from workshift.policy.catalogue import packaged_levers
from workshift.policy.mapping import MAPPINGS, Context, combine

# engine-like rates: monthly steps (the optimiser's default) and the paper's 6.75-week steps
RATES = [Rates(0.17, 0.0105, 1.0), Rates(0.25, 0.016, (52 / 12) / 6.75)]


@pytest.mark.parametrize("rates", RATES)
def test_calibrated_participants_reproduce_cited_profiles(rates: Rates) -> None:
    levers = packaged_levers()
    fits = calibrate_all(levers, rates)
    assert set(fits) == {"training", "job_matching", "hiring_subsidy", "entrepreneurship"}
    for lid, fit in fits.items():
        target = np.array(levers[lid].participant_profile)
        # re-simulate participants vs comparable non-participants with the fitted parameters
        got = window_effects(rates, fit.duration_steps, fit.search_during, fit.a, fit.b, fit.kappa)
        assert np.allclose(got, fit.fitted)
        assert np.max(np.abs(got - target)) < 1.0, (lid, got, target)


@pytest.mark.parametrize("rates", RATES)
def test_a_fit_at_the_kappa_bound_is_a_linear_build_up_not_a_constraint(rates: Rates) -> None:
    """Levers whose fit reaches KAPPA_MAX_MONTHS: with a tenfold bound the multiplier path over the three
    years moves by under 1 % and the fitted windows by under 0.05 pp (only b / kappa is identified)."""
    levers = packaged_levers()
    at_bound = 0
    for lid in ("training", "hiring_subsidy", "entrepreneurship", "job_matching"):
        fit, wide = calibrate(levers[lid], rates), calibrate(levers[lid], rates, kappa_max=10 * KAPPA_MAX_MONTHS)
        tau = np.linspace(0.0, 36.0, 37)
        np.testing.assert_allclose(wide.multiplier(tau), fit.multiplier(tau), rtol=0.01, err_msg=lid)
        np.testing.assert_allclose(wide.fitted, fit.fitted, atol=0.05, err_msg=lid)
        at_bound += fit.kappa > 0.99 * KAPPA_MAX_MONTHS
    assert at_bound >= 1  # the case this test is about occurs


def test_lock_in_shows_up_while_training_runs() -> None:
    rates = RATES[0]
    fit = calibrate(packaged_levers()["training"], rates)
    part, comp = employment_paths(rates, 0, 1.0, fit.a, fit.b, fit.kappa, months_after=1)
    assert part[0] >= comp[0]  # with no programme time there is no lock-in
    part, comp = employment_paths(rates, fit.duration_steps, 0.0, 0.0, 0.0, fit.kappa)
    assert part[0] < comp[0]  # trainees out of search fall behind during the course


@cache
def _ctx(n: int = 6) -> Context:
    levers = packaged_levers()
    fits = calibrate_all(levers, RATES[0])
    return Context(n=n, steps_per_year=12.0, job_finding_month=0.17, unemployed=1e6,
                   openings_per_step=np.full(n, 2e4), employment=np.linspace(1e6, 2e6, n),
                   growing=np.arange(n) % 2 == 0, training_rate=0.003, flexible_entry_per_step=5e3,
                   coverage_flexible=0.0, levers=levers, calibration=fits,
                   demand_ratio=np.linspace(0.8, 1.3, n))


# the hook each lever moves in its participants' favour, and the direction (+1 up, -1 down)
DIRECT = {
    "training": [("training_multiplier", +1), ("matching_efficiency", +1)],
    "job_matching": [("matching_efficiency", +1)],  # precision_gain is 0 by default
    "hiring_subsidy": [("demand_shift", +1), ("matching_efficiency", +1)],
    "flexible_support": [("flexible_income", +1), ("flexible_multiplier", +1)],
    "flexible_insurance": [("flexible_coverage", +1)],
    "entrepreneurship": [("flexible_multiplier", +1)],  # founders enter self-employment, within its demand
    "working_time": [("work_sharing", +1)],
    "ai_augmentation": [("demand_kept", +1)],
}


@pytest.mark.parametrize("lever", sorted(DIRECT))
def test_more_of_a_lever_never_lowers_its_direct_effect(lever: str) -> None:
    ctx = _ctx()
    lo, hi = packaged_levers()[lever].bounds
    x = np.linspace(lo, hi, 25)
    hooks = combine([MAPPINGS[lever](x, ctx)], len(x), ctx.n)
    zero = combine([MAPPINGS[lever](np.zeros(1), ctx)], 1, ctx.n)
    for name, sign in DIRECT[lever]:
        arr = hooks[name]
        steps = np.diff(arr, axis=0) * sign
        assert np.all(steps >= -1e-12), (lever, name)
        assert np.any(steps > 0), (lever, name)
    # zero intensity is exactly no effect
    for name, arr in zero.items():
        default = 0.0 if name in ("search_precision", "work_sharing", "demand_kept", "demand_shift") else 1.0
        if name == "short_time_end":  # no funding: every benefit ends (nothing is cut, so no effect)
            assert np.allclose(arr, 1.0 if lever == "working_time" else 0.0), (lever, name)
        elif name == "flexible_coverage":
            assert np.all(np.isnan(arr)) or np.allclose(arr, ctx.coverage_flexible)
        else:
            assert np.allclose(arr, default), (lever, name)


def test_flexible_entry_stays_within_each_occupations_flexible_demand() -> None:
    """Known answer: the entry factor of node i is 1 + min(entry_gain x, (1 + headroom) r_i - 1, floored at 0);
    a node AI shrinks by more than the headroom gets no extra entry, and without the demand ratio none does."""
    ctx = _ctx()
    lever = packaged_levers()["flexible_support"]
    gain, headroom = lever.effect("entry_gain"), lever.effect("demand_headroom")
    assert gain > 0 and headroom > 0
    x = np.array([0.0, 0.1, 0.5, 1.0])
    factor = combine([MAPPINGS["flexible_support"](x, ctx)], len(x), ctx.n)["flexible_multiplier"]
    room = np.maximum((1.0 + headroom) * ctx.demand_ratio - 1.0, 0.0)
    assert np.allclose(factor, 1.0 + np.minimum(gain * x[:, None], room[None, :]))
    shrinking = (1.0 + headroom) * ctx.demand_ratio <= 1.0
    assert shrinking.any() and np.all(factor[:, shrinking] == 1.0)
    assert np.all(factor - 1.0 <= room[None, :] + 1e-15)
    none = combine([MAPPINGS["flexible_support"](x, replace(ctx, demand_ratio=None))], len(x),
                   ctx.n)["flexible_multiplier"]
    assert np.all(none == 1.0)


def test_founders_enter_self_employment_within_its_demand() -> None:
    """Known answer: start-up grants raise flexible entry by the extra hires their calibrated profile
    implies, (gain - 1) f U per step over the entry flow, capped by each occupation's flexible-work demand;
    they never raise matching efficiency (founders do not fill vacancies)."""
    ctx = _ctx()
    x = np.array([0.0, 0.05, 0.2])
    out = MAPPINGS["entrepreneurship"](x, ctx)
    assert set(out) == {"flexible_entry", "flexible_room"}
    out = combine([out], len(x), ctx.n)
    assert np.all(out["matching_efficiency"] == 1.0)
    extra = (ctx.participant_gain(x, "entrepreneurship") - 1.0) * ctx.job_finding_step * ctx.unemployed
    room = np.maximum((1.0 + packaged_levers()["flexible_support"].effect("demand_headroom"))
                      * ctx.demand_ratio - 1.0, 0.0)
    np.testing.assert_allclose(out["flexible_multiplier"],
                               1.0 + np.minimum(extra / ctx.flexible_entry_per_step, room[None, :]))
    assert np.all(out["flexible_multiplier"][:, room == 0] == 1.0) and out["flexible_multiplier"][2].max() > 1.0


def test_working_time_never_touches_routine_churn() -> None:
    """Short-time work acts through work sharing (demand-driven separations only), not on all separations."""
    hooks = combine([MAPPINGS["working_time"](np.array([0.0, 0.5]), _ctx())], 2, 6)
    assert np.all(hooks["separation_multiplier"] == 1.0) and np.all(hooks["exit_multiplier"] == 1.0)
    assert np.allclose(hooks["work_sharing"][:, 0], [0.0, 0.5])
    # the benefit lasts its duration on average (geometric), and ends with funding
    months = packaged_levers()["working_time"].effect("duration")
    assert np.allclose(hooks["short_time_end"][:, 0], [1.0, 1.0 / months])


def test_every_lever_file_has_one_mapping_and_no_unknown_hook() -> None:
    assert set(MAPPINGS) == set(packaged_levers())
    with pytest.raises(KeyError, match="unknown hook"):
        combine([{"vacancy_multiplyer": np.ones((1, 1))}], 1, 6)


def test_reach_probability_matches_a_simulation_of_spells() -> None:
    """P(a spell is reached at least once) for geometric spells, against a direct simulation (5 seeds)."""
    from workshift.policy.objectives import reach_probability

    assert reach_probability(np.array([0.0]), 0.2)[0] == 0.0
    assert reach_probability(np.array([1.0]), 0.2)[0] == pytest.approx(1.0)
    r, q = 0.03, 0.15
    exact = reach_probability(np.array([r]), q)[0]
    for seed in range(5):
        rng = np.random.default_rng(seed)
        d = rng.geometric(q, 200_000)
        sim = 1.0 - np.mean((1.0 - r) ** d)
        assert abs(sim - exact) < 0.004, seed


def test_cohort_effect_persists_after_funding_and_builds_up() -> None:
    """The treated stock is a cohort sum: constant funding gives the steady state from the second year on
    (Little's law), funding for one year leaves an effect in the next, and nothing before the programme."""
    ctx = _ctx()
    d = ctx.treated_months("training") / 12.0
    years = 6
    const = ctx.cohort_intensity(np.full((1, years), 0.2), "training")[0]
    full = int(np.ceil(d)) + 1
    np.testing.assert_allclose(const[full:], 0.2, rtol=1e-9)
    assert np.all(np.diff(const) >= -1e-12) and const[0] < 0.2
    once = ctx.cohort_intensity(np.array([[0.0, 0.2, 0.0, 0.0, 0.0, 0.0]]), "training")[0]
    assert once[0] == 0.0 and once[2] > 0.0  # persists after funding stops
    # the cohort's whole treated time (x D) falls inside the six years (D is at most three)
    assert once.sum() == pytest.approx(0.2, rel=1e-6)


def test_entrants_job_finding_is_the_runs_trainee_job_finding() -> None:
    """phi comes from the engine's trainee_job_finding (default) or the run's Rates; the calibration and the
    mapping's treated share follow it."""
    from workshift.market.params import PARAMETERS

    base = RATES[0]
    assert base.phi == PARAMETERS["trainee_job_finding"].value == 0.25
    other = replace(base, phi=0.5)
    lever = packaged_levers()["training"]
    a, b = calibrate(lever, base), calibrate(lever, other)
    assert abs(a.a - b.a) + abs(a.b - b.b) > 1e-3  # a different entrant refits the profile
    part_a, comp_a = employment_paths(base, 6, 0.0, 0.0, 0.0, 12.0)
    part_b, comp_b = employment_paths(other, 6, 0.0, 0.0, 0.0, 12.0)
    assert comp_b[0] > comp_a[0]  # comparable non-participants find jobs faster at phi = 0.5


def test_flexible_entry_levers_share_one_demand_room() -> None:
    """Gap 6 (rev13): flexible_support and entrepreneurship add their entry gains and the sum is clipped to the
    occupation's flexible-work demand room once, so together at their maximum (factor - 1) / room <= 1 on
    every node (clipping each lever and multiplying the factors gave about 2 x room); below the room the
    gains add."""
    ctx = _ctx()
    levers = packaged_levers()
    x = {k: np.array([levers[k].bounds[1]]) for k in ("flexible_support", "entrepreneurship")}
    room = np.maximum((1.0 + levers["flexible_support"].effect("demand_headroom")) * ctx.demand_ratio - 1.0, 0.0)
    both = combine([MAPPINGS[k](x[k], ctx) for k in x], 1, ctx.n)["flexible_multiplier"][0]
    alone = [combine([MAPPINGS[k](x[k], ctx)], 1, ctx.n)["flexible_multiplier"][0] for k in x]
    assert (room > 0).any() and all(np.any(a - 1.0 >= room - 1e-12) for a in alone)  # each alone fills it
    assert np.all(both - 1.0 <= room + 1e-12)
    np.testing.assert_allclose(both, 1.0 + room)
    small = {k: v * 1e-4 for k, v in x.items()}  # far below the room: the two gains add
    gains = [combine([MAPPINGS[k](small[k], ctx)], 1, ctx.n)["flexible_multiplier"][0] - 1.0 for k in small]
    joint = combine([MAPPINGS[k](small[k], ctx) for k in small], 1, ctx.n)["flexible_multiplier"][0] - 1.0
    has = room > 1e-3
    np.testing.assert_allclose(joint[has], (gains[0] + gains[1])[has], rtol=1e-9)
