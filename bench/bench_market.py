"""Benchmark of the mean-field engine: a batch of 64 scenarios x 539 nodes x 600 steps against the plain dense
one-scenario numpy implementation of the same equations (bench/baseline_dense.py), measured in the same run.

Run: .venv/bin/python bench/bench_market.py [--batch 64] [--steps 600] [--baseline-steps 100]
Goal: >= 40x faster per scenario-step than the dense baseline. Needs the US pack (``workshift data build us``).
Also checks that the batched engine and the baseline compute the same unemployment path.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from baseline_dense import dense_run  # noqa: E402

from workshift.market import scenario  # noqa: E402
from workshift.market.hooks import PolicyHooks  # noqa: E402
from workshift.market.meanfield import run  # noqa: E402
from workshift.market.run import build  # noqa: E402

GOAL = 40.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--baseline-steps", type=int, default=100)
    args = parser.parse_args()
    paper = build(scenario.from_dict({"market": {"extensions": []}, "shock": {"index": "gpts_beta"}}))
    full = build(scenario.from_dict({"market": {}, "shock": {"index": "gpts_beta"}}))
    model = paper.model
    A = model.network.matrix()
    e0, d0, d_final = model.e0, model.demand.d0[0], model.demand.d_final[0]

    dense_run(e0, A, d0, d_final, 3)  # warm up
    t = time.perf_counter()
    base_path = dense_run(e0, A, d0, d_final, args.baseline_steps)
    base = (time.perf_counter() - t) / args.baseline_steps

    B = args.batch
    hooks = PolicyHooks(matching_efficiency=np.linspace(0.9, 1.0, B)[:, None])
    rows = []
    for label, built, engine, steps in (("paper, numba kernel", paper, "numba", args.steps),
                                        ("all extensions, numba kernel", full, "numba", args.steps),
                                        ("paper, numpy reference step", paper, "numpy", min(args.steps, 60))):
        # from the paper's start, as the baseline (runs start converged by default; the cost is the same)
        start = built.model.initial_state(B, converged=False)
        run(built.model, hooks, steps=2, engine=engine, state=start)  # compile / warm up
        t = time.perf_counter()
        traj = run(built.model, hooks, steps=steps, engine=engine, state=start)
        seconds = time.perf_counter() - t
        rows.append((label, seconds, seconds / (steps * B)))
        if label.startswith("paper, numba"):
            u = traj.rates()["unemployment_rate"][-1, : args.baseline_steps + 1]
            err = float(np.max(np.abs(u - base_path)))

    print(f"mean-field benchmark: {B} scenarios x {model.n} nodes, {args.steps} steps (US pack, empirical network)")
    print(f"{'run':<32} {'seconds':>9} {'us/scenario-step':>17} {'speed-up':>9}")
    print(f"{'dense one-scenario baseline':<32} {base * args.baseline_steps:>9.2f} {base * 1e6:>17.1f} {1.0:>8.1f}x")
    for label, seconds, per in rows:
        print(f"{label:<32} {seconds:>9.2f} {per * 1e6:>17.1f} {base / per:>8.1f}x")
    ratio = base / rows[0][2]
    print(f"baseline: {base * 1e3:.2f} ms per step; batched paper engine agrees with it to {err:.1e} "
          f"(max |difference| in the unemployment rate)")
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(f"goal >= {GOAL:.0f}x per scenario-step: {ratio:.0f}x, {verdict}")
    return 0 if ratio >= GOAL and err < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
