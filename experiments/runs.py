"""One run as one flat row: the unit of work of batches, tuning and sensitivity analysis.

`run_one(params)` builds :class:`model.model.EuNatoModel` from plain keyword parameters
(the same ones `eunato run`, the app and `mesa.batch_run` set), runs it and returns the
inputs plus every scalar metric of the run summary, so every front door measures a run
the same way. It is a module-level function of plain data so that a process pool or a
Dask worker can import and call it.
"""

from __future__ import annotations

import json
from typing import Any

from model.ensemble.core import Ensemble
from model.inputs.data import load_actors, load_issues
from model.inputs.knobs import MODEL_PARAMETERS
from model.inputs.scenario import Scenario, load_scenario
from model.model import EuNatoModel
from model.results.explain import pivotal_of
from model.results.reading import blockers, stuck
from model.world import World, build_world


def build_model(params: dict[str, Any], collect_agents: bool = False,
                lean: bool = False, base: tuple[Scenario, World] | None = None
                ) -> EuNatoModel:
    """The model a parameter set describes (``scenario``, ``protocol``, ``seed``,
    ``rounds`` and any of :data:`MODEL_PARAMETERS`); ``lean``: see EuNatoModel. ``base``:
    the parameter set's scenario, loaded, and its world as :func:`base_world` built it
    (the run gets a copy), so runs of one scenario load and build it once."""
    unknown = set(params) - {"scenario", "protocol", "seed", "rounds", *MODEL_PARAMETERS}
    if unknown:
        raise ValueError(f"unknown model parameter(s): {', '.join(sorted(unknown))}")
    kwargs = {k: params[k] for k in MODEL_PARAMETERS if params.get(k) is not None}
    spec, world = (params.get("scenario", "baseline-2024"), None) if base is None else \
        (base[0], base[1].copy())
    return EuNatoModel(scenario_name=spec, world=world,
                       protocol=params.get("protocol"),  # None: the scenario's
                       rounds=params.get("rounds"), rng=params.get("seed"),
                       collect_agents=collect_agents, lean=lean, **kwargs)


def base_world(scenario: str) -> tuple[Scenario, World]:
    """A scenario, loaded, and the world the model builds from it and the data files."""
    spec = load_scenario(scenario)
    return spec, build_world(load_actors(), load_issues(), spec)


def flat_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The scalar metrics of a run summary as one flat dict (NaN/None where undefined)."""
    rounds = [i["round"] for i in summary["issues"] if i["round"] is not None]
    row: dict[str, Any] = {
        "rounds_run": summary["rounds_run"],
        "agreed": summary["agreed"],
        "blocked": summary["blocked"],
        "status_quo_holds": summary["status_quo_holds"],
        "outside": summary.get("outside", 0),
        "all_agreed": summary["agreed"] == len(summary["issues"]),
        "rounds_to_agreement": max(rounds) if len(rounds) == len(summary["issues"]) else None,
        "coalitions": summary["coalitions"]["count"],
        "partition_stability": summary["coalitions"]["stability"],
        "duplication_index": summary["duplication_index"],
        "gap_index": summary["gap_index"],
    }
    for i in summary["issues"]:
        row[f"eu_role_{i['issue']}"] = i["eu_role"]
        row[f"nato_role_{i['issue']}"] = i["nato_role"]
        row[f"agreed_{i['issue']}"] = i["status"] == "agreed"
        row[f"status_{i['issue']}"] = i["status"]
        # who acted outside both institutions (model/willing.py), "" where nobody did
        row[f"outside_{i['issue']}"] = ",".join((i.get("outside") or {}).get(
            "participants", []))
        row[f"vetoes_{i['issue']}"] = ",".join(f"{v['actor']}@{v['house']}"
                                               for v in i["vetoes"])
        # the vetoes that kept a piece blocked (a veto of a joint arrangement whose pieces
        # then passed separately blocked nothing), and who was pivotal
        row[f"blockers_{i['issue']}"] = ",".join(f"{v['actor']}@{v['house']}"
                                                 for v in blockers(i))
        # who was pivotal where something stayed blocked (briefings name them); elsewhere
        # "" (under unanimity nearly every member is pivotal on an agreed issue)
        row[f"pivotal_{i['issue']}"] = ",".join(i.get("pivotal") or []) if stuck(i) else ""
    for bloc, u in summary["bloc_utility"].items():
        row[f"utility_{bloc}"] = u
    # who ended with whom: {actor: coalition label}, kept as JSON for co-membership reports
    members = {a: c["label"] for c in summary["coalitions"]["by_pillar"].get("industry", [])
               for a in c["members"]}
    row["partition"] = json.dumps(members, sort_keys=True)
    return row


def summary_row(model: EuNatoModel, params: dict[str, Any]) -> dict[str, Any]:
    """The row of a finished run: its inputs and every scalar metric of its summary."""
    return summary_rows([model], [params])[0]


def summary_rows(models: list[EuNatoModel], params: list[dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    """:func:`summary_row` of many finished runs, their pivot tests voted together."""
    # the row needs no explanation (the pivot test is most of a summary's cost), except
    # who was pivotal on the issues where something stayed blocked (pivotal_<issue>)
    summaries = [mdl.summary(explanations=False) for mdl in models]
    where = [(k, j) for k, s in enumerate(summaries) for j, i in enumerate(s["issues"])
             if stuck(i)]
    for (k, j), piv in zip(where, pivotal_of([(models[k], j) for k, j in where]),
                           strict=True):
        summaries[k]["issues"][j]["pivotal"] = piv
    rows = []
    for mdl, p, summary in zip(models, params, summaries, strict=True):
        row = {**p, **flat_summary(summary)}
        if row.get("protocol") is None:  # left to the scenario: say which one ran
            row["protocol"] = mdl.protocol_name
        rows.append(row)
    return rows


def run_one(params: dict[str, Any], per_round: bool = False
            ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run one parameter set; return (summary row, per-round rows or [])."""
    # lean: the row reads no per-round record (the rounds table does: then a full run)
    model = build_model(params, lean=not per_round)
    model.run()
    row = summary_row(model, params)
    rounds: list[dict[str, Any]] = []
    if per_round:
        mdf = model.datacollector.get_model_vars_dataframe().reset_index(names="round")
        rounds = mdf.to_dict("records")
    return row, rounds


