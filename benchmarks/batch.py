"""Batch benchmark: runs/second of one baseline sweep on each executor, and mesa.batch_run.

    python benchmarks/batch.py [--runs 1000] [--protocol compromise] [--workers 2]

The sweep: baseline-2024, the scenario's rounds, us_engagement at 10 levels × runs/10
seeds. The same runs go through ``experiments.batch.run_params`` serially (in-process), on
a local process pool, on a local Dask cluster (process workers), and through
``mesa.batch_run`` (serial and with a process pool) on the same model. Wall time includes
starting the pool/cluster and, for ours, writing the Parquet parts. Prints one table with
the ratios to the serial batch, measured side by side in one run; checks that our three
executors wrote identical runs tables. No assertion on time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import mesa
import numpy as np
import pandas as pd

from experiments.batch import run_params
from model.model import EuNatoModel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000, help="multiple of 10")
    ap.add_argument("--protocol", default="compromise")
    ap.add_argument("--workers", type=int, default=2, help="pool / Dask workers")
    args = ap.parse_args()

    levels = [round(x, 3) for x in np.linspace(0.1, 1.0, 10)]
    seeds = list(range(1, max(1, args.runs // 10) + 1))
    params = [{"scenario": "baseline-2024", "protocol": args.protocol, "seed": s,
               "us_engagement": u} for u in levels for s in seeds]
    n, w = len(params), args.workers
    print(f"{n} runs: baseline-2024, {args.protocol}, us_engagement × {len(seeds)} seeds; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")

    rows: list[tuple[str, float]] = []
    tables: list[pd.DataFrame] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, opts in (("eunato batch, serial (--workers 1)", {"workers": 1}),
                            (f"eunato batch, process pool (--workers {w})", {"workers": w}),
                            (f"eunato batch, Dask LocalCluster ({w} workers)",
                             {"dask_workers": w})):
            t0 = time.perf_counter()
            df = run_params(params, os.path.join(tmp, str(len(rows))), progress=False, **opts)
            rows.append((label, time.perf_counter() - t0))
            tables.append(df)
            print(f"  {label}: {rows[-1][1]:.1f} s", flush=True)
    for df in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], df)
    assert len(tables[0]) == n and (tables[0]["status"] == "ok").all()

    for procs in (1, w):
        label = f"mesa.batch_run (number_processes={procs})"
        t0 = time.perf_counter()
        res = mesa.batch_run(EuNatoModel, parameters={"protocol": args.protocol,
                                                      "us_engagement": levels,
                                                      "collect_agents": False},
                             rng=seeds, number_processes=procs, data_collection_period=-1,
                             display_progress=False)
        rows.append((label, time.perf_counter() - t0))
        assert len({(r["us_engagement"], r["RunId"]) for r in res}) == n
        print(f"  {label}: {rows[-1][1]:.1f} s", flush=True)

    ref = rows[0][1]
    print(f"\n| {'executor':<44} | {'wall s':>7} | {'runs/s':>7} | {'× serial':>8} |")
    print(f"|{'-' * 46}|{'-' * 9}|{'-' * 9}|{'-' * 10}|")
    for label, t in rows:
        print(f"| {label:<44} | {t:>7.1f} | {n / t:>7.1f} | {ref / t:>8.2f} |")
    print("\nthe three eunato executors wrote identical runs tables")


if __name__ == "__main__":
    main()
