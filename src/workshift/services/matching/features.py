"""What matching needs from a region pack, computed once: skill vocabulary, occupation factor tables, embeddings.

- **Skill vocabulary**: the pack's O*NET elements (skills, knowledge, work activities; 105 for the US). A
  seeker's or vacancy's skills are a bit set over them (``W = ceil(K / 64)`` uint64 words per row).
- **Core skills** of an occupation (what a vacancy that lists no skills is taken to require): its
  :data:`CORE_SKILLS` skills/knowledge elements of highest O*NET importance among those rated at least
  :data:`CORE_MIN_IMPORTANCE` ("important" on O*NET's 1-5 scale), and never fewer than :data:`CORE_MIN`.
- **Importance weights** ``q[o, k]`` (whole numbers 1-7) of each element for each occupation:
  ``clip(round(1.4 IM), 1, 7)`` from O*NET importance IM (1-5; 4 where O*NET gives none, as for work
  activities). A vacancy needs its listed elements (weight at least :data:`LISTED_MIN_WEIGHT`, "important")
  **and** its occupation's core skills, so a vacancy listing one skill does not hand out full marks for it;
  the weights are stored as three bit planes, so the weighted coverage is three popcounts per word.
- **Transition feasibility** ``F[o, d]`` (0-1) from the career transitions service: the skills side
  ``F_cov = clip((T - (2 t_v - 1)) / (2 (1 - t_v)), 0, 1)`` rescales the directional O*NET similarity ``T`` so
  that the viability threshold ``t_v`` maps to 0.5 and a perfect cover to 1; the observed side
  ``F_obs = min(1, P[o, d] / P_10[o])`` is the observed-mobility probability relative to the origin's 10th
  most likely move (its ten likeliest moves get 1). ``F = sqrt(F_cov F_obs)`` (both must hold), 1 on the
  diagonal; without an observed-mobility model ``F = F_cov``.
- **AI-exposure safety** of an occupation (0-1): one minus its employment-weighted mid-rank on the chosen
  exposure index (0.5 = the median worker's exposure; 1 = less exposed than every worker).

See ``docs/matching.md`` for the equations and sources.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workshift.errors import NotFoundError, closest
from workshift.services.transitions import TransitionModel

CORE_SKILLS = 8
CORE_MIN_IMPORTANCE = 3.0  # O*NET importance 1-5: 3 = "important"
CORE_MIN = 3
LISTED_MIN_WEIGHT = 4  # a listed element is at least 'important' (O*NET IM 3 -> weight 4)
DEFAULT_WEIGHT = 4  # elements O*NET gives no importance for (work activities)
WEIGHT_PLANES = 3  # weights 1-7 as three bit planes
OBSERVED_RANK = 10  # F_obs = 1 for an origin's ten likeliest observed moves
DEFAULT_INDEX = "gpts_beta"  # the career transitions service's default exposure index
SKILL_DOMAINS = ("skills", "knowledge", "work_activities")
_DOMAIN_LABELS = {
    "skills": ("skill", "skills"),
    "knowledge": ("knowledge",),
    "work_activities": ("work activity", "work activities", "activity"),
}


def skill_key(text: str) -> str:
    """How a skill name or id is compared: NFKC, case-folded, inner spaces collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text)).casefold()).strip()


