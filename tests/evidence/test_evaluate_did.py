"""Staggered DiD (Callaway & Sant'Anna): R `did` reference results on mpdta, invariants, simulated effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workshift.data.registry import source_file
from workshift.errors import DataError
from workshift.evidence.did import estimate_did
from workshift.evidence.panel import panel_from_frame, read_panel

# R did README (did 2.x; att_gt(yname="lemp", tname="year", idname="countyreal", gname="first.treat",
# xformla=~1, est_method="reg"), multiplier bootstrap, 1000 draws): ATT(g,t), bootstrap SE.
R_CELLS = {
    (2004, 2004): (-0.0105, 0.0241), (2004, 2005): (-0.0704, 0.0313), (2004, 2006): (-0.1373, 0.0380),
    (2004, 2007): (-0.1008, 0.0337), (2006, 2004): (0.0065, 0.0223), (2006, 2005): (-0.0028, 0.0196),
    (2006, 2006): (-0.0046, 0.0188), (2006, 2007): (-0.0412, 0.0202), (2007, 2004): (0.0305, 0.0154),
    (2007, 2005): (-0.0027, 0.0168), (2007, 2006): (-0.0311, 0.0190), (2007, 2007): (-0.0261, 0.0182),
}
# Same README: aggte(type="dynamic") and aggte(type="group").
R_DYNAMIC = {-3: (0.0305, 0.0153), -2: (-0.0006, 0.0136), -1: (-0.0245, 0.0138), 0: (-0.0199, 0.0115),
             1: (-0.0510, 0.0174), 2: (-0.1373, 0.0356), 3: (-0.1008, 0.0354)}
R_GROUP = {2004: (-0.0797, 0.0277), 2006: (-0.0229, 0.0172), 2007: (-0.0261, 0.0177)}
# Overall aggregations. Estimates: issue 7 (R did); SEs: group and dynamic from the README above, simple and
# calendar as quoted for the did vignette in the task brief (not re-verified against R here).
R_OVERALL = {"simple": (-0.0400, 0.0121), "group": (-0.0310, 0.0123), "dynamic": (-0.0772, 0.0196),
             "calendar": (-0.0417, 0.0170)}


@pytest.fixture(scope="module")
def mpdta(data_dir):
    path = source_file("evaluation/mpdta.csv", data_dir)
    return read_panel(path, unit="countyreal", time="year", outcome="lemp", cohort="first.treat")


@pytest.fixture(scope="module")
def analytic(mpdta):
    return estimate_did(mpdta, bootstrap=0)


@pytest.fixture(scope="module")
def boot(mpdta):
    return estimate_did(mpdta, bootstrap=999, seed=7)


def test_group_time_effects_match_r_did(analytic, boot) -> None:
    gt = analytic.group_time.set_index(["group", "time"])
    assert set(gt.index) == set(R_CELLS)
    bgt = boot.group_time.set_index(["group", "time"])
    for cell, (att, se) in R_CELLS.items():
        assert gt.loc[cell, "att"] == pytest.approx(att, abs=5e-4), cell
        assert gt.loc[cell, "se"] == pytest.approx(se, rel=0.2), cell
        assert bgt.loc[cell, "se"] == pytest.approx(se, rel=0.2), cell
    assert (gt["n_control"] == 309).all()
    assert analytic.cohorts == {0: 309, 2004: 20, 2006: 40, 2007: 131}


@pytest.mark.parametrize("kind", ["simple", "group", "dynamic", "calendar"])
def test_aggregations_match_r_did(analytic, boot, kind) -> None:
    estimate, se = R_OVERALL[kind]
    for result in (analytic, boot):
        overall = result.aggregations[kind].overall
        assert overall.estimate == pytest.approx(estimate, abs=5e-4)
        assert overall.se == pytest.approx(se, rel=0.2)
    # The bootstrap estimates the same variance as the influence function.
    assert boot.aggregations[kind].overall.se == pytest.approx(analytic.aggregations[kind].overall.se, rel=0.1)


def test_dynamic_and_group_details_match_r_did(analytic, boot) -> None:
    for result in (analytic, boot):
        dyn = result.aggregations["dynamic"].detail.set_index("event_time")
        for e, (att, se) in R_DYNAMIC.items():
            assert dyn.loc[e, "estimate"] == pytest.approx(att, abs=5e-4)
            assert dyn.loc[e, "se"] == pytest.approx(se, rel=0.2)
        grp = result.aggregations["group"].detail.set_index("group")
        for g, (att, se) in R_GROUP.items():
            assert grp.loc[g, "estimate"] == pytest.approx(att, abs=5e-4)
            assert grp.loc[g, "se"] == pytest.approx(se, rel=0.2)
    assert analytic.att == analytic.aggregations["simple"].overall.estimate
    assert analytic.ci_low < analytic.att < analytic.ci_high


def test_bootstrap_is_reproducible_and_uniform_bands_are_wider(mpdta, boot) -> None:
    again = estimate_did(mpdta, bootstrap=999, seed=7)
    assert again.se == boot.se
    other = estimate_did(mpdta, bootstrap=999, seed=8)
    assert other.se != boot.se
    rademacher = estimate_did(mpdta, bootstrap=999, seed=7, multiplier="rademacher")
    analytic_se = estimate_did(mpdta, bootstrap=0).se
    assert rademacher.se == pytest.approx(analytic_se, rel=0.1)  # each draw set is within ~3.5% (1 sd)
    banded = estimate_did(mpdta, bootstrap=999, seed=7, cband=True)
    dyn = banded.aggregations["dynamic"]
    assert dyn.crit_value > 1.96
    width = (dyn.detail["ci_high"] - dyn.detail["ci_low"]) / (2 * dyn.detail["se"])
    assert np.allclose(width, dyn.crit_value)


def test_universal_base_period_identities(mpdta, analytic) -> None:
    uni = estimate_did(mpdta, bootstrap=0, base_period="universal").group_time.set_index(["group", "time"])
    var = analytic.group_time.set_index(["group", "time"])
    # Post-treatment cells do not depend on the base-period rule.
    post = var[var["post"]].index
    assert np.allclose(uni.loc[post, "att"], var.loc[post, "att"])
    # The reference cell is zero by construction, without a standard error.
    assert uni.loc[(2007, 2006), "att"] == 0 and np.isnan(uni.loc[(2007, 2006), "se"])
    # A long difference back from g-1 is minus the sum of the short (varying) differences in between.
    assert uni.loc[(2007, 2004), "att"] == pytest.approx(-(var.loc[(2007, 2005), "att"] + var.loc[(2007, 2006), "att"]))
    assert uni.loc[(2007, 2003), "att"] == pytest.approx(-var.loc[[(2007, t) for t in (2004, 2005, 2006)], "att"].sum())


def test_not_yet_treated_controls_by_hand(mpdta) -> None:
    result = estimate_did(mpdta, control="notyet", bootstrap=0)
    frame = mpdta.frame
    wide = frame.pivot(index="unit", columns="time", values="y")
    cohort = frame.groupby("unit")["cohort"].first().fillna(0)
    change = wide[2005] - wide[2003]
    controls = (cohort == 0) | (cohort > 2005)  # never treated, 2006 and 2007 cohorts
    expected = change[cohort == 2004].mean() - change[controls].mean()
    cell = result.group_time.set_index(["group", "time"]).loc[(2004, 2005)]
    assert cell["att"] == pytest.approx(expected, abs=1e-12)
    assert cell["n_control"] == 309 + 40 + 131
    # At t = 2006 the 2006 cohort is treated, so only never-treated and 2007 units remain as controls.
    assert result.group_time.set_index(["group", "time"]).loc[(2004, 2006), "n_control"] == 309 + 131


def _simulated(seed: int, n: int = 600, periods: int = 8, effect: float = 2.0) -> pd.DataFrame:
    """Two-way fixed effects plus noise, three cohorts and never-treated units; effect on the treated."""
    rng = np.random.default_rng(seed)
    cohorts = rng.choice([0, 4, 5, 7], size=n, p=[0.4, 0.2, 0.2, 0.2])
    unit_fe = rng.normal(cohorts / 3, 1.0, size=n)  # selection on levels: fine for DiD
    time_fe = np.linspace(0, 3, periods) + rng.normal(0, 0.3, periods)
    rows = []
    for i in range(n):
        for t in range(1, periods + 1):
            treated = cohorts[i] > 0 and t >= cohorts[i]
            y = unit_fe[i] + time_fe[t - 1] + effect * treated + rng.normal(0, 1.0)
            rows.append((f"u{i}", t, y, cohorts[i]))
    return pd.DataFrame(rows, columns=["id", "period", "y", "first"])


def test_simulated_effect_is_recovered_within_ci() -> None:
    frame = _simulated(11)
    panel = panel_from_frame(frame, unit="id", time="period", outcome="y", cohort="first")
    result = estimate_did(panel, bootstrap=999, seed=3)
    assert result.ci_low <= 2.0 <= result.ci_high
    assert result.att == pytest.approx(2.0, abs=4 * result.se)
    dyn = result.aggregations["dynamic"].detail
    pre = dyn[dyn["event_time"] < 0]
    assert (pre["estimate"].abs() < 4 * pre["se"]).all()  # parallel trends hold by construction


def test_unbalanced_panel_path(mpdta, analytic) -> None:
    from workshift.evidence import did

    # On a balanced panel the cross-sectional (unbalanced) estimator is the same estimator.
    design, frame = did._design(mpdta, "never")
    cells = did._cells(design, "varying")
    att_p, inf_p, _ = did._panel_cells(design, frame, cells, "never")
    att_u, inf_u, _ = did._unbalanced_cells(design, frame, cells, "never")
    assert np.allclose(att_p, att_u) and np.allclose(inf_p, inf_u)

    # Drop 8% of rows at random: R did's allow_unbalanced_panel path.
    rng = np.random.default_rng(5)
    kept = mpdta.frame[rng.random(len(mpdta.frame)) > 0.08]
    unbal = panel_from_frame(kept.rename(columns={"cohort": "g"}), unit="unit", time="time", outcome="y", cohort="g")
    keep = estimate_did(unbal, bootstrap=0)
    assert keep.panel_kind == "unbalanced" and keep.n_obs == len(kept)
    # Cross-sectional means of log employment across changing county sets: unbiased but far less precise.
    assert keep.se > 2 * analytic.se
    assert keep.att == pytest.approx(analytic.att, abs=3 * keep.se)
    assert any("cross-sectional" in w for w in keep.warnings)
    drop = estimate_did(unbal, bootstrap=0, unbalanced="drop")
    assert drop.panel_kind == "balanced" and drop.n_units < analytic.n_units
    assert drop.att == pytest.approx(analytic.att, abs=3 * drop.se)
    assert any("not observed in every period" in w for w in drop.warnings)


def test_simulated_unbalanced_effect_within_ci() -> None:
    frame = _simulated(21)
    frame = frame[np.random.default_rng(2).random(len(frame)) > 0.15]
    panel = panel_from_frame(frame, unit="id", time="period", outcome="y", cohort="first")
    result = estimate_did(panel, bootstrap=0)
    assert result.panel_kind == "unbalanced"
    assert result.ci_low <= 2.0 <= result.ci_high


def test_no_never_treated_units() -> None:
    frame = _simulated(4)
    frame = frame[frame["first"] > 0]
    panel = panel_from_frame(frame, unit="id", time="period", outcome="y", cohort="first")
    with pytest.raises(DataError, match="no never-treated"):
        estimate_did(panel, bootstrap=0)
    result = estimate_did(panel, bootstrap=0, control="notyet")
    assert result.periods == list(range(1, 7))  # periods from the last cohort (7) on are dropped
    assert sorted(result.group_time["group"].unique()) == [4, 5]
    assert result.ci_low <= 2.0 <= result.ci_high


def test_design_errors() -> None:
    frame = _simulated(8, n=40, periods=5)
    always = frame.copy()
    always.loc[always["id"] == "u3", "first"] = 1
    with pytest.raises(DataError, match="no pre-treatment period.*u3"):
        estimate_did(panel_from_frame(always, unit="id", time="period", outcome="y", cohort="first"))
    moving = frame.copy()
    moving.loc[(moving["id"] == "u5") & (moving["period"] == 2), "first"] = 3
    with pytest.raises(DataError, match="cohort changes within unit"):
        estimate_did(panel_from_frame(moving, unit="id", time="period", outcome="y", cohort="first"))
    fractional = frame.assign(period=frame["period"] + 0.5)
    with pytest.raises(DataError, match="integers"):
        estimate_did(panel_from_frame(fractional, unit="id", time="period", outcome="y", cohort="first"))


def test_result_dict_shape(analytic) -> None:
    out = analytic.to_dict()
    assert set(out["att"]) == {"estimate", "se", "ci_low", "ci_high"}
    assert set(out["aggregations"]) == {"simple", "group", "dynamic", "calendar"}
    for agg in out["aggregations"].values():
        assert {"estimate", "se"} <= set(agg)
    assert out["provenance"]["data_sha256"] == "7d8620758d79fdc732a51e26700619f851394e4d1373cad9a3de3b52a2dbc5c7"
    tables = analytic.tables()
    assert len(tables["did_group_time"]) == 12
    assert set(tables["did_aggregations"]["aggregation"]) == {"simple", "group", "dynamic", "calendar"}


def test_bootstrap_basis_shortcut_matches_direct_draws() -> None:
    from workshift.evidence.did_aggregate import Inference

    rng = np.random.default_rng(0)
    basis = np.column_stack([rng.normal(0, 50, (300, 3)), rng.random(300) < 0.3, np.ones(300)])
    inside = basis @ np.array([0.2, -1.0, 0.5, 3.0, -0.7])
    outside = rng.normal(0, 1, 300)
    fast = Inference(300, 400, 9, "mammen", 0.05, basis)
    slow = Inference(300, 400, 9, "mammen", 0.05)
    for inf in (inside, outside):  # in the span: from the basis replicates; outside: drawn afresh
        assert fast.se(inf)[0] == pytest.approx(slow.se(inf)[0], rel=1e-9)
