"""ISCO-08 region packs: observed employment kept exactly, disaggregation validated on observed truths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.data import load_pack
from workshift.data.disaggregate import aggregate, disaggregate, split, validation_table
from workshift.data.international import eu_lfs_minor, oc2_employment
from workshift.data.occupations import build_occupations
from workshift.data.reading import Reader

DOCS = Path(__file__).resolve().parents[2] / "docs" / "pack.md"


@pytest.fixture(scope="module")
def isco_home(intl_home):
    return intl_home


def test_split_reproduces_the_observed_level_and_follows_the_prior() -> None:
    observed = pd.Series({"25": 100.0, "41": 50.0})
    children = pd.Index(["251", "252", "411"])
    values, informed = split(observed, children, pd.Series({"251": 3.0, "252": 1.0}))
    assert values.to_dict() == {"251": 75.0, "252": 25.0, "411": 50.0}
    assert informed.to_dict() == {"251": True, "252": True, "411": False}  # 411 alone: equal split
    units = pd.Index(["2511", "2512", "2521", "4110"])
    prior = {3: pd.Series({"251": 1.0, "252": 1.0}), 4: pd.Series({"2511": 1.0, "2512": 3.0})}
    full, _ = disaggregate(observed, units, prior)
    np.testing.assert_allclose(aggregate(full, 2).reindex(observed.index), observed)
    assert full["2512"] == pytest.approx(37.5) and full["2521"] == pytest.approx(50.0)


def test_germany_keeps_the_ilostat_2_digit_level_exactly(isco_home, data_dir) -> None:
    pack = load_pack("de", home=isco_home)
    groups, facts = oc2_employment(Reader.open(data_dir), "deu")
    assert facts["year"] == 2024 and pack.code_system == "ISCO-08" and pack.currency == "EUR"
    occ = pack.occupations.set_index("soc_code")["employment"]
    assert occ.sum() == pytest.approx(facts["published_total"], rel=1e-9)  # 42.8 M incl. 'not classified'
    observed = groups * facts["published_total"] / groups.sum()
    np.testing.assert_allclose(aggregate(occ, 2).reindex(observed.index), observed, rtol=1e-9)
    q = pack.quality
    assert q["employment_observed_share"] == {"1": 1.0, "2": 1.0, "3": 0.0, "4": 0.0}
    assert q["employment_modelled_share"] == 1.0 and occ.index.str.fullmatch(r"\d{4}").all()
    assert pack.networks() == ["skills", "us_empirical"] and pack.meta["default_network"] == "skills"
    assert q["exposure"]["ilo_genai_2025"]["employment_share"] > 0.98  # native ISCO-08
    assert q["exposure"]["gpts_beta"]["employment_share"] > 0.95  # through the crosswalk
    # wages: ILOSTAT 2022 earnings by major group x 12 (EUR per year), US relative wages within groups
    managers = pack.occupations[pack.occupations["major_group"] == "1"]
    mean = np.average(managers["wage_mean"], weights=managers["employment"])
    assert 60_000 < mean < 200_000


def test_uk_keeps_the_eu_lfs_3_digit_level_exactly(isco_home, data_dir) -> None:
    pack = load_pack("uk", home=isco_home)
    truth = eu_lfs_minor(Reader.open(data_dir), "uk")
    occ = pack.occupations.set_index("soc_code")["employment"]
    np.testing.assert_allclose(aggregate(occ, 3).reindex(truth.index).fillna(0.0), truth, rtol=1e-9)
    assert pack.quality["employment_observed_share"]["3"] == 1.0


def test_validation_table_in_the_docs_is_what_the_shared_files_give(data_dir) -> None:
    reader = Reader.open(data_dir)
    occupations, _ = build_occupations(reader)
    table = validation_table(reader, occupations)
    wide = table.pivot_table(index="test", columns="prior", values="error")
    europe = wide[~wide.index.str.startswith("US")]
    # the chosen prior: pooled EU-LFS beats uniform everywhere and the US structure at 2->3 digits
    assert (europe["eu_lfs"] < europe["uniform"]).all()
    two_three = europe[europe.index.str.contains("2->3")]
    assert (two_three["eu_lfs"] < two_three["us_oews"]).all()
    us = wide.loc[wide.index.str.startswith("US")].iloc[0]
    assert us["eu_lfs"] < us["uniform"]
    documented = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"(UK|FRA|ITA|US) .*digit.*", cells[0]):
            documented[cells[0]] = [None if c == "—" else float(c) for c in cells[1:4]]
    assert set(documented) == set(wide.index)
    for test, (eu, us_oews, uniform) in documented.items():
        row = wide.loc[test]
        assert eu == round(row["eu_lfs"], 3) and uniform == round(row["uniform"], 3)
        assert us_oews == (None if np.isnan(row["us_oews"]) else round(row["us_oews"], 3))
