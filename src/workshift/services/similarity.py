"""Directional skill similarity between occupations, from O*NET (the ranking of career transitions).

For one domain D (skills, knowledge, work activities) the **coverage** of destination d by origin o is

    cov_D(o -> d) = sum_k min(L_ok, L_dk) * w_dk / sum_k L_dk * w_dk

with L the O*NET level of element k and w_dk the destination's importance of k rescaled to 0-1,
``(IM - 1) / 4`` (O*NET's own 0-100 standardisation divided by 100). It is the share of what the destination
needs, weighted by how much it matters there, that the origin already has; it is 1 when the origin meets
every level (``o >= d`` element by element) and is *directional*: a surgeon covers a nursing assistant's skills
far better than the reverse. For work activities the pack's level is the share of the occupation's tasks
in each generalised work activity (no importance scale), so w = 1 and the coverage is the overlap of two
task-share profiles. A destination that needs nothing in a domain (all levels 0) is fully covered.

The **score** is the weighted mean of the three coverages, with :data:`DOMAIN_WEIGHTS` (equal thirds, as Nesta's
Mapping Career Causeways gives equal weight to its skill and work-characteristic measures); a domain missing
for either occupation drops out and the weights of the others are renormalised. Occupations without any
O*NET vector get NaN and are never ranked. Everything is computed as dense matrices, chunked over origins.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from workshift import config
from workshift.files import atomic_path

DOMAINS = ("skills", "knowledge", "work_activities")
DOMAIN_WEIGHTS = {"skills": 1 / 3, "knowledge": 1 / 3, "work_activities": 1 / 3}
GAP_DOMAINS = ("skills", "knowledge")  # domains on O*NET's 0-7 level scale
MIN_GAP = 0.01  # levels; smaller differences are rounding noise of averaged O*NET ratings
_CACHE_VERSION = 1  # bump when the similarity's definition changes


@dataclass(frozen=True)
class SkillGap:
    """One element where the destination needs a higher level than the origin has (O*NET level 0-7)."""

    skill: str  # element name, e.g. 'Programming'
    gap: float  # destination level minus origin level (> 0)
    element_id: str
    domain: str  # 'skills' or 'knowledge'
    origin_level: float
    destination_level: float
    importance: float  # destination's importance, IM 1-5 (NaN when O*NET gives none)

    def to_dict(self) -> dict:
        return {"skill": self.skill, "gap": _round2(self.gap), "element_id": self.element_id, "domain": self.domain,
                "origin_level": _round2(self.origin_level), "destination_level": _round2(self.destination_level),
                "importance": _round2(self.importance)}


def _round2(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 2)


@dataclass(frozen=True)
class Domain:
    """One domain's matrices over a list of occupations (rows) and O*NET elements (columns)."""

    name: str
    element_ids: tuple[str, ...]
    element_names: tuple[str, ...]
    level: np.ndarray  # n x k, 0 where missing
    weight: np.ndarray  # n x k, importance rescaled to 0-1 (1 for work activities)
    importance: np.ndarray  # n x k, raw IM 1-5 (NaN where O*NET has none)
    present: np.ndarray  # n, bool: the occupation has this domain at all

    @property
    def mass(self) -> np.ndarray:
        """sum_k L_dk w_dk per occupation: what a destination asks for in this domain."""
        return (self.level * self.weight).sum(axis=1)


def _domain_from_long(part: pd.DataFrame, codes: pd.Index, name: str) -> Domain:
    """Matrices of one domain from long rows (one per occupation and element; the last of duplicates wins)."""
    part = part[part["level"].notna() | part["importance"].notna()]
    ids = pd.Index(sorted(part["element_id"].astype(str).unique()))
    names = part.drop_duplicates("element_id").set_index("element_id")["element_name"].reindex(ids)
    rows, cols = codes.get_indexer(part["soc_code"]), ids.get_indexer(part["element_id"].astype(str))
    keep = rows >= 0
    level = np.full((len(codes), len(ids)), np.nan)
    level[rows[keep], cols[keep]] = part["level"].to_numpy(dtype=float)[keep]
    imp = np.full(level.shape, np.nan)
    imp[rows[keep], cols[keep]] = part["importance"].to_numpy(dtype=float)[keep]
    present = np.isfinite(level).any(axis=1)
    if np.isfinite(imp).any():
        weight = np.clip((np.nan_to_num(imp, nan=1.0) - 1.0) / 4.0, 0.0, 1.0)
    else:
        weight = np.ones(level.shape)
    lv = np.clip(np.nan_to_num(level, nan=0.0), 0.0, None)
    return Domain(name, tuple(ids), tuple(names.fillna("").astype(str)), lv, weight * present[:, None], imp, present)


