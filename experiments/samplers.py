"""From an experiment to the parameter sets of its runs.

Ranges are sampled by the experiment's sampler (grid, Latin hypercube, Sobol, Saltelli);
lists of values are crossed with the sampled points, the scenarios, the protocols and the
replicates (seeds ``seed``, ``seed + 1``, …, the same at every point: common random
numbers, so differences between points are not seed noise). The order is fixed, but
nothing depends on it: a run is known by :func:`experiments.batch.run_id`.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, Protocol

import numpy as np


class Experiment(Protocol):
    """What the sampler reads of :class:`experiments.spec.Experiment` (a protocol, so that
    this module does not import the one that imports it)."""

    sampler: Any
    ranges: Any
    levels: Any
    scenarios: list[str]
    replicates: int
    seed: int
    rounds: int | None

    def protocols_for(self, scenario: str) -> list[str]: ...

SAMPLERS = ("grid", "lhs", "sobol", "saltelli")


def _clean(x: Any) -> Any:
    """Plain Python values, floats rounded to 12 decimals (stable JSON, stable run ids)."""
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return round(float(x), 12)
    return x


def sample_ranges(ranges: dict[str, tuple[float, float]], kind: str = "grid", *,
                  levels: int = 5, n: int = 64, seed: int = 0) -> list[dict[str, float]]:
    """Points in the box ``ranges`` ({name: (low, high)}), in a fixed order.

    ``grid``: ``levels`` evenly spaced values per range, crossed (levels ** d points);
    ``lhs``: ``n`` Latin-hypercube points; ``sobol``: ``n`` scrambled Sobol points (a power
    of two keeps the balance properties); ``saltelli``: SALib's Saltelli design with base
    ``n`` and second-order terms, n × (2d + 2) points, in SALib's order (for Sobol indices).
    """
    names = list(ranges)
    if not names:
        return [{}]
    lo = np.array([ranges[k][0] for k in names], dtype=float)
    hi = np.array([ranges[k][1] for k in names], dtype=float)
    d = len(names)
    if kind == "grid":
        axes = [np.linspace(lo[i], hi[i], levels) for i in range(d)]
        pts = np.array(list(itertools.product(*axes)), dtype=float)
    elif kind == "lhs":
        from scipy.stats import qmc  # SciPy's import is 0.4 s: only where it is used

        pts = qmc.scale(qmc.LatinHypercube(d=d, rng=seed).random(n), lo, hi)
    elif kind == "sobol":
        from scipy.stats import qmc

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "balance properties … power of 2"
            pts = qmc.scale(qmc.Sobol(d=d, scramble=True, rng=seed).random(n), lo, hi)
    elif kind == "saltelli":
        from SALib.sample import sobol as salib_sobol

        problem = {"num_vars": d, "names": names,
                   "bounds": [[a, b] for a, b in zip(lo, hi, strict=True)]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pts = salib_sobol.sample(problem, n, calc_second_order=True, seed=seed)
    else:
        raise ValueError(f"unknown sampler {kind!r}; known: {', '.join(SAMPLERS)}")
    return [{k: _clean(v) for k, v in zip(names, row, strict=True)} for row in pts]


def experiment_points(exp: Experiment) -> list[dict[str, Any]]:
    """Every run's parameter set: scenario × protocol × listed values × sampled points ×
    replicate. Keys: ``scenario``, ``protocol``, ``seed``, ``rounds`` (if set) and the
    swept parameters; parameters that are not swept keep the scenario's values."""
    s = exp.sampler
    sampled = sample_ranges({k: (r.low, r.high) for k, r in exp.ranges.items()}, s.kind,
                            levels=s.levels, n=s.n, seed=s.seed)
    listed = exp.levels
    combos = [dict(zip(listed, vals, strict=True)) for vals in itertools.product(*listed.values())]
    out: list[dict[str, Any]] = []
    runs = [(s, p) for s in exp.scenarios for p in exp.protocols_for(s)]
    for (scenario, protocol), combo, point in itertools.product(runs, combos, sampled):
        for r in range(exp.replicates):
            p: dict[str, Any] = {"scenario": scenario, "protocol": protocol,
                                 "seed": exp.seed + r}
            if exp.rounds is not None:
                p["rounds"] = exp.rounds
            p.update({k: _clean(v) for k, v in combo.items()})
            p.update(point)
            out.append(p)
    return out
