"""The loss of a tuning study: each target's distance over the seeds' run rows, and their
weighted sum (per target group for multi-objective studies)."""

from __future__ import annotations

import json
import math
from concurrent.futures import Executor
from typing import Any

import numpy as np

from experiments.tuning.scenario import _isnan, evaluate_point
from experiments.tuning.spec import Target, TuneSpec

ROLES = {"eu": "eu_role", "nato": "nato_role"}  # a target's ``role`` -> run-row prefix


def _together(row: dict[str, Any], actors: list[str]) -> bool:
    part = row.get("partition")
    members = json.loads(part) if isinstance(part, str) else (part or {})
    labels = {members.get(a) for a in actors}
    return len(labels) == 1 and None not in labels


def _vetoed(vetoes: str, actor: str, house: str | None) -> bool:
    """Whether a run row's ``vetoes_<issue>`` ("HUN@eu_council,…") has ``actor`` (in
    ``house``)."""
    return any(v.split("@")[0] == actor and (house is None or v.split("@")[-1] == house)
               for v in vetoes.split(",") if v)


def target_fit(t: Target, rows: list[dict[str, Any]]) -> tuple[float, float]:
    """(achieved, distance) of one target over the seeds' rows. ``achieved``: the mean
    value (NaN if never defined) or the share of seeds where the fact holds."""
    if t.is_share:
        if t.kind == "agreed":
            facts = [bool(r[f"agreed_{t.issue}"]) if t.issue else bool(r["all_agreed"])
                     for r in rows]
        elif t.kind == "vetoed":
            facts = [all(_vetoed(r.get(f"vetoes_{t.issue}") or "", a, t.house)
                         for a in t.actors) for r in rows]
        elif t.kind == "blocked":
            facts = [r[f"status_{t.issue}"] == "blocked" if t.issue else r["blocked"] > 0
                     for r in rows]
        else:
            facts = [_together(r, t.actors) for r in rows]
            if t.kind == "apart":
                facts = [not x for x in facts]
        share = float(np.mean(facts))
        return share, abs(share - float(t.value))
    if t.kind == "outcome":
        xs = [r.get(f"{ROLES[t.role or 'eu']}_{t.issue}") for r in rows]
        scales = [t.scale or 100.0] * len(rows)
    elif t.kind == "rounds":
        xs = [r.get("rounds_to_agreement") for r in rows]
        scales = [t.scale or float(r["rounds_run"]) for r in rows]
    else:
        if t.metric not in rows[0]:
            raise ValueError(f"metric target: no column {t.metric!r} in a run row")
        xs = [r.get(t.metric) for r in rows]
        scales = [t.scale or 1.0] * len(rows)
    d, vals = [], []
    for x, s in zip(xs, scales, strict=True):
        if x is None or _isnan(x):
            d.append(1.0)
        else:
            vals.append(float(x))
            d.append(min(abs(float(x) - float(t.value)) / s, 1.0))
    return (float(np.mean(vals)) if vals else math.nan), float(np.mean(d))


def fit(spec: TuneSpec, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Loss of one parameter set: total, per group, and per target."""
    per = [target_fit(t, rows) for t in spec.targets]
    w = np.array([t.weight for t in spec.targets])
    d = np.array([p[1] for p in per])
    groups = {}
    for g in spec.groups:
        m = np.array([t.group_name == g for t in spec.targets])
        groups[g] = float((w[m] * d[m]).sum() / w[m].sum()) if w[m].sum() > 0 else 0.0
    return {"loss": float((w * d).sum() / w.sum()), "groups": groups,
            "achieved": [p[0] for p in per], "distance": [p[1] for p in per]}


def tasks(spec: TuneSpec, params: dict[str, float]) -> list[dict[str, Any]]:
    return [spec.task(params, s) for s in spec.seeds]


def evaluate(spec: TuneSpec, params: dict[str, float],
             executor: Executor | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run ``params`` for every seed (through ``executor`` if given); (fit, rows)."""
    ts = tasks(spec, params)
    rows = list(executor.map(evaluate_point, ts)) if executor else [evaluate_point(t)
                                                                    for t in ts]
    return fit(spec, rows), rows
