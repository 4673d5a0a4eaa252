"""Turn a run into tables and files: used by `eunato run`, the app's download and batches."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from model.io.safeio import atomic_output, json_text, write_text_atomic

if TYPE_CHECKING:
    from model.model import EuNatoModel


def step_frames(model: EuNatoModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-round model table, per-round per-actor table) from the DataCollector."""
    mdf = model.datacollector.get_model_vars_dataframe().reset_index(names="round")
    adf = model.datacollector.get_agent_vars_dataframe()
    if len(adf):
        adf = adf.reset_index().rename(columns={"Step": "round", "AgentID": "agent_id"})
        ids = {a.unique_id: a.actor_id for a in model.agents}
        adf.insert(2, "actor", adf["agent_id"].map(ids))
    return mdf, adf


def write_run(model: EuNatoModel, out: str | Path, summary: dict[str, Any] | None = None,
              settings: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write steps.parquet, actors.parquet, summary.json and events.json into ``out``.

    The summary gets a ``provenance`` object (:mod:`model.io.provenance`); ``settings`` are
    recorded as its ``command`` when no command line is running (the app)."""
    from model.io.provenance import model_provenance

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mdf, adf = step_frames(model)
    paths = {"steps": out / "steps.parquet", "actors": out / "actors.parquet",
             "summary": out / "summary.json", "events": out / "events.json"}
    # each file whole or absent, whatever the disk does (model.io.safeio.atomic_output)
    with atomic_output(paths["steps"]) as tmp:
        mdf.to_parquet(tmp, index=False)
    with atomic_output(paths["actors"]) as tmp:
        adf.to_parquet(tmp, index=False)
    summary = dict(summary or model.summary())
    summary["provenance"] = model_provenance(model, settings)
    write_text_atomic(paths["summary"], json_text(summary, indent=2))
    write_text_atomic(paths["events"], json_text(model.events_log, indent=2))
    return paths
