"""The lever catalogue: files as data, costs and currency, and the feedback overlay from the store."""

from __future__ import annotations

import math
import tomllib

import pytest

from workshift.errors import DataError, InputError, NotFoundError
from workshift.policy import catalogue as cat
from workshift.policy.currency import convert

IDS = {"training", "job_matching", "hiring_subsidy", "flexible_support", "flexible_insurance",
       "entrepreneurship", "working_time", "ai_augmentation"}


def test_every_lever_is_complete_data(fresh_home) -> None:
    levers = cat.load_catalogue()
    assert set(levers) == IDS
    for lever in levers.values():
        assert lever.label["en"] and lever.label["zh"] and lever.description["zh"]
        assert lever.references and all("title" in r for r in lever.references)
        assert 0 <= lever.bounds[0] <= lever.bounds[1]
        assert lever.cost.value > 0 and lever.cost.source
        for eff in lever.effects.values():
            assert eff.unit and eff.period and eff.source, (lever.id, eff.name)
        assert lever.default("2025-06-01") == 0.0


def test_cited_profiles_are_attached_to_programme_levers() -> None:
    levers = cat.packaged_levers()
    for lid in ("training", "job_matching", "hiring_subsidy", "entrepreneurship"):
        short, medium, long = levers[lid].participant_profile
        assert "Card, Kluve & Weber (2018" in levers[lid].effects["effect_gt2y"].source
        assert long >= short  # no programme type in CKW (2018) fades from a positive start to below it
    train, jsa = levers["training"].participant_profile, levers["job_matching"].participant_profile
    assert train[2] - train[0] > 5  # training rises over time
    assert max(jsa) - min(jsa) < 1  # job-search assistance early and flat
    assert levers["working_time"].participant_profile is None


def test_training_cost_is_converted_with_documented_rate() -> None:
    # EUR 7,150 at 2010 prices -> USD at the 2010 ECB rate 1.3257, then US CPI-U 2010 -> 2024
    expected = 7150 * 1.3257 * 313.689 / 218.056
    assert cat.training_cost_per_participant("USD") == pytest.approx(expected, rel=1e-12)
    assert cat.training_cost_per_participant("EUR") == pytest.approx(expected / 1.0824, rel=1e-12)
    assert convert(100, "USD", 2024) == 100
    with pytest.raises(InputError, match="unknown currency"):
        convert(1, "EUX", 2010)


def test_short_time_work_is_priced_as_the_wage_subsidy_it_is() -> None:
    """Short-time work pays a benefit on the hours lost: a share of annual earnings per full-time year of
    hours the run actually cuts, never a few dollars of administration (issue 13)."""
    lever = cat.packaged_levers()["working_time"]
    assert lever.target_group == "demand_separations" and lever.cost.is_share_of_earnings
    assert lever.cost.charged_on == "hours_cut"
    assert lever.cost.per_unit("USD", earnings=60_000) == pytest.approx(36_000)


def test_share_of_earnings_cost_needs_earnings() -> None:
    cost = cat.packaged_levers()["flexible_insurance"].cost
    assert cost.per_unit("USD", earnings=50_000) == pytest.approx(2_000)
    with pytest.raises(InputError):
        cost.per_unit("USD")


def test_recorded_updates_overlay_the_latest_value(fresh_home) -> None:
    packaged = cat.packaged_levers()["job_matching"].effects["effect_gt2y"].value
    cat.record_lever_update("job_matching", "effect_gt2y", 3.1, 0.8, {"source": "did", "run": "a"})
    cat.record_lever_update("job_matching", "effect_gt2y", 2.7, 0.5, {"source": "did", "run": "b"})
    cat.record_lever_update("training", "cost", 8000.0, None, {"source": "audit"})
    levers = cat.load_catalogue()
    eff = levers["job_matching"].effects["effect_gt2y"]
    assert (eff.value, eff.sd, eff.provenance["run"]) == (2.7, 0.5, "b")
    assert levers["training"].cost.value == 8000.0
    assert cat.packaged_levers()["job_matching"].effects["effect_gt2y"].value == packaged
    assert cat.training_cost_per_participant("USD") == pytest.approx(8000 * 1.3257 * 313.689 / 218.056)


def test_bad_updates_write_nothing(fresh_home) -> None:
    with pytest.raises(NotFoundError, match="did you mean 'training'"):
        cat.record_lever_update("trainin", "cost", 1.0, None, {})
    with pytest.raises(NotFoundError):
        cat.record_lever_update("training", "no_such", 1.0, None, {})
    with pytest.raises(InputError):
        cat.record_lever_update("training", "effect_gt2y", math.nan, None, {})
    assert cat.latest_updates() == []


def test_bad_lever_files_are_refused(tmp_path) -> None:
    raw = tomllib.loads((cat.LEVER_DIR / "training.toml").read_text())
    path = tmp_path / "training.toml"
    cat.parse_lever(raw, path)  # the packaged file itself is fine
    broken = dict(raw, label={"en": "x"})
    with pytest.raises(DataError, match="en and zh"):
        cat.parse_lever(broken, path)
    with pytest.raises(DataError, match="bounds"):
        cat.parse_lever(dict(raw, intensity={"min": 0.5, "max": 0.1}), path)
    with pytest.raises(DataError, match="positive"):
        cat.parse_lever(dict(raw, cost=dict(raw["cost"], value=0.0)), path)
    with pytest.raises(DataError, match="file name"):
        cat.parse_lever(raw, tmp_path / "other.toml")
    cited = {"low": 0.2, "high": 0.9, "source": "a study"}
    assert cat.parse_lever(dict(raw, displacement=cited), path).displacement == cited
    for bad in ({"low": 0.9, "high": 0.2, "source": "x"}, {"low": 0.0, "high": 1.5, "source": "x"},
                {"low": 0.0, "high": 0.5}):
        with pytest.raises(DataError, match="displacement"):
            cat.parse_lever(dict(raw, displacement=bad), path)
