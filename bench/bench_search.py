"""Benchmark occupation search and the CSCO->SOC crosswalk; measure the crosswalk's accuracy.

1. Search: index build time (TF-IDF over every title), index load from the disk cache, and query latency
   (English and Chinese queries) against a baseline measured in the same run: rapidfuzz ``WRatio`` over every
   title (the obvious fuzzy matcher). Goal: a query under 50 ms once the index is loaded.
2. Crosswalk (skipped with ``--no-crosswalk``): full build time, every CSCO level-4 occupation against every
   SOC occupation of the pack (goal: under 5 minutes on the 2-core machine; wall and CPU time are printed
   with the load average, since other work on the machine slows the embedding). Then top-1/5/10 accuracy on
   the tuning part of the hand-checked sample ``services/data/csco_soc_checked.csv`` (random and common
   occupations; the evaluation part's top-1/5/10 is printed after), the
   calibration of the top-1 confidence, and the same for a baseline from the same embeddings: plain e5
   cosine (no language centring, no hubness correction, no major-group prior).

Usage: ``.venv/bin/python bench/bench_search.py [--home DIR] [--no-crosswalk | --eval-only] [--queries N]``
(``--eval-only`` measures the accuracy of the crosswalk already cached in ``--home``, without building).
Exit code 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workshift.context import Context
from workshift.services import crosswalk_accuracy as accuracy
from workshift.services import crosswalk_csco as xw
from workshift.services import search as search_module

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "workshift" / "services" / "data" / "csco_soc_checked.csv"
QUERIES = [
    "data entry",
    "software developer",
    "registered nurse",
    "truck driver",
    "cashier",
    "sofware develper",
    "accountant",
    "electrician",
    "teacher",
    "welder",
    "数据录入",
    "护士",
    "软件开发",
    "快递员",
    "收银员",
    "焊工",
    "会计",
    "厨师",
    "保安",
    "外卖骑手",
]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench_search(home: Path, repeats: int) -> bool:
    from rapidfuzz import fuzz, process

    started = time.perf_counter()
    titles = search_module.title_table(Context.create(home=home))
    table_s = time.perf_counter() - started
    started = time.perf_counter()
    index = search_module.TitleIndex.build(titles, "bench")
    build_s = time.perf_counter() - started
    index.save(home / "bench_index")
    started = time.perf_counter()
    search_module.TitleIndex.load(home / "bench_index", "bench")
    load_s = time.perf_counter() - started
    ours = []
    for _ in range(repeats):
        for query in QUERIES:
            started = time.perf_counter()
            index.search(query, top=10)
            ours.append(time.perf_counter() - started)
    choices = titles["title"].tolist()
    theirs = []
    for query in QUERIES[:5]:
        started = time.perf_counter()
        process.extract(query, choices, scorer=fuzz.WRatio, limit=10)
        theirs.append(time.perf_counter() - started)
    median, p95, base = np.median(ours) * 1e3, np.percentile(ours, 95) * 1e3, np.median(theirs) * 1e3
    print(f"titles indexed: {len(titles):,} ({titles['kind'].value_counts().to_dict()})")
    print(f"{'step':<34}{'seconds':>10}")
    for name, value in (
        ("read titles", table_s),
        ("build TF-IDF index", build_s),
        ("load index from cache", load_s),
    ):
        print(f"{name:<34}{value:>10.2f}")
    print(
        f"query latency: median {median:.1f} ms, p95 {p95:.1f} ms over {len(ours)} queries "
        f"(rapidfuzz WRatio baseline median {base:.0f} ms: {base / median:.0f}x slower)"
    )
    ok = median < 50
    print(f"goal query < 50 ms: {'met' if ok else 'MISSED'}")
    return ok


def _accuracy(order: np.ndarray, soc: np.ndarray, gold: list[list[str]]) -> dict[int, np.ndarray]:
    def good(code: str, wanted: list[str]) -> bool:
        return any(code == w or (w.endswith("*") and code.startswith(w[:-1])) for w in wanted)

    return {
        k: np.array([any(good(soc[j], g) for j in row[:k]) for row, g in zip(order, gold, strict=True)])
        for k in (1, 5, 10)
    }


def bench_crosswalk(home: Path, build: bool = True) -> bool:
    ok = True
    if build:
        load_before = os.getloadavg()
        started, cpu = time.perf_counter(), cpu_seconds()
        frame = xw.build_crosswalk(home=home, force=True)
        wall_s, cpu_s = time.perf_counter() - started, cpu_seconds() - cpu
        print(
            f"\ncrosswalk: {frame.attrs['csco_codes']} CSCO occupations x {frame.attrs['soc_occupations']} SOC "
            f"occupations ({frame.attrs['soc_passages']} passages); build {wall_s:.0f} s wall, {cpu_s:.0f} s "
            f"cpu; load average before/after {load_before[0]:.1f}/{os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores"
        )
        ok = wall_s < 300
        print(
            f"goal build < 300 s: {'met' if ok else 'MISSED (see the load average: other work shares the cores)'}"
        )
    else:
        frame = xw.cached_crosswalk(home=home)
        if frame is None:
            print("no cached crosswalk in this home: run without --eval-only")
            return False

    sample = pd.read_csv(SAMPLE, dtype=str)
    sample = sample[sample["subset"].isin(accuracy.TUNING)]  # the part the parameters were chosen on
    gold = [codes.split() for codes in sample["soc_codes"]]
    rows = frame.set_index("csco_code")
    soc = np.array(sorted(set(frame["soc_code"])))
    position = {c: i for i, c in enumerate(soc)}
    order = np.array([[position[c] for c in rows.loc[code, "soc_code"]] for code in sample["csco_code"]])
    confidence = np.array([rows.loc[code, "confidence"].iloc[0] for code in sample["csco_code"]])
    ours = _accuracy(order, soc, gold)

    # Baseline from the same model: plain cosine of the raw embeddings, best passage per occupation.
    ctx = Context.create(home=home)
    with np.load(xw._folder(ctx) / f"{xw.crosswalk_key(ctx)}.npz") as saved:
        passages, starts, soc_all = saved["passages"], saved["starts"], saved["soc_codes"]
    csco = xw.load_csco()
    queries = xw.csco_queries(csco, sample["csco_code"])
    raw = xw.embed(queries["text"].tolist(), True)
    plain = xw.by_occupation(raw @ passages.T, starts)
    base = _accuracy(np.argsort(-plain, axis=1)[:, :10], soc_all, gold)

    random_rows = (sample["subset"] == "random").to_numpy()
    print(
        f"\naccuracy on the hand-checked sample ({len(sample)} CSCO occupations: {random_rows.sum()} random, "
        f"{(~random_rows).sum()} common)"
    )
    print(f"{'method':<34}{'top-1':>8}{'top-5':>8}{'top-10':>8}{'top-1 random':>14}{'top-1 common':>14}")
    for name, acc in (("workshift crosswalk", ours), ("baseline: plain e5 cosine", base)):
        print(
            f"{name:<34}{acc[1].mean():>8.3f}{acc[5].mean():>8.3f}{acc[10].mean():>8.3f}"
            f"{acc[1][random_rows].mean():>14.3f}{acc[1][~random_rows].mean():>14.3f}"
        )
    print(f"ratio top-1 / baseline: {ours[1].mean() / max(base[1].mean(), 1e-9):.2f}")
    confident = confidence >= 0.5
    print(
        f"top-1 confidence: mean {confidence.mean():.3f} (top-1 accuracy {ours[1].mean():.3f}); "
        f"confidence >= 0.5 for {confident.sum()} codes, accuracy there {ours[1][confident].mean():.3f}, "
        f"below {ours[1][~confident].mean():.3f}"
    )
    held_out = accuracy.figures(frame, accuracy.EVALUATION)
    print(
        f"evaluation part ({held_out['n']} CSCO occupations drawn by major group, never used for tuning): "
        f"top-1 {held_out['top1']:.3f}, top-5 {held_out['top5']:.3f}, top-10 {held_out['top10']:.3f}"
    )
    print(accuracy.by_major(frame, accuracy.EVALUATION).to_string())
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="Workshift home (default: a temporary one).")
    parser.add_argument("--no-crosswalk", action="store_true", help="Skip the crosswalk build (minutes).")
    parser.add_argument("--eval-only", action="store_true", help="Evaluate the crosswalk cached in --home.")
    parser.add_argument("--queries", type=int, default=5, help="Repeats of the query set.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        os.environ["WORKSHIFT_HOME"] = str(home)
        ok = True if args.eval_only else bench_search(home, args.queries)
        if not args.no_crosswalk:
            ok = bench_crosswalk(home, build=not args.eval_only) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
