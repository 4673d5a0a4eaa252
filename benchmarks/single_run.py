"""What one full run costs, part by part, beside a run in an ensemble.

    python benchmarks/single_run.py [--protocol compromise] [--runs 10] [--ensemble 100]

A full baseline run (every reporter collected, summary with explanations) as
``benchmarks/batch.py`` times it, ``--runs`` times (seeds 1…), with a wall-clock timer
around each part of the engine's round: coalition moves (``coalitions.update``), their
coordination, the protocol's round, the votes and settlement (``institutions.decide``),
the DataCollector, the set-up and the summary; "the rest" is what lies between them (the
settle test, bookkeeping). Then the same scenario's lean runs as a batch task plays them,
``--ensemble`` at once (``model/ensemble/core.py``): set-up, rounds and the batch row, per run.
Prints the machine's load. No assertion on time; docs/batches.md quotes the output.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from model import coalitions
from model.institutions import houses as institutions
from model.model import EuNatoModel

PARTS = ("coalition moves", "coordination", "protocol round", "votes and settlement",
         "summary with explanations", "DataCollector", "set-up")


def timed(spent: Counter, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with its wall time added to ``spent[part]``."""
    def run(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - t0
    return run


def single_runs(protocol: str, runs: int) -> Counter:
    """Seconds per part over ``runs`` full runs (and ``"whole run"``)."""
    spent: Counter = Counter()
    saved = coalitions.update, coalitions.coordinate, institutions.decide
    coalitions.update = timed(spent, "coalition moves", coalitions.update)
    coalitions.coordinate = timed(spent, "coordination", coalitions.coordinate)
    institutions.decide = timed(spent, "votes and settlement", institutions.decide)
    try:
        EuNatoModel(protocol=protocol, rng=1).run().summary()  # warm-up: imports, caches
        spent.clear()
        for seed in range(1, runs + 1):
            t0 = time.perf_counter()
            model = EuNatoModel(protocol=protocol, rng=seed, collect_agents=True)
            spent["set-up"] += time.perf_counter() - t0
            model.protocol.step = timed(spent, "protocol round", model.protocol.step)
            model.datacollector.collect = timed(spent, "DataCollector",
                                                model.datacollector.collect)
            model.run()
            t1 = time.perf_counter()
            model.summary()
            spent["summary with explanations"] += time.perf_counter() - t1
            spent["whole run"] += time.perf_counter() - t0
    finally:
        coalitions.update, coalitions.coordinate, institutions.decide = saved
    return spent


def ensemble_runs(protocol: str, size: int) -> dict[str, float]:
    """Seconds per run of one batch task of ``size`` lean runs played together."""
    from experiments.runs import base_world, build_model, summary_rows
    from model.ensemble.core import Ensemble

    params = [{"scenario": "baseline-2024", "protocol": protocol, "seed": s,
               "us_engagement": round(0.1 * (1 + s % 10), 3)} for s in range(size)]
    out: Counter = Counter()
    for _ in range(2):  # the first is a warm-up
        out.clear()
        t0 = time.perf_counter()
        base = base_world("baseline-2024")
        models = [build_model(p, lean=True, base=base) for p in params]
        t1 = time.perf_counter()
        Ensemble(models).run()
        t2 = time.perf_counter()
        summary_rows(models, params)
        t3 = time.perf_counter()
        out.update({"set-up": t1 - t0, "rounds": t2 - t1, "batch row": t3 - t2,
                    "whole run": t3 - t0})
    return {k: v / size for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--protocol", default="compromise")
    ap.add_argument("--runs", type=int, default=10, help="full single runs timed")
    ap.add_argument("--ensemble", type=int, default=100, help="runs in the ensemble task")
    args = ap.parse_args()
    load0 = os.getloadavg()
    print(f"baseline-2024, {args.protocol}; {os.cpu_count()} CPUs, load average "
          f"{load0[0]:.1f} (1 min) at start")
    spent = single_runs(args.protocol, args.runs)
    rest = spent["whole run"] - sum(spent[p] for p in PARTS)
    print(f"\none full run, mean of {args.runs} (ms):")
    for part in (*PARTS, "the rest"):
        ms = (rest if part == "the rest" else spent[part]) / args.runs * 1000
        print(f"  {part:<28} {ms:8.1f}")
    print(f"  {'whole run':<28} {spent['whole run'] / args.runs * 1000:8.1f}")
    ens = ensemble_runs(args.protocol, args.ensemble)
    print(f"\none lean run in an ensemble of {args.ensemble} (ms per run):")
    for part, sec in ens.items():
        print(f"  {part:<28} {sec * 1000:8.1f}")
    print(f"\nload average at end: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
