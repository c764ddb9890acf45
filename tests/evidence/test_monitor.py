"""`workshift monitor`: idempotent ingestion, the plan contract, alerts against a plan, CLI and report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workshift.cli import main
from workshift.errors import DataError, InputError, NotFoundError
from workshift.evidence import monitor
from workshift.evidence.monitor_check import check
from workshift.evidence.report_monitor import monitor_report
from workshift.store import Store

SD = 0.1  # the plan's implied residual sd (90 % band = projected ± 1.645 sd)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def plan_frame(indicator: str = "unemployment_rate", region: str = "US", start: str = "2022-01",
               months: int = 36, level: float = 4.0) -> pd.DataFrame:
    periods = pd.period_range(start, periods=months, freq="M").astype(str)
    projected = np.full(months, level)
    return pd.DataFrame({"indicator": indicator, "region": region, "period": periods, "projected": projected,
                         "lower": projected - 1.645 * SD, "upper": projected + 1.645 * SD})


def observations_file(path: Path, values: np.ndarray, start: str, indicator: str = "unemployment_rate",
                      region: str = "US") -> Path:
    periods = pd.period_range(start, periods=len(values), freq="M").astype(str)
    pd.DataFrame({"indicator": indicator, "region": region, "period": periods, "value": values}).to_csv(
        path, index=False)
    return path


def test_ingest_is_idempotent_and_logs_updates(tmp_path: Path, fresh_home: Path) -> None:
    path = tmp_path / "obs.csv"
    path.write_text("指标;地区;时期;数值\n就业率;北京;2024年1月;95.1\n就业率;北京;2024-02;95.3\n"
                    "就业率;上海;2024M01;96.0\n就业率;上海;2024M01;96.0\n", encoding="utf-8")
    first = monitor.ingest(path)
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    stored = monitor.observations()
    assert sorted(stored["period"]) == ["2024-01", "2024-01", "2024-02"]
    again = monitor.ingest(path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    pd.testing.assert_frame_equal(monitor.observations(), stored)
    path.write_text("指标;地区;时期;数值\n就业率;北京;2024-01;95.0\n", encoding="utf-8")
    revised = monitor.ingest(path)
    assert (revised.inserted, revised.updated, revised.unchanged) == (0, 1, 0)
    row = monitor.observations().query("region == '北京' and period == '2024-01'").iloc[0]
    assert row["value"] == 95.0 and row["source_sha256"] == revised.sha256
    con = Store().connect(read_only=True)
    log = con.execute("SELECT action, old_value, new_value, source_file FROM observations_log "
                      "WHERE action = 'update'").fetchall()
    con.close()
    assert log == [("update", 95.1, 95.0, str(path.resolve()))]


def test_ingest_rejects_bad_files(tmp_path: Path, fresh_home: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,region,period,value\nu,US,2024-01,4.0\nu,US,2024-01,4.2\n", encoding="utf-8")
    with pytest.raises(DataError, match="two values"):
        monitor.ingest(bad)
    bad.write_text("indicator,region,period,value\nu,US,2024-13,4.0\n", encoding="utf-8")
    with pytest.raises(DataError, match="unreadable period '2024-13'"):
        monitor.ingest(bad)
    bad.write_text("indicator,region,period,value\nu,US,2024-01,four\n", encoding="utf-8")
    with pytest.raises(DataError, match="not a number: 'four'"):
        monitor.ingest(bad)
    bad.write_text("indicator,region,priod,value\nu,US,2024-01,4\n", encoding="utf-8")
    with pytest.raises(DataError, match="unknown column 'period'") as err:
        monitor.ingest(bad)
    assert "priod" in err.value.hint
    assert monitor.observations().empty  # nothing half-written


@pytest.mark.parametrize(("text", "canonical"), [("2024-03", "2024-03"), ("2024/3", "2024-03"),
                                                 ("2024-03-15", "2024-03"), ("2024M03", "2024-03"),
                                                 ("202403", "2024-03"), ("2024年3月", "2024-03"),
                                                 ("2024Q1", "2024Q1"), ("2024-q2", "2024Q2"), ("2024", "2024"),
                                                 ("2024年", "2024"), (2024, "2024")])
def test_period_spellings(text: object, canonical: str) -> None:
    assert monitor.period_text(monitor.parse_period(text)) == canonical


def test_plan_contract(fresh_home: Path) -> None:
    plan = plan_frame(months=6)
    monitor.save_plan("p1", plan, {"scenario": "us.toml"})
    meta, trajectory = monitor.load_plan("p1")
    assert meta["band_level"] == 0.90 and meta["scenario"] == "us.toml"
    assert list(trajectory.columns) == list(monitor.PLAN_COLUMNS)
    run = Store().run("p1")
    assert run.kind == "plan"
    with pytest.raises(InputError, match="already exists"):
        monitor.save_plan("p1", plan, {})
    with pytest.raises(DataError, match="does not hold projection"):
        monitor.save_plan("p2", plan.assign(upper=plan["projected"] - 0.01), {})
    with pytest.raises(DataError, match="unknown column 'upper'"):
        monitor.save_plan("p2", plan.drop(columns="upper"), {})
    with pytest.raises(NotFoundError) as err:
        monitor.load_plan("p2")
    assert "p1" in err.value.hint


def test_in_control_observations_raise_no_chart_alerts(tmp_path: Path, fresh_home: Path) -> None:
    monitor.save_plan("calm", plan_frame(months=36), {"scenario": "us.toml"})
    rng = np.random.default_rng(5)
    monitor.ingest(observations_file(tmp_path / "o.csv", 4.0 + rng.normal(0, SD, 36), "2022-01"))
    result = check("calm")
    assert result.alerts.empty
    assert len(result.residuals) == 36 and abs(result.residuals["z"].mean()) < 0.5
    assert result.residuals["z"].std() == pytest.approx(1.0, abs=0.3)
    stored = Store().table(result.run_id, "alerts")
    assert stored.empty and Store().run(result.run_id).meta["plan"] == "calm"


def test_shift_raises_alerts_that_say_what_how_far_since_when(tmp_path: Path, fresh_home: Path) -> None:
    monitor.save_plan("drift", plan_frame(months=36), {"scenario": "scenarios/us_ai.toml", "vintage": "test"})
    rng = np.random.default_rng(7)
    history = np.full(14, 4.0)  # 2020-11 .. 2021-12: what the Sahm rule needs before the plan
    values = 4.0 + rng.normal(0, SD, 36)
    values[24:] += 0.3  # from 2024-01 the rate runs 3 sd above the plan
    monitor.ingest(observations_file(tmp_path / "o.csv", np.r_[history, values].round(3), "2020-11"))
    result = check("drift")
    alerts = result.alerts.set_index("rule")
    assert {"ewma", "cusum", "band"} <= set(alerts.index)
    cusum = alerts.loc["cusum"]
    assert cusum["direction"] == "above" and cusum["active"]
    assert abs((pd.Period(cusum["since"], "M") - pd.Period("2024-01", "M")).n) <= 2  # change point estimate
    assert cusum["detected"] <= "2024-04"
    assert cusum["shift"] == pytest.approx(0.3, abs=0.1) and cusum["shift_sd"] == pytest.approx(3.0, abs=1.0)
    assert "scenarios/us_ai.toml" in cusum["action"] and "re-run `workshift optimize" in cusum["action"]
    assert "unemployment_rate (US)" in cusum["message"] and cusum["since"] in cusum["message"]
    # 3 sd of 0.1 pp is a 0.3 pp rise: below the Sahm threshold of 0.50 pp, so no Sahm alert.
    assert "sahm" not in alerts.index
    stored = Store().table(result.run_id, "alerts")
    assert sorted(stored["rule"]) == sorted(result.alerts["rule"])
    sources = Store().run(result.run_id).meta["observations"]["sources"]
    assert sources[0]["source_file"].endswith("o.csv")


def test_sahm_alert_from_observed_unemployment(tmp_path: Path, fresh_home: Path) -> None:
    plan = plan_frame(start="2023-01", months=12)
    plan["lower"], plan["upper"] = plan["lower"] - 1.0, plan["upper"] + 1.0  # a wide band: charts stay calm
    monitor.save_plan("sahm", plan, {"band_level": 0.9})
    values = np.r_[np.full(26, 4.0), [4.3, 4.6, 4.9, 5.2]]  # 2021-03 .. 2023-08, rising from 2023-05
    monitor.ingest(observations_file(tmp_path / "o.csv", values, "2021-03"))
    result = check("sahm")
    sahm = result.alerts[result.alerts["rule"] == "sahm"].iloc[0]
    # avg3: 2023-06 (4.0, 4.3, 4.6) = 4.3 < 4.5; 2023-07 (4.3, 4.6, 4.9) = 4.6 >= 4.0 + 0.5.
    assert sahm["since"] == "2023-07" and sahm["active"] and sahm["shift"] == pytest.approx(0.9)
    assert not result.sahm.empty and result.sahm["crossing"].sum() == 1
    page = monitor_report(result, tmp_path / "sahm.html", "zh").read_text(encoding="utf-8")
    assert "<h2>萨姆规则" in page and "萨姆规则自 2023-07 起触发" in page


def test_cli_and_bilingual_report(tmp_path: Path, fresh_home: Path, capsys) -> None:
    monitor.save_plan("cli_plan", plan_frame(months=12, start="2024-01"), {"scenario": "s.toml"})
    values = np.r_[np.full(6, 4.0), np.full(6, 4.5)]
    path = observations_file(tmp_path / "o.csv", values, "2024-01")
    code, out, err = run_cli(["monitor", "ingest", str(path), "--json"], capsys)
    assert code == 0 and json.loads(out)["inserted"] == 12, err
    code, out, _ = run_cli(["monitor", "ingest", str(path)], capsys)
    assert "0 new, 0 updated, 12 unchanged" in out
    zh = tmp_path / "监测.html"
    code, out, err = run_cli(["monitor", "check", "--plan", "cli_plan", "--json", "--report", str(zh),
                              "--lang", "zh"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert {a["rule"] for a in payload["alerts"]} >= {"cusum", "ewma"}
    page = zh.read_text(encoding="utf-8")
    assert "监测报告" in page and "<h2>萨姆规则" not in page and "<script src=\"http" not in page
    assert "Sahm rule not evaluable" in payload["meta"]["notes"][0]  # 12 months of history are too few
    assert "Plotly.newPlot" in page or "plotly" in page.lower()
    result = check("cli_plan", save=False)
    en = monitor_report(result, tmp_path / "m.html", "en").read_text(encoding="utf-8")
    assert "Monitoring report: plan cli_plan" in en and "re-run `workshift optimize s.toml`" in en
    code, _, _ = run_cli(["monitor", "check", "--plan", "cli_plan", "--fail-on-alert"], capsys)
    assert code == 1
    code, _, err = run_cli(["monitor", "check", "--plan", "cli_plann"], capsys)
    assert code == 2 and "did you mean 'cli_plan'" in err
