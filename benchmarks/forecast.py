"""BDM benchmark: one round on one issue as the number of actors grows.

    python benchmarks/forecast.py [--sizes 10 36 100 200 1000 5000] [--repeat 3] [--seed 0]

Synthetic actors from a seeded NumPy generator (positions uniform on 0–100, capability and
salience uniform on 0–1). Prints, per size, the seconds for one round (median of repeats,
fast path, the default), the fitted scaling exponent (least squares on log n vs log
seconds over the sizes ≥ 100, where the Θ(n²) work dominates fixed overheads), and, at the
small sizes, the largest absolute difference between the fast path and the direct O(n³)
sums (probabilities of success, vote totals, and the positions after the round). No
assertion on time (tests/test_bdm.py checks the agreement).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from model.protocols.bdm import (
    bdm_round,
    risk_exponents,
    success,
    votes_direct,
    votes_fast,
)


def table(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = rng.uniform(0, 100, n)
    c = rng.uniform(0, 1, n)
    s = rng.uniform(0, 1, n)
    return x, s, c


def time_round(n: int, seed: int, repeat: int, fast: bool = True) -> float:
    x, s, c = table(n, np.random.default_rng(seed))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        bdm_round(x, s, c, 100.0, fast=fast)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def max_diff(n: int, seed: int) -> dict[str, float]:
    x, s, c = table(n, np.random.default_rng(seed))
    cs = c * s
    r = risk_exponents(x, s, cs, 100.0, float(np.median(x)))
    out = {"votes": float(np.abs(votes_fast(x, cs, 100.0) - votes_direct(x, cs, 100.0)).max())}
    out["P"] = max(float(np.abs(success(x, cs, 100.0, rho, den, fast=True)
                                - success(x, cs, 100.0, rho, den, fast=False)).max())
                   for rho in (None, r) for den in ("all", "pair"))
    a, ra, _ = bdm_round(x, s, c, 100.0, fast=True)
    b, rb, _ = bdm_round(x, s, c, 100.0, fast=False)
    out["positions"] = float(np.abs(a - b).max())
    out["risk"] = float(np.abs(ra - rb).max())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 36, 100, 200, 1000, 5000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check-up-to", type=int, default=200,
                    help="compare with the direct O(n³) sums for sizes up to this")
    args = ap.parse_args()

    print(f"{'actors':>7} {'s/round':>10} {'direct s/round':>15} {'max |fast - direct|':>40}")
    rows = []
    for n in args.sizes:
        t = time_round(n, args.seed, args.repeat if n <= 1000 else 1)
        rows.append((n, t))
        if n <= args.check_up_to:
            td = time_round(n, args.seed, 1, fast=False)
            d = max_diff(n, args.seed)
            diff = "  ".join(f"{k} {v:.1e}" for k, v in d.items())
            print(f"{n:>7} {t:>10.4f} {td:>15.4f} {diff:>40}", flush=True)
        else:
            print(f"{n:>7} {t:>10.4f} {'-':>15} {'-':>40}", flush=True)
    big = [(n, t) for n, t in rows if n >= 100]
    if len(big) >= 2:
        ln = np.log([n for n, _ in big])
        lt = np.log([t for _, t in big])
        slope, _ = np.polyfit(ln, lt, 1)
        print(f"fitted scaling exponent (sizes >= 100): seconds ~ n^{slope:.2f}")
    if len(rows) >= 2:
        slope_all, _ = np.polyfit(np.log([n for n, _ in rows]), np.log([t for _, t in rows]), 1)
        print(f"fitted scaling exponent (all sizes):    seconds ~ n^{slope_all:.2f}")


if __name__ == "__main__":
    main()
