"""Career transitions for AI-exposed workers: rank destinations, label them viable / desirable / safe.

Rules (``docs/transitions.md`` has the equations, the sources and the measured thresholds):

- **score**: the directional O*NET coverage of the destination by the origin (:mod:`.similarity`): what the
  worker can do, explainable skill by skill.
- **score_observed**: the probability that a mover from the origin goes to the destination, from a ranking
  model fitted to observed mobility (:mod:`.transitions_observed`, validated on held-out origins in
  :mod:`.transitions_validation`). Destinations are **ranked by score_observed** (ties by score, then code);
  a pack without an empirical mobility network ranks by score, and every answer says which (``ranked_by``).
- **viable**: score >= the viability threshold AND job zones at most :data:`JOB_ZONE_MAX_GAP` apart. The
  threshold is set the way Nesta's Mapping Career Causeways set theirs: the mean minus one standard deviation
  of the scores between different occupations of the same group, here the SOC 2018 broad occupation
  (NN-NNN0, the closest SOC analogue of the ISCO-08 unit group), both directions, occupations with imputed
  O*NET vectors left out. ``highly_viable``: score >= that within-group mean.
- **desirable**: destination pay (median annual wage, OEWS) >= :data:`WAGE_RATIO_MIN` x the origin's.
- **safe** on the chosen exposure index, by rule ``relative`` (default): exposure_change = destination minus
  origin <= -:data:`SAFE_MARGIN_SD` standard deviations of the index over the pack's occupations; or rule
  ``category`` (Nesta's): the destination is not a high-exposure occupation, i.e. its exposure is below the
  employment-weighted 75th percentile (the top quartile of workers by exposure). Under both rules a safe
  destination must also not be projected to decline: BLS 2022-32 projected employment change >=
  :data:`SAFE_MIN_GROWTH` (a destination without a projection is not safe).

The three flags are independent conditions; a "safe and desirable" transition (filter ``safe``) meets all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from workshift.context import Context, resolve
from workshift.errors import InputError, NotFoundError, closest
from workshift.services.similarity import DOMAIN_WEIGHTS, SkillGap, SkillSpace
from workshift.services.transitions_observed import FEATURE_INDEX, ObservedMobility

VIABILITY_GROUP = "broad_group"
WAGE_RATIO_MIN = 0.75  # Nesta: destination earnings at least 75% of the origin's
JOB_ZONE_MAX_GAP = 1  # Nesta: job zones at most one apart
SAFE_MARGIN_SD = 0.5  # 'clearly lower': half a standard deviation of the index over occupations
SAFE_MIN_GROWTH = -0.05  # 'not projected to decline': BLS 2022-32 change of at least -5% (the bar)
HIGH_EXPOSURE_SHARE = 0.25  # top quartile of workers by exposure
SAFE_RULES = ("relative", "category")
FILTERS = ("all", "viable", "safe")
DEFAULT_INDEX = "gpts_beta"


@dataclass(frozen=True)
class Thresholds:
    """The numbers behind the labels, with how each was set (goes into every output's metadata)."""

    viable: float  # score
    highly_viable: float  # score
    group: str
    group_pairs: int
    wage_ratio: float
    job_zone_gap: int
    index: str
    safe_rule: str
    safe_margin: float  # index units: safe (relative) when exposure_change <= -safe_margin
    safe_margin_sd: float
    high_exposure: float  # index units: high-exposure occupation when exposure >= this
    safe_min_growth: float = SAFE_MIN_GROWTH  # fraction: safe only if projected growth 2022-32 >= this
    ranked_by: str = "score"  # 'score_observed' when the observed-mobility model is available

    def to_dict(self) -> dict:
        return {key: (round(value, 4) if isinstance(value, float) else value)
                for key, value in self.__dict__.items()}


def top_share_threshold(values: np.ndarray, weights: np.ndarray, share: float = HIGH_EXPOSURE_SHARE) -> float:
    """The lowest value of the top ``share`` of weight: occupations at or above it hold about ``share`` of the
    workers (those whose lower-valued occupations already hold 1 - share of them); NaN values are ignored."""
    ok = np.isfinite(values) & np.isfinite(weights) & (weights > 0)
    if not ok.any():
        return float("nan")
    order = np.argsort(values[ok], kind="stable")
    sorted_values, sorted_weights = values[ok][order], weights[ok][order]
    below = (np.cumsum(sorted_weights) - sorted_weights) / sorted_weights.sum()
    first = int(np.searchsorted(below, 1.0 - share - 1e-12))
    return float(sorted_values[min(first, len(sorted_values) - 1)])


def desirable(origin_wage: np.ndarray | float, dest_wage: np.ndarray | float,
              ratio: float = WAGE_RATIO_MIN) -> np.ndarray:
    """Destination pays at least ``ratio`` x the origin's wage (monotone in the destination's wage)."""
    return np.asarray(dest_wage) >= ratio * np.asarray(origin_wage)


def viable(score: np.ndarray, origin_zone: np.ndarray, dest_zone: np.ndarray, threshold: float,
           max_gap: int = JOB_ZONE_MAX_GAP) -> np.ndarray:
    return (np.nan_to_num(np.asarray(score, dtype=float), nan=-1.0) >= threshold) & (
        np.abs(np.asarray(dest_zone) - np.asarray(origin_zone)) <= max_gap)


@dataclass
class Transition:
    """One ranked destination for an origin."""

    code: str
    title: str
    score: float
    viable: bool
    desirable: bool
    safe: bool
    wage_ratio: float | None
    exposure_change: float | None
    growth: float | None  # projected employment change 2022-32, fraction
    skill_gaps: list[SkillGap]
    score_observed: float | None = None  # observed-mobility probability (None without the model)
    safe_exposure: bool = False  # the exposure condition of safe
    not_declining: bool = False  # the growth condition of safe
    ranked_by: str = "score"
    highly_viable: bool = False
    coverage: dict[str, float] = field(default_factory=dict)
    job_zone: float | None = None
    job_zone_change: float | None = None
    wage: float | None = None
    exposure: float | None = None
    self_employment_share: float | None = None
    imputed_skills: bool = False
    explanation: str = ""
    training: object | None = None  # a training.TrainingPlan when recommendations were asked for

    def to_dict(self) -> dict:
        out = {
            "code": self.code, "title": self.title, "score": _round(self.score),
            "score_observed": _round(self.score_observed, 6), "ranked_by": self.ranked_by, "viable": self.viable,
            "desirable": self.desirable, "safe": self.safe, "wage_ratio": _round(self.wage_ratio),
            "exposure_change": _round(self.exposure_change),
            "skill_gaps": [{"skill": g.skill, "gap": round(g.gap, 2)} for g in self.skill_gaps],
            "growth": _round(self.growth), "highly_viable": self.highly_viable,
            "coverage": {k: _round(v) for k, v in self.coverage.items()},
            "job_zone": self.job_zone, "job_zone_change": self.job_zone_change, "wage": _round(self.wage, 0),
            "exposure": _round(self.exposure), "self_employment_share": _round(self.self_employment_share),
            "imputed_skills": self.imputed_skills, "safe_exposure": self.safe_exposure,
            "not_declining": self.not_declining, "explanation": self.explanation,
        }
        if self.training is not None:
            out["training"] = self.training.to_dict()
        return out


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)


