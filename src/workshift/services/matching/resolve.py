"""Occupation values of seeker and vacancy files -> occupations of the region pack, each distinct value once.

The project's resolver is :func:`workshift.services.lookup.resolve_occupation` (``docs/occupations.md``):
SOC 2018/2010, O*NET-SOC, ISCO-08 and CSCO 2022 codes, and English or Chinese titles, with a confidence;
below its ``MIN_CONFIDENCE`` a value is unknown and comes with suggestions. Matching calls it once per
*distinct* value. The common case, a SOC 2018 or O*NET-SOC code of a pack occupation, is answered from the
pack's tables directly (the same answer the resolver gives, confidence 1; tested), because a file of a
million seekers carries hundreds of distinct codes and one resolver call costs about 0.1 s.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from workshift.context import Context, resolve
from workshift.data.codes import looks_like_code, parse_code
from workshift.errors import InputError, WorkshiftError
from workshift.services.lookup import resolve_occupation


@dataclass(frozen=True)
class Resolution:
    """What one distinct occupation value resolved to (``soc_code`` None when it did not)."""

    value: str
    soc_code: str | None
    method: str  # how it was read: 'soc2018', 'onet', ..., 'title_en', 'title_zh', or 'unresolved'
    confidence: float  # 1 for codes of the pack; the resolver's confidence otherwise
    matched: str  # what it matched: the code, or the title route
    problem: str = ""  # why it did not resolve
    hint: str = ""


class OccupationResolver:
    """Resolves values against one pack and remembers every value it has seen."""

    def __init__(self, pack, data_dir=None, home=None, *, context: Context | None = None) -> None:
        self.pack = pack
        self.context = resolve(context, data_dir, home)
        occ = pack.occupations
        self.codes = set(occ["soc_code"].astype(str))
        self.aggregates = set(occ.loc[occ["is_aggregate"].astype(bool), "soc_code"].astype(str))
        titles = pack.titles.dropna(subset=["onet_code", "soc_code"])
        self.onet = dict(zip(titles["onet_code"].astype(str), titles["soc_code"].astype(str), strict=True))
        self._seen: dict[str, Resolution] = {}

    def resolve_many(self, values: pd.Series) -> pd.DataFrame:
        """One row per distinct value: value, soc_code, method, confidence, matched, problem, hint."""
        distinct = pd.unique(values.dropna().astype(str).to_numpy())
        rows = [self.resolve(v) for v in distinct]
        return pd.DataFrame([r.__dict__ for r in rows],
                            columns=["value", "soc_code", "method", "confidence", "matched", "problem", "hint"])

    def resolve(self, value: str) -> Resolution:
        if value not in self._seen:
            self._seen[value] = self._pack_code(value) or self._lookup(value)
        return self._seen[value]

    def _pack_code(self, value: str) -> Resolution | None:
        """A SOC 2018 or O*NET-SOC code of a pack occupation (else None: the resolver decides)."""
        if not looks_like_code(value):
            return None
        try:
            system, code = parse_code(value)
        except InputError:
            return None
        if system == "soc2018":
            broad = code[:6] + "0"
            found = code if code in self.codes else (broad if broad in self.aggregates else None)
        elif system == "onet":
            found = self.onet.get(code) or (code[:7] if code[:7] in self.codes else None)
        else:
            found = None
        return Resolution(value, found, system, 1.0, code) if found else None

    def _lookup(self, value: str) -> Resolution:

        try:
            found = resolve_occupation(value, self.pack, context=self.context)
        except WorkshiftError as exc:
            return Resolution(value, None, "unresolved", 0.0, "", exc.message, exc.hint or "")
        if not found.known or found.soc_code not in self.codes:
            hint = ("closest: " + "; ".join(found.suggestions[:3])) if found.suggestions else ""
            return Resolution(value, None, "unresolved", float(found.confidence), found.matched,
                              f"no occupation matches well enough (confidence {found.confidence:.2f})", hint)
        return Resolution(value, found.soc_code, found.system, float(found.confidence), found.matched)
