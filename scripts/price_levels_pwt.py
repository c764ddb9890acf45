# /// script
# requires-python = ">=3.11"
# dependencies = ["rdata==1.1.0", "pandas>=2.2"]
# ///
"""Regenerate ``src/workshift/data/price_levels.csv`` from the Penn World Table 9.1 in Debian's r-cran-pwt9.

Run from the repository root (no root rights needed, nothing is installed system-wide)::

    cd "$(mktemp -d)" && apt-get download r-cran-pwt9 && cd - && \
        .tools/bin/uv run scripts/price_levels_pwt.py /tmp/tmp.XXXX/r-cran-pwt9_9.1-0-2_all.deb

The .deb holds the R package's lazy-load database (``data/Rdata.rdb`` + ``Rdata.rdx``, xz-compressed R
serialisations); this script reads the ``pwt9.1`` data frame from it with the PyPI package ``rdata`` and writes
one row per Workshift region pack: the 2017 values (PWT 9.1's last year) of the exchange rate ``xr`` (national
currency per US dollar, market rate, annual average) and of the price levels ``pl_con`` (household
consumption) and ``pl_gdpo`` (output-side GDP). PWT price levels are relative to the US GDPo price level of
2011, so the price level relative to the US of the same year is ``pl / pl_USA`` and the purchasing-power
parity (national currency per US dollar) is ``xr * pl / pl_USA``.

Source: Feenstra, Robert C., Robert Inklaar and Marcel P. Timmer (2015), "The Next Generation of the Penn
World Table", American Economic Review 105(10), 3150-3182, www.ggdc.net/pwt; PWT 9.1, CC BY 4.0 (University of
Groningen, University of California, Davis). The derived table is redistributed under CC BY 4.0 with this
attribution; the change made: five columns of one year for thirteen countries, and the two ratios computed.
The .deb and the R data are not committed.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pandas as pd
import rdata

YEAR = 2017
# pack -> PWT isocode, ISO 4217 currency (the pack's local currency)
PACKS = {"us": ("USA", "USD"), "de": ("DEU", "EUR"), "es": ("ESP", "EUR"), "fr": ("FRA", "EUR"),
         "it": ("ITA", "EUR"), "uk": ("GBR", "GBP"), "eg": ("EGY", "EGP"), "mx": ("MEX", "MXN"),
         "ph": ("PHL", "PHP"), "id": ("IDN", "IDR"), "in": ("IND", "INR"), "vn": ("VNM", "VND"),
         "cn": ("CHN", "CNY")}
DATA = "./usr/lib/R/site-library/pwt9/data/"
OUT = Path(__file__).resolve().parents[1] / "src" / "workshift" / "data" / "price_levels.csv"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def deb_member(deb: Path, name: str) -> bytes:
    """One file of the .deb's data archive (``ar`` via dpkg-deb, which every Debian system has)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True,
                       stdout=open(Path(tmp) / "data.tar", "wb"))
        with tarfile.open(Path(tmp) / "data.tar") as tar:
            return tar.extractfile(name).read()


def pwt91(deb: Path) -> tuple[pd.DataFrame, str]:
    index = rdata.conversion.convert(rdata.parser.parse_data(deb_member(deb, DATA + "Rdata.rdx")))
    rdb = deb_member(deb, DATA + "Rdata.rdb")
    offset, length = (int(v) for v in index["variables"]["pwt9.1"])
    chunk = rdb[offset:offset + length]
    size, kind = struct.unpack(">I", chunk[:4])[0], chunk[4:5]
    if kind != b"Z":  # R's type 3 compression: a raw LZMA2 stream after the length and a 'Z'
        raise SystemExit(f"unexpected compression {kind!r} in Rdata.rdb")
    raw = lzma.decompress(chunk[5:], format=lzma.FORMAT_RAW,
                          filters=[{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME}])
    assert len(raw) == size
    return rdata.conversion.convert(rdata.parser.parse_data(raw)), sha256(rdb)


def main(deb: str) -> None:
    path = Path(deb)
    frame, rdb_sha = pwt91(path)
    frame = frame[frame["year"] == YEAR].set_index("isocode")
    usa = frame.loc["USA"]
    rows = []
    for pack, (iso, currency) in PACKS.items():
        row = frame.loc[iso]
        rows.append({
            "pack": pack, "iso3": iso, "currency": currency, "year": YEAR,
            "xr": round(float(row["xr"]), 6),
            "pl_con": round(float(row["pl_con"]), 6), "pl_gdpo": round(float(row["pl_gdpo"]), 6),
            "price_level_con": round(float(row["pl_con"] / usa["pl_con"]), 6),
            "ppp_con": round(float(row["xr"] * row["pl_con"] / usa["pl_con"]), 6),
            "ppp_gdpo": round(float(row["xr"] * row["pl_gdpo"] / usa["pl_gdpo"]), 6),
        })
    table = pd.DataFrame(rows)
    table["source"] = "Penn World Table 9.1 (Feenstra, Inklaar and Timmer 2015), CC BY 4.0, via Debian r-cran-pwt9"
    table["source_file"] = path.name
    table["source_sha256"] = sha256(path.read_bytes())
    table["rdb_sha256"] = rdb_sha
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    OUT.write_text(buffer.getvalue(), encoding="utf-8")
    print(f"wrote {OUT} ({len(table)} rows)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
