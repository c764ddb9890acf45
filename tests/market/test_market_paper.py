"""The paper's qualitative results on the US pack, the flexible-work steady state, calibration and the
simulate command end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm

from workshift.market import scenario
from workshift.market.calibrate import beveridge_data, calibrate, curve_distance
from workshift.market.inputs import from_pack
from workshift.market.run import build, simulate
from workshift.market.tables import node_summary


@pytest.fixture(scope="module")
def inputs(us_pack):
    return from_pack(us_pack)


def _run(inputs, network, index="frey_osborne", extensions=(), **extra):
    raw = {"market": {"extensions": list(extensions), "network": network, **extra.pop("market", {})},
           "shock": {"index": index, **extra.pop("shock", {})}, **extra}
    return simulate(scenario.from_dict(raw), inputs, record_nodes=False)


@pytest.fixture(scope="module")
def automation(inputs):
    """The paper's experiment: Frey-Osborne automation over 30 years, on each network."""
    return {net: _run(inputs, net, market={"steps": 400}) for net in ("empirical", "skills", "complete")}


def test_inputs_aggregate_the_pack_to_its_nodes(inputs, us_pack) -> None:
    assert inputs.n == 539
    assert inputs.employment.sum() == pytest.approx(us_pack.mobility_nodes["employment"].sum())
    assert 0.3 < np.average(inputs.exposure["gpts_beta"], weights=inputs.employment) < 0.45
    assert set(inputs.edges) == {"empirical", "skills"}


def test_frictions_raise_unemployment_and_long_term_unemployment(automation) -> None:
    complete = automation["complete"].summary
    for net in ("empirical", "skills"):
        s = automation[net].summary
        for key in ("steady_state_unemployment_rate", "steady_state_long_term_unemployment_rate",
                    "peak_unemployment_rate", "peak_long_term_unemployment_rate"):
            assert s[key] > complete[key] * 1.05, (net, key)


def test_sparsely_connected_occupations_suffer_more_than_exposure_implies(automation) -> None:
    """Across nodes, the rise in unemployment under automation grows with the automation probability and,
    at the same probability, falls with the number of destinations a node's workers can move to."""
    for net in ("empirical", "skills"):
        nodes = node_summary(automation[net])
        nodes = nodes[nodes["employment"] > 0]
        rise = nodes["unemployment_rate_peak"] - nodes["unemployment_rate_steady"]
        X = sm.add_constant(np.column_stack([nodes["automation_probability"], np.log1p(nodes["degree"])]))
        fit = sm.WLS(rise.to_numpy(), X, weights=np.sqrt(nodes["employment"].to_numpy())).fit()
        assert fit.params[1] > 0 and fit.tvalues[1] > 3, net
        assert fit.params[2] < 0 and fit.tvalues[2] < -3, net


@pytest.mark.parametrize("network", ["empirical", "skills"])
def test_demand_cycle_traces_a_counter_clockwise_beveridge_curve(inputs, network) -> None:
    result = _run(inputs, network, index="none", market={"steps": 100 + 3 * 103},
                  cycle={"amplitude": 0.05, "period_steps": 103})
    u = np.array(result.series["unemployment_rate"][-103:])
    v = np.array(result.series["vacancy_rate"][-103:])
    signed_area = 0.5 * np.sum(u * np.roll(v, -1) - np.roll(u, -1) * v)  # > 0: counter-clockwise in (u, v)
    assert signed_area > 0
    assert np.corrcoef(u, v)[0, 1] < -0.5  # a downward-sloping Beveridge curve


