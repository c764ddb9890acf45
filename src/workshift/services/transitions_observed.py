"""Where people actually move: a ranking model of observed occupational mobility (``score_observed``).

The directional O*NET coverage (:mod:`.similarity`) says what a worker *can* do; observed careers also follow
the size of the destination, the SOC family, pay and preparation. This module learns, from the pack's
empirical mobility network (CPS-ASEC transitions between SOC 2010 nodes), the probability that a worker who
leaves occupation o goes to occupation d, from pair features only, so that an occupation with no observed
edges (new or rare) still gets a ranking.

**Target.** For origin o mapped to nodes a with shares s_oa, and destination d in node b with employment
share e_db = emp_d s_db / sum_d' emp_d' s_d'b, the observed flow is
``y_od = sum_a s_oa P~(a -> b) e_db`` with ``P~`` the empirical network without self-moves (rows renormalised).
Pairs whose occupations share a node (moves inside a node are not observed) are left out of the fit.

**Features** (:data:`FEATURES`, one n x n matrix each): the directional coverage and its three domains, the
reverse coverage, a plain cosine of standardised skill and knowledge levels, the pack's O*NET-only skills network
between the two nodes (which carries O*NET's Related Occupations links), log wage ratio, job-zone change, same
SOC major / minor / broad group, log employment of destination and origin, destination projected growth
2022-32 (BLS) and exposure change on :data:`FEATURE_INDEX`.

**Model.** scikit-learn's ``HistGradientBoostingRegressor`` with Poisson loss (a gradient-boosted gravity model:
log E[y] is a sum of trees over the features), fitted on every observed pair plus a seeded sample of the
unobserved ones (re-weighted, so the fit is unbiased). Predictions are normalised per origin over every other
occupation: ``score_observed`` is the probability that a mover from o goes to d. Fitted once per pack and
cached under ``$WORKSHIFT_HOME/cache/transitions/`` keyed by the sha256 of the pack file and
:data:`CACHE_VERSION`. How well it ranks held-out origins is in :mod:`.transitions_validation`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from workshift import config
from workshift.files import atomic_path, sha256_file
from workshift.services.similarity import SkillSpace

CACHE_VERSION = 1  # bump when features, target or model change
FEATURE_INDEX = "gpts_beta"  # exposure index of the exposure-change feature (fixed, so one model per pack)
NEGATIVE_SHARE = 0.05  # share of unobserved pairs kept in a fit (each weighted 1 / NEGATIVE_SHARE)
SEED = 0
MIN_ORIGINS = 30  # fewer origins with observed moves (a small user pack): no model, rank by coverage
MIN_POSITIVE_PAIRS = 300
HGB_PARAMS = {"loss": "poisson", "max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 31,
              "min_samples_leaf": 40, "l2_regularization": 1.0, "early_stopping": False}
FEATURES = ("coverage", "coverage_skills", "coverage_knowledge", "coverage_work_activities", "coverage_reverse",
            "cosine_skills_knowledge", "skills_network", "log_wage_ratio", "job_zone_change", "same_major",
            "same_minor", "same_broad", "log_dest_employment", "log_origin_employment", "dest_growth",
            "exposure_change")


def _log(values: np.ndarray) -> np.ndarray:
    return np.log(np.clip(np.nan_to_num(values, nan=1.0), 1.0, None))


def cosine_skills_knowledge(space: SkillSpace) -> np.ndarray:
    """Cosine of the occupations' skill and knowledge levels, each element standardised over occupations."""
    blocks = [space.domains[d].level for d in ("skills", "knowledge") if d in space.domains]
    x = np.hstack(blocks).astype(float)
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    norm = np.linalg.norm(x, axis=1)
    x = x / np.where(norm > 0, norm, 1.0)[:, None]
    return x @ x.T


def node_shares(pack, codes: pd.Index) -> tuple[pd.Index, np.ndarray]:
    """(mobility nodes, occupations x nodes shares) from ``pack.occupation_nodes``; zero rows for unmapped."""
    nodes = pd.Index(pack.mobility_nodes["node"]) if len(pack.mobility_nodes) else pd.Index([])
    shares = np.zeros((len(codes), len(nodes)))
    links = pack.occupation_nodes
    if len(links) and len(nodes):
        rows, cols = codes.get_indexer(links["soc_code"]), nodes.get_indexer(links["node"])
        keep = (rows >= 0) & (cols >= 0)
        np.add.at(shares, (rows[keep], cols[keep]), links["share"].to_numpy(dtype=float)[keep])
    return nodes, shares