def _covered_mass(origin: np.ndarray, dest: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """sum_k min(o_k, d_k) w_dk for every (origin row, destination row).

    With w >= 0, min(o, d) w = min(o w, d w): one vectorised minimum and sum per origin row over all
    destinations (measured faster than larger origin blocks, whose temporaries leave the cache).
    """
    weighted = dest * weight
    out = np.empty((origin.shape[0], dest.shape[0]))
    for i in range(origin.shape[0]):
        out[i] = np.minimum(origin[i][None, :] * weight, weighted).sum(axis=1)
    return out


def coverage(origin: np.ndarray, dest: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """cov(o -> d) for every origin row and destination row (origins x destinations).

    ``origin``: no x k levels; ``dest``, ``weight``: nd x k levels and destination weights.
    """
    origin = np.ascontiguousarray(origin, dtype=np.float64)
    dest = np.ascontiguousarray(dest, dtype=np.float64)
    weight = np.ascontiguousarray(weight, dtype=np.float64)
    mass = (dest * weight).sum(axis=1)
    covered = _covered_mass(origin, dest, weight)
    share = np.divide(covered, mass[None, :], out=np.ones_like(covered), where=mass[None, :] > 0)
    return np.clip(share, 0.0, 1.0)


def _impute_from_groups(dom: Domain, groups: list[np.ndarray]) -> tuple[Domain, np.ndarray]:
    """Fill occupations lacking a domain with the mean vector of their SOC group (finest group with data)."""
    level, importance, present = dom.level.copy(), dom.importance.copy(), dom.present.copy()
    imputed = np.zeros(len(present), dtype=bool)
    for group in groups:
        todo = np.flatnonzero(~present)
        if not len(todo):
            break
        frame = pd.DataFrame(dom.level[dom.present]).groupby(group[dom.present]).mean()
        imp = pd.DataFrame(dom.importance[dom.present]).groupby(group[dom.present]).mean()
        for i in todo:
            if group[i] in frame.index:
                level[i] = frame.loc[group[i]].to_numpy()
                importance[i] = imp.loc[group[i]].to_numpy()
                present[i] = imputed[i] = True
    weight = dom.weight.copy()
    if np.isfinite(dom.importance).any():
        weight[imputed] = np.clip((np.nan_to_num(importance[imputed], nan=1.0) - 1.0) / 4.0, 0.0, 1.0)
    else:
        weight[imputed] = 1.0
    return Domain(dom.name, dom.element_ids, dom.element_names, level, weight, importance, present), imputed


class SkillSpace:
    """O*NET vectors of a list of occupations and the directional similarity between them."""

    def __init__(self, codes: list[str], domains: dict[str, Domain],
                 weights: dict[str, float] | None = None, imputed: np.ndarray | None = None) -> None:
        self.codes = pd.Index(codes)
        self.domains = domains
        self.weights = dict(weights or DOMAIN_WEIGHTS)
        # occupations whose O*NET vectors (in some domain) are their SOC group's mean
        self.imputed = imputed if imputed is not None else np.zeros(len(codes), dtype=bool)
        self._full: np.ndarray | None = None
        self._parts: dict[str, np.ndarray] = {}

    @classmethod
    def from_pack(cls, pack, impute: bool = True) -> SkillSpace:
        """From a region pack's long ``skills`` table (see docs/pack.md), over all its occupations.

        The pack fills an occupation that O*NET does not rate in a domain with its SOC group's mean vector
        (column ``imputed``); with ``impute``, any occupation still missing a domain (an older pack) gets the
        same rule here: the mean of its SOC broad group, else minor group, else major group.
        """
        occupations = pack.occupations
        codes = pd.Index(occupations["soc_code"])
        skills = pack.skills
        domains: dict[str, Domain] = {}
        imputed = np.zeros(len(codes), dtype=bool)
        groups = [occupations[g].to_numpy() for g in ("broad_group", "minor_group", "major_group")]
        for name in DOMAINS:
            part = skills[skills["domain"] == name]
            if part.empty:
                continue
            dom = _domain_from_long(part, codes, name)
            if "imputed" in part.columns:  # the pack's own imputation (docs/pack.md), flagged per row
                imputed |= codes.isin(part.loc[part["imputed"].fillna(False).astype(bool), "soc_code"])
            if impute:
                dom, filled = _impute_from_groups(dom, groups)
                imputed |= filled
            domains[name] = dom
        # O*NET uses 'Mathematics' for a skill and a knowledge area: name the knowledge one apart
        skill_names = set(domains["skills"].element_names) if "skills" in domains else set()
        if "knowledge" in domains:
            dom = domains["knowledge"]
            names = tuple(f"{n} (knowledge)" if n in skill_names else n for n in dom.element_names)
            domains["knowledge"] = replace(dom, element_names=names)
        return cls(codes.tolist(), domains, imputed=imputed)

    @classmethod
    def for_pack(cls, pack, home: str | Path | None = None) -> SkillSpace:
        """:meth:`from_pack` with every matrix computed once per pack file and kept under
        ``$WORKSHIFT_HOME/cache/transitions/`` (keyed by the pack file's path, size and time, and this code's
        cache version), so a new process loads the n x n scores instead of recomputing them."""
        path = getattr(pack, "path", None)
        if path is None or not Path(path).is_file():
            return cls.from_pack(pack)
        stat = Path(path).stat()
        key = hashlib.sha256(f"{_CACHE_VERSION}|{Path(path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}|"
                             f"{pack.meta.get('built')}|{sorted(DOMAIN_WEIGHTS.items())}".encode()).hexdigest()[:24]
        target = config.home(home) / "cache" / "transitions" / f"{key}.npz"
        if target.is_file():
            try:
                return cls._load(target)
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache is rebuilt below
        space = cls.from_pack(pack)
        space.full()
        space._save(target)
        return space

    def _save(self, target: Path) -> None:
        arrays: dict[str, np.ndarray] = {"codes": np.asarray(self.codes, dtype=str), "imputed": self.imputed,
                                         "domains": np.asarray(list(self.domains), dtype=str),
                                         "weights": np.asarray([self.weights[d] for d in self.domains]),
                                         "full": self.full()}
        for name, dom in self.domains.items():
            arrays |= {f"{name}.ids": np.asarray(dom.element_ids, dtype=str),
                       f"{name}.names": np.asarray(dom.element_names, dtype=str), f"{name}.level": dom.level,
                       f"{name}.weight": dom.weight, f"{name}.importance": dom.importance,
                       f"{name}.present": dom.present, f"{name}.part": self._parts[name]}
        with atomic_path(target, suffix=".npz") as tmp:
            with open(tmp, "wb") as handle:
                np.savez(handle, **arrays)

    @classmethod
    def _load(cls, target: Path) -> SkillSpace:
        with np.load(target, allow_pickle=False) as data:
            names = [str(n) for n in data["domains"]]
            domains = {n: Domain(n, tuple(map(str, data[f"{n}.ids"])), tuple(map(str, data[f"{n}.names"])),
                                 data[f"{n}.level"], data[f"{n}.weight"], data[f"{n}.importance"],
                                 data[f"{n}.present"]) for n in names}
            space = cls([str(c) for c in data["codes"]], domains, dict(zip(names, map(float, data["weights"]),
                                                                          strict=True)), data["imputed"])
            space._full = data["full"]
            space._parts = {n: data[f"{n}.part"] for n in names}
        return space

    @classmethod
    def from_arrays(cls, codes: list[str], levels: dict[str, np.ndarray],
                    importance: dict[str, np.ndarray | None] | None = None,
                    weights: dict[str, float] | None = None) -> SkillSpace:
        """From plain arrays (n x k per domain); importance None means unweighted (like work activities)."""
        importance = importance or {}
        domains = {}
        for name, lv in levels.items():
            lv = np.clip(np.asarray(lv, dtype=float), 0.0, None)
            raw = importance.get(name)
            imp = np.full(lv.shape, np.nan) if raw is None else np.asarray(raw, dtype=float)
            weight = np.ones(lv.shape) if raw is None else np.clip((imp - 1.0) / 4.0, 0.0, 1.0)
            ids = tuple(f"{name}.{j}" for j in range(lv.shape[1]))
            domains[name] = Domain(name, ids, tuple(f"{name} {j}" for j in range(lv.shape[1])), lv, weight, imp,
                                   np.ones(lv.shape[0], dtype=bool))
        return cls(list(codes), domains, weights or {n: 1 / len(levels) for n in levels})

    def positions(self, codes: list[str] | pd.Index) -> np.ndarray:
        found = self.codes.get_indexer(pd.Index(codes))
        if (found < 0).any():
            missing = [c for c, i in zip(codes, found, strict=True) if i < 0]
            raise KeyError(f"occupations not in the skill space: {missing[:5]}")
        return found

    def domain_coverage(self, name: str, origins: np.ndarray | None = None,
                        dests: np.ndarray | None = None) -> np.ndarray:
        """cov_D for positions ``origins`` x ``dests`` (all when None); NaN where either lacks the domain."""
        dom = self.domains[name]
        o = slice(None) if origins is None else origins
        d = slice(None) if dests is None else dests
        cov = coverage(dom.level[o], dom.level[d], dom.weight[d])
        return np.where(dom.present[o][:, None] & dom.present[d][None, :], cov, np.nan)

    def similarity_block(self, origins: np.ndarray | None = None,
                         dests: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(score, coverage per domain) for positions ``origins`` x ``dests``."""
        parts = {name: self.domain_coverage(name, origins, dests) for name in self.domains}
        num = np.zeros(next(iter(parts.values())).shape)
        den = np.zeros_like(num)
        for name, cov in parts.items():
            w = self.weights.get(name, 0.0)
            ok = np.isfinite(cov)
            num += np.where(ok, cov * w, 0.0)
            den += np.where(ok, w, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        return score, parts

    def full(self) -> np.ndarray:
        """The n x n score matrix (origins in rows), computed once."""
        if self._full is None:
            self._full, self._parts = self.similarity_block()
        return self._full

    def part(self, name: str) -> np.ndarray:
        self.full()
        return self._parts[name]

    def similarity(self, origin_codes: list[str], dest_codes: list[str]) -> np.ndarray:
        """Scores for origin codes (rows) x destination codes (columns)."""
        o, d = self.positions(origin_codes), self.positions(dest_codes)
        return self.full()[np.ix_(o, d)]

    def has_vectors(self) -> np.ndarray:
        """Whether each occupation has at least one O*NET domain (otherwise it is never ranked)."""
        return np.any([dom.present for dom in self.domains.values()], axis=0)

    def gaps(self, origin: int, dest: int, min_gap: float = MIN_GAP) -> list[SkillGap]:
        """Skill and knowledge elements where the destination's level exceeds the origin's, largest first."""
        out: list[SkillGap] = []
        for name in GAP_DOMAINS:
            dom = self.domains.get(name)
            if dom is None or not (dom.present[origin] and dom.present[dest]):
                continue
            diff = dom.level[dest] - dom.level[origin]
            for j in np.flatnonzero(diff >= min_gap):
                out.append(SkillGap(dom.element_names[j], float(diff[j]), dom.element_ids[j], name,
                                    float(dom.level[origin, j]), float(dom.level[dest, j]),
                                    float(dom.importance[dest, j])))
        out.sort(key=lambda g: (-round(g.gap, 6), -(0.0 if math.isnan(g.importance) else g.importance), g.skill))
        return out