def test_frey_osborne_case_uses_probabilities_directly(inputs) -> None:
    built = build(scenario.from_dict({"market": {"extensions": []}, "shock": {"index": "frey_osborne"}}), inputs)
    np.testing.assert_allclose(built.probability, inputs.exposure["frey_osborne"].clip(0, 1))
    gpts = build(scenario.from_dict({"market": {"extensions": []},
                                     "shock": {"index": "gpts_beta", "displacement_share": 0.4}}), inputs)
    np.testing.assert_allclose(gpts.probability, 0.4 * inputs.exposure["gpts_beta"].clip(0, 1))
    d = gpts.model.demand
    assert d.d_final.sum() == pytest.approx(d.d0.sum())  # the paper keeps total demand
    net = build(scenario.from_dict({"market": {"extensions": []},
                                    "shock": {"index": "gpts_beta", "net_loss": True}}), inputs).model.demand
    assert net.d_final.sum() < net.d0.sum()


def test_flexible_steady_state_reproduces_self_employment_shares(inputs) -> None:
    built = build(scenario.from_dict({"market": {"extensions": ["flexible"], "steps": 100},
                                      "shock": {"index": "none"}}), inputs)
    from workshift.market.meanfield import run

    traj = run(built.model, steps=100, record_nodes=True)
    f, e = traj.nodes["f"][90:100, 0].mean(axis=0), traj.nodes["e"][90:100, 0].mean(axis=0)
    live = e + f > 1.0  # the converged start: the network empties a few small occupations (< 1 worker left)
    share = f[live] / (e + f)[live]
    assert np.max(np.abs(share - inputs.self_employment_share[live])) < 0.01


def test_calibration_improves_on_the_start_and_matches_the_data_level(inputs) -> None:
    data = beveridge_data(inputs.macro)
    assert len(data) >= 200 and 0.04 < data["unemployment_rate"].mean() < 0.08
    uv = data[["unemployment_rate", "vacancy_rate"]].to_numpy()
    assert curve_distance(uv, uv) == 0.0
    fit = calibrate(inputs=inputs, max_evals=12)
    assert fit.rmse_pp <= fit.paper_rmse_pp
    report = fit.to_json()
    assert abs(report["fit"]["model_mean_unemployment_rate"] - report["fit"]["data_mean_unemployment_rate"]) < 0.02


def test_state_region_uses_state_employment(inputs, us_pack) -> None:
    ca = from_pack(us_pack, "ca")
    assert ca.region == "CA" and 0 < ca.employment.sum() < 0.2 * inputs.employment.sum()


def test_simulate_cli_json_store_and_files(us_pack, session_home, tmp_path, capsys) -> None:
    from workshift.cli import main
    from workshift.store import Store

    path = tmp_path / "s.toml"
    path.write_text('[market]\nsteps = 40\nextensions = ["flexible", "income", "insurance"]\n'
                    '[shock]\nindex = "gpts_beta"\nstart_step = 12\nadoption_steps = 20\n')
    with pytest.raises(SystemExit) as done:
        main(["simulate", str(path), "--json", "--out", str(tmp_path / "out")])
    assert done.value.code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("unemployment_rate", "long_term_unemployment_rate", "vacancy_rate", "employment_rate",
                "flexible_share", "training_share"):
        assert len(out["series"][key]) == 41
    for key in ("steady_state_unemployment_rate", "peak_unemployment_rate", "peak_long_term_unemployment_rate",
                "final_unemployment_rate", "displaced_workers"):
        assert key in out["summary"]
    assert out["summary"]["displaced_workers"] > 0
    assert out["meta"]["data_vintage"]["oews"] and out["meta"]["assumptions"]["extensions"]
    assert 0.02 < out["series"]["flexible_share"][0] < 0.2
    run = Store().run(out["run_id"])
    assert run.kind == "simulate"
    assert len(Store().table(out["run_id"], "series")) == 41
    for name in ("series.parquet", "nodes.parquet", "occupations.parquet", "plots.html"):
        assert (tmp_path / "out" / name).is_file()
    path.write_text('[market]\nsteps = 10\n[shock]\nindex = "gpts_betta"\nstart_step = 2\n')
    with pytest.raises(SystemExit) as bad:
        main(["simulate", str(path)])
    assert bad.value.code == 2 and "gpts_beta" in capsys.readouterr().err
