"""Calibration to the US Beveridge curve, as the paper does: fit delta_u, delta_v, gamma (= gamma_u = gamma_v)
and the amplitude a of a sinusoidal demand cycle (period fixed at 103 steps: 2008-2018 as three quarters of
a cycle) so that the model's (unemployment rate, vacancy rate) cycle matches the monthly US Beveridge curve
(BLS unemployment rate LNS14000000 and JOLTS job openings rate, Dec 2000 - Nov 2018, from pack.macro).

Distance: the symmetric nearest-point distance between the model's last full cycle and the data points,
root-mean-square in percentage points (the paper compares the curves' shapes and positions, not dates).
Search: the paper's values as the start, Nelder-Mead on bounded (logit-scaled) parameters.

The fitted rates are per 6.75 weeks (the paper's period, ``rate_period_weeks``) whatever the step the model
runs at (``step_weeks``, e.g. monthly): the engine converts them to the step, and the cycle's period is
103 x 6.75 weeks in any step, so a fit at monthly steps is directly comparable with the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workshift.data import load_pack
from workshift.errors import DataError, InputError
from workshift.market import network as netmod
from workshift.market.inputs import from_pack
from workshift.market.meanfield import run
from workshift.market.model import Model
from workshift.market.params import RATE_PERIOD_WEEKS, ModelParams, self_loop_r
from workshift.market.run import build
from workshift.market.scenario import from_dict
from workshift.market.shock import DemandPath

BOUNDS = {"delta_u": (0.002, 0.08), "delta_v": (0.002, 0.08), "gamma": (0.01, 0.9), "amplitude": (0.0, 0.3)}
START = {"delta_u": 0.016, "delta_v": 0.012, "gamma": 0.16, "amplitude": 0.065}


def beveridge_data(macro: pd.DataFrame, start: str = "2000-12", end: str = "2018-11") -> pd.DataFrame:
    """Monthly (date, unemployment_rate, vacancy_rate) as shares, for months with both series."""
    wide = macro.pivot_table(index="date", columns="series", values="value")
    needed = {"unemployment_rate", "job_openings_rate"}
    if not needed <= set(wide.columns):
        raise DataError(f"macro data lacks {sorted(needed - set(wide.columns))}", file="pack.macro")
    wide.index = pd.to_datetime(wide.index)
    try:
        lo, hi = pd.Timestamp(start + "-01" if len(start) == 7 else start), pd.Timestamp(end + "-01" if len(end) == 7
                                                                                         else end)
    except ValueError as exc:
        raise InputError(f"bad month '{start}' or '{end}'", hint="use YYYY-MM") from exc
    part = wide.loc[(wide.index >= lo) & (wide.index <= hi)].dropna(subset=list(needed))
    if len(part) < 12:
        raise InputError(f"only {len(part)} months with both series between {start} and {end}")
    return pd.DataFrame({"date": part.index, "unemployment_rate": part["unemployment_rate"].to_numpy() / 100,
                         "vacancy_rate": part["job_openings_rate"].to_numpy() / 100})


def model_curve(net: netmod.Network, e0: np.ndarray, values: dict[str, float], period: float = 103.0,
                burn: int = 100, cycles: int = 2, step_weeks: float = RATE_PERIOD_WEEKS
                ) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) rates over the last full demand cycle after ``burn`` steps and ``cycles`` cycles, from the
    model's steady state; ``values`` are rates per 6.75 weeks, ``period`` and ``burn`` in steps of
    ``step_weeks``."""
    p = ModelParams.per_period(step_weeks, RATE_PERIOD_WEEKS, delta_u=values["delta_u"], delta_v=values["delta_v"],
                               gamma_u=values["gamma"], gamma_v=values["gamma"])
    d0 = e0 * (1.0 + values["delta_u"])
    demand = DemandPath(d0, d0, start=10**9, adoption_steps=1.0, cycle_amplitude=values["amplitude"],
                        cycle_period=period, cycle_start=burn)
    steps = burn + int(np.ceil(cycles * period))
    rates = run(Model(p, net, demand, e0=e0), steps=steps).rates()
    last = slice(steps - int(np.ceil(period)), steps + 1)
    return rates["unemployment_rate"][0, last], rates["vacancy_rate"][0, last]


