"""A realistic synthetic population of job seekers and vacancies, drawn from the region pack.

- (state, occupation) of every seeker and every vacancy: a multinomial draw over the OEWS state x
  occupation cells with probability proportional to employment (cells whose employment OEWS suppresses are
  left out), so occupation x state shares match OEWS up to sampling error (tested).
- seeker skills: each O*NET skill and knowledge element of the seeker's occupation independently with
  probability clip((IM - 2.5) / 2, 0, 0.9) (IM: O*NET importance 1-5), plus any other element with
  probability 0.01; :data:`EMPTY_PROFILE_SHARE` of seekers have an empty profile.
- vacancy required skills: each element with probability clip((IM - 3) / 1.5, 0, 0.85);
  :data:`UNLISTED_SKILLS_SHARE` list none (matching then uses the occupation's core skills).
- wages (USD per year): the OEWS mean of the cell (national mean where the state has none) times a
  log-normal factor: desired exp(N(-0.1, 0.25)), offered exp(N(0, 0.15)); :data:`NO_DESIRED_WAGE_SHARE` of
  seekers state no desired wage. Openings: 1 + Geometric(0.7) - 1 (70% of vacancies have one opening).
- groups ``gender`` and ``age_group``: independent of everything else, with labour-force shares (BLS CPS
  2024 annual averages, rounded): illustrative only, for exercising fairness reports.

The dispersion parameters are assumptions (documented in docs/matching.md), not estimates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from workshift.errors import InputError
from workshift.files import atomic_path, write_text_atomic

EMPTY_PROFILE_SHARE = 0.05
UNLISTED_SKILLS_SHARE = 0.10
NO_DESIRED_WAGE_SHARE = 0.03
TITLE_SHARE = 0.0
GENDER = {"female": 0.47, "male": 0.53}  # BLS CPS 2024: women 47% of the labour force
AGE_GROUPS = {"16-24": 0.12, "25-54": 0.64, "55+": 0.24}  # BLS CPS 2024, rounded
AVAILABLE_FROM = "2025-07-01"  # first availability date; seekers become available over 90 days
_CHUNK = 100_000


def cell_table(pack) -> pd.DataFrame:
    """OEWS (state, occupation) cells with published employment > 0, and their employment share."""
    cells = pack.state_employment.dropna(subset=["employment"])
    cells = cells[(cells["employment"] > 0) & cells["soc_code"].isin(pack.occupations["soc_code"])]
    cells = cells.sort_values(["state", "soc_code"]).reset_index(drop=True)
    return cells.assign(share=cells["employment"] / cells["employment"].sum())


def _skill_probabilities(pack, codes: pd.Index) -> tuple[list[str], np.ndarray]:
    part = pack.skills[pack.skills["domain"].isin(["skills", "knowledge"])]
    importance = part.pivot_table(index="soc_code", columns="element_id", values="importance")
    importance = importance.reindex(codes).fillna(1.0)
    return list(importance.columns), importance.to_numpy(dtype=np.float32)


def _join_skills(mask: np.ndarray, ids: np.ndarray) -> np.ndarray:
    out = np.empty(len(mask), dtype=object)
    for r in range(len(mask)):
        out[r] = ";".join(ids[mask[r]])
    return out


def _draw_skills(
    rng: np.random.Generator, occupation: np.ndarray, prob: np.ndarray, ids: np.ndarray, noise: float
) -> np.ndarray:
    out = np.empty(len(occupation), dtype=object)
    for start in range(0, len(occupation), _CHUNK):
        occ = occupation[start : start + _CHUNK]
        p = prob[occ]
        if noise:
            p = np.maximum(p, noise)
        out[start : start + _CHUNK] = _join_skills(rng.random(p.shape, dtype=np.float32) < p, ids)
    return out


def _round_wage(values: np.ndarray) -> np.ndarray:
    return np.round(values / 100.0) * 100.0


def _occupation_values(
    rng: np.random.Generator, codes: np.ndarray, titles: np.ndarray, share: float
) -> np.ndarray:
    out = codes.astype(object)
    if share > 0:
        pick = rng.random(len(codes)) < share
        out[pick] = titles[pick]
    return out


def synthesize(
    pack, n_seekers: int, n_vacancies: int, seed: int = 0, title_share: float = TITLE_SHARE
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(seekers, vacancies, meta) as the files ``workshift match`` reads (see the module docstring)."""
    if n_seekers < 1 or n_vacancies < 1:
        raise InputError(f"need at least one seeker and one vacancy (got {n_seekers}, {n_vacancies})")
    if not 0 <= title_share <= 1:
        raise InputError(f"title share must be between 0 and 1 (got {title_share})")
    rng = np.random.default_rng(seed)
    cells = cell_table(pack)
    occ = pack.occupations.reset_index(drop=True)
    codes = pd.Index(occ["soc_code"])
    cell_occ = codes.get_indexer(cells["soc_code"])
    national = occ["wage_mean"].to_numpy(dtype=float)
    cell_wage = cells["wage_mean"].to_numpy(dtype=float)
    cell_wage = np.where(np.isfinite(cell_wage), cell_wage, national[cell_occ])
    element_ids, importance = _skill_probabilities(pack, codes)
    ids = np.asarray(element_ids, dtype=object)
    states = cells["state"].to_numpy()
    titles = occ["title"].to_numpy(dtype=object)

    s_cell = rng.choice(len(cells), size=n_seekers, p=cells["share"].to_numpy())
    s_occ = cell_occ[s_cell]
    skills = _draw_skills(rng, s_occ, np.clip((importance - 2.5) / 2.0, 0.0, 0.9), ids, noise=0.01)
    skills[rng.random(n_seekers) < EMPTY_PROFILE_SHARE] = ""
    desired = _round_wage(cell_wage[s_cell] * np.exp(rng.normal(-0.1, 0.25, n_seekers)))
    desired[rng.random(n_seekers) < NO_DESIRED_WAGE_SHARE] = np.nan
    width = len(str(n_seekers))
    seekers = pd.DataFrame(
        {
            "seeker_id": [f"S{i:0{width}d}" for i in range(1, n_seekers + 1)],
            "occupation": _occupation_values(rng, codes.to_numpy()[s_occ], titles[s_occ], title_share),
            "skills": skills,
            "state": states[s_cell],
            "desired_wage": pd.array(desired, dtype="Int64"),
            "available_from": (
                pd.Timestamp(AVAILABLE_FROM) + pd.to_timedelta(rng.integers(0, 90, n_seekers), "D")
            ).strftime("%Y-%m-%d"),
            "gender": rng.choice(list(GENDER), size=n_seekers, p=list(GENDER.values())),
            "age_group": rng.choice(list(AGE_GROUPS), size=n_seekers, p=list(AGE_GROUPS.values())),
        }
    )

    v_cell = rng.choice(len(cells), size=n_vacancies, p=cells["share"].to_numpy())
    v_occ = cell_occ[v_cell]
    required = _draw_skills(rng, v_occ, np.clip((importance - 3.0) / 1.5, 0.0, 0.85), ids, noise=0.0)
    required[rng.random(n_vacancies) < UNLISTED_SKILLS_SHARE] = ""
    width = len(str(n_vacancies))
    vacancies = pd.DataFrame(
        {
            "vacancy_id": [f"V{i:0{width}d}" for i in range(1, n_vacancies + 1)],
            "occupation": _occupation_values(rng, codes.to_numpy()[v_occ], titles[v_occ], title_share),
            "required_skills": required,
            "state": states[v_cell],
            "wage": _round_wage(cell_wage[v_cell] * np.exp(rng.normal(0.0, 0.15, n_vacancies))).astype(
                np.int64
            ),
            "openings": rng.geometric(0.7, n_vacancies),
        }
    )
    meta = {
        "generator": "workshift.services.matching.synth",
        "seed": seed,
        "seekers": n_seekers,
        "vacancies": n_vacancies,
        "cells": int(len(cells)),
        "title_share": title_share,
        "pack": pack.name,
        "pack_built": pack.meta.get("built"),
        "vintages": {k: pack.meta.get("vintages", {}).get(k) for k in ("oews", "onet")},
        "assumptions": {
            "cells": "OEWS state x occupation employment shares (suppressed cells left out)",
            "seeker_skill_probability": "clip((IM - 2.5) / 2, 0, 0.9) + 0.01 any element",
            "vacancy_skill_probability": "clip((IM - 3) / 1.5, 0, 0.85)",
            "empty_profile_share": EMPTY_PROFILE_SHARE,
            "unlisted_skills_share": UNLISTED_SKILLS_SHARE,
            "no_desired_wage_share": NO_DESIRED_WAGE_SHARE,
            "desired_wage": "OEWS cell mean x exp(N(-0.1, 0.25)), USD per year",
            "offered_wage": "OEWS cell mean x exp(N(0, 0.15)), USD per year",
            "openings": "Geometric(0.7)",
            "groups": "gender, age_group: BLS CPS 2024 shares, illustrative only",
        },
    }
    return seekers, vacancies, meta


def write_synthetic(
    pack,
    out_dir: str | Path,
    n_seekers: int,
    n_vacancies: int,
    seed: int = 0,
    fmt: str = "csv",
    title_share: float = TITLE_SHARE,
) -> dict[str, Path]:
    """Write ``seekers.<fmt>``, ``vacancies.<fmt>`` and ``synth_meta.json`` into ``out_dir`` (each atomically)."""
    import json


    if fmt not in ("csv", "parquet"):
        raise InputError(f"unknown format '{fmt}' (expected csv or parquet)")
    seekers, vacancies, meta = synthesize(pack, n_seekers, n_vacancies, seed, title_share)
    out = Path(out_dir)
    paths = {}
    for name, frame in (("seekers", seekers), ("vacancies", vacancies)):
        target = out / f"{name}.{fmt}"
        with atomic_path(target, suffix=f".{fmt}") as tmp:
            if fmt == "csv":
                frame.to_csv(tmp, index=False)
            else:
                frame.to_parquet(tmp, index=False)
        paths[name] = target
    paths["meta"] = write_text_atomic(out / "synth_meta.json", json.dumps(meta, indent=2, ensure_ascii=False))
    return paths
