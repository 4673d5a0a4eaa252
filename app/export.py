"""What the app hands out: figure names, the run's data with its settings and provenance.

A figure is saved as ``<scenario>-<protocol>-seed<k>-round<r>.png|svg``. The CSV and
Parquet downloads carry, on every row, the scenario, protocol, seed, every setting of the
run (the levels it started from, the shocks applied) and the code version, so a file read
alone says how it was made; and the one ``provenance`` object every eunato output carries
(:func:`model.io.provenance.model_provenance`: scenario_hash, code_version, packages, seed and
the settings as ``command``), as a JSON column (the resolved scenario itself left out of the
rows: ``scenario_hash`` names it) and, whole, in the Parquet file's metadata and the JSON
download (the run summary, as ``eunato run`` writes it).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.io.provenance import code_version, model_provenance
from model.results.export import step_frames

if TYPE_CHECKING:
    from model.model import EuNatoModel


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "run"


def changed_settings(model: EuNatoModel) -> dict[str, Any]:
    """What this run sets apart from its scenario: the levels it started from that are not
    the scenario's own, the rounds, the shocks applied in the app."""
    from app.settings import current_levels, scenario_levels

    start = getattr(model, "app_start_levels", None) or current_levels(model)
    try:
        own = scenario_levels(model.spec.source or model.spec.name)
    except (OSError, ValueError, KeyError):
        own = {}
    out: dict[str, Any] = {k: v for k, v in start.items()
                           if k in own and abs(float(v) - float(own[k])) > 5e-4}
    if model.max_rounds != model.spec.rounds:
        out["rounds"] = model.max_rounds
    shocks = [e["text"] for e in model.events_log
              if e["kind"] == "event" and "applied in the app" in e["text"]]
    if shocks:
        out["shocks"] = shocks
    return out


def figure_name(model: EuNatoModel) -> str:
    """``<scenario>-<protocol>-seed<k>-round<r>`` (no extension), and ``-set<hash>`` when
    the run's settings are not the scenario's own (two runs at other levels get other
    names)."""
    seed = model.seed if model.seed is not None else "none"
    name = f"{model.spec.name}-{model.protocol_name}-seed{seed}-round{model.steps}"
    changed = {k: v for k, v in changed_settings(model).items() if k != "rounds"}
    if changed:
        digest = hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()
        name += f"-set{digest[:6]}"
    return _slug(name)


def figure_meta(model: EuNatoModel, title: str = "") -> str:
    """What an exported figure says about itself (JSON: title and lines): scenario,
    protocol, seed, round, every setting that is not the scenario's own, code version."""
    from app.settings import label

    changed = changed_settings(model)
    sets = [f"{label(k)} {v:g}" for k, v in changed.items() if k not in ("shocks", "rounds")]
    lines = [f"eunato · scenario {model.spec.name} · protocol {model.protocol_name} · "
             f"seed {model.seed} · round {model.steps} of {model.max_rounds}",
             "settings: " + (", ".join(sets) if sets else "the scenario's own levels"),
             *([f"shocks: {'; '.join(changed['shocks'])}"] if "shocks" in changed else []),
             f"code version {code_version()}"]
    return json.dumps({"title": title, "lines": lines})


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


def run_provenance(model: EuNatoModel) -> dict[str, Any]:
    """The run's provenance object; its ``command`` is the app's settings (the app has no
    command line)."""
    settings = {k: v for k, v in run_settings(model).items() if k != "code_version"}
    return model_provenance(model, {"front_door": "app", **settings})


def _row_provenance(prov: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in prov.items() if k != "scenario"}, sort_keys=True)


def _with_settings(df: pd.DataFrame, model: EuNatoModel) -> pd.DataFrame:
    df = df.copy()
    for k, v in reversed(run_settings(model).items()):
        df.insert(0, k, v)
    df["provenance"] = _row_provenance(run_provenance(model))
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
    """The run table, with the whole provenance object (resolved scenario included) in the
    file's key-value metadata under ``provenance``."""
    table = pa.Table.from_pandas(run_table(model), preserve_index=False)
    meta = {**(table.schema.metadata or {}),
            b"provenance": json.dumps(run_provenance(model), sort_keys=True).encode()}
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return buf.getvalue()


def run_json(model: EuNatoModel) -> bytes:
    """The run summary (the engine's, as ``eunato run`` writes it) with its provenance."""
    summary = {**model.summary(), "provenance": run_provenance(model)}
    return json.dumps(summary, indent=2, default=str).encode()
