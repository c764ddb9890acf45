"""Harmonising values published in other code systems onto the pack's OEWS occupations (SOC 2018).

Rules (also in ``docs/data.md`` and the pack's ``meta.rules``):

1. **O*NET-SOC 2019 -> SOC 2018**: the first 7 characters (15-1252.01 -> 15-1252); several O*NET
   occupations share a SOC code and get a simple mean, because OEWS publishes no employment at the
   O*NET-SOC level to weight them.
2. **SOC 2010 or ISCO-08 -> SOC 2018** (many-to-many crosswalks): each SOC 2018 code gets the weighted mean of
   the source codes linked to it. A source code's weight is its estimated employment: every OEWS occupation's
   May 2025 employment is shared equally among the source codes linked to it, and a source code sums its
   shares. Where no linked occupation has OEWS employment, the weights are equal (simple mean).
3. **SOC 2018 detailed -> OEWS occupation**: a code that OEWS publishes is itself; a detailed code inside one of
   OEWS's broad aggregates (31-1121, 31-1122 -> 31-1120) goes to the aggregate, which takes the simple mean of
   its detailed codes (OEWS publishes no employment for the parts of an aggregate).
"""

from __future__ import annotations

import pandas as pd

from workshift.errors import InputError, closest

CODE_SYSTEMS = ("SOC 2018", "O*NET-SOC 2019", "SOC 2010", "ISCO-08")


def broad_of(code: pd.Series) -> pd.Series:
    """SOC broad group of a SOC code: '15-1252' -> '15-1250'."""
    return code.str.slice(0, 6) + "0"


def minor_candidates(code: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The two shapes a SOC minor group takes: '15-1200' (computer occupations) or '25-1000' (most groups)."""
    return code.str.slice(0, 5) + "00", code.str.slice(0, 4) + "000"


def minor_of(code: pd.Series, known: set[str] | pd.Index) -> pd.Series:
    """SOC minor group of a code: the 'XX-YZ00' shape where ``known`` has it, else 'XX-Y000'."""
    two, one = minor_candidates(code)
    return two.where(two.isin(known), one)


def onet_to_soc(code: pd.Series) -> pd.Series:
    """O*NET-SOC 2019 code -> SOC 2018 code (first 7 characters)."""
    return code.str.slice(0, 7)


class Harmoniser:
    """Maps source codes onto OEWS occupations.

    ``occupations``: the pack's occupations (``soc_code``, ``is_aggregate``, ``employment``);
    ``crosswalks``: code system -> frame with columns ``source`` and ``soc2018`` (one row per link).
    """

    def __init__(self, occupations: pd.DataFrame, crosswalks: dict[str, pd.DataFrame]) -> None:
        self.codes = pd.Index(occupations["soc_code"])
        self.employment = occupations.set_index("soc_code")["employment"].astype(float)
        self.aggregates = set(occupations.loc[occupations["is_aggregate"], "soc_code"])
        self.crosswalks = crosswalks

    def occupation_of(self, soc2018: pd.Series) -> pd.Series:
        """OEWS occupation holding each SOC 2018 code (itself, or its broad aggregate); NaN if none."""
        own = soc2018.where(soc2018.isin(self.codes))
        broad = broad_of(soc2018)
        return own.fillna(broad.where(broad.isin(self.aggregates)))

    def to_occupations(self, values: pd.Series, system: str) -> pd.Series:
        """Values keyed by codes of ``system`` -> observed values on OEWS occupations (index ``soc_code``).

        Occupations that no source code reaches are absent (not NaN): coverage counts observed values only.
        """
        values = values.dropna()
        values = values.groupby(level=0).mean()  # a code listed twice counts once
        if system == "SOC 2018":
            soc = values
        elif system == "O*NET-SOC 2019":
            soc = values.groupby(onet_to_soc(values.index.to_series()).to_numpy()).mean()
        elif system in ("SOC 2010", "ISCO-08"):
            soc = self._through_crosswalk(values, self._crosswalk(system))
        else:
            guess = closest(system, CODE_SYSTEMS)
            raise InputError(
                f"unknown code system '{system}' (known: {', '.join(CODE_SYSTEMS)})",
                hint=f"did you mean '{guess}'?" if guess else None,
            )
        occupation = self.occupation_of(soc.index.to_series()).to_numpy()
        frame = pd.DataFrame({"occ": occupation, "value": soc.to_numpy()}).dropna(subset=["occ"])
        return frame.groupby("occ")["value"].mean().rename_axis("soc_code")

    def _crosswalk(self, system: str) -> pd.DataFrame:
        if system not in self.crosswalks:
            raise InputError(f"no crosswalk from '{system}' to SOC 2018 was loaded")
        return self.crosswalks[system]

    def source_weights(self, crosswalk: pd.DataFrame) -> pd.Series:
        """Estimated employment of each source code: OEWS employment shared equally over linked sources."""
        links = crosswalk.drop_duplicates(["source", "soc2018"]).copy()
        links["occ"] = self.occupation_of(links["soc2018"]).to_numpy()
        links["emp"] = links["occ"].map(self.employment).fillna(0.0)
        # an occupation's employment is split over its (source, occupation) links
        pairs = links.drop_duplicates(["source", "occ"]).dropna(subset=["occ"])
        pairs = pairs.assign(emp=pairs["emp"] / pairs.groupby("occ")["source"].transform("size"))
        return pairs.groupby("source")["emp"].sum()

    def _through_crosswalk(self, values: pd.Series, crosswalk: pd.DataFrame) -> pd.Series:
        links = crosswalk.drop_duplicates(["source", "soc2018"])
        links = links[links["source"].isin(values.index)].copy()
        links["value"] = links["source"].map(values)
        links["w"] = links["source"].map(self.source_weights(crosswalk)).fillna(0.0)
        # where every linked source has zero estimated employment, fall back to equal weights
        total = links.groupby("soc2018")["w"].transform("sum")
        links.loc[total <= 0, "w"] = 1.0
        links["wv"] = links["w"] * links["value"]
        grouped = links.groupby("soc2018")[["wv", "w"]].sum()
        return (grouped["wv"] / grouped["w"]).rename_axis(None)


def employment_weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    both = pd.concat([values.rename("v"), weights.rename("w")], axis=1, join="inner").dropna()
    return float((both["v"] * both["w"]).sum() / both["w"].sum()) if both["w"].sum() > 0 else float("nan")
