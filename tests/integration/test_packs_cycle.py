"""The cycle on non-US packs: simulate, optimise (demo), monitoring series, transitions, on `cn` and `de`."""

from __future__ import annotations

import re

import pytest

from workshift.data import load_pack
from workshift.errors import NotFoundError
from workshift.i18n.numbers import currency_name
from workshift.market.inputs import from_pack
from workshift.market.run import simulate
from workshift.market.scenario import from_dict
from workshift.services.pack_search import resolve_in_pack
from workshift.services.transitions import TransitionModel


@pytest.fixture(scope="module")
def packs(intl_home):
    return intl_home


def _scenario(name: str, network: str) -> dict:
    return {"market": {"pack": name, "region": name.upper(), "network": network, "steps": 160},
            "shock": {"index": "ilo_genai_2025", "displacement_share": 0.5, "start_step": 40,
                      "adoption_steps": 80}}


def test_network_sensitivity_is_reported(packs) -> None:
    for name in ("de", "cn"):
        pack = load_pack(name, home=packs)
        inputs = from_pack(pack, name.upper())
        assert inputs.region == name.upper() and set(inputs.edges) == {"skills", "us_empirical"}
        peaks = {}
        for network in ("skills", "us_empirical"):
            result = simulate(from_dict(_scenario(name, network)), inputs, record_nodes=False)
            s = result.summary
            assert 0 < s["steady_state_unemployment_rate"] < 0.2
            peaks[network] = s["peak_unemployment_rate"] - s["steady_state_unemployment_rate"]
        assert all(p >= 0 for p in peaks.values())


def test_transitions_answer_in_the_packs_own_codes_and_titles(packs) -> None:
    de = load_pack("de", home=packs)
    model = TransitionModel(de, index="ilo_genai_2025")
    origin = resolve_in_pack("Software developers", de)
    assert origin.soc_code == "2512" and origin.confidence == 1.0
    assert resolve_in_pack("2411", de).title == "Accountants"
    with pytest.raises(NotFoundError, match="not an occupation of pack 'de'"):
        resolve_in_pack("9999", de)
    assert model.codes.get_loc("2512") >= 0
    cn = load_pack("cn", home=packs)
    found = resolve_in_pack("计算机软件工程技术人员", cn)
    assert found.soc_code[:1] in "23" and found.system == "title (csco)" and 0 < found.confidence <= 1


def test_china_policy_scenario_prepares_on_the_china_pack(packs, monkeypatch) -> None:
    from workshift.config import CHECKOUT_ROOT
    from workshift.optimize.pipeline import load_policy_scenario, prepare

    monkeypatch.setenv("WORKSHIFT_HOME", str(packs))
    sc = load_policy_scenario(CHECKOUT_ROOT / "scenarios" / "genai_policy_cn.toml", home=packs)
    assert sc.engine.market["pack"] == "cn" and sc.engine.market["network"] == "skills"
    inputs = from_pack(load_pack("cn", home=packs), "CN")
    assert inputs.currency == "CNY" and inputs.region == "CN"
    prepared = prepare(sc, inputs=inputs)
    assert 0.0 < prepared.baseline["employment_to_population"] < 1.0
    # costs and budget in CNY at the pack's PPP factor (PWT 9.1, 2017), stated with its source
    assert prepared.scenario.policy.currency == "CNY" and prepared.costs["basis"] == "ppp"
    assert prepared.costs["factor"] == pytest.approx(5.0017, abs=1e-4)
    assert "Penn World Table 9.1" in prepared.costs["country"]["source"]


def test_monitoring_series_of_china(packs) -> None:
    obs = load_pack("cn", home=packs).observations()
    ur = obs[obs["indicator"] == "unemployment_rate"]
    assert len(ur) == 49 and set(ur["region"]) == {"CN"} and ur["period"].is_unique
    assert ur["value"].between(4.5, 6.5).all()


@pytest.mark.slow
@pytest.mark.parametrize(("pack", "lang"), [("cn", "zh"), ("de", "en")])
def test_small_demo_runs_on_the_pack(packs, tmp_path, monkeypatch, pack: str, lang: str) -> None:
    from workshift.cli import main

    monkeypatch.setenv("WORKSHIFT_HOME", str(packs))
    out = tmp_path / "demo"
    with pytest.raises(SystemExit) as done:
        main(["demo", "--pack", pack, "--lang", lang, "--pop", "4", "--generations", "1", "--ensemble", "2",
              "--out", str(out)])
    assert done.value.code in (0, None)
    report = (out / "policy_report.zh.html").read_text(encoding="utf-8")
    assert "政策" in report
    # income, costs and the budget are in the pack's currency (the demo's USD 300 bn converted at the pack's
    # PPP factor, which the report states); in Chinese: '每年 … 人民币/欧元' and '… 亿人民币', never '300.0 bn USD'
    loaded = load_pack(pack, home=packs)
    wages = currency_name(loaded.currency, "zh")
    assert re.search(rf"每年 [\d.,]+ ?(万|亿)? ?{wages}", report) and f"亿{wages}" in report
    assert "bn USD" not in report and "（USD）" not in report
    assert f"{loaded.cost_conversion['factor']:.4g}" in report and "3000 亿美元" in report  # the budget as given


