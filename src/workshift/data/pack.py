"""Region packs: build from raw sources into one DuckDB file (atomically), load as a :class:`RegionPack`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from workshift import config, store
from workshift.errors import DataError, InputError, NotFoundError, closest

PACKS = ("us",)
PACK_FORMAT = 1
TABLES = ("occupations", "exposure", "exposure_indices", "skills", "tasks", "titles", "mobility_nodes",
          "mobility_edges", "occupation_nodes", "state_employment", "macro")

Progress = Callable[[str, int, int], None]


@dataclass
class RegionPack:
    """A built region pack (see docs/pack.md). Tables are pandas DataFrames; ``meta`` is a dict."""

    name: str
    occupations: pd.DataFrame
    exposure: pd.DataFrame
    exposure_indices: pd.DataFrame
    skills: pd.DataFrame
    tasks: pd.DataFrame
    titles: pd.DataFrame
    mobility_nodes: pd.DataFrame
    mobility_edges: pd.DataFrame
    occupation_nodes: pd.DataFrame
    state_employment: pd.DataFrame
    macro: pd.DataFrame
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def quality(self) -> dict:
        return self.meta.get("quality", {})

    def exposure_wide(self, observed_only: bool = False) -> pd.DataFrame:
        """soc_code x index values (imputed values included unless ``observed_only``)."""
        data = self.exposure[self.exposure["observed"]] if observed_only else self.exposure
        wide = data.pivot(index="soc_code", columns="index", values="value")
        order = [i for i in self.exposure_indices["index"] if i in wide.columns]
        return wide.reindex(index=self.occupations["soc_code"], columns=order)

    def skill_matrix(self, domain: str = "skills", scale: str = "importance") -> pd.DataFrame:
        """soc_code x O*NET element matrix of one domain ('skills', 'knowledge', 'work_activities')."""
        domains = sorted(self.skills["domain"].unique())
        if domain not in domains:
            raise InputError(f"unknown skill domain '{domain}' (known: {', '.join(domains)})")
        if scale not in ("importance", "level"):
            raise InputError(f"unknown scale '{scale}' (expected 'importance' or 'level')")
        part = self.skills[self.skills["domain"] == domain]
        return part.pivot_table(index="soc_code", columns="element_name", values=scale, aggfunc="mean")

    def networks(self) -> list[str]:
        return sorted(self.mobility_edges["network"].unique())

    def transition_matrix(self, network: str = "empirical") -> tuple[list[str], np.ndarray]:
        """(node codes, dense row-stochastic matrix) of one mobility network."""
        if network not in self.networks():
            guess = closest(network, self.networks())
            raise NotFoundError(f"no mobility network '{network}' in pack '{self.name}'",
                                hint=f"did you mean '{guess}'?" if guess else f"available: {self.networks()}")
        codes = self.mobility_nodes["node"].tolist()
        index = pd.Index(codes)
        part = self.mobility_edges[self.mobility_edges["network"] == network]
        matrix = np.zeros((len(codes), len(codes)))
        matrix[index.get_indexer(part["source"]), index.get_indexer(part["target"])] = part["weight"].to_numpy()
        return codes, matrix


def check_pack_name(name: str) -> str:
    if name not in PACKS:
        guess = closest(name, PACKS)
        raise InputError(f"unknown region pack '{name}' (known: {', '.join(PACKS)})",
                         hint=f"did you mean '{guess}'?" if guess else f"known packs: {', '.join(PACKS)}")
    return name


def build_pack(name: str = "us", data_dir: str | Path | None = None, home: str | Path | None = None,
               progress: Progress | None = None) -> Path:
    """Build ``$WORKSHIFT_HOME/packs/<name>.duckdb`` from the raw sources; returns its path.

    The pack is written to a temporary file and moved into place in one step: a failed build raises (a
    :class:`DataError` for a bad source) and leaves any previous pack untouched.
    """
    import duckdb

    from workshift.data.assemble import assemble

    check_pack_name(name)
    target = store.pack_path(name, home)
    tables, meta = assemble(name, data_dir, config.home(home) / "cache", progress)
    from workshift.files import atomic_path

    with atomic_path(target, suffix=".duckdb") as tmp:
        con = duckdb.connect(str(tmp))
        try:
            for table, frame in tables.items():
                con.register("incoming", frame)
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming")
                con.unregister("incoming")
            con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
            con.execute("INSERT INTO meta VALUES ('format', ?), ('meta', ?)",
                        [str(PACK_FORMAT), json.dumps(meta, default=str, ensure_ascii=False)])
            con.execute("CHECKPOINT")
        finally:
            con.close()
    _CACHE.clear()
    return target


_CACHE: dict[tuple[str, int, int], RegionPack] = {}


def load_pack(name: str = "us", home: str | Path | None = None) -> RegionPack:
    """Load a built pack (cached in-process by file path, size and modification time)."""
    check_pack_name(name)
    path = store.pack_path(name, home)
    if not path.is_file():
        raise NotFoundError(f"region pack '{name}' is not built yet ({path})",
                            hint=f"run `workshift data build {name}`")
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _read(name, path)
    return _copy(_CACHE[key])


def _read(name: str, path: Path) -> RegionPack:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise DataError(f"is not a readable region pack ({exc})", file=path,
                        hint=f"rebuild it: `workshift data build {name}`") from exc
    try:
        found = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        missing = [t for t in (*TABLES, "meta") if t not in found]
        rows = dict(con.execute("SELECT key, value FROM meta").fetchall()) if "meta" in found else {}
        if missing or rows.get("format") != str(PACK_FORMAT):
            raise DataError(f"was built by another Workshift version (missing tables: {missing or 'none'})",
                            file=path, hint=f"rebuild it: `workshift data build {name}`")
        tables = {t: con.execute(f"SELECT * FROM {t}").df() for t in TABLES}
    finally:
        con.close()
    return RegionPack(name=name, meta=json.loads(rows["meta"]), path=path, **tables)


def _copy(pack: RegionPack) -> RegionPack:
    """A copy whose tables a caller may change without touching the cache."""
    values = {f.name: getattr(pack, f.name) for f in fields(pack)}
    for table in TABLES:
        values[table] = values[table].copy()
    values["meta"] = json.loads(json.dumps(pack.meta))
    return RegionPack(**values)
