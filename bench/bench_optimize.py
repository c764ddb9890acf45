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
Needs the US pack in the Workshift home (``workshift data build us``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from workshift.config import CHECKOUT_ROOT
from workshift.optimize.pipeline import load_policy_scenario, prepare, search

SCENARIO = CHECKOUT_ROOT / "scenarios" / "genai_policy.toml"


def elementwise_seconds(prepared, x: np.ndarray) -> float:
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
    start = time.perf_counter()
    problem.evaluate(x)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pop", type=int, default=100)
    parser.add_argument("--generations", type=int, default=100)
    parser.add_argument("--sample", type=int, default=50, help="portfolios timed elementwise (extrapolated)")
    parser.add_argument("--compare-random", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    prepared = prepare(load_policy_scenario(SCENARIO))
    setup = time.perf_counter() - start
    ev = prepared.evaluator
    ev(ev.space.zero()[None])  # compile the engine kernels before timing
    result = search(prepared, "nsga2", args.pop, args.generations, seed=1)
    batched = result.seconds
    n = result.evaluations
    sample = result.x[: min(args.sample, n)]
    one_by_one = elementwise_seconds(prepared, sample) * n / len(sample)

    steps = ev.horizon_steps
    print(f"scenario: {SCENARIO.name}, nodes {ev.ctx.n}, steps per portfolio {steps}, "
          f"levers {ev.space.n_levers} x phases {ev.space.n_phases}, setup {setup:.1f} s")
    print(f"{'mode':<34}{'evaluations':>12}{'seconds':>10}{'ms/portfolio':>14}{'us/scenario-step':>18}")
    for label, seconds in ((f"batched NSGA-II (batch {args.pop})", batched),
                           (f"elementwise (timed {len(sample)}, extrapolated)", one_by_one)):
        print(f"{label:<34}{n:>12}{seconds:>10.1f}{1e3 * seconds / n:>14.2f}{1e6 * seconds / n / steps:>18.1f}")
    ratio = one_by_one / batched
    print(f"speed-up batched vs elementwise: {ratio:.1f}x (goal >= 10x)")
    verdict = "n/a (run --pop 100 --generations 100)" if n < 10_000 else ("met" if batched < 60 else "NOT met")
    print(f"batched {n} evaluations: {batched:.1f} s (goal < 60 s for 10,000): {verdict}")
    print(f"hypervolume NSGA-II: {result.hypervolume:.4f}, pareto size {len(result.pareto)}")
    if args.compare_random:
        rand = search(prepared, "random", args.pop, args.generations, seed=1)
        print(f"hypervolume random search ({rand.evaluations} evaluations): {rand.hypervolume:.4f} "
              f"({rand.seconds:.1f} s); NSGA-II better: {result.hypervolume > rand.hypervolume}")


if __name__ == "__main__":
    main()
