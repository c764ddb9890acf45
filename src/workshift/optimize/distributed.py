"""Scale-out: evaluate populations in chunks, locally or on a Dask cluster, with identical results.

Both paths split a population into the same chunks of at most ``chunk_size`` rows, in order, and
concatenate the results in order, so a Dask run and a local run with the same seed give the same numbers
bit for bit (the engine's mean-field is deterministic and each chunk is one batched engine call).
The evaluator is shipped to the workers once (``client.scatter(..., broadcast=True)``).
Default cluster: a ``LocalCluster`` with one single-threaded worker process per core; ``address`` connects
to an existing scheduler instead (``tcp://host:8786``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Evaluator = Callable[[np.ndarray], dict[str, np.ndarray]]


def split(x: np.ndarray, chunk_size: int) -> list[np.ndarray]:
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    return [x[i:i + chunk_size] for i in range(0, len(x), chunk_size)]


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    keys = parts[0].keys()
    return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in keys}


class ChunkedEvaluator:
    """Evaluate a population chunk by chunk in this process."""

    def __init__(self, evaluate: Evaluator, chunk_size: int = 100) -> None:
        self.evaluate = evaluate
        self.chunk_size = chunk_size

    def __call__(self, x: np.ndarray) -> dict[str, np.ndarray]:
        return concat([self.evaluate(part) for part in split(np.asarray(x, dtype=float), self.chunk_size)])

    def close(self) -> None:
        pass


def _run(evaluate: Evaluator, part: np.ndarray) -> dict[str, np.ndarray]:
    return evaluate(part)


class DaskEvaluator:
    """Evaluate a population's chunks in parallel on a Dask cluster (local by default)."""

    def __init__(self, evaluate: Evaluator, chunk_size: int = 50, address: str | None = None,
                 n_workers: int | None = None, client: Any = None) -> None:
        from dask.distributed import Client, LocalCluster

        self.chunk_size = chunk_size
        self._cluster: Any = None
        self._own_client = client is None
        if client is not None:
            self.client = client
        elif address:
            self.client = Client(address)
        else:
            import os

            workers = n_workers or max(1, min(os.cpu_count() or 1, 8))
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=40)
            self.client = Client(self._cluster)
        self._remote = self.client.scatter(evaluate, broadcast=True)

    def __call__(self, x: np.ndarray) -> dict[str, np.ndarray]:
        parts = split(np.asarray(x, dtype=float), self.chunk_size)
        futures = [self.client.submit(_run, self._remote, part, pure=False) for part in parts]
        return concat(self.client.gather(futures))

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
