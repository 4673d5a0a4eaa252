"""Sensitivity analysis of the outcome metrics to the parameters (`eunato sensitivity FILE`).

SALib's Morris screening (elementary effects: μ*, σ) and Sobol indices (Saltelli/Sobol'
sample; first-order S1 and total ST with bootstrap confidence intervals). The sample points
are runs of :func:`experiments.tuning.scenario.evaluate_point` (the base scenario with the point's
parameter values as overrides), submitted to a ``concurrent.futures.Executor`` — the batch
runner's :func:`experiments.executor.open_executor`, so local processes and Dask work alike.
Each point is run for every seed in the file (the same seeds at every point: common random
numbers) and the metric is the mean over the seeds.

Metrics (default: all of them): ``eu_role_<issue>`` and ``nato_role_<issue>`` (the
arrangement in force: the agreed roles, or the status quo where nothing was agreed; see
docs/schema.md), ``agreed_<issue>`` (0/1), ``agreed``, ``blocked`` and ``status_quo_holds``
(counts of issues), ``rounds_to_agreement`` (censored at rounds + 1 when some issue never
agreed), ``duplication_index`` and ``gap_index`` (of the outcome), ``coalitions``,
``utility_<bloc>`` — numeric columns of a run row (:func:`experiments.runs.flat_summary`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from experiments.tuning.scenario import evaluate_point
from experiments.tuning.spec import STRICT, StudySpec, load_spec, run_metrics
from model.inputs.data import DataError, load_actors, load_issues
from model.io.output import Tab
from model.io.safeio import (
    MAX_GRID_LEVELS,
    MAX_RESAMPLES,
    MAX_RUNS,
    MAX_SEED,
    MAX_SOBOL_N,
    MAX_TRAJECTORIES,
    atomic_output,
    json_text,
    write_text_atomic,
)

METHODS = ("morris", "sobol")


class MorrisOptions(BaseModel):
    model_config = STRICT
    trajectories: int = Field(default=10, ge=2, le=MAX_TRAJECTORIES)
    levels: int = Field(default=4, ge=2, le=MAX_GRID_LEVELS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    resamples: int = Field(default=200, ge=10, le=MAX_RESAMPLES)
    conf_level: float = Field(default=0.95, gt=0, lt=1)


class SobolOptions(BaseModel):
    model_config = STRICT
    n: int = Field(default=64, ge=2, le=MAX_SOBOL_N, description="base sample size (a power of 2)")
    second_order: bool = False
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    resamples: int = Field(default=200, ge=10, le=MAX_RESAMPLES)
    conf_level: float = Field(default=0.95, gt=0, lt=1)


class SASpec(StudySpec):
    methods: list[Literal["morris", "sobol"]] = Field(default_factory=lambda: ["morris",
                                                                                "sobol"],
                                                      min_length=1)
    metrics: list[str] = Field(default_factory=list)
    morris: MorrisOptions = Field(default_factory=MorrisOptions)
    sobol: SobolOptions = Field(default_factory=SobolOptions)

    def check(self) -> None:
        """The base run and bounds as a tune file's (the scenario validator judges every
        bound), the sample size and the metrics, before anything runs."""
        f = self.source or self.name
        self.check_base()
        n = self.sobol.n
        if "sobol" in self.methods and n & (n - 1):
            raise DataError(f, "sobol.n", n, "must be a power of 2 (Sobol' sequence)")
        d = len(self.parameters)
        runs = len(self.seeds) * sum(
            self.morris.trajectories * (d + 1) if m == "morris"
            else n * (2 * d + 2 if self.sobol.second_order else d + 2) for m in self.methods)
        if runs > MAX_RUNS:
            raise DataError(f, "(runs)", runs, f"more than the {MAX_RUNS:,} runs a study "
                            "may have")
        known = set(default_metrics()) | set(run_metrics(self.scenario))
        for m in self.metrics:
            if m not in known:
                raise DataError(f, "metrics", m, "unknown metric; known: "
                                + ", ".join(sorted(known)))

    @property
    def metric_names(self) -> list[str]:
        return self.metrics or default_metrics()


def default_metrics() -> list[str]:
    issues = [i.id for i in load_issues()]
    return [*(f"eu_role_{i}" for i in issues), *(f"nato_role_{i}" for i in issues),
            *(f"agreed_{i}" for i in issues), "agreed", "blocked", "status_quo_holds",
            "rounds_to_agreement", "duplication_index", "gap_index", "coalitions",
            # a run row has the utility of every bloc with actors (summary["bloc_utility"])
            *(f"utility_{b}" for b in sorted({a.bloc for a in load_actors()}))]


def load_sa(path: str | Path) -> SASpec:
    spec = load_spec(path, SASpec)
    spec.check()
    return spec


def problem(spec: SASpec) -> dict[str, Any]:
    names = list(spec.parameters)
    return {"num_vars": len(names), "names": names,
            "bounds": [[spec.parameters[n].low, spec.parameters[n].high] for n in names]}


def sample(spec: SASpec) -> dict[str, np.ndarray]:
    """The sample matrix of each method (rows: points, columns: parameters)."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    pb = problem(spec)
    out = {}
    for m in spec.methods:
        if m == "morris":
            o = spec.morris
            out[m] = morris_sample.sample(pb, o.trajectories, num_levels=o.levels, seed=o.seed)
        else:
            o = spec.sobol
            out[m] = sobol_sample.sample(pb, o.n, calc_second_order=o.second_order,
                                         seed=o.seed)
    return out


