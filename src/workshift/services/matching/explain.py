"""Caseworker tables: the seeker view, the vacancy (reverse) view, the assignment, each with explanations.

An explanation names, in English or Chinese, what drives each factor of a match: required skills covered
(and the first missing ones), how well skills transfer from the seeker's occupation (feasibility >= 0.5:
at least as similar as a viable career transition), the state, pay against the desired wage, and the
vacancy's AI-exposure safety (>= 0.6: less exposed than most workers; < 0.4: more exposed).
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

from workshift.i18n import catalogue, normalise_lang
from workshift.services.matching.score import FACTORS, factor_breakdown

MISSING_SHOWN = 3
TRANSFER_WELL = 0.5  # feasibility of a transition at the viability threshold
TRANSFER_PARTLY = 0.2
SAFE_HIGH, SAFE_LOW = 0.6, 0.4


def messages(lang: str) -> dict[str, str]:
    code = normalise_lang(lang)
    english = {k: v for k, v in catalogue("en").items() if k.startswith("matching.")}
    return {k.removeprefix("matching."): catalogue(code).get(k, v) for k, v in english.items()}


@numba.njit(parallel=True, cache=True)
def _first_missing(required, has, size, shown):
    """Per pair: key of the first ``shown`` required elements the seeker lacks (and whether there are more)."""
    n, words = required.shape
    out = np.zeros(n, dtype=np.int64)
    for p in numba.prange(n):
        key, found = 0, 0
        for j in range(size):
            if (required[p, j // 64] >> np.uint64(j % 64)) & ~(has[p, j // 64] >> np.uint64(j % 64)) & np.uint64(1):
                if found < shown:
                    key = key * (size + 1) + j + 1
                found += 1
        for _ in range(found, shown):
            key = key * (size + 1)
        out[p] = key * 2 + (1 if found > shown else 0)
    return out


def _missing_names(result, si: np.ndarray, vj: np.ndarray) -> pd.Categorical:
    """First :data:`MISSING_SHOWN` names of required skills the seeker lacks, per pair ('' when none)."""
    vocab = result.ctx.vocabulary
    keys = _first_missing(result.tables.v_bits[vj], result.tables.s_bits[si], vocab.size, MISSING_SHOWN)
    codes, unique = pd.factorize(keys, sort=True)
    names = np.array(vocab.element_names, dtype=object)
    text = []
    for key in unique:
        more, key = key % 2, key // 2
        picked = []
        for _ in range(MISSING_SHOWN):
            key, j = divmod(key, vocab.size + 1)
            if j:
                picked.append(names[j - 1])
        text.append("; ".join(reversed(picked)) + (" ..." if more else ""))
    labels, inverse = np.unique(np.array(text, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(inverse.ravel()[codes], categories=labels.astype(str))


def _categorical(codes: np.ndarray, labels, distinct: bool = False) -> pd.Categorical:
    """Repeated labels as a categorical (small in memory, dictionary-encoded in Parquet)."""
    labels = np.asarray(labels, dtype=object).astype(str)
    if distinct:  # ids, validated unique
        return pd.Categorical.from_codes(codes, categories=pd.Index(labels))
    unique, inverse = np.unique(labels, return_inverse=True)
    return pd.Categorical.from_codes(inverse.ravel()[codes], categories=unique)


def explain(result, si: np.ndarray, vj: np.ndarray, factors: dict[str, np.ndarray], missing: np.ndarray,
            lang: str) -> np.ndarray:
    """One sentence per pair (see the module docstring)."""
    msg = messages(lang)
    missing = np.asarray(missing, dtype=object)
    sep = "；" if normalise_lang(lang) == "zh" else "; "
    tables, ctx = result.tables, result.ctx
    common = np.bitwise_count(tables.s_bits[si] & tables.v_bits[vj]).sum(axis=1)
    required = np.bitwise_count(tables.v_bits[vj]).sum(axis=1)
    core = result.vacancies.skills_from_occupation[vj]
    origin = ctx.titles[tables.s_occ[si]]
    same = tables.s_occ[si] == tables.v_occ[vj]
    states = np.asarray(ctx.states, dtype=object)[tables.v_state[vj]]
    feas, safety = factors["transition_feasibility"], factors["ai_exposure_safety"]
    out = np.empty(len(si), dtype=object)
    for p in range(len(si)):
        skills = msg["explain_skills_core" if core[p] else "explain_skills"].format(covered=common[p],
                                                                                   required=required[p])
        if missing[p]:
            skills += msg["explain_missing"].format(names=missing[p])
        if same[p]:
            transfer = msg["explain_same_occupation"]
        else:
            level = "well" if feas[p] >= TRANSFER_WELL else ("partly" if feas[p] >= TRANSFER_PARTLY else "low")
            transfer = msg[f"explain_transfer_{level}"].format(origin=origin[p], value=f"{feas[p]:.2f}")
        place = msg["explain_local" if factors["location"][p] else "explain_remote"].format(state=states[p])
        pay = msg["explain_pay"].format(wage=f"{tables.v_wage[vj[p]]:,.0f}", desired=f"{tables.s_wage[si[p]]:,.0f}")
        band = "high" if safety[p] >= SAFE_HIGH else ("low" if safety[p] < SAFE_LOW else "mid")
        out[p] = sep.join((skills, transfer, place, pay, msg[f"explain_safety_{band}"]))
    return out


def pair_frame(result, si: np.ndarray, vj: np.ndarray, lang: str, explanations: bool = True) -> pd.DataFrame:
    """The columns every view shares, for pairs (si[p], vj[p])."""
    tables, ctx = result.tables, result.ctx
    factors = factor_breakdown(tables, si, vj)
    missing = _missing_names(result, si, vj)
    frame = pd.DataFrame({
        "seeker_id": _categorical(si, result.seekers.ids, True),
        "vacancy_id": _categorical(vj, result.vacancies.ids, True),
        "score": np.round(factors["score"], 4),
        **{f: np.round(factors[f], 4) for f in FACTORS},
        "good_match": factors["score"] >= result.threshold,
        "seeker_occupation": _categorical(tables.s_occ[si], ctx.codes),
        "vacancy_occupation": _categorical(tables.v_occ[vj], ctx.codes),
        "vacancy_title": _categorical(tables.v_occ[vj], ctx.titles),
        "vacancy_state": _categorical(tables.v_state[vj], ctx.states),
        "vacancy_wage": tables.v_wage[vj], "desired_wage": tables.s_wage[si],
        "missing_skills": missing,
    })
    if explanations:
        frame["explanation"] = explain(result, si, vj, factors, missing, lang)
    return frame


def _groups(result, frame: pd.DataFrame, si: np.ndarray) -> pd.DataFrame:
    for column in result.seekers.groups:
        frame[column] = result.seekers.frame[column].to_numpy()[si]
    return frame


def seeker_view(result, top: int, lang: str = "en", explanations: bool = True) -> pd.DataFrame:
    """Each seeker's top-N vacancies, best first (rank 1..N)."""
    ids = result.candidates.ids[:, :top]
    si, slot = np.nonzero(ids >= 0)
    frame = pair_frame(result, si, ids[si, slot], lang, explanations)
    frame.insert(1, "rank", slot + 1)
    return _groups(result, frame, si)