class TransitionModel:
    """Career transitions over a region pack's occupations (see the module docstring for the rules).

    Build once per (pack, index, safe rule): the n x n similarity matrix and the label thresholds are computed
    here, so that :meth:`rank` is a row lookup, a sort and a few skill-gap lists.
    """

    def __init__(self, pack, index: str = DEFAULT_INDEX, safe_rule: str = "relative",
                 space: SkillSpace | None = None, observed: bool = True, *, context: Context | None = None) -> None:
        indices = pack.exposure_indices["index"].tolist()
        if index not in indices:
            guess = closest(index, indices)
            raise NotFoundError(f"unknown exposure index '{index}' in pack '{pack.name}'",
                                hint=f"did you mean '{guess}'?" if guess else f"available: {', '.join(indices)}")
        if safe_rule not in SAFE_RULES:
            raise InputError(f"unknown safe rule '{safe_rule}' (expected one of: {', '.join(SAFE_RULES)})")
        self.pack = pack
        self.index = index
        self.safe_rule = safe_rule
        self.context = resolve(context)  # the store its caches live in, and where its occupations are resolved
        occ = pack.occupations.reset_index(drop=True)
        self.occupations = occ
        self.codes = pd.Index(occ["soc_code"])
        self.titles = occ["title"].to_numpy()
        wage = occ["wage_median"].astype(float)
        self.wage = wage.fillna(occ["wage_mean"].astype(float)).to_numpy()
        self.job_zone = occ["job_zone"].astype(float).to_numpy()
        self.growth = occ["growth_2022_32"].astype(float).to_numpy()
        self.self_employment = occ["self_employment_share"].astype(float).to_numpy()
        self.employment = occ["employment"].astype(float).to_numpy()
        self.exposure = pack.exposure_wide()[index].reindex(self.codes).astype(float).to_numpy()
        self.space = space if space is not None else SkillSpace.for_pack(pack, home=self.context.home)
        if list(self.space.codes) != list(self.codes):
            raise InputError("the skill space must list the pack's occupations in the pack's order")
        self.scores = self.space.full()
        self.rankable = self.space.has_vectors()
        wide = pack.exposure_wide()
        feature_index = FEATURE_INDEX if FEATURE_INDEX in wide.columns else index
        self.observed = ObservedMobility.for_pack(
            pack, self.space, wide[feature_index].reindex(self.codes).astype(float).to_numpy(),
            home=self.context.home) if observed else None
        self.thresholds = self._thresholds()

    # -- thresholds and labels ------------------------------------------------------------------------
    def _thresholds(self) -> Thresholds:
        group = self.occupations[VIABILITY_GROUP].to_numpy()
        observed = self.rankable & ~self.space.imputed
        same = (group[:, None] == group[None, :]) & observed[:, None] & observed[None, :]
        np.fill_diagonal(same, False)
        values = self.scores[same & np.isfinite(self.scores)]
        if len(values) < 2:
            raise InputError(f"too few occupation pairs within a {VIABILITY_GROUP} to set the viability threshold")
        mean, sd = float(values.mean()), float(values.std())
        exposure = self.exposure[np.isfinite(self.exposure)]
        margin = SAFE_MARGIN_SD * float(exposure.std()) if len(exposure) else float("nan")
        high = top_share_threshold(self.exposure, self.employment)
        return Thresholds(viable=mean - sd, highly_viable=mean, group=VIABILITY_GROUP, group_pairs=int(len(values)),
                          wage_ratio=WAGE_RATIO_MIN, job_zone_gap=JOB_ZONE_MAX_GAP, index=self.index,
                          safe_rule=self.safe_rule, safe_margin=margin, safe_margin_sd=SAFE_MARGIN_SD,
                          high_exposure=high, safe_min_growth=SAFE_MIN_GROWTH,
                          ranked_by="score" if self.observed is None else "score_observed")

    @cached_property
    def high_exposure(self) -> np.ndarray:
        """Occupations in the top quartile of workers by exposure on the chosen index."""
        return np.nan_to_num(self.exposure, nan=-np.inf) >= self.thresholds.high_exposure

    @property
    def score_observed(self) -> np.ndarray | None:
        """n x n observed-mobility probabilities (origins in rows), None without the model."""
        return None if self.observed is None else self.observed.probability

    def not_declining(self, dests: np.ndarray) -> np.ndarray:
        """Destinations projected to change by at least SAFE_MIN_GROWTH over 2022-32 (unknown: False)."""
        growth = self.growth[dests]
        return np.isfinite(growth) & (np.nan_to_num(growth, nan=-np.inf) >= self.thresholds.safe_min_growth)

    def safe(self, origins: np.ndarray, dests: np.ndarray, rule: str | None = None) -> np.ndarray:
        """Safe flags for positions origins (rows) x dests (columns) under ``rule`` (default: the model's):
        the exposure condition of the rule and not projected to decline."""
        return self.safe_exposure(origins, dests, rule) & self.not_declining(dests)[None, :]

    def safe_exposure(self, origins: np.ndarray, dests: np.ndarray, rule: str | None = None) -> np.ndarray:
        """The exposure condition of safe alone, for positions origins (rows) x dests (columns)."""
        rule = rule or self.safe_rule
        exp_o, exp_d = self.exposure[origins][:, None], self.exposure[dests][None, :]
        if rule == "relative":
            with np.errstate(invalid="ignore"):
                out = (exp_d - exp_o) <= -self.thresholds.safe_margin
        elif rule == "category":
            out = np.broadcast_to(~self.high_exposure[dests][None, :], (len(origins), len(dests)))
        else:
            raise InputError(f"unknown safe rule '{rule}' (expected one of: {', '.join(SAFE_RULES)})")
        return out & np.isfinite(exp_o) & np.isfinite(exp_d)

    def labels(self, origins: np.ndarray | None = None, dests: np.ndarray | None = None,
               safe_rule: str | None = None) -> dict[str, np.ndarray]:
        """Boolean matrices ``viable``, ``desirable``, ``safe`` for positions origins x dests (all when None).

        An occupation is never its own transition, and one without O*NET vectors is never viable.
        """
        o = np.arange(len(self.codes)) if origins is None else np.asarray(origins)
        d = np.arange(len(self.codes)) if dests is None else np.asarray(dests)
        score = self.scores[np.ix_(o, d)]
        ok = (o[:, None] != d[None, :]) & self.rankable[o][:, None] & self.rankable[d][None, :]
        return {
            "viable": viable(score, self.job_zone[o][:, None], self.job_zone[d][None, :],
                             self.thresholds.viable) & ok,
            "desirable": desirable(self.wage[o][:, None], self.wage[d][None, :]) & ok,
            "safe": self.safe(o, d, safe_rule) & ok,
        }

    # -- queries -------------------------------------------------------------------------------------
    def position(self, code: str) -> int:
        where = self.codes.get_indexer([code])[0]
        if where < 0:
            guess = closest(code, self.codes.tolist())
            raise NotFoundError(f"occupation '{code}' is not in pack '{self.pack.name}'",
                                hint=f"did you mean '{guess}'?" if guess else None)
        return int(where)

    def similarity(self, origin_codes: list[str], dest_codes: list[str]) -> np.ndarray:
        """Directional scores, origins in rows, destinations in columns."""
        return self.space.similarity(list(origin_codes), list(dest_codes))

    def skill_gaps(self, origin: str, dest: str) -> list[SkillGap]:
        """Skill and knowledge gaps (O*NET level 0-7) of moving from ``origin`` to ``dest``, largest first."""
        return self.space.gaps(self.position(origin), self.position(dest))

    def rank(self, origin: str, top: int | None = 10, filter: str = "safe") -> list[Transition]:
        """Destinations for ``origin`` (a pack SOC code), best score first (ties by code), after ``filter``."""
        if filter not in FILTERS:
            raise InputError(f"unknown filter '{filter}' (expected one of: {', '.join(FILTERS)})")
        if top is not None and top < 1:
            raise InputError(f"top must be at least 1 (got {top})", parameter="top")
        i = self.position(origin)
        if not self.rankable[i]:
            raise NotFoundError(f"occupation {origin} has no O*NET skill, knowledge or work-activity ratings")
        dests = np.flatnonzero(self.rankable & (np.arange(len(self.codes)) != i))
        lab = {k: v[0] for k, v in self.labels(np.array([i]), dests).items()}
        keep = np.ones(len(dests), dtype=bool)
        if filter in ("viable", "safe"):
            keep &= lab["viable"]
        if filter == "safe":
            keep &= lab["desirable"] & lab["safe"]
        chosen = np.flatnonzero(keep)
        keys = [self.codes[dests[chosen]].to_numpy(), -self.scores[i, dests[chosen]]]
        if self.score_observed is not None:
            keys.append(-self.score_observed[i, dests[chosen]])
        chosen = chosen[np.lexsort(keys)][:top]
        return [self._transition(i, int(dests[c]), lab["viable"][c], lab["desirable"][c], lab["safe"][c])
                for c in chosen]

    def pair(self, origin: str, dest: str) -> Transition:
        """The labelled transition from ``origin`` to ``dest`` (pack SOC codes), whatever its rank."""
        i, j = self.position(origin), self.position(dest)
        lab = {k: bool(v[0, 0]) for k, v in self.labels(np.array([i]), np.array([j])).items()}
        return self._transition(i, j, lab["viable"], lab["desirable"], lab["safe"])

    def _transition(self, i: int, j: int, is_viable: bool, is_desirable: bool, is_safe: bool) -> Transition:
        score = float(self.scores[i, j])
        change = self.exposure[j] - self.exposure[i]
        return Transition(
            code=self.codes[j], title=str(self.titles[j]), score=score, viable=bool(is_viable),
            desirable=bool(is_desirable), safe=bool(is_safe), wage_ratio=float(self.wage[j] / self.wage[i]),
            exposure_change=float(change) if np.isfinite(change) else None,
            growth=float(self.growth[j]) if np.isfinite(self.growth[j]) else None,
            skill_gaps=self.space.gaps(i, j), highly_viable=bool(score >= self.thresholds.highly_viable),
            coverage={name: float(self.space.part(name)[i, j]) for name in self.space.domains},
            job_zone=_value(self.job_zone[j]), job_zone_change=_value(self.job_zone[j] - self.job_zone[i]),
            wage=float(self.wage[j]), exposure=_value(self.exposure[j]),
            self_employment_share=_value(self.self_employment[j]), imputed_skills=bool(self.space.imputed[j]),
            score_observed=None if self.score_observed is None else float(self.score_observed[i, j]),
            safe_exposure=bool(self.safe_exposure(np.array([i]), np.array([j]))[0, 0]),
            not_declining=bool(self.not_declining(np.array([j]))[0]), ranked_by=self.thresholds.ranked_by,
        )

    def profile(self, code: str) -> dict:
        """The origin's own facts, for headers and explanations."""
        i = self.position(code)
        return {"code": code, "title": str(self.titles[i]), "wage": _value(self.wage[i]),
                "job_zone": _value(self.job_zone[i]), "exposure": _value(self.exposure[i]),
                "high_exposure": bool(self.high_exposure[i]), "employment": _value(self.employment[i]),
                "imputed_skills": bool(self.space.imputed[i])}

    def meta(self) -> dict:
        """Data vintage and assumptions behind every answer of this model."""
        info = self.pack.exposure_indices.set_index("index").loc[self.index]
        return {
            "pack": self.pack.name, "pack_built": self.pack.meta.get("built"),
            "vintages": {k: v for k, v in self.pack.meta.get("vintages", {}).items()
                         if k in ("oews", "onet", "onet_derived", "bls_projections", "bls_self_employment",
                                  "gpts_are_gpts", "microsoft_working_with_ai", "ilo_genai", "aioe", "frey_osborne")},
            "index": {"name": self.index, "scale": str(info["scale"]), "description": str(info["description"]),
                      "source": str(info["source"])},
            "similarity": {"method": "directional importance-weighted O*NET level coverage",
                           "domain_weights": dict(DOMAIN_WEIGHTS)},
            "ranked_by": self.thresholds.ranked_by,
            "observed_mobility": None if self.observed is None else self.observed.meta,
            "thresholds": self.thresholds.to_dict(),
            "imputed_skill_vectors": int(self.space.imputed.sum()),
        }


def _value(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
