"""Eight real ``workshift`` processes on one store at once (issue 12, item 5).

DuckDB lets one process write a file at a time. The test holds the store's write lock itself while eight
commands start (two ``simulate``, three ``monitor ingest``, three ``monitor check``), then lets go: every
command must wait, say so once, and succeed, and nothing may be lost. A lock held longer than
``WORKSHIFT_STORE_WAIT`` ends a command with one line and exit 75.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from workshift.evidence import monitor
from workshift.store import Store

SCENARIO = '[market]\nsteps = 30\n[shock]\nindex = "gpts_beta"\nstart_step = 5\nadoption_steps = 10\n'
HOLD_S = 4.0


def cli(home: Path, *args: str, wait: str = "300") -> subprocess.Popen:
    env = {**os.environ, "WORKSHIFT_HOME": str(home), "WORKSHIFT_STORE_WAIT": wait}
    return subprocess.Popen([sys.executable, "-m", "workshift", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def observations(path: Path, indicator: str, value: float) -> Path:
    periods = pd.period_range("2022-01", periods=24, freq="M").astype(str)
    pd.DataFrame({"indicator": indicator, "region": "US", "period": periods, "value": value}).to_csv(path, index=False)
    return path


@pytest.fixture()
def shared_home(tmp_path: Path, us_pack, session_home: Path) -> Path:
    home = tmp_path / "shared_home"
    (home / "packs").mkdir(parents=True)
    shutil.copy(session_home / "packs" / "us.duckdb", home / "packs" / "us.duckdb")
    periods = pd.period_range("2022-01", periods=24, freq="M").astype(str)
    plan = pd.DataFrame({"indicator": "unemployment_rate", "region": "US", "period": periods,
                         "projected": 4.0, "lower": 3.8, "upper": 4.2})
    monitor.save_plan("p", plan, {"scenario": "small.toml"}, home=home)
    monitor.ingest(observations(tmp_path / "base.csv", "unemployment_rate", 4.0), home=home)
    return home


def test_eight_commands_on_one_store(shared_home: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "small.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    store = Store(shared_home)
    holder = duckdb.connect(str(store.path))  # a writer that is busy while the commands start
    procs = [cli(shared_home, "simulate", str(scenario), "--json", "--no-plots") for _ in range(2)]
    procs += [cli(shared_home, "monitor", "ingest", str(observations(tmp_path / f"o{k}.csv", f"ind_{k}", k)))
              for k in range(3)]
    procs += [cli(shared_home, "monitor", "check", "--plan", "p", "--json") for _ in range(3)]
    time.sleep(HOLD_S)
    holder.close()
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err and "IOException" not in err
    assert any("waiting: another Workshift command" in err for _, _, err in results)
    for _code, out, _ in results[:2]:
        run_id = json.loads(out)["run_id"]
        assert (store.runs_dir / run_id / "series.parquet").is_file()
    kinds = pd.Series([r.kind for r in store.runs()]).value_counts().to_dict()
    assert kinds == {"simulate": 2, "monitor": 3, "plan": 1}
    stored = monitor.observations(home=shared_home)
    assert sorted(stored["indicator"].unique()) == ["ind_0", "ind_1", "ind_2", "unemployment_rate"]
    assert len(stored) == 4 * 24


def test_a_store_locked_too_long_is_one_line_exit_75(shared_home: Path) -> None:
    holder = duckdb.connect(str(Store(shared_home).path))
    try:
        proc = cli(shared_home, "monitor", "check", "--plan", "p", wait="1")
        code = proc.wait(timeout=300)
        err = proc.stderr.read()
    finally:
        holder.close()
    assert code == 75
    lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "stayed locked" in lines[0] and "Traceback" not in err
