"""TransitionModel rules on a small hand-made pack: thresholds, labels, filters, ranking, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshift.data.pack import RegionPack
from workshift.errors import InputError, NotFoundError
from workshift.services.transitions import (
    SAFE_MARGIN_SD,
    SAFE_MIN_GROWTH,
    TransitionModel,
    desirable,
    top_share_threshold,
)

CODES = ["43-9021", "43-9022", "43-9031", "43-9041", "41-2011", "41-2012", "29-1141"]
# skills levels (2 elements), importance 5 everywhere (weight 1)
LEVELS = np.array([[3.0, 1.0], [3.0, 2.0], [2.0, 1.0], [3.0, 1.5], [2.5, 1.0], [2.5, 1.0], [6.0, 6.0]])
WAGES = [40000.0, 50000.0, 28000.0, 41000.0, 31000.0, 31000.0, 90000.0]
ZONES = [2.0, 2.0, 2.0, 3.0, 1.0, 1.0, 4.0]
EXPOSURE = [0.9, 0.7, 0.8, 0.85, 0.2, 0.2, 0.3]
EMPLOYMENT = [100.0, 100.0, 100.0, 100.0, 300.0, 100.0, 200.0]
GROWTH = [-0.2, -0.1, 0.0, 0.05, -0.1, 0.02, 0.06]


def toy_pack(wages: list[float] | None = None) -> RegionPack:
    wages = wages or WAGES
    occ = pd.DataFrame({
        "soc_code": CODES, "title": [f"Occupation {c}" for c in CODES],
        "major_group": [c[:2] + "-0000" for c in CODES], "minor_group": [c[:5] + "00" for c in CODES],
        "broad_group": [c[:6] + "0" for c in CODES], "is_aggregate": False, "employment": EMPLOYMENT,
        "wage_mean": wages, "wage_median": wages, "job_zone": ZONES, "education": "",
        "self_employment_share": [0.01, 0.02, 0.0, 0.3, 0.05, 0.05, 0.1],
        "growth_2022_32": GROWTH,
    })
    skills = pd.DataFrame([
        {"soc_code": c, "domain": "skills", "element_id": f"2.A.1.{'ab'[k]}", "element_name": f"Skill {k}",
         "importance": 5.0, "level": LEVELS[i, k]}
        for i, c in enumerate(CODES) for k in range(2)])
    exposure = pd.DataFrame({"soc_code": CODES, "index": "gpts_beta", "value": EXPOSURE, "observed": True})
    indices = pd.DataFrame([{"index": "gpts_beta", "description": "toy", "scale": "share", "low": 0.0, "high": 1.0,
                             "source": "toy", "code_system": "SOC 2018", "harmonisation": "", "user_supplied": False}])
    empty = pd.DataFrame()
    return RegionPack(name="toy", occupations=occ, exposure=exposure, exposure_indices=indices, skills=skills,
                      tasks=empty, titles=empty, mobility_nodes=empty, mobility_edges=empty,
                      occupation_nodes=empty, state_employment=empty, macro=empty, meta={"built": "test"})


@pytest.fixture(scope="module")
def model() -> TransitionModel:
    return TransitionModel(toy_pack())


def test_viability_threshold_is_mean_minus_sd_within_broad_groups(model: TransitionModel) -> None:
    broad = {c: c[:6] + "0" for c in CODES}
    pairs = [model.scores[i, j] for i, a in enumerate(CODES) for j, b in enumerate(CODES)
             if i != j and broad[a] == broad[b]]
    # broad groups 43-9020 (43-9021, 43-9022) and 41-2010 (41-2011, 41-2012): 4 ordered pairs
    assert model.thresholds.group_pairs == 4
    assert model.thresholds.viable == pytest.approx(np.mean(pairs) - np.std(pairs))
    assert model.thresholds.highly_viable == pytest.approx(np.mean(pairs))


def test_labels_follow_the_rules(model: TransitionModel) -> None:
    labels = model.labels()
    score, zone = model.scores, np.array(ZONES)
    expect_viable = (score >= model.thresholds.viable) & (np.abs(zone[:, None] - zone[None, :]) <= 1)
    np.fill_diagonal(expect_viable, False)
    np.testing.assert_array_equal(labels["viable"], expect_viable)
    wage = np.array(WAGES)
    expect_desirable = wage[None, :] >= 0.75 * wage[:, None]
    np.fill_diagonal(expect_desirable, False)
    np.testing.assert_array_equal(labels["desirable"], expect_desirable)
    exposure = np.array(EXPOSURE)
    margin = SAFE_MARGIN_SD * exposure.std()
    assert model.thresholds.safe_margin == pytest.approx(margin)
    growing = np.array(GROWTH) >= SAFE_MIN_GROWTH  # not projected to decline beyond -5%
    expect_safe = (exposure[None, :] - exposure[:, None] <= -margin) & growing[None, :]
    np.fill_diagonal(expect_safe, False)
    np.testing.assert_array_equal(labels["safe"], expect_safe)
    assert not labels["safe"][:, [0, 1, 4]].any()  # growth -20%, -10%, -10%: never safe


def test_high_exposure_is_the_top_quartile_of_workers(model: TransitionModel) -> None:
    # ascending exposure: 0.2 (400 workers), 0.3 (200), 0.7 (100), 0.8 (100), 0.85 (100), 0.9 (100): 1,000 in all.
    # 700 workers are below 0.8 (< 75%), 800 below 0.85: the top quartile's occupations are 0.85 and 0.9
    assert model.thresholds.high_exposure == pytest.approx(0.85)
    assert model.high_exposure.tolist() == [True, False, False, True, False, False, False]
    category = model.labels(safe_rule="category")["safe"]
    assert not category[:, [0, 3]].any()
    assert category[0, [2, 5, 6]].all() and not category[0, [1, 4]].any()  # 1 and 4 are projected to decline


def test_top_share_threshold_analytic() -> None:
    values, weights = np.array([0.1, 0.2, 0.3, 0.9]), np.ones(4)
    assert top_share_threshold(values, weights, 0.25) == pytest.approx(0.9)
    assert top_share_threshold(values, weights, 0.5) == pytest.approx(0.3)
    assert top_share_threshold(np.array([0.5, np.nan, 0.1]), np.array([1.0, 5.0, 3.0]), 0.25) == pytest.approx(0.5)


def test_filters_nest_and_the_origin_is_never_a_destination(model: TransitionModel) -> None:
    for origin in CODES:
        every = model.rank(origin, top=None, filter="all")
        viable = model.rank(origin, top=None, filter="viable")
        safe = model.rank(origin, top=None, filter="safe")
        assert origin not in {t.code for t in every}
        assert len(every) == len(CODES) - 1
        assert {t.code for t in safe} <= {t.code for t in viable} <= {t.code for t in every}
        assert all(t.viable and t.desirable and t.safe for t in safe)
        assert all(t.viable for t in viable)


def test_ranking_is_by_score_then_code_and_top_cuts(model: TransitionModel) -> None:
    # the toy pack has no empirical mobility network: no observed-mobility model, ranked by score (and said so)
    assert model.observed is None and model.thresholds.ranked_by == "score"
    ranked = model.rank("43-9021", top=None, filter="all")
    assert all(t.ranked_by == "score" and t.score_observed is None for t in ranked)
    keys = [(-t.score, t.code) for t in ranked]
    assert keys == sorted(keys)
    # 41-2011 and 41-2012 have identical profiles and scores: the code breaks the tie
    codes = [t.code for t in ranked]
    assert codes.index("41-2011") + 1 == codes.index("41-2012")
    assert [t.code for t in model.rank("43-9021", top=2, filter="all")] == codes[:2]


def test_transition_fields(model: TransitionModel) -> None:
    item = next(t for t in model.rank("43-9021", top=None, filter="all") if t.code == "43-9022")
    assert item.wage_ratio == pytest.approx(50000 / 40000)
    assert item.exposure_change == pytest.approx(0.7 - 0.9)
    assert item.growth == pytest.approx(-0.1)
    assert [(g.skill, g.gap) for g in item.skill_gaps] == [("Skill 1", pytest.approx(1.0))]
    assert item.score == pytest.approx((3 + 1) / (3 + 2))  # covered 4 of 5 importance-weighted levels
    out = item.to_dict()
    assert not item.safe and item.safe_exposure and not item.not_declining  # 0.9 -> 0.7, but -10% growth
    for key in ("code", "title", "score", "score_observed", "ranked_by", "viable", "desirable", "safe",
                "wage_ratio", "exposure_change", "skill_gaps", "safe_exposure", "not_declining"):
        assert key in out
    assert out["skill_gaps"] == [{"skill": "Skill 1", "gap": 1.0}]


def test_bad_arguments(model: TransitionModel) -> None:
    with pytest.raises(NotFoundError, match="99-9999"):
        model.rank("99-9999")
    with pytest.raises(InputError, match="filter"):
        model.rank("43-9021", filter="cheap")
    with pytest.raises(InputError, match="top"):
        model.rank("43-9021", top=0)
    with pytest.raises(NotFoundError, match="did you mean 'gpts_beta'"):
        TransitionModel(toy_pack(), index="gpts_bta")
    with pytest.raises(InputError, match="safe rule"):
        TransitionModel(toy_pack(), safe_rule="maybe")


@settings(max_examples=40, deadline=None)
@given(st.floats(1000, 300000), st.floats(1000, 300000), st.floats(1.0, 5.0))
def test_raising_the_destination_wage_never_lowers_desirability(origin_wage, dest_wage, factor) -> None:
    before = bool(desirable(origin_wage, dest_wage))
    after = bool(desirable(origin_wage, dest_wage * factor))
    assert after or not before


@settings(max_examples=15, deadline=None)
@given(st.integers(0, len(CODES) - 1), st.floats(1.0, 4.0))
def test_raising_a_wage_in_the_model_never_lowers_desirability(j, factor) -> None:
    base = TransitionModel(toy_pack()).labels()["desirable"]
    wages = list(WAGES)
    wages[j] *= factor
    raised = TransitionModel(toy_pack(wages)).labels()["desirable"]
    assert not (base[:, j] & ~raised[:, j]).any()  # as a destination: never less desirable
