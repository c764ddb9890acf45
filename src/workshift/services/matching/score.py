"""The match score of a (seeker, vacancy) pair: five factors in 0-1 and their weighted sum.

    score = w_skill x skill_coverage + w_trans x transition_feasibility + w_loc x location
            + w_pay x pay + w_safe x ai_exposure_safety

- ``skill_coverage``: importance-weighted share of what the vacancy needs that the seeker lists,
  sum_{k in S n R} q_k / sum_{k in R} q_k, with R the listed skills plus the occupation's core skills and q the
  importance weights 1-7 (``features.requirement_planes``). An empty profile covers nothing.
- ``transition_feasibility``: F[seeker occupation, vacancy occupation] (``features.feasibility``: skills
  coverage and observed mobility).
- ``location``: 1 in the seeker's state, else 0 (the pack's finest geography).
- ``pay``: clip(2 w / d - 1, 0, 1) for vacancy wage w and desired wage d: 1 from the desired wage up, 0 at
  half of it or less (1 when d = 0); 0 when the vacancy states no pay (w = 0 or missing).

Two **gates**: the pay gate (the vacancy states a pay of at least :data:`PAY_SHARE` x the desired wage) and
the move gate (the same occupation, or F >= :data:`FEASIBLE`, a move at least as feasible as a just-viable
one). A pair failing either loses :data:`GATE_PENALTY`, more than 1 - GOOD_MATCH, so it is never a good match
and ranks below comparable pairs that pass. Weights sum to 1. A *good match* has score >= :data:`GOOD_MATCH`;
since the other factors can add at most 1 - w_skill < GOOD_MATCH, a seeker must cover some required skills.
Ties are broken by the vacancy's position in the id-sorted vacancy list (then the seeker's), so rankings are
deterministic. All pair kernels are numba-compiled and read only the arrays of :class:`Tables`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numba
import numpy as np

from workshift.errors import InputError
from workshift.services.matching.features import plane_union, plane_weights, requirement_planes

FACTORS = ("skill_coverage", "transition_feasibility", "location", "pay", "ai_exposure_safety")
GOOD_MATCH = 0.70
PAY_SHARE = 0.9  # a good match pays at least 90% of the seeker's desired (reservation) wage
FEASIBLE = 0.5  # feasibility of a just-viable transition
GATE_PENALTY = 0.35  # > 1 - GOOD_MATCH: a pair failing a gate cannot be a good match


@dataclass(frozen=True)
class Weights:
    """Weights of the five factors (dimensionless, sum to 1; chosen, not estimated: see docs/matching.md)."""

    skill_coverage: float = 0.35
    transition_feasibility: float = 0.25
    location: float = 0.15
    pay: float = 0.15
    ai_exposure_safety: float = 0.10

    def __post_init__(self) -> None:
        values = np.array(self.as_array())
        if (values < 0).any() or abs(values.sum() - 1.0) > 1e-6:
            raise InputError(f"factor weights must be >= 0 and sum to 1 (got {dict(self.to_dict())})")
        if 1.0 - self.skill_coverage >= GOOD_MATCH:
            raise InputError(
                f"the skill weight must exceed {1 - GOOD_MATCH:.2f} so that an empty profile "
                f"cannot reach a good match ({GOOD_MATCH})"
            )

    def as_array(self) -> np.ndarray:
        return np.array([getattr(self, f) for f in FACTORS], dtype=np.float64)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def parse(cls, text: str | None) -> Weights:
        """'skill_coverage=0.4,location=0.1,...' (unnamed factors keep their defaults)."""
        if not text:
            return cls()
        values = {}
        for part in text.split(","):
            name, _, value = part.partition("=")
            name = name.strip()
            if name not in FACTORS:
                raise InputError(f"unknown factor '{name}' in `weights` (expected: {', '.join(FACTORS)})",
                                 parameter="weights")
            try:
                values[name] = float(value)
            except ValueError:
                raise InputError(f"weight of '{name}' is not a number: '{value}'") from None
        return cls(**values)


@dataclass
class Tables:
    """The arrays the pair kernels read (seekers side s_*, vacancies side v_*, occupation tables)."""

    s_occ: np.ndarray  # int32
    s_state: np.ndarray  # int16
    s_wage: np.ndarray  # float64, desired
    s_bits: np.ndarray  # n x W uint64
    v_occ: np.ndarray
    v_state: np.ndarray
    v_wage: np.ndarray
    v_bits: np.ndarray  # n x 3W uint64: bit planes of the importance-weighted requirement
    v_inv_required: np.ndarray  # 1 / Q (sum of the requirement's weights)
    v_static: np.ndarray  # w_safe x safety of the vacancy's occupation
    v_key: np.ndarray  # int64: tie-break rank (position of the vacancy id in sorted order)
    s_key: np.ndarray  # int64: the same for seekers (reverse view)
    feasibility: np.ndarray  # occupations x occupations float32
    safety: np.ndarray  # occupations float64
    weights: np.ndarray  # the five weights

    @classmethod
    def build(cls, seekers, vacancies, ctx, weights: Weights) -> Tables:
        w = weights.as_array()
        planes = requirement_planes(vacancies.skills, ~vacancies.skills_from_occupation, vacancies.occupation,
                                    ctx.core_bits, ctx.skill_weights)
        required = plane_weights(planes, vacancies.skills.shape[1]).sum(axis=1)
        return cls(
            s_occ=seekers.occupation.astype(np.int32),
            s_state=seekers.state.astype(np.int16),
            s_wage=seekers.desired_wage.astype(np.float64),
            s_bits=np.ascontiguousarray(seekers.skills),
            v_occ=vacancies.occupation.astype(np.int32),
            v_state=vacancies.state.astype(np.int16),
            v_wage=np.where(vacancies.wage_imputed, 0.0, vacancies.wage).astype(np.float64),  # no stated pay
            v_bits=np.ascontiguousarray(planes),
            v_inv_required=1.0 / np.maximum(required, 1.0),
            v_static=w[4] * ctx.safety[vacancies.occupation],
            v_key=id_rank(vacancies.ids),
            s_key=id_rank(seekers.ids),
            feasibility=np.ascontiguousarray(ctx.feasibility, dtype=np.float32),
            safety=ctx.safety.astype(np.float64),
            weights=w,
        )

    def pay_scale(self) -> np.ndarray:
        """2 / desired wage per seeker (inf for no minimum), so that pay = clip(wage x scale - 1, 0, 1)."""
        with np.errstate(divide="ignore"):
            return np.where(self.s_wage > 0, 2.0 / np.where(self.s_wage > 0, self.s_wage, 1.0), np.inf)

    def seeker_args(self) -> tuple:
        return self.s_occ, self.s_state, self.pay_scale(), self.s_bits

    def vacancy_args(self) -> tuple:
        return self.v_occ, self.v_state, self.v_wage, self.v_bits, self.v_inv_required, self.v_static

    def kernel_args(self) -> tuple:
        """Arguments of every pair kernel after the loop-specific ones: seekers, vacancies, tables, weights."""
        return (*self.seeker_args(), *self.vacancy_args(), self.feasibility, self.weights)


def id_rank(ids: np.ndarray) -> np.ndarray:
    """Each id's position in sorted order (the deterministic tie-break)."""
    key = np.empty(len(ids), dtype=np.int64)
    key[np.argsort(np.asarray(ids, dtype=str), kind="stable")] = np.arange(len(ids))
    return key


