"""Run every benchmark script in bench/ (bench_*.py) one after another and summarise their exit codes.

Each script measures its goal against a baseline in the same run and prints its own table of ratios.
Usage: ``python bench/run_all.py [substring ...]`` runs only the scripts whose names contain a substring.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(word in s.name for word in argv)]
    results: list[tuple[str, int, float]] = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)])
        results.append((script.name, code, time.perf_counter() - start))
    print("\nbenchmark            exit  seconds")
    for name, code, seconds in results:
        print(f"{name:<20} {code:>4}  {seconds:7.1f}")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