def metric_value(row: dict[str, Any], metric: str) -> float:
    x = row.get(metric)
    if metric == "rounds_to_agreement" and x is None:
        return float(row["rounds_run"]) + 1.0  # censored: not all issues agreed
    if x is None:
        return math.nan
    return float(x)


def evaluate(spec: SASpec, samples: dict[str, np.ndarray], executor: Executor,
             progress: Callable[[int], None] | None = None,
             fn: Callable[[dict[str, Any]], dict[str, Any]] = evaluate_point,
             ) -> dict[str, dict[str, np.ndarray]]:
    """Run every point × seed through ``executor``; {method: {metric: Y}} with Y the mean
    over the seeds. ``fn`` is the worker (default: one model run); it gets a task dict
    (base, params, protocol, rounds, seed) and returns a row."""
    names = list(spec.parameters)
    metrics = spec.metric_names
    out: dict[str, dict[str, np.ndarray]] = {}
    for method, X in samples.items():
        futures: dict[Future, tuple[int, int]] = {}
        for i, x in enumerate(X):
            params = {n: float(v) for n, v in zip(names, x, strict=True)}
            for k, seed in enumerate(spec.seeds):
                futures[executor.submit(fn, spec.task(params, seed))] = (i, k)
        vals = np.full((len(metrics), len(X), len(spec.seeds)), np.nan)
        for fut in as_completed(futures):
            i, k = futures[fut]
            row = fut.result()
            for j, m in enumerate(metrics):
                vals[j, i, k] = metric_value(row, m)
            if progress:
                progress(1)
        out[method] = {m: vals[j].mean(axis=1) for j, m in enumerate(metrics)}
    return out