@numba.njit(inline="always")
def popcount64(x: np.uint64) -> int:
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@numba.njit(inline="always")
def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


@numba.njit(inline="always")
def pair_score(i, j, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv, v_static, feas, w):
    """The score of seeker i and vacancy j (see the module docstring)."""
    words = s_bits.shape[1]
    common = 0
    for b in range(v_bits.shape[1] // words):
        for k in range(words):
            common += popcount64(s_bits[i, k] & v_bits[j, b * words + k]) << b
    f = feas[s_occ[i], v_occ[j]]
    score = w[0] * common * v_inv[j] + w[1] * f
    if v_wage[j] > 0.0:
        ratio = v_wage[j] * s_pay[i]
        score += w[3] * clip01(ratio - 1.0)
        if ratio < 2.0 * PAY_SHARE:
            score -= GATE_PENALTY
    else:
        score -= GATE_PENALTY
    if s_occ[i] != v_occ[j] and f < FEASIBLE:
        score -= GATE_PENALTY
    if s_state[i] == v_state[j]:
        score += w[2]
    return score + v_static[j]


@numba.njit(inline="always")
def insert(scores, ids, keys, size, score, j, key) -> int:
    """Insert (score, j) into the descending top list of length ``size`` (capacity len(scores)); new size.

    Equal scores are ordered by ``key`` (smaller first), so the list is the same whatever the scan order.
    """
    cap = scores.shape[0]
    if size == cap:
        last = size - 1
        if score < scores[last] or (score == scores[last] and key >= keys[last]):
            return size
        pos = last
    else:
        pos = size
        size += 1
    while pos > 0 and (score > scores[pos - 1] or (score == scores[pos - 1] and key < keys[pos - 1])):
        scores[pos] = scores[pos - 1]
        ids[pos] = ids[pos - 1]
        keys[pos] = keys[pos - 1]
        pos -= 1
    scores[pos] = score
    ids[pos] = j
    keys[pos] = key
    return size


@numba.njit(inline="always")
def current(ids, v_key, keys) -> int:
    """Fill ``keys`` for the entries already in a top list; return its size."""
    size = 0
    for m in range(ids.shape[0]):
        if ids[m] < 0:
            break
        keys[m] = v_key[ids[m]]
        size += 1
    return size


@numba.njit(parallel=True, cache=True)
def topk_all(rows, v_key, k, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv, v_static, feas,
             w, out_scores, out_ids):
    """Exact top-k over every vacancy for seekers ``rows`` (row r of out_*)."""
    for r in numba.prange(rows.shape[0]):
        i = rows[r]
        keys = np.empty(k, dtype=np.int64)
        size = 0
        for j in range(v_occ.shape[0]):
            score = pair_score(i, j, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv,
                               v_static, feas, w)
            size = insert(out_scores[r], out_ids[r], keys, size, score, j, v_key[j])


@numba.njit(parallel=True, cache=True)
def merge_candidates(rows, candidates, v_key, k, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits,
                     v_inv, v_static, feas, w, out_scores, out_ids):
    """Exact scores of candidate vacancies (row r of ``candidates``; -1 = none) merged into the top-k of rows[r]."""
    for r in numba.prange(rows.shape[0]):
        i = rows[r]
        keys = np.empty(k, dtype=np.int64)
        size = current(out_ids[r], v_key, keys)
        for c in range(candidates.shape[1]):
            j = candidates[r, c]
            if j < 0:
                continue
            seen = False
            for m in range(size):
                if out_ids[r, m] == j:
                    seen = True
                    break
            if not seen:
                score = pair_score(i, j, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv,
                                   v_static, feas, w)
                size = insert(out_scores[r], out_ids[r], keys, size, score, j, v_key[j])


@numba.njit(parallel=True, cache=True)
def topk_seekers(cols, s_key, k, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv, v_static,
                 feas, w, out_scores, out_ids):
    """Reverse view: exact top-k seekers of each vacancy cols[c] over every seeker (ties by seeker id)."""
    for c in numba.prange(cols.shape[0]):
        j = cols[c]
        keys = np.empty(k, dtype=np.int64)
        size = 0
        for i in range(s_occ.shape[0]):
            score = pair_score(i, j, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv,
                               v_static, feas, w)
            size = insert(out_scores[c], out_ids[c], keys, size, score, i, s_key[i])


@numba.njit(parallel=True, cache=True)
def pair_scores(si, vj, s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv, v_static, feas, w):
    """Scores of the pairs (si[p], vj[p])."""
    out = np.empty(si.shape[0])
    for p in numba.prange(si.shape[0]):
        out[p] = pair_score(si[p], vj[p], s_occ, s_state, s_pay, s_bits, v_occ, v_state, v_wage, v_bits, v_inv,
                            v_static, feas, w)
    return out


def empty_topk(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, k), -np.inf), np.full((n, k), -1, dtype=np.int64)


