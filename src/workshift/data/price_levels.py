"""The factor that puts the lever catalogue's US-dollar costs into a pack's currency (``meta.cost_conversion``).

The catalogue's unit costs are US unit costs at 2024 US prices (:mod:`workshift.policy.currency`): mostly the
wages of caseworkers and trainers, and transfers. Their cost in another country is the same services and
transfers bought at that country's prices, so the default factor is the **purchasing-power parity of household
consumption** (national currency per US dollar, ``ppp_con`` = ``xr x pl_con / pl_con(USA)``), not the market
exchange rate, which would charge a Chinese caseworker at a US wage. The exchange rate (``xr``) is the stated
alternative (``[policy] cost_basis = "exchange_rate"``); ``[policy] cost_factor = <number>`` overrides both.

Source: Penn World Table 9.1 (Feenstra, Inklaar and Timmer 2015, "The Next Generation of the Penn World Table",
American Economic Review 105(10), 3150-3182, www.ggdc.net/pwt), CC BY 4.0, as shipped in Debian's
``r-cran-pwt9`` 9.1-0-2; ``price_levels.csv`` beside this module is derived from it (2017, PWT 9.1's last year;
one row per pack country) by ``scripts/price_levels_pwt.py``, which records the sha256 of the .deb and of
the R data file it read. Applying a 2017 parity to costs at 2024 US prices assumes the country's consumption
prices rose as US prices did over 2017-2024 (relative parity unchanged): an assumption, stated in every plan.

A pack whose amounts are US dollars at US prices (the US, and the ISCO packs without local earnings, whose
wages are the US structure) keeps the costs in US dollars: factor 1, so that costs and wages share one level.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Any

from workshift.errors import InputError

TABLE = Path(__file__).with_name("price_levels.csv")
BASES = {"ppp": ("ppp_con", "purchasing-power parity of household consumption"),
         "exchange_rate": ("xr", "market exchange rate, annual average")}
DEFAULT_BASIS = "ppp"
ASSUMPTION = ("a 2017 factor applied to costs at 2024 US prices: assumes the country's consumption prices rose as "
              "US prices did over 2017-2024 (relative parity unchanged)")
SCRIPT = "scripts/price_levels_pwt.py"


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, Any]]:
    """The packaged rows by pack name (numbers as floats)."""
    with TABLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    numeric = ("xr", "pl_con", "pl_gdpo", "price_level_con", "ppp_con", "ppp_gdpo")
    return {r["pack"]: {**r, "year": int(r["year"]), **{k: float(r[k]) for k in numeric}} for r in rows}


def factor_row(pack: str) -> dict[str, Any] | None:
    """The packaged row of one pack (None for a pack the table does not cover)."""
    return table().get(pack)


def cost_conversion(pack: str, currency: str, basis: str = DEFAULT_BASIS) -> dict[str, Any] | None:
    """The provenance record of the pack's cost factor (``meta.cost_conversion``); None when the pack's
    currency is not US dollars and the table has no row for it (the user must give ``[policy] cost_factor``)."""
    if basis not in BASES:
        raise InputError(f"unknown cost basis '{basis}'", hint=f"known: {', '.join(BASES)}")
    row = factor_row(pack)
    if currency.upper() == "USD":
        return {"factor": 1.0, "basis": "none", "from": "USD", "to": "USD", "unit": "USD per US dollar",
                "rule": "the pack's amounts are US dollars at US prices: lever costs stay in US dollars",
                "country": _facts(row) if row else None}
    if row is None or row["currency"] != currency.upper():
        return None
    column, words = BASES[basis]
    return {"factor": row[column], "basis": basis, "from": "USD", "to": currency.upper(),
            "unit": f"{currency.upper()} per US dollar ({words})", "year": row["year"],
            "rule": f"lever costs (US dollars at 2024 prices) x the factor; {ASSUMPTION}",
            "country": _facts(row)}


def _facts(row: dict[str, Any]) -> dict[str, Any]:
    return {"iso3": row["iso3"], "currency": row["currency"], "year": row["year"],
            "ppp": row["ppp_con"], "exchange_rate": row["xr"], "price_level": row["price_level_con"],
            "ppp_gdp": row["ppp_gdpo"], "source": row["source"], "source_file": row["source_file"],
            "source_sha256": row["source_sha256"], "rdb_sha256": row["rdb_sha256"], "table": TABLE.name,
            "regenerate": SCRIPT,
            "definitions": {"ppp": "xr x pl_con / pl_con(USA), national currency per US dollar",
                            "exchange_rate": "xr, national currency per US dollar",
                            "price_level": "pl_con / pl_con(USA), US = 1",
                            "ppp_gdp": "xr x pl_gdpo / pl_gdpo(USA)"}}


def basis_factor(conversion: dict[str, Any], basis: str) -> float:
    """The factor of ``basis`` ('ppp' or 'exchange_rate') from a pack's conversion record."""
    if basis not in BASES:
        raise InputError(f"unknown cost basis '{basis}'", hint=f"known: {', '.join(BASES)}")
    if conversion.get("to") == "USD":
        return 1.0
    country = conversion.get("country") or {}
    return float(country["ppp" if basis == "ppp" else "exchange_rate"])
