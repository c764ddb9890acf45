"""Portfolios and plans: lever intensities per phase, spending per lever per year.

A portfolio gives each lever an intensity per phase (``phases`` phases over ``horizon_years``; one phase =
constant, one per year = a yearly schedule). The decision vector of the optimiser is lever-major:
``x[lever * n_phases + phase]``. Intensity units are the lever's own (a share of its target group per
year); participants in year y = intensity x target-group size in year y (from the no-policy run, so a
plan's places are budgeted ahead, as a ministry does). Spending = participants x cost per participant;
the total cost discounts year y (0-based) by (1 + r)^-y. Cost is linear in the intensities, which makes
the budget a linear constraint and lets :meth:`CostModel.repair` scale any portfolio onto the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workshift.errors import InputError
from workshift.policy.catalogue import Lever


def phase_years(horizon_years: int, phases: int | Sequence[int]) -> np.ndarray:
    """Phase index of each year: ``phases`` equal phases (as equal as possible) or explicit lengths."""
    if horizon_years < 1:
        raise InputError(f"horizon_years must be >= 1 (got {horizon_years})")
    if isinstance(phases, int | np.integer):
        if not 1 <= phases <= horizon_years:
            raise InputError(f"phases must be between 1 and horizon_years={horizon_years} (got {phases})")
        lengths = [len(a) for a in np.array_split(np.arange(horizon_years), int(phases))]
    else:
        lengths = [int(n) for n in phases]
        if any(n < 1 for n in lengths) or sum(lengths) != horizon_years:
            raise InputError(f"phase lengths {lengths} must be positive and sum to horizon_years={horizon_years}")
    return np.repeat(np.arange(len(lengths)), lengths)


@dataclass(frozen=True)
class PortfolioSpace:
    """The levers in play, their bounds, and the phase layout."""

    levers: tuple[Lever, ...]
    lower: np.ndarray  # (n_levers,)
    upper: np.ndarray  # (n_levers,)
    phase_of_year: np.ndarray  # (horizon_years,)

    @classmethod
    def build(cls, levers: Sequence[Lever], bounds: dict[str, tuple[float, float]] | None,
              horizon_years: int, phases: int | Sequence[int]) -> PortfolioSpace:
        bounds = bounds or {}
        lower = np.array([bounds.get(lv.id, lv.bounds)[0] for lv in levers], dtype=float)
        upper = np.array([bounds.get(lv.id, lv.bounds)[1] for lv in levers], dtype=float)
        for lv, lo, hi in zip(levers, lower, upper, strict=True):
            if lo < 0:
                raise InputError(f"lever '{lv.id}': min {lo} is negative")
            if lo > hi:
                raise InputError(f"lever '{lv.id}': bounds inverted (min {lo} > max {hi})")
        return cls(tuple(levers), lower, upper, phase_years(horizon_years, phases))

    @property
    def ids(self) -> list[str]:
        return [lv.id for lv in self.levers]

    @property
    def n_levers(self) -> int:
        return len(self.levers)

    @property
    def n_phases(self) -> int:
        return int(self.phase_of_year.max()) + 1

    @property
    def horizon_years(self) -> int:
        return len(self.phase_of_year)

    @property
    def n_vars(self) -> int:
        return self.n_levers * self.n_phases

    @property
    def xl(self) -> np.ndarray:
        return np.repeat(self.lower, self.n_phases)

    @property
    def xu(self) -> np.ndarray:
        return np.repeat(self.upper, self.n_phases)

    def phases_of(self, x: np.ndarray) -> np.ndarray:
        """(P, n_levers, n_phases) from decision vectors (P, n_vars) or (n_vars,)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        if x.shape[1] != self.n_vars:
            raise InputError(f"a portfolio needs {self.n_vars} values (levers x phases), got {x.shape[1]}")
        return x.reshape(x.shape[0], self.n_levers, self.n_phases)

    def yearly(self, x: np.ndarray) -> np.ndarray:
        """(P, n_levers, horizon_years): the intensity in force each year."""
        return self.phases_of(x)[:, :, self.phase_of_year]

    def per_step(self, x: np.ndarray, steps_per_year: float, n_steps: int) -> np.ndarray:
        """(P, n_levers, n_steps): the intensity in force at each engine step of the horizon."""
        year = np.minimum((np.arange(n_steps) / steps_per_year).astype(int), self.horizon_years - 1)
        return self.yearly(x)[:, :, year]

    def zero(self) -> np.ndarray:
        """The no-policy portfolio (every lever at its lower bound, 0 by default)."""
        return self.xl.copy()

    def as_dict(self, x: np.ndarray) -> dict[str, list[float]]:
        """One portfolio as ``{lever: [intensity per phase]}`` (for JSON output)."""
        phases = self.phases_of(x)[0]
        return {lid: [round(float(v), 6) for v in phases[i]] for i, lid in enumerate(self.ids)}

    def from_dict(self, portfolio: dict[str, float | Sequence[float]]) -> np.ndarray:
        """A decision vector from ``{lever: intensity or [per phase]}``; absent levers at their minimum."""
        x = self.phases_of(self.zero())[0].copy()
        for lid, value in portfolio.items():
            if lid not in self.ids:
                raise InputError(f"lever '{lid}' is not in this portfolio space")
            vals = np.broadcast_to(np.asarray(value, dtype=float), (self.n_phases,))
            x[self.ids.index(lid)] = vals
        return x.reshape(-1)


