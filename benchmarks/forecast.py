"""Forecast benchmarks: every protocol on all DEU III issues, and one BDM round as the
number of actors grows.

    python benchmarks/forecast.py [--deu ../shared/data/deu3] [--rounds 10]
                                  [--sizes 10 36 100 200 1000 5000] [--repeat 3] [--seed 0]

DEU part: each registered protocol plays every proposal of the shared DEU III half (all its
issues at once, ``--rounds`` rounds, GDP capability), as ``eunato validate deu3`` does; plus
the static compromise in the Council core, the stated protocol (:data:`STATED` in
:mod:`validation.select`), its whole pre-registered choice (every candidate, nested
CV over 20 fold draws; the MAE column is then the CV MAE), the whole `eunato validate deu3
--select` command as a user runs it (the MAE column is then its exit code) and BDM's
round-independent answer (played until it converges or cycles,
:func:`forecasting.forecast.settle`). Prints wall and CPU seconds (median of ``--repeat``; CPU
seconds do not grow with the load), the MAE, and the machine's load average so the
figures can be read.

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


def deu_protocols(path: str, rounds: int, repeat: int, seed: int) -> None:
    """Seconds and MAE of every protocol on all DEU issues (the < 10 s target)."""
    import os

    from forecasting.forecast import settle
    from model.protocols import PROTOCOLS
    from validation.core import score_core
    from validation.deu import read_deu
    from validation.run import proposal_state, score
    from validation.select import bases, score_stated, select

    issues = read_deu(path)
    print(f"DEU III: {len(issues)} issues; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"{'protocol':<40} {'seconds':>8} {'CPU s':>7} {'MAE':>7}")

    def row(label: str, fn, mae) -> None:  # noqa: ANN001
        """Median wall and CPU seconds of ``repeat`` runs of ``fn``; ``mae(result)``."""
        walls, cpus, out = [], [], None
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            out = fn()
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        print(f"{label:<40} {statistics.median(walls):>8.2f} {statistics.median(cpus):>7.2f} "
              f"{mae(out):>7.2f}", flush=True)

    def err(sc) -> float:  # noqa: ANN001
        return float(sc.errors.mean())

    for name in sorted(PROTOCOLS):
        row(f"{name} ({rounds} rounds)",
            lambda name=name: score(issues, name, "gdp", rounds=rounds, seed=seed), err)
    row("compromise in the Council core",
        lambda: score_core(issues, score(issues, "compromise", "gdp", rounds=0)), err)
    row("stated protocol (select.STATED)", lambda: score_stated(issues, "gdp"), err)
    row("choice: all candidates + nested CV",
        lambda: select(issues, bases(issues, "gdp", rounds=rounds, seed=seed)),
        lambda sel: sel.cv_mae)

    def whole_command() -> float:
        """`eunato validate deu3 PATH --select` as a user runs it (every protocol, the rows
        above, the candidates and both criteria' nested CV), its output thrown away."""
        import contextlib
        import io

        from cli.main import main as cli
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            return float(cli(["validate", "deu3", path, "--select", "--rounds", str(rounds),
                              "--seed", str(seed), "--format", "csv"]))
    row("eunato validate deu3 --select (exit code)", whole_command, float)

    def bdm_settled() -> float:
        from collections import defaultdict
        by: dict[str, list] = defaultdict(list)
        for i in issues:
            by[i.proposal].append(i)
        err = []
        for group in by.values():
            for iss, a in zip(group, settle(proposal_state(group, "gdp"), "bdm"), strict=True):
                err.append(abs(a.value - iss.outcome))
        return float(np.mean(err))
    row("bdm, settled answer", bdm_settled, float)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deu", default="../shared/data/deu3",
                    help="the DEU III folder or table ('' to skip the DEU part)")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 36, 100, 200, 1000, 5000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check-up-to", type=int, default=200,
                    help="compare with the direct O(n³) sums for sizes up to this")
    args = ap.parse_args()
    if args.deu:
        deu_protocols(args.deu, args.rounds, args.repeat, args.seed)
        print()

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
