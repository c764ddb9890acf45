"""The embedded DuckDB store: packs, runs and results.

Layout under the Workshift home (see :mod:`workshift.config`):

- ``packs/<name>.duckdb``: one region pack per file, built elsewhere and moved into place in one step,
  so a failed build leaves the previous pack intact;
- ``workshift.duckdb``: runs of every stage (simulations, optimisations, plans, evaluations, alerts).
  A run is a row of ``runs`` (id, kind, created, JSON metadata: data vintage, assumptions) plus any
  number of result tables named ``<kind>__<table>`` carrying a ``run_id`` column, all written in one
  transaction. Tables are created from the declarations of :mod:`workshift.store_tables`;
- ``runs/<run id>/``: a run's files. They are written into a hidden temporary folder, moved into place,
  and only then is the run committed, so a stored run always has its files; a folder left by a killed
  process is removed at the next start (:func:`workshift.files.clean_stale`).

Concurrency. DuckDB lets one process write a database file at a time, and a reader cannot open it while a
writer holds it. Several Workshift commands may still share a store: every connection is short (open, one
transaction, close), and a command that finds the file locked waits, retrying with growing pauses, for up to
``$WORKSHIFT_STORE_WAIT`` seconds (default 120), saying once on stderr that it waits. Readers therefore never
fail because a writer is busy, and a writer waits for another writer instead of failing; a store locked longer
than the wait is a :class:`~workshift.errors.StoreBusyError` (exit 75: run the command again).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from workshift import config
from workshift.errors import DataError, NotFoundError, StoreBusyError
from workshift.files import clean_stale, temp_name
from workshift.provenance import environment
from workshift.store_tables import RUNS_DDL, column_types, widened

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
WAIT_ENV = "WORKSHIFT_STORE_WAIT"
DEFAULT_WAIT_S = 120.0


def pack_path(name: str, home: str | Path | None = None) -> Path:
    return config.home(home) / "packs" / f"{name}.duckdb"


def _check_name(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{what} '{name}' must be lower-case letters, digits and underscores")
    return name


def _wait_s() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, DEFAULT_WAIT_S)))
    except ValueError:
        return DEFAULT_WAIT_S


def connect_file(path: Path, read_only: bool, what: str = "store") -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, waiting (bounded, with a message) while another process holds its lock.

    A file that is not a DuckDB database (or a truncated one) is a :class:`DataError` naming it.
    """
    deadline = time.monotonic() + _wait_s()
    pause, told = 0.02, False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise DataError(f"cannot open the {what}: {text.splitlines()[0]}", file=path,
                                hint=f"if it is damaged, move it away (e.g. to {path.name}.bad) and run the "
                                     "command again: a new one is made (a pack: `workshift data build`)") from exc
            if time.monotonic() >= deadline:
                raise StoreBusyError(f"the {what} {path} stayed locked by another Workshift process for "
                                     f"{_wait_s():.0f} s", hint=f"run the command again, or raise ${WAIT_ENV} "
                                                                "(seconds)") from exc
            if not told:
                print(f"waiting: another Workshift command is writing {path} ...", file=sys.stderr, flush=True)
                told = True
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.5)
        except duckdb.Error as exc:
            raise DataError(f"cannot open the {what}: {str(exc).splitlines()[0]}", file=path,
                            hint=f"move it away (e.g. to {path.name}.bad) and run the command again") from exc


