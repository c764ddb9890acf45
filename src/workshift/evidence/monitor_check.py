"""`workshift monitor check`: observations against a stored plan's trajectory and band; alerts.

For each (indicator, region) the residual ``r_t = observed_t - projected_t`` is standardised by the sd
the band implies on the residual's side, ``sd_t = (upper_t - projected_t) / z`` (or ``projected_t -
lower_t``) with ``z = Phi^-1((1 + band_level) / 2)``, so ``z_t`` is N(0, 1) while the plan is right.
Rules (docs/monitoring.md):

- ``ewma``: the EWMA chart of z_t leaves its limits (lam 0.2, L 2.962: in-control ARL 500);
- ``cusum``: the two-sided CUSUM of z_t passes h (k 0.5, h 5: in-control ARL ~465); the alert's start
  is the CUSUM change-point estimate;
- ``band``: two consecutive observations outside the band on the same side;
- ``sahm``: for monthly unemployment rates (percent), the Sahm rule on the observed series, its whole
  stored history included (it needs 14 earlier months).

Each alert says what moved (indicator, region, direction), how far (mean residual since the start, in
the indicator's units and in sd), since when, and what to re-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workshift.errors import DataError, NotFoundError
from workshift.evidence import charts
from workshift.evidence.monitor import DEFAULT_BAND_LEVEL, load_plan, observations, parse_period
from workshift.i18n import t
from workshift.store import Store

SAHM_INDICATORS = ("unemployment_rate", "unemployment", "失业率")
ALERT_TEXT = ["rule", "indicator", "region", "direction", "since", "detected", "latest"]
ALERT_NUMBERS = ["shift", "shift_sd", "statistic", "threshold"]


@dataclass
class CheckResult:
    run_id: str | None
    plan_id: str
    alerts: pd.DataFrame
    residuals: pd.DataFrame
    sahm: pd.DataFrame
    meta: dict[str, Any]


def _typed(frame: pd.DataFrame, text: list[str], numbers: list[str], flags: list[str]) -> pd.DataFrame:
    """Fixed column types, so that an empty result still makes well-typed store tables."""
    out = pd.DataFrame({c: frame[c] if c in frame else pd.Series(dtype=object) for c in text + numbers + flags})
    return out.astype({**{c: "string" for c in text}, **{c: float for c in numbers}, **{c: bool for c in flags}})


def standardise(frame: pd.DataFrame, band_level: float) -> pd.Series:
    """z_t: the residual over the sd implied by the half of the band on its side."""
    zq = stats.norm.ppf((1 + band_level) / 2)
    resid = frame["observed"] - frame["projected"]
    half = np.where(resid >= 0, frame["upper"] - frame["projected"], frame["projected"] - frame["lower"])
    return resid / (pd.Series(half, index=frame.index) / zq)


def _alert(rule: str, key: tuple[str, str], periods: list[str], signal: charts.Signal, block: pd.DataFrame,
           statistic: float, threshold: float) -> dict[str, Any]:
    moved = block.iloc[signal.start: signal.end + 1]
    return {"rule": rule, "indicator": key[0], "region": key[1], "direction": signal.direction,
            "since": periods[signal.start], "detected": periods[signal.detected], "latest": periods[-1],
            "active": signal.active, "shift": float((moved["observed"] - moved["projected"]).mean()),
            "shift_sd": float(moved["z"].mean()), "statistic": statistic, "threshold": threshold}


def _band_signals(block: pd.DataFrame) -> list[charts.Signal]:
    side = np.where(block["observed"] > block["upper"], 1, np.where(block["observed"] < block["lower"], -1, 0))
    out, n, i = [], len(side), 0
    while i < n:
        j = i
        while j + 1 < n and side[j + 1] == side[i]:
            j += 1
        if side[i] != 0 and j > i:  # two or more in a row
            out.append(charts.Signal("above" if side[i] > 0 else "below", i, i + 1, j, j == n - 1))
        i = j + 1
    return out


def _series_rules(key: tuple[str, str], block: pd.DataFrame, rules: dict[str, float]) -> tuple[pd.DataFrame, list]:
    z = block["z"].to_numpy()
    ewma = charts.ewma_chart(z, rules["ewma_lambda"], rules["ewma_L"])
    cusum = charts.cusum_chart(z, rules["cusum_k"], rules["cusum_h"])
    block = block.assign(ewma=ewma["ewma"].to_numpy(), ewma_limit=ewma["limit"].to_numpy(),
                         cusum_upper=cusum["cusum_upper"].to_numpy(), cusum_lower=cusum["cusum_lower"].to_numpy(),
                         cusum_limit=rules["cusum_h"])
    periods = block["period"].tolist()
    alerts = []
    for s in charts.ewma_signals(ewma):
        alerts.append(_alert("ewma", key, periods, s, block, float(ewma["ewma"].iloc[s.detected]),
                             float(ewma["limit"].iloc[0])))
    for s in charts.cusum_signals(cusum):
        column = "cusum_upper" if s.direction == "above" else "cusum_lower"
        alerts.append(_alert("cusum", key, periods, s, block, float(cusum[column].iloc[s.detected]),
                             rules["cusum_h"]))
    for s in _band_signals(block):
        alerts.append(_alert("band", key, periods, s, block, float(block["z"].iloc[s.detected]), np.nan))
    return block, alerts


def _sahm(key: tuple[str, str], history: pd.DataFrame, plan_start: pd.Period,
          scale: float) -> tuple[pd.DataFrame, list]:
    rate = pd.Series(history["value"].to_numpy() * scale, index=pd.PeriodIndex(history["period"], freq="M"))
    table = charts.sahm_rule(rate)
    on = table["on"].to_numpy()
    periods = [str(p) for p in table.index]
    alerts = []
    i = 0
    while i < len(on):
        if not on[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(on) and on[j + 1]:
            j += 1
        if table.index[j] >= plan_start:
            gap = table["gap"].iloc[i: j + 1]
            detected = next(k for k in range(i, j + 1) if table.index[k] >= plan_start)
            alerts.append({"rule": "sahm", "indicator": key[0], "region": key[1], "direction": "above",
                           "since": periods[i], "detected": periods[detected],
                           "latest": periods[-1], "active": j == len(on) - 1,
                           "shift": float(gap.iloc[-1]), "shift_sd": np.nan, "statistic": float(gap.max()),
                           "threshold": charts.SAHM_THRESHOLD})
        i = j + 1
    out = table.reset_index(names="period").assign(indicator=key[0], region=key[1])
    out["period"] = out["period"].astype(str)
    return out, alerts


def check(plan_id: str, home: str | Path | None = None, *, ewma_lambda: float = charts.EWMA_LAMBDA,
          ewma_L: float = charts.EWMA_L, cusum_k: float = charts.CUSUM_K, cusum_h: float = charts.CUSUM_H,
          save: bool = True) -> CheckResult:
    """Compare stored observations with plan ``plan_id``; store and return the alerts."""
    meta, trajectory = load_plan(plan_id, home)
    level = float(meta.get("band_level", DEFAULT_BAND_LEVEL))
    rules = {"ewma_lambda": ewma_lambda, "ewma_L": ewma_L, "cusum_k": cusum_k, "cusum_h": cusum_h}
    observed = observations(home, sorted(trajectory["indicator"].unique()))
    joined = trajectory.merge(observed.rename(columns={"value": "observed"}), on=["indicator", "region", "period"])
    if joined.empty:
        raise NotFoundError(f"no stored observations match plan '{plan_id}' (indicators: "
                            f"{', '.join(sorted(trajectory['indicator'].unique()))})",
                            hint="load them with `workshift monitor ingest FILE`")
    joined["order"] = joined["period"].map(parse_period)
    if joined.groupby(["indicator", "region"])["order"].agg(lambda p: len({x.freqstr for x in p})).gt(1).any():
        raise DataError("a series mixes months, quarters or years", expected="one frequency per indicator and region")
    joined["z"] = standardise(joined, level)
    blocks, alerts, sahm_tables, notes, notes_zh = [], [], [], [], []
    sahm_names = set(SAHM_INDICATORS) | set(meta.get("sahm_indicators", []))
    for key, block in joined.sort_values("order").groupby(["indicator", "region"], sort=True):
        block, found = _series_rules(key, block.reset_index(drop=True), rules)
        blocks.append(block)
        alerts += found
        first = block["order"].iloc[0]
        if key[0] in sahm_names and first.freqstr.startswith("M"):
            history = observed[(observed["indicator"] == key[0]) & (observed["region"] == key[1])]
            scale = 100.0 if meta.get("units", {}).get(key[0]) == "fraction" else 1.0
            table, found = _sahm(key, history, first, scale)
            sahm_tables.append(table)
            alerts += found
            if table["gap"].isna().all():
                notes.append(t("evidence.sahm_not_evaluable", "en", indicator=key[0], region=key[1]))
                notes_zh.append(t("evidence.sahm_not_evaluable", "zh", indicator=key[0], region=key[1]))
    residuals = pd.concat(blocks, ignore_index=True).drop(columns="order")
    action = t("evidence.action_reoptimise", "en", scenario=meta.get("scenario") or "SCENARIO.toml")
    alert_frame = pd.DataFrame(alerts)
    if not alert_frame.empty:
        alert_frame["message"] = [alert_message(row, "en") for row in alert_frame.to_dict("records")]
        alert_frame["action"] = action
    alert_frame = _typed(alert_frame, ALERT_TEXT + ["message", "action"], ALERT_NUMBERS, ["active"])
    sahm = _typed(pd.concat(sahm_tables, ignore_index=True) if sahm_tables else pd.DataFrame(),
                  ["indicator", "region", "period"], ["rate", "avg3", "low12", "gap"], ["on", "crossing"])
    used = joined[["source_file", "source_sha256", "ingested"]].drop_duplicates("source_sha256")
    run_meta = {
        "plan": plan_id, "scenario": meta.get("scenario"), "plan_vintage": meta.get("vintage"),
        "band_level": level, "rules": {**rules, "band": "two consecutive observations outside the band",
                                       "sahm_threshold_pp": charts.SAHM_THRESHOLD},
        "in_control_arl": {"ewma": charts.ewma_arl(ewma_lambda, ewma_L), "cusum": charts.cusum_arl(cusum_k, cusum_h)},
        "observations": {"matched": int(len(joined)), "latest_period": str(residuals["period"].max()),
                         "sources": used.to_dict("records")},
        "alerts": int(len(alert_frame)), "action": action, "notes": notes,
        "notes_zh": notes_zh,
    }
    run_id = None
    if save:
        run_id = Store(home).save_run("monitor", run_meta, {"alerts": alert_frame, "residuals": residuals,
                                                             "sahm": sahm})
    return CheckResult(run_id, plan_id, alert_frame, residuals, sahm, run_meta)


def alert_message(alert: dict[str, Any], lang: str) -> str:
    """One alert in words: what moved, how far, since when."""
    direction = t(f"evidence.direction_{alert['direction']}", lang)
    fields = {"indicator": alert["indicator"], "region": alert["region"], "direction": direction,
              "since": alert["since"], "detected": alert["detected"], "shift": f"{alert['shift']:+.3g}",
              "shift_sd": f"{alert['shift_sd']:+.2f}" if pd.notna(alert["shift_sd"]) else "",
              "statistic": f"{alert['statistic']:.2f}"}
    return t(f"evidence.alert_{alert['rule']}", lang, **fields)
