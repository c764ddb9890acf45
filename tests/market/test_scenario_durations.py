"""Durations of the shock and the cycle in weeks (issue 13 items 4/5): a scenario means the same at any step
length; the old keys in steps still work, with a deprecation note."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from workshift.errors import InputError
from workshift.market.inputs import synthetic
from workshift.market.run import build
from workshift.market.scenario import from_dict

MONTH = 52 / 12


def test_weeks_become_steps_of_the_scenario() -> None:
    raw = {"shock": {"start_weeks": 52, "adoption_weeks": 520}, "cycle": {"period_weeks": 260}}
    weekly = from_dict({**raw, "market": {"step_weeks": 6.5}})
    monthly = from_dict({**raw, "market": {"step_weeks": MONTH}})
    assert weekly.shock["start_step"] == 8 and monthly.shock["start_step"] == 12
    assert weekly.shock["adoption_steps"] == pytest.approx(80.0)
    assert monthly.shock["adoption_steps"] == pytest.approx(120.0)
    assert monthly.cycle["period_steps"] == pytest.approx(60.0) and monthly.cycle["start_step"] is None
    # the defaults are the paper's, in weeks: at 6.75-week steps exactly its 100, 231 and 103 steps
    paper = from_dict({})
    assert (paper.shock["start_step"], paper.shock["adoption_steps"], paper.cycle["period_steps"]) == (100, 231, 103)
    assert from_dict({"market": {"step_weeks": MONTH}}).shock["adoption_steps"] == pytest.approx(231 * 6.75 / MONTH)


def test_old_keys_in_steps_still_work_with_a_note(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="workshift"):
        sc = from_dict({"market": {"step_weeks": MONTH}, "shock": {"start_step": 12, "adoption_steps": 60},
                        "cycle": {"period_steps": 30}}, "old.toml")
    assert sc.shock["start_step"] == 12 and sc.shock["start_weeks"] == pytest.approx(52.0)
    assert sc.shock["adoption_weeks"] == pytest.approx(260.0) and sc.cycle["period_weeks"] == pytest.approx(130.0)
    notes = [r.getMessage() for r in caplog.records]
    assert any("shock.start_step is deprecated" in m and "start_weeks = 52" in m for m in notes)
    with pytest.raises(InputError, match="both given"):
        from_dict({"shock": {"start_step": 12, "start_weeks": 52}})
    with pytest.raises(InputError, match="start_weeks"):
        from_dict({"shock": {"start_weeks": -1}})
    # an override in one unit replaces the scenario's value in the other
    assert sc.replace(shock={"start_weeks": 104}).shock["start_step"] == 24
    assert from_dict({"shock": {"start_weeks": 675}}).replace(shock={"start_step": 7}).shock["start_step"] == 7


def test_the_shock_follows_the_calendar_at_any_step() -> None:
    """Adoption at the same week is the same share of the shock at 6.75-week and monthly steps (to the
    rounding of the start to a whole step)."""
    inputs = synthetic(20, seed=1)
    paths = {}
    for step in (6.75, MONTH):
        sc = from_dict({"market": {"step_weeks": step, "extensions": []},
                        "shock": {"index": "gpts_beta", "start_weeks": 27, "adoption_weeks": 520}})
        demand = build(sc, inputs).model.demand
        weeks = np.arange(27, 27 + 520, 13.0)
        paths[step] = [demand.adoption(demand.start + w / step) for w in weeks - 27]
    np.testing.assert_allclose(paths[6.75], paths[MONTH], atol=1e-9)


def test_api_overrides_replace_the_duration_in_the_other_unit() -> None:
    """ws.load_scenario(..., shock={"start_step": n}) on a scenario that gives start_weeks (and the other way
    round) takes the override, as it did before the keys in weeks."""
    from workshift.api.scenario import load_scenario

    raw = {"market": {"step_weeks": MONTH}, "shock": {"index": "gpts_beta", "start_weeks": 52}}
    assert load_scenario(raw, shock={"start_step": 7}).engine.shock["start_step"] == 7
    assert load_scenario(raw, shock={"start_weeks": 104}).engine.shock["start_step"] == 24
    old = {"market": {"step_weeks": MONTH}, "shock": {"index": "gpts_beta", "start_step": 12}}
    assert load_scenario(old, shock={"start_weeks": 26}).engine.shock["start_step"] == 6