def _create_or_extend(con: duckdb.DuckDBPyConnection, table: str, types: dict[str, str]) -> None:
    """Create ``table`` with the declared types, or add (and widen) columns an earlier run lacked."""
    columns = ", ".join(f'"{name}" {kind}' for name, kind in types.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
    have = {row[0]: row[1] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    for name, kind in types.items():
        if name not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {kind}')
        elif widened(have[name], kind):  # e.g. a NULL-typed column left by an older store
            con.execute(f'ALTER TABLE {table} ALTER COLUMN "{name}" TYPE {kind}')


@dataclass
class Run:
    run_id: str
    kind: str
    created: str
    meta: dict[str, Any]


class Store:
    """The results store. Connections are short; every write is a single transaction (see the module doc)."""

    def __init__(self, home: str | Path | None = None) -> None:
        root = config.home(home)
        self.path = root / "workshift.duckdb"
        self.runs_dir = root / "runs"

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            raise NotFoundError(f"no Workshift store at {self.path} yet")
        if self.path.is_dir():
            raise DataError("the store is a folder, not a DuckDB file", file=self.path,
                            hint="point `home` or $WORKSHIFT_HOME at a Workshift home folder", mentions=("home",))
        con = connect_file(self.path, read_only)
        if not read_only:
            con.execute(RUNS_DDL)
        return con

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction: committed when the block ends, rolled back on any error."""
        con = self.connect()
        try:
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def new_run_id(self, kind: str) -> str:
        """A fresh run id ``<kind>-<UTC time>-<random>``."""
        return f"{_check_name(kind, 'run kind')}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"

    def save_run(
        self,
        kind: str,
        meta: dict[str, Any],
        tables: dict[str, pd.DataFrame] | None = None,
        run_id: str | None = None,
        files: Callable[[Path], None] | None = None,
        folder: str | Path | None = None,
    ) -> str:
        """Store a run and its result tables atomically; returns the run id.

        ``files``, when given, writes the run's files into the folder it is passed, before the run is committed:
        for ``runs/<run id>`` a hidden temporary folder moved into place (removed again if the commit fails);
        for a user's ``folder``, that folder (each file written atomically). If writing fails nothing is stored.

        The run's metadata always records the software environment (``meta["versions"]``: versions
        of Python, numpy, scipy, numba, pymoo, pandas, duckdb, ... see :mod:`workshift.provenance`).
        """
        _check_name(kind, "run kind")
        meta = {**meta, "versions": {**environment(), **meta.get("versions", {})}}
        run_id = run_id or self.new_run_id(kind)
        staged = None
        if files is not None and folder is not None:  # the user's folder: each file is written atomically
            Path(folder).mkdir(parents=True, exist_ok=True)
            files(Path(folder))
        elif files is not None:
            staged = self.runs_dir / run_id
            _write_folder(staged, files)
        try:
            self._commit(kind, run_id, meta, tables or {})
        except BaseException:
            if staged is not None:
                shutil.rmtree(staged, ignore_errors=True)
            raise
        return run_id

    def _commit(self, kind: str, run_id: str, meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        frames = {}
        for name, frame in tables.items():
            data = frame.copy()
            data.insert(0, "run_id", run_id)
            frames[f"{kind}__{_check_name(name, 'table')}"] = data
        with self.transaction() as con:
            con.execute("INSERT INTO runs VALUES (?, ?, ?, ?)",
                        [run_id, kind, created, json.dumps(meta, default=str, ensure_ascii=False)])
            for table, data in frames.items():
                _create_or_extend(con, table, column_types(table, data))
                con.register("incoming", data)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                con.unregister("incoming")

    def runs(self, kind: str | None = None) -> list[Run]:
        if not self.path.exists():
            return []
        con = self.connect(read_only=True)
        try:
            if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'"
                               ).fetchone()[0]:
                return []
            query = "SELECT run_id, kind, created, meta FROM runs"
            rows = con.execute(query + (" WHERE kind = ?" if kind else "") + " ORDER BY created, run_id",
                               [kind] if kind else []).fetchall()
        finally:
            con.close()
        return [Run(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def run(self, run_id: str) -> Run:
        for found in self.runs():
            if found.run_id == run_id:
                return found
        raise NotFoundError(f"no run '{run_id}' in {self.path}")

    def table(self, run_id: str, name: str) -> pd.DataFrame:
        """One result table of a run (without its run_id column)."""
        run = self.run(run_id)
        table = f"{run.kind}__{_check_name(name, 'table')}"
        con = self.connect(read_only=True)
        try:
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
            ).fetchone()[0]
            if not exists:
                raise NotFoundError(f"run '{run_id}' has no table '{name}'")
            frame = con.execute(f"SELECT * FROM {table} WHERE run_id = ?", [run_id]).df()
        finally:
            con.close()
        return frame.drop(columns="run_id")


def clean_home(home: str | Path | None = None) -> list[Path]:
    """Remove temporary files left in the home, its packs, runs and cache by killed processes."""
    root = config.home(home)
    return [p for folder in (root, root / "packs", root / "runs", root / "cache") for p in clean_stale(folder)]


def _write_folder(target: Path, write: Callable[[Path], None]) -> None:
    """Write a folder in one step: into a hidden temporary folder beside ``target``, then moved over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    tmp = target.parent / temp_name(target.name)
    tmp.mkdir()
    try:
        write(tmp)
        if target.exists():
            old = target.parent / temp_name(target.name + ".old")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
