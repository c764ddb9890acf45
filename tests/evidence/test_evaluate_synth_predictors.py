"""Synthetic control with predictors: the Texas prison reference of pysyncon (Cunningham's Mixtape)."""

from __future__ import annotations

import json

import pytest

from workshift.cli import main
from workshift.data.registry import source_file
from workshift.evidence import synth_predictors as sp

TEXAS = source_file("evaluation/texas_prison.csv", required=False)
# pysyncon tests/test_synth_texas.py: weights within 0.025, average effect 1993-2000 within 2.5 %
WEIGHTS = {"California": 0.407651414, "Florida": 0.110543548, "Illinois": 0.36027434, "Louisiana": 0.121530698}
EFFECT = 20339.375838131393
SPECIAL = ["bmprison:1988", "bmprison:1990", "bmprison:1991", "bmprison:1992", "alcohol:1990",
           "aidscapita:1990", "aidscapita:1991", "black:1990", "black:1991", "black:1992", "perc1519:1990"]
pytestmark = pytest.mark.skipif(TEXAS is None, reason="shared evaluation data not available")


def _run(capsys, monkeypatch, tmp_path, *extra: str) -> tuple[int, str, str]:
    monkeypatch.setenv("WORKSHIFT_HOME", str(tmp_path / "home"))
    args = ["evaluate", "synth", "--data", str(TEXAS), "--unit", "state", "--time", "year", "--outcome", "bmprison",
            "--treated", "Texas", "--treatment-start", "1993", *extra]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, " ".join(out.err.split())


def _texas(capsys, monkeypatch, tmp_path, v_method: str, *extra: str) -> dict:
    specials = [a for s in SPECIAL for a in ("--special", s)]
    code, out, err = _run(capsys, monkeypatch, tmp_path, "--predictors", "income,ur,poverty", "--predictor-periods",
                          "1985-1993", *specials, "--v-periods", "1985-1993", "--v-method", v_method, "--json", *extra)
    assert code == 0, err
    assert "NaN" not in out
    return json.loads(out)


def test_texas_reference_weights_and_effect(capsys, monkeypatch, tmp_path):
    # pysyncon's reference (BFGS from the regression start) is the regression-based V's solution
    body = _texas(capsys, monkeypatch, tmp_path, "regression")
    for unit, weight in body["weights"].items():
        assert weight == pytest.approx(WEIGHTS.get(unit, 0.0), abs=0.025), unit
    assert body["att"]["estimate"] == pytest.approx(EFFECT, rel=0.025)
    assert len(body["v_weights"]) == 14 and sum(body["v_weights"].values()) == pytest.approx(1)
    balance = {row["predictor"]: row for row in body["predictor_balance"]}
    assert set(balance) >= {"income (1985-1993)", "bmprison (1988)", "black (1992)"}
    assert body["robustness"]["leave_one_out"] and body["robustness"]["in_time"]


def test_texas_nested_fits_the_pre_period_better(capsys, monkeypatch, tmp_path):
    report = tmp_path / "texas.html"
    body = _texas(capsys, monkeypatch, tmp_path, "nested", "--report", str(report))
    search = {r["search"]: r for r in body["robustness"]["v_search"]}
    assert search["nested"]["v_loss"] <= search["regression start"]["v_loss"]
    assert body["att"]["estimate"] == pytest.approx(EFFECT, rel=0.025)
    assert report.stat().st_size > 0


def test_periods_and_bad_input(capsys, monkeypatch, tmp_path):
    years = list(range(1985, 2001))
    assert sp.parse_periods("1988", years, "x") == (1988,)
    assert sp.parse_periods("1990-1992", years, "x") == (1990, 1991, 1992)
    assert sp.parse_periods("1990,1988", years, "x") == (1990, 1988)
    code, _, err = _run(capsys, monkeypatch, tmp_path, "--special", "bmprison")
    assert code == 2 and "COL:PERIODS" in err
    code, _, err = _run(capsys, monkeypatch, tmp_path, "--predictors", "incme", "--predictor-periods", "1985-1993")
    assert code == 2 and "incme" in err
    code, _, err = _run(capsys, monkeypatch, tmp_path, "--special", "bmprison:1970")
    assert code == 2 and "no period" in err


def test_texas_cv_and_equal_v(capsys, monkeypatch, tmp_path):
    cv = _texas(capsys, monkeypatch, tmp_path, "cv", "--v-train-periods", "1985-1989", "--v-validate-periods",
                "1990-1993")
    equal = _texas(capsys, monkeypatch, tmp_path, "equal")
    for body in (cv, equal):
        assert sum(body["weights"].values()) == pytest.approx(1) and min(body["weights"].values()) >= 0
        assert sum(body["v_weights"].values()) == pytest.approx(1)
    assert list(equal["v_weights"].values()) == pytest.approx([1 / 14] * 14)
    code, _, err = _run(capsys, monkeypatch, tmp_path, "--special", "bmprison:1990", "--v-method", "cv")
    assert code == 2 and "--v-train-periods" in err
