"""Social-insurance coverage accounting: the share of workers in each state covered (US: unemployment
insurance). Covered = coverage_employed * e + coverage_flexible * f + ui_recipiency * (eligible unemployed);
trainees count as covered unemployed, the inactive as not covered. ``flexible_coverage`` is a policy hook
(e.g. extending insurance to gig workers); NaN keeps the documented default.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from workshift.market.extensions.accounts import eligible, insured
from workshift.market.state import MarketState


def accountant(coverage_employed: float, coverage_flexible: float | np.ndarray, recipiency: float,
               duration_steps: int) -> Callable[[MarketState], dict[str, np.ndarray]]:
    def account(state: MarketState) -> dict[str, np.ndarray]:
        bins = max(0, min(int(duration_steps) - 1, state.hist.shape[1] - 1))
        covered = insured(coverage_employed, coverage_flexible, recipiency, state.e, state.f,
                          eligible(state, bins), state.tr).sum(axis=1)
        lf = (state.e + state.f + state.u + state.g + state.tr).sum(axis=1)
        flex = state.f.sum(axis=1)
        return {"insured": covered, "insurance_coverage_rate": np.where(lf > 0, covered / lf, 0.0),
                "uninsured_flexible": np.asarray(flex - (coverage_flexible * state.f).sum(axis=1))}

    return account
