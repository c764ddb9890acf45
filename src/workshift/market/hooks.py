"""Policy hooks: the levers the engine exposes, one value per scenario (leading batch axis) and node.

Every hook defaults to "no effect", so that ``extensions = []`` with default hooks is exactly the paper's
model. Arrays may have shape (B, n), (B, 1), (1, n) or be scalars; :meth:`PolicyHooks.broadcast` turns them
into (B, n) float arrays once per run. The policy stage maps its levers (training subsidies, job-search
assistance, hiring credits, flexible-work support, ...) onto these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from workshift.errors import InputError


@dataclass
class TrainingEdges:
    """Extra mobility edges that training opens, per scenario: edge k adds ``weight[k]`` to
    A[source[k], target[k]] for the graduates of scenario ``batch[k]`` (weights are relative to a row of A,
    which sums to 1; the search probabilities renormalise over the enlarged row)."""

    batch: np.ndarray
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray

    def __post_init__(self) -> None:
        self.batch = np.asarray(self.batch, dtype=np.int64)
        self.source = np.asarray(self.source, dtype=np.int64)
        self.target = np.asarray(self.target, dtype=np.int64)
        self.weight = np.asarray(self.weight, dtype=np.float64)
        if not (self.batch.shape == self.source.shape == self.target.shape == self.weight.shape):
            raise InputError("training edges: batch, source, target and weight must have the same length")
        if self.weight.size and (not np.all(np.isfinite(self.weight)) or self.weight.min() < 0):
            raise InputError("training edge weights must be finite and >= 0")

    @classmethod
    def empty(cls) -> TrainingEdges:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, np.zeros(0))

    def __len__(self) -> int:
        return int(self.weight.size)

    def check(self, batch: int, n: int) -> None:
        if len(self) and (self.batch.min() < 0 or self.batch.max() >= batch or self.source.min() < 0
                          or self.source.max() >= n or self.target.min() < 0 or self.target.max() >= n):
            raise InputError(f"training edges point outside the batch ({batch}) or the nodes ({n})")

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Rows ``E_b @ x_b`` (shape of X: (B, n))."""
        B, n = X.shape
        out = np.bincount(self.batch * n + self.source, weights=self.weight * X[self.batch, self.target],
                          minlength=B * n)
        return out.reshape(B, n)

    def apply_t(self, W: np.ndarray) -> np.ndarray:
        """Rows ``E_b.T @ w_b``."""
        B, n = W.shape
        out = np.bincount(self.batch * n + self.target, weights=self.weight * W[self.batch, self.source],
                          minlength=B * n)
        return out.reshape(B, n)


HOOK_ORDER = ("matching_efficiency", "search_precision", "vacancy_multiplier", "separation_multiplier",
              "training_multiplier", "exit_multiplier", "reentry_multiplier", "flexible_multiplier",
              "work_sharing", "short_time_end", "demand_shift")
"""The hooks the numba kernels read, in the order of their hook array (the kernels index it by position:
0 matching_efficiency ... 10 demand_shift). The one declaration: every packer (:func:`pack_hooks`, the fused
runner's per-segment stacks) reads it, and ``tests/market/test_market_core.py`` runs each hook alone through the
kernel against the numpy reference (which reads hooks by name), so a packer and a kernel that disagree fail."""

# name -> (default, lower bound, upper bound, meaning)
HOOKS: dict[str, tuple[float, float, float, str]] = {
    "matching_efficiency": (1.0, 0.0, 10.0, "multiplies each application's success probability (capped at 1)"),
    "search_precision": (0.0, 0.0, 1.0, "weight of the skills network in where the unemployed apply"),
    "vacancy_multiplier": (1.0, 0.0, 10.0, "multiplies vacancy openings"),
    "separation_multiplier": (1.0, 0.0, 10.0, "multiplies separations"),
    "training_multiplier": (1.0, 0.0, 100.0, "multiplies the rate at which the unemployed start training"),
    "exit_multiplier": (1.0, 0.0, 10.0, "multiplies exits of the long-term unemployed to inactivity"),
    "reentry_multiplier": (1.0, 0.0, 10.0, "multiplies re-entry from inactivity"),
    "flexible_multiplier": (1.0, 0.0, 10.0, "multiplies entry into flexible work (from jobs and from unemployment)"),
    "work_sharing": (0.0, 0.0, 1.0, "share of demand-driven separations absorbed by shorter hours"),
    "short_time_end": (0.0, 0.0, 1.0, "per-step probability that the benefit on hours cut ends: those hours "
                                      "become separations unless demand has restored them (0: kept until it does)"),
    "demand_shift": (0.0, 0.0, np.inf, "jobs added to each node's target demand (persons; policy demand, e.g. "
                                       "a wage subsidy through the labour-demand elasticity)"),
    "benefit_multiplier": (1.0, 0.0, 10.0, "multiplies unemployment benefits (income extension)"),
    "flexible_coverage": (np.nan, 0.0, 1.0, "social-insurance coverage of flexible workers (nan: default)"),
}


