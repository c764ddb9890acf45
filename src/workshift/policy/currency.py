"""Currency conversion and price-year adjustment for lever costs.

Rule (documented in docs/policy.md): a cost quoted in currency C at price year y is converted to US dollars
at the annual average exchange rate of year y, then carried to the target price year with the US CPI-U
(annual averages). Converting to another currency uses that currency's rate of the target year.

Sources:
- EUR: ECB euro foreign exchange reference rates, annual averages of USD per EUR
  (https://data.ecb.europa.eu/, series EXR.A.USD.EUR.SP00.A).
- US CPI-U, all items, U.S. city average, annual averages, 1982-84 = 100 (BLS series CUUR0000SA0).
"""

from __future__ import annotations

from workshift.errors import InputError, closest

# USD per one unit of the currency, annual average.
USD_PER_UNIT: dict[str, dict[int, float]] = {
    "USD": {year: 1.0 for year in range(2000, 2026)},
    "EUR": {
        2005: 1.2441, 2006: 1.2556, 2007: 1.3705, 2008: 1.4708, 2009: 1.3948, 2010: 1.3257,
        2011: 1.3920, 2012: 1.2848, 2013: 1.3281, 2014: 1.3285, 2015: 1.1095, 2016: 1.1069,
        2017: 1.1297, 2018: 1.1810, 2019: 1.1195, 2020: 1.1422, 2021: 1.1827, 2022: 1.0530,
        2023: 1.0813, 2024: 1.0824,
    },
}

US_CPI_U: dict[int, float] = {
    2005: 195.3, 2006: 201.6, 2007: 207.342, 2008: 215.303, 2009: 214.537, 2010: 218.056,
    2011: 224.939, 2012: 229.594, 2013: 232.957, 2014: 236.736, 2015: 237.017, 2016: 240.007,
    2017: 245.120, 2018: 251.107, 2019: 255.657, 2020: 258.811, 2021: 270.970, 2022: 292.655,
    2023: 304.702, 2024: 313.689,
}

TARGET_PRICE_YEAR = 2024  # the last complete year of both tables

SOURCES = {
    "exchange_rates": "ECB euro reference rates, annual averages (EXR.A.USD.EUR.SP00.A)",
    "deflator": "BLS CPI-U, U.S. city average, all items, annual averages (CUUR0000SA0)",
    "rule": "convert at the price year's annual average rate, then inflate with US CPI-U to the target year",
}


def _rate(currency: str, year: int) -> float:
    code = currency.upper()
    if code not in USD_PER_UNIT:
        raise InputError(
            f"unknown currency '{currency}'", hint=f"known: {', '.join(sorted(USD_PER_UNIT))}"
            + (f"; did you mean '{closest(code, list(USD_PER_UNIT))}'?" if closest(code, list(USD_PER_UNIT)) else "")
        )
    table = USD_PER_UNIT[code]
    if year not in table:
        raise InputError(f"no {code} exchange rate for {year}", hint=f"years {min(table)}-{max(table)}")
    return table[year]


def _cpi(year: int) -> float:
    if year not in US_CPI_U:
        raise InputError(f"no US CPI-U for price year {year}", hint=f"years {min(US_CPI_U)}-{max(US_CPI_U)}")
    return US_CPI_U[year]


def convert(
    amount: float, currency: str, price_year: int, to: str = "USD", to_year: int = TARGET_PRICE_YEAR
) -> float:
    """``amount`` in ``currency`` at ``price_year`` prices, in ``to`` at ``to_year`` prices."""
    usd = amount * _rate(currency, price_year) * _cpi(to_year) / _cpi(price_year)
    return usd / _rate(to, to_year)