def curve_distance(model_uv: np.ndarray, data_uv: np.ndarray) -> float:
    """RMS of nearest-point distances, data to model and model to data (same units as the inputs)."""
    d = np.sqrt(((data_uv[:, None, :] - model_uv[None, :, :]) ** 2).sum(axis=-1))
    return float(np.sqrt(0.5 * (np.mean(d.min(axis=1) ** 2) + np.mean(d.min(axis=0) ** 2))))


def _to_unit(values: dict[str, float]) -> np.ndarray:
    out = []
    for key, (lo, hi) in BOUNDS.items():
        x = np.clip((values[key] - lo) / (hi - lo), 1e-6, 1 - 1e-6)
        out.append(np.log(x / (1 - x)))
    return np.array(out)


def _from_unit(z: np.ndarray) -> dict[str, float]:
    return {key: lo + (hi - lo) / (1 + np.exp(-zk)) for zk, (key, (lo, hi)) in zip(z, BOUNDS.items(), strict=True)}


@dataclass
class CalibrationResult:
    parameters: dict[str, float]
    rmse_pp: float
    paper_rmse_pp: float
    data: pd.DataFrame
    model_u: np.ndarray
    model_v: np.ndarray
    evaluations: int
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "fit": {"rmse_pp": self.rmse_pp, "paper_parameters_rmse_pp": self.paper_rmse_pp,
                    "months": len(self.data), "evaluations": self.evaluations,
                    "data_mean_unemployment_rate": float(self.data["unemployment_rate"].mean()),
                    "data_mean_vacancy_rate": float(self.data["vacancy_rate"].mean()),
                    "model_mean_unemployment_rate": float(self.model_u.mean()),
                    "model_mean_vacancy_rate": float(self.model_v.mean())},
            "paper_parameters": START, "meta": self.meta,
        }

    def table(self) -> pd.DataFrame:
        data = pd.DataFrame({"kind": "data", "point": np.arange(len(self.data)),
                             "unemployment_rate": self.data["unemployment_rate"].to_numpy(),
                             "vacancy_rate": self.data["vacancy_rate"].to_numpy()})
        model = pd.DataFrame({"kind": "model", "point": np.arange(self.model_u.size), "unemployment_rate": self.model_u,
                              "vacancy_rate": self.model_v})
        return pd.concat([data, model], ignore_index=True)


