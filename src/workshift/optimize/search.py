"""Run one optimisation over a vectorised evaluator and summarise it (front, hypervolume, recommendation)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from pymoo.core.algorithm import Algorithm
from pymoo.core.repair import NoRepair
from pymoo.core.termination import Termination
from pymoo.optimize import minimize
from pymoo.termination.collection import TerminationCollection

from workshift.errors import InputError
from workshift.optimize.algorithms import (
    HV_TOLERANCE,
    HV_WINDOW,
    SCALAR,
    Convergence,
    check_algorithm,
    check_settings,
    make_algorithm,
    random_search,
)
from workshift.optimize.front import hypervolume, non_dominated, normalise, recommend, reference_point
from workshift.optimize.problem import BudgetRepair, Evaluator, PortfolioProblem
from workshift.policy.objectives import Objective, objective_matrix


@dataclass
class SearchResult:
    objectives: tuple[Objective, ...]
    x: np.ndarray  # (N, n_vars) every evaluated portfolio
    values: dict[str, np.ndarray]  # natural values (N,) per key (objectives and extra metrics)
    feasible: np.ndarray  # (N,) bool: cost <= budget
    pareto: np.ndarray  # indices into x: non-dominated feasible set
    recommended: int  # index into x
    hypervolume: float
    evaluations: int
    seconds: float
    algorithm: str
    seed: int
    hypervolume_history: list[float] = field(default_factory=list)  # per generation, of the archive so far
    converged: bool = False  # stopped because the hypervolume improved by less than the tolerance
    tolerance: float = HV_TOLERANCE
    window: int = HV_WINDOW

    @property
    def natural(self) -> np.ndarray:
        return objective_matrix(self.values, self.objectives)


def optimise(
    evaluate: Evaluator,
    xl: np.ndarray,
    xu: np.ndarray,
    zero: np.ndarray,
    objectives: Sequence[Objective],
    budget: float,
    baseline: Mapping[str, float],
    algorithm: str | Algorithm = "nsga2",
    pop: int = 100,
    generations: int = 100,
    seed: int = 1,
    weights: Sequence[float] | None = None,
    repair: Callable[[np.ndarray], np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
    tolerance: float = HV_TOLERANCE,
    window: int = HV_WINDOW,
    termination: Termination | None = None,
) -> SearchResult:
    """Search portfolios; ``pareto`` is the non-dominated feasible set of everything evaluated. The search
    stops after ``generations`` or once the hypervolume of the archive improved by less than ``tolerance``
    (relative) over ``window`` generations (:class:`Convergence`), or when ``termination`` (a pymoo
    termination) says so, whichever comes first.

    ``algorithm`` is a name of :data:`ALGORITHMS` or a pymoo :class:`~pymoo.core.algorithm.Algorithm` object,
    used with its own settings and sampling (a copy: the object passed is not changed); when it has no repair of
    its own it gets the budget repair the named algorithms use, so that its portfolios stay within the budget.
    ``pop`` then only matters to random search and the progress count."""
    name = _algorithm_name(algorithm)
    if termination is not None and not isinstance(termination, Termination):
        raise InputError(f"termination must be a pymoo Termination object (got {type(termination).__name__})",
                         parameter="termination")
    if termination is not None and name == "random":
        raise InputError("random search takes no termination object (it stops at generations or convergence)",
                         parameter="termination")
    check_settings(pop, generations, seed)
    objectives = tuple(objectives)
    if name in SCALAR:
        weights = np.full(len(objectives), 1.0 / len(objectives)) if weights is None else np.asarray(weights)
        if len(weights) != len(objectives):
            raise ValueError("one weight per objective")
    else:
        weights = None
    calls = {"n": 0}

    def counted(x: np.ndarray) -> dict[str, np.ndarray]:
        out = evaluate(x)
        calls["n"] += 1
        if progress is not None:
            progress(calls["n"], generations)
        return out

    problem = PortfolioProblem(xl, xu, counted, objectives, budget, baseline, weights)
    stop = Convergence(generations, lambda: archive_hypervolume(problem, seed), tolerance, window)
    rule = stop if termination is None else TerminationCollection(stop, termination)
    started = time.perf_counter()
    if name == "random":
        random_search(problem, pop, generations, seed, zero, repair, stop)
    else:
        algo = (make_algorithm(name, pop, len(objectives), seed, zero,
                               BudgetRepair(repair) if repair is not None else None)
                if isinstance(algorithm, str) else _with_repair(algorithm, repair))
        minimize(problem, algo, rule, seed=seed, verbose=False, copy_termination=False)
    seconds = time.perf_counter() - started
    result = summarise(problem, name, seed, seconds)
    result.hypervolume_history, result.converged = list(stop.history), stop.converged
    result.tolerance, result.window = tolerance, window
    return result


def _algorithm_name(algorithm: str | Algorithm) -> str:
    """The name recorded for ``algorithm``: a checked name of :data:`ALGORITHMS`, or the pymoo class's name in
    lower case (``nsga2``, ``moead``...)."""
    if isinstance(algorithm, str):
        return check_algorithm(algorithm)
    if isinstance(algorithm, Algorithm):
        return type(algorithm).__name__.lower()
    raise InputError(f"algorithm must be a name or a pymoo Algorithm object (got {type(algorithm).__name__})",
                     parameter="algorithm")


def _with_repair(algorithm: Algorithm, repair: Callable[[np.ndarray], np.ndarray] | None) -> Algorithm:
    """A copy of a user's pymoo algorithm with the budget repair where it has none (in its initialisation and
    mating too, which keep their own reference to it)."""
    algo = copy.deepcopy(algorithm)
    if repair is None or not isinstance(getattr(algo, "repair", None), NoRepair):
        return algo
    budget = BudgetRepair(repair)
    for part in (algo, getattr(algo, "initialization", None), getattr(algo, "mating", None)):
        if part is not None and isinstance(getattr(part, "repair", None), NoRepair):
            part.repair = budget
    return algo


def archive_hypervolume(problem: PortfolioProblem, seed: int) -> float:
    """Hypervolume (normalised space) of the feasible non-dominated set of everything evaluated so far."""
    x, values = problem.archive.stacked()
    if not len(x):
        return 0.0
    natural = objective_matrix(values, problem.objectives)
    feasible = values["cost"] <= problem.budget * (1 + 1e-9) + 1e-9
    z = normalise(natural, problem.objectives, problem.baseline, problem.budget)[feasible]
    if not len(z):
        return 0.0
    return hypervolume(z[non_dominated(z)], reference_point(problem.objectives), seed=seed)


def summarise(problem: PortfolioProblem, algorithm: str, seed: int, seconds: float) -> SearchResult:
    x, values = problem.archive.stacked()
    objectives = problem.objectives
    natural = objective_matrix(values, objectives)
    feasible = values["cost"] <= problem.budget * (1 + 1e-9) + 1e-9
    z = normalise(natural, objectives, problem.baseline, problem.budget)
    idx = np.flatnonzero(feasible)
    pareto = idx[non_dominated(z[idx])] if len(idx) else idx
    # the recommendation is made among the front's members (min-form natural values)
    rec = int(pareto[recommend(z[pareto], values["cost"][pareto])]) if len(pareto) else -1
    hv = hypervolume(z[pareto], reference_point(objectives), seed=seed) if len(pareto) else 0.0
    return SearchResult(objectives, x, values, feasible, pareto, rec, hv, len(x), seconds, algorithm, seed)
