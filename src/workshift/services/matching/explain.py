"""Caseworker tables: the seeker view, the vacancy (reverse) view, the assignment, each with explanations.

An explanation starts with the verdict and its real reason: a good match, or the main gap that keeps it from
being one (a change of occupation that is rarely made or whose skills do not transfer; no stated pay; pay
below 90% of the wanted wage; too few of the required skills). Then, in English or Chinese, what drives each
factor: required skills covered (and the first missing ones), how feasible the move from the seeker's
occupation is (feasibility >= 0.5: at least a just-viable career transition), the state, pay against the
desired wage, and the vacancy's AI-exposure safety (>= 0.6: less exposed than most workers; < 0.4: more).
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

from workshift.i18n import catalogue, normalise_lang
from workshift.i18n.names import element_title, occupation_title
from workshift.i18n.numbers import numbers_full
from workshift.services.matching.score import FACTORS, PAY_SHARE, factor_breakdown, requirement_sets

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


def _missing_names(result, si: np.ndarray, vj: np.ndarray, lang: str = "en") -> pd.Categorical:
    """First :data:`MISSING_SHOWN` names of required skills the seeker lacks, per pair ('' when none), in the
    reader's language (the shipped O*NET element names for Chinese readers)."""
    vocab = result.ctx.vocabulary
    keys = _first_missing(requirement_sets(result.tables, vj), result.tables.s_bits[si], vocab.size, MISSING_SHOWN)
    codes, unique = pd.factorize(keys, sort=True)
    zh = normalise_lang(lang) == "zh"
    names = np.array([element_title(eid, name, "zh") if zh else name
                      for eid, name in zip(vocab.element_ids, vocab.element_names, strict=True)], dtype=object)
    joiner = "、" if zh else "; "
    text = []
    for key in unique:
        more, key = key % 2, key // 2
        picked = []
        for _ in range(MISSING_SHOWN):
            key, j = divmod(key, vocab.size + 1)
            if j:
                picked.append(names[j - 1])
        text.append(joiner.join(reversed(picked)) + ((" 等" if zh else " ...") if more else ""))
    labels, inverse = np.unique(np.array(text, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(inverse.ravel()[codes], categories=labels.astype(str))


def _titles(ctx, lang: str) -> list[str]:
    """The pack's occupation titles in the reader's language."""
    if normalise_lang(lang) != "zh":
        return list(ctx.titles)
    return [occupation_title(code, title, "zh") for code, title in zip(ctx.codes, ctx.titles, strict=True)]


def _categorical(codes: np.ndarray, labels, distinct: bool = False) -> pd.Categorical:
    """Repeated labels as a categorical (small in memory, dictionary-encoded in Parquet)."""
    labels = np.asarray(labels, dtype=object).astype(str)
    if distinct:  # ids, validated unique
        return pd.Categorical.from_codes(codes, categories=pd.Index(labels))
    unique, inverse = np.unique(labels, return_inverse=True)
    return pd.Categorical.from_codes(inverse.ravel()[codes], categories=unique)


def _pieces(keys: np.ndarray, render) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, text per distinct key): ``render`` runs once per distinct key, not once per row."""
    codes, unique = pd.factorize(keys, sort=False)
    return codes, np.array([render(k) for k in unique], dtype=object)


def explain(result, si: np.ndarray, vj: np.ndarray, factors: dict[str, np.ndarray], missing: pd.Categorical,
            lang: str) -> np.ndarray:
    """One sentence per pair (see the module docstring); each part is rendered once per distinct value."""
    msg = messages(lang)
    sep = "；" if normalise_lang(lang) == "zh" else "; "
    tables, ctx = result.tables, result.ctx
    n_occ, size = len(ctx.codes), ctx.vocabulary.size + 1
    needed = requirement_sets(tables, vj)
    common = np.bitwise_count(tables.s_bits[si] & needed).sum(axis=1).astype(np.int64)
    required = np.bitwise_count(needed).sum(axis=1).astype(np.int64)
    core = result.vacancies.skills_from_occupation[vj].astype(np.int64)
    names = np.asarray(missing.categories, dtype=object)

    def skills(key: int) -> str:
        key, m = divmod(key, len(names))
        key, covered = divmod(key, size)
        is_core, needed = divmod(key, size)
        text = msg["explain_skills_core" if is_core else "explain_skills"].format(covered=covered, required=needed)
        return text + (msg["explain_missing"].format(names=names[m]) if names[m] else "")

    def transfer(key: int) -> str:
        o, d = divmod(key, n_occ)
        if o == d:
            return msg["explain_same_occupation"]
        value = float(tables.feasibility[o, d])
        level = "well" if value >= TRANSFER_WELL else ("partly" if value >= TRANSFER_PARTLY else "low")
        return msg[f"explain_transfer_{level}"].format(origin=occupation_title(ctx.codes[o], ctx.titles[o], lang),
                                                       value=f"{value:.2f}")

    def place(key: int) -> str:
        local, state = divmod(key, len(ctx.states))
        return msg["explain_local" if local else "explain_remote"].format(state=ctx.states[state])

    def headline(key: int) -> str:
        good, move_ok, stated, pay_ok = (bool(key >> b & 1) for b in (3, 2, 1, 0))
        if good:
            return msg["explain_head_good"]
        if not move_ok:
            return msg["explain_head_move"]
        if not stated:
            return msg["explain_head_no_pay"]
        if not pay_ok:
            return msg["explain_head_pay"].format(share=f"{100 * PAY_SHARE:.0f}")
        return msg["explain_head_skills"]

    verdict = ((factors["score"] >= result.threshold).astype(np.int64) * 8 + factors["move_ok"] * 4
               + (tables.v_wage[vj] > 0) * 2 + factors["pay_ok"]).astype(np.int64)
    head_codes, head_text = _pieces(verdict, headline)
    parts = [
        _pieces(((core * size + required) * size + common) * len(names) + missing.codes, skills),
        _pieces(tables.s_occ[si].astype(np.int64) * n_occ + tables.v_occ[vj], transfer),
        _pieces(factors["location"].astype(np.int64) * len(ctx.states) + tables.v_state[vj], place),
    ]
    wage_codes, wages = pd.factorize(result.vacancies.wage[vj])
    desired_codes, desired = pd.factorize(tables.s_wage[si])
    # the pack's currency through the i18n number format (one string per distinct wage, not per pair)
    wages = np.array(numbers_full(wages, lang, ctx.currency), dtype=object)
    desired = np.array(numbers_full(desired, lang, ctx.currency), dtype=object)
    template = msg["explain_pay"]
    first, second = ("{wage}", "{desired}") if template.index("{wage}") < template.index("{desired}") else (
        "{desired}", "{wage}")
    head, _, rest = template.partition(first)
    middle, _, tail = rest.partition(second)  # the pay template, split once
    if first == "{desired}":
        wages, desired, wage_codes, desired_codes = desired, wages, desired_codes, wage_codes
    safety = factors["ai_exposure_safety"]
    band = np.where(safety >= SAFE_HIGH, 0, np.where(safety < SAFE_LOW, 2, 1))
    bands = np.array([msg[f"explain_safety_{b}"] for b in ("high", "mid", "low")], dtype=object)
    (a, ta), (b, tb), (c, tc) = ((codes.tolist(), text.tolist()) for codes, text in parts)
    head, middle, tail = sep + head, middle, tail + sep
    rows = zip(a, b, c, wages[wage_codes].tolist(), desired[desired_codes].tolist(), bands[band].tolist(), strict=True)
    out = np.empty(len(si), dtype=object)
    out[:] = [f"{ta[x]}{sep}{tb[y]}{sep}{tc[z]}{head}{w}{middle}{d}{tail}{e}" for x, y, z, w, d, e in rows]
    heads = head_text[head_codes].astype(str)
    return np.char.add(np.char.add(heads, ": " if normalise_lang(lang) != "zh" else "："), out.astype(str)).astype(
        object)


def pair_frame(result, si: np.ndarray, vj: np.ndarray, lang: str, explanations: bool = True) -> pd.DataFrame:
    """The columns every view shares, for pairs (si[p], vj[p])."""
    tables, ctx = result.tables, result.ctx
    factors = factor_breakdown(tables, si, vj)
    missing = _missing_names(result, si, vj, lang)
    frame = pd.DataFrame({
        "seeker_id": _categorical(si, result.seekers.ids, True),
        "vacancy_id": _categorical(vj, result.vacancies.ids, True),
        "score": np.round(factors["score"], 4),
        **{f: np.round(factors[f], 4) for f in FACTORS},
        "good_match": factors["score"] >= result.threshold,
        "seeker_occupation": _categorical(tables.s_occ[si], ctx.codes),
        "vacancy_occupation": _categorical(tables.v_occ[vj], ctx.codes),
        "vacancy_title": _categorical(tables.v_occ[vj], _titles(ctx, lang)),
        "vacancy_state": _categorical(tables.v_state[vj], ctx.states),
        "vacancy_wage": result.vacancies.wage[vj], "desired_wage": tables.s_wage[si],
        "wage_stated": tables.v_wage[vj] > 0, "pay_ok": factors["pay_ok"], "move_ok": factors["move_ok"],
        "missing_skills": missing,
    })
    if explanations:
        frame["explanation"] = explain(result, si, vj, factors, missing, lang)
    return frame


def _groups(result, frame: pd.DataFrame, si: np.ndarray) -> pd.DataFrame:
    for column in result.seekers.groups:
        frame[column] = result.seekers.frame[column].to_numpy()[si]
    return frame


def seeker_view(result, top: int, lang: str = "en", explanations: bool = True,
                seekers: slice = slice(None)) -> pd.DataFrame:
    """The top-N vacancies (rank 1..N, best first) of seekers ``seekers`` (all by default)."""
    first = seekers.start or 0
    ids = result.candidates.ids[seekers, :top]
    si, slot = np.nonzero(ids >= 0)
    frame = pair_frame(result, si + first, ids[si, slot], lang, explanations)
    frame.insert(1, "rank", slot + 1)
    return _groups(result, frame, si + first)


def vacancy_view(result, top: int, lang: str = "en", explanations: bool = True) -> pd.DataFrame:
    """Each vacancy's best seekers (rank 1..N): exact when the run was exact, else from the candidate graph."""
    scores, ids = result.top_seekers(top)
    vj, slot = np.nonzero(ids >= 0)
    frame = pair_frame(result, ids[vj, slot], vj, lang, explanations)
    frame.insert(2, "rank", slot + 1)
    frame = frame[["vacancy_id", "rank", "seeker_id", *[c for c in frame.columns
                                                        if c not in ("vacancy_id", "rank", "seeker_id")]]]
    return frame  # employer-facing: never the seekers' fairness-group attributes (docs/matching.md)


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
    return frame.iloc[order].reset_index(drop=True)  # shared with employers: no fairness-group attributes
