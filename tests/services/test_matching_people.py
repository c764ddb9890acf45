"""Matches a caseworker would act on: the registered-nurse case of issue 15, weighted skills, pay gates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workshift.services.matching.explain import seeker_view
from workshift.services.matching.pipeline import run_match
from workshift.services.matching.score import GOOD_MATCH, PAY_SHARE

NURSE_SKILLS = ("Medicine and Dentistry;Psychology;English Language;Customer and Personal Service;Active Listening;"
                "Social Perceptiveness;Speaking;Critical Thinking;Reading Comprehension;Service Orientation;"
                "Monitoring;Education and Training")
VACANCIES = {  # id: (occupation, required skills, wage)
    "stockers": ("53-7065", "Active Listening", "50900"),
    "software": ("15-1252", "Active Listening;Speaking;Critical Thinking", "175000"),
    "lawyers": ("23-1011", "Speaking;Critical Thinking;Reading Comprehension", "210000"),
    "nurse_good": ("29-1141", "Medicine and Dentistry;Psychology;Active Listening;Service Orientation", "165000"),
    "nurse_one_skill": ("29-1141", "Speaking", "165000"),
    "nurse_low_pay": ("29-1141", "Medicine and Dentistry;Psychology;Active Listening", "120000"),
    "nurse_no_pay": ("29-1141", "Medicine and Dentistry;Psychology;Active Listening", ""),
}


@pytest.fixture(scope="module")
def nurse(us_pack, tmp_path_factory) -> dict:
    folder: Path = tmp_path_factory.mktemp("nurse")
    seekers = folder / "seekers.csv"
    seekers.write_text("seeker_id,occupation,skills,state,desired_wage\n"
                       f'nurse,29-1141,"{NURSE_SKILLS}",CA,161200\n'
                       'thin,29-1141,"Speaking",CA,161200\n', encoding="utf-8")
    vacancies = folder / "vacancies.csv"
    vacancies.write_text("vacancy_id,occupation,required_skills,state,wage,openings\n" + "".join(
        f'{key},{occ},"{skills}",CA,{wage},1\n' for key, (occ, skills, wage) in VACANCIES.items()), encoding="utf-8")
    result = run_match(seekers, vacancies, top=len(VACANCIES), pack=us_pack)
    frame = seeker_view(result, len(VACANCIES))
    return {"result": result, "frame": frame.set_index(["seeker_id", "vacancy_id"])}


def test_nurse_is_not_told_stockers_software_or_law_are_good_matches(nurse) -> None:
    rows = nurse["frame"].loc["nurse"]
    for key in ("stockers", "software", "lawyers"):
        assert not rows.loc[key, "good_match"], key
        assert rows.loc[key, "score"] < GOOD_MATCH
    assert rows.loc["stockers", "explanation"].startswith("Not a good match")
    assert "change of occupation" in rows.loc["software", "explanation"]
    assert "change of occupation" in rows.loc["lawyers", "explanation"]
    assert not rows.loc["stockers", "pay_ok"]  # 50,900 against 161,200 asked
    best = rows.sort_values("rank").index[0]
    assert best == "nurse_good" and rows.loc[best, "good_match"]
    assert rows.loc[best, "explanation"].startswith("Good match")


def test_pay_below_the_reservation_share_or_missing_is_never_good(nurse) -> None:
    rows = nurse["frame"].loc["nurse"]
    assert 120000 < PAY_SHARE * 161200
    assert not rows.loc["nurse_low_pay", "good_match"] and not rows.loc["nurse_low_pay", "pay_ok"]
    assert not rows.loc["nurse_no_pay", "good_match"] and not rows.loc["nurse_no_pay", "wage_stated"]
    assert rows.loc["nurse_no_pay", "pay"] == 0.0
    assert "states no pay" in rows.loc["nurse_no_pay", "explanation"]


def test_a_vacancy_listing_one_skill_does_not_give_full_marks(nurse) -> None:
    thin = nurse["frame"].loc["thin"]
    # the thin profile has the one listed skill but none of the occupation's core skills
    assert 0.0 < thin.loc["nurse_one_skill", "skill_coverage"] < 0.5
    full = nurse["frame"].loc["nurse"]
    assert full.loc["nurse_one_skill", "skill_coverage"] > thin.loc["nurse_one_skill", "skill_coverage"]
    # weighted: covering the important elements counts more than covering as many unimportant ones
    assert np.all(nurse["frame"]["skill_coverage"].between(0.0, 1.0))
