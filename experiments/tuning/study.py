"""Tune free parameters so that runs match targets (`eunato tune FILE`), with Optuna.

A *tune file* (TOML, validated with pydantic; see docs/tuning.md) names a base scenario,
the free parameters with their bounds, the seeds every trial is run with, and the targets
with their weights::

    name = "baseline-tune"
    scenario = "baseline-2024"
    seeds = [1, 2, 3]
    [parameters.us_engagement]
    low = 0.5
    high = 1.0
    [parameters."actor.POL.decoupling_fear"]
    low = 0.5
    high = 1.0
    [[targets]]
    kind = "outcome"          # outcome | rounds | agreed | blocked | together | apart | metric
    issue = "ukr_training"
    role = "eu"               # eu | nato: the EU's or NATO's role in force (0-100)
    value = 55
    weight = 2

Free parameters are written the way a scenario file would set them, so every tuned
parameter set *is* a scenario (the base plus overrides) and ``--write-scenario`` saves
exactly what was evaluated:

- ``us_engagement``, the bloc knobs ``<bloc>_decoupling_fear`` / ``<bloc>_competition``
  (also spelt ``bloc.<bloc>.<field>``) and the actor knobs ``commission_competition`` /
  ``nato_staff_competition`` (the model keywords of
  :data:`experiments.runs.MODEL_PARAMETERS`);
- ``parameters.<field>``: a numeric model-wide scenario parameter (coalition_threshold …);
- ``actor.<ID>.<field>`` for decoupling_fear, competition, risk, capability, engagement;
  ``actor.<ID>.eu_role.<issue>``, ``actor.<ID>.nato_role.<issue>`` (ideal roles, 0-100)
  and ``actor.<ID>.salience.<issue>``;
- ``issue.<ID>.status_quo.eu_role`` and ``issue.<ID>.status_quo.nato_role`` (a scenario
  sets the pair; the half not tuned keeps the base scenario's value).

Loss: each target's distance d_k in [0, 1] (averaged over the seeds, or for yes/no facts
the gap between the share of seeds where the fact holds and the target share), combined as
Σ w_k d_k / Σ w_k. Multi-objective studies (NSGA-II) minimise one such loss per target group.

The parts, one module each (this module holds the Optuna study and re-exports the rest):
:mod:`experiments.tuning.scenario` (parameter names -> scenario overrides, one run of a point,
the tuned scenario file), :mod:`experiments.tuning.spec` (the file's schema and its checks
against the data) and :mod:`experiments.tuning.objective` (each target's distance, the loss).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np

# the study's parts, one module each; ``from experiments.tuning import study`` reaches them all
from experiments.tuning.objective import ROLES, evaluate, fit, target_fit, tasks
from experiments.tuning.scenario import (
    INT_SCENARIO_PARAMETERS,
    NUMERIC_SCENARIO_PARAMETERS,
    ROLE_FIELDS,
    _isnan,
    build_scenario,
    complete_status_quo,
    evaluate_point,
    overrides_for,
    parameter_path,
    scenario_toml,
    write_scenario,
)
from experiments.tuning.spec import (
    STRICT,
    Bound,
    StudySpec,
    Target,
    TuneSpec,
    load_spec,
    load_tune,
    run_metrics,
)

# the study's parts, one module each; ``from experiments import tune`` reaches them all
from model.io.safeio import atomic_output

__all__ = [
    "NUMERIC_SCENARIO_PARAMETERS", "INT_SCENARIO_PARAMETERS", "ROLE_FIELDS",
    "parameter_path", "overrides_for", "complete_status_quo", "build_scenario",
    "evaluate_point", "scenario_toml", "write_scenario", "STRICT", "Bound", "Target",
    "StudySpec", "run_metrics", "TuneSpec", "load_spec", "load_tune", "ROLES", "target_fit",
    "fit", "tasks", "evaluate", "SAMPLERS", "make_sampler", "default_storage", "open_study",
    "suggest", "optimize", "complete_trials", "best_trial", "fit_rows", "importances",
    "plot_history", "plot_importance",
]

SAMPLERS = ("tpe", "cmaes", "random", "nsga2")


def make_sampler(name: str, seed: int, multi: bool) -> Any:
    import optuna

    if name == "cmaes":
        if multi:
            raise ValueError("--sampler cmaes: CMA-ES is single-objective; "
                             "multi_objective studies use nsga2")
        if importlib.util.find_spec("cmaes") is None:
            raise ValueError("--sampler cmaes needs the optional package `cmaes` "
                             "(pip install cmaes), which is not installed; use tpe")
        return optuna.samplers.CmaEsSampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "nsga2" or multi:
        return optuna.samplers.NSGAIISampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def default_storage(out_dir: str | Path) -> str:
    return f"sqlite:///{Path(out_dir).resolve() / 'study.db'}"


def _storage_error(url: str, err: Exception, local: bool) -> Exception:
    """A storage that fails: the user's ``--storage`` is bad input (exit 2); the default
    one in the output folder failing is the disk's doing (full, read-only: exit 1)."""
    if not local:
        return ValueError(f"--storage {url}: {err}")
    from experiments.store import StoreError

    text = str(err).lower()
    why = ("the disk is full" if "full" in text else "the folder is read-only or not "
           "writable" if "readonly" in text or "read-only" in text or "unable to open" in text
           else str(err).splitlines()[0])
    return StoreError(f"cannot write {url.removeprefix('sqlite:///')}: {why}")


