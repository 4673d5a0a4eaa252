"""Compare scenarios over the same seeds: "what changes if X?", with the spread across seeds.

:func:`compare_scenarios` is the one function behind ``eunato compare-scenarios`` and the
app's compare view. It runs every scenario with every seed (in parallel, on any executor of
:mod:`experiments.executor`), reads each issue's outcome as in docs/schema.md (EU role,
NATO role, status, vetoes, pivotal actors) and summarises, per issue and per pillar:

* the EU role and the NATO role: median and 10–90% band over the seeds;
* the agreed share (and the blocked share);
* the most frequent blockers, with the share of runs: actors whose veto kept a piece of the
  issue blocked (:func:`model.results.reading.blockers`; a veto of a joint arrangement whose pieces
  then passed by separate routes blocked nothing and is not counted);
* the difference from the first scenario: the mean over seeds of the paired difference
  (same seed in both scenarios: common random numbers, so the noise shared by both runs
  cancels), with a 95% percentile bootstrap interval over seeds (fixed bootstrap seed, so
  the same inputs give the same bytes).

A pillar's role in a run is the mean of its issues' roles; its agreed share is over all its
issues and runs; a blocker of a pillar kept a piece of at least one of its issues blocked
in that run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.io.safeio import atomic_output, json_text, write_text_atomic

BAND = (10, 90)  # the band of the roles, percent
CI = 95  # the bootstrap interval of a difference, percent
N_BOOT = 2000
BOOT_SEED = 20240607  # fixed: the interval is part of the output bytes
ROLES = ("eu_role", "nato_role")


@dataclass
class Comparison:
    """What :func:`compare_scenarios` returns.

    Attributes:
        scenarios: the scenario names (the first is the reference).
        seeds: the seeds every scenario ran with.
        settings: the model parameters set for every run (``--set``).
        runs: one row per scenario × seed × issue (roles, status, vetoes, blockers,
            pivotal).
        table: one row per scenario × issue and scenario × pillar (see module doc).
        provenance: the provenance object of the comparison.
    """

    scenarios: list[str]
    seeds: list[int]
    settings: dict[str, Any]
    runs: pd.DataFrame
    table: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)
    #: the engine's explanation text per issue, and the final coalitions per pillar, of
    #: each scenario's first seed (quoted and drawn by the briefing)
    explanations: dict[str, dict[str, Any]] = field(default_factory=dict)
    coalitions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"scenarios": self.scenarios, "seeds": self.seeds, "settings": self.settings,
                "band": list(BAND), "ci": CI,
                "table": json.loads(self.table.to_json(orient="records")),
                "explanations": self.explanations, "coalitions": self.coalitions,
                "provenance": self.provenance}


def parse_settings(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` strings (``--set``) as model parameters; values read as JSON
    (numbers, true/false), else kept as text."""
    from model.inputs.knobs import MODEL_PARAMETERS

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ValueError(f"--set: expected key=value, got {pair!r}")
        if key not in (*MODEL_PARAMETERS, "protocol", "rounds"):
            raise ValueError(f"--set {key}: unknown parameter; known: "
                             f"{', '.join(('protocol', 'rounds', *MODEL_PARAMETERS))}")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def run_cell(scenario: str, seed: int, settings: dict[str, Any]) -> dict[str, Any]:
    """One run (worker side): per-issue views, scalar indices, explanations if any."""
    return run_cells(scenario, [seed], settings)[0]


def run_cells(scenario: str, seeds: Sequence[int], settings: dict[str, Any]
              ) -> list[dict[str, Any]]:
    """:func:`run_cell` of each seed (worker side), the runs played as one ensemble: lean
    models (no per-round records, which nothing here reads), each run's summary the one
    it gives alone (tests/test_ensemble.py)."""
    from experiments.runs import base_world, build_model
    from model.ensemble.core import run_ensemble

    base = base_world(scenario)
    models = run_ensemble([build_model({"scenario": scenario, "seed": seed, **settings},
                                       lean=True, base=base) for seed in seeds])
    return [_cell(scenario, seed, mdl.summary()) for seed, mdl in zip(seeds, models,
                                                                      strict=True)]


def _cell(scenario: str, seed: int, s: dict[str, Any]) -> dict[str, Any]:
    from model.results.reading import issues

    return {"scenario": scenario, "seed": seed, "issues": issues(s),
            "duplication_index": s.get("duplication_index"), "gap_index": s.get("gap_index"),
            "explanations": {k: e.get("text", "") if isinstance(e, dict) else str(e)
                             for k, e in (s.get("explanations") or {}).items()},
            "coalitions": {p: [{k: c[k] for k in ("label", "members", "capability")}
                               for c in cs]
                           for p, cs in s["coalitions"].get("by_pillar", {}).items()}}


