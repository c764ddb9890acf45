"""Scale-out: a Dask local cluster and the local chunked evaluator give identical optimisation results."""

from __future__ import annotations

import numpy as np

from workshift.optimize.distributed import ChunkedEvaluator, DaskEvaluator
from workshift.optimize.search import optimise
from workshift.optimize.toy import ConcaveToy
from workshift.policy.objectives import OBJECTIVES


def test_dask_and_local_runs_agree() -> None:
    toy = ConcaveToy(a=np.array([0.01, 0.02, 0.015, 0.005]), c=np.array([1.0, 2.0, 0.5, 0.7]),
                     q=np.array([0.01, -0.01, 0.0, 0.02]))
    objs = (OBJECTIVES["employment_rate"], OBJECTIVES["job_quality"], OBJECTIVES["cost"])
    args = (np.zeros(4), np.ones(4), np.zeros(4), objs, 1.0, toy.baseline())
    kwargs = {"pop": 16, "generations": 4, "seed": 11, "repair": toy.repair(1.0)}
    local = optimise(ChunkedEvaluator(toy, chunk_size=5), *args, **kwargs)
    with DaskEvaluator(toy, chunk_size=5, n_workers=2) as remote:
        dist = optimise(remote, *args, **kwargs)
    assert np.array_equal(local.x, dist.x)
    for key in local.values:
        assert np.array_equal(local.values[key], dist.values[key])
    assert local.hypervolume == dist.hypervolume and local.recommended == dist.recommended
