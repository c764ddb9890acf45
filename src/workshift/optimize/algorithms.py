"""Optimisers as swappable objects: NSGA-II (default), NSGA-III, a single-objective GA on weighted
objectives, PSO, and random search as a baseline; terminations likewise.

NSGA-III is meant for four or more objectives (Das-Dennis reference directions: the finest lattice
with at most one direction per population member). GA and PSO optimise ``sum_j w_j z_j`` over the normalised objectives ``z`` (equal weights
unless given). Random search draws ``pop x generations`` uniform portfolios, evaluated ``pop`` at a time.
Every algorithm starts from a population that contains the no-policy portfolio.
"""

from __future__ import annotations

from collections.abc import Callable
from math import comb

import numpy as np
from pymoo.core.algorithm import Algorithm
from pymoo.core.problem import Problem
from pymoo.core.sampling import Sampling
from pymoo.core.termination import Termination

from workshift.errors import InputError, closest

ALGORITHMS = ("nsga2", "nsga3", "ga", "pso", "random")
SCALAR = ("ga", "pso")


class SeededUniformWithBaseline(Sampling):
    """Uniform random portfolios within the bounds; row 0 is the no-policy portfolio."""

    def __init__(self, zero: np.ndarray, seed: int) -> None:
        super().__init__()
        self.zero = np.asarray(zero, dtype=float)
        self.seed = seed

    def _do(self, problem: Problem, n_samples: int, **kwargs) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        x = problem.xl + rng.random((n_samples, problem.n_var)) * (problem.xu - problem.xl)
        x[0] = self.zero
        return x


def check_algorithm(name: str) -> str:
    if name not in ALGORITHMS:
        near = closest(name, ALGORITHMS)
        raise InputError(f"unknown algorithm '{name}'",
                         hint=(f"did you mean '{near}'? " if near else "") + f"known: {', '.join(ALGORITHMS)}")
    return name


MAX_SEED = 2**32 - 1


def check_settings(pop_size: int, generations: int, seed: int) -> None:
    """Population, generations and seed a search can run with (one-line errors, before any work)."""
    if pop_size < 1:
        raise InputError(f"pop = {pop_size} must be at least 1", parameter="pop")
    if generations < 1:
        raise InputError(f"generations = {generations} must be at least 1", parameter="generations")
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed = {seed} must be a whole number in [0, {MAX_SEED}]", parameter="seed")


def make_algorithm(name: str, pop_size: int, n_obj: int, seed: int, zero: np.ndarray,
                   repair: object | None = None) -> Algorithm | None:
    """The pymoo algorithm for ``name`` (None for random search, run by :func:`random_search`)."""
    check_algorithm(name)
    if pop_size < 2:
        raise InputError(f"pop must be at least 2 (got {pop_size})", parameter="pop")
    sampling = SeededUniformWithBaseline(zero, seed)
    extra = {"repair": repair} if repair is not None else {}
    if name == "nsga2":
        from pymoo.algorithms.moo.nsga2 import NSGA2

        return NSGA2(pop_size=pop_size, sampling=sampling, **extra)
    if name == "nsga3":
        from pymoo.algorithms.moo.nsga3 import NSGA3
        from pymoo.util.ref_dirs import get_reference_directions

        if n_obj < 2:
            raise InputError("nsga3 needs at least two objectives")
        # Das-Dennis directions: the most partitions whose count fits the population
        partitions = 1
        while comb(partitions + n_obj, n_obj - 1) <= pop_size:
            partitions += 1
        ref_dirs = get_reference_directions("das-dennis", n_obj, n_partitions=partitions)
        return NSGA3(ref_dirs=ref_dirs, pop_size=pop_size, sampling=sampling, **extra)
    if name == "ga":
        from pymoo.algorithms.soo.nonconvex.ga import GA

        return GA(pop_size=pop_size, sampling=sampling, **extra)
    if name == "pso":
        from pymoo.algorithms.soo.nonconvex.pso import PSO

        return PSO(pop_size=pop_size, sampling=sampling, **extra)
    return None


def make_termination(generations: int) -> Termination:
    if generations < 1:
        raise InputError(f"generations must be at least 1 (got {generations})", parameter="generations")
    from pymoo.termination import get_termination

    return get_termination("n_gen", generations)


HV_TOLERANCE = 1e-5
HV_WINDOW = 10


class Convergence(Termination):
    """Stop at ``generations`` or earlier, once the hypervolume of everything evaluated so far improved by
    less than ``tolerance`` (relative) over the last ``window`` generations. ``measure()`` gives the
    hypervolume of the archive; every generation's value is kept in ``history``."""

    def __init__(self, generations: int, measure: Callable[[], float], tolerance: float = HV_TOLERANCE,
                 window: int = HV_WINDOW) -> None:
        super().__init__()
        if generations < 1:
            raise InputError(f"generations must be at least 1 (got {generations})", parameter="generations")
        if not (tolerance >= 0 and window >= 1):
            raise InputError(f"convergence tolerance must be >= 0 and window >= 1 (got {tolerance}, {window})")
        self.generations, self.measure, self.tolerance, self.window = generations, measure, tolerance, window
        self.history: list[float] = []

    @property
    def converged(self) -> bool:
        h = self.history
        if len(h) <= self.window:
            return False
        before = h[-1 - self.window]
        return h[-1] - before <= self.tolerance * max(abs(before), 1e-12)

    def _update(self, algorithm: Algorithm) -> float:
        self.history.append(float(self.measure()))
        if self.converged:
            return 1.0
        return min(1.0, len(self.history) / self.generations)


def random_search(problem: Problem, pop_size: int, generations: int, seed: int, zero: np.ndarray,
                  repair: Callable[[np.ndarray], np.ndarray] | None = None,
                  stop: Convergence | None = None) -> None:
    """Evaluate up to ``pop_size * generations`` uniform portfolios (the problem's archive keeps them),
    stopping early when ``stop`` says the archive's hypervolume has converged."""
    rng = np.random.default_rng(seed)
    for gen in range(generations):
        if stop is not None and gen > 0 and stop._update(None) >= 1.0:
            return
        x = problem.xl + rng.random((pop_size, problem.n_var)) * (problem.xu - problem.xl)
        if gen == 0:
            x[0] = zero
        if repair is not None:
            x = repair(x)
        problem.evaluate(x, return_values_of=["F", "G"])
    if stop is not None:
        stop._update(None)
