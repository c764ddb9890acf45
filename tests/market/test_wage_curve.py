"""The wage curve per occupation (issue 13 item 1): each occupation's pay answers its own unemployment rate
with the cited elasticity, in the one accounting module used by simulate and the optimiser."""

from __future__ import annotations

import numpy as np
import pytest

from workshift.errors import InputError
from workshift.market.extensions import income
from workshift.market.extensions.accounts import (
    WAGE_CURVE,
    WAGE_CURVE_CLIP,
    WAGE_CURVE_SERIES_MAX,
    state_sums,
    unemployment_rates,
    wage_factor,
    wage_factors,
)
from workshift.market.scenario import from_dict
from workshift.market.state import MarketState


def _state(e, u) -> MarketState:
    """A state with one scenario, employment e and unemployment u per occupation (one spell bin)."""
    e, u = np.atleast_2d(np.asarray(e, float)), np.atleast_2d(np.asarray(u, float))
    z = np.zeros_like(e)
    return MarketState(e=e, u=u, v=z.copy(), hist=u[:, None, :].copy(), f=z.copy(), tr=z.copy(), g=z.copy(),
                       ghist=np.zeros((1, 1, e.shape[1])), x=z.copy(), hc=z.copy(), t=0)


def test_the_elasticity_is_cited_with_its_range() -> None:
    assert WAGE_CURVE.value == -0.1 and (WAGE_CURVE.low, WAGE_CURVE.high) == (-0.1, -0.07)
    assert "Blanchflower" in WAGE_CURVE.source and "Nijkamp" in WAGE_CURVE.source


def test_wage_factor_known_answers() -> None:
    assert wage_factor(0.10, 0.05, -0.1) == pytest.approx(2.0 ** -0.1)  # unemployment doubles: pay -6.7 %
    assert wage_factor(0.025, 0.05, -0.1) == pytest.approx(2.0 ** 0.1)
    assert wage_factor(0.05, 0.05, -0.1) == 1.0
    assert wage_factor(0.9, 0.01, -0.1) == pytest.approx(WAGE_CURVE_CLIP ** -0.1)  # held at the clip
    assert wage_factor(0.0, 0.05, -0.1) == pytest.approx(WAGE_CURVE_CLIP ** 0.1)
    assert wage_factor(0.3, 0.0, -0.1) == 1.0 and wage_factor(0.3, 0.05, 0.0) == 1.0


@pytest.mark.parametrize("beta", [-0.1, -0.07, 0.1, -0.5, -WAGE_CURVE_SERIES_MAX, 1.0, -2.0])
def test_wage_factor_agrees_with_pow_to_rounding(beta: float) -> None:
    """The kernel's curve (square roots and two series, so that it vectorises) is the power to rounding over
    ratios from 1e-3 to 1e3 (past both clips), and libm's beyond the series' range of beta."""
    rate = np.concatenate([np.geomspace(1e-4, 10.0, 1501), [0.0, 0.001, 0.01, 0.1]])
    got = np.array([wage_factor(r, 0.01, beta) for r in rate])
    want = np.clip(rate / 0.01, 1.0 / WAGE_CURVE_CLIP, WAGE_CURVE_CLIP) ** beta
    assert np.max(np.abs(got / want - 1.0)) < 1e-14


def test_each_occupation_answers_its_own_unemployment() -> None:
    """Two occupations: the first's unemployment rate doubles, the second's is unchanged. Wage income is
    e_1 w_1 2^-0.1 + e_2 w_2 (an economy-wide curve would cut both by the aggregate rate's change)."""
    start = _state([95.0, 950.0], [5.0, 50.0])
    rate0 = unemployment_rates(start)[0]
    np.testing.assert_allclose(rate0, [0.05, 0.05])
    later = _state([90.0, 950.0], [10.0, 50.0])
    np.testing.assert_allclose(wage_factors(later, rate0, -0.1), [[2.0 ** -0.1, 1.0]])
    wage = np.array([40e3, 60e3])
    sums = state_sums(later, wage, 1, rate0, -0.1)
    assert sums[5, 0] == pytest.approx(90 * 40e3 * 2.0 ** -0.1 + 950 * 60e3)
    assert state_sums(later, wage, 1)[5, 0] == pytest.approx(90 * 40e3 + 950 * 60e3)  # no curve: fixed wages
    # the simulate path's accountant counts the same wage income
    account = income.accountant(wage, 52.0, 0.4, 0.28, 4, 0.96, 0.35, unemployment_start=rate0, wage_curve=-0.1)
    out = account(later)
    assert out["wage_income"][0] == pytest.approx(sums[5, 0])
    assert out["wage_index"][0] == pytest.approx(sums[5, 0] / (90 * 40e3 + 950 * 60e3))


def test_scenario_key_and_its_bounds() -> None:
    sc = from_dict({"parameters": {"wage_curve_elasticity": -0.07}})
    assert sc.parameter("wage_curve_elasticity") == -0.07
    assert from_dict({}).parameter("wage_curve_elasticity") == -0.1
    with pytest.raises(InputError, match="wage_curve_elasticity"):
        from_dict({"parameters": {"wage_curve_elasticity": 0.1}})
