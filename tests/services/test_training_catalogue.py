"""Training catalogue: derivation from O*NET, costs from the training lever, user catalogues, recommendations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workshift.errors import DataError
from workshift.services.similarity import SkillGap
from workshift.services.training import (
    SHIPPED_CATALOGUE,
    TRAINING_MIN_GAP,
    lever_cost_basis,
    load_catalogue,
    read_catalogue,
)
from workshift.services.training_derive import category_months, derive_catalogue, expected_training_months


def gap(element: str, size: float, dest: float, importance: float = 4.0) -> SkillGap:
    return SkillGap(element, size, element, "skills", dest - size, dest, importance)


def write(tmp_path, text: str, name: str = "courses.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("description", "months"), [
    ("", 0.0), ("None or short demonstration", 0.0), ("Up to and including 1 month", 0.5),
    ("Anything beyond short demonstration, up to and including 1 month", 0.5),
    ("Over 1 month, up to and including 3 months", 2.0), ("Over 1 year, up to and including 2 years", 18.0),
    ("Over 4 years, up to and including 10 years", 84.0), ("Over 10 years", 120.0),
])
def test_category_months(description: str, months: float) -> None:
    assert category_months(description) == pytest.approx(months)


def test_expected_training_months_from_onet(data_dir) -> None:
    months = expected_training_months(data_dir)
    assert months.index.str.match(r"^\d{2}-\d{4}$").all()
    assert 700 < len(months) < 900
    assert months.between(0, 120).all()
    # Chief Executives need more formal training than Fast Food Cooks
    assert months["11-1011"] > months["35-2011"]


def test_shipped_catalogue_is_the_derivation(us_pack, data_dir) -> None:
    shipped = pd.read_csv(SHIPPED_CATALOGUE)
    derived = derive_catalogue(us_pack, data_dir)
    assert list(shipped["course_id"]) == list(derived["course_id"])
    np.testing.assert_allclose(shipped["duration_months"], derived["duration_months"], atol=1e-3)
    assert shipped["cost"].isna().all()  # never a second copy of the lever's cost
    assert len(shipped) == 3 * 68  # three tiers of every skill and knowledge element
    # an advanced course takes longer than a basic one on the same element
    wide = shipped.pivot(index="element_id", columns="tier", values="duration_months")
    assert (wide["advanced"] > wide["basic"]).mean() > 0.9


def test_shipped_costs_come_from_the_training_lever() -> None:
    from workshift.policy.catalogue import get_lever, training_cost_per_participant

    catalogue = load_catalogue()
    per_month = training_cost_per_participant("USD") / get_lever("training").effects["duration"].value
    frame = catalogue.frame
    np.testing.assert_allclose(frame["cost"], frame["duration_months"] * per_month)
    assert catalogue.illustrative and frame["illustrative"].all()
    assert catalogue.meta()["costs"] == "illustrative"
    assert catalogue.meta()["cost_basis"]["lever"] == "training"


def test_a_recorded_lever_cost_update_flows_into_course_costs(fresh_home) -> None:
    from workshift.policy.catalogue import record_lever_update

    before = read_catalogue(SHIPPED_CATALOGUE)
    record_lever_update("training", "cost", 14300.0, None, {"source": "test"})  # twice the EUR 2010 value
    after = read_catalogue(SHIPPED_CATALOGUE)
    np.testing.assert_allclose(after["cost"], 2 * before["cost"], rtol=1e-9)
    assert lever_cost_basis()["cost_per_participant"] == pytest.approx(2 * (before["cost"] / before[
        "duration_months"]).iloc[0] * 6.0)


def test_plan_picks_the_cheapest_course_that_reaches_the_level(tmp_path) -> None:
    path = write(tmp_path, "course_id,element_id,reaches_level,duration_months,cost,currency,title\n"
                           "a,2.B.3.e,4,2,900,USD,Python basics\n"
                           "b,2.B.3.e,6,3,1500,USD,Python advanced\n"
                           "c,2.B.3.e,6,4,1200,USD,Python bootcamp\n"
                           "d,2.A.1.e,3,1,300,USD,Maths refresher\n")
    catalogue = load_catalogue(path)
    assert not catalogue.illustrative
    plan = catalogue.plan([gap("2.B.3.e", 2.0, 5.5), gap("2.A.1.e", 1.0, 5.0), gap("2.C.3.a", 1.0, 4.0),
                           gap("2.B.1.a", TRAINING_MIN_GAP / 2, 3.0), gap("2.B.1.b", 2.0, 3.0, importance=2.0)])
    chosen = {c.element_id: c for c in plan.courses}
    # gaps below the minimum or on unimportant elements get no training
    assert set(chosen) == {"2.B.3.e", "2.A.1.e", "2.C.3.a"}
    assert chosen["2.B.3.e"].course_id == "c" and chosen["2.B.3.e"].closes  # cheapest reaching 5.5
    assert chosen["2.A.1.e"].course_id == "d" and not chosen["2.A.1.e"].closes  # reaches 3 only
    assert chosen["2.C.3.a"].course_id is None  # nothing in the catalogue
    assert plan.months == pytest.approx(5.0) and plan.cost == pytest.approx(1500.0)
    assert json.dumps(plan.to_dict())


def test_rows_without_cost_are_illustrative(tmp_path) -> None:
    path = write(tmp_path, "course_id,element_id,reaches_level,duration_months,cost\nx,2.B.3.e,5,3,\ny,2.A.1.e,5,1,250\n")
    frame = read_catalogue(path)
    assert frame["illustrative"].tolist() == [True, False]
    assert frame.loc[0, "cost"] == pytest.approx(3 * lever_cost_basis()["cost_per_participant"] / 6.0)


@pytest.mark.parametrize(("text", "match"), [
    ("course_id,element_id,duration_months\na,2.B.3.e,3\n", "missing columns"),
    ("course_id,element_id,reaches_level,duration_months\n", "no courses"),
    ("course_id,element_id,reaches_level,duration_months\na,2.B.3.e,five,3\n", "row 2, column 'reaches_level'"),
    ("course_id,element_id,reaches_level,duration_months\na,2.B.3.e,9,3\n", "out of range"),
    ("course_id,element_id,reaches_level,duration_months\na,2.B.3.e,5,3\na,2.A.1.e,5,3\n", "row 3.*duplicate"),
    ("course_id,element_id,reaches_level,duration_months\na,9.Z.9,5,3\n", "unknown O\\*NET element"),
    ("course_id,element_id,reaches_level,duration_months,cost,currency\na,2.B.3.e,5,3,10,USD\n"
     "b,2.A.1.e,5,3,10,EUR\n", "several currencies"),
    ("course_id,element_id,reaches_level,duration_months,cost\na,2.B.3.e,5,3,-1\n", "out of range"),
])
def test_bad_catalogues(tmp_path, text: str, match: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=match):
        read_catalogue(path, known_elements={"2.B.3.e", "2.A.1.e"})


def test_empty_and_missing_catalogue_files(tmp_path) -> None:
    with pytest.raises(DataError, match="empty"):
        read_catalogue(write(tmp_path, ""))
    with pytest.raises(DataError, match="not found"):
        read_catalogue(tmp_path / "nope.csv")


def test_training_command_with_a_user_catalogue(capsys, tmp_path, us_pack) -> None:
    from workshift.cli import main

    path = write(tmp_path, "course_id,element_id,reaches_level,duration_months,cost,title\n"
                           "m,2.A.1.e,7,2,800,Maths\ns,2.B.1.f,7,1,400,Service\n")
    with pytest.raises(SystemExit) as info:
        main(["training", "43-9021", "43-3041", "--catalogue", str(path), "--json"])
    assert info.value.code == 0
    out = json.loads(capsys.readouterr().out)
    training = out["training"]
    assert training["costs"] == "catalogue" and training["catalogue"] == str(path)
    by_element = {c["element_id"]: c for c in training["courses"]}
    assert by_element["2.A.1.e"]["course_id"] == "m" and by_element["2.A.1.e"]["cost"] == 800
    assert all(g["gap"] > 0 for g in out["skill_gaps"])
    move = out["transition"]  # the same labels as `transitions` gives the move
    assert move["ranked_by"] == "score_observed" and 0 <= move["score_observed"] <= 1
    assert move["safe"] == (move["safe_exposure"] and move["not_declining"])
