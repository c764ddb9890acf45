"""Lever costs and the budget in the pack's currency: the packaged PWT factor table, the factor's resolution
(pack default, basis, user override, a US-dollar budget), and costs scaling by the factor exactly."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workshift.data.builders import pack_names
from workshift.data.price_levels import basis_factor, cost_conversion, table
from workshift.errors import InputError
from workshift.market.inputs import synthetic
from workshift.optimize.pipeline import load_policy_scenario, prepare
from workshift.policy.catalogue import load_catalogue
from workshift.policy.local_costs import resolve
from workshift.policy.spec import parse_policy

MONTH = 52.0 / 12.0


def test_factor_table_covers_every_registered_pack_and_its_ratios_hold() -> None:
    rows = table()
    assert set(pack_names()) - {"tables"} <= set(rows)
    us = rows["us"]
    assert us["xr"] == 1.0 and us["ppp_con"] == 1.0 and us["price_level_con"] == 1.0
    for row in rows.values():
        assert row["ppp_con"] == pytest.approx(row["xr"] * row["pl_con"] / us["pl_con"], rel=1e-5)
        assert row["price_level_con"] == pytest.approx(row["pl_con"] / us["pl_con"], rel=1e-5)
        assert row["year"] == 2017 and len(row["source_sha256"]) == 64 and "Penn World Table 9.1" in row["source"]
    assert rows["cn"]["ppp_con"] == pytest.approx(5.0017, abs=1e-4) and rows["cn"]["xr"] == pytest.approx(6.7588,
                                                                                                           abs=1e-4)
    assert rows["cn"]["ppp_con"] < rows["cn"]["xr"]  # consumption is cheaper in China than in the US


def test_pwt_parity_agrees_with_the_one_ilostat_earnings_imply(data_dir) -> None:
    """ILOSTAT publishes the same earnings in local currency and in 2017 PPP dollars (deu, ind): their ratio is
    the ILO's consumption parity. PWT 9.1's 2017 parity is within 10 % of it (DEU 2017: 0.799 vs 0.757)."""
    folder = data_dir / "international" / "ilostat" / "ear_emta_sex_ocu_cur_nb"
    for pack, iso, year in (("de", "deu", 2017), ("in", "ind", 2022)):
        frame = pd.read_csv(next(folder.glob(f"*ref_area-{iso}--*.csv")))
        frame = frame[(frame["sex"] == "sex_t") & (frame["classif1"] == "ocu_isco08_total")
                      & (frame["time"] == year)].set_index("classif2")[frame.columns[-1]]
        ilo = frame["cur_type_lcu"] / frame["cur_type_ppp"]
        assert table()[pack]["ppp_con"] == pytest.approx(ilo, rel=0.10)


def _spec(**raw):
    return parse_policy({"budget": 1e9, **raw}, load_catalogue())


def test_the_factor_is_the_packs_unless_the_scenario_says_otherwise() -> None:
    cn = cost_conversion("cn", "CNY")
    spec, used = resolve(_spec(currency="CNY"), "CNY", cn, "cn")
    assert used["factor"] == table()["cn"]["ppp_con"] and used["basis"] == "ppp" and spec.budget == 1e9
    spec, used = resolve(_spec(currency="CNY", cost_basis="exchange_rate"), "CNY", cn, "cn")
    assert used["factor"] == table()["cn"]["xr"] == basis_factor(cn, "exchange_rate")
    spec, used = resolve(_spec(currency="CNY", cost_factor=4.4), "CNY", cn, "cn")
    assert used["factor"] == 4.4 and used["basis"] == "user" and used["pack_factor"] == cn
    # a US-dollar budget is converted by the factor and both amounts are kept; no currency key: the pack's
    spec, used = resolve(_spec(currency="USD"), "CNY", cn, "cn")
    assert spec.budget == pytest.approx(1e9 * used["factor"]) and spec.currency == "CNY"
    assert used["budget_given"]["value"] == 1e9 and used["budget"]["currency"] == "CNY"
    spec, used = resolve(_spec(), "CNY", cn, "cn")
    assert spec.budget == 1e9 and "budget_given" not in used
    with pytest.raises(InputError, match="differs from the pack's 'CNY'"):
        resolve(_spec(currency="EUR"), "CNY", cn, "cn")
    with pytest.raises(InputError, match="carries no factor"):
        resolve(_spec(currency="EUR"), "EUR", None, "example_eu")
    assert resolve(_spec(currency="EUR", cost_factor=0.8), "EUR", None, "example_eu")[1]["factor"] == 0.8
    # the US, and packs in US dollars at US prices: factor 1 on either basis
    for pack in ("us", "mx"):
        conversion = cost_conversion(pack, "USD")
        assert conversion["factor"] == 1.0
        assert resolve(_spec(currency="USD", cost_basis="exchange_rate"), "USD", conversion)[1]["factor"] == 1.0
    with pytest.raises(InputError, match="cost_factor = -1 must be positive"):
        _spec(cost_factor=-1.0)
    with pytest.raises(InputError, match="did you mean 'ppp'"):
        _spec(cost_basis="pp")


def _raw(**policy) -> dict:
    return {"market": {"step_weeks": MONTH, "extensions": ["flexible", "training", "exit", "income", "insurance"]},
            "shock": {"index": "gpts_beta", "start_step": 6, "adoption_steps": 36},
            "policy": {"budget": 2e9, "horizon_years": 3, "phases": 3, **policy}}


def test_costs_scale_by_the_factor_exactly_and_the_us_pack_is_unchanged() -> None:
    usd = synthetic(40, seed=3)
    factor = 5.001718
    local = replace(usd, currency="CNY", wage=usd.wage * factor,
                    cost_conversion={"factor": factor, "basis": "ppp", "from": "USD", "to": "CNY"})
    objectives = ["employment_rate", "cost"]
    base = prepare(load_policy_scenario(_raw(currency="USD")), objectives, inputs=usd)
    conv = prepare(load_policy_scenario(_raw(currency="USD")), objectives, inputs=local)
    assert base.costs["factor"] == 1.0 and base.scenario.policy.budget == 2e9
    assert base.scenario.policy.currency == "USD"
    assert conv.scenario.policy.currency == "CNY" and conv.scenario.policy.budget == pytest.approx(2e9 * factor)
    ratio = conv.evaluator.costs.unit_cost / base.evaluator.costs.unit_cost
    # every cost scales by the factor: US-dollar costs by conversion, shares of earnings through the wages
    np.testing.assert_allclose(ratio, factor, rtol=1e-9)
    x = base.evaluator.space.xu[None] * 0.5
    np.testing.assert_allclose(conv.evaluator.costs.cost(x), base.evaluator.costs.cost(x) * factor, rtol=1e-9)
