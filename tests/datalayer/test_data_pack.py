"""The US region pack against the published numbers of its sources (built once per session)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workshift.data import RegionPack, load_pack
from workshift.data.pack import TABLES
from workshift.errors import InputError, NotFoundError

OEWS_TOTAL = 155_495_730  # OEWS May 2025 'All Occupations', national cross-industry
INDICES = ["gpts_alpha", "gpts_beta", "gpts_gamma", "gpts_beta_human", "microsoft_applicability",
           "ilo_genai_2025", "aioe", "aioe_lm", "frey_osborne"]


@pytest.fixture(scope="module")
def oews(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "oews/oews_may2025_national_cross_industry.csv", dtype=str)


def test_pack_has_contract_tables(us_pack: RegionPack) -> None:
    for table in TABLES:
        assert isinstance(getattr(us_pack, table), pd.DataFrame), table
    occ = us_pack.occupations
    for column in ("soc_code", "title", "major_group", "minor_group", "broad_group", "is_aggregate", "employment",
                   "wage_mean", "wage_median", "job_zone", "education", "self_employment_share",
                   "growth_2022_32"):
        assert column in occ.columns, column
    assert list(us_pack.exposure.columns) == ["soc_code", "index", "value", "observed"]
    assert set(us_pack.meta) >= {"name", "built", "sources", "vintages", "rules", "quality"}


def test_occupations_are_the_830_detailed_oews_rows(us_pack: RegionPack, oews: pd.DataFrame) -> None:
    occ = us_pack.occupations
    detailed = oews[oews["display_level"] == "3"]
    assert len(occ) == 830 and occ["soc_code"].is_unique
    assert set(occ["soc_code"]) == set(detailed["soc2018_code"])
    total = occ["employment"].sum()
    assert abs(total / OEWS_TOTAL - 1) < 0.005
    assert total == pytest.approx(detailed["TOT_EMP"].astype(float).sum())
    assert occ["is_aggregate"].sum() == 7
    assert occ.set_index("soc_code").loc["31-1120", "is_aggregate"]


def test_known_wages_and_groups(us_pack: RegionPack, oews: pd.DataFrame) -> None:
    occ = us_pack.occupations.set_index("soc_code")
    row = oews.set_index("soc2018_code").loc["15-1252"]
    dev = occ.loc["15-1252"]
    assert dev["wage_mean"] == float(row["A_MEAN"]) and dev["wage_median"] == float(row["A_MEDIAN"])
    assert dev["employment"] == float(row["TOT_EMP"])
    assert (dev["major_group"], dev["minor_group"], dev["broad_group"]) == ("15-0000", "15-1200", "15-1250")
    assert occ.loc["25-1011", "minor_group"] == "25-1000"
    assert not dev["wage_mean_imputed"]


def test_wage_imputation_from_parent_group(us_pack: RegionPack, oews: pd.DataFrame) -> None:
    occ = us_pack.occupations.set_index("soc_code")
    published = oews.set_index("soc2018_code")
    # Actors (27-2011) have no annual wage ('-'): they take the broad group 27-2010's published mean.
    assert occ.loc["27-2011", "wage_mean_imputed"]
    assert occ.loc["27-2011", "wage_mean"] == float(published.loc["27-2010", "A_MEAN"])
    # 27-2091 Disc jockeys: broad 27-2090 is also unpublished -> minor group 27-2000
    assert occ.loc["27-2091", "wage_mean"] == float(published.loc["27-2000", "A_MEAN"])
    missing = published.loc[occ.index, "A_MEAN"] == "-"
    assert (occ["wage_mean_imputed"] == missing).all()
    assert occ["wage_mean"].notna().all() and occ["wage_median"].notna().all()


def test_imputed_flags_match_report(us_pack: RegionPack) -> None:
    occ = us_pack.occupations
    report = us_pack.quality["imputed"]
    for column in [c.removesuffix("_imputed") for c in occ.columns if c.endswith("_imputed")]:
        assert occ[column].notna().all(), column
        assert report[column] == int(occ[f"{column}_imputed"].sum()), column
    assert 1 <= occ["job_zone"].min() and occ["job_zone"].max() <= 5
    assert occ["self_employment_share"].between(0, 1).all()
    # CEOs: 21.2 % self-employed in BLS EP 2022
    assert occ.set_index("soc_code").loc["11-1011", "self_employment_share"] == pytest.approx(0.212)


def test_exposure_coverage_counts_observed_only(us_pack: RegionPack) -> None:
    exposure = us_pack.exposure
    assert list(us_pack.exposure_indices["index"]) == INDICES
    report = us_pack.quality["exposure"]
    emp = us_pack.occupations.set_index("soc_code")["employment"]
    for name in INDICES:
        part = exposure[exposure["index"] == name]
        assert len(part) == 830 and part["value"].notna().all(), name
        seen = part[part["observed"]]
        assert report[name]["occupations"] == len(seen)
        assert report[name]["employment_share"] == pytest.approx(emp[seen["soc_code"]].sum() / emp.sum())
        assert report[name]["employment_share"] > 0.85, name
    # measured coverage (observed occupations) of the May 2025 OEWS rows
    assert report["gpts_beta"]["occupations"] == 778
    assert report["microsoft_applicability"]["occupations"] == 783
    assert report["ilo_genai_2025"]["occupations"] == 819
    for name in INDICES:
        low, high = us_pack.exposure_indices.set_index("index").loc[name, ["low", "high"]]
        if name.startswith(("gpts", "microsoft", "ilo", "frey")):
            values = exposure.loc[exposure["index"] == name, "value"]
            assert values.between(low, high).all(), name


def test_gpts_beta_matches_published_mean(us_pack: RegionPack, data_dir) -> None:
    # Eloundou et al. report mean beta ~0.35 over O*NET occupations (GPT-4 ratings)
    wide = us_pack.exposure_wide(observed_only=True)
    emp = us_pack.occupations.set_index("soc_code")["employment"]
    beta = wide["gpts_beta"].dropna()
    assert 0.30 < beta.mean() < 0.38
    weighted = (beta * emp[beta.index]).sum() / emp[beta.index].sum()
    assert 0.30 < weighted < 0.40
    # an O*NET-SOC code with a single child keeps its source value exactly
    raw = pd.read_csv(data_dir / "exposure/gpts_are_gpts/occ_level.csv").set_index("O*NET-SOC Code")
    assert wide.loc["15-1252", "gpts_beta"] == pytest.approx(raw.loc["15-1252.00", "dv_rating_beta"])


def test_aggregate_takes_mean_of_its_detailed_codes(us_pack: RegionPack, data_dir) -> None:
    raw = pd.read_csv(data_dir / "exposure/gpts_are_gpts/occ_level.csv").set_index("O*NET-SOC Code")
    parts = raw.loc[["31-1121.00", "31-1122.00"], "dv_rating_beta"].mean()
    assert us_pack.exposure_wide().loc["31-1120", "gpts_beta"] == pytest.approx(parts)


def test_unknown_names_raise_clear_errors(us_pack: RegionPack, session_home) -> None:
    with pytest.raises(InputError, match="did you mean 'us'"):
        load_pack("uss", home=session_home)
    with pytest.raises(NotFoundError):
        us_pack.transition_matrix("skils")
    with pytest.raises(InputError):
        us_pack.skill_matrix("abilities")


def test_missing_pack_says_how_to_build(fresh_home) -> None:
    with pytest.raises(NotFoundError) as err:
        load_pack("us", home=fresh_home)
    assert "workshift data build us" in str(err.value)


def test_skills_tasks_titles(us_pack: RegionPack) -> None:
    skills = us_pack.skills
    assert set(skills["domain"]) == {"skills", "knowledge", "work_activities"}
    counts = skills.groupby("domain")["element_id"].nunique()
    assert counts["skills"] == 35 and counts["knowledge"] == 33 and counts["work_activities"] == 37
    assert skills["element_id"].notna().all()
    im = us_pack.skill_matrix("skills", "importance")
    assert im.loc["15-1251", "Programming"] > 4.0  # computer programmers
    assert im.stack().between(1, 5).all()
    # O*NET 29.3 has no skill ratings for 15-1252 Software Developers: imputed from its broad group 15-1250
    dev = skills[(skills["soc_code"] == "15-1252") & (skills["domain"] == "skills")]
    assert len(dev) == 35 and dev["imputed"].all()
    assert not skills.loc[skills["soc_code"] == "15-1251", "imputed"].any()
    assert us_pack.quality["coverage"]["skills_occupations_observed"] == 749
    gwa = us_pack.skill_matrix("work_activities", "level")
    assert np.allclose(gwa.sum(axis=1), 1.0, atol=1e-6)  # GWA shares of an occupation's tasks
    assert us_pack.tasks["soc_code"].isin(us_pack.occupations["soc_code"]).all()
    assert us_pack.tasks["soc_code"].nunique() == us_pack.quality["coverage"]["tasks_occupations"] == 778
    titles = us_pack.titles
    assert set(titles["kind"]) == {"soc", "onet", "alternate"}
    assert ((titles["soc_code"] == "15-1252") & (titles["title"] == "Software Developers")).any()
    assert not titles.duplicated(["soc_code", "title"]).any()


def test_state_employment_and_macro(us_pack: RegionPack) -> None:
    states = us_pack.state_employment
    assert states["state"].nunique() == 54
    ca = states[(states["state"] == "CA") & (states["soc_code"] == "15-1252")]
    assert len(ca) == 1 and ca["employment"].iloc[0] > 100_000
    # state totals of a large occupation stay below the national figure
    nurses = states.loc[states["soc_code"] == "29-1141", "employment"].sum()
    national = us_pack.occupations.set_index("soc_code").loc["29-1141", "employment"]
    assert 0.9 * national < nurses <= 1.01 * national
    macro = us_pack.macro
    assert set(macro["series"]) == {"unemployment_rate", "job_openings_rate"}
    for _, part in macro.groupby("series"):
        months = pd.to_datetime(part["date"])
        assert (months.dt.day == 1).all()
        assert months.diff().dropna().dt.days.between(28, 31).all()  # monthly, no gaps
    unemp = macro[macro["series"] == "unemployment_rate"].set_index("date")["value"]
    assert unemp[pd.Timestamp("1948-01-01")] == 3.4


def test_meta_sources_and_vintages(us_pack: RegionPack) -> None:
    sources = {s["id"]: s for s in us_pack.meta["sources"]}
    for needed in ("oews", "onet", "gpts_are_gpts", "microsoft_working_with_ai", "ilo_genai", "crosswalks",
                   "bls_projections", "bls_self_employment", "macro"):
        assert needed in sources, needed
        assert set(sources[needed]) == {"id", "version", "licence", "sha256"}
        assert len(sources[needed]["sha256"]) == 64
    assert us_pack.meta["vintages"]["oews"] == "May 2025"
    for rule in ("wages", "job_zone", "self_employment_share", "exposure_imputation", "harmonisation",
                 "mobility_mapping", "skills_network"):
        assert us_pack.meta["rules"][rule]


def test_cached_reload_returns_independent_copies(us_pack: RegionPack, session_home) -> None:
    first = load_pack("us", home=session_home)
    first.occupations["scratch"] = 1
    second = load_pack("us", home=session_home)
    assert "scratch" not in second.occupations.columns
    pd.testing.assert_frame_equal(second.exposure, us_pack.exposure)