@dataclass
class SkillVocabulary:
    """The O*NET elements of a pack, and how a written skill (id or name) maps to them."""

    element_ids: list[str]
    element_names: list[str]
    domains: list[str]
    lookup: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def from_pack(cls, pack) -> SkillVocabulary:
        elements = pack.skills.drop_duplicates("element_id").sort_values("element_id")[
            ["element_id", "element_name", "domain"]
        ]
        ids, names, domains = (
            elements[c].astype(str).tolist() for c in ("element_id", "element_name", "domain")
        )
        lookup: dict[str, list[int]] = {}
        for j, (eid, name, dom) in enumerate(zip(ids, names, domains, strict=True)):
            # a name shared by two domains ('Mathematics': a skill and a knowledge area) means both
            keys = [eid, name] + [f"{name} ({label})" for label in _DOMAIN_LABELS.get(dom, ())]
            for key in keys:
                lookup.setdefault(skill_key(key), []).append(j)
        return cls(ids, names, domains, {k: tuple(sorted(set(v))) for k, v in lookup.items()})

    @property
    def size(self) -> int:
        return len(self.element_ids)

    @property
    def words(self) -> int:
        return max(1, -(-self.size // 64))

    def positions(self, token: str) -> tuple[int, ...] | None:
        return self.lookup.get(skill_key(token))

    def suggest(self, token: str) -> str | None:
        return closest(token, self.element_names)

    def bits(self, positions: list[int] | np.ndarray) -> np.ndarray:
        """One bit set (W uint64 words) for element positions."""
        out = np.zeros(self.words, dtype=np.uint64)
        for j in positions:
            out[j // 64] |= np.uint64(1) << np.uint64(j % 64)
        return out

    def names_of(self, words: np.ndarray) -> list[str]:
        """Element names of a bit set, in vocabulary order."""
        return [self.element_names[j] for j in unpack_bits(words[None, :], self.size)[0].nonzero()[0]]


def unpack_bits(bits: np.ndarray, size: int) -> np.ndarray:
    """n x W uint64 bit sets -> n x size booleans."""
    as_bytes = np.ascontiguousarray(bits, dtype="<u8").view(np.uint8).reshape(len(bits), -1)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :size].astype(bool)


def pack_bits(mask: np.ndarray) -> np.ndarray:
    """n x K booleans -> n x W uint64 bit sets (inverse of :func:`unpack_bits`)."""
    n, k = mask.shape
    words = max(1, -(-k // 64))
    padded = np.zeros((n, words * 64), dtype=bool)
    padded[:, :k] = mask
    return np.packbits(padded, axis=1, bitorder="little").view("<u8").astype(np.uint64)


def popcount(bits: np.ndarray) -> np.ndarray:
    """Number of set bits per row of an n x W uint64 array."""
    return np.bitwise_count(bits).sum(axis=1).astype(np.int32)


# -- transition feasibility -----------------------------------------------------------------------------
def transition_model(pack, index: str):
    """The career transitions service's model (directional O*NET similarity, thresholds, exposure)."""

    return TransitionModel(pack, index=index)


def feasibility(scores: np.ndarray, threshold: float, observed: np.ndarray | None = None) -> np.ndarray:
    """F: the skills side (viability threshold -> 0.5, perfect cover -> 1) and, when given, the observed side
    (probability relative to the origin's 10th likeliest move), combined by a geometric mean; 1 on the diagonal."""
    low = 2.0 * threshold - 1.0
    skills = np.clip((scores - low) / max(1.0 - low, 1e-9), 0.0, 1.0)
    if observed is None:
        return skills
    rank = min(OBSERVED_RANK, observed.shape[1]) - 1
    reference = -np.partition(-np.asarray(observed, dtype=float), rank, axis=1)[:, rank]
    seen = np.clip(np.divide(observed, reference[:, None], out=np.zeros(observed.shape),
                             where=reference[:, None] > 0), 0.0, 1.0)
    out = np.sqrt(skills * seen)
    np.fill_diagonal(out, 1.0)
    return out


def importance_weights(pack, codes: pd.Index, vocab: SkillVocabulary) -> np.ndarray:
    """occupations x elements whole-number weights 1-7 (see the module docstring)."""
    part = pack.skills.dropna(subset=["importance"])
    out = np.full((len(codes), vocab.size), DEFAULT_WEIGHT, dtype=np.int64)
    position = {eid: i for i, eid in enumerate(vocab.element_ids)}
    rows = codes.get_indexer(part["soc_code"])
    cols = part["element_id"].astype(str).map(position).fillna(-1).astype(int).to_numpy()
    ok = (rows >= 0) & (cols >= 0)
    out[rows[ok], cols[ok]] = np.clip(np.round(1.4 * part["importance"].to_numpy(dtype=float)[ok]), 1, 7)
    return out


def requirement_planes(listed: np.ndarray, is_listed: np.ndarray, occupation: np.ndarray, core_bits: np.ndarray,
                       weights: np.ndarray) -> np.ndarray:
    """n x (3 W) bit planes of each vacancy's weighted requirement: listed elements (weight >= 4) and the
    occupation's core skills (their own weight); plane b holds the elements whose weight has bit b."""
    size = weights.shape[1]
    q = weights[occupation]
    listed_mask = unpack_bits(listed, size) & is_listed[:, None]
    need = listed_mask | unpack_bits(core_bits[occupation], size)
    q = np.where(listed_mask, np.maximum(q, LISTED_MIN_WEIGHT), q) * need
    return np.hstack([pack_bits(((q >> b) & 1).astype(bool)) for b in range(WEIGHT_PLANES)])


def plane_weights(planes: np.ndarray, words: int) -> np.ndarray:
    """n x (words * 64) element weights from bit planes (inverse of :func:`requirement_planes`' packing)."""
    out = np.zeros((len(planes), words * 64))
    for b in range(planes.shape[1] // words):
        out += unpack_bits(planes[:, b * words:(b + 1) * words], words * 64) * float(1 << b)
    return out


def plane_union(planes: np.ndarray, words: int) -> np.ndarray:
    """The set of required elements (any weight) from bit planes."""
    out = planes[:, :words].copy()
    for b in range(1, planes.shape[1] // words):
        out |= planes[:, b * words:(b + 1) * words]
    return out


def exposure_safety(exposure: np.ndarray, employment: np.ndarray) -> np.ndarray:
    """1 - employment-weighted mid-rank of each occupation's exposure (0.5 where exposure is unknown)."""
    ok = np.isfinite(exposure)
    weight = np.where(ok & np.isfinite(employment), np.clip(employment, 0, None), 0.0)
    if weight.sum() <= 0:
        weight = ok.astype(float)
    order = np.argsort(np.where(ok, exposure, np.inf), kind="stable")
    values, weights = exposure[order], weight[order]
    total = weights.sum()
    out = np.full(len(exposure), 0.5)
    below = np.searchsorted(values[ok[order]], exposure[ok], side="left")
    upto = np.searchsorted(values[ok[order]], exposure[ok], side="right")
    cum = np.concatenate([[0.0], np.cumsum(weights[ok[order]])])
    out[ok] = 1.0 - (cum[below] + 0.5 * (cum[upto] - cum[below])) / total
    return out


@dataclass
class MatchContext:
    """Everything matching reads from a region pack, in pack occupation order (see the module docstring)."""

    pack_name: str
    codes: pd.Index  # SOC codes of the pack's occupations
    titles: np.ndarray
    vocabulary: SkillVocabulary
    core_bits: np.ndarray  # occupations x W
    skill_weights: np.ndarray  # occupations x elements, whole numbers 1-7
    similarity: np.ndarray  # occupations x occupations, directional O*NET similarity
    viability: float  # similarity threshold of a viable transition
    feasibility: np.ndarray  # occupations x occupations, float32, 0-1
    observed: np.ndarray | None  # occupations x occupations observed-mobility probability (None: no model)
    exposure: np.ndarray  # occupations, on ``index``
    safety: np.ndarray  # occupations, 0-1
    index: str
    states: list[str]
    reference_wage: dict[tuple[str, str], float]  # (state, soc) -> OEWS mean annual wage
    national_wage: np.ndarray  # occupations, OEWS mean annual wage
    meta: dict
    currency: str = "USD"  # of the wages (the pack's, ISO 4217)

    @classmethod
    def from_pack(cls, pack, index: str = DEFAULT_INDEX) -> MatchContext:
        indices = pack.exposure_indices["index"].tolist()
        if index not in indices:
            guess = closest(index, indices)
            raise NotFoundError(
                f"unknown exposure index '{index}' in pack '{pack.name}'",
                hint=f"did you mean '{guess}'?" if guess else f"available: {', '.join(indices)}",
            )
        occ = pack.occupations.reset_index(drop=True)
        codes = pd.Index(occ["soc_code"].astype(str))
        vocab = SkillVocabulary.from_pack(pack)
        model = transition_model(pack, index)
        if list(model.codes) != list(codes):
            raise ValueError("the transitions model must list the pack's occupations in the pack's order")
        scores, threshold = np.asarray(model.scores, dtype=float), float(model.thresholds.viable)
        exposure = np.asarray(model.exposure, dtype=float)
        employment = occ["employment"].to_numpy(dtype=float)
        state = pack.state_employment.dropna(subset=["wage_mean"])
        ref = dict(
            zip(
                zip(state["state"], state["soc_code"], strict=True),
                state["wage_mean"].astype(float),
                strict=True,
            )
        )
        info = pack.exposure_indices.set_index("index").loc[index]
        meta = {
            "pack": pack.name,
            "pack_built": pack.meta.get("built"),
            "currency": getattr(pack, "currency", "USD"),
            "vintages": {
                k: v
                for k, v in pack.meta.get("vintages", {}).items()
                if k
                in (
                    "oews",
                    "onet",
                    "onet_derived",
                    "gpts_are_gpts",
                    "microsoft_working_with_ai",
                    "ilo_genai",
                    "aioe",
                    "frey_osborne",
                )
            },
            "transition_similarity": {"source": "workshift.services.transitions.TransitionModel",
                                      "method": model.meta()["similarity"]["method"],
                                      "viability_threshold": round(threshold, 4),
                                      "observed_mobility": model.thresholds.ranked_by == "score_observed",
                                      "feasibility": "sqrt(F_cov x F_obs), F_obs = min(1, P / P_10th)"
                                      if model.score_observed is not None else "F_cov"},
            "exposure_index": {"name": index, "scale": str(info["scale"]), "source": str(info["source"])},
        }
        return cls(
            pack_name=pack.name,
            codes=codes,
            titles=occ["title"].astype(str).to_numpy(),
            vocabulary=vocab,
            core_bits=_core_bits(pack, codes, vocab),
            skill_weights=importance_weights(pack, codes, vocab),
            similarity=scores,
            viability=threshold,
            feasibility=feasibility(scores, threshold, model.score_observed).astype(np.float32),
            observed=model.score_observed,
            exposure=exposure,
            safety=exposure_safety(exposure, employment),
            index=index,
            states=sorted(pack.state_employment["state"].astype(str).unique()),
            reference_wage=ref,
            national_wage=occ["wage_mean"].to_numpy(dtype=float),
            currency=getattr(pack, "currency", "USD"),
            meta=meta,
        )

    def state_position(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.states)}

    def wage_reference(self, states: np.ndarray, occupations: np.ndarray) -> np.ndarray:
        """OEWS mean annual wage of each (state, occupation position); national mean where the state has none."""
        codes = self.codes.to_numpy()[occupations]
        found = np.array(
            [self.reference_wage.get((s, c), np.nan) for s, c in zip(states, codes, strict=True)]
        )
        return np.where(np.isfinite(found), found, self.national_wage[occupations])


def _core_bits(pack, codes: pd.Index, vocab: SkillVocabulary) -> np.ndarray:
    part = pack.skills[pack.skills["domain"].isin(["skills", "knowledge"])]
    part = part.dropna(subset=["importance"]).sort_values(
        ["soc_code", "importance", "element_id"], ascending=[True, False, True]
    )
    part = part.assign(rank=part.groupby("soc_code").cumcount())
    keep = (part["rank"] < CORE_MIN) | (
        (part["rank"] < CORE_SKILLS) & (part["importance"] >= CORE_MIN_IMPORTANCE)
    )
    part = part[keep]
    position = {eid: i for i, eid in enumerate(vocab.element_ids)}
    mask = np.zeros((len(codes), vocab.size), dtype=bool)
    rows = codes.get_indexer(part["soc_code"])
    ok = rows >= 0
    mask[rows[ok], part["element_id"].map(position).to_numpy()[ok]] = True
    return pack_bits(mask)
