"""The ensemble engine (model/ensemble/core.py) plays each replicate exactly as a single run.

A replicate played beside others must end with the single run's summary (explanations and
pivot tests included), arrays, partitions and event log, bit for bit: over seeds,
parameter points, every built-in scenario (shocks that reopen settled issues, stance
events, the participation blockage), protocols that stack and protocols that do not,
replicates that end at different rounds, and synthetic worlds of other sizes. Batch rows
through the ensemble equal run_one's."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.runs import run_chunk, run_one
from forecasting.synthetic import synthetic_actors
from model.ensemble.core import Ensemble, EnsembleError
from model.inputs.data import load_actors, load_issues
from model.inputs.scenario import load_scenario
from model.model import EuNatoModel
from model.world import build_world

SCENARIOS = ("baseline-2024", "us-disengagement", "blockage-lifted", "eu-autonomy-push")


def point(k: int) -> dict:
    """The k-th parameter point: engagement, blockage and bloc knobs vary."""
    out: dict = {"us_engagement": [0.1, 0.5, 0.9, None][k % 4]}
    if k % 3 == 1:
        out["participation_blockage"] = bool(k % 2)
    if k % 5 == 2:
        out["eastern_flank_decoupling_fear"] = 0.9
        out["commission_competition"] = 0.2
    return out


def same_run(a: EuNatoModel, b: EuNatoModel) -> None:
    """Two finished models are the same run."""
    assert a.summary() == b.summary()
    for name in ("outcome", "forecast", "proposal", "coalition", "settled_round",
                 "last_vote", "setter_used"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert np.array_equal(a.state.position, b.state.position)
    for key in a.moved:
        assert np.array_equal(a.moved[key], b.moved[key])
    assert np.array_equal(np.array(a.partitions), np.array(b.partitions))
    assert np.array_equal(np.array(a._forecasts), np.array(b._forecasts))
    assert np.array_equal(np.array(a._movement), np.array(b._movement))
    assert (a.status, a.route, a.pieces, a.vetoes) == (b.status, b.route, b.pieces, b.vetoes)
    assert a.events_log == b.events_log
    assert (a.steps, a.running) == (b.steps, b.running)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_replicates_equal_single_runs(scenario: str) -> None:
    kws = [dict(scenario_name=scenario, rng=seed, lean=True, **point(seed))
           for seed in range(12)]
    together = Ensemble([EuNatoModel(**kw) for kw in kws]).run()
    for kw, mdl in zip(kws, together, strict=True):
        same_run(EuNatoModel(**kw).run(), mdl)


@pytest.mark.parametrize(("scenario", "protocol"), [
    ("us-disengagement", "bdm"), ("blockage-lifted", "exchange"), ("baseline-2024", "nash"),
    ("eu-autonomy-push", "pce")])
def test_protocols_that_do_not_stack_play_each_replicate_in_turn(scenario: str,
                                                                 protocol: str) -> None:
    kws = [dict(scenario_name=scenario, protocol=protocol, rng=seed, lean=True,
                rounds=14, **point(seed)) for seed in range(3)]
    together = Ensemble([EuNatoModel(**kw) for kw in kws]).run()
    for kw, mdl in zip(kws, together, strict=True):
        same_run(EuNatoModel(**kw).run(), mdl)


@pytest.mark.parametrize("scenario", ["us-disengagement", "baseline-2024"])
def test_replicates_that_end_at_different_rounds(scenario: str) -> None:
    """Replicates leave the ensemble when their own run ends; the rest play on."""
    kws = [dict(scenario_name=scenario, rng=seed, lean=True, rounds=r, **point(seed))
           for seed, r in enumerate([3, 48, 9, 17, 30, 1, 48, 22])]
    together = Ensemble([EuNatoModel(**kw) for kw in kws]).run()
    for kw, mdl in zip(kws, together, strict=True):
        assert mdl.steps <= kw["rounds"]
        same_run(EuNatoModel(**kw).run(), mdl)


def no_venue(issues: list) -> list:
    """The issues with one institution's venue taken away on some of them."""
    return [i.model_copy(update={"nato_venue": "none"} if k % 4 == 1 else
                         {"eu_venue": "none"} if k % 4 == 2 else {})
            for k, i in enumerate(issues)]


@pytest.mark.parametrize(("scenario", "venues"), [("us-disengagement", False),
                                                  ("blockage-lifted", True)])
