"""Participant effects: calibrate each programme lever so that, inside the engine's flows, participants
compared with similar non-participants reproduce the lever's cited effect profile (Card, Kluve & Weber
2018: percentage points of employment probability at <1, 1-2 and >2 years after programme end).

The participant model runs on the engine's own per-step rates: the job-finding probability f of an
unemployed searcher and the separation probability s of an employed worker, measured in the no-policy run
(:func:`engine_rates`). Programme participants are typical ALMP entrants, more disadvantaged than the
average searcher: their job-finding is ``PHI`` x f and their separations ``SIGMA`` x s
(:data:`DISADVANTAGE`). Both groups start unemployed when the programme starts. Non-participants keep
these rates. Participants, during the programme (``duration``), find jobs at ``search_during`` times the
comparison hazard (0 = lock-in, out of search), and after it at

    m(tau) = 1 + a exp(-tau / 3 months) + b (1 - exp(-tau / kappa))

times the comparison hazard, tau = time since programme end: ``a`` is a transient placement push at the end
of the programme, ``b`` the lasting effect that builds up (human capital, employer attachment) and
``kappa`` (months) how slowly it builds (a large kappa is a near-linear build-up over the three years).
(a, b, kappa) are fitted by least squares to the three cited windows (three numbers, three parameters); the engine hooks then use the fitted multipliers for the treated share of
searchers (see :mod:`workshift.market.hooks`). The economy-wide effect, net of displacement of other job
seekers through the engine's finite vacancies, is an output of the simulation, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from workshift.errors import InputError
from workshift.market.params import PARAMETERS
from workshift.policy.catalogue import Lever

WINDOWS_MONTHS = ((0, 12), (12, 24), (24, 36))  # after programme end
TRANSIENT_MONTHS = 3.0
DISADVANTAGE = {
    # one value with the engine's lock-in: trainees leave search with the job finding of the hard-to-place
    "phi": (PARAMETERS["trainee_job_finding"].value, PARAMETERS["trainee_job_finding"].source),
    "sigma": (2.0, "Krueger, Cramer & Cho (2014): re-employed long-term unemployed return to unemployment "
                   "far more often; a doubled separation rate is a conservative reading"),
}


@dataclass(frozen=True)
class Rates:
    """Per-step rates from the engine's no-policy run and the step length."""

    job_finding: float  # probability per step that an unemployed searcher is hired
    separation: float  # probability per step that an employed worker separates
    steps_per_month: float
    # entrants' job finding relative to f: the run's trainee_job_finding (the engine's lock-in uses the same)
    phi: float = DISADVANTAGE["phi"][0]

    def __post_init__(self) -> None:
        if not (0 < self.job_finding < 1 and 0 < self.separation < 1 and self.steps_per_month > 0
                and 0 < self.phi <= 1):
            raise InputError(f"engine rates out of range: {self}")


@dataclass(frozen=True)
class Calibration:
    lever: str
    a: float
    b: float
    kappa: float  # months
    target: tuple[float, float, float]  # pp
    fitted: tuple[float, float, float]  # pp
    duration_steps: int
    search_during: float

    def multiplier(self, months_since_end: np.ndarray | float) -> np.ndarray:
        """Hazard multiplier of participants after the programme, relative to comparable non-participants."""
        tau = np.asarray(months_since_end, dtype=float)
        return 1.0 + self.a * np.exp(-tau / TRANSIENT_MONTHS) + self.b * (1.0 - np.exp(-tau / self.kappa))

    def mean_multiplier(self, months: float = 36.0) -> float:
        """Average post-programme multiplier over the first ``months`` (what a treated searcher carries)."""
        tau = np.linspace(0.0, months, 361)
        return float(np.mean(self.multiplier(tau)))


def engine_rates(hires: float, unemployed: float, separations: float, employed: float,
                 step_weeks: float) -> Rates:
    """Rates from one step's aggregate flows and stocks (or their averages over the no-policy run)."""
    return Rates(hires / unemployed, separations / employed, (52.0 / 12.0) / step_weeks)