def open_study(spec: TuneSpec, storage: str | None, out_dir: str | Path,
               sampler: str | None = None, study_name: str | None = None) -> Any:
    """Create the study or continue it (same name and storage: trial counts add up).
    Trials killed with their process are marked FAIL: at once in the default storage
    (call this holding ``out_dir``'s lock, :func:`experiments.store.folder_lock`), after
    their heartbeat's grace period in a shared one."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    local = storage is None
    url = storage or default_storage(out_dir)
    for attempt in range(3):
        try:
            # heartbeats: a trial whose process was killed is marked FAIL by the next run on
            # any storage (a shared database too) once it has been silent for the grace
            # period
            with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 5
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                storage = optuna.storages.RDBStorage(url, heartbeat_interval=5,
                                                     grace_period=20)
            break
        except Exception as err:  # bad URL, unreachable database …
            # two processes creating a new database's tables at once: the second's CREATE
            # TABLE fails ("already exists"); the tables are there now, so open it again
            if "already exists" in str(err) and attempt < 2:
                time.sleep(0.2)
                continue
            raise _storage_error(url, err, local) from None
    multi = spec.multi_objective
    directions = ["minimize"] * (len(spec.groups) if multi else 1)
    name = study_name or spec.name
    # a continued study gets a fresh sampler seed, so it does not replay the first run
    try:
        done = {s.study_name: s.n_trials for s in optuna.get_all_study_summaries(storage)}
    except Exception as err:  # unreachable database …
        raise _storage_error(url, err, local) from None
    smp = make_sampler(sampler or spec.sampler, spec.sampler_seed + done.get(name, 0), multi)
    try:
        study = optuna.create_study(study_name=name, storage=storage, sampler=smp,
                                    directions=directions, load_if_exists=True)
    except ValueError as err:
        raise ValueError(f"study {name!r} in {url}: {err}") from None
    if local:
        # the study database in OUT belongs to whoever holds OUT's lock (the caller):
        # a trial still RUNNING there was killed with its process
        for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
    if len(study.directions) != len(directions):
        raise ValueError(f"study {name!r} in {url} has {len(study.directions)} "
                         f"objective(s), the tune file {len(directions)}; use another "
                         "--study-name or --storage")
    study.set_user_attr("parameters", sorted(spec.parameters))
    study.set_user_attr("groups", spec.groups if multi else ["loss"])
    return study


def suggest(trial: Any, spec: TuneSpec) -> dict[str, float]:
    out = {}
    for name, b in spec.parameters.items():
        integer = name.split(".")[-1] in INT_SCENARIO_PARAMETERS
        if integer:
            out[name] = trial.suggest_int(name, int(b.low), int(b.high), log=b.log)
        else:
            out[name] = trial.suggest_float(name, b.low, b.high, log=b.log, step=b.step)
    return out


def optimize(study: Any, spec: TuneSpec, trials: int, executor: Executor | None = None,
             callback: Callable[[Any, Any], None] | None = None) -> Any:
    """Run ``trials`` more trials of ``study``."""
    if spec.start and not study.trials:
        study.enqueue_trial(dict(spec.start), skip_if_exists=True)

    def objective(trial: Any) -> float | tuple[float, ...]:
        params = suggest(trial, spec)
        f, _ = evaluate(spec, params, executor)
        trial.set_user_attr("loss", f["loss"])
        trial.set_user_attr("achieved", [None if _isnan(x) else x for x in f["achieved"]])
        trial.set_user_attr("distance", f["distance"])
        if spec.multi_objective:
            return tuple(f["groups"][g] for g in spec.groups)
        return f["loss"]

    # an interruption (Ctrl-C, SIGTERM) ends the trial under way as FAIL, as Optuna does,
    # but Optuna's own record of it is a traceback on the terminal: that one is kept quiet
    quiet = _QuietInterrupt()
    handlers = logging.getLogger("optuna").handlers  # a logger's filter misses its children
    for h in handlers:
        h.addFilter(quiet)
    try:
        study.optimize(objective, n_trials=trials,
                       callbacks=[callback] if callback else None)
    finally:
        for h in handlers:
            h.removeFilter(quiet)
    return study


class _QuietInterrupt(logging.Filter):
    """Drops Optuna's log records of a trial that an interruption ended."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = False

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, KeyboardInterrupt) or "KeyboardInterrupt" in record.getMessage() \
                or "Terminated" in record.getMessage():
            self.seen = True
            return False
        return not (self.seen and "failed with value None" in record.getMessage())


