"""Optimisers on an analytic problem with a known front: accuracy, budget, reproducibility, hypervolume."""

from __future__ import annotations

import numpy as np
import pytest

from workshift.errors import InputError
from workshift.optimize.front import hypervolume, non_dominated, normalise, recommend, reference_point
from workshift.optimize.search import optimise
from workshift.optimize.toy import ConcaveToy
from workshift.policy.objectives import OBJECTIVES

EMP_COST = (OBJECTIVES["employment_rate"], OBJECTIVES["cost"])
THREE = (OBJECTIVES["employment_rate"], OBJECTIVES["job_quality"], OBJECTIVES["cost"])


def _toy(n: int = 3, seed: int = 0) -> ConcaveToy:
    rng = np.random.default_rng(seed)
    return ConcaveToy(a=rng.uniform(0.005, 0.02, n), c=rng.uniform(0.5, 2.0, n), q=rng.uniform(-0.02, 0.02, n))


def _run(toy: ConcaveToy, budget: float, algorithm: str = "nsga2", objectives=EMP_COST, pop=40, gens=25,
         seed=3):
    n = len(toy.a)
    return optimise(toy, np.zeros(n), np.ones(n), np.zeros(n), objectives, budget, toy.baseline(),
                    algorithm=algorithm, pop=pop, generations=gens, seed=seed, repair=toy.repair(budget))


def _attained_share(toy: ConcaveToy, cost: np.ndarray, emp: np.ndarray, budget: float) -> float:
    """Area under the found front's attainment curve over [0, budget], as a share of the analytic front's.

    The attainment curve is the best employment reached at a spending <= c (a step function of the
    evaluated front); 1.0 means the front is the analytic one everywhere.
    """
    order = np.argsort(cost)
    best = np.maximum.accumulate(emp[order])
    grid = np.linspace(0.0, budget, 4001)
    at = np.searchsorted(cost[order], grid, side="right") - 1
    attained = np.where(at >= 0, best[np.clip(at, 0, None)], toy.e0)
    return float(np.trapezoid(attained - toy.e0, grid) / np.trapezoid(toy.front(grid) - toy.e0, grid))


SEEDS = (1, 2, 3, 4, 5)


@pytest.mark.parametrize("seed", SEEDS)
def test_nsga2_finds_the_analytic_front_within_budget(seed: int) -> None:
    """Properties any correct NSGA-II must have on a concave problem, for each of five seeds.

    Exact invariants: every front member is within budget and none beats the analytic optimum.
    Tolerances (measured over 10 seeds with pymoo 0.6.1.6 and 0.6.2, 40 x 25 evaluations): the
    attainment area is 0.982-0.990 of the analytic one, so >= 0.97 leaves room for a different but
    correct implementation while failing a search that converges to a part of the front only
    (random search reaches 0.53-0.68); the median front member is within 2e-4 of the optimum (measured
    <= 9e-5); 90 % of members waste < 5 % of the budget (measured <= 2.1 %). The worst single member is
    not asserted: it is one seed's path, and moved from 2.5 % to 9.9 % of the budget between releases.
    """
    toy = _toy()
    budget = 0.5  # the unconstrained optimum stays inside x <= 1 up to this spending
    res = _run(toy, budget, seed=seed)
    cost = res.values["cost"][res.pareto]
    emp = res.values["employment_rate"][res.pareto]
    assert res.evaluations == 40 * 25
    assert len(res.pareto) > 20
    assert np.all(cost <= budget + 1e-12)
    gap = toy.front(cost) - emp
    assert gap.min() > -1e-12  # nothing beats the analytic optimum
    # the spending the analytic optimum needs for the same employment
    needed = (emp - toy.e0) ** 2 / np.sum(toy.a**2 / toy.c)
    assert np.quantile(cost - needed, 0.9) < 0.05 * budget
    assert np.median(gap) < 2e-4
    assert _attained_share(toy, cost, emp, budget) >= 0.97


def test_random_search_attains_less_of_the_front() -> None:
    """The attainment share separates a converging search from an unguided one (same evaluations)."""
    toy = _toy()
    shares = []
    for seed in SEEDS[:3]:
        res = _run(toy, 0.5, "random", seed=seed)
        shares.append(_attained_share(toy, res.values["cost"][res.pareto],
                                      res.values["employment_rate"][res.pareto], 0.5))
    assert max(shares) < 0.97


@pytest.mark.parametrize("algorithm", ["nsga3", "ga", "pso", "random"])
def test_every_algorithm_respects_the_budget(algorithm: str) -> None:
    toy = _toy(4)
    res = _run(toy, 1.0, algorithm, THREE, pop=24, gens=8)
    assert res.evaluations == 24 * 8 and len(res.pareto) >= 1
    assert np.all(res.values["cost"][res.pareto] <= 1.0 + 1e-12)
    assert res.recommended in set(res.pareto.tolist())


