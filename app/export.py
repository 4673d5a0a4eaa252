"""What the app hands out: figure names, the run's data with its settings, the code version.

A figure is saved as ``<scenario>-<protocol>-seed<k>-round<r>.png|svg``. The CSV and
Parquet downloads carry, on every row, the scenario, protocol, seed, every setting of the
run (its current levels, after any mid-run shock) and the code version, so a file read
alone says how it was made.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from model.export import step_frames

if TYPE_CHECKING:
    from model.model import EuNatoModel

REPO = Path(__file__).resolve().parent.parent


@functools.cache
def code_version() -> str:
    """``eunato <version>``, plus the git commit (and ``-dirty``) when run from a checkout."""
    try:
        v = version("eunato")
    except PackageNotFoundError:
        v = "unknown"
    try:
        sha = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty",
                              "--abbrev=12"], capture_output=True, text=True, timeout=5,
                             check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"eunato {v}" + (f" ({sha})" if sha else "")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "run"


def figure_name(model: EuNatoModel) -> str:
    """``<scenario>-<protocol>-seed<k>-round<r>`` (no extension)."""
    seed = model.seed if model.seed is not None else "none"
    return _slug(f"{model.spec.name}-{model.protocol_name}-seed{seed}-round{model.steps}")


def run_settings(model: EuNatoModel) -> dict[str, Any]:
    """Every setting of the run: scenario, protocol, seed, rounds, the levels it started
    from (``setting_*``; later shocks are in the events and the per-round columns), the
    shocks applied in the app, and the code version."""
    from app.settings import current_levels

    start = getattr(model, "app_start_levels", None) or current_levels(model)
    shocks = [f"round {e['round']}: {e['text']}" for e in model.events_log
              if e["kind"] == "event" and "applied in the app" in e["text"]]
    return {"scenario": model.spec.name, "protocol": model.protocol_name, "seed": model.seed,
            "max_rounds": model.max_rounds,
            "setting_participation_blockage": bool(model.world.participation_blockage),
            **{f"setting_{k}": v for k, v in start.items()},
            "shocks": "; ".join(shocks), "code_version": code_version()}


def _with_settings(df: pd.DataFrame, model: EuNatoModel) -> pd.DataFrame:
    df = df.copy()
    for k, v in reversed(run_settings(model).items()):
        df.insert(0, k, v)
    return df


def run_table(model: EuNatoModel) -> pd.DataFrame:
    """Per round and actor: positions and coalition, the round's model figures, and the
    settings columns."""
    mdf, adf = step_frames(model)
    return _with_settings(adf.merge(mdf, on="round", how="left") if len(adf) else mdf, model)


def run_csv(model: EuNatoModel) -> bytes:
    out = io.StringIO()
    run_table(model).to_csv(out, index=False)
    return out.getvalue().encode()


def run_parquet(model: EuNatoModel) -> bytes:
    buf = io.BytesIO()
    run_table(model).to_parquet(buf, index=False)
    return buf.getvalue()