def exact_topk(tables: Tables, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k vacancies (scores, positions; -1 where fewer) of seekers ``rows`` over every vacancy."""
    rows = np.arange(len(tables.s_occ)) if rows is None else np.asarray(rows, dtype=np.int64)
    scores, ids = empty_topk(len(rows), min(k, len(tables.v_occ)))
    topk_all(rows.astype(np.int64), tables.v_key, scores.shape[1], *tables.kernel_args(), scores, ids)
    return scores, ids


def exact_top_seekers(tables: Tables, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k seekers (scores, positions; -1 where fewer) of every vacancy."""
    k = min(k, len(tables.s_occ))
    scores, ids = empty_topk(len(tables.v_occ), k)
    topk_seekers(np.arange(len(tables.v_occ), dtype=np.int64), tables.s_key, k, *tables.kernel_args(), scores, ids)
    return scores, ids


def score_pairs(tables: Tables, si: np.ndarray, vj: np.ndarray) -> np.ndarray:
    return pair_scores(np.asarray(si, dtype=np.int64), np.asarray(vj, dtype=np.int64), *tables.kernel_args())


def factor_breakdown(tables: Tables, si: np.ndarray, vj: np.ndarray) -> dict[str, np.ndarray]:
    """The five factors (0-1), the two gates and the score of pairs (si[p], vj[p]), vectorised, for output rows."""
    words = tables.s_bits.shape[1]
    common = np.zeros(len(si))
    for b in range(tables.v_bits.shape[1] // words):
        common += np.bitwise_count(tables.s_bits[si] & tables.v_bits[vj, b * words:(b + 1) * words]).sum(axis=1) * (
            1 << b)
    wage = tables.v_wage[vj]
    with np.errstate(invalid="ignore"):
        ratio = np.where(wage > 0, wage * tables.pay_scale()[si], 0.0)
    feas = tables.feasibility[tables.s_occ[si], tables.v_occ[vj]].astype(np.float64)
    out = {
        "skill_coverage": common * tables.v_inv_required[vj],
        "transition_feasibility": feas,
        "location": (tables.s_state[si] == tables.v_state[vj]).astype(np.float64),
        "pay": np.where(wage > 0, np.clip(ratio - 1.0, 0.0, 1.0), 0.0),
        "ai_exposure_safety": tables.safety[tables.v_occ[vj]],
        "pay_ok": (wage > 0) & (ratio >= 2.0 * PAY_SHARE),
        "move_ok": (tables.s_occ[si] == tables.v_occ[vj]) | (feas >= FEASIBLE),
    }
    out["score"] = score_pairs(tables, si, vj)
    return out


def requirement_sets(tables: Tables, vj: np.ndarray) -> np.ndarray:
    """The required elements (any weight) of vacancies ``vj``, as n x W bit sets."""
    return plane_union(tables.v_bits[vj], tables.s_bits.shape[1])
