"""The embedded DuckDB store: packs, runs and results.

Layout under the Workshift home (see :mod:`workshift.config`):

- ``packs/<name>.duckdb``: one region pack per file, built elsewhere and moved into place in one step,
  so a failed build leaves the previous pack intact;
- ``workshift.duckdb``: runs of every stage (simulations, optimisations, plans, evaluations, alerts).
  A run is a row of ``runs`` (id, kind, created, JSON metadata: data vintage, assumptions) plus any
  number of result tables named ``<kind>__<table>`` carrying a ``run_id`` column, all written in one
  transaction.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from workshift import config
from workshift.errors import NotFoundError
from workshift.provenance import environment

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def pack_path(name: str, home: str | Path | None = None) -> Path:
    return config.home(home) / "packs" / f"{name}.duckdb"


def _check_name(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{what} '{name}' must be lower-case letters, digits and underscores")
    return name


def _add_missing_columns(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Let a later run carry columns an earlier run of the same kind lacked (older rows get NULL)."""
    have = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    for name, dtype, *_ in con.execute("DESCRIBE incoming").fetchall():
        if name not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {dtype}')


@dataclass
class Run:
    run_id: str
    kind: str
    created: str
    meta: dict[str, Any]


class Store:
    """The results store. Open one per command; every write is a single transaction."""

    def __init__(self, home: str | Path | None = None) -> None:
        self.path = config.home(home) / "workshift.duckdb"

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            raise NotFoundError(f"no Workshift store at {self.path} yet")
        con = duckdb.connect(str(self.path), read_only=read_only)
        if not read_only:
            con.execute(
                "CREATE TABLE IF NOT EXISTS runs (run_id VARCHAR PRIMARY KEY, kind VARCHAR, "
                "created VARCHAR, meta JSON)"
            )
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

    def save_run(
        self,
        kind: str,
        meta: dict[str, Any],
        tables: dict[str, pd.DataFrame] | None = None,
        run_id: str | None = None,
    ) -> str:
        """Store a run and its result tables atomically; returns the run id.

        The run's metadata always records the software environment (``meta["versions"]``: versions
        of Python, numpy, scipy, numba, pymoo, pandas, duckdb, ... see :mod:`workshift.provenance`).
        """
        _check_name(kind, "run kind")
        meta = {**meta, "versions": {**environment(), **meta.get("versions", {})}}
        run_id = run_id or f"{kind}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self.transaction() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?)",
                [run_id, kind, created, json.dumps(meta, default=str, ensure_ascii=False)],
            )
            for name, frame in (tables or {}).items():
                table = f"{kind}__{_check_name(name, 'table')}"
                data = frame.copy()
                data.insert(0, "run_id", run_id)
                con.register("incoming", data)
                con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM incoming LIMIT 0")
                _add_missing_columns(con, table)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                con.unregister("incoming")
        return run_id

    def runs(self, kind: str | None = None) -> list[Run]:
        if not self.path.exists():
            return []
        con = self.connect(read_only=True)
        try:
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
