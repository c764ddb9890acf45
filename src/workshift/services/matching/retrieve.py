"""Candidate retrieval: each seeker's top-k vacancies by the exact score, at millions of seekers.

Methods (``docs/matching.md``):

- ``exact``: every (seeker, vacancy) pair scored (numba). Used when n_seekers x n_vacancies <= :data:`EXACT_PAIRS`.
- ``hybrid`` (default above that): exact cells plus embedding retrieval.
  1-2. the vacancies of the seeker's state (location = 1 only there) and, in other states, of the seeker's
     own occupation and of every destination passing the move gate, exactly, skipping only (state,
     occupation) cells whose score bound cannot reach the k-th score (:mod:`.blocks`);
  3. any other vacancy (another state, a destination failing the move gate) scores at most ``w_skill + w_pay
     + max_d (w_trans F[o, d] + w_safe safety[d]) - penalty``; only for seekers whose k-th score is at or below that bound, an hnswlib
     index over fixed-size location-free embeddings (:class:`embedding.Embedding`) proposes
     :data:`QUERY_FACTOR` x k candidates, which are re-scored exactly and merged; when those seekers times the
     vacancies are at most :data:`EXACT_REST_PAIRS`, they are scored against every vacancy instead (exact).
- ``hnsw``: embedding retrieval alone (location included), :data:`QUERY_FACTOR` x k candidates re-ranked
  exactly; the plain method of the literature, kept for comparison in the benchmark.

Every final list is ordered by exact score, ties by vacancy id (``score.Tables.v_key``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from workshift.errors import InputError
from workshift.services.matching.blocks import CellLayout, exact_in_cells
from workshift.services.matching.embedding import Embedding
from workshift.services.matching.score import (
    FEASIBLE,
    GATE_PENALTY,
    Tables,
    empty_topk,
    exact_topk,
    merge_candidates,
)

METHODS = ("auto", "exact", "hybrid", "hnsw")
EXACT_PAIRS = 20_000_000
EXACT_REST_PAIRS = 200_000_000  # hybrid pass 3 is exact when this few pairs remain (a few seconds of cpu)
QUERY_FACTOR = 3  # hnswlib neighbours asked per needed candidate
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
HNSW_EF = 64  # at least; raised to the number of neighbours asked
CHUNK = 50_000  # seekers per embedding/query batch (bounds memory)
DETERMINISTIC_BUILD = (
    50_000  # indices up to this many vacancies are built single-threaded (same graph each run)
)


@dataclass
class Candidates:
    """Each seeker's top-k vacancies: ``scores`` and ``ids`` (vacancy positions, -1 = none), n x k."""

    scores: np.ndarray
    ids: np.ndarray
    method: str
    stats: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return self.ids.shape[1]


def _build_index(vectors: np.ndarray, threads: int, seed: int):
    import hnswlib

    index = hnswlib.Index(space="l2", dim=vectors.shape[1])
    index.init_index(
        max_elements=len(vectors), M=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION, random_seed=seed
    )
    index.set_num_threads(1 if len(vectors) <= DETERMINISTIC_BUILD else threads)
    index.add_items(vectors, np.arange(len(vectors)))
    index.set_num_threads(threads)
    return index


def _query(index, embedding: Embedding, tables: Tables, rows: np.ndarray, want: int) -> np.ndarray:
    """hnswlib candidates (vacancy positions) of seekers ``rows``, ``want`` each."""
    index.set_ef(max(HNSW_EF, want))
    labels, _ = index.knn_query(embedding.seekers(tables, rows), k=want)
    return labels.astype(np.int64)


def _threads(threads: int | None) -> int:
    import os

    return max(1, threads or len(os.sched_getaffinity(0)))


def retrieve(
    tables: Tables,
    k: int,
    method: str = "auto",
    threads: int | None = None,
    seed: int = 0,
    n_states: int | None = None,
) -> Candidates:
    """Top-``k`` vacancies of every seeker (see the module docstring for the methods)."""
    if method not in METHODS:
        raise InputError(f"unknown retrieval method '{method}' (expected one of: {', '.join(METHODS)})")
    if k < 1:
        raise InputError(f"the number of candidates must be at least 1 (got {k})")
    n, m = len(tables.s_occ), len(tables.v_occ)
    k = min(k, m)
    if method == "auto":
        method = "exact" if n * m <= EXACT_PAIRS else "hybrid"
    n_states = n_states or int(max(tables.s_state.max(initial=0), tables.v_state.max(initial=0))) + 1
    started = time.perf_counter()
    if method == "exact":
        scores, ids = exact_topk(tables, k)
        return Candidates(
            scores, ids, method, {"pairs_scored": n * m, "seconds": time.perf_counter() - started}
        )
    threads = _threads(threads)
    import numba

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    if method == "hnsw":
        return _hnsw_only(tables, k, threads, seed, n_states, started)
    return _hybrid(tables, k, threads, seed, n_states, started)