def vacancy_view(result, top: int, lang: str = "en", explanations: bool = True) -> pd.DataFrame:
    """Each vacancy's best seekers (rank 1..N): exact when the run was exact, else from the candidate graph."""
    scores, ids = result.top_seekers(top)
    vj, slot = np.nonzero(ids >= 0)
    frame = pair_frame(result, ids[vj, slot], vj, lang, explanations)
    frame.insert(2, "rank", slot + 1)
    frame = frame[["vacancy_id", "rank", "seeker_id", *[c for c in frame.columns
                                                        if c not in ("vacancy_id", "rank", "seeker_id")]]]
    return _groups(result, frame, ids[vj, slot])


def assignment_view(result, lang: str = "en", explanations: bool = True) -> pd.DataFrame:
    """One row per seeker: the assigned vacancy and its factors (empty vacancy_id when none)."""
    assignment = result.assignment
    si = np.flatnonzero(assignment.vacancy >= 0)
    frame = pair_frame(result, si, assignment.vacancy[si], lang, explanations)
    frame.insert(2, "candidate_rank", pd.array(assignment.rank[si] + 1, dtype="Int64"))
    rest = np.flatnonzero(assignment.vacancy < 0)
    if len(rest):
        frame = pd.concat([frame, pd.DataFrame({"seeker_id": result.seekers.ids[rest]})], ignore_index=True)
    order = np.argsort(np.concatenate([si, rest]), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    return _groups(result, frame, np.concatenate([si, rest])[order])