@dataclass(frozen=True)
class CostModel:
    """Spending of portfolios: unit costs (n_levers,) x target sizes (n_levers, years) x intensities."""

    space: PortfolioSpace
    unit_cost: np.ndarray  # pack currency per participant / covered worker-year
    target_size: np.ndarray  # (n_levers, horizon_years) persons
    discount_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.target_size.shape != (self.space.n_levers, self.space.horizon_years):
            raise ValueError("target_size must be (n_levers, horizon_years)")
        if np.any(self.unit_cost <= 0):
            raise InputError("every lever must have a positive cost per unit")

    @property
    def discount(self) -> np.ndarray:
        return (1.0 + self.discount_rate) ** -np.arange(self.space.horizon_years)

    def participants(self, x: np.ndarray) -> np.ndarray:
        """(P, n_levers, years): participants (or covered workers) per year."""
        return self.space.yearly(x) * self.target_size[None]

    def spending(self, x: np.ndarray, participants: np.ndarray | None = None) -> np.ndarray:
        """(P, n_levers, years): undiscounted spending per lever per year, pack currency (``participants``:
        the participants actually served, when a simulation measured them; default: the places planned)."""
        part = self.participants(x) if participants is None else participants
        return part * self.unit_cost[None, :, None]

    def cost(self, x: np.ndarray, participants: np.ndarray | None = None) -> np.ndarray:
        """(P,): total over the horizon, discounted at ``discount_rate`` (0: undiscounted)."""
        return np.einsum("plt,t->p", self.spending(x, participants), self.discount)

    def repair(self, x: np.ndarray, budget: float) -> np.ndarray:
        """Scale each portfolio towards the lower bounds until it fits the budget (cost is linear)."""
        x = np.atleast_2d(np.asarray(x, dtype=float)).copy()
        lo = self.space.xl[None]
        base = float(self.cost(lo)[0])
        over = self.cost(x) > budget
        if np.any(over):
            extra = self.cost(x[over]) - base
            scale = np.clip((budget - base) / np.maximum(extra, 1e-300), 0.0, 1.0)
            # a hair under the budget so rounding never makes a repaired portfolio infeasible
            x[over] = lo + (x[over] - lo) * (scale * (1 - 1e-12))[:, None]
        return x

    def schedule(self, x: np.ndarray, start_year: int, participants: np.ndarray | None = None) -> pd.DataFrame:
        """The implementation schedule of one portfolio: spending per lever per year (long format)."""
        part = (self.participants(x) if participants is None else participants)[0]
        spend = self.spending(x, participants)[0]
        inten = self.space.yearly(x)[0]
        rows = []
        for i, lid in enumerate(self.space.ids):
            for y in range(self.space.horizon_years):
                rows.append({"lever": lid, "year": start_year + y, "phase": int(self.space.phase_of_year[y]),
                             "intensity": float(inten[i, y]), "participants": float(part[i, y]),
                             "spending": float(spend[i, y])})
        return pd.DataFrame(rows)