def cross_state_bound(tables: Tables) -> np.ndarray:
    """Per occupation o: the most a vacancy in another state of an occupation failing o's move gate can score for
    o's seekers (the exact cell passes cover o itself and every destination passing the gate)."""
    w = tables.weights
    present = np.zeros(len(tables.feasibility), dtype=bool)
    present[tables.v_occ] = True
    value = w[1] * tables.feasibility + w[4] * tables.safety[None, :] - GATE_PENALTY
    value = np.where(present[None, :] & (tables.feasibility < FEASIBLE), value, -np.inf)
    np.fill_diagonal(value, -np.inf)
    best = value.max(axis=1)
    return w[0] + w[3] + np.where(np.isfinite(best), best, 0.0)


def _hybrid(tables: Tables, k: int, threads: int, seed: int, n_states: int, started: float) -> Candidates:

    m = len(tables.v_occ)
    # 1-2. the seeker's state and the seeker's occupation elsewhere, exactly (cells skipped only by bounds)
    layout = CellLayout.build(tables, n_states)
    scores, ids, pairs = exact_in_cells(tables, layout, k)
    stats: dict = {"pairs_exact": pairs, "seconds_exact": time.perf_counter() - started}
    # 3. the rest through the embedding index, only for seekers whose k-th score it could beat
    bound = cross_state_bound(tables)[tables.s_occ]
    need = np.flatnonzero((ids[:, k - 1] < 0) | (scores[:, k - 1] <= bound + 1e-9))
    stats["seekers_queried"] = int(len(need))
    if len(need) and len(need) * m <= EXACT_REST_PAIRS:  # few left: score them against every vacancy, exactly
        scores[need], ids[need] = exact_topk(tables, k, need)
        stats["rest"] = "exact"
    elif len(need):
        stats["rest"] = "hnsw"
        t0 = time.perf_counter()
        embedding = Embedding.fit(tables, n_states, seed=seed)
        index = _build_index(embedding.vacancies(tables), threads, seed)
        stats["seconds_index"] = time.perf_counter() - t0
        want = min(m, QUERY_FACTOR * k)
        for begin in range(0, len(need), CHUNK):
            part = need[begin:begin + CHUNK]
            found = _query(index, embedding, tables, part, want)
            sub_scores, sub_ids = scores[part], ids[part]
            merge_candidates(part, found, tables.v_key, k, *tables.kernel_args(), sub_scores, sub_ids)
            scores[part], ids[part] = sub_scores, sub_ids
        stats["embedding_dims"] = int(index.dim)
    stats["seconds"] = time.perf_counter() - started
    return Candidates(scores, ids, "hybrid", stats)


def _hnsw_only(tables: Tables, k: int, threads: int, seed: int, n_states: int, started: float) -> Candidates:
    n, m = len(tables.s_occ), len(tables.v_occ)
    embedding = Embedding.fit(tables, n_states, location=True, seed=seed)
    index = _build_index(embedding.vacancies(tables), threads, seed)
    stats = {"seconds_index": time.perf_counter() - started, "embedding_dims": int(index.dim)}
    scores, ids = empty_topk(n, k)
    want = min(m, QUERY_FACTOR * k)
    for begin in range(0, n, CHUNK):
        part = np.arange(begin, min(n, begin + CHUNK), dtype=np.int64)
        found = _query(index, embedding, tables, part, want)
        sub_scores, sub_ids = scores[part], ids[part]
        merge_candidates(part, found, tables.v_key, k, *tables.kernel_args(), sub_scores, sub_ids)
        scores[part], ids[part] = sub_scores, sub_ids
    stats["seconds"] = time.perf_counter() - started
    return Candidates(scores, ids, "hnsw", stats)


def recall_at(found: np.ndarray, exact: np.ndarray, n: int) -> float:
    """Mean share of each row's exact top-n vacancies (positions; -1 = none) that ``found``'s top-n contains."""
    hits = total = 0
    for a, b in zip(found[:, :n], exact[:, :n], strict=True):
        truth = set(b[b >= 0].tolist())
        hits += len(truth & set(a[a >= 0].tolist()))
        total += len(truth)
    return hits / total if total else 1.0