@dataclass
class PolicyHooks:
    """Per-scenario, per-node policy levers. Scalars or arrays broadcastable to (B, n)."""

    matching_efficiency: Any = 1.0
    search_precision: Any = 0.0
    vacancy_multiplier: Any = 1.0
    separation_multiplier: Any = 1.0
    training_multiplier: Any = 1.0
    exit_multiplier: Any = 1.0
    reentry_multiplier: Any = 1.0
    flexible_multiplier: Any = 1.0
    work_sharing: Any = 0.0
    short_time_end: Any = 0.0
    demand_shift: Any = 0.0
    benefit_multiplier: Any = 1.0
    flexible_coverage: Any = np.nan
    training_edges: TrainingEdges = field(default_factory=TrainingEdges.empty)

    def batch_size(self) -> int:
        """The largest leading dimension among the array hooks (1 when all are scalars)."""
        size = 1
        for f in fields(self):
            if f.name == "training_edges":
                continue
            arr = np.asarray(getattr(self, f.name))
            if arr.ndim >= 1 and arr.shape[0] > 1:
                if size not in (1, arr.shape[0]):
                    raise InputError(f"hook '{f.name}' has batch size {arr.shape[0]}, others have {size}")
                size = arr.shape[0]
        if len(self.training_edges):
            size = max(size, int(self.training_edges.batch.max()) + 1)
        return size

    def broadcast(self, batch: int, n: int) -> PolicyHooks:
        """A copy whose array hooks are float (B, n) arrays, checked against their bounds."""
        out = {}
        for name, (_, low, high, _) in HOOKS.items():
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.ndim == 1:
                arr = arr[:, None] if arr.shape[0] == batch and batch != n else arr[None, :]
            try:
                arr = np.broadcast_to(arr, (batch, n)).copy()
            except ValueError as exc:
                raise InputError(f"hook '{name}' of shape {np.shape(getattr(self, name))} does not fit a batch "
                                 f"of {batch} scenarios x {n} nodes") from exc
            finite = arr[np.isfinite(arr)]
            out_of_range = finite.size > 0 and (finite.min() < low or finite.max() > high)
            bad_nan = bool(np.isnan(arr).any()) and name != "flexible_coverage"
            if out_of_range or bad_nan or np.isinf(arr).any():
                raise InputError(f"hook '{name}' must lie in [{low}, {high}]", hint=HOOKS[name][3])
            out[name] = arr
        self.training_edges.check(batch, n)
        return replace(self, **out)

    @classmethod
    def stack(cls, hooks: list[PolicyHooks], n: int) -> PolicyHooks:
        """One batched PolicyHooks from a list of single-scenario hooks (for an optimiser's population)."""
        parts = [h.broadcast(1, n) for h in hooks]
        arrays = {name: np.concatenate([getattr(p, name) for p in parts]) for name in HOOKS}
        edges = [(b, p.training_edges) for b, p in enumerate(parts)]
        te = TrainingEdges(
            np.concatenate([np.full(len(e), b) for b, e in edges]) if edges else np.zeros(0),
            np.concatenate([e.source for _, e in edges]) if edges else np.zeros(0),
            np.concatenate([e.target for _, e in edges]) if edges else np.zeros(0),
            np.concatenate([e.weight for _, e in edges]) if edges else np.zeros(0),
        )
        return cls(**arrays, training_edges=te)

    def is_default(self) -> bool:
        for name, (default, *_rest) in HOOKS.items():
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if np.isnan(default):
                if not np.isnan(arr).all():
                    return False
            elif not np.all(arr == default):
                return False
        return len(self.training_edges) == 0


def pack_hooks(hooks: PolicyHooks, batch: int | None = None) -> np.ndarray:
    """The kernels' hook array: :data:`HOOK_ORDER` stacked on the first axis, from broadcast hooks (all
    scenarios, or scenario ``batch`` only)."""
    rows = [getattr(hooks, k) if batch is None else getattr(hooks, k)[batch] for k in HOOK_ORDER]
    return np.ascontiguousarray(np.stack(rows))