def test_zero_budget_leaves_only_the_baseline() -> None:
    toy = _toy()
    for algorithm in ("nsga2", "random", "ga"):
        res = _run(toy, 0.0, algorithm, pop=20, gens=5)
        assert np.all(res.x[res.pareto] == 0.0), algorithm
        assert np.all(res.x[res.feasible] == 0.0)
        assert res.values["cost"][res.recommended] == 0.0


def test_nsga2_beats_random_search_at_equal_evaluations() -> None:
    toy = _toy(12, seed=5)
    wins = 0
    for seed in (1, 2, 3):
        hv_nsga = _run(toy, 2.0, "nsga2", THREE, pop=40, gens=30, seed=seed).hypervolume
        hv_rand = _run(toy, 2.0, "random", THREE, pop=40, gens=30, seed=seed).hypervolume
        wins += hv_nsga > hv_rand
    assert wins == 3


def test_same_seed_same_result_and_other_seed_differs() -> None:
    toy = _toy()
    a, b, c = (_run(toy, 0.8, "nsga2", THREE, pop=20, gens=6, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.x, b.x) and a.hypervolume == b.hypervolume and a.recommended == b.recommended
    assert not np.array_equal(a.x, c.x)


def test_non_dominated_and_recommendation_known_answers() -> None:
    z = np.array([[1.0, 5.0], [2.0, 2.0], [5.0, 1.0], [3.0, 3.0], [2.0, 2.0]])
    assert non_dominated(z).tolist() == [0, 1, 2]
    # ideal (1,1), nadir (5,5): scaled distances 1, 0.35, 1 -> the middle one
    assert recommend(z[[0, 1, 2]]) == 1


def test_hypervolume_normalisation_reference_and_mc() -> None:
    objs = EMP_COST
    base = {"employment_rate": 0.9}
    natural = np.array([[0.9, 0.0], [0.909, 50.0]])  # baseline; +1 % employment for half the budget
    z = normalise(natural, objs, base, budget=100.0)
    assert np.allclose(z, [[0.0, 0.0], [-1.0, 50.0]])
    ref = reference_point(objs)
    assert ref.tolist() == [1.0, 101.0]
    # baseline box 1 x 101, plus the second point's extra strip 1 x 51
    assert hypervolume(z, ref) == pytest.approx(101 + 51)
    rng = np.random.default_rng(0)
    z5 = -rng.random((30, 5)) * 5
    exact = hypervolume(z5[:, :4], np.ones(4))
    from pymoo.indicators.hv import HV

    exact5 = float(HV(ref_point=np.ones(5))(z5))
    mc5 = hypervolume(z5, np.ones(5), seed=1, mc_samples=400_000)
    assert exact > 0 and mc5 == pytest.approx(exact5, rel=0.02)
    assert hypervolume(z5, np.ones(5), seed=1, mc_samples=50_000) == hypervolume(z5, np.ones(5), seed=1,
                                                                                   mc_samples=50_000)


def test_bad_algorithm_and_sizes() -> None:
    toy = _toy()
    with pytest.raises(InputError, match="unknown algorithm 'nsga'"):
        _run(toy, 1.0, "nsga")
    with pytest.raises(InputError):
        _run(toy, 1.0, "nsga2", pop=1)
    with pytest.raises(InputError):
        _run(toy, 1.0, "nsga2", gens=0)


def test_search_stores_hypervolume_per_generation_and_stops_on_its_tolerance() -> None:
    """The archive's hypervolume never falls; with a loose tolerance the search stops early and says so."""
    from workshift.optimize.algorithms import Convergence

    toy = _toy()
    n = len(toy.a)

    def run(algorithm: str, gens: int, **kw):
        return optimise(toy, np.zeros(n), np.ones(n), np.zeros(n), EMP_COST, 1.0, toy.baseline(),
                        algorithm=algorithm, pop=16, generations=gens, seed=1, repair=toy.repair(1.0), **kw)

    tight = run("nsga2", 6, tolerance=0.0, window=50)
    h = tight.hypervolume_history
    assert len(h) == 6 and not tight.converged and all(b >= a - 1e-9 for a, b in zip(h, h[1:], strict=False))
    loose = run("nsga2", 60, tolerance=100.0, window=2)
    assert loose.converged and len(loose.hypervolume_history) == 3
    rand = run("random", 40, tolerance=100.0, window=2)
    assert rand.converged and rand.evaluations < 16 * 40
    stop = Convergence(10, lambda: 1.0, tolerance=0.0, window=3)
    stop.history = [1.0, 2.0, 3.0, 3.0, 3.0]
    assert not stop.converged  # 3.0 - 2.0 over the last three generations
    stop.history.append(3.0)
    assert stop.converged
