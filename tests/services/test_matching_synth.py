"""The synthetic seeker/vacancy generator: OEWS shares, O*NET skills, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare

from workshift.errors import InputError
from workshift.services.matching.synth import EMPTY_PROFILE_SHARE, cell_table, synthesize

N = 200_000


@pytest.fixture(scope="module")
def population(us_pack):
    return synthesize(us_pack, N, 20_000, seed=11)


def _chi_square(counts: pd.Series, expected_share: pd.Series) -> float:
    """p-value of observed counts against shares, categories with fewer than 5 expected pooled into one."""
    expected = expected_share * counts.sum()
    small = expected < 5
    observed = counts.reindex(expected.index, fill_value=0)
    obs, exp = observed[~small].to_numpy(), expected[~small].to_numpy()
    if small.any():
        obs, exp = np.append(obs, observed[small].sum()), np.append(exp, expected[small].sum())
    return float(chisquare(obs, exp * obs.sum() / exp.sum()).pvalue)


def test_occupation_by_state_shares_match_oews(population, us_pack) -> None:
    seekers, vacancies, _ = population
    cells = cell_table(us_pack).set_index(["state", "soc_code"])["share"]
    for frame, n in ((seekers, N), (vacancies, 20_000)):
        counts = frame.groupby(["state", "occupation"]).size()
        counts.index = counts.index.set_names(["state", "soc_code"])
        share = counts.reindex(cells.index, fill_value=0) / n
        assert set(counts.index) <= set(cells.index)  # only published OEWS cells
        assert float((share - cells).abs().max()) < 4 * np.sqrt(cells.max() / n)  # about 4 standard errors
        occ = frame.groupby("occupation").size()
        assert _chi_square(occ, cells.groupby(level="soc_code").sum()) > 1e-3
        state = frame.groupby("state").size()
        assert _chi_square(state, cells.groupby(level="state").sum()) > 1e-3


def test_skills_come_from_onet_and_follow_importance(population, us_pack) -> None:
    seekers, vacancies, meta = population
    elements = set(us_pack.skills["element_id"])
    tokens = seekers["skills"].str.split(";").explode()
    assert set(tokens[tokens != ""]) <= elements
    assert (seekers["skills"] == "").mean() == pytest.approx(EMPTY_PROFILE_SHARE, abs=0.01)
    # software developers list Programming (O*NET 2.B.3.e, important to them) far more often than cashiers
    dev = seekers["occupation"] == "15-1252"
    cash = seekers["occupation"] == "41-2011"
    prog = seekers["skills"].str.contains("2.B.3.e", regex=False)  # Programming
    assert prog[dev].mean() > 0.5 > 0.05 > prog[cash].mean()
    assert meta["seed"] == 11 and meta["vintages"]["oews"]


def test_wages_follow_oews_cells(population, us_pack) -> None:
    _, vacancies, _ = population
    cells = cell_table(us_pack).set_index(["state", "soc_code"])["wage_mean"]
    key = pd.MultiIndex.from_arrays([vacancies["state"], vacancies["occupation"]])
    ratio = vacancies["wage"].to_numpy() / cells.reindex(key).to_numpy()
    ratio = ratio[np.isfinite(ratio)]
    assert np.median(np.log(ratio)) == pytest.approx(0.0, abs=0.01)  # exp(N(0, 0.15)) around the OEWS mean
    assert np.std(np.log(ratio)) == pytest.approx(0.15, abs=0.01)
    assert (vacancies["openings"] >= 1).all()


def test_same_seed_same_population(us_pack) -> None:
    a = synthesize(us_pack, 300, 50, seed=5)
    b = synthesize(us_pack, 300, 50, seed=5)
    c = synthesize(us_pack, 300, 50, seed=6)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[0]["occupation"].equals(c[0]["occupation"])
    with pytest.raises(InputError):
        synthesize(us_pack, 0, 10)
