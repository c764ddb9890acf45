"""Portfolios, schedules and costs; the [policy] section; objective definitions."""

from __future__ import annotations

import numpy as np
import pytest

from workshift.errors import InputError
from workshift.policy.catalogue import packaged_levers
from workshift.policy.objectives import coverage, resolve_objectives, simulated_metrics
from workshift.policy.portfolio import CostModel, PortfolioSpace, phase_years
from workshift.policy.spec import parse_policy


def _space(phases=2, years=4, ids=("training", "job_matching", "working_time")):
    levers = [packaged_levers()[i] for i in ids]
    return PortfolioSpace.build(levers, None, years, phases)


def test_phase_layout() -> None:
    assert phase_years(10, 3).tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert phase_years(4, [1, 3]).tolist() == [0, 1, 1, 1]
    assert phase_years(3, 1).tolist() == [0, 0, 0]
    with pytest.raises(InputError):
        phase_years(3, 4)
    with pytest.raises(InputError):
        phase_years(3, [1, 1])


def test_cost_is_linear_discounted_and_matches_schedule() -> None:
    space = _space()
    unit = np.array([10_000.0, 1_000.0, 5.0])
    target = np.array([[100.0, 100, 120, 120], [100, 100, 120, 120], [1e4, 1e4, 1e4, 1e4]])
    model = CostModel(space, unit, target)
    x = space.from_dict({"training": [0.1, 0.2], "job_matching": 0.5, "working_time": [1.0, 0.0]})
    # training 0.1*100*1e4*2 + 0.2*120*1e4*2; matching 0.5*1000*(440); working time 1*1e4*5*2
    expected = 2e5 + 4.8e5 + 0.5 * 1000 * 440 + 1e5
    assert model.cost(x)[0] == pytest.approx(expected)
    sched = model.schedule(x, 2026)
    assert sched["spending"].sum() == pytest.approx(expected)
    assert sched.groupby("year")["spending"].sum().index.tolist() == [2026, 2027, 2028, 2029]
    disc = CostModel(space, unit, target, discount_rate=0.05)
    per_year = sched.groupby("year")["spending"].sum().to_numpy()
    assert disc.cost(x)[0] == pytest.approx((per_year / 1.05 ** np.arange(4)).sum())
    two = np.vstack([x, 2 * x])
    assert model.cost(two)[1] == pytest.approx(2 * model.cost(two)[0])


def test_repair_fits_budget_and_zero_budget_gives_baseline() -> None:
    space = _space()
    model = CostModel(space, np.array([1e4, 1e3, 5.0]), np.full((3, 4), 1000.0))
    rng = np.random.default_rng(0)
    x = space.xl + rng.random((50, space.n_vars)) * (space.xu - space.xl)
    fixed = model.repair(x, budget=5e5)
    assert np.all(model.cost(fixed) <= 5e5)
    cheap = model.cost(x) <= 5e5
    assert np.array_equal(fixed[cheap], x[cheap])
    assert np.all(model.repair(x, budget=0.0) == 0.0)


def test_space_validation() -> None:
    levers = [packaged_levers()["training"]]
    with pytest.raises(InputError, match="inverted"):
        PortfolioSpace.build(levers, {"training": (0.3, 0.1)}, 5, 1)
    space = PortfolioSpace.build(levers, {"training": (0.05, 0.1)}, 5, 5)
    assert space.n_vars == 5 and np.all(space.zero() == 0.05)
    assert space.as_dict(space.zero()) == {"training": [0.05] * 5}


def test_policy_section_validation() -> None:
    levers = packaged_levers()
    spec = parse_policy({"budget": 1e9, "horizon_years": 10, "phases": 5,
                         "levers": {"training": {"min": 0, "max": 0.2}}}, levers)
    assert spec.lever_ids(levers) == ["training"] and spec.bounds(levers) == {"training": (0.0, 0.2)}
    assert parse_policy({"budget": 0}, levers).lever_ids(levers) == list(levers)
    with pytest.raises(InputError, match="negative"):
        parse_policy({"budget": -1}, levers)
    with pytest.raises(InputError, match="inverted"):
        parse_policy({"budget": 1, "levers": {"training": {"min": 0.2, "max": 0.1}}}, levers)
    with pytest.raises(InputError) as err:
        parse_policy({"budget": 1, "levers": {"trainng": {}}}, levers)
    assert "did you mean 'training'" in str(err.value)
    with pytest.raises(InputError) as err:
        parse_policy({"budgit": 1}, levers)
    assert "did you mean 'budget'" in str(err.value)
    with pytest.raises(InputError, match="currency"):
        parse_policy({"budget": 1, "currency": "EUR"}, levers, pack_currency="USD")


def test_objective_resolution_and_formulas() -> None:
    objs = resolve_objectives(None, ["insurance", "income"], has_shock=True)
    assert [o.key for o in objs] == ["employment_to_population", "job_quality", "income", "cost"]
    with pytest.raises(InputError) as err:
        resolve_objectives("employment_rate,incme", ["income"], True)
    assert "did you mean 'income'" in str(err.value)
    with pytest.raises(InputError, match="cannot be computed"):
        resolve_objectives(["coverage"], [], has_shock=False)
    with pytest.raises(InputError, match="insurance"):
        resolve_objectives(["job_quality"], ["income"], has_shock=True)
    assert resolve_objectives(["ai_displacement"], [], has_shock=False)  # 0 without a shock, not refused

    t = 4
    out = {"employed": np.full((1, t), 88.0), "flexible": np.full((1, t), 5.0),
           "unemployed": np.full((1, t), 5.0), "trainees": np.full((1, t), 2.0), "ltu": np.full((1, t), 1.0),
           "labour_force": np.full((1, t), 100.0), "insured": np.full((1, t), 90.0),
           "shortfall": np.full((1, t), 2.0), "income": np.full((1, t), 5e6),
           "work_no_ai": np.full((1, t), 97.0)}
    m = simulated_metrics(out, dt_years=0.25, population=125.0, work_base=np.full(t, 92.0))
    assert m["employment_rate"][0] == pytest.approx(0.93)  # trainees in the labour force, not employed
    assert m["employment_to_population"][0] == pytest.approx(93 / 125)
    assert m["insurance_coverage"][0] == pytest.approx(0.9)
    assert m["earnings_stability"][0] == pytest.approx(0.98)
    assert m["job_quality"][0] == pytest.approx((0.9 + 0.98 + 0.99) / 3)  # no baseline: raw components
    base = {"insurance_coverage": 0.8, "earnings_stability": 0.96, "low_long_term_unemployment": 0.98}
    m0 = simulated_metrics(out, 0.25, 125.0, None, base)  # each component's shortfall closed, averaged
    assert m0["job_quality"][0] == pytest.approx((0.1 / 0.2 + 0.02 / 0.04 + 0.01 / 0.02) / 3)
    assert m["income"][0] == pytest.approx(5e4)
    assert m["ai_displacement"][0] == pytest.approx(4.0)  # 4 fewer at work over 4 quarters
    assert m["policy_effect"][0] == pytest.approx(1.0)  # 1 more at work than without new policy
    # two spells, reached each step with probability 1/4 (or never), ending with probability 1/4
    got = coverage(np.array([[0.25, 0.0], [0.0, 0.0]]), np.array([10.0, 10.0]), 0.25, np.array([0.0, 20.0]), 40.0)
    assert got.tolist() == pytest.approx([10 * 0.25 / (0.5 - 0.0625) / 40, 0.5])
