"""The model as an EMA Workbench model (``ema_workbench`` 3.x), for exploratory modelling.

    from ema_workbench import MultiprocessingEvaluator, perform_experiments
    from experiments.ema import make_model

    model = make_model("baseline-2024", protocol="compromise", seeds=[0, 1, 2])
    with MultiprocessingEvaluator(model, n_processes=2) as ev:
        experiments, outcomes = perform_experiments(model, scenarios=100, evaluator=ev)

Uncertainties: the eight bloc knobs (``<bloc>_decoupling_fear``, ``<bloc>_competition``,
the bloc's mean level on [0, 1]) and ``us_engagement`` on [0, 1]; ranges can be narrowed with
``ranges``. Constants: scenario, protocol, rounds. Outcomes per issue (docs/schema.md):
``eu_role_<issue>``, ``nato_role_<issue>`` (0–100) and ``agreed_<issue>`` (1 or 0); plus
``agreed_share``, ``duplication_index`` and ``gap_index``. With several seeds the model is
a ``ReplicatorModel``: every sampled point runs once per seed (the same seeds everywhere).

The run itself is :func:`experiments.runs.build_model`, as for batches and the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from experiments.runs import build_model
from model.model import BLOC_KNOBS

UNCERTAINTIES: tuple[str, ...] = (*BLOC_KNOBS, "us_engagement")


def issue_ids() -> list[str]:
    from model.inputs.data import load_issues

    return [i.id for i in load_issues()]


def ema_function(scenario: str = "baseline-2024", protocol: str = "compromise",
                 rounds: int | None = None, seed: int = 0, **knobs: float) -> dict[str, float]:
    """One run as EMA calls it: keyword inputs in, a dict of scalar outcomes out."""
    from model.results.reading import issues

    model = build_model({"scenario": scenario, "protocol": protocol, "rounds": rounds,
                         "seed": int(seed), **{k: float(v) for k, v in knobs.items()}})
    model.run()
    s = model.summary()
    out: dict[str, float] = {}
    views = issues(s)
    for v in views:
        out[f"eu_role_{v['issue']}"] = float(v["eu_role"])
        out[f"nato_role_{v['issue']}"] = float(v["nato_role"])
        out[f"agreed_{v['issue']}"] = float(v["status"] == "agreed")
    out["agreed_share"] = sum(v["status"] == "agreed" for v in views) / max(len(views), 1)
    out["duplication_index"] = float(s["duplication_index"])
    out["gap_index"] = float(s["gap_index"])
    return out


def make_model(scenario: str = "baseline-2024", protocol: str = "compromise",
               rounds: int | None = None, seeds: int | Sequence[int] = 1,
               ranges: dict[str, tuple[float, float]] | None = None,
               name: str = "eunato") -> Any:
    """An ``ema_workbench`` model of eunato.

    Args:
        scenario, protocol, rounds: held constant over the experiments.
        seeds: a number of seeds (``0 … n−1``) or the seeds; more than one gives a
            ``ReplicatorModel`` (each point runs once per seed).
        ranges: narrower ``(lo, hi)`` per uncertainty (default [0, 1] for all); an
            uncertainty left out of a given dict keeps [0, 1].
        name: the EMA model name (a Python identifier).
    """
    from ema_workbench import Constant, Model, RealParameter, ReplicatorModel, ScalarOutcome

    seed_list = list(range(int(seeds))) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list:
        raise ValueError("seeds: at least one seed")
    ranges = dict(ranges or {})
    unknown = set(ranges) - set(UNCERTAINTIES)
    if unknown:
        raise ValueError(f"ranges: unknown uncertainty {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(UNCERTAINTIES)}")
    if len(seed_list) == 1:
        model = Model(name, function=ema_function)
    else:
        model = ReplicatorModel(name, function=ema_function)
        model.replications = [{"seed": s} for s in seed_list]
    model.uncertainties = [RealParameter(k, *ranges.get(k, (0.0, 1.0)))
                           for k in UNCERTAINTIES]
    constants = [Constant("scenario", str(scenario)), Constant("protocol", protocol)]
    if rounds is not None:
        constants.append(Constant("rounds", int(rounds)))
    if len(seed_list) == 1:
        constants.append(Constant("seed", seed_list[0]))
    model.constants = constants
    outcomes = []
    for i in issue_ids():
        outcomes += [ScalarOutcome(f"eu_role_{i}"), ScalarOutcome(f"nato_role_{i}"),
                     ScalarOutcome(f"agreed_{i}")]
    outcomes += [ScalarOutcome(k) for k in ("agreed_share", "duplication_index", "gap_index")]
    model.outcomes = outcomes
    return model
