"""The classic one-issue forecasting workflow: a stakeholder table in, a forecast out.

A table has one row per actor with columns actor, capability, position, salience and
optionally risk. It runs on the same protocols as the EU–NATO model (no second copy).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from model.data import DataError
from model.protocols import get_protocol
from model.state import BargainingState

REQUIRED = ("actor", "capability", "position", "salience")


def read_stakeholders(path: str | Path) -> BargainingState:
    """Read a one-issue stakeholder CSV into a state (errors name row, column, value)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(path, "-", str(path), "file not found") from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise DataError(path, "-", None, "no rows")
    cols = {c.strip().lower(): c for c in rows[0]}
    for c in REQUIRED:
        if c not in cols:
            raise DataError(path, c, None, f"missing column; columns are {list(cols)}")
    ids, vals = [], {c: [] for c in ("capability", "position", "salience", "risk")}
    for i, row in enumerate(rows, start=2):
        ids.append(row[cols["actor"]].strip())
        for c in ("capability", "position", "salience", "risk"):
            if c not in cols:
                continue
            raw = row[cols[c]]
            try:
                v = float(raw)
            except (TypeError, ValueError):
                raise DataError(path, f"row {i}, column {c}", raw, "not a number") from None
            if not math.isfinite(v):
                raise DataError(path, f"row {i}, column {c}", raw, "not a finite number")
            if c in ("capability", "salience") and v < 0:
                raise DataError(path, f"row {i}, column {c}", raw, "must not be negative")
            vals[c].append(v)
    sal = np.array(vals["salience"])
    if sal.max() > 1:
        sal = sal / 100.0
    return BargainingState.single_issue(
        ids, np.array(vals["capability"]), np.array(vals["position"]), sal,
        risk=np.array(vals["risk"]) if vals["risk"] else 1.0,
    )


def run_forecast(
    state: BargainingState, protocol: str, rounds: int = 10, seed: int = 0,
    **params: Any,
) -> list[dict[str, Any]]:
    """Play ``rounds`` rounds; one record per round (round 0 = the table as read)."""
    proto = get_protocol(protocol, **params)
    rng = np.random.default_rng(seed)
    f0 = proto.forecast(state)
    from model.protocols.base import weighted_mean, weighted_median

    out = [{"round": 0, "forecast": f0.tolist(), "median": weighted_median(state).tolist(),
            "mean": weighted_mean(state).tolist(), "positions": state.position.tolist(),
            "interactions": []}]
    for r in range(1, rounds + 1):
        rep = proto.step(state, rng)
        np.clip(state.position, state.lo, state.hi, out=state.position)
        out.append({"round": r, "forecast": rep.forecast.tolist(), "median": rep.median.tolist(),
                    "mean": rep.mean.tolist(), "positions": state.position.tolist(),
                    "interactions": rep.interactions})
    return out