def _long_rows(cells: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for c in cells:
        for v in c["issues"]:
            rows.append({
                "scenario": c["scenario"], "seed": c["seed"], "issue": v["issue"],
                "name": v["name"], "pillar": v["pillar"], "status": v["status"],
                "eu_role": v["eu_role"], "nato_role": v["nato_role"],
                "agreed": v["status"] == "agreed", "blocked": v["status"] == "blocked",
                "vetoes": json.dumps(sorted({x["actor"] for x in v["vetoes"]})),
                "blockers": json.dumps(sorted({x["actor"] for x in v["blockers"]})),
                "pivotal": json.dumps(sorted(v["pivotal"])), "venue": v["venue"],
                "round": v["round"],
                # who acted outside both institutions (model/willing.py), [] if nobody
                "outside": json.dumps(sorted((v.get("outside") or {}).get("participants",
                                                                           []))),
            })
    return pd.DataFrame(rows)


def bootstrap_ci(d: np.ndarray, n_boot: int = N_BOOT, ci: float = CI,
                 seed: int = BOOT_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``d`` (resampling its entries)."""
    d = np.asarray(d, dtype=float)
    if len(d) < 2:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
    a = (100 - ci) / 2
    lo, hi = np.percentile(means, [a, 100 - a])
    return float(lo), float(hi)


def _per_run(runs: pd.DataFrame, level: str) -> pd.DataFrame:
    """One row per scenario × seed × unit (issue or pillar): roles, agreed/blocked shares,
    and the set of blockers."""
    key = "issue" if level == "issue" else "pillar"
    g = runs.groupby(["scenario", "seed", key], sort=False)
    out = g.agg(eu_role=("eu_role", "mean"), nato_role=("nato_role", "mean"),
                agreed=("agreed", "mean"), blocked=("blocked", "mean"),
                name=("name", "first") if level == "issue" else (key, "first"))
    out["blockers"] = g["blockers"].agg(lambda s: sorted({a for v in s for a in json.loads(v)}))
    return out.reset_index().rename(columns={key: "unit"})


def summarise(runs: pd.DataFrame, scenarios: list[str], n_boot: int = N_BOOT) -> pd.DataFrame:
    """The comparison table (see the module doc) from the long runs table."""
    rows = []
    for level in ("issue", "pillar"):
        per = _per_run(runs, level)
        ref = per[per["scenario"] == scenarios[0]].set_index(["unit", "seed"])
        for sc in scenarios:
            mine = per[per["scenario"] == sc]
            for unit, u in mine.groupby("unit", sort=False):
                n = len(u)
                row: dict[str, Any] = {"scenario": sc, "level": level, "unit": unit,
                                       "name": u["name"].iloc[0], "runs": n}
                for r in ROLES:
                    lo, med, hi = np.percentile(u[r], [BAND[0], 50, BAND[1]])
                    row |= {f"{r}_median": med, f"{r}_p{BAND[0]}": lo, f"{r}_p{BAND[1]}": hi}
                row["agreed_share"] = float(u["agreed"].mean())
                row["blocked_share"] = float(u["blocked"].mean())
                counts = Counter(a for b in u["blockers"] for a in b)
                top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
                row["top_blockers"] = json.dumps([[a, k / n] for a, k in top])
                row["blockers_count"] = len(counts)
                base = ref.loc[unit] if unit in ref.index.get_level_values(0) else None
                for m in (*ROLES, "agreed"):
                    col = "agreed_share" if m == "agreed" else m
                    if sc == scenarios[0] or base is None:
                        row |= {f"d_{col}": 0.0 if base is not None else np.nan,
                                f"d_{col}_lo": np.nan, f"d_{col}_hi": np.nan}
                        continue
                    paired = u.set_index("seed")[m].astype(float)
                    d = (paired - base[m].astype(float).reindex(paired.index)).dropna()
                    lo, hi = bootstrap_ci(d.to_numpy(), n_boot)
                    row |= {f"d_{col}": float(d.mean()), f"d_{col}_lo": lo,
                            f"d_{col}_hi": hi}
                rows.append(row)
    table = pd.DataFrame(rows)
    num = table.select_dtypes("number").columns.drop("runs")
    table[num] = table[num].round(4)
    return table


def check_inputs(scenarios: Sequence[str | Path], seeds: int | Sequence[int],
                 settings: dict[str, Any] | None) -> tuple[list[str], list[int],
                                                          dict[str, Any], list[Any]]:
    """(names, seeds, settings, resolved scenarios); bad input raises DataError or
    ValueError (one clear line) before anything runs."""
    from model.inputs.knobs import MODEL_PARAMETERS
    from model.inputs.scenario import load_scenario
    from model.protocols import get_protocol

    names = [str(s) for s in scenarios]
    if len(names) < 2:
        raise ValueError("compare-scenarios needs at least two scenarios")
    if len(set(names)) != len(names):
        raise ValueError(f"a scenario is named twice: {', '.join(names)}")
    seed_list = list(range(int(seeds))) if isinstance(seeds, int) else [int(s) for s in seeds]
    if len(seed_list) < 1:
        raise ValueError(f"--seeds must be at least 1, got {seeds}")
    settings = dict(settings or {})
    unknown = set(settings) - {"protocol", "rounds", *MODEL_PARAMETERS}
    if unknown:
        raise ValueError(f"unknown model parameter(s): {', '.join(sorted(unknown))}")
    resolved = [load_scenario(n) for n in names]
    get_protocol(settings.get("protocol", "compromise"))
    return names, seed_list, settings, resolved


def compare_scenarios(scenarios: Sequence[str | Path], seeds: int | Sequence[int] = 20,
                      settings: dict[str, Any] | None = None,
                      out: str | Path | None = None, *, workers: int | None = None,
                      executor: Any = None,
                      progress: Callable[[int, int], None] | None = None,
                      brief: bool = True) -> Comparison:
    """Run every scenario over the same seeds and compare them with the first.

    Args:
        scenarios: two or more built-in scenario names or TOML paths; the first is the
            reference the differences are taken from.
        seeds: a number of seeds (``0 … n−1``) or the seeds themselves.
        settings: model parameters set in every run (``protocol``, ``rounds``,
            ``us_engagement``, bloc knobs …; as ``--set``).
        out: folder for ``comparison.parquet`` (the table), ``runs.parquet`` (every run ×
            issue), ``comparison.json`` (table, settings, provenance) and
            ``briefing.html``; ``None`` writes nothing.
        workers: local worker processes (default: cpu count; 1 = in this process), or
        executor: an open :func:`experiments.executor.open_executor` executor to use.
        progress: called as ``progress(done, total)`` after each finished run.
        brief: also write the briefing (when ``out`` is given).

    Returns:
        A :class:`Comparison`. Bad input (unknown scenario or parameter) raises
        :class:`~model.inputs.data.DataError` / ``ValueError`` before anything runs.
    """
    from concurrent.futures import as_completed

    from experiments.executor import open_executor
    from model.io.provenance import provenance

    names, seed_list, settings, resolved = check_inputs(scenarios, seeds, settings)
    tasks = [(sc, seed) for sc in names for seed in seed_list]
    cells: list[dict[str, Any]] = []
    ctx = open_executor(workers) if executor is None else None
    ex = ctx.__enter__() if ctx is not None else executor
    try:
        # each task a run of seeds of one scenario, played as one ensemble; about three
        # tasks a worker, so that none idles at the end
        size = max(1, -(-len(tasks) // (3 * max(1, getattr(ex, "width", 1)))))
        futs = [ex.submit(run_cells, sc, seed_list[i:i + size], settings)
                for sc in names for i in range(0, len(seed_list), size)]
        for fut in as_completed(futs):
            for cell in fut.result():
                cells.append(cell)
                if progress is not None:
                    progress(len(cells), len(tasks))
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
    order = {t: k for k, t in enumerate(tasks)}
    cells.sort(key=lambda c: order[(c["scenario"], c["seed"])])
    runs = _long_rows(cells)
    table = summarise(runs, names)
    # the engine's explanations of the first seed of each scenario (the briefing quotes them)
    expl = {c["scenario"]: c["explanations"] for c in cells
            if c["seed"] == seed_list[0] and c["explanations"]}
    coal = {c["scenario"]: c["coalitions"] for c in cells if c["seed"] == seed_list[0]}
    prov = provenance(resolved, seed_list, settings={"scenarios": names, "seeds": seed_list,
                                                     "settings": settings})
    comp = Comparison(names, seed_list, settings, runs, table, prov, expl, coal)
    if out is not None:
        write_comparison(comp, out, brief=brief)
    return comp


def write_comparison(comp: Comparison, out: str | Path, brief: bool = True) -> list[Path]:
    """Write the comparison's files into ``out`` (see :func:`compare_scenarios`)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "comparison.parquet", out / "runs.parquet", out / "comparison.json"]
    for frame, path in ((comp.table, paths[0]), (comp.runs, paths[1])):
        with atomic_output(path) as tmp:
            frame.to_parquet(tmp, index=False)
    write_text_atomic(paths[2], json_text(comp.to_json(), indent=1, sort_keys=False))
    if brief:
        from experiments.briefing.brief import write_brief

        paths.append(write_brief(out))
    return paths
