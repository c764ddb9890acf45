"""Where the occupation search's titles come from: the US pack's ``titles`` when built, else the raw SOC, O*NET
and BLS files; and what names those inputs (for the search index's and the CSCO crosswalk's caches)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from workshift import config
from workshift.context import Context
from workshift.data import load_pack, registry
from workshift.data.csco import CSCO_FILE
from workshift.errors import DataError, NotFoundError
from workshift.files import sha256_file

OEWS_FILE = "oews/oews_may2025_national_cross_industry.csv"
ONET_TITLES_FILE = "onet/tsv/Occupation Data.txt"
ONET_ALTERNATES_FILE = "onet/tsv/Alternate Titles.txt"
NEM_FILE = "crosswalks/bls_soc/bls_nem_onetsoc2019_to_soc2018_crosswalk_2023.csv"


def _raw_us_titles(data_dir: str | Path | None) -> pd.DataFrame:
    """SOC, O*NET and alternate titles read from the raw files (used until a US pack is built)."""
    oews = pd.read_csv(registry.source_file(OEWS_FILE, data_dir), dtype=str)
    oews = oews[oews["display_level"] == "3"]
    soc = pd.DataFrame({"soc_code": oews["soc2018_code"], "onet_code": None, "title": oews["occ_title"]})
    read = {"sep": "\t", "dtype": str, "quoting": 3}
    onet = pd.read_csv(
        registry.source_file(ONET_TITLES_FILE, data_dir), usecols=["O*NET-SOC Code", "Title"], **read
    )
    alts = pd.read_csv(registry.source_file(ONET_ALTERNATES_FILE, data_dir), **read)
    nem = pd.read_csv(registry.source_file(NEM_FILE, data_dir), dtype=str).drop_duplicates("O*NET-SOC Code")
    # O*NET-SOC -> the pack's OEWS occupation: BLS's NEM code when OEWS publishes it, else the first 7
    # characters, else the broad occupation (OEWS publishes a few broad aggregates such as 31-1120).
    published = set(soc["soc_code"])
    to_nem = dict(zip(nem["O*NET-SOC Code"], nem["NEM Code"], strict=True))

    def to_soc(code: str) -> str | None:
        for guess in (to_nem.get(code, ""), code[:7], code[:6] + "0"):
            if guess in published:
                return guess
        return None

    onet_frame = pd.DataFrame({"onet_code": onet["O*NET-SOC Code"], "title": onet["Title"], "kind": "onet"})
    alt_titles = pd.concat(
        [
            alts[["O*NET-SOC Code", "Alternate Title"]].set_axis(["onet_code", "title"], axis=1),
            alts[["O*NET-SOC Code", "Short Title"]].dropna().set_axis(["onet_code", "title"], axis=1),
        ]
    ).assign(kind="alternate")
    onet_all = pd.concat([onet_frame, alt_titles], ignore_index=True)
    onet_all["soc_code"] = onet_all["onet_code"].map(to_soc)
    return pd.concat([soc.assign(kind="soc"), onet_all], ignore_index=True)


def us_titles(ctx: Context, pack=None) -> pd.DataFrame:
    """US titles (soc_code, onet_code, title, kind): the US pack's ``titles`` when built, else raw files.

    ``pack`` is the US pack when the caller has it in memory; None reads it from ``ctx.home`` if built.
    """
    if pack is None and _pack_file(ctx.home) is not None:
        try:
            pack = load_pack("us", home=ctx.home)
        except (NotFoundError, DataError):
            pack = None
    if pack is not None:
        return pack.titles[["soc_code", "onet_code", "title", "kind"]].copy()
    return _raw_us_titles(ctx.data_dir)


def _pack_file(home: str | Path | None) -> Path | None:
    path = config.home(home) / "packs" / "us.duckdb"
    return path if path.is_file() else None


def source_identity(ctx: Context, pack=None) -> list[str]:
    """What names the title sources: the US pack file's identity (or the raw files' sha256) and the CSCO file's."""
    packed = Path(pack.path) if pack is not None and getattr(pack, "path", None) else _pack_file(ctx.home)
    if packed is not None and packed.is_file():
        stat = packed.stat()  # rewritten in one step by every build, so size + mtime name its content
        parts = [f"{packed.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"]
    elif pack is not None:
        parts = [json.dumps([pack.meta.get("built"), pack.meta.get("sources")], sort_keys=True, default=str)]
    else:
        rels = (OEWS_FILE, ONET_TITLES_FILE, ONET_ALTERNATES_FILE, NEM_FILE)
        parts = [file_sha(registry.source_file(rel, ctx.data_dir)) for rel in rels]
    csco = registry.source_file(CSCO_FILE, ctx.data_dir, required=False)
    return [*parts, file_sha(csco) if csco is not None else "no-csco"]

_SHAS: dict[tuple[str, int, int], str] = {}


def file_sha(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime) within the process."""
    stat = path.stat()
    ident = (str(path), stat.st_size, stat.st_mtime_ns)
    if ident not in _SHAS:
        _SHAS[ident] = sha256_file(path)
    return _SHAS[ident]
