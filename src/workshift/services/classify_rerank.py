"""Second stage of the title -> CSCO classifier: gradient-boosted trees over the first stage's top candidates.

The first stage (:mod:`workshift.services.classify_csco`) scores all 2,051 CSCO codes with a linear softmax
over :data:`~workshift.services.classify_features.FEATURES`. Its :data:`TOP_K` best codes per title become
candidates; each (title, candidate) pair gets the first-stage features plus the evidence a linear model cannot
combine well (:data:`RERANK_FEATURES`): the candidate's rank and logit gap to the best, a soft nearest-neighbour
vote of the labelled example titles at two temperatures (class, minor and middle group), how many examples
the class has and their mean embedding's cosine, the first stage's probability pooled over the candidate's
groups, and whether the candidate is a group containing the best code or a code inside the best group.

The trees (scikit-learn ``HistGradientBoostingClassifier``, binary: is this candidate the labelled code) were
fitted by ``workshift.services.classify_fit`` and ship as plain arrays (``services/data/csco_reranker.npz``);
:func:`tree_scores` evaluates them with numpy, so classifying needs no scikit-learn and no pickle.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from workshift.services.classify_features import FEATURES

TOP_K = 30
SOFT_TAUS = (0.03, 0.1)
RERANK_FEATURES = (
    *FEATURES,
    "logit",  # first-stage linear score
    "probability",  # first-stage softmax probability
    "rank",  # 0 = the first stage's best code
    "logit_gap",  # logit minus the best code's logit
    "soft_vote_003",  # example titles' vote, weights exp(similarity / 0.03), normalised
    "soft_vote_01",  # the same with temperature 0.1
    "soft_vote_01_middle",  # the 0.1 vote summed over the candidate's middle group
    "soft_vote_01_minor",  # ... and minor group
    "log_examples",  # log(1 + example titles labelled with the class)
    "centroid_cosine",  # cosine with the mean embedding of the class's examples (0 without examples)
    "probability_middle",  # first-stage probability summed over the middle group
    "probability_minor",  # ... and the minor group
    "level",  # 1-4
    "contains_best",  # the candidate is a group that contains the best code
    "inside_best",  # the candidate lies inside the best code's group
    "title_length",  # characters of the cleaned title
)


def _strip(code: str) -> str:
    while code.endswith("-00"):
        code = code[:-3]
    return code


def _group_index(codes: np.ndarray, width: int) -> np.ndarray:
    return np.unique([c[:width] for c in codes], return_inverse=True)[1]


def _pool(values: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    out = np.zeros((values.shape[0], inverse.max() + 1), dtype=np.float32)
    np.add.at(out.T, inverse, values.T)
    return out[:, inverse]


def _contains(group: np.ndarray, member: np.ndarray, codes: np.ndarray, stripped: np.ndarray) -> np.ndarray:
    """True where code ``group`` is a (coarser) group whose prefix the code ``member`` carries."""
    return (group != member) & np.char.startswith(codes[member], stripped[group])


def example_votes(
    char: np.ndarray, emb: np.ndarray, example_class: np.ndarray, n_classes: int, usable: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Soft votes, example counts and centroid cosines per class (titles x classes each).

    ``char`` / ``emb`` are the titles' similarities with the example documents; ``usable`` (same shape,
    True = visible) hides examples from cross-fitted training titles.
    """
    onehot = sp.csr_matrix(
        (np.ones(len(example_class), np.float32), (np.arange(len(example_class)), example_class)),
        shape=(len(example_class), n_classes),
    )
    visible = np.ones_like(char, dtype=bool) if usable is None else usable
    sim = np.where(visible, 0.5 * (char + emb), -np.inf)
    best = np.max(np.where(visible, sim, -9.0), axis=1, keepdims=True) if sim.shape[1] else 0.0
    out = {}
    for tau in SOFT_TAUS:
        w = np.exp((sim - best) / tau)
        w /= np.maximum(w.sum(axis=1, keepdims=True), 1e-30)
        out[tau] = np.asarray((onehot.T @ w.T).T, dtype=np.float32)
    count = np.asarray((onehot.T @ visible.astype(np.float32).T).T)
    total = np.asarray((onehot.T @ np.where(visible, emb, 0.0).T).T)
    out["count"] = count
    out["centroid"] = np.where(count > 0, total / np.maximum(count, 1.0), 0.0).astype(np.float32)
    return out


