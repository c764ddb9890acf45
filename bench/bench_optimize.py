"""Benchmark of the policy optimiser: NSGA-II over whole populations on the batched engine.

Run: .venv/bin/python bench/bench_optimize.py [--pop 100] [--generations 100] [--sample 50] [--compare-random]

Scenario: scenarios/genai_policy.toml on the US pack (539 nodes, all extensions, 10-year horizon in monthly
steps = 120 steps per portfolio). Measures, in the same run:
- batched: NSGA-II, pop x generations portfolio evaluations, each generation one engine call of ``pop``
  scenarios (batch size = pop);
- elementwise (baseline): the same portfolios evaluated one by one through pymoo's ElementwiseProblem (engine
  batch of 1). It is measured on the first ``--sample`` portfolios of the batched run and extrapolated
  linearly to all of them (said in the table);
- with ``--compare-random``: random search with the same number of evaluations, and both hypervolumes.
Goals: batched run < 60 s for 100 x 100 on this 2-core machine, and >= 10x faster than elementwise.
Wall and process CPU time are both printed with the load average: the machine is shared, and when the load is
above the core count wall times stretch while CPU time does not (CPU time counts both threads of the kernel).
The first engine call is timed separately: it compiles the numba kernels (cold cache) or loads them from the
on-disk cache (``cache=True``, next to the sources).
Needs the US pack in the Workshift home (``workshift data build us``).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from workshift.config import CHECKOUT_ROOT
from workshift.optimize.pipeline import load_policy_scenario, prepare, search

SCENARIO = CHECKOUT_ROOT / "scenarios" / "genai_policy.toml"


def elementwise_seconds(prepared, x: np.ndarray) -> tuple[float, float]:
    """pymoo's elementwise loop: one engine run per portfolio."""
    from pymoo.core.problem import ElementwiseProblem

    ev = prepared.evaluator

    class OneByOne(ElementwiseProblem):
        def __init__(self) -> None:
            super().__init__(n_var=ev.space.n_vars, n_obj=len(prepared.objectives), n_ieq_constr=1,
                             xl=ev.space.xl, xu=ev.space.xu)

        def _evaluate(self, xi, out, *args, **kwargs) -> None:
            values = ev(xi[None])
            out["F"] = [-o.sense * values[o.key][0] for o in prepared.objectives]
            out["G"] = [values["cost"][0] - prepared.scenario.policy.budget]

    problem = OneByOne()
    return timed(lambda: problem.evaluate(x))


def timed(fn) -> tuple[float, float]:
    """(wall s, process CPU s) of fn()."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pop", type=int, default=100)
    parser.add_argument("--generations", type=int, default=100)
    parser.add_argument("--sample", type=int, default=50, help="portfolios timed elementwise (extrapolated)")
    parser.add_argument("--compare-random", action="store_true")
    args = parser.parse_args()

    load0 = os.getloadavg()[0]
    start = time.perf_counter()
    prepared = prepare(load_policy_scenario(SCENARIO))  # includes the first engine run (kernel compile/load)
    setup = time.perf_counter() - start
    ev = prepared.evaluator
    # the first batched call compiles (or loads from the cache) the parallel kernel; prepare() ran the serial one
    first = timed(lambda: ev(np.repeat(ev.space.zero()[None], 2, axis=0)))
    out: dict = {}
    wall, cpu = timed(lambda: out.setdefault("result", search(prepared, "nsga2", args.pop, args.generations,
                                                              seed=1)))
    result = out["result"]
    n = result.evaluations
    sample = result.x[: min(args.sample, n)]
    ew_wall, ew_cpu = elementwise_seconds(prepared, sample)
    scale = n / len(sample)
    load1 = os.getloadavg()[0]

    steps = ev.horizon_steps
    print(f"scenario: {SCENARIO.name}, nodes {ev.ctx.n}, steps per portfolio {steps}, "
          f"levers {ev.space.n_levers} x phases {ev.space.n_phases}, setup {setup:.1f} s (incl. kernel "
          f"compile or cache load), first batched call {first[0]:.1f} s (parallel kernel compile or cache load)")
    print(f"load average {load0:.1f} before, {load1:.1f} after, on {os.cpu_count()} cores (wall times stretch "
          f"under load; cpu s does not)")
    print(f"{'mode':<34}{'evaluations':>12}{'wall s':>9}{'cpu s':>9}{'ms/portfolio':>14}{'us/scenario-step':>18}")
    for label, sec, c in ((f"batched NSGA-II (batch {args.pop})", wall, cpu),
                          (f"elementwise (timed {len(sample)}, extrapolated)", ew_wall * scale, ew_cpu * scale)):
        print(f"{label:<34}{n:>12}{sec:>9.1f}{c:>9.1f}{1e3 * sec / n:>14.2f}{1e6 * sec / n / steps:>18.1f}")
    print(f"speed-up batched vs elementwise: {ew_wall * scale / wall:.1f}x wall, {ew_cpu * scale / cpu:.1f}x cpu "
          f"(goal >= 10x)")
    verdict = "n/a (run --pop 100 --generations 100)" if n < 10_000 else ("met" if wall < 60 else "NOT met")
    print(f"batched {n} evaluations: {wall:.1f} s wall, {cpu:.1f} s cpu (goal < 60 s for 10,000): {verdict}")
    print(f"hypervolume NSGA-II: {result.hypervolume:.4f}, pareto size {len(result.pareto)}")
    if args.compare_random:
        rand = search(prepared, "random", args.pop, args.generations, seed=1)
        print(f"hypervolume random search ({rand.evaluations} evaluations): {rand.hypervolume:.4f} "
              f"({rand.seconds:.1f} s); NSGA-II better: {result.hypervolume > rand.hypervolume}")


if __name__ == "__main__":
    main()