def network_matrix(pack, nodes: pd.Index, network: str) -> np.ndarray:
    """Dense nodes x nodes weights of one of the pack's mobility networks (0 where no edge)."""
    out = np.zeros((len(nodes), len(nodes)))
    edges = pack.mobility_edges
    if not len(edges) or not len(nodes):
        return out
    edges = edges[(edges["network"] == network) & edges["source"].isin(nodes) & edges["target"].isin(nodes)]
    out[nodes.get_indexer(edges["source"]), nodes.get_indexer(edges["target"])] = edges["weight"].to_numpy()
    return out


def pair_features(pack, space: SkillSpace, exposure: np.ndarray) -> np.ndarray:
    """n x n x len(FEATURES) float32 features of every (origin, destination) pair, in pack order."""
    occ = pack.occupations.reset_index(drop=True)
    codes = pd.Index(occ["soc_code"])
    wage = occ["wage_median"].astype(float).fillna(occ["wage_mean"].astype(float)).to_numpy()
    zone = occ["job_zone"].astype(float).to_numpy()
    employment = occ["employment"].astype(float).to_numpy()
    growth = np.nan_to_num(occ["growth_2022_32"].astype(float).to_numpy(), nan=0.0)
    nodes, shares = node_shares(pack, codes)
    skills_net = network_matrix(pack, nodes, "skills")
    np.fill_diagonal(skills_net, 0.0)
    score = space.full()
    columns = {
        "coverage": score, "coverage_reverse": score.T,
        "cosine_skills_knowledge": cosine_skills_knowledge(space),
        "skills_network": shares @ skills_net @ shares.T,
        "log_wage_ratio": _log(wage)[None, :] - _log(wage)[:, None],
        "job_zone_change": np.nan_to_num(zone[None, :] - zone[:, None], nan=0.0),
        "log_dest_employment": np.broadcast_to(_log(employment)[None, :], score.shape),
        "log_origin_employment": np.broadcast_to(_log(employment)[:, None], score.shape),
        "dest_growth": np.broadcast_to(growth[None, :], score.shape),
        "exposure_change": np.nan_to_num(exposure[None, :] - exposure[:, None], nan=0.0),
    }
    for name in ("skills", "knowledge", "work_activities"):
        columns[f"coverage_{name}"] = space.part(name) if name in space.domains else np.full(score.shape, np.nan)
    for group, name in (("major_group", "same_major"), ("minor_group", "same_minor"), ("broad_group", "same_broad")):
        g = occ[group].astype(str).to_numpy()
        columns[name] = (g[:, None] == g[None, :]).astype(float)
    return np.nan_to_num(np.stack([np.asarray(columns[f], dtype=np.float32) for f in FEATURES], axis=-1), nan=0.0)


