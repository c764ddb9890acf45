"""Market state and per-step flows: plain arrays with a leading batch axis (scenarios) and nodes last.

Stocks per node i (persons, or agents in agents mode):
  e  wage-and-salary employed            u  unemployed searching (hist: by spell length, sums to u)
  v  vacancies                           f  flexible / self-employed workers (``flexible``)
  tr in training (``training``)          g  training graduates searching with extra edges (ghist)
  x  inactive after discouraged exit (``exit``)
  hc hours cut by work sharing, in full-time equivalents (a lever; counted inside e)
The spell histogram has ``ltu_steps`` bins: spell 1, 2, ..., tau-1 steps and the last bin ">= tau steps",
so hist[:, -1] is long-term unemployment. Workers e+u+f+tr+g+x are conserved exactly by every step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np


@dataclass
class MarketState:
    e: np.ndarray
    u: np.ndarray
    v: np.ndarray
    hist: np.ndarray
    f: np.ndarray
    tr: np.ndarray
    g: np.ndarray
    ghist: np.ndarray
    x: np.ndarray
    hc: np.ndarray
    t: int = 0

    @property
    def batch(self) -> int:
        return self.e.shape[0]

    @property
    def n(self) -> int:
        return self.e.shape[1]

    def workers(self) -> np.ndarray:
        """Workers attached to the market per scenario (conserved): e + u + f + tr + g + x."""
        return (self.e + self.u + self.f + self.tr + self.g + self.x).sum(axis=1)

    def labour_force(self) -> np.ndarray:
        """Per node: employed + flexible + unemployed (incl. graduates) + trainees (shape (B, n))."""
        return self.e + self.f + self.u + self.g + self.tr

    def unemployed(self) -> np.ndarray:
        return self.u + self.g

    def long_term_unemployed(self) -> np.ndarray:
        return self.hist[:, -1] + self.ghist[:, -1]

    def copy(self) -> MarketState:
        return replace(self, **{f.name: getattr(self, f.name).copy() for f in fields(self) if f.name != "t"})

    def take(self, index: int | slice | np.ndarray) -> MarketState:
        """The state of some scenarios of the batch."""
        if isinstance(index, int):
            index = slice(index, index + 1)
        return replace(self, **{f.name: getattr(self, f.name)[index] for f in fields(self) if f.name != "t"})


@dataclass
class Flows:
    """What moved during one step (shape (B, n) each; persons or agents)."""

    separations: np.ndarray  # e -> u (node of the job lost)
    openings: np.ndarray  # new vacancies
    hires: np.ndarray  # vacancies filled, by destination node
    u_hired: np.ndarray  # unemployed hired, by origin node
    f_hired: np.ndarray  # flexible workers hired into wage jobs, by origin node
    g_hired: np.ndarray  # graduates hired, by origin node
    e_to_f: np.ndarray
    u_to_f: np.ndarray
    f_to_u: np.ndarray
    to_training: np.ndarray
    graduations: np.ndarray
    to_inactive: np.ndarray
    reentries: np.ndarray
    hours_cut: np.ndarray
    hours_restored: np.ndarray
