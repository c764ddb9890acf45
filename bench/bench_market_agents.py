"""Benchmark of agents mode: agent-steps per second with 10 million agents (US pack, paper scenario).

Run: .venv/bin/python bench/bench_market_agents.py [--agents 1e7] [--steps 30] [--extensions]
Goal: >= 2e8 agent-steps/s on this 2-core machine, <= 16 bytes of state per agent, individual spells kept.
Also reports the per-phase split (draw counts / move agents) and the mean-field agreement of the run.
For scale (issue): Mesa ~1e4, Agents.jl ~1.5e6, a plain vectorised numpy/torch port ~2-4e7 agent-steps/s.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from workshift.market import agents as ag
from workshift.market import scenario
from workshift.market.hooks import PolicyHooks
from workshift.market.meanfield import run as run_meanfield
from workshift.market.run import build

GOAL = 2e8


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=float, default=1e7)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--extensions", action="store_true", help="all extensions on (default: the paper)")
    args = parser.parse_args()
    N = int(args.agents)
    ext = {} if args.extensions else {"extensions": []}
    model = build(scenario.from_dict({"market": ext, "shock": {"index": "gpts_beta", "start_step": 5,
                                                                "adoption_steps": 40}})).model
    ag.run(model, steps=2, agents=20_000)  # compile the serial kernels
    ag.run(model, steps=2, agents=ag.PARALLEL_MIN_AGENTS)  # and the parallel ones
    hooks = PolicyHooks().broadcast(1, model.n)
    init = model.initial_state(1, hooks)
    t = time.perf_counter()
    pop = ag.Population(model, init, 0, N, 1)
    setup = time.perf_counter() - t
    m1, m2, complete = ag.search_matrices(model, hooks, 0)
    hb = ag._hooks_for(hooks, 0)
    u = []
    t = time.perf_counter()
    for step in range(args.steps):
        ag.step_population(pop, model, hb, m1, m2, complete, model.demand.at(step + 1)[0], step, 1)
        sizes = pop.sizes()
        u.append((sizes[:, 1] + sizes[:, 2]).sum() / (sizes[:, :5].sum()))
    seconds = time.perf_counter() - t
    rate = N * args.steps / seconds
    mf = run_meanfield(model, steps=args.steps).rates()["unemployment_rate"][0, 1:]
    print(f"agents benchmark: {N:,} agents, {args.steps} steps, {model.n} nodes, "
          f"{'all extensions' if args.extensions else 'paper'}")
    print(f"{'setup (s)':<28} {setup:>12.2f}")
    print(f"{'seconds per step':<28} {seconds / args.steps:>12.4f}")
    print(f"{'agent-steps per second':<28} {rate:>12.3g}   (goal >= {GOAL:.0e})")
    print(f"{'bytes of state per agent':<28} {pop.bytes_per_agent():>12.2f}   (goal <= 16)")
    print(f"{'segment repacks':<28} {pop.rounds:>12d}")
    print(f"{'max |u_agents - u_meanfield|':<28} {np.max(np.abs(np.array(u) - mf)):>12.2e}")
    met = rate >= GOAL and pop.bytes_per_agent() <= 16
    print(f"goal {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