def test_data_series_writes_observations_monitor_ingest_reads(packs, tmp_path, monkeypatch, capsys) -> None:
    from workshift.cli import main

    monkeypatch.setenv("WORKSHIFT_HOME", str(packs))
    out = tmp_path / "obs_cn.csv"
    for expected in (0, 2):  # the second time the file exists: refused without --force
        with pytest.raises(SystemExit) as done:
            main(["data", "series", "cn", "--out", str(out)])
        assert (done.value.code or 0) == expected
    with pytest.raises(SystemExit) as done:
        main(["monitor", "ingest", str(out)])
    assert (done.value.code or 0) == 0 and "384 new" in capsys.readouterr().out


def test_services_text_is_in_the_packs_currency(packs, monkeypatch, capsys) -> None:
    """Wages, course fees and programme costs in the pack's currency (CNY), never '$' or '美元'; the shipped
    catalogue's illustrative fees and the programmes' costs at the pack's lever-cost factor, as in the policy."""
    import numpy as np

    from workshift.api.transitions import training_catalogue
    from workshift.cli import main
    from workshift.services.career import advise
    from workshift.services.entrepreneurship import programmes
    from workshift.services.training import load_catalogue

    cn = load_pack("cn", home=packs)
    factor = cn.cost_conversion["factor"]
    model = TransitionModel(cn, index="ilo_genai_2025")
    catalogue = training_catalogue(model)
    assert catalogue.currency == "CNY" and catalogue.meta()["cost_basis"]["converted"]["factor"] == factor
    np.testing.assert_allclose(catalogue.frame["cost"], load_catalogue().frame["cost"] * factor)
    for lang, unit, foreign in (("zh", "人民币", "美元"), ("en", "CNY", "USD")):
        advice = advise(model, "2512", top=5, filter="viable", lang=lang, catalogue=catalogue)
        text = " ".join(item.explanation for item in advice.transitions)
        assert unit in text and foreign not in text and "$" not in text
    usd = {p["id"]: p for p in programmes("zh")}
    for prog in programmes("zh", conversion=cn.cost_conversion):
        assert prog["currency"] == "CNY"
        assert prog["cost_per_participant"] == pytest.approx(usd[prog["id"]]["cost_per_participant"] * factor,
                                                             abs=factor)  # both rounded to whole units
    monkeypatch.setenv("WORKSHIFT_HOME", str(packs))
    with pytest.raises(SystemExit) as done:
        main(["transitions", "2512", "--pack", "cn", "--lang", "zh", "--top", "3"])
    out = capsys.readouterr().out
    assert (done.value.code or 0) == 0 and "人民币" in out and "$" not in out and "美元" not in out


def test_china_ships_its_unemployment_calibration_and_the_engine_applies_it(packs) -> None:
    """Target: the mean of NBS's 12 latest published months (5.133 %); the fitted separation rate is applied
    on the skills network (nearest step), not on us_empirical; Germany: not calibrated (no series)."""
    from workshift.data.builders.cn import CALIBRATION_FITS
    from workshift.market.run import build

    cn = load_pack("cn", home=packs)
    calibration = cn.meta["calibration"]
    assert calibration["target"]["value"] == pytest.approx(0.051333, abs=1e-6) and not calibration["stale"]
    assert calibration["target"]["months"] == 12 and cn.quality["calibration"] == calibration
    for fit in calibration["fits"]:
        assert abs(fit["residual_pp"]) < 0.01 and fit["value"] < 0.016  # below the paper's US rate
        assert fit["paper_steady_state_unemployment_rate"] > 0.065  # 7.45 % (6.75 weeks), 6.92 % (monthly)
    inputs = from_pack(cn, "CN")
    for network, step, expected in (("skills", 6.75, CALIBRATION_FITS[0]["value"]),
                                    ("skills", 52.0 / 12.0, CALIBRATION_FITS[1]["value"]),
                                    ("us_empirical", 6.75, 0.016)):
        scenario = from_dict({"market": {"pack": "cn", "region": "CN", "network": network, "step_weeks": step,
                                         "steps": 10}})
        assert build(scenario, inputs).scenario.market["delta_u"] == pytest.approx(expected)
    de = load_pack("de", home=packs)
    assert de.quality["calibration"]["status"] == "not calibrated" and de.meta.get("calibration") is None


@pytest.mark.slow
def test_the_shipped_china_fit_reproduces_the_target(packs) -> None:
    """The steady state at the shipped 6.75-week fit is the NBS target (one burn-in, about a minute)."""
    from workshift.market.calibrate import steady_unemployment

    cn = load_pack("cn", home=packs)
    fit = cn.meta["calibration"]["fits"][0]
    rate = steady_unemployment(from_pack(cn, "CN"), {"pack": "cn", "region": "CN", "network": "skills",
                                                      "step_weeks": fit["step_weeks"], "delta_u": fit["value"]})
    assert rate == pytest.approx(cn.meta["calibration"]["target"]["value"], abs=2e-4)