def analyse_one(method: str, spec: SASpec, X: np.ndarray, Y: np.ndarray) -> dict[str, Any]:
    """SALib's analysis of one metric: {index: [value per parameter]} (plus ``note``)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    pb = problem(spec)
    d = pb["num_vars"]
    if not np.all(np.isfinite(Y)):
        return {"note": "undefined at some points (NaN)"}
    if np.ptp(Y) == 0:  # a constant metric: no parameter matters
        z = [0.0] * d
        if method == "morris":
            return {"mu": z, "mu_star": z, "sigma": z, "mu_star_conf": z, "note": "constant"}
        return {"S1": z, "S1_conf": z, "ST": z, "ST_conf": z, "note": "constant"}
    if method == "morris":
        o = spec.morris
        r = morris_analyze.analyze(pb, X, Y, num_resamples=o.resamples,
                                   conf_level=o.conf_level, num_levels=o.levels, seed=o.seed)
        return {k: [float(v) for v in r[k]] for k in ("mu", "mu_star", "sigma",
                                                      "mu_star_conf")}
    o = spec.sobol
    r = sobol_analyze.analyze(pb, Y, calc_second_order=o.second_order,
                              num_resamples=o.resamples, conf_level=o.conf_level, seed=o.seed)
    return {k: [float(v) for v in r[k]] for k in ("S1", "S1_conf", "ST", "ST_conf")}


def analyse(spec: SASpec, samples: dict[str, np.ndarray],
            ys: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, dict[str, Any]]]:
    """{method: {metric: indices}} for every method and metric."""
    return {method: {m: analyse_one(method, spec, samples[method], y)
                     for m, y in ys[method].items()} for method in samples}


def run(spec: SASpec, executor: Executor, progress: Callable[[int], None] | None = None,
        fn: Callable[[dict[str, Any]], dict[str, Any]] = evaluate_point,
        ) -> dict[str, dict[str, dict[str, Any]]]:
    """Sample, evaluate through ``executor`` and analyse."""
    samples = sample(spec)
    return analyse(spec, samples, evaluate(spec, samples, executor, progress, fn))


def notes(spec: SASpec, ys: dict[str, dict[str, np.ndarray]]) -> list[str]:
    out = []
    for method, per in ys.items():
        const = [m for m, y in per.items() if np.all(np.isfinite(y)) and np.ptp(y) == 0]
        if const:
            out.append(f"{method}: constant over the sample (all indices 0): "
                       + ", ".join(const))
    return out


def long_rows(spec: SASpec, results: dict[str, dict[str, dict[str, Any]]]
              ) -> list[dict[str, Any]]:
    """One row per method × metric × parameter with every index."""
    names = list(spec.parameters)
    rows = []
    for method, per in results.items():
        for metric, res in per.items():
            for k, p in enumerate(names):
                row = {"method": method, "metric": metric, "parameter": p,
                       "note": res.get("note", "")}
                for key, vals in res.items():
                    if key != "note":
                        row[key] = vals[k]
                rows.append(row)
    return rows


def table(spec: SASpec, method: str, res: dict[str, dict[str, Any]]) -> Tab:
    """Metrics × parameters for reading: Sobol cells "ST (S1) ±ST conf", Morris cells
    "μ* (σ)" (csv and json take :func:`tidy_table`: one index per column)."""
    names = list(spec.parameters)
    if method == "sobol":
        title = (f"Sobol indices · {spec.name} · cell: ST (S1) ± {spec.sobol.conf_level:.0%} "
                 "CI of ST")
    else:
        title = f"Morris screening · {spec.name} · cell: μ* (σ) ± CI of μ*"
    t = Tab(title, ["metric", *names], right=set(names))
    for metric, r in res.items():
        if "ST" not in r and "mu_star" not in r:
            t.add(metric, *([r.get("note", "—")] + [""] * (len(names) - 1)))
            continue
        cells = []
        for k in range(len(names)):
            if method == "sobol":
                cells.append(f"{r['ST'][k]:.2f} ({r['S1'][k]:.2f}) ±{r['ST_conf'][k]:.2f}")
            else:
                cells.append(f"{r['mu_star'][k]:.3g} ({r['sigma'][k]:.3g}) "
                             f"±{r['mu_star_conf'][k]:.2g}")
        t.add(metric + (" (constant)" if r.get("note") == "constant" else ""), *cells)
    return t


def tidy_table(spec: SASpec, method: str, res: dict[str, dict[str, Any]]) -> Tab:
    """One row per metric × parameter with every index of ``method`` (as indices.csv)."""
    rows = long_rows(spec, {method: res})
    cols = list(dict.fromkeys(k for r in rows for k in r))
    t = Tab(f"{method} · {spec.name}", cols, key=method)
    for r in rows:
        t.add(*(r.get(c) for c in cols))
    return t


def plot(spec: SASpec, method: str, res: dict[str, dict[str, Any]], path: str | Path) -> Path:
    """Heat map metrics × parameters: total index ST (Sobol) or μ* scaled per metric
    (Morris)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(spec.parameters)
    metrics = [m for m, r in res.items() if "ST" in r or "mu_star" in r]
    if method == "sobol":
        Z = np.array([res[m]["ST"] for m in metrics], dtype=float)
        label = "total Sobol index ST"
    else:
        Z = np.array([res[m]["mu_star"] for m in metrics], dtype=float)
        Z = Z / np.maximum(Z.max(axis=1, keepdims=True), 1e-12)
        label = "Morris μ* (scaled to the metric's largest)"
    Z = np.clip(np.nan_to_num(Z), 0, 1) if Z.size else np.zeros((1, len(names)))
    fig, ax = plt.subplots(figsize=(4.5 + 1.0 * len(names), 2.5 + 0.3 * max(len(metrics), 1)))
    im = ax.imshow(Z, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(metrics)), metrics, fontsize=8)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            ax.text(j, i, f"{Z[i, j]:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if Z[i, j] < 0.5 else "black")
    fig.colorbar(im, ax=ax, label=label)
    ax.set_title(f"{method}: {spec.name}")
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)
    return Path(path)


def write_results(spec: SASpec, results: dict[str, dict[str, dict[str, Any]]],
                  out: str | Path) -> list[Path]:
    import pandas as pd

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "indices.csv"
    with atomic_output(csv) as tmp:
        pd.DataFrame(long_rows(spec, results)).to_csv(tmp, index=False)
    js = out / "indices.json"
    from model.io.provenance import provenance

    prov = provenance(spec.scenario, list(spec.seeds), settings={"name": spec.name})
    write_text_atomic(js, json_text({"name": spec.name, "parameters": list(spec.parameters),
                                      "results": results, "provenance": prov}, indent=1))
    paths = [csv, js]
    for method, res in results.items():
        paths.append(plot(spec, method, res, out / f"{method}.png"))
    return paths


# ---------------------------------------------------------------------------------------
# an analytic worker with a known answer (tests, and a check of the whole path)
# ---------------------------------------------------------------------------------------
def ishigami_point(task: dict[str, Any]) -> dict[str, Any]:
    """The Ishigami function of x1, x2, x3 on [-π, π] (a = 7, b = 0.1) as a worker; any
    other parameter is ignored. Known indices: S1 = (0.314, 0.442, 0), ST = (0.558, 0.442,
    0.244); an ignored parameter has S1 = ST = 0. Metric ``y``; ``x1_only`` depends on x1
    alone."""
    p = task["params"]
    x1, x2, x3 = p["x1"], p["x2"], p["x3"]
    y = math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3 ** 4 * math.sin(x1)
    return {"y": y, "x1_only": math.sin(x1), "rounds_run": 1}
