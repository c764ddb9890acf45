"""The search network A: where the unemployed of each occupation apply.

Built as the paper does: take a row-stochastic mobility network (the pack's ``mobility_edges``), drop its
diagonal, renormalise each row over the off-diagonal weight (a row without off-diagonal weight keeps only
its self-loop), then A = r*I + (1-r)*A_offdiag with r from :func:`workshift.market.params.self_loop_r`.
``complete`` is the paper's friction-free benchmark A_ij = 1/n.

The engine only needs two products with A for a whole batch at once (rows of X are scenarios):
``apply(X)[b] = A @ X[b]`` and ``apply_t(W)[b] = A.T @ W[b]``. A is shared by every scenario; per-scenario
changes (training edges) are sparse add-ons handled in :mod:`workshift.market.hooks`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from workshift.errors import DataError, InputError, closest

# us_empirical: the US empirical network mapped onto another code system (ISCO-08 packs, data/transfer.py)
NETWORKS = ("empirical", "skills", "us_empirical", "complete")
ROW_TOLERANCE = 1e-2  # the published edgelist's rows sum to 1 within 0.004


@dataclass
class Network:
    """A row-stochastic search network over ``nodes`` (``A`` is None for the complete network)."""

    nodes: list[str]
    kind: str
    r: float
    A: sp.csr_matrix | None
    dense: np.ndarray | None = None  # A as a dense array, used for the batched products when n is small

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def nnz(self) -> int:
        return self.n * self.n if self.A is None else int(self.A.nnz)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Rows ``A @ x`` for each row x of X (shape (B, n))."""
        if self.A is None:
            return np.broadcast_to(X.mean(axis=-1, keepdims=True), X.shape).copy()
        if self.dense is not None:
            return X @ self.dense.T
        return np.asarray((self.A @ X.T).T)

    def apply_t(self, W: np.ndarray) -> np.ndarray:
        """Rows ``A.T @ w`` for each row w of W (shape (B, n))."""
        if self.A is None:
            return np.broadcast_to(W.sum(axis=-1, keepdims=True) / self.n, W.shape).copy()
        if self.dense is not None:
            return W @ self.dense
        return np.asarray((self.A.T @ W.T).T)

    def matrix(self) -> np.ndarray:
        """A as a dense array (small n only)."""
        if self.A is None:
            return np.full((self.n, self.n), 1.0 / self.n)
        return self.A.toarray()

    def csr(self) -> sp.csr_matrix:
        if self.A is None:
            return sp.csr_matrix(self.matrix())
        return self.A

    def degree(self) -> np.ndarray:
        """Number of off-diagonal destinations of each node (how well connected it is)."""
        if self.A is None:
            return np.full(self.n, self.n - 1)
        A = self.A.tocoo()
        off = A.row != A.col
        return np.bincount(A.row[off & (A.data > 0)], minlength=self.n)


def check_row_stochastic(matrix: sp.spmatrix, nodes: list[str], what: str, tolerance: float = ROW_TOLERANCE) -> None:
    """Raise a DataError naming the first row that does not sum to 1 or has a negative weight."""
    M = sp.csr_matrix(matrix)
    if M.nnz and (not np.all(np.isfinite(M.data)) or M.data.min() < 0):
        bad = int(np.flatnonzero(~np.isfinite(M.data) | (M.data < 0))[0])
        row = int(np.searchsorted(M.indptr, bad, side="right") - 1)
        raise DataError("negative or non-finite weight", file=what, row=row, column=nodes[row],
                        expected="weights >= 0")
    sums = np.asarray(M.sum(axis=1)).ravel()
    off = np.flatnonzero(np.abs(sums - 1.0) > tolerance)
    if off.size:
        i = int(off[0])
        raise DataError(f"network is not row-stochastic: row of node {nodes[i]} sums to {sums[i]:.4f}",
                        file=what, row=i, expected=f"every row summing to 1 (within {tolerance}); "
                        f"{off.size} row(s) off")


def from_matrix(matrix: sp.spmatrix | np.ndarray, nodes: list[str], r: float, kind: str = "custom",
                what: str = "network") -> Network:
    """Build A = r*I + (1-r)*offdiag(M)/rowsum from a row-stochastic matrix M over ``nodes``."""
    if not 0.0 <= r <= 1.0:
        raise InputError(f"self-loop weight r = {r} must be in [0, 1]")
    M = sp.csr_matrix(matrix, dtype=np.float64)
    n = len(nodes)
    if M.shape != (n, n):
        raise DataError(f"network shape {M.shape} does not match {n} nodes", file=what)
    check_row_stochastic(M, nodes, what)
    off = (M - sp.diags(M.diagonal())).tocsr()
    off.eliminate_zeros()
    rows = np.asarray(off.sum(axis=1)).ravel()
    has_off = rows > 0
    scale = np.where(has_off, (1.0 - r) / np.where(has_off, rows, 1.0), 0.0)
    diag = np.where(has_off, r, 1.0)
    A = (sp.diags(scale) @ off + sp.diags(diag)).tocsr()
    A.sort_indices()
    dense = A.toarray() if n <= 2000 else None
    return Network(nodes=list(nodes), kind=kind, r=r, A=A, dense=dense)


def from_edges(edges: pd.DataFrame, nodes: list[str], r: float, kind: str, what: str = "mobility_edges") -> Network:
    """Build the network from a long edge table (source, target, weight) over ``nodes``."""
    index = {node: k for k, node in enumerate(nodes)}
    unknown = sorted(set(edges["source"]).union(edges["target"]) - set(index))
    if unknown:
        raise DataError(f"{len(unknown)} edge endpoint(s) are not nodes, e.g. {unknown[:3]}", file=what,
                        column="source/target", expected="codes listed in mobility_nodes")
    rows = edges["source"].map(index).to_numpy()
    cols = edges["target"].map(index).to_numpy()
    weights = edges["weight"].to_numpy(dtype=np.float64)
    M = sp.coo_matrix((weights, (rows, cols)), shape=(len(nodes), len(nodes))).tocsr()
    return from_matrix(M, nodes, r, kind=kind, what=what)


def complete(nodes: list[str]) -> Network:
    """The paper's friction-free benchmark: every unemployed worker may apply anywhere, A_ij = 1/n."""
    return Network(nodes=list(nodes), kind="complete", r=1.0 / len(nodes), A=None)


def check_kind(kind: str) -> str:
    if kind not in NETWORKS:

        guess = closest(kind, NETWORKS)
        raise InputError(f"unknown network '{kind}'", hint=f"did you mean '{guess}'?" if guess else
                         f"choose from {list(NETWORKS)}")
    return kind