def employment_paths(rates: Rates, duration_steps: int, search_during: float, a: float, b: float,
                     kappa: float, months_after: float = 36.0, phi: float | None = None,
                     sigma: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Employment probability of participants and non-participants at each step after programme end."""
    phi = rates.phi if phi is None else phi
    sigma = DISADVANTAGE["sigma"][0] if sigma is None else sigma
    f, s = rates.job_finding * phi, min(1.0, rates.separation * sigma)
    after = int(round(months_after * rates.steps_per_month))
    total = duration_steps + after
    tau = (np.arange(total) - duration_steps) / rates.steps_per_month
    hazard = np.where(tau < 0, f * search_during,
                      f * (1.0 + a * np.exp(-tau / TRANSIENT_MONTHS) + b * (1.0 - np.exp(-np.maximum(tau, 0) / kappa))))
    hazard = np.clip(hazard, 0.0, 1.0).tolist()
    ep = [0.0] * (total + 1)
    ec = [0.0] * (total + 1)
    for t in range(total):  # two-state chains in plain floats (called many times by the fit)
        ep[t + 1] = ep[t] * (1 - s) + (1 - ep[t]) * hazard[t]
        ec[t + 1] = ec[t] * (1 - s) + (1 - ec[t]) * f
    ep, ec = np.array(ep), np.array(ec)
    return ep[duration_steps + 1:], ec[duration_steps + 1:]


def window_effects(rates: Rates, duration_steps: int, search_during: float, a: float, b: float,
                   kappa: float) -> np.ndarray:
    """Participants minus non-participants, in pp, averaged over the three windows after programme end."""
    ep, ec = employment_paths(rates, duration_steps, search_during, a, b, kappa)
    months = np.arange(1, len(ep) + 1) / rates.steps_per_month
    diff = 100.0 * (ep - ec)
    return np.array([diff[(months > lo) & (months <= hi)].mean() for lo, hi in WINDOWS_MONTHS])


KAPPA_MAX_MONTHS = 600.0
"""Upper bound of the build-up time kappa. Training, hiring subsidies and start-up grants reach it: their
profiles (1/7/9, 1/5/9 pp) rise about linearly over the three years, and for kappa far beyond 36 months
b (1 - exp(-tau / kappa)) is b tau / kappa, so only the slope b / kappa is identified (b and kappa trade off
along a flat valley). The bound fixes the representation, not the answer: raising it tenfold moves the
fitted multipliers by under 1 % and the windows by under 0.05 pp (tested). The remaining misfit (at most
0.3 pp for training, 0.7 pp for start-up grants, monthly steps) is the profile asking for a rise that
accelerates in the third year, which the family does not allow."""


def calibrate(lever: Lever, rates: Rates, kappa_max: float = KAPPA_MAX_MONTHS) -> Calibration:
    """Fit (a, b, kappa) of a programme lever to its cited profile on the engine's rates (kappa at most
    ``kappa_max`` months, :data:`KAPPA_MAX_MONTHS`)."""
    profile = lever.participant_profile
    if profile is None:
        raise InputError(f"lever '{lever.id}' has no cited participant profile to calibrate")
    duration = max(1, int(round(lever.effect("duration") * rates.steps_per_month)))
    during = lever.effect("search_during")
    target = np.asarray(profile, dtype=float)

    def residual(theta: np.ndarray) -> np.ndarray:
        return window_effects(rates, duration, during, theta[0], theta[1], np.exp(theta[2])) - target

    fit = least_squares(residual, x0=np.array([0.5, 0.3, np.log(12.0)]),
                        bounds=([-0.9, -0.9, np.log(0.5)], [50.0, 20.0 * kappa_max / KAPPA_MAX_MONTHS, np.log(kappa_max)]), xtol=1e-12, ftol=1e-12)
    a, b, kappa = float(fit.x[0]), float(fit.x[1]), float(np.exp(fit.x[2]))
    fitted = window_effects(rates, duration, during, a, b, kappa)
    return Calibration(lever.id, a, b, kappa, tuple(target.tolist()),
                       tuple(float(v) for v in fitted), duration, during)


def calibrate_all(levers: dict[str, Lever], rates: Rates) -> dict[str, Calibration]:
    return {lid: calibrate(lv, rates) for lid, lv in levers.items() if lv.participant_profile is not None}
