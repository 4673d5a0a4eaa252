"""Uncertainty in the single-run view: the spread of each issue's roles across N seeds of
the current settings.

The runs go through :func:`experiments.batch.run_params`, the batch front door
(``eunato batch``), in worker processes, from a thread of the server; the page stays
usable. The result is drawn with the Compare tab's chart (median and 10–90 % band of the
EU and the NATO role per issue), next to the agreed share and the blocked share.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
import solara

from app import settings as S
from app.compare import diff_text, roles_chart, seeds_sentence, still
from app.components import Table
from app.vega import Vega
from experiments.compare import CI, bootstrap_ci

WORKERS = 2


def spread_params(current: dict[str, Any], seeds: int) -> list[dict[str, Any]]:
    """The batch's parameter sets: the current settings with seeds 0 … N−1."""
    base = {"scenario": current["scenario_name"], "protocol": current["protocol"],
            "rounds": current.get("rounds")}
    base |= {k: current[k] for k in S.LEVELS if current.get(k) is not None}
    return [{**base, "seed": s} for s in range(seeds)]


def spread_table(runs: pd.DataFrame, issues: list[tuple[str, str, str]],
                 label: str) -> pd.DataFrame:
    """The runs table summarised per issue and per pillar, in the columns of
    ``experiments.compare`` (median and p10 / p90 of each role, agreed and blocked share),
    so the Compare tab's chart draws it."""
    ok = runs[runs["status"] == "ok"]
    rows = []

    def row(level: str, unit: str, name: str, eu: np.ndarray, nato: np.ndarray,
            agreed: np.ndarray, blocked: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {"scenario": label, "level": level, "unit": unit, "name": name,
                               "runs": len(ok)}
        for key, x in (("eu_role", eu), ("nato_role", nato)):
            lo, med, hi = np.percentile(x, [10, 50, 90])
            ci = bootstrap_ci(x)  # experiments.compare's, of the mean over the seeds
            out |= {f"{key}_median": med, f"{key}_p10": lo, f"{key}_p90": hi,
                    f"{key}_mean": float(np.mean(x)), f"{key}_lo": ci[0], f"{key}_hi": ci[1]}
        out |= {"agreed_share": float(np.mean(agreed)), "blocked_share": float(np.mean(blocked)),
                "top_blockers": "[]"}
        return out

    by_pillar: dict[str, list[str]] = {}
    for iid, name, pillar in issues:
        by_pillar.setdefault(pillar, []).append(iid)
        rows.append(row("issue", iid, name, ok[f"eu_role_{iid}"].to_numpy(float),
                        ok[f"nato_role_{iid}"].to_numpy(float),
                        ok[f"agreed_{iid}"].to_numpy(bool),
                        (ok[f"status_{iid}"] == "blocked").to_numpy()))
    for pillar, ids in by_pillar.items():
        eu, nato, agreed = (ok[[f"{p}_{i}" for i in ids]].to_numpy(float).mean(axis=1)
                            for p in ("eu_role", "nato_role", "agreed"))
        blocked = (ok[[f"status_{i}" for i in ids]] == "blocked").to_numpy().mean(axis=1)
        rows.append(row("pillar", pillar, pillar, eu, nato, agreed, blocked))
    return pd.DataFrame(rows)


def run_spread(current: dict[str, Any], seeds: int, issues: list[tuple[str, str, str]],
               workers: int = WORKERS) -> pd.DataFrame:
    from experiments.batch import run_params

    runs = run_params(spread_params(current, seeds), workers=workers, progress=False,
                      description="seed spread")
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        raise RuntimeError(f"{len(failed)} of {len(runs)} runs failed: "
                           f"{failed['error'].iloc[0]}")
    return spread_table(runs, issues, "these settings")


def spread_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Per issue: each role's mean over the seeds with its bootstrap interval, the agreed
    and blocked shares, and whether the seeds move the result."""
    rows = []
    for r in table[table["level"] == "issue"].itertuples():
        row = {"issue": r.name}
        for key, name in (("eu_role", "EU role"), ("nato_role", "NATO role")):
            mean, lo, hi = (getattr(r, f"{key}_{x}") for x in ("mean", "lo", "hi"))
            row[f"{name}: mean [{CI}% CI]"] = diff_text(mean, lo, hi).lstrip("+")
        row |= {"agreed": f"{r.agreed_share:.0%}", "blocked": f"{r.blocked_share:.0%}",
                "seeds": "no effect: every seed gives the same" if still(r)
                else "the result varies with the seed"}
        rows.append(row)
    return pd.DataFrame(rows)


class SpreadState:
    """A session's spread run: held by the page, not by the Live tab (tabs render lazily,
    so state kept in the tab was lost on a switch to another tab and back)."""

    def __init__(self) -> None:
        self.seeds = solara.reactive(20)
        self.job = solara.reactive(None)  # (settings, seeds, issues) of the run to make
        self.result = solara.reactive(None)  # (settings, table) of the last run
        self.error = solara.reactive(None)


context = solara.create_context(None)


@solara.component
def SpreadRunner(state: SpreadState) -> None:
    """Runs a requested spread in a thread of the server (the runs go to worker
    processes); rendered by the page itself, always mounted."""

    def work(cancel: threading.Event) -> None:
        if state.job.value is None:
            return
        settings, n, issues = state.job.value
        try:
            state.result.value = (settings, run_spread(settings, n, issues))
        except Exception as err:  # one line for the user, never a traceback
            state.error.value = f"spread failed: {err}"
        finally:
            state.job.value = None

    solara.use_thread(work, dependencies=[state.job.value], intrusive_cancel=False)


@solara.component
def SpreadPanel(current: dict[str, Any], issues: list[tuple[str, str, str]],
                filename: str) -> None:
    """Run the current settings over N seeds and show each issue's spread."""
    state = solara.use_context(context)
    seeds, job, result, error = state.seeds.value, state.job, state.result, state.error

    def start() -> None:
        if job.value is None:
            error.value = None
            job.value = (dict(current), seeds, list(issues))

    with solara.Column(classes=["eunato-spread", "eunato-card"]):
        solara.HTML(tag="h3", unsafe_innerHTML="Spread across seeds (these settings)")
        solara.SliderInt(f"Seeds: {seeds}", value=seeds, min=2, max=100,
                         on_value=state.seeds.set)
        solara.Button("Run the seeds", color="primary", disabled=job.value is not None,
                      on_click=start, classes=["eunato-spread-run"])
        if job.value is not None:
            solara.ProgressLinear(True)
            solara.Text(f"running {job.value[1]} seeds in the background…",
                        classes=["eunato-spread-progress"])
        if error.value:
            solara.Error(error.value, classes=["eunato-message"])
        if result.value is not None:
            settings, table = result.value
            if settings != current:
                solara.Text("These were the settings before the last change; run again "
                            "for the current ones.", classes=["eunato-line"])
            spec, data = roles_chart(table, "issue")
            Vega(spec, data, filename + f"-spread{table['runs'].iloc[0]}seeds")
            solara.Text(seeds_sentence(table), classes=["eunato-line", "eunato-seeds-note"])
            Table(spread_rows(table), ["eunato-spread-table"])