def calibrate(pack: str = "us", network: str = "empirical", start: str = "2000-12", end: str = "2018-11",
              inputs=None, max_evals: int = 120, period: float = 103.0,
              step_weeks: float = RATE_PERIOD_WEEKS) -> CalibrationResult:
    """Fit delta_u, delta_v, gamma (per 6.75 weeks) and the cycle amplitude to the Beveridge curve of the
    pack's macro data, simulating at steps of ``step_weeks``; ``period`` is the cycle in 6.75-week steps."""
    from scipy.optimize import minimize

    if inputs is None:
        inputs = from_pack(load_pack(pack))
    if inputs.macro is None:
        raise DataError("these inputs carry no macro data", expected="a region pack with a macro table")
    data = beveridge_data(inputs.macro, start, end)
    data_uv = data[["unemployment_rate", "vacancy_rate"]].to_numpy() * 100
    netmod.check_kind(network)
    net = (netmod.complete(inputs.nodes) if network == "complete" else
           netmod.from_edges(inputs.edges[network], inputs.nodes, self_loop_r(RATE_PERIOD_WEEKS), network))
    e0 = inputs.employment
    scale = RATE_PERIOD_WEEKS / step_weeks  # steps of step_weeks per 6.75 weeks
    period_steps, burn = period * scale, int(round(100 * scale))

    def curve(values: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        return model_curve(net, e0, values, period_steps, burn, step_weeks=step_weeks)

    def objective(z: np.ndarray) -> float:
        u, v = curve(_from_unit(z))
        return curve_distance(np.column_stack([u, v]) * 100, data_uv)

    paper = objective(_to_unit(START))
    fit = minimize(objective, _to_unit(START), method="Nelder-Mead",
                   options={"maxfev": max_evals, "xatol": 1e-3, "fatol": 1e-5})
    best = _from_unit(fit.x)
    u, v = curve(best)
    meta = {"network": network, "period_steps": period_steps, "step_weeks": step_weeks,
            "rate_period_weeks": RATE_PERIOD_WEEKS, "self_loop_r": net.r,
            "data": "BLS LNS14000000 unemployment rate, JOLTS job openings rate (pack.macro)",
            "data_vintage": inputs.vintage, "method": "Nelder-Mead on the symmetric nearest-point distance"}
    return CalibrationResult({k: float(x) for k, x in best.items()}, float(fit.fun), paper, data, u, v,
                             int(fit.nfev), meta)


# --- the separation rate fitted to a country's observed unemployment level (region packs beyond the US) ---
# A pack may ship fits of delta_u to its country's unemployment rate (``meta.calibration``, e.g. the China
# pack: NBS urban surveyed rate); :func:`workshift.market.pack_rates.pack_rates` applies them.

SEPARATION_BRACKET = (0.004, 0.04)  # delta_u per 6.75 weeks searched (the paper's 0.016 inside)


def steady_unemployment(inputs, market: dict[str, Any]) -> float:
    """The engine's steady-state unemployment rate ((unemployed + searching graduates) / labour force, 0-1)
    under no shock and no new policy, for ``[market]`` settings on ``inputs`` (the paper's rates unless given)."""
    built = build(from_dict({"market": {"rates": "paper", **market}}), inputs)
    state = built.model.steady_state(1)
    return float(state.unemployed().sum() / state.labour_force().sum())


def fit_separation_rate(inputs, target: float, market: dict[str, Any] | None = None,
                        bracket: tuple[float, float] = SEPARATION_BRACKET, xtol: float = 1e-5) -> dict[str, Any]:
    """The separation rate ``delta_u`` (per 6.75 weeks) at which the engine's steady-state unemployment rate
    equals ``target`` (0-1), the other rates at the paper's values: one observed level identifies one rate,
    and the steady state rises monotonically with ``delta_u`` (the vacancy rate ``delta_v`` does not move it
    monotonically). Brent's method on the bracket; returns the fit with the steady state before and after."""
    from scipy.optimize import brentq

    market = dict(market or {})
    evaluations: list[tuple[float, float]] = []

    def gap(delta_u: float) -> float:
        rate = steady_unemployment(inputs, {**market, "delta_u": float(delta_u)})
        evaluations.append((float(delta_u), rate))
        return rate - target

    low, high = bracket
    if gap(low) > 0 or gap(high) < 0:
        raise InputError(f"no separation rate in [{low:g}, {high:g}] gives a steady-state unemployment rate of "
                         f"{100 * target:.2f} %", hint="the target is outside what the engine reaches on this "
                         "network; give [market] delta_u yourself")
    value = float(brentq(gap, low, high, xtol=xtol))
    paper = steady_unemployment(inputs, {k: v for k, v in market.items() if k != "delta_u"})
    after = steady_unemployment(inputs, {**market, "delta_u": value})
    return {"parameter": "delta_u", "value": value, "rate_period_weeks": RATE_PERIOD_WEEKS,
            "paper_value": START["delta_u"], "target": target,
            "steady_state_unemployment_rate": after, "paper_steady_state_unemployment_rate": paper,
            "residual_pp": 100 * (after - target), "evaluations": len(evaluations) + 2,
            "market": market, "method": "Brent's method on delta_u (delta_v, gamma_u, gamma_v at the paper's "
                                        "values) so that the no-shock steady state equals the target"}

