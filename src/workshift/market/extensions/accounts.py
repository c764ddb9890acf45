"""Labour, income and insurance accounts: the one home of their formulas. The policy optimiser's fused
kernel and its step-by-step path turn the same nine sums over occupations per step
(:data:`workshift.market.fused.AGGREGATES`, :func:`state_sums`) into series with :func:`series_from_sums`;
the engine's per-state accountants (``income.accountant``, ``insurance.accountant``, used by ``simulate``)
count the eligible unemployed and the insured with the same functions.

Per step, with E employed, F flexible, U unemployed (incl. training graduates), TR trainees, LF = E + F + U +
TR, elig the unemployed within their benefit duration, w_i the annual wage of occupation i:

- wage income = sum_i (e_i - hc_i) w_i c_i,t (work sharing cuts hours, not jobs), with the wage curve per
  occupation c_i,t = clip(u_i,t / u_i,0, 1/R, R) ^ beta (:func:`wage_factor`): each occupation's pay falls
  when its own unemployment rate u_i = (u_i + g_i) / lf_i rises, with the elasticity beta =
  :data:`WAGE_CURVE` (-0.1, range -0.1 to -0.07) of pay with respect to the local unemployment rate
  (Blanchflower & Oswald 1994, "The Wage Curve": about -0.1 across countries; Nijkamp & Poot 2005
  meta-analysis: about -0.07 after correcting for publication bias), u_i,0 the occupation's rate at the
  policy start (the no-policy steady state), R = :data:`WAGE_CURVE_CLIP` (the curve is log-linear over the spread of
  local unemployment rates it is estimated on, and held at its end beyond it);
- flexible income = flexible_income_ratio x (flexible-income gain of the policy) x sum_i f_i w_i;
- benefits = replacement x recipiency x sum_i elig_i w_i; income = their sum, at an annual rate;
- short-time pay = sum_i hc_i w_i at an annual rate: the pay of the hours short-time work cuts (at start
  wages), what its benefit replaces a share of (the lever's cost, ``charged_on = "hours_cut"``);
- insured = coverage_employed E + coverage_flexible F + recipiency (elig + TR)       (persons);
- earnings shortfall (persons, for earnings stability over the whole labour force): a wage earner 0, a
  flexible worker the coefficient of variation of flexible income, an unemployed person or trainee the share
  of earnings not replaced, 1 - replacement x recipiency for those within their benefit duration, else 1.
  So a move from unemployment into flexible work raises stability, as it should.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from workshift.market.params import PARAMETERS
from workshift.market.state import MarketState

WAGE_CURVE = PARAMETERS["wage_curve_elasticity"]
"""The elasticity beta of the wage curve, its source and its range (``[parameters] wage_curve_elasticity``)."""
WAGE_CURVE_CLIP = 10.0
"""u_i,t / u_i,0 is held within [1/10, 10]: local unemployment rates in the wage-curve studies span about a
factor of ten (a log-linear curve would pay without bound as an occupation's unemployment goes to zero)."""


WAGE_CURVE_SERIES_MAX = 1.0
"""Up to this |beta| the wage curve is evaluated by :func:`wage_curve_series` (the fused kernel's hot loop),
beyond it by libm's log and exp."""

# 1 / (2k + 1), k = 0..15: the atanh series of log y for |(y - 1) / (y + 1)| <= 0.28 (s^32 / 33 < 1e-19)
_ATANH = tuple(1.0 / (2 * k + 1) for k in range(16))
# 1 / k!, k = 0..13: exp(z) for |z| <= 0.29 (z^14 / 14! < 1e-18)
_EXP = tuple(1.0 / math.factorial(k) for k in range(14))


@njit(cache=True, inline="always")
def wage_curve_series(ratio: float, beta: float) -> float:
    """clip(ratio, 1/R, R) ^ beta for |beta| <= :data:`WAGE_CURVE_SERIES_MAX` in square roots, one division
    and two polynomials, so that a loop over it vectorises (numba has no vector log or exp without Intel's
    SVML; libm's pow per step, occupation and scenario cost the fused step about 40 %). log r = 4 log y,
    y = r^(1/4) in [0.56, 1.78], by the atanh series in s = (y - 1) / (y + 1); exp(beta log r) =
    exp(beta log r / 8)^8 by its Taylor series. Agrees with ``**`` to a few 1e-16 relative (the square roots'
    rounding enters log r absolutely, times |beta|; the squarings multiply exp's by 8)."""
    r = min(max(ratio, 1.0 / WAGE_CURVE_CLIP), WAGE_CURVE_CLIP)
    y = np.sqrt(np.sqrt(r))
    s = (y - 1.0) / (y + 1.0)
    s2 = s * s
    a = _ATANH  # Horner written out: a loop over a tuple does not vectorise
    p = ((((((((((((((a[15] * s2 + a[14]) * s2 + a[13]) * s2 + a[12]) * s2 + a[11]) * s2 + a[10]) * s2 + a[9])
                  * s2 + a[8]) * s2 + a[7]) * s2 + a[6]) * s2 + a[5]) * s2 + a[4]) * s2 + a[3]) * s2 + a[2])
          * s2 + a[1]) * s2 + a[0]
    z = beta * s * p  # beta log r / 8 = beta 8 s p / 8
    c = _EXP
    q = ((((((((((((c[13] * z + c[12]) * z + c[11]) * z + c[10]) * z + c[9]) * z + c[8]) * z + c[7]) * z + c[6])
                * z + c[5]) * z + c[4]) * z + c[3]) * z + c[2]) * z + c[1]) * z + c[0]
    q = q * q
    q = q * q
    return q * q


@njit(cache=True, inline="always")
def wage_curve_of_ratio(ratio: float, beta: float) -> float:
    """The wage curve at u / u_0 = ``ratio``: clip(ratio, 1/R, R) ^ beta (:func:`wage_curve_series` where
    |beta| <= :data:`WAGE_CURVE_SERIES_MAX`, else libm)."""
    if abs(beta) <= WAGE_CURVE_SERIES_MAX:
        return wage_curve_series(ratio, beta)
    return min(max(ratio, 1.0 / WAGE_CURVE_CLIP), WAGE_CURVE_CLIP) ** beta


@njit(cache=True, inline="always")
def wage_factor(rate: float, rate0: float, beta: float) -> float:
    """The wage curve of one occupation: (u / u_0) ^ beta with u / u_0 clipped to [1/R, R]; 1 where the
    occupation had no unemployment at the start (no reference) or beta = 0."""
    if beta == 0.0 or not rate0 > 0.0:
        return 1.0
    return wage_curve_of_ratio(rate / rate0, beta)


@njit(cache=True)
def _wage_factors(rate: np.ndarray, rate0: np.ndarray, beta: float) -> np.ndarray:
    out = np.empty_like(rate)  # (B, n)
    for b in range(rate.shape[0]):
        for i in range(rate.shape[1]):
            out[b, i] = wage_factor(rate[b, i], rate0[b, i], beta)
    return out


def unemployment_rates(state: MarketState) -> np.ndarray:
    """(B, n) each occupation's unemployment rate: (u + g) / (e + f + u + g + tr), 0 where it has no labour
    force (the same expression as the fused kernel's)."""
    lf = state.labour_force()
    return np.where(lf > 0, (state.u + state.g) / np.where(lf > 0, lf, 1.0), 0.0)


def wage_factors(state: MarketState, rate0: np.ndarray | None, beta: float) -> np.ndarray:
    """(B, n) the wage curve c_i,t of every occupation of a state against the start rates ``rate0`` (n,)
    (or (B, n)); all ones without a reference."""
    if rate0 is None or beta == 0.0:
        return np.ones_like(state.e)
    rate = np.ascontiguousarray(unemployment_rates(state), dtype=np.float64)
    ref = np.ascontiguousarray(np.broadcast_to(rate0, rate.shape), dtype=np.float64)
    return _wage_factors(rate, ref, float(beta))


@dataclass
class Accounting:
    """Engine parameters of the income and insurance accounts (scenario values or documented defaults)."""

    wages: np.ndarray
    step_weeks: float
    income: bool
    insurance: bool
    replacement: float
    recipiency: float
    ui_steps: int
    flexible_ratio: float
    flexible_cv: float
    coverage_employed: float
    coverage_flexible: float
    wage_curve: float = WAGE_CURVE.value
    unemployment_start: np.ndarray | None = None  # (n,) u_i,0 of the wage curve per occupation; None = none

    @classmethod
    def from_scenario(cls, scenario, wages: np.ndarray, params) -> Accounting:
        par = scenario.parameter
        return cls(np.asarray(wages, float), params.step_weeks, params.on("income"), params.on("insurance"),
                   par("ui_replacement_ratio"), par("ui_recipiency"), int(par("ui_duration_steps")),
                   par("flexible_income_ratio"), par("flexible_income_cv"), par("coverage_employed"),
                   par("coverage_flexible"), par("wage_curve_elasticity"))

    @property
    def per_year(self) -> float:
        return 52.0 / self.step_weeks

    @property
    def wage_step(self) -> np.ndarray:
        return self.wages * self.step_weeks / 52.0

    def eligible_bins(self, tau: int) -> int:
        """Spell bins whose unemployed draw benefits."""
        return max(0, min(self.ui_steps - 1, tau - 1))


def eligible(state: MarketState, eligible_bins: int) -> np.ndarray:
    """(B, n) unemployed (and graduates) within their benefit duration: the first ``eligible_bins`` spell bins."""
    return state.hist[:, :eligible_bins].sum(axis=1) + state.ghist[:, :eligible_bins].sum(axis=1)


def insured(coverage_employed, coverage_flexible, recipiency, e, f, elig, trainees):
    """Persons insured: covered employees and flexible workers, benefit recipients (trainees count as covered
    unemployed, the inactive as not covered). Works on node arrays and on sums alike."""
    return coverage_employed * e + coverage_flexible * f + recipiency * (elig + trainees)


def state_sums(state: MarketState, wage_step: np.ndarray, eligible_bins: int, rate0: np.ndarray | None = None,
               beta: float = 0.0) -> np.ndarray:
    """The AGGREGATES of one state (10, B), exactly as the fused kernel sums them (wage income on each
    occupation's wage curve against its start rate ``rate0``; the pay of the hours cut at start wages)."""
    eligible_now = eligible(state, eligible_bins)
    curve = wage_factors(state, rate0, beta)
    return np.stack([state.e.sum(axis=1), state.f.sum(axis=1), (state.u + state.g).sum(axis=1),
                     (state.hist[:, -1] + state.ghist[:, -1]).sum(axis=1), state.tr.sum(axis=1),
                     ((state.e - state.hc) * wage_step * curve).sum(axis=1), (state.f * wage_step).sum(axis=1),
                     (eligible_now * wage_step).sum(axis=1), eligible_now.sum(axis=1),
                     (state.hc * wage_step).sum(axis=1)])


def series_from_sums(sums: np.ndarray, flex_cov: np.ndarray, flex_income: np.ndarray,
                     acc: Accounting) -> dict[str, np.ndarray]:
    """Series (B, steps) from the sums over occupations (steps, 10, B); flex_cov and flex_income (B, steps) are
    the flexible workers' insurance coverage and the policy's factor on flexible income."""
    e, f, unemployed, ltu, trainees, wage, flex_earn, elig_wage, elig, hours_pay = (sums[:, k].T for k in range(10))
    lf = e + f + unemployed + trainees
    out = {"employed": e, "flexible": f, "unemployed": unemployed, "ltu": ltu, "trainees": trainees,
           "labour_force": lf, "short_time_pay": hours_pay * acc.per_year}
    replaced = acc.replacement * acc.recipiency
    out["shortfall"] = acc.flexible_cv * f + unemployed + trainees - replaced * (elig + trainees)
    if acc.income:  # wage income is already on each occupation's wage curve (state_sums, the fused kernel)
        flexible = acc.flexible_ratio * flex_income * flex_earn
        out["income"] = (wage + flexible + replaced * elig_wage) * acc.per_year
    if acc.insurance:
        out["insured"] = insured(acc.coverage_employed, flex_cov, acc.recipiency, e, f, elig, trainees)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}