def _ok(rid: str, row: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return {"run_id": rid, "status": "ok", "error": None, **row}, []


def _failed(rid: str, params: dict[str, Any], err: Exception
            ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return ({"run_id": rid, "status": "error", "error": f"{type(err).__name__}: {err}",
             **params}, [])


def _one(rid: str, params: dict[str, Any], per_round: bool
         ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One run alone; a failure becomes a row with ``status = "error"``."""
    try:
        row, rounds = run_one(params, per_round)
        return {"run_id": rid, "status": "ok", "error": None, **row}, [
            {"run_id": rid, **r} for r in rounds]
    except Exception as err:  # noqa: BLE001 - recorded in the table
        return _failed(rid, params, err)


def _together(tasks: list[tuple[str, dict[str, Any]]]
              ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Lean runs of one scenario, protocol and round count, played as one ensemble
    (model/ensemble/core.py: each run's row is the one it gives alone). A run that fails to
    build gets its error row; if the ensemble itself fails, every run is played alone,
    so each failure is the run's own."""
    out: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    models, where = [], []
    try:  # the group's one scenario, built once (an error is each run's own, below)
        base = base_world(tasks[0][1].get("scenario", "baseline-2024")) if tasks else None
    except Exception:  # noqa: BLE001 - each run then builds alone and records its error
        base = None
    for k, (rid, params) in enumerate(tasks):
        try:
            models.append(build_model(params, lean=True, base=base))
            where.append(k)
        except Exception as err:  # noqa: BLE001 - recorded in the table
            out[k] = _failed(rid, params, err)
    try:
        if models:
            Ensemble(models).run()
        rows = summary_rows(models, [tasks[k][1] for k in where])
        for k, row in zip(where, rows, strict=True):
            out[k] = _ok(tasks[k][0], row)
    except Exception:  # noqa: BLE001 - replayed alone below, where it is attributed
        for k in where:
            out[k] = _one(*tasks[k], per_round=False)
    return [out[k] for k in range(len(tasks))]


def run_chunk(tasks: list[tuple[str, dict[str, Any]]], per_round: bool = False
              ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Run several runs in one task (worker side). A failing run becomes a row with
    ``status = "error"`` and its message; it never raises. Without per-round rows, runs of
    one scenario, protocol and round count are played together as one ensemble (the same
    rows as alone, tests/test_ensemble.py).

    It lives here, not in experiments/batch.py, so that a worker imports only the model
    (not pyarrow, rich or the executors) before its first run."""
    if per_round:
        return [_one(rid, params, True) for rid, params in tasks]
    groups: dict[tuple, list[int]] = {}
    for k, (_, params) in enumerate(tasks):
        key = (str(params.get("scenario")), str(params.get("protocol")),
               str(params.get("rounds")))
        groups.setdefault(key, []).append(k)
    out: list[Any] = [None] * len(tasks)
    for idx in groups.values():
        for k, res in zip(idx, _together([tasks[k] for k in idx]), strict=True):
            out[k] = res
    return out
