"""Benchmark and offline evaluation of career transitions (issue 5).

Performance goals (2-core machine): one ``transitions`` query under 200 ms once the pack is loaded; every
occupation through ``--from-file`` under 30 s. Baselines measured in the same run: the similarity matrix
computed one origin row at a time (the obvious first implementation) against the chunked one, and a query that
computes its origin's similarity row on the fly against the precomputed matrix.

Offline evaluation:
1. recall@k, mass@k and NDCG@k against observed occupational transitions (the empirical mobility network,
   CPS-ASEC, at node level) of the observed-mobility model on **held-out origins** (GroupKFold by the SOC
   minor group of the origin's node) and of every naive baseline: destination size, plain cosine of skill and
   knowledge levels, the pack's O*NET-only skills network, the directional coverage score and random
   (:mod:`workshift.services.transitions_validation`). The model must beat the best baseline on every metric.
2. Share of high-exposure occupations (top quartile of workers by exposure) with at least one safe and desirable
   transition, unweighted and employment-weighted, under both definitions of safe and three growth bars
   (exposure only as before; the rule, >= -5%; no decline at all), beside Nesta's 212 of 217.

Usage: ``.venv/bin/python bench/bench_transitions.py [--home DIR] [--index gpts_beta] [--queries 50]``
Exit code 1 if a performance goal is missed (judged on cpu time when the machine is oversubscribed).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from workshift import config
from workshift.data import build_pack, load_pack, registry
from workshift.services import similarity as sim
from workshift.services import transitions_validation as validation
from workshift.services.career import advise, advise_many
from workshift.services.population import option_flags
from workshift.services.training import load_catalogue
from workshift.services.transitions import TransitionModel
from workshift.services.transitions_observed import FEATURE_INDEX

QUERY_GOAL_S, FILE_GOAL_S = 0.2, 30.0
KS = (5, 10, 20)
NESTA = "career/nesta_mcc/transitions_mcc_transitions_Occupation_data.csv"


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def python_pairs(space: sim.SkillSpace, origins: int = 10) -> float:
    """Baseline: seconds for the full matrix with a plain Python loop over pairs and elements, extrapolated
    from ``origins`` origin rows (the whole matrix would take minutes)."""
    doms = [(d.level.tolist(), d.weight.tolist()) for d in space.domains.values()]
    n = len(space.codes)
    start = time.process_time()
    for i in range(origins):
        for level, weight in doms:
            for j in range(n):
                covered = sum(min(a, b) * w for a, b, w in zip(level[i], level[j], weight[j], strict=True))
                mass = sum(b * w for b, w in zip(level[j], weight[j], strict=True))
                _ = covered / mass if mass > 0 else 1.0
    return (time.process_time() - start) * n / origins


# -- performance -----------------------------------------------------------------------------------------
def performance(pack, home: Path, queries: int) -> tuple[list[tuple], bool, float, float]:
    rows, ok = [], True
    _, wall, cpu = timed(lambda: sim.SkillSpace.from_pack(pack).full())
    rows.append(("similarity matrix 830 x 830, vectorised (cold)", wall, cpu, None))
    base_cpu = python_pairs(sim.SkillSpace.from_pack(pack))
    rows.append(("  baseline: Python loop over pairs (extrapolated)", float("nan"), base_cpu, None))
    sim.SkillSpace.for_pack(pack, home)  # fill the disk caches (similarity; the observed-mobility model below)
    _, fit_wall, fit_cpu = timed(lambda: TransitionModel(pack))
    rows.append(("observed-mobility model: fit once per pack (or its cache)", fit_wall, fit_cpu, None))
    model, wall, cpu = timed(lambda: TransitionModel(pack))
    rows.append(("model from the disk cache", wall, cpu, None))
    catalogue = load_catalogue()
    rng = np.random.default_rng(5)
    origins = rng.choice(model.codes.to_numpy(), size=queries, replace=False)
    times = []
    for code in origins:
        _, wall, cpu = timed(lambda c=code: advise(model, c, top=10, filter="safe", catalogue=catalogue))
        times.append((wall, cpu))
    q_wall, q_cpu = np.median(times, axis=0)
    rows.append((f"one query, median of {queries} (goal {QUERY_GOAL_S:.1f} s)", q_wall, q_cpu, QUERY_GOAL_S))

    def on_the_fly(code: str) -> None:
        i = model.position(code)
        model.space.similarity_block(np.array([i]))
        advise(model, code, top=10, filter="safe", catalogue=catalogue)

    fly = np.median([timed(lambda c=c: on_the_fly(c))[1:] for c in origins[:10]], axis=0)
    rows.append(("  baseline: similarity row on the fly", fly[0], fly[1], None))
    lines = list(enumerate(model.codes, start=1))
    batch, wall, cpu = timed(lambda: advise_many(model, lines, top=10, catalogue=catalogue))
    assert not batch.bad and len(batch.answers) == len(model.codes)
    rows.append((f"all {len(lines)} occupations in-process", wall, cpu, FILE_GOAL_S))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "all.txt"
        path.write_text("\n".join(model.codes) + "\n", encoding="utf-8")
        env = dict(os.environ, WORKSHIFT_HOME=str(home))
        cmd = [sys.executable, "-m", "workshift", "transitions", "--from-file", str(path), "--json"]
        start, child = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        cli = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu = (after.ru_utime + after.ru_stime) - (child.ru_utime + child.ru_stime)
        if done.returncode:
            print(done.stderr[-2000:])
            ok = False
    rows.append(("`transitions --from-file` all, CLI end to end", cli, cli_cpu, FILE_GOAL_S))
    busy = os.getloadavg()[0] > (os.cpu_count() or 1)
    for _name, wall, cpu, goal in rows:
        if goal is not None:
            ok &= (cpu if busy and np.isfinite(cpu) else wall) <= goal
    return rows, ok, base_cpu / rows[0][2], fly[1] / q_cpu


# -- offline evaluation ------------------------------------------------------------------------------------
def evaluation(model: TransitionModel, pack) -> pd.DataFrame:
    """Held-out-origin metrics of the observed-mobility model and every naive baseline (shared module)."""
    wide = pack.exposure_wide()
    exposure = wide[FEATURE_INDEX].reindex(model.codes).astype(float).to_numpy()
    return validation.evaluate(pack, model.space, exposure)


def nesta_reference() -> tuple[int, int]:
    table = pd.read_csv(registry.source_file(NESTA))
    high = table[table["risk_category"] == "High risk"]
    return int((high["n_safe_desirable"] > 0).sum()), len(high)


def safe_desirable_shares(pack, indices: list[str], growth_bars=(None, -0.05, 0.0)) -> pd.DataFrame:
    """Share of high-exposure occupations with a safe and desirable option, per index, safe rule and growth
    bar (None: exposure only, as before issue 15; -0.05: the rule; 0.0: no decline at all, a sensitivity)."""
    rows = []
    for index in indices:
        model = TransitionModel(pack, index=index)
        high, emp = model.high_exposure, model.employment
        for bar in growth_bars:
            model.thresholds = replace(model.thresholds, safe_min_growth=-np.inf if bar is None else bar)
            for rule in ("relative", "category"):
                has = option_flags(model, rule)
                rows.append({"index": index, "safe": rule, "growth bar": "none" if bar is None else f"{bar:+.0%}",
                             "high-exposure occupations": int(high.sum()), "with option": int(has[high].sum()),
                             "share": has[high].mean(),
                             "employment-weighted": (emp * has)[high].sum() / emp[high].sum()})
    return pd.DataFrame(rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="Workshift home holding a built US pack "
                        "(default: a temporary home where the pack is built first)")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--indices", default="gpts_beta,microsoft_applicability,ilo_genai_2025,frey_osborne")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        if not (home / "packs" / "us.duckdb").is_file():
            print(f"building the US pack in {home} ...", flush=True)
            build_pack("us", data_dir=config.data_dir(), home=home)
        os.environ["WORKSHIFT_HOME"] = str(home)
        pack = load_pack("us", home=home)
        rows, ok, matrix_speedup, query_speedup = performance(pack, home, args.queries)
        model = TransitionModel(pack)
        metrics = evaluation(model, pack)
        indices = [i for i in args.indices.split(",") if i in set(pack.exposure_indices["index"])]
        shares = safe_desirable_shares(pack, indices)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (cpu s is what counts when busy)")
    print(f"{'step':<52} {'wall s':>8} {'cpu s':>8} {'goal s':>7}")
    for name, wall, cpu, goal in rows:
        print(f"{name:<52} {wall:8.3f} {cpu:8.3f} {'' if goal is None else f'{goal:7.1f}'}".replace("nan", "  -"))
    print(f"ratios (cpu): vectorised matrix {matrix_speedup:.0f}x faster than the Python loop; precomputed query "
          f"{query_speedup:.1f}x faster than computing its row on the fly")
    print(f"\nheld-out origins: recall / mass / NDCG against the empirical mobility network "
          f"({metrics.attrs['nodes']} scored nodes, {metrics.attrs['sources']} with observed moves; self-moves "
          f"excluded; GroupKFold, {metrics.attrs['folds']} folds over {metrics.attrs['groups']} SOC minor groups)")
    print(metrics.round(3).to_string())
    gap = validation.best_baseline_gap(metrics)
    print("model minus the best naive baseline:", gap.round(3).to_dict())
    ok &= bool((gap > 0).all())
    done, total = nesta_reference()
    print(f"\nhigh-exposure occupations with at least one safe and desirable transition "
          f"(Nesta: {done} of {total} = {100 * done / total:.1f}%, unweighted, safe = not high-risk)")
    print(shares.round(3).to_string(index=False))
    th = model.thresholds
    print(f"\nthresholds: viable {th.viable:.3f} (mean {th.highly_viable:.3f} - 1 sd over {th.group_pairs} "
          f"within-broad-group pairs); safe margin {th.safe_margin:.3f} on {th.index} and growth >= "
          f"{th.safe_min_growth:+.0%}; high exposure >= {th.high_exposure:.3f}; ranked by {th.ranked_by}")
    print("goals (performance; the model beats every baseline on every metric):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