def observed_flows(pack, codes: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(y: origins x destinations observed flow shares, known: pairs usable in a fit), see the module docstring.

    ``known`` is False on the diagonal, for pairs sharing a node and for origins without an observed move.
    """
    nodes, shares = node_shares(pack, codes)
    flows = network_matrix(pack, nodes, "empirical")
    np.fill_diagonal(flows, 0.0)
    out = flows.sum(axis=1)
    flows = np.divide(flows, out[:, None], out=np.zeros_like(flows), where=out[:, None] > 0)
    employment = np.nan_to_num(pack.occupations["employment"].astype(float).to_numpy(), nan=0.0)
    mass = shares * employment[:, None]  # occupations x nodes
    node_mass = mass.sum(axis=0)
    within = np.divide(mass, node_mass[None, :], out=np.zeros_like(mass), where=node_mass[None, :] > 0)
    y = shares @ flows @ within.T
    origin_ok = (shares @ (out > 0).astype(float)) > 0
    share_node = (shares > 0).astype(float) @ (shares > 0).astype(float).T > 0
    known = origin_ok[:, None] & ~share_node & (shares.sum(axis=1) > 0)[None, :]
    np.fill_diagonal(known, False)
    return y, known


def _training_rows(y: np.ndarray, known: np.ndarray, origins: np.ndarray, seed: int):
    """Pair indices (origin, destination) and weights of a fit on ``origins``: all observed, a sample of zeros."""
    rng = np.random.default_rng(seed)
    mask = np.zeros_like(known)
    mask[origins] = known[origins]
    i, j = np.nonzero(mask)
    positive = y[i, j] > 0
    keep = positive | (rng.random(len(i)) < NEGATIVE_SHARE)
    weight = np.where(positive[keep], 1.0, 1.0 / NEGATIVE_SHARE)
    return i[keep], j[keep], weight


def fit(features: np.ndarray, y: np.ndarray, known: np.ndarray, origins: np.ndarray,
        seed: int = SEED) -> HistGradientBoostingRegressor:
    """The Poisson gradient-boosted model fitted on the observed flows of ``origins`` (positions)."""
    i, j, weight = _training_rows(y, known, origins, seed)
    model = HistGradientBoostingRegressor(random_state=seed, **HGB_PARAMS)
    # flows are shares of an origin's movers (<= 1); scaled so that the loss is not dominated by its floor
    model.fit(features[i, j], y[i, j] * len(y), sample_weight=weight)
    return model


def predict(model: HistGradientBoostingRegressor, features: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """len(origins) x n probabilities, each row normalised over every other occupation (0 on the origin)."""
    n = features.shape[1]
    rows = model.predict(features[origins].reshape(-1, features.shape[-1])).reshape(len(origins), n)
    rows = np.clip(rows, 0.0, None)
    rows[np.arange(len(origins)), origins] = 0.0
    total = rows.sum(axis=1, keepdims=True)
    return np.divide(rows, total, out=np.full_like(rows, 1.0 / max(n - 1, 1)), where=total > 0)


@dataclass
class ObservedMobility:
    """The fitted model's probabilities for every pair of a pack's occupations."""

    probability: np.ndarray  # n x n float32, rows sum to 1 (0 on the diagonal)
    meta: dict

    @classmethod
    def fit_pack(cls, pack, space: SkillSpace, exposure: np.ndarray, seed: int = SEED) -> ObservedMobility | None:
        """Fit on every origin with observed moves; None when the pack has no empirical mobility network (or
        fewer than MIN_ORIGINS origins / MIN_POSITIVE_PAIRS pairs with observed moves)."""
        codes = pd.Index(pack.occupations["soc_code"])
        y, known = observed_flows(pack, codes)
        origins = np.flatnonzero(known.any(axis=1))
        if len(origins) < MIN_ORIGINS or int((known & (y > 0)).sum()) < MIN_POSITIVE_PAIRS:
            return None
        features = pair_features(pack, space, exposure)
        model = fit(features, y, known, origins, seed)
        probability = predict(model, features, np.arange(len(codes))).astype(np.float32)
        meta = {"method": "HistGradientBoostingRegressor (Poisson loss) on pair features, fitted to the "
                          "empirical mobility network (CPS-ASEC) flows", "features": list(FEATURES),
                "params": dict(HGB_PARAMS), "negative_share": NEGATIVE_SHARE, "seed": seed,
                "fitted_origins": int(len(origins)), "exposure_feature_index": FEATURE_INDEX,
                "validation": "docs/transitions.md section 8 (GroupKFold by origin SOC minor group)"}
        return cls(probability, meta)

    @classmethod
    def for_pack(cls, pack, space: SkillSpace, exposure: np.ndarray,
                 home: str | Path | None = None) -> ObservedMobility | None:
        """:meth:`fit_pack` once per pack file (cached by its sha256); in memory for packs without a file."""
        path = getattr(pack, "path", None)
        if path is None or not Path(path).is_file():
            return cls.fit_pack(pack, space, exposure)
        key = hashlib.sha256(f"{CACHE_VERSION}|{sha256_file(path)}|{sorted(HGB_PARAMS.items())}".encode())
        target = config.home(home) / "cache" / "transitions" / f"observed-{key.hexdigest()[:24]}.npz"
        if target.is_file():
            try:
                with np.load(target, allow_pickle=False) as data:
                    if data["probability"].shape == (len(pack.occupations),) * 2:
                        return cls(data["probability"], json.loads(str(data["meta"])))
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache is refitted below
        fitted = cls.fit_pack(pack, space, exposure)
        if fitted is not None:
            with atomic_path(target, suffix=".npz") as tmp, open(tmp, "wb") as handle:
                np.savez(handle, probability=fitted.probability, meta=np.asarray(json.dumps(fitted.meta)))
        return fitted
