"""Resolving what a worker types against a pack in its own code system (ISCO-08 packs, the China pack, a user's
own pack): a code of the pack's system, or a title among the pack's titles (ISCO-08 and ESCO titles in English,
CSCO 2022 names and aliases in Chinese for the China pack, the user's own titles).

Match: 1 for a code of the pack or an exact title (case-insensitive); otherwise the ``difflib`` similarity ratio
of the closest titles; a title is recognised when its match is at least :data:`MIN_CONFIDENCE`. Confidence (what
is reported, and what ranks the units): the match times the confidence of the title's link to the unit (1 for
a unit's own titles; for the China pack's CSCO names the mapping's ``titles.confidence``, often low: a CSCO name
is linked to every unit its medium group maps to). The SOC-based resolver
(:mod:`workshift.services.lookup`) serves SOC 2018 packs.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from workshift.errors import InputError, NotFoundError, closest
from workshift.services.resolved import Origin

MIN_CONFIDENCE = 0.5
_CODE = {"ISCO-08": re.compile(r"^\d{4}$"), "CSCO 2022": re.compile(r"^\d-\d{2}-\d{2}-\d{2}$"),
         "SOC 2018": re.compile(r"^\d{2}-\d{4}$")}


def _titles(pack) -> pd.DataFrame:
    titles = pack.titles.dropna(subset=["title"]).copy()
    titles["weight"] = titles["confidence"].fillna(1.0) if "confidence" in titles else 1.0
    titles["key"] = titles["title"].str.lower().str.strip()
    return titles[titles["soc_code"].isin(pack.occupations["soc_code"])]


def resolve_in_pack(text: str, pack, top: int = 5) -> Origin:
    """The pack occupation a code or title names; NotFoundError (with the closest titles) below
    :data:`MIN_CONFIDENCE`, InputError for an empty query."""
    query = str(text).strip()
    if not query:
        raise InputError(f"empty occupation: give a {pack.code_system} code or a job title")
    names = dict(zip(pack.occupations["soc_code"], pack.occupations["title"], strict=True))
    pattern = _CODE.get(pack.code_system)
    if query in names:
        return Origin(query, query, names[query], pack.code_system, 1.0, query)
    if pattern is not None and pattern.match(query):
        guess = closest(query, list(names))
        raise NotFoundError(f"{pack.code_system} code {query} is not an occupation of pack '{pack.name}'",
                            hint=f"did you mean {guess}?" if guess else None)
    titles = _titles(pack)
    key = query.lower()
    keys = titles["key"].drop_duplicates().tolist()
    close = difflib.get_close_matches(key, keys, n=top * 4, cutoff=0.3)
    ratio = {k: 1.0 if k == key else difflib.SequenceMatcher(None, key, k).ratio() for k in close}
    hits = titles[titles["key"].isin(ratio)].assign(match=lambda f: f["key"].map(ratio),
                                                   score=lambda f: f["match"] * f["weight"])
    best = hits.sort_values(["match", "score"], ascending=False).drop_duplicates("soc_code")
    best = best[best["match"] >= best["match"].max() - 1e-9] if len(best) else best
    best = best.sort_values("score", ascending=False).head(top)
    if best.empty or best["match"].iloc[0] < MIN_CONFIDENCE:
        suggestions = "; ".join(f"{r.title} ({r.soc_code})" for r in best.itertuples())
        score = float(best["match"].iloc[0]) if len(best) else 0.0
        raise NotFoundError(f"unknown occupation '{query}' in pack '{pack.name}' (best confidence {score:.2f} < "
                            f"{MIN_CONFIDENCE})", hint=f"closest titles: {suggestions}" if suggestions else None)
    first = best.iloc[0]
    others = [{"code": r.soc_code, "title": names[r.soc_code], "score": round(float(r.score), 3)}
              for r in best.iloc[1:4].itertuples()]
    return Origin(query, first["soc_code"], names[first["soc_code"]], f"title ({first['kind']})",
                  float(first["score"]), str(first["title"]), others)