def candidate_features(
    stage1: np.ndarray,
    logits: np.ndarray,
    votes: dict[str, np.ndarray],
    codes: np.ndarray,
    levels: np.ndarray,
    title_lengths: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The first stage's :data:`TOP_K` candidates (titles x K) and their features ((titles*K) x features)."""
    n, n_classes = logits.shape
    k = min(TOP_K, n_classes)
    order = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    shifted = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(shifted)
    prob /= prob.sum(axis=1, keepdims=True)
    middle, minor = _group_index(codes, 4), _group_index(codes, 7)
    rows = np.repeat(np.arange(n), k)
    cand = order.ravel()
    best = order[rows, 0]
    codes = codes.astype(str)
    stripped = np.array([_strip(c) for c in codes])
    soft = votes[SOFT_TAUS[1]]
    columns = [
        stage1[rows, cand],
        logits[rows, cand, None],
        prob[rows, cand, None],
        np.tile(np.arange(k), n)[:, None],
        (logits[rows, cand] - logits[rows, best])[:, None],
        votes[SOFT_TAUS[0]][rows, cand, None],
        soft[rows, cand, None],
        _pool(soft, middle)[rows, cand, None],
        _pool(soft, minor)[rows, cand, None],
        np.log1p(votes["count"][rows, cand])[:, None],
        votes["centroid"][rows, cand, None],
        _pool(prob, middle)[rows, cand, None],
        _pool(prob, minor)[rows, cand, None],
        levels[cand, None],
        _contains(cand, best, codes, stripped)[:, None],
        _contains(best, cand, codes, stripped)[:, None],
        title_lengths[rows, None],
    ]
    return order, np.hstack([np.asarray(c, dtype=np.float64).reshape(len(rows), -1) for c in columns])


def export_trees(model) -> dict[str, np.ndarray]:
    """A fitted binary ``HistGradientBoostingClassifier`` as flat arrays (numerical features only)."""
    nodes = [predictors[0].nodes for predictors in model._predictors]
    if any(node["is_categorical"].any() for node in nodes):  # pragma: no cover - not used here
        raise ValueError("categorical splits are not exported")
    sizes = np.array([len(node) for node in nodes])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate(nodes)
    shift = np.repeat(offsets, sizes)
    return {
        "feature": flat["feature_idx"].astype(np.int32),
        "threshold": flat["num_threshold"].astype(np.float64),
        "missing_left": flat["missing_go_to_left"].astype(bool),
        "left": (flat["left"] + shift).astype(np.int32),
        "right": (flat["right"] + shift).astype(np.int32),
        "leaf": flat["is_leaf"].astype(bool),
        "value": flat["value"].astype(np.float64),
        "roots": offsets.astype(np.int32),
        "baseline": np.asarray(model._baseline_prediction, dtype=np.float64).ravel(),
    }


def tree_scores(trees: dict[str, np.ndarray], features: np.ndarray) -> np.ndarray:
    """Probability that each row's candidate is the right code: sigmoid of the trees' summed leaves."""
    raw = np.full(len(features), float(trees["baseline"][0]))
    rows = np.arange(len(features))
    for root in trees["roots"]:
        node = np.full(len(features), root)
        while True:
            inner = ~trees["leaf"][node]
            if not inner.any():
                break
            at, r = node[inner], rows[inner]
            x = features[r, trees["feature"][at]]
            left = np.where(np.isnan(x), trees["missing_left"][at], x <= trees["threshold"][at])
            node[inner] = np.where(left, trees["left"][at], trees["right"][at])
        raw += trees["value"][node]
    return 1.0 / (1.0 + np.exp(-raw))
