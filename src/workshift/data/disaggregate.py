"""Employment at finer ISCO-08 levels from an observed coarser level, by a prior of within-group shares.

Rule: a group's observed employment is shared among its children in proportion to the prior's employment of
the children (a group whose children all have zero prior weight is shared equally). Applied one digit at a
time, so every level from the observed one down is reproduced exactly by summing the finer one.

Priors (validated in ``docs/pack.md``, table computed by :func:`validation_table`):

- ``us_oews``: US OEWS May 2025 employment on ISCO-08 units, each SOC occupation's employment shared equally
  over the ISCO-08 units the SOC 2018 -> ISCO-08 crosswalk links it to (a link to a 3-digit group counts for
  each unit in it).
- ``eu_lfs``: the EU-LFS 2018 3-digit counts of the UK, France and Italy pooled (to 3 digits only; leave-one-
  out in the validation), then ``us_oews`` within 3-digit groups.
- ``uniform``: equal shares (the benchmark).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workshift.data import international
from workshift.data.exposure import SOC2018_TO_ISCO
from workshift.data.harmonise import Harmoniser
from workshift.data.reading import Reader
from workshift.data.schemas import SOC2018_TO_ISCO as CROSSWALK_SCHEMA

PRIORS = ("us_oews", "eu_lfs", "uniform")


def isco_links(reader: Reader, occupations: pd.DataFrame, units: pd.Index) -> pd.DataFrame:
    """(soc_code, isco, weight): US occupations linked to ISCO-08 units, ``weight`` = the occupation's OEWS
    employment shared equally over its units (sums to the occupation's employment)."""
    raw = reader.table(SOC2018_TO_ISCO, CROSSWALK_SCHEMA)
    harmoniser = Harmoniser(occupations, {})
    links = pd.DataFrame({"soc_code": harmoniser.occupation_of(raw["soc2018_code"]), "isco": raw["isco08_code"]})
    minor = links[links["isco"].str.len() == 3]
    expanded = minor.merge(pd.DataFrame({"isco": units.str.slice(0, 3), "unit": units}), on="isco")
    links = pd.concat([links[links["isco"].str.len() == 4].rename(columns={"isco": "unit"}),
                       expanded[["soc_code", "unit"]]]).dropna().drop_duplicates()
    links = links[links["unit"].isin(units)].rename(columns={"unit": "isco"})
    emp = occupations.set_index("soc_code")["employment"]
    links["weight"] = links["soc_code"].map(emp) / links.groupby("soc_code")["isco"].transform("size")
    return links.reset_index(drop=True)


def us_prior(links: pd.DataFrame, units: pd.Index) -> pd.Series:
    """US employment per ISCO-08 unit (persons)."""
    return links.groupby("isco")["weight"].sum().reindex(units, fill_value=0.0)


def aggregate(values: pd.Series, digits: int) -> pd.Series:
    """Sum values keyed by ISCO codes to the codes' first ``digits`` digits."""
    return values.groupby(values.index.str.slice(0, digits)).sum()


def split(observed: pd.Series, children: pd.Index, prior: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Observed group totals (codes of d digits) -> children (codes of d+1 digits) by the prior's shares.

    Returns (values on ``children``, whether each child's share came from the prior rather than equal split).
    Groups without any child get nothing (their employment is lost: callers check totals)."""
    parent = pd.Series(children.str.slice(0, len(observed.index[0])), index=children)
    weight = prior.reindex(children).fillna(0.0).clip(lower=0.0)
    mass = weight.groupby(parent).transform("sum")
    equal = 1.0 / parent.groupby(parent).transform("size")
    share = np.where(mass > 0, weight / mass.where(mass > 0, 1.0), equal)
    values = parent.map(observed).fillna(0.0) * share
    return pd.Series(values, index=children), pd.Series(mass.to_numpy() > 0, index=children)


def disaggregate(observed: pd.Series, units: pd.Index, priors: dict[int, pd.Series]) -> tuple[pd.Series, pd.Series]:
    """Observed employment on d-digit codes -> ISCO-08 units (4 digits), one digit at a time.

    ``priors[k]``: the prior's employment on k-digit codes (k = d+1 .. 4). Returns (unit employment, whether
    the prior informed the unit's share at every step)."""
    values, informed = observed, pd.Series(True, index=observed.index)
    for digits in range(len(observed.index[0]) + 1, 5):
        children = pd.Index(sorted(set(units.str.slice(0, digits))))
        values, used = split(values, children, priors[digits])
        parent_informed = pd.Series(children.str.slice(0, digits - 1), index=children).map(informed)
        informed = used & parent_informed.astype("boolean").fillna(False).astype(bool)
    return values.reindex(units, fill_value=0.0), informed.reindex(units, fill_value=False)


def prior_levels(name: str, us: pd.Series, eu: pd.Series | None = None) -> dict[int, pd.Series]:
    """The prior ``name`` as employment on 2-, 3- and 4-digit codes."""
    if name == "uniform":
        ones = pd.Series(1.0, index=us.index)
        return {k: aggregate(ones, k).clip(upper=1.0) for k in (1, 2, 3, 4)}
    levels = {k: aggregate(us, k) for k in (1, 2, 3, 4)}
    if name == "eu_lfs":
        levels[3] = eu
    return levels


def share_error(predicted: pd.Series, truth: pd.Series) -> float:
    """Weighted absolute share error: sum |predicted - truth| / sum truth (0 = exact; 2 = disjoint)."""
    both = pd.concat([predicted.rename("p"), truth.rename("t")], axis=1).fillna(0.0)
    return float((both["p"] - both["t"]).abs().sum() / both["t"].sum())


def validation_table(reader: Reader, occupations: pd.DataFrame) -> pd.DataFrame:
    """The disaggregation error of each prior on observed truths.

    Rows: UK, France, Italy (EU-LFS 2018: 2-digit totals -> 3 digits, vs the observed 3 digits; the ``eu_lfs``
    prior pools the other two countries) and the US (OEWS on ISCO units: 2 digits -> 4, vs the OEWS units;
    the ``us_oews`` prior would be the truth itself, so it is not scored there)."""
    units = pd.Index(international.isco_structure(reader).query("level == 4")["code"])
    us = us_prior(isco_links(reader, occupations, units), units)
    eu = {c: international.eu_lfs_minor(reader, c) for c in international.EU_LFS_COUNTRIES}
    rows = []
    for country, truth in eu.items():
        pooled = sum(eu[o].reindex(truth.index.union(eu[o].index), fill_value=0.0)
                     for o in eu if o != country)
        for digits in (1, 2):
            for name in PRIORS:
                levels = prior_levels(name, us, pooled)
                levels[2] = aggregate(levels[3], 2) if name == "eu_lfs" else levels[2]
                finer = aggregate(truth, digits + 1)
                predicted, _ = split(aggregate(truth, digits), pd.Index(sorted(finer.index)), levels[digits + 1])
                rows.append({"test": f"{country.upper()} {digits}->{digits + 1} digit (EU-LFS "
                             f"{international.EU_LFS_YEAR})", "country": country, "prior": name,
                             "cells": len(finer), "error": share_error(predicted, finer)})
    pooled = sum(eu[o].reindex(pd.Index(sorted(set().union(*[eu[c].index for c in eu]))), fill_value=0.0)
                 for o in eu)
    for name in ("eu_lfs", "uniform"):
        levels = prior_levels(name, us, pooled)
        if name == "eu_lfs":  # within 3-digit groups: equal split (the US structure is the truth here)
            levels[4] = prior_levels("uniform", us)[4]
        observed = aggregate(us[us > 0], 2)
        predicted, _ = disaggregate(observed, units[us.reindex(units).to_numpy() > 0], levels)
        rows.append({"test": "US 2->4 digit (OEWS May 2025 on ISCO-08)", "country": "us", "prior": name,
                     "cells": int((us > 0).sum()), "error": share_error(predicted, us[us > 0])})
    return pd.DataFrame(rows)
