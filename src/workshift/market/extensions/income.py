"""Income accounting (no feedback on the dynamics): wages, flexible income, unemployment benefits.

Per step of ``step_weeks`` and node i with mean annual wage w_i (OEWS, via the pack):
  wage income      = w_i * c_i,t * (e_i - hc_i) * step_weeks / 52  (work sharing cuts hours, not jobs; c_i,t
                     the occupation's wage curve, workshift.market.extensions.accounts.wage_factors)
  flexible income  = flexible_income_ratio * w_i * f_i * step_weeks / 52   (sd: flexible_income_cv x mean)
  benefits         = ui_replacement_ratio * benefit_multiplier * ui_recipiency * w_i * step_weeks / 52
                     x (unemployed with a spell of at most ui_duration_steps - 1 steps)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from workshift.market.extensions.accounts import eligible, wage_factors
from workshift.market.state import MarketState


def accountant(wage: np.ndarray, step_weeks: float, replacement: float, recipiency: float, duration_steps: int,
               flexible_ratio: float, flexible_cv: float, benefit_multiplier: np.ndarray | float = 1.0,
               unemployment_start: np.ndarray | None = None, wage_curve: float = 0.0
               ) -> Callable[[MarketState], dict[str, np.ndarray]]:
    """Per-state income accounts; ``unemployment_start`` (n,) or (B, n): each occupation's unemployment rate
    where its wage curve starts (``wage_curve`` the elasticity; None or 0: wages fixed). ``wage_index`` is
    wage income over the same hours at the start wages."""
    per_step = np.asarray(wage, dtype=np.float64) * step_weeks / 52.0

    def account(state: MarketState) -> dict[str, np.ndarray]:
        elig = eligible(state, max(0, min(int(duration_steps) - 1, state.hist.shape[1] - 1)))
        at_start_wages = ((state.e - state.hc) * per_step).sum(axis=1)
        wages = ((state.e - state.hc) * per_step * wage_factors(state, unemployment_start, wage_curve)).sum(axis=1)
        flexible = (flexible_ratio * state.f * per_step).sum(axis=1)
        benefits = (replacement * recipiency * benefit_multiplier * elig * per_step).sum(axis=1)
        return {"wage_income": wages, "flexible_income": flexible, "benefit_income": benefits,
                "flexible_income_sd": flexible_cv * flexible, "total_income": wages + flexible + benefits,
                "hours_lost_income": (state.hc * per_step).sum(axis=1),
                "wage_index": np.where(at_start_wages > 0, wages / np.where(at_start_wages > 0, at_start_wages, 1.0),
                                       1.0)}

    return account
