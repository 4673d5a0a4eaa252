"""The EMA Workbench adapter runs under ema_workbench's own multiprocessing evaluator."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from experiments.ema import UNCERTAINTIES, ema_function, issue_ids, make_model

pytestmark = pytest.mark.slow


def test_perform_experiments_with_the_multiprocessing_evaluator():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ipyparallel not installed": not used here
        from ema_workbench import MultiprocessingEvaluator, perform_experiments
    model = make_model("baseline-2024", protocol="compromise", rounds=6, seeds=1)
    with MultiprocessingEvaluator(model, n_processes=2) as ev:
        experiments, outcomes = perform_experiments(model, scenarios=4, evaluator=ev)
    assert len(experiments) == 4
    assert set(UNCERTAINTIES) <= set(experiments.columns)
    for i in issue_ids():
        eu, nato = outcomes[f"eu_role_{i}"], outcomes[f"nato_role_{i}"]
        assert eu.shape == (4,) and np.all((0 <= eu) & (eu <= 100))
        assert np.all((0 <= nato) & (nato <= 100))
        assert set(np.unique(outcomes[f"agreed_{i}"])) <= {0.0, 1.0}
    # the workers ran exactly the runs the sampled inputs describe
    row = experiments.iloc[2]
    direct = ema_function(scenario="baseline-2024", protocol="compromise", rounds=6, seed=0,
                          **{k: row[k] for k in UNCERTAINTIES})
    for k, v in direct.items():
        assert outcomes[k][2] == pytest.approx(v), k
    # the sampled knobs matter: the runs are not all alike
    assert len({tuple(np.round([outcomes[f"eu_role_{i}"][n] for i in issue_ids()], 6))
                for n in range(4)}) > 1


def test_replications_over_seeds_and_bad_ranges():
    model = make_model(seeds=[3, 4], rounds=4)
    assert [r["seed"] for r in model.replications] == [3, 4]
    with pytest.raises(ValueError, match="unknown uncertainty"):
        make_model(ranges={"warp": (0, 1)})
