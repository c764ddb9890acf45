"""Honest validation of the transition rankings against observed moves, on held-out origins.

Ground truth: the pack's empirical mobility network (CPS-ASEC transitions between SOC 2010 nodes). Every
ranking is compared at node level: occupation-pair scores become node-pair scores as the employment x share
weighted mean over the occupations of each node (for the observed-mobility model, whose scores are
probabilities, the destination side is summed instead: the probability of moving into the node). Each source
node ranks every other node; relevant destinations are its observed targets (self-moves dropped, probabilities
renormalised).

The model (:mod:`.transitions_observed`) is scored only on origins it was not fitted on: ``GroupKFold`` over
origin occupations, grouped by the SOC minor group of their mobility node, so an origin, its node and every
occupation of its minor group are held out together; never a random split of edges. The naive baselines need
no fit: destination size (node employment), plain cosine of skill and knowledge levels, the directional
coverage score, the pack's O*NET-only skills network, and random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from workshift.services import transitions_observed as obs

KS = (5, 10, 20)
FOLDS = 5


def ranking_metrics(score: np.ndarray, truth: np.ndarray, ks=KS) -> dict[str, float]:
    """Mean over source nodes of recall@k (share of the observed destinations found in the top k), mass@k
    (share of the observed moves, by probability, going to the top k) and NDCG@k (gain = move probability)."""
    out: dict[str, list[float]] = {}
    n = len(score)
    disc = 1.0 / np.log2(np.arange(2, max(ks) + 2))
    for i in range(n):
        rel = truth[i].copy()
        rel[i] = 0.0
        if rel.sum() <= 0:
            continue
        rel /= rel.sum()
        s = np.nan_to_num(score[i].astype(float), nan=-np.inf)
        s[i] = -np.inf
        order = np.lexsort((np.arange(n), -s))[: max(ks)]
        ideal = np.sort(rel)[::-1]
        for k in ks:
            top = order[:k]
            out.setdefault(f"recall@{k}", []).append((rel[top] > 0).sum() / (rel > 0).sum())
            out.setdefault(f"mass@{k}", []).append(rel[top].sum())
            out.setdefault(f"ndcg@{k}", []).append((rel[top] * disc[:k]).sum() / (ideal[:k] * disc[:k]).sum())
    return {key: float(np.mean(v)) for key, v in out.items()}


def origin_groups(pack, codes: pd.Index) -> np.ndarray:
    """Per occupation: the SOC minor group of its main mobility node (its own minor group when unmapped)."""
    nodes, shares = obs.node_shares(pack, codes)
    main = np.asarray(nodes)[shares.argmax(axis=1)] if len(nodes) else np.array([""] * len(codes))
    own = pack.occupations["minor_group"].astype(str).to_numpy()
    return np.where(shares.sum(axis=1) > 0, [f"{m[:4]}000" for m in main], own)


def held_out_probability(pack, space, exposure: np.ndarray, folds: int = FOLDS,
                         seed: int = obs.SEED) -> np.ndarray:
    """n x n model probabilities where each origin's row comes from a fit that never saw it (nor its group)."""
    codes = pd.Index(pack.occupations["soc_code"])
    y, known = obs.observed_flows(pack, codes)
    features = obs.pair_features(pack, space, exposure)
    groups = origin_groups(pack, codes)
    out = np.zeros(y.shape, dtype=np.float32)
    everyone = np.arange(len(codes))
    for train, test in GroupKFold(n_splits=folds).split(everyone, groups=groups):
        fitted_on = train[known[train].any(axis=1)]
        model = obs.fit(features, y, known, fitted_on, seed)
        out[test] = obs.predict(model, features, test)
    return out


def node_weights(pack, codes: pd.Index, employment: np.ndarray):
    """(scored nodes, occupations x nodes weights summing to 1 per node, node employment, raw mass)."""
    nodes, shares = obs.node_shares(pack, codes)
    mass = shares * np.nan_to_num(employment, nan=0.0)[:, None]
    total = mass.sum(axis=0)
    scored = total > 0
    return nodes[scored], mass[:, scored] / total[scored], total[scored], shares[:, scored]


def evaluate(pack, space, exposure: np.ndarray, folds: int = FOLDS, seed: int = obs.SEED,
             random_seeds: int = 5) -> pd.DataFrame:
    """Metrics (rows: rankings; columns: recall/mass/ndcg @ KS) on the empirical network's source nodes."""
    codes = pd.Index(pack.occupations["soc_code"])
    employment = pack.occupations["employment"].astype(float).to_numpy()
    nodes, norm, node_employment, shares = node_weights(pack, codes, employment)
    truth = obs.network_matrix(pack, nodes, "empirical")
    probability = held_out_probability(pack, space, exposure, folds, seed)
    into_node = norm.T @ probability @ shares  # mover's probability of landing in each node

    def at_nodes(scores: np.ndarray) -> np.ndarray:
        return norm.T @ scores @ norm

    rng = np.random.default_rng(seed)
    results = {
        "observed-mobility model (held-out origins)": ranking_metrics(into_node, truth),
        "destination size (employment)": ranking_metrics(np.tile(node_employment, (len(nodes), 1)), truth),
        "cosine of skills + knowledge": ranking_metrics(at_nodes(obs.cosine_skills_knowledge(space)), truth),
        "pack 'skills' network (O*NET only)": ranking_metrics(obs.network_matrix(pack, nodes, "skills"), truth),
        "directional coverage (score)": ranking_metrics(at_nodes(space.full()), truth),
        f"random (mean of {random_seeds} seeds)": pd.DataFrame(
            [ranking_metrics(rng.random(truth.shape), truth) for _ in range(random_seeds)]).mean().to_dict(),
    }
    frame = pd.DataFrame(results).T
    frame.attrs |= {"nodes": len(nodes), "sources": int((truth.sum(axis=1) - np.diag(truth) > 0).sum()),
                    "folds": folds, "groups": int(len(set(origin_groups(pack, codes))))}
    return frame


def best_baseline_gap(frame: pd.DataFrame) -> pd.Series:
    """Per metric: the model's value minus the best naive baseline's (all positive when the model wins)."""
    model = frame.iloc[0]
    return model - frame.iloc[1:].max(axis=0)
