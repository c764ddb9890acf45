"""Region packs: build from raw sources into one DuckDB file (atomically), load as a :class:`RegionPack`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from workshift import config, store
from workshift.context import Context, resolve
from workshift.data.assemble import assemble
from workshift.data.builders import BUILDERS, Progress, get_builder, pack_names
from workshift.data.contract import TABLES
from workshift.data.price_levels import cost_conversion
from workshift.errors import DataError, InputError, NotFoundError, closest
from workshift.files import atomic_path

PACK_FORMAT = 1
PACK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


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

    @property
    def code_system(self) -> str:
        """The code system of the pack's occupation codes ('SOC 2018', 'ISCO-08', 'CSCO 2022')."""
        return str(self.meta.get("code_system", "SOC 2018"))

    @property
    def currency(self) -> str:
        """ISO 4217 code of the pack's money amounts (wages)."""
        return str(self.meta.get("currency", "USD"))

    @property
    def cost_conversion(self) -> dict | None:
        """The factor (pack currency per US dollar) for the lever catalogue's US-dollar costs, with its
        provenance (:mod:`workshift.data.price_levels`); None when the pack has none (a user's non-USD pack)."""
        if "cost_conversion" in self.meta:
            return self.meta["cost_conversion"]

        return cost_conversion(str(self.meta.get("builder", self.name)), self.currency)

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

    def observations(self) -> pd.DataFrame:
        """The pack's monthly macro series as monitoring observations (``indicator, region, period, value``,
        the table `workshift monitor ingest` reads). The pack's monitoring indicator (``meta.monitoring_indicator``,
        e.g. China's urban surveyed unemployment rate) is written as ``unemployment_rate``, the plan's
        indicator; other series keep their names. Region: the pack's name in capitals ('CN')."""
        macro = self.macro.dropna(subset=["value"])
        monitored = self.meta.get("monitoring_indicator")
        indicator = macro["series"].where(macro["series"] != monitored, "unemployment_rate")
        return pd.DataFrame({"indicator": indicator, "region": "US" if self.name == "us" else self.name.upper(),
                             "period": pd.to_datetime(macro["date"]).dt.strftime("%Y-%m"),
                             "value": macro["value"].astype(float)}).reset_index(drop=True)

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


def built_packs(home: str | Path | None = None) -> list[str]:
    """Names of the packs built in the store (registered ones and the user's own)."""
    folder = config.home(home) / "packs"
    return sorted(p.stem for p in folder.glob("*.duckdb")) if folder.is_dir() else []


def check_pack_name(name: str, home: str | Path | None = None) -> str:
    """A registered pack's name, or a pack the user built from own tables; InputError otherwise."""
    if name in pack_names() or (PACK_NAME.match(name) and store.pack_path(name, home).is_file()):
        return name
    known = sorted({*pack_names(), *built_packs(home)})
    guess = closest(name, known)
    raise InputError(f"unknown region pack '{name}' (known: {', '.join(known)})",
                     hint=f"did you mean '{guess}'?" if guess else
                     f"known packs: {', '.join(known)}; or build your own with `workshift data build "
                     "--from-tables DIR NAME`")


def build_pack(name: str = "us", data_dir: str | Path | None = None, home: str | Path | None = None,
               progress: Progress | None = None, from_tables: str | Path | None = None,
               accept_local_edits: bool | None = None, *, context: Context | None = None) -> Path:
    """Build ``$WORKSHIFT_HOME/packs/<name>.duckdb`` from the raw sources; returns its path.

    ``from_tables``: a folder of the user's own tables (see :mod:`workshift.data.builders.tables`); the pack
    is then named ``name``, which must not be a registered pack's. The pack is written to a temporary file
    and moved into place in one step: a failed build raises (a :class:`DataError` for a bad source) and
    leaves any previous pack untouched. ``accept_local_edits``: build even from source files whose sha256 is
    not the registry's (edited locally), with a warning; None: as ``$WORKSHIFT_ACCEPT_LOCAL_EDITS`` says.
    ``context`` gives the data dir and the home in one (``data_dir`` and ``home`` still override it).
    """
    if from_tables is None:
        builder = get_builder(name)
        source_dir = None
    else:
        if not PACK_NAME.match(name):
            raise InputError(f"pack name '{name}' must be lower-case letters, digits and underscores")
        if name in pack_names():
            raise InputError(f"'{name}' is a registered pack; name your own pack differently")
        source_dir = Path(from_tables)
        if not source_dir.is_dir():
            raise InputError(f"{source_dir}: not a folder", hint="give the folder holding pack.toml and "
                             "occupations.csv")
        builder = BUILDERS["tables"]
    ctx = resolve(context, data_dir, home)
    target = store.pack_path(name, ctx.home)
    tables, meta = assemble(name, ctx.data_dir, ctx.home / "cache", progress, builder, source_dir,
                            accept_local_edits)
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
    check_pack_name(name, home)
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
