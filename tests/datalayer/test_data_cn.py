"""The China pack: ILO modelled major groups kept exactly, CSCO 2022 display, NBS monitoring series, CNY."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workshift.data import load_pack
from workshift.data.disaggregate import aggregate
from workshift.data.international import NBS_MONTHLY, modelled_major
from workshift.data.reading import Reader

ILO_TOTAL_2025 = 737_574_583.0  # ILO modelled, sex_t, ocu_details_total, 2025 (thousands x 1000)


@pytest.fixture(scope="module")
def cn_pack(intl_home):
    return load_pack("cn", home=intl_home), intl_home


def test_total_and_major_groups_are_the_ilo_modelled_2025_values(cn_pack, data_dir) -> None:
    pack, _ = cn_pack
    q = pack.quality
    assert abs(q["employment_total"] / ILO_TOTAL_2025 - 1) < 0.005
    assert q["employment_published_total"] == ILO_TOTAL_2025
    series = modelled_major(Reader.open(data_dir), "chn")
    latest = series[series["time"] == 2025].set_index("group")["employment"]
    occ = pack.occupations.set_index("soc_code")["employment"]
    major = aggregate(occ, 1)
    for group in "1234578":  # the 7 observed groups, exactly
        assert major[group] == pytest.approx(latest[group], rel=1e-9)
    assert major["6"] + major["9"] == pytest.approx(latest["96"], rel=1e-9)
    assert q["employment_observed_share"]["1"] == pytest.approx(1 - latest["96"] / latest["total"], rel=1e-6)
    assert q["employment_modelled_share"] == 1.0 and "7 observed groups" in q["notes"][0]
    assert pack.currency == "CNY" and pack.code_system == "ISCO-08"
    mean = np.average(pack.occupations["wage_mean"], weights=pack.occupations["employment"])
    assert mean == pytest.approx(120_698.0)


def test_group_6_detail_is_equal_within_minor_groups_not_the_us_gardeners(cn_pack) -> None:
    """China's agriculture (group 6) below 3 digits: equal shares within each minor group (the US structure
    would put 86 % of crop growers into gardeners); the minor groups keep the EU-LFS split, totals exact."""
    pack, _ = cn_pack
    occ = pack.occupations.set_index("soc_code")
    six = occ[occ.index.str.startswith("6")]
    for minor, part in six.groupby(six.index.str.slice(0, 3)):
        assert part["employment"].to_numpy() == pytest.approx(part["employment"].mean(), rel=1e-9), minor
    crop = six[six.index.str.startswith("611")]["employment"]
    assert crop["6113"] / crop.sum() == pytest.approx(0.25) and not six["prior_informed"].any()
    assert six["employment"].sum() == pytest.approx(pack.quality["employment"]["split_6_9"]["group_6"], rel=1e-9)
    assert "equal shares" in pack.quality["employment"]["priors"]["group_6"]


def test_info_json_reports_the_figures_the_issue_asks_for(cn_pack) -> None:
    from workshift.data.report import info_json

    info = json.loads(json.dumps(info_json(load_pack("cn", home=cn_pack[1]).meta)))
    assert {"employment_total", "employment_observed_share", "employment_modelled_share"} <= info.keys()
    assert info["currency"] == "CNY"


def test_csco_display_and_monitoring_series(cn_pack, data_dir) -> None:
    pack, _ = cn_pack
    occ = pack.occupations
    assert occ["csco_major_code"].notna().mean() > 0.95
    assert occ.loc[occ["soc_code"] == "2512", "csco_major_code"].item() == "2"  # software developers: 专业技术人员
    assert occ.loc[occ["soc_code"] == "6111", "csco_major_code"].item() == "5"
    assert ((occ["csco_confidence"] > 0) & (occ["csco_confidence"] <= 1)).all()
    assert (pack.titles["kind"] == "csco").any()
    raw = pd.read_csv(data_dir / NBS_MONTHLY, dtype=str)
    months = raw.dropna(subset=["rate_percent"])
    urban = pack.macro[pack.macro["series"] == "urban_surveyed_unemployment_rate"]
    assert len(urban) == len(months)  # one row per published month, none interpolated
    assert urban["value"].tolist() == months["rate_percent"].astype(float).tolist()
    assert pack.meta["monitoring_indicator"] == "urban_surveyed_unemployment_rate"
