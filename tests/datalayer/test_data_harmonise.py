"""Harmonisation rules on small cases with hand-computed answers."""

from __future__ import annotations

import pandas as pd
import pytest

from workshift.data.exposure import _expand_group_codes
from workshift.data.harmonise import Harmoniser, broad_of, minor_of
from workshift.data.occupations import ancestor_value, impute_from_groups


@pytest.fixture()
def harmoniser() -> Harmoniser:
    occ = pd.DataFrame({
        "soc_code": ["11-1011", "11-1021", "31-1120"],
        "is_aggregate": [False, False, True],
        "employment": [100.0, 300.0, 1000.0],
    })
    crosswalk = pd.DataFrame({"source": ["A", "B", "A", "C"],
                              "soc2018": ["11-1011", "11-1011", "11-1021", "31-1122"]})
    return Harmoniser(occ, {"SOC 2010": crosswalk})


def test_crosswalk_mean_is_weighted_by_estimated_source_employment(harmoniser: Harmoniser) -> None:
    # 11-1011's 100 workers are shared by A and B (50 each); 11-1021's 300 go to A: A = 350, B = 50.
    weights = harmoniser.source_weights(harmoniser.crosswalks["SOC 2010"])
    assert weights.to_dict() == {"A": 350.0, "B": 50.0, "C": 1000.0}
    out = harmoniser.to_occupations(pd.Series({"A": 1.0, "B": 0.0, "C": 0.4}), "SOC 2010")
    assert out["11-1011"] == pytest.approx(350 / 400)
    assert out["11-1021"] == 1.0  # one source: its value
    assert out["31-1120"] == 0.4  # a detailed code inside an aggregate goes to the aggregate


def test_onet_children_and_aggregate_parts_are_simple_means(harmoniser: Harmoniser) -> None:
    values = pd.Series({"11-1011.00": 0.2, "11-1011.03": 0.4, "31-1121.00": 0.1, "31-1122.00": 0.5,
                        "99-9999.00": 0.9})
    out = harmoniser.to_occupations(values, "O*NET-SOC 2019")
    assert out.to_dict() == pytest.approx({"11-1011": 0.3, "31-1120": 0.3})  # 99-9999 reaches nothing


def test_group_codes_bridge_source_and_crosswalk() -> None:
    crosswalk = pd.DataFrame({"source": ["19-1021", "19-1022", "19-1029", "211"], "soc2018": ["x"] * 4})
    values = pd.Series({"19-1020": 0.7, "19-1029": 0.1})
    out = _expand_group_codes(values, crosswalk)
    assert out["19-1021"] == out["19-1022"] == 0.7 and out["19-1029"] == 0.1
    isco = _expand_group_codes(pd.Series({"2111": 0.2, "2112": 0.4, "3111": 0.9}), crosswalk)
    assert isco["211"] == pytest.approx(0.3)


def test_group_codes_and_imputation() -> None:
    codes = pd.Series(["15-1252", "25-1011", "51-5111"])
    assert broad_of(codes).tolist() == ["15-1250", "25-1010", "51-5110"]
    assert minor_of(codes, {"15-1200", "51-5100"}).tolist() == ["15-1200", "25-1000", "51-5100"]
    published = pd.Series({"27-2010": 115510.0, "27-2000": 88620.0})
    assert ancestor_value(pd.Series(["27-2011", "27-2091"]), published).tolist() == [115510.0, 88620.0]
    frame = pd.DataFrame({"broad_group": ["a", "a", "b", "c"], "minor_group": ["m", "m", "m", "n"],
                          "major_group": ["M"] * 4, "x": [1.0, None, 3.0, None]})
    # row 1 from its broad group (1.0); row 3: no broad or minor peer observed -> major group mean (2.0)
    assert impute_from_groups(frame, "x").tolist() == [1.0, 1.0, 3.0, 2.0]
