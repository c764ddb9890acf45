"""Synthetic control, SDID and DID: Proposition 99 (Arkhangelsky et al. 2021), optimiser, simulated effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from workshift.data.registry import source_file
from workshift.errors import DataError, NotFoundError
from workshift.evidence import synth_weights as sw
from workshift.evidence.panel import panel_from_frame, read_panel
from workshift.evidence.synth import estimate_synth

# Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), AER 111(12), Table 1, California row:
# estimate (placebo standard error), packs per capita. synthdid's README prints -15.60383, -19.61966, -27.34911.
TABLE_1 = {"sdid": (-15.6, 8.4), "sc": (-19.6, 9.9), "did": (-27.3, 17.7)}
SYNTHDID = {"sdid": -15.60383, "sc": -19.61966, "did": -27.34911}


@pytest.fixture(scope="module")
def prop99(data_dir):
    path = source_file("evaluation/california_prop99_long_semicolon.csv", data_dir)
    return read_panel(path, unit="State", time="Year", outcome="PacksPerCapita")


@pytest.fixture(scope="module")
def results(prop99):
    return {m: estimate_synth(prop99, treated="California", treatment_start=1989, method=m) for m in TABLE_1}


@pytest.mark.parametrize("method", ["sc", "sdid", "did"])
def test_prop99_reproduces_table_1(results, method) -> None:
    estimate, se = TABLE_1[method]
    result = results[method]
    assert result.att == pytest.approx(estimate, abs=0.3)
    assert result.att == pytest.approx(SYNTHDID[method], abs=1e-3)
    # Placebo SE: exact limit of synthdid's 200-draw Monte Carlo version, so within its sampling error.
    assert result.se == pytest.approx(se, rel=0.15)
    assert result.ci_low < result.att < result.ci_high
    weights = np.array(list(result.weights.values()))
    assert weights.min() >= 0 and weights.sum() == pytest.approx(1.0)
    assert len(weights) == 38 and "California" not in result.weights


def test_prop99_fit_and_placebos(results) -> None:
    sc, sdid, did = results["sc"], results["sdid"], results["did"]
    # The synthetic California tracks the real one before 1989 far better than the plain average (DID).
    assert sc.pre_rmspe < 2.5 and sdid.pre_rmspe < 2.5 and did.pre_rmspe > 3 * sc.pre_rmspe
    # SC is sparse; SDID spreads weight (ridge penalty) -- as in Arkhangelsky et al., Figure 1.
    assert sum(w > 0 for w in sc.weights.values()) <= 8
    assert sum(w > 0 for w in sdid.weights.values()) > 15
    assert sum(sdid.time_weights.values()) == pytest.approx(1.0)
    # California's post/pre RMSPE ratio is the most extreme of the 39 units under SDID (p = 1/39).
    assert sdid.p_value == pytest.approx(1 / 39)
    assert sc.p_value < 0.1
    assert len(sc.placebos) == 38
    # The post-period mean gap of the paths is the estimate (SC: the raw gap; SDID: after the shift).
    for result in results.values():
        post = result.path[result.path["post"]]
        assert post["gap"].mean() == pytest.approx(result.att, abs=1e-9)


def test_frank_wolfe_reaches_the_simplex_optimum(prop99) -> None:
    wide = prop99.wide()
    y = wide.loc[[u for u in wide.index if u != "California"] + ["California"]].to_numpy()
    opts = sw.Options.for_data(y, 38, 19, "sdid")
    yc = sw.collapsed(y, 38, 19)[:, :19].T  # pre-periods x (controls, treated)
    _, omega, _ = sw.fit(y, 38, 19, opts)
    a = yc - yc.mean(axis=0)  # omega intercept: demeaned over periods

    def objective(w: np.ndarray) -> float:
        err = a[:, :38] @ w - a[:, 38]
        return opts.zeta_omega**2 * w @ w + err @ err / 19

    best = minimize(objective, np.full(38, 1 / 38), method="SLSQP", bounds=[(0, 1)] * 38,
                    constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}], options={"ftol": 1e-14,
                                                                                         "maxiter": 1000})
    assert objective(omega) <= best.fun * (1 + 5e-3)  # synthdid stops when a step gains < (1e-5 sigma)^2


def test_wide_file_holds_the_same_panel(data_dir, prop99) -> None:
    wide = pd.read_csv(source_file("evaluation/california_prop99_wide.csv", data_dir))
    long = wide.melt(id_vars="Year", var_name="State", value_name="packs")
    panel = panel_from_frame(long, unit="State", time="Year", outcome="packs")
    assert panel.balanced and len(panel.units) == 39
    pd.testing.assert_frame_equal(panel.wide().sort_index(), prop99.wide().sort_index(), check_names=False)


def _factor_panel(seed: int, effect: float, treated: int = 1, n0: int = 30) -> pd.DataFrame:
    """Two-factor model; the treated units load like a mix of controls; effect added from period 16."""
    rng = np.random.default_rng(seed)
    periods = 20
    factors = np.cumsum(rng.normal(0, 1, (periods, 2)), axis=0)
    loadings = rng.uniform(0.5, 2.0, (n0, 2))
    mix = rng.dirichlet(np.ones(n0), size=treated)
    loads = np.vstack([loadings, mix @ loadings])
    y = 10 + loads @ factors.T + rng.normal(0, 0.3, (n0 + treated, periods))
    y[n0:, 15:] += effect
    names = [f"c{i}" for i in range(n0)] + [f"t{i}" for i in range(treated)]
    return pd.DataFrame([(names[i], 2000 + t, y[i, t]) for i in range(n0 + treated) for t in range(periods)],
                        columns=["region", "year", "rate"])


@pytest.mark.parametrize("method", ["sc", "sdid"])
def test_simulated_effect_is_recovered_within_ci(method) -> None:
    panel = panel_from_frame(_factor_panel(3, effect=5.0), unit="region", time="year", outcome="rate")
    result = estimate_synth(panel, treated="t0", treatment_start=2015, method=method)
    assert result.ci_low <= 5.0 <= result.ci_high
    assert result.att == pytest.approx(5.0, abs=1.0)
    assert result.p_value == pytest.approx(1 / 31)  # the only unit with a post-period jump


def test_several_treated_units_use_seeded_placebo_draws() -> None:
    frame = _factor_panel(5, effect=3.0, treated=2, n0=12)
    panel = panel_from_frame(frame, unit="region", time="year", outcome="rate")
    first = estimate_synth(panel, treated=["t0", "t1"], treatment_start=2015, method="sdid", replications=30, seed=4)
    again = estimate_synth(panel, treated=["t0", "t1"], treatment_start=2015, method="sdid", replications=30, seed=4)
    assert first.se == again.se and "30 random placebo" in first.inference["se_rule"]
    assert first.ci_low <= 3.0 <= first.ci_high


def test_bad_designs(prop99) -> None:
    frame = prop99.frame.rename(columns={"unit": "State", "time": "Year"})
    holes = frame.drop(frame.index[(frame["State"] == "Alabama") & frame["Year"].isin([1975, 1976])])
    unbalanced = panel_from_frame(holes, unit="State", time="Year", outcome="y")
    with pytest.raises(DataError, match=r"unbalanced panel: 2 .*State=Alabama, Year=1975"):
        estimate_synth(unbalanced, treated="California", treatment_start=1989)
    with pytest.raises(DataError, match="no pre-treatment period"):
        estimate_synth(prop99, treated="California", treatment_start=1970)
    with pytest.raises(DataError, match="not a period"):
        estimate_synth(prop99, treated="California", treatment_start=2005)
    with pytest.raises(NotFoundError) as err:
        estimate_synth(prop99, treated="Californa", treatment_start=1989)
    assert "California" in str(err.value.hint)


def test_leave_one_out_and_in_time_placebos(results):
    sc = results["sc"]
    loo = sc.robustness["leave_one_out"]
    assert {r["dropped"] for r in loo} == {u for u, w in sc.weights.items() if w > 1e-6}
    assert all(abs(r["estimate"] - sc.att) < 3 for r in loo)  # no single donor drives the -19.6 packs
    early = {r["placebo_start"]: r["estimate"] for r in sc.robustness["in_time"]}
    assert set(early) == {1985, 1987} and all(abs(e) < abs(sc.att) / 2 for e in early.values())
    assert results["did"].robustness == {"leave_one_out": [], "in_time": []}