def test_every_round_of_a_replicate_is_the_single_runs_round(scenario: str,
                                                            venues: bool) -> None:
    """Between rounds too (what failed votes record is kept in arrays until read)."""
    spec = load_scenario(scenario)
    issues = no_venue(load_issues()) if venues else load_issues()

    def model(seed: int, rounds: int) -> EuNatoModel:
        return EuNatoModel(spec, rng=seed, lean=True, rounds=rounds, **point(seed),
                           world=build_world(load_actors(), issues, spec))

    plan = list(enumerate([40, 12, 48, 25]))
    ens = Ensemble([model(*p) for p in plan])
    alone = [model(*p) for p in plan]
    while any(m.running for m in alone):
        ens.step()
        for m in alone:
            if m.running:
                m.step()
        for a, b in zip(alone, ens.sync(), strict=True):
            assert (a.steps, a.status, a.pieces, a.vetoes) == (b.steps, b.status, b.pieces,
                                                               b.vetoes)
            for name in ("outcome", "forecast", "proposal", "coalition", "last_vote"):
                assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True)
            assert np.array_equal(a.state.position, b.state.position)
    assert not any(m.running for m in ens.models)


@pytest.mark.parametrize("n", [6, 25, 60])
def test_synthetic_worlds_of_other_sizes(n: int) -> None:
    """Other sizes, and issues where one institution has no venue (its piece is never
    voted)."""
    issues = no_venue(load_issues())
    spec = load_scenario("baseline-2024")  # its rules, without its stances on real states
    spec = spec.model_copy(update={"stances": {}, "parameters": spec.parameters.model_copy(
        update={"blockers": [], "participation_blockage": False})})

    def model(seed: int) -> EuNatoModel:
        world = build_world(synthetic_actors(n, np.random.default_rng(n)), issues, spec)
        return EuNatoModel(spec, rng=seed, lean=True, world=world, rounds=20)

    together = Ensemble([model(s) for s in range(5)]).run()
    for seed, mdl in enumerate(together):
        same_run(model(seed).run(), mdl)


def test_batch_rows_through_the_ensemble_equal_run_one() -> None:
    """run_chunk groups a task list by scenario, protocol and rounds; every row is
    run_one's, in the task order, and a bad run is its own error row."""
    tasks = []
    for k in range(14):
        params = {"scenario": SCENARIOS[k % 2], "seed": k, **point(k)}
        if k % 7 == 3:
            params["protocol"] = "bdm"
            params["rounds"] = 6
        tasks.append((f"r{k}", params))
    tasks.insert(5, ("bad", {"scenario": "baseline-2024", "seed": 1, "us_engagement": 7.0}))
    rows = run_chunk(tasks)
    assert [r["run_id"] for r, _ in rows] == [rid for rid, _ in tasks]
    for (rid, params), (row, rounds) in zip(tasks, rows, strict=True):
        assert rounds == []
        if rid == "bad":
            assert row["status"] == "error" and "us_engagement" in row["error"]
            continue
        alone, _ = run_one(params)
        assert row == {"run_id": rid, "status": "ok", "error": None, **alone}


def test_models_that_cannot_share_an_ensemble_are_refused() -> None:
    with pytest.raises(EnsembleError, match="not lean"):
        Ensemble([EuNatoModel(rng=1)])
    with pytest.raises(EnsembleError, match="differs"):
        Ensemble([EuNatoModel(rng=1, lean=True),
                  EuNatoModel("us-disengagement", rng=1, lean=True)])
    stepped = EuNatoModel(rng=1, lean=True)
    stepped.step()
    with pytest.raises(EnsembleError, match="already stepped"):
        Ensemble([stepped])
    with pytest.raises(EnsembleError, match="at least one"):
        Ensemble([])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_runs_built_from_one_base_world_leave_it_as_it_was(scenario: str) -> None:
    """Batches build a scenario's world once and give each run a copy: runs with knobs
    and events change their own copy only, and play as if built alone."""
    from experiments.runs import base_world, build_model

    base = base_world(scenario)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v)
              for k, v in vars(base[1]).items()}
    for k in range(4):
        params = {"scenario": scenario, "seed": k, **point(k)}
        shared = build_model(params, lean=True, base=base).run()
        alone = build_model(params, lean=True).run()
        assert shared.summary() == alone.summary()
    for k, v in vars(base[1]).items():
        if isinstance(v, np.ndarray):
            assert v.tobytes() == before[k].tobytes(), k
        else:
            assert v == before[k], k
