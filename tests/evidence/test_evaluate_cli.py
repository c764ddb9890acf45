"""`workshift evaluate`: JSON interface, stored runs, HTML reports (en/zh) and bad input through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workshift.cli import main
from workshift.data.registry import source_file
from workshift.store import Store

MPDTA_SHA = "7d8620758d79fdc732a51e26700619f851394e4d1373cad9a3de3b52a2dbc5c7"
DID = ["--unit", "countyreal", "--time", "year", "--cohort", "first.treat", "--outcome", "lemp"]
SYNTH = ["--unit", "State", "--time", "Year", "--outcome", "PacksPerCapita", "--treated", "California",
         "--treatment-start", "1989"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", *args])
    out = capsys.readouterr()
    return exit_info.value.code, out.out, " ".join(out.err.split())  # rich wraps long messages


@pytest.fixture(scope="module")
def mpdta(data_dir) -> Path:
    return source_file("evaluation/mpdta.csv", data_dir)


@pytest.fixture(scope="module")
def prop99(data_dir) -> Path:
    return source_file("evaluation/california_prop99_long_semicolon.csv", data_dir)


def test_did_json_and_stored_run(capsys, fresh_home, mpdta, tmp_path) -> None:
    report = tmp_path / "did.html"
    code, out, _ = run(capsys, "did", "--data", str(mpdta), *DID, "--bootstrap", "500", "--seed", "3", "--json",
                       "--report", str(report))
    assert code == 0
    result = json.loads(out)
    assert set(result["att"]) == {"estimate", "se", "ci_low", "ci_high"}
    expected = {"simple": -0.0400, "group": -0.0310, "dynamic": -0.0772, "calendar": -0.0417}
    for kind, value in expected.items():
        assert result["aggregations"][kind]["estimate"] == pytest.approx(value, abs=5e-4)
        assert result["aggregations"][kind]["se"] > 0
    assert result["att"]["estimate"] == result["aggregations"]["simple"]["estimate"]
    stored = Store().run(result["run_id"])
    assert stored.kind == "evaluate" and stored.meta["data_sha256"] == MPDTA_SHA
    assert stored.meta["options"]["bootstrap"] == 500 and "numpy" in stored.meta["versions"]
    assert len(Store().table(result["run_id"], "did_group_time")) == 12
    page = report.read_text(encoding="utf-8")
    assert "Event study" in page and page.count("Plotly.newPlot") == 2 and "<script src=" not in page


def test_event_study_report_in_chinese(capsys, fresh_home, mpdta, tmp_path) -> None:
    report = tmp_path / "es.html"
    code, out, _ = run(capsys, "event-study", "--data", str(mpdta), *DID, "--bootstrap", "0", "--report",
                       str(report), "--lang", "zh")
    assert code == 0 and "事件研究（动态效应）" in out
    page = report.read_text(encoding="utf-8")
    assert "事件研究" in page and "-0.0772" in page


def test_synth_json_report_and_store(capsys, fresh_home, prop99, tmp_path) -> None:
    report = tmp_path / "sdid.html"
    code, out, _ = run(capsys, "synth", "--data", str(prop99), *SYNTH, "--method", "sdid", "--json", "--report",
                       str(report), "--lang", "zh")
    assert code == 0
    result = json.loads(out)
    assert result["att"]["estimate"] == pytest.approx(-15.6, abs=0.3)
    assert sum(result["weights"].values()) == pytest.approx(1.0)
    assert result["weights"]["Nevada"] > 0.1
    assert result["placebo"]["p_value"] == pytest.approx(1 / 39)
    stored = Store().run(result["run_id"])
    assert stored.meta["method"] == "sdid" and stored.meta["options"]["treatment_start"] == 1989
    assert len(Store().table(result["run_id"], "synth_weights")) == 38
    page = report.read_text(encoding="utf-8")
    assert "合成" in page and "安慰剂" in page and page.count("Plotly.newPlot") == 3


def test_subprocess_front_door_exits_nonzero(prop99) -> None:
    out = subprocess.run([sys.executable, "-m", "workshift", "evaluate", "synth", "--data", str(prop99), *SYNTH,
                          "--treated", "Nowhere"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "treated unit 'Nowhere' is not in column 'State'" in " ".join(out.stderr.split())


def _write(path: Path, frame: pd.DataFrame, sep: str = ",") -> Path:
    frame.to_csv(path, index=False, sep=sep)
    return path


@pytest.fixture()
def small(mpdta) -> pd.DataFrame:
    frame = pd.read_csv(mpdta)
    return frame[frame["countyreal"].isin(frame["countyreal"].unique()[:60])]


def test_bad_input_duplicated_rows(capsys, fresh_home, small, tmp_path) -> None:
    path = _write(tmp_path / "dup.tsv", pd.concat([small, small.iloc[[7]]]), sep="\t")
    code, _, err = run(capsys, "did", "--data", str(path), *DID)
    assert code == 2
    assert "duplicated panel rows" in err and "countyreal=8019, year=2005" in err and "lines 9, 302" in err


def test_bad_input_non_numeric_outcome(capsys, fresh_home, small, tmp_path) -> None:
    bad = small.astype({"lemp": object})
    bad.iloc[4, bad.columns.get_loc("lemp")] = "eight"
    path = _write(tmp_path / "text.csv", bad, sep=";")
    code, _, err = run(capsys, "did", "--data", str(path), *DID)
    assert code == 2 and "row 6" in err and "'lemp'" in err and "not numeric: 'eight'" in err


def test_bad_input_not_utf8(capsys, fresh_home, tmp_path) -> None:
    path = tmp_path / "gbk.csv"
    # GB18030/GBK is read (tests/core/test_inputs_zh.py); Windows-1252 bytes are neither UTF-8 nor GB18030.
    path.write_bytes(b"region,year,rate,first\ncaf\xe9,2020,0.9,0\n")
    code, _, err = run(capsys, "did", "--data", str(path), "--unit", "region", "--time", "year", "--cohort",
                       "first", "--outcome", "rate")
    assert code == 2 and "not UTF-8" in err and "GB18030" in err and "Windows-1252" in err


def test_bad_input_unknown_column(capsys, fresh_home, mpdta) -> None:
    code, _, err = run(capsys, "did", "--data", str(mpdta), *DID[:-1], "lemps")
    assert code == 2 and "unknown column 'lemps'" in err and "did you mean 'lemp'" in err


def test_bad_input_treated_without_pre_period(capsys, fresh_home, small, prop99, tmp_path) -> None:
    always = small.copy()
    always.loc[always["countyreal"] == always["countyreal"].iloc[0], "first.treat"] = 2003
    path = _write(tmp_path / "always.csv", always)
    code, _, err = run(capsys, "did", "--data", str(path), *DID)
    assert code == 2 and "no pre-treatment period" in err and str(always["countyreal"].iloc[0]) in err
    code, _, err = run(capsys, "synth", "--data", str(prop99), *SYNTH[:-1], "1970")
    assert code == 2 and "California have no pre-treatment period" in err


def test_bad_input_unbalanced_panel_for_synth(capsys, fresh_home, prop99, tmp_path) -> None:
    frame = pd.read_csv(prop99, sep=";")
    frame = frame.drop(frame.index[(frame["State"] == "Utah") & (frame["Year"] == 1980)])
    path = _write(tmp_path / "holes.csv", frame)
    code, _, err = run(capsys, "synth", "--data", str(path), *SYNTH)
    assert code == 2 and "unbalanced panel" in err and "State=Utah, Year=1980" in err


def test_bad_option_values(capsys, fresh_home, mpdta, prop99) -> None:
    code, _, err = run(capsys, "did", "--data", str(mpdta), *DID, "--control", "later")
    assert code == 2 and "unknown control group" in err
    code, _, err = run(capsys, "synth", "--data", str(prop99), *SYNTH, "--method", "lasso")
    assert code == 2 and "unknown method" in err
    code, _, err = run(capsys, "synth", "--data", str(prop99), *SYNTH[:-1], "soon")
    assert code == 2 and "not a number" in err