def complete_trials(study: Any) -> list[Any]:
    """The trials that finished (killed and failed ones are not counted)."""
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def best_trial(study: Any) -> Any:
    """The best trial; in a multi-objective study the Pareto trial with the lowest
    weighted total loss."""
    if len(study.directions) == 1:
        return study.best_trial
    return min(study.best_trials, key=lambda t: t.user_attrs.get("loss", math.inf))


def fit_rows(spec: TuneSpec, trial: Any) -> list[dict[str, Any]]:
    """The fit per target of a trial: target, value, achieved, distance, weight."""
    out = []
    for t, a, d in zip(spec.targets, trial.user_attrs["achieved"], trial.user_attrs["distance"],
                       strict=True):
        out.append({"target": t.label, "group": t.group_name, "value": t.value,
                    "achieved": a, "distance": d, "weight": t.weight})
    return out


def importances(study: Any) -> dict[str, float]:
    """fANOVA importances of the parameters for the (total) loss; {} if too few trials."""
    import optuna

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(done) < 2 or len({json.dumps(t.params, sort_keys=True) for t in done}) < 2:
        return {}
    try:
        with warnings.catch_warnings():  # PED-ANOVA's note that low values are good: they are
            warnings.simplefilter("ignore", UserWarning)
            return optuna.importance.get_param_importances(
                study, target=lambda t: t.user_attrs.get("loss", math.nan))
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}


def plot_history(study: Any, path: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import optuna

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    x = [t.number for t in done]
    y = [t.user_attrs.get("loss", math.nan) for t in done]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(x, y, s=12, alpha=0.6, label="trial")
    if y:
        ax.step(x, np.minimum.accumulate(np.nan_to_num(y, nan=np.inf)), where="post",
                color="C3", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("loss (weighted distance to targets)")
    ax.set_title(f"optimisation history: {study.study_name}")
    ax.legend()
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)
    return Path(path)


def plot_importance(imp: dict[str, float], path: str | Path, title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(imp)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.4 * max(len(names), 1)))
    ax.barh(names, [imp[n] for n in names], color="C0")
    ax.set_xlabel("importance (fANOVA, share of loss variance)")
    ax.set_title(title or "parameter importance")
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)
    return Path(path)


