"""Directional O*NET similarity: analytic cases and properties (no region pack needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from workshift.services import similarity as sim
from workshift.services.similarity import SkillSpace, coverage

LEVELS = st.floats(0.0, 7.0, allow_nan=False, allow_infinity=False)
IMPORTANCE = st.floats(1.0, 5.0, allow_nan=False, allow_infinity=False)


def test_coverage_analytic() -> None:
    # origin has levels (2, 4), destination (3, 2), equal weights:
    # covered = min(2,3) + min(4,2) = 4 of the destination's 3 + 2 = 5 -> 0.8; the reverse: 4 of 6.
    a, b = np.array([[2.0, 4.0]]), np.array([[3.0, 2.0]])
    w = np.ones((1, 2))
    assert coverage(a, b, w)[0, 0] == pytest.approx(0.8)
    assert coverage(b, a, w)[0, 0] == pytest.approx(4 / 6)


def test_coverage_weights_are_the_destinations() -> None:
    # Only the destination's weights count: the shortfall sits on an element the destination rates 0.
    origin, dest = np.array([[0.0, 5.0]]), np.array([[4.0, 5.0]])
    assert coverage(origin, dest, np.array([[0.0, 1.0]]))[0, 0] == pytest.approx(1.0)
    assert coverage(origin, dest, np.array([[1.0, 1.0]]))[0, 0] == pytest.approx(5 / 9)


def test_destination_needing_nothing_is_fully_covered() -> None:
    assert coverage(np.array([[1.0, 2.0]]), np.zeros((1, 2)), np.ones((1, 2)))[0, 0] == 1.0


def test_row_loop_equals_direct_sum() -> None:
    rng = np.random.default_rng(3)
    o, d, w = rng.random((37, 9)) * 7, rng.random((23, 9)) * 7, rng.random((23, 9))
    direct = (np.minimum(o[:, None, :], d[None, :, :]) * w[None, :, :]).sum(axis=2)
    np.testing.assert_allclose(sim._covered_mass(o, d, w), direct, rtol=1e-12)


def _space(levels: np.ndarray, importance: np.ndarray | None = None) -> SkillSpace:
    codes = [f"00-{i:04d}" for i in range(levels.shape[0])]
    return SkillSpace.from_arrays(codes, {"skills": levels}, {"skills": importance})


matrices = st.integers(2, 6).flatmap(lambda n: st.integers(1, 5).flatmap(
    lambda k: st.tuples(arrays(np.float64, (n, k), elements=LEVELS), arrays(np.float64, (n, k), elements=IMPORTANCE))))


@settings(max_examples=40, deadline=None)
@given(matrices)
def test_score_bounded_deterministic_and_self_is_one(data) -> None:
    levels, importance = data
    first = _space(levels, importance).full()
    second = _space(levels.copy(), importance.copy()).full()
    np.testing.assert_array_equal(first, second)
    assert np.all((first >= 0) & (first <= 1))
    np.testing.assert_allclose(np.diag(first), 1.0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (2, 4), elements=LEVELS), st.floats(0.05, 3.0))
def test_score_is_directional(base, extra) -> None:
    # An origin with everything the destination has and more covers it fully; the reverse falls short.
    low = base[0]
    high = low + extra
    space = _space(np.vstack([high, low]))
    scores = space.full()
    assert scores[0, 1] == pytest.approx(1.0)
    assert scores[1, 0] < 1.0
    assert space.gaps(0, 1) == []
    assert {g.skill for g in space.gaps(1, 0)} == {f"skills {j}" for j in range(4)}


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (2, 6), elements=LEVELS), arrays(np.float64, (2, 6), elements=IMPORTANCE))
def test_destination_requiring_nothing_the_origin_lacks_has_no_gaps(levels, importance) -> None:
    levels = levels.copy()
    levels[1] = np.minimum(levels[0], levels[1])  # the destination never exceeds the origin
    space = _space(levels, importance)
    assert space.gaps(0, 1) == []
    assert space.full()[0, 1] == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (2, 5), elements=LEVELS))
def test_gaps_are_the_positive_level_differences_sorted(levels) -> None:
    space = _space(levels)
    gaps = space.gaps(0, 1)
    diff = levels[1] - levels[0]
    assert sorted(g.element_id for g in gaps) == sorted(f"skills.{j}" for j in np.flatnonzero(diff >= sim.MIN_GAP))
    for gap in gaps:
        j = int(gap.element_id.split(".")[1])
        assert gap.gap == pytest.approx(diff[j])
    assert [g.gap for g in gaps] == sorted((g.gap for g in gaps), reverse=True)


def test_domains_combine_with_weights_and_missing_domains_drop_out() -> None:
    codes = ["11-1011", "11-1021", "11-1031"]
    skills = np.array([[2.0, 2.0], [4.0, 4.0], [0.0, 0.0]])
    activities = np.array([[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]])
    space = SkillSpace.from_arrays(codes, {"skills": skills, "work_activities": activities},
                                   weights={"skills": 0.25, "work_activities": 0.75})
    # 11-1011 -> 11-1021: skills cover 4/8, activities 1 -> 0.25 * 0.5 + 0.75 * 1
    assert space.full()[0, 1] == pytest.approx(0.875)
    # 11-1031 has all-zero skills but is rated (present): it needs nothing there, so is covered fully
    assert space.part("skills")[0, 2] == pytest.approx(1.0)


def test_imputation_from_the_finest_group_with_data() -> None:
    from workshift.services.similarity import _domain_from_long, _impute_from_groups

    codes = pd.Index(["15-1251", "15-1252", "15-1253", "29-1141"])
    rows = [("15-1251", "e1", 2.0, 3.0), ("15-1251", "e2", 4.0, 5.0), ("15-1253", "e1", 4.0, 5.0),
            ("15-1253", "e2", 2.0, 1.0), ("29-1141", "e1", 6.0, 5.0), ("29-1141", "e2", 6.0, 5.0)]
    long = pd.DataFrame(rows, columns=["soc_code", "element_id", "level", "importance"]).assign(
        element_name=lambda f: f["element_id"])
    dom = _domain_from_long(long, codes, "skills")
    assert not dom.present[1]
    broad = np.array(["15-1250", "15-1250", "15-1250", "29-1140"])
    filled, imputed = _impute_from_groups(dom, [broad])
    assert imputed.tolist() == [False, True, False, False]
    np.testing.assert_allclose(filled.level[1], [3.0, 3.0])  # the mean of 15-1251 and 15-1253
    np.testing.assert_allclose(filled.importance[1], [4.0, 3.0])
    np.testing.assert_allclose(filled.weight[1], [0.75, 0.5])  # (IM - 1) / 4
