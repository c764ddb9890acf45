"""Control charts and the Sahm rule against theory and the published record."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.data.registry import source_file
from workshift.evidence import charts

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def us_unemployment(data_dir: Path) -> pd.Series:
    wide = pd.read_csv(source_file("macro/us_unemployment_rate_monthly_1948_2018.csv", data_dir))
    long = wide.melt(id_vars="Year", value_vars=MONTHS, var_name="month", value_name="rate").dropna()
    index = pd.PeriodIndex.from_fields(year=long["Year"], month=long["month"].map(MONTHS.index) + 1, freq="M")
    return pd.Series(long["rate"].to_numpy(), index=index).sort_index()


def test_sahm_rule_crossings_on_us_series(data_dir: Path) -> None:
    table = charts.sahm_rule(us_unemployment(data_dir))
    crossings = [str(p) for p in table.index[table["crossing"]]]
    assert crossings == ["1953-11", "1957-11", "1959-11", "1960-10", "1970-03", "1974-07", "1980-02", "1981-11",
                         "1990-10", "2001-06", "2003-07", "2008-02"]
    # 1957-10 is a tie in exact arithmetic (13.0/3 - 11.5/3 = 0.50); in double precision it falls just short.
    assert table.loc[pd.Period("1957-10", "M"), "gap"] == pytest.approx(0.5, abs=1e-12)
    # 1949-03, the first month with 12 earlier 3-month averages, is already on: that is no crossing.
    first = table["gap"].first_valid_index()
    assert str(first) == "1949-03" and table.loc[first, "on"] and not table.loc[first, "crossing"]
    # Hand check of one month: 2008-02, avg3 of Dec-Feb (5.0, 5.0, 4.9) against the low of the previous
    # twelve 3-month averages, Mar-May 2007 (4.4, 4.5, 4.4): gap 1.6 / 3 = 0.533 pp.
    row = table.loc[pd.Period("2008-02", "M")]
    assert row["avg3"] == pytest.approx(14.9 / 3) and row["low12"] == pytest.approx(13.3 / 3)
    assert row["gap"] == pytest.approx(1.6 / 3) and row["on"]


def test_sahm_rule_needs_consecutive_months() -> None:
    rate = pd.Series([4.0] * 14 + [4.6, 4.7, 4.8], index=pd.period_range("2020-01", periods=17, freq="M"))
    table = charts.sahm_rule(rate)
    assert table["crossing"].sum() == 1 and str(table.index[table["crossing"]][0]) == "2021-05"
    gapped = rate.drop(pd.Period("2020-06", "M"))  # a missing month leaves nearby averages undefined
    assert charts.sahm_rule(gapped)["gap"].notna().sum() < table["gap"].notna().sum()


def run_lengths(alarm: np.ndarray) -> np.ndarray:
    """Index (1-based) of each row's first alarm; rows without one count as their full length."""
    first = np.where(alarm.any(axis=1), alarm.argmax(axis=1) + 1, alarm.shape[1])
    return first.astype(float)


def test_ewma_arl_matches_lucas_saccucci_table() -> None:
    # Lucas & Saccucci (1990) / Montgomery Table 9.11: these (lambda, L) pairs have in-control ARL 500.
    for lam, limit in ((0.05, 2.615), (0.10, 2.814), (0.20, 2.962), (0.40, 3.054)):
        assert charts.ewma_arl(lam, limit) == pytest.approx(500, rel=0.01)
    assert charts.ewma_arl(0.2, 2.962, shift=1.0) < 15  # a 1-sd shift is caught quickly


def test_ewma_in_control_false_alarms_match_theory() -> None:
    rng = np.random.default_rng(11)
    chains, horizon = 1200, 4000
    stat = charts.ewma_statistic(rng.standard_normal((chains, horizon)), charts.EWMA_LAMBDA)
    lengths = run_lengths(np.abs(stat) > charts.ewma_limit())
    theory = charts.ewma_arl()
    se = lengths.std(ddof=1) / np.sqrt(chains)
    assert abs(lengths.mean() - theory) < 4 * se, (lengths.mean(), theory, se)
    # Per-point false-alarm rate of the chart (before the first alarm) is about 1 / ARL.
    assert abs(chains / lengths.sum() - 1 / theory) < 4 * se / theory**2


@pytest.mark.parametrize(("h", "tabulated"), [(4.0, 168.0), (5.0, 465.0)])
def test_cusum_in_control_arl_matches_siegmund(h: float, tabulated: float) -> None:
    assert charts.cusum_arl(0.5, h) == pytest.approx(tabulated, rel=0.015)
    rng = np.random.default_rng(int(h))
    chains, horizon = 1500, int(12 * tabulated)
    upper, lower = charts.cusum_statistics(rng.standard_normal((chains, horizon)), 0.5)
    lengths = run_lengths((upper > h) | (lower > h))
    se = lengths.std(ddof=1) / np.sqrt(chains)
    assert abs(lengths.mean() - tabulated) < 4 * se, (lengths.mean(), tabulated, se)


def test_cusum_detects_a_one_sd_shift_as_expected() -> None:
    rng = np.random.default_rng(3)
    upper, lower = charts.cusum_statistics(rng.standard_normal((1500, 200)) + 1.0, 0.5)
    lengths = run_lengths((upper > 5) | (lower > 5))
    assert lengths.mean() == pytest.approx(charts.cusum_arl(0.5, 5, shift=1.0), rel=0.08)  # ~10.4


def test_chart_signals_say_since_when() -> None:
    z = np.r_[np.zeros(20), np.full(10, 1.5)]
    chart = charts.cusum_chart(z)
    (signal,) = charts.cusum_signals(chart)
    assert signal.direction == "above" and signal.start == 20 and signal.active
    assert signal.detected == 20 + 5  # C+ grows by 1.0 a period and passes h = 5 at the sixth
    (down,) = charts.ewma_signals(charts.ewma_chart(-z))
    assert down.direction == "below" and down.detected > 20 and down.end == 29
