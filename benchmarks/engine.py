"""Engine benchmark: one full baseline run, and one round as the number of actors grows.

    python benchmarks/engine.py [--protocol bdm] [--sizes 36 500 2000] [--repeat 3]
                                [--clock cpu]

Prints a table: actors, seconds per round (median of repeats) and the ratio to the 36-actor
round, measured side by side in one run. The 36+ actor rows use synthetic actors
(forecasting/synthetic.py) except the first, which is the real baseline. No assertion on time.
``--clock cpu`` times this process's CPU instead of the wall clock: on a shared machine
whose load moves the wall-clock figures by a factor of two, CPU seconds compare two
versions of the engine more steadily (docs/batches.md).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from forecasting.synthetic import synthetic_actors
from model.inputs.data import load_issues
from model.inputs.scenario import load_scenario
from model.model import EuNatoModel
from model.world import build_world

CLOCK = time.perf_counter


def time_round(model: EuNatoModel, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = CLOCK()
        model.step()
        times.append(CLOCK() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--protocol", default="bdm")
    ap.add_argument("--sizes", type=int, nargs="+", default=[36, 500, 2000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    print(f"clock: {args.clock}")

    t0 = CLOCK()
    base = EuNatoModel(protocol=args.protocol, rng=1).run()
    full = CLOCK() - t0
    print(f"baseline-2024, {args.protocol}: full run {full:.3f} s "
          f"({base.steps} rounds, {len(base.agents)} actors, "
          f"{full / max(base.steps, 1) * 1000:.1f} ms/round incl. set-up)")

    # the baseline's rules on made-up actors: drop its stances on real countries
    sc = load_scenario("baseline-2024")
    sc = sc.model_copy(update={"stances": {}, "parameters": sc.parameters.model_copy(
        update={"blockers": [], "participation_blockage": False})})
    issues = load_issues()
    rows = []
    for n in args.sizes:
        world = build_world(synthetic_actors(n, np.random.default_rng(n)), issues, sc)
        model = EuNatoModel(sc, protocol=args.protocol, rng=1, world=world,
                            rounds=10 * args.repeat, collect_agents=n <= 500)
        model.step()  # warm-up
        rows.append((n, time_round(model, args.repeat)))
    ref = rows[0][1]
    print(f"\n{'actors':>8} {'s/round':>10} {'× 36-actor round':>18}")
    for n, t in rows:
        print(f"{n:>8} {t:>10.4f} {t / ref:>18.1f}")
    if len(rows) >= 2:
        ns = np.log([r[0] for r in rows])
        ts = np.log([r[1] for r in rows])
        print(f"\nfitted scaling exponent (log-log slope): {np.polyfit(ns, ts, 1)[0]:.2f}")


if __name__ == "__main__":
    main()
