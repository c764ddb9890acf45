"""A pack's separation rate fitted to its country's unemployment rate: the fit (a known answer on a small
economy), which fit a scenario gets (network, step length), and what overrides it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workshift.errors import InputError
from workshift.market.calibrate import fit_separation_rate, steady_unemployment
from workshift.market.inputs import synthetic
from workshift.market.pack_rates import pack_rates
from workshift.market.run import build
from workshift.market.scenario import from_dict

MONTH = 52.0 / 12.0
FITS = {"target": {"value": 0.05}, "fits": [
    {"network": "empirical", "step_weeks": 6.75, "parameter": "delta_u", "value": 0.010},
    {"network": "empirical", "step_weeks": MONTH, "parameter": "delta_u", "value": 0.012}]}


def test_the_fit_of_the_scenarios_network_and_nearest_step_applies_unless_overridden() -> None:
    inputs = replace(synthetic(30, seed=2), calibration=FITS)
    for market, expected in (({}, 0.010), ({"step_weeks": MONTH}, 0.012), ({"step_weeks": 4.0}, 0.012),
                             ({"delta_u": 0.02}, 0.02), ({"rates": "paper"}, 0.016),
                             ({"network": "skills"}, 0.016)):
        scenario = from_dict({"market": {"network": "empirical", **market}})
        built = build(scenario, inputs)
        assert built.scenario.market["delta_u"] == pytest.approx(expected)
        assert (built.calibration is not None) == (expected in (0.010, 0.012))
    assert pack_rates(from_dict({"market": {}}), synthetic(30, seed=2))[1] is None  # no calibration: paper
    with pytest.raises(InputError, match="rates = 'papr' is unknown"):
        from_dict({"market": {"rates": "papr"}})


def test_the_separation_rate_fit_recovers_a_known_rate() -> None:
    """Known answer: the steady state at delta_u = 0.011 as the target; the fit finds 0.011 back."""
    inputs = synthetic(30, seed=2)
    market = {"network": "empirical", "steps": 10}
    target = steady_unemployment(inputs, {**market, "delta_u": 0.011})
    fit = fit_separation_rate(inputs, target, market, bracket=(0.006, 0.03))
    assert fit["value"] == pytest.approx(0.011, abs=5e-5) and abs(fit["residual_pp"]) < 0.01
    assert fit["paper_steady_state_unemployment_rate"] > fit["steady_state_unemployment_rate"]
    with pytest.raises(InputError, match="no separation rate"):
        fit_separation_rate(inputs, 0.9, market)
