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
        parse_policy({"budget": 1, "currency": "EUR"}, levers)


def test_objective_resolution_and_formulas() -> None:
    objs = resolve_objectives(None, ["insurance", "income"], has_shock=True)
    assert [o.key for o in objs] == ["employment_rate", "job_quality", "income", "cost"]
    with pytest.raises(InputError) as err:
        resolve_objectives("employment_rate,incme", ["income"], True)
    assert "did you mean 'income'" in str(err.value)
    with pytest.raises(InputError, match="cannot be computed"):
        resolve_objectives(["coverage"], [], has_shock=False)
    with pytest.raises(InputError, match="insurance"):
        resolve_objectives(["job_quality"], ["income"], has_shock=True)

    t = 4
    out = {"employed": np.full((1, t), 90.0), "flexible": np.full((1, t), 5.0),
           "unemployed": np.full((1, t), 5.0), "ltu": np.full((1, t), 1.0),
           "labour_force": np.full((1, t), 100.0), "insured": np.full((1, t), 85.5),
           "unstable": np.full((1, t), 1.9), "income": np.full((1, t), 5e6),
           "u_ref": np.full(t, 4.0)}
    m = simulated_metrics(out, dt_years=0.25)
    assert m["employment_rate"][0] == pytest.approx(0.95)
    assert m["insurance_coverage"][0] == pytest.approx(0.9)
    assert m["earnings_stability"][0] == pytest.approx(0.98)
    assert m["job_quality"][0] == pytest.approx((0.9 + 0.98 + 0.99) / 3)
    assert m["income"][0] == pytest.approx(5e4)
    assert m["ai_displacement"][0] == pytest.approx(1.0)  # 1 extra unemployed over 4 quarters
    reached = np.array([[50.0, 0.0], [50.0, 50.0], [500.0, 0.0]])
    assert coverage(reached, 100.0).tolist() == pytest.approx([0.5, 0.75, 1.0])
