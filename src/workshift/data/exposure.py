"""AI exposure indices harmonised onto the pack's occupations (long table plus an index catalogue)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.data import schemas
from workshift.data.contract import check_rule
from workshift.data.harmonise import Harmoniser, broad_of, minor_candidates
from workshift.data.occupations import impute_from_groups
from workshift.data.reading import Reader

INDICES_FILE = Path(__file__).with_name("indices.toml")
SOC2010_TO_2018 = "crosswalks/bls_soc/soc2010_to_soc2018_bls.csv"
SOC2018_TO_ISCO = "crosswalks/derived_soc2018_to_isco08_via_soc2010.csv"

_SCHEMAS = {
    "exposure/gpts_are_gpts/occ_level.csv": (schemas.GPTS_OCC, "O*NET-SOC Code"),
    "exposure/microsoft_working_with_ai/soc_ai_applicability_scores.csv": (schemas.MICROSOFT, "SOC Code"),
    "exposure/ilo_genai/ilo_genai_exposure_isco08_4digit_2025.csv": (schemas.ILO, "ISCO_08"),
    "exposure/aioe/aioe_occupation_scores.csv": (schemas.AIOE, "soc_code"),
    "exposure/frey_osborne/frey_osborne_automation_risk_index_clean.csv": (schemas.FREY_OSBORNE, "SOC code"),
}

RULE = ("Missing exposure (an occupation no source code reaches) is imputed as the mean of observed values in "
        "the same SOC broad group, else minor group, else major group, else over all occupations; such rows "
        "have observed = False. Coverage counts observed rows only.")


def index_catalogue() -> list[dict]:
    """The catalogue's index declarations (indices.toml); each declares its rescaling ``rule``."""
    with open(INDICES_FILE, "rb") as handle:
        specs = tomllib.load(handle)["index"]
    for spec in specs:
        check_rule(spec["index"], spec.get("rule"), INDICES_FILE.name)
    return specs


def read_crosswalks(reader: Reader) -> dict[str, pd.DataFrame]:
    """SOC 2010 -> 2018 and ISCO-08 -> SOC 2018 links as (source, soc2018) frames."""
    soc = reader.table(SOC2010_TO_2018, schemas.SOC2010_TO_2018)
    isco = reader.table(SOC2018_TO_ISCO, schemas.SOC2018_TO_ISCO)
    return {
        "SOC 2010": soc.rename(columns={"soc2010_code": "source", "soc2018_code": "soc2018"})[["source", "soc2018"]],
        "ISCO-08": isco.rename(columns={"isco08_code": "source", "soc2018_code": "soc2018"})[["source", "soc2018"]],
    }


def _expand_group_codes(values: pd.Series, crosswalk: pd.DataFrame) -> pd.Series:
    """Bridge group codes between a source and its crosswalk.

    A source's SOC 2010 broad or minor group code (AIOE's 19-1020, Frey-Osborne's 29-1060 and 25-1000)
    stands for the crosswalk's detailed codes under it that have no value of their own; a crosswalk's 3-digit
    ISCO-08 minor group (211) takes the mean of the source's 4-digit unit groups under it.
    """
    known = pd.Series(sorted(set(crosswalk["source"])))
    known_set = set(known)
    groups = [c for c in values.index if c not in known_set and c.endswith("0")]
    extra = []
    orphans = known[~known.isin(values.index)]
    for parent in (broad_of(orphans), *minor_candidates(orphans)):
        hit = parent.isin(groups) & ~orphans.isin(pd.concat(extra).index if extra else [])
        extra.append(pd.Series(parent[hit].map(values).to_numpy(), index=orphans[hit].to_numpy()))
    minor = known[(known.str.len() == 3) & ~known.isin(values.index)]
    if len(minor):
        codes = values.index.to_series()
        by_minor = values.groupby(codes.str.slice(0, 3).to_numpy()).mean()
        extra.append(by_minor[by_minor.index.isin(minor)])
    return pd.concat([values, *extra]).dropna()


def build_exposure(reader: Reader, occupations: pd.DataFrame, harmoniser: Harmoniser
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(exposure long table, exposure_indices, facts). User-supplied indices are skipped when absent."""
    frames, catalogue, facts = [], [], {"absent": [], "unmatched_codes": {}}
    cache: dict[str, pd.DataFrame | None] = {}
    groups = occupations[["soc_code", "major_group", "minor_group", "broad_group"]]
    for spec in index_catalogue():
        rel = spec["file"]
        schema, code_col = _SCHEMAS[rel]
        if rel not in cache:
            cache[rel] = reader.table(rel, schema, required=not spec.get("user_supplied", False))
        raw = cache[rel]
        if raw is None:
            facts["absent"].append(spec["index"])
            continue
        values = raw.groupby(code_col)[spec["column"]].mean()
        if spec["code_system"] in harmoniser.crosswalks:
            crosswalk = harmoniser.crosswalks[spec["code_system"]]
            values = _expand_group_codes(values, crosswalk)
            facts["unmatched_codes"][spec["index"]] = int((~values.index.isin(crosswalk["source"])).sum())
        observed = harmoniser.to_occupations(values, spec["code_system"])
        frame = groups.copy()
        frame["value"] = frame["soc_code"].map(observed)
        frame["observed"] = frame["value"].notna()
        filled = impute_from_groups(frame, "value")
        frame["value"] = filled.fillna(frame["value"].mean() if frame["observed"].any() else np.nan)
        frame["index"] = spec["index"]
        frames.append(frame[["soc_code", "index", "value", "observed"]])
        catalogue.append({
            "index": spec["index"], "description": spec["description"], "scale": spec["scale"],
            "low": float(spec["low"]), "high": float(spec["high"]), "source": spec["source"],
            "code_system": spec["code_system"], "harmonisation": _harmonisation_text(spec["code_system"]),
            "user_supplied": bool(spec.get("user_supplied", False)), "rule": spec["rule"],
        })
    exposure = pd.concat(frames, ignore_index=True)
    exposure["observed"] = exposure["observed"].astype(bool)
    return exposure, pd.DataFrame(catalogue), facts


def _harmonisation_text(system: str) -> str:
    return {
        "SOC 2018": "same code; a broad aggregate takes the simple mean of its detailed codes",
        "O*NET-SOC 2019": "first 7 characters, simple mean over O*NET children (no employment at O*NET level)",
        "SOC 2010": "BLS SOC 2010->2018 crosswalk, mean weighted by estimated source-code employment",
        "ISCO-08": "SOC 2018->ISCO-08 crosswalk (via SOC 2010), mean weighted by estimated ISCO employment",
    }[system]
