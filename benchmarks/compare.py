"""Comparison benchmark: `compare_scenarios` serial vs a process pool, side by side.

    python benchmarks/compare.py [--seeds 10] [--workers 2]

Two scenarios (baseline-2024, us-disengagement) over the same seeds, the scenarios' own
rounds; wall time of the whole call (pool start, runs, summary table with the bootstrap,
no files), once in-process and once on a local process pool. Prints the load average and
the ratio, and checks that both tables are identical. No assertion on time.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from experiments.compare import compare_scenarios


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    tables, times = [], []
    for w in (1, args.workers):
        t0 = time.perf_counter()
        comp = compare_scenarios(["baseline-2024", "us-disengagement"], args.seeds,
                                 workers=w)
        times.append(time.perf_counter() - t0)
        tables.append(comp.table)
        print(f"workers={w}: {2 * args.seeds} runs in {times[-1]:.1f} s "
              f"({2 * args.seeds / times[-1]:.2f} runs/s)")
    pd.testing.assert_frame_equal(tables[0], tables[1])
    print(f"speed-up with {args.workers} workers: {times[0] / times[1]:.2f}x; tables identical")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
