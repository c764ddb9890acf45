"""A region pack's calibrated separation rate in a scenario (``meta.calibration``, fitted by
:func:`workshift.market.calibrate.fit_separation_rate` to the country's observed unemployment rate).

The fit applied is the one made on the scenario's network at the step length nearest the scenario's (the
engine's steady state depends on the step, so a pack ships a fit per step length). The scenario's own
``[market] delta_u`` wins, and ``[market] rates = "paper"`` keeps the paper's rates.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any


def pack_rates(scenario, inputs) -> tuple[Any, dict[str, Any] | None]:
    """The scenario with the pack's calibrated separation rate (``inputs.calibration``), and the fit used
    (None: the scenario's own or the paper's rates). The fit is the one made on the scenario's network at the
    step length nearest the scenario's (the engine's steady state depends on the step: a fit per step)."""
    calibration = getattr(inputs, "calibration", None) or {}
    market = scenario.market
    given = (scenario.raw.get("market") or {}) if isinstance(scenario.raw, dict) else {}
    if market.get("rates") == "paper" or "delta_u" in given:
        return scenario, None
    fits = [f for f in calibration.get("fits") or [] if f.get("network") == market["network"]]
    if not fits:
        return scenario, None
    step = float(market["step_weeks"])
    fit = min(fits, key=lambda f: abs(float(f["step_weeks"]) - step))
    # on the sections, not the raw file (callers may have set sections directly, e.g. the demo's pack and
    # network); the raw keeps what the user wrote, so a second build applies the same fit again
    market = {**market, "delta_u": float(fit["value"])}
    return replace(scenario, sections={**scenario.sections, "market": market}), {
        **fit, "target": calibration.get("target")}
