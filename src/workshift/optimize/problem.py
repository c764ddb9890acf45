"""The pymoo Problem over a vectorised portfolio evaluator, with an archive of every evaluation.

The evaluator is any callable ``evaluate(population: ndarray (P, n_vars)) -> dict[key, ndarray (P,)]``
returning natural-sign objective values, including ``cost``. The problem turns them into minimisation
values (``-sense * f``; or one weighted sum of normalised objectives for the single-objective GA and PSO),
adds the budget constraint ``cost - budget <= 0``, and keeps every evaluated portfolio in an archive, so
that ``pareto`` is always the non-dominated feasible set of everything evaluated, whatever the algorithm.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from pymoo.core.problem import Problem
from pymoo.core.repair import Repair

from workshift.optimize.front import normalise
from workshift.policy.objectives import Objective, objective_matrix, to_minimisation

Evaluator = Callable[[np.ndarray], dict[str, np.ndarray]]


@dataclass
class Archive:
    """Every portfolio evaluated, in order, with natural objective values and extra metrics."""

    x: list[np.ndarray] = field(default_factory=list)
    values: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(self, x: np.ndarray, values: dict[str, np.ndarray]) -> None:
        self.x.append(np.array(x, dtype=float))
        self.values.append({k: np.asarray(v, dtype=float) for k, v in values.items()})

    @property
    def size(self) -> int:
        return sum(len(x) for x in self.x)

    def stacked(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        if not self.x:
            return np.zeros((0, 0)), {}
        keys = set.intersection(*(set(v) for v in self.values))
        return np.vstack(self.x), {k: np.concatenate([v[k] for v in self.values]) for k in sorted(keys)}


class PortfolioProblem(Problem):
    """Vectorised pymoo problem: one evaluator call per population."""

    def __init__(
        self,
        xl: np.ndarray,
        xu: np.ndarray,
        evaluate: Evaluator,
        objectives: Sequence[Objective],
        budget: float,
        baseline: Mapping[str, float],
        weights: Sequence[float] | None = None,
    ) -> None:
        self.evaluator = evaluate
        self.objectives = tuple(objectives)
        self.budget = float(budget)
        self.baseline = dict(baseline)
        self.weights = None if weights is None else np.asarray(weights, dtype=float)
        self.archive = Archive()
        super().__init__(n_var=len(xl), n_obj=1 if weights is not None else len(self.objectives),
                         n_ieq_constr=1, xl=np.asarray(xl, float), xu=np.asarray(xu, float))

    def _evaluate(self, x: np.ndarray, out: dict, *args, **kwargs) -> None:
        values = self.evaluator(np.asarray(x, dtype=float))
        self.archive.add(x, values)
        natural = objective_matrix(values, self.objectives)
        if self.weights is None:
            out["F"] = to_minimisation(natural, self.objectives)
        else:
            z = normalise(natural, self.objectives, self.baseline, self.budget)
            out["F"] = (z * self.weights).sum(axis=1, keepdims=True)
        out["G"] = (np.asarray(values["cost"], dtype=float) - self.budget)[:, None]


class BudgetRepair(Repair):
    """Scale portfolios onto the budget before they are evaluated (cost is linear in the intensities)."""

    def __init__(self, repair: Callable[[np.ndarray], np.ndarray]) -> None:
        super().__init__()
        self.fn = repair

    def _do(self, problem: Problem, x: np.ndarray, **kwargs) -> np.ndarray:
        return self.fn(x)
