"""Benchmark: building the US region pack and reloading it.

Goals (issue 2): `build_pack("us")` under 60 s and a cached reload under 1 s on the 2-core machine.
Baseline measured in the same run: the I/O floor of a build, i.e. hashing every raw file the build reads
(the build must read and hash each of them once anyway). Exit code 1 if a goal is missed (on cpu time when the
machine is oversubscribed, i.e. load average above the core count, else on wall time).

Usage: ``.venv/bin/python bench/bench_data.py [--data-dir DIR] [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from workshift import config
from workshift.data import build_pack, load_pack, pack
from workshift.files import sha256_file

GOALS = {"build (cold cache)": 60.0, "build (warm cache)": 60.0, "load (from disk)": 1.0, "load (cached)": 1.0}


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="builds per measurement (best is kept)")
    args = parser.parse_args(argv)
    data_dir = config.data_dir(args.data_dir)

    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        cold = min((timed(lambda i=i: build_pack("us", data_dir=data_dir, home=home / f"cold{i}"))
                    for i in range(args.repeat)), key=lambda r: r[0])
        rows.append(("build (cold cache)", *cold))
        warm_home = home / "cold0"
        warm = min((timed(lambda: build_pack("us", data_dir=data_dir, home=warm_home))
                    for _ in range(args.repeat)), key=lambda r: r[0])
        rows.append(("build (warm cache)", *warm))
        pack._CACHE.clear()
        rows.append(("load (from disk)", *timed(lambda: load_pack("us", home=warm_home))))
        rows.append(("load (cached)", *timed(lambda: load_pack("us", home=warm_home))))
        files = [data_dir / f["path"] for s in load_pack("us", home=warm_home).meta["source_files"]
                 for f in s["files"]]
        floor = timed(lambda: [sha256_file(f) for f in files])

    print(f"data dir: {data_dir}  ({len(files)} raw files, {sum(f.stat().st_size for f in files) / 1e6:.0f} MB)")
    print(f"baseline: hashing the raw files once = {floor[0]:.2f} s wall; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores (wall times stretch under load; cpu s does not)")
    print(f"{'step':<20} {'wall s':>8} {'cpu s':>8} {'goal s':>8} {'wall/goal':>10} {'wall/baseline':>14}")
    missed_wall = missed_cpu = False
    for name, wall, cpu in rows:
        goal = GOALS[name]
        missed_wall |= wall > goal
        missed_cpu |= cpu > goal
        print(f"{name:<20} {wall:8.2f} {cpu:8.2f} {goal:8.1f} {wall / goal:10.3f} {wall / floor[0]:14.1f}")
    print(f"goals on wall time: {'MISSED' if missed_wall else 'met'}; on cpu time: {'MISSED' if missed_cpu else 'met'}")
    # wall time is the goal; on an oversubscribed machine (load > cores) only cpu time is a fair measure
    busy = os.getloadavg()[0] > (os.cpu_count() or 1)
    return 1 if (missed_cpu or (missed_wall and not busy)) else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
