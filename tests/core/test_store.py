"""The results store: declared table types, runs committed after their files, stale temporaries (issue 12).

Item 1: a table whose first save was empty used to type ``run_id`` (and every column) as DuckDB's NULL type,
and every later real row failed (``monitor check`` after a clean check). Item 10: a run could be committed
while its folder was never written; temporaries of killed processes stayed forever.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from workshift.evidence import monitor
from workshift.evidence.monitor_check import check
from workshift.files import atomic_path, clean_stale, temp_name
from workshift.store import Store, clean_home
from workshift.store_tables import SCHEMAS

TYPES = {"VARCHAR": ["a", "b"], "DOUBLE": [1.5, 2.5], "BIGINT": [1, 2], "BOOLEAN": [True, False]}


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame as a producer might make it: object columns, no values to infer a type from."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in columns} or {"x": pd.Series(dtype=object)})


def full_frame(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: TYPES[kind] for name, kind in columns.items()} or {"x": ["a", "b"]})


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_empty_first_save_then_real_rows(table: str, fresh_home: Path) -> None:
    kind, name = table.split("__")
    store = Store()
    columns = SCHEMAS[table]
    first = store.save_run(kind, {}, {name: empty_frame(columns)})
    second = store.save_run(kind, {}, {name: full_frame(columns)})
    con = store.connect(read_only=True)
    types = {row[0]: row[1] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    con.close()
    assert types["run_id"] == "VARCHAR"
    assert all(types[c] == kind_ for c, kind_ in columns.items())
    assert "NULL" not in " ".join(types.values())
    assert store.table(first, name).empty
    got = store.table(second, name)
    assert len(got) == 2
    pd.testing.assert_frame_equal(got[list(full_frame(columns).columns)].astype(object),
                                  full_frame(columns).astype(object), check_dtype=False)


def test_undeclared_columns_take_their_dtype_and_widen(fresh_home: Path) -> None:
    store = Store()
    store.save_run("optimize", {}, {"pareto": pd.DataFrame({"member": pd.Series(dtype=int),
                                                            "training__phase0": pd.Series(dtype=float)})})
    store.save_run("optimize", {}, {"pareto": pd.DataFrame({"member": [0], "training__phase0": [0.25],
                                                            "wage_subsidy__phase0": [1]})})
    run = store.save_run("optimize", {}, {"pareto": pd.DataFrame({"member": [1], "wage_subsidy__phase0": [0.5]})})
    assert store.table(run, "pareto")["wage_subsidy__phase0"].tolist() == [0.5]  # BIGINT widened to DOUBLE


def test_store_made_by_the_old_code_is_repaired(fresh_home: Path) -> None:
    """A table left with NULL-typed columns by the first-frame code accepts real rows again."""
    store = Store()
    con = store.connect()
    con.execute('CREATE TABLE monitor__alerts AS SELECT NULL AS run_id, NULL AS "rule", NULL AS shift LIMIT 0')
    con.close()
    run = store.save_run("monitor", {}, {"alerts": full_frame(SCHEMAS["monitor__alerts"])})
    assert len(store.table(run, "alerts")) == 2


def test_monitor_check_after_a_clean_check_stores_alerts(tmp_path: Path, fresh_home: Path) -> None:
    """Item 1 as reported: clean check (no alerts), then data that should alert."""
    periods = pd.period_range("2022-01", periods=36, freq="M").astype(str)
    plan = pd.DataFrame({"indicator": "unemployment_rate", "region": "US", "period": periods,
                         "projected": 4.0, "lower": 4.0 - 0.1645, "upper": 4.0 + 0.1645})
    monitor.save_plan("p", plan, {"scenario": "us.toml"})
    obs = tmp_path / "o.csv"
    values = 4.0 + np.random.default_rng(5).normal(0, 0.1, 36)
    pd.DataFrame({"indicator": "unemployment_rate", "region": "US", "period": periods, "value": values}
                 ).to_csv(obs, index=False)
    monitor.ingest(obs)
    assert check("p").alerts.empty
    values[24:] += 1.5  # a level shift that every rule sees
    pd.DataFrame({"indicator": "unemployment_rate", "region": "US", "period": periods, "value": values}
                 ).to_csv(obs, index=False)
    monitor.ingest(obs)
    result = check("p")
    assert not result.alerts.empty
    stored = Store().table(result.run_id, "alerts")
    assert len(stored) == len(result.alerts) and stored["shift"].gt(0).all()


def test_run_is_committed_only_after_its_files(fresh_home: Path) -> None:
    store = Store()

    def broken(folder: Path) -> None:
        (folder / "half.parquet").write_text("x")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.save_run("simulate", {}, {"series": pd.DataFrame({"step": [0]})}, files=broken)
    assert store.runs() == []
    assert not store.runs_dir.exists() or not any(store.runs_dir.iterdir())  # no folder, no temporary

    run = store.save_run("simulate", {}, {"series": pd.DataFrame({"step": [0]})},
                         files=lambda folder: (folder / "a.txt").write_text("ok"))
    assert (store.runs_dir / run / "a.txt").read_text() == "ok"
    assert [r.run_id for r in store.runs()] == [run]


def test_failed_commit_removes_the_run_folder(fresh_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store()

    def fail(*args, **kwargs):
        raise duckdb.IOException("simulated failure")

    monkeypatch.setattr(Store, "_commit", fail)
    with pytest.raises(duckdb.IOException):
        store.save_run("simulate", {}, {}, files=lambda folder: (folder / "a.txt").write_text("ok"))
    assert not any(store.runs_dir.iterdir())


def test_stale_temporaries_of_dead_processes_are_cleaned(tmp_path: Path, fresh_home: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)
    packs = fresh_home / "packs"
    packs.mkdir(parents=True)
    left = packs / f".us.duckdb.{pid}-0123abcd.tmp.duckdb"
    left.write_bytes(b"x" * 10)
    folder = fresh_home / "runs" / f".simulate-x.{pid}-0123abcd.tmp"
    folder.mkdir(parents=True)
    (folder / "series.parquet").write_text("half")
    mine = packs / temp_name("other.duckdb")  # this process is alive: its temporary stays
    mine.write_text("writing")
    legacy = packs / ".us.duckdb.k2j4h5g6.duckdb"  # mkstemp name of the older code, a day old
    legacy.write_text("old")
    os.utime(legacy, (0, 0))
    removed = clean_home()
    assert set(removed) == {left, folder, legacy}
    assert mine.exists() and not left.exists() and not folder.exists()
    assert clean_stale(tmp_path / "missing") == []


def test_atomic_path_names_record_the_pid(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "x.csv", suffix=".csv") as tmp:
        assert f".{os.getpid()}-" in tmp.name and tmp.name.endswith(".csv")
        tmp.write_text("a")
    assert (tmp_path / "x.csv").read_text() == "a"
